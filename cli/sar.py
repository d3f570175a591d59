"""`isindex sar CHILD_ID`: a subject access export from the command line.

Writes CHILD_ID.json and CHILD_ID.txt (readable text) into --out (default: the current
directory), readable by the owner only, and prints their paths; with --json, prints the
JSON instead. Audited as child.sar with no user and query {"via": "cli"}, like the API's
GET /children/{id}/subject-access; an unknown child is audited as not_found.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

import msgspec

from cli import database
from cli.files import replacing
from index import audit, db, errors, sar

ACTION = "child.sar"


def _child_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an index id (like 123e4567-e89b-12d3-a456-426614174000)") from None


def cmd_sar(args, settings) -> int:
    child_id: uuid.UUID = args.child_id

    async def work(conn):
        with db.translate_errors():
            async with conn.transaction():
                got = await sar.export(conn, child_id)
                found = got is not None
                await audit.record(conn, audit.Event(
                    request_id=uuid.uuid4(), action=ACTION, outcome="ok" if found else "not_found",
                    status=200 if found else 404, query={"via": "cli"}, child_ids=[child_id]))
        return got

    out = Path(args.out)
    if not args.json and not out.is_dir():
        raise SystemExit(f"isindex: --out {args.out} is not a directory")
    got = database.run(settings, work)
    if got is None:
        raise errors.NotFound(f"no child with index id {child_id}")
    data = msgspec.json.format(msgspec.json.encode(got), indent=2) + b"\n"
    if args.json:
        sys.stdout.write(data.decode())
        return 0
    files = {out.resolve() / f"{child_id}.json": data,
             out.resolve() / f"{child_id}.txt": sar.render_text(got).encode("utf-8")}
    for path, content in files.items():
        with replacing(path, binary=True, private=True) as f:     # personal data: the owner's only
            f.write(content)
    for path in files:
        print(path)
    return 0


def add_parsers(sub) -> None:
    s = sub.add_parser(
        "sar", help="subject access: export everything held about a child",
        description="Export everything the index holds about one child: names, address, identifiers, carers, "
                    "involvements and indicators (ended and cleared ones too), source records with their link "
                    "history, review items and the access history. Writes CHILD_ID.json and CHILD_ID.txt "
                    "(owner-only files) and prints their paths. The export is audited.")
    s.add_argument("child_id", type=_child_id, metavar="CHILD_ID", help="the child's index id")
    s.add_argument("--out", default=".", metavar="DIR", help="directory for the two files (default: here)")
    s.add_argument("--json", action="store_true", help="print the JSON to stdout instead of writing files")
    s.set_defaults(func=cmd_sar)
