"""`isindex backup` and `isindex restore`: the index database to a file and back.

The file is a pg_dump custom-format archive (index.backup), written whole or not at all
and readable by its owner only (it holds personal data). Neither command migrates or
checks the schema: a backup is taken of whatever is there, and a restored database is
brought up to date by `isindex migrate` (or `serve`) as usual.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from pathlib import Path

from cli.files import replacing
from cli.output import print_json
from index import backup, db


def _default_out() -> Path:
    return Path(f"isindex-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}.dump")


def _size(n: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return ""


def cmd_backup(args, settings) -> int:
    out = Path(args.out) if args.out else _default_out()

    async def work() -> float:
        url = await db.database_url(settings)
        with replacing(out, binary=True, private=True) as f:
            return await backup.dump(url, f)

    try:
        seconds = asyncio.run(work())
    except OSError as exc:
        print(f"isindex: cannot write {out}: {exc.strerror}", file=sys.stderr)
        return 1
    size = os.path.getsize(out)
    tables = backup.check_archive(out)      # the file as written reads back as an archive
    version = backup.tool_version()
    if args.json:
        print_json({"file": str(out), "bytes": size, "tables": tables, "seconds": round(seconds, 2),
                    "pg_dump": version})
    else:
        print(f"backup: {_where(settings)} -> {out} ({_size(size)}, {tables} tables) in {seconds:.1f} s "
              f"(pg_dump {version}, the embedded wheel's)")
    return 0


def cmd_restore(args, settings) -> int:
    async def work():
        return await backup.restore(await db.database_url(settings), Path(args.file), force=args.force)

    got = asyncio.run(work())
    if args.json:
        print_json({"file": args.file, "tables": got.tables, "children": got.children,
                    "audit_events": got.audit_events, "replaced": got.replaced, "seconds": round(got.seconds, 2)})
    else:
        counts = ", ".join(f"{n:,} {what}" for what, n in (("children", got.children),
                                                           ("audit events", got.audit_events)) if n is not None)
        replaced = " (its previous contents replaced)" if got.replaced else ""
        print(f"restore: {args.file} -> {_where(settings)}{replaced}: {got.tables} tables"
              f"{', ' + counts if counts else ''} in {got.seconds:.1f} s; "
              "check it with `isindex audit verify`, then `isindex migrate`")
    return 0


def _where(settings) -> str:
    return "DATABASE_URL" if settings.database_url else f"embedded database {db.DATABASE_NAME}"


def add_parsers(sub) -> None:
    b = sub.add_parser("backup", help="write the index database to a file (pg_dump custom format)",
                       description="Dump the index database (the embedded server's, or DATABASE_URL's) with the "
                                   "embedded PostgreSQL 18 pg_dump, as one consistent snapshot; the file is "
                                   "written whole or not at all, readable by its owner only.")
    b.add_argument("--out", metavar="FILE", help="where to write it (default: isindex-YYYYMMDDTHHMMSSZ.dump here)")
    b.add_argument("--json", action="store_true", help="print the result as JSON")
    b.set_defaults(func=cmd_backup)

    r = sub.add_parser("restore", help="load a backup into the index database (an empty one, unless --force)",
                       description="Restore a file written by `isindex backup` into the index database, in one "
                                   "transaction. A database that already has tables is refused unless --force, "
                                   "which replaces the objects the backup contains.")
    r.add_argument("file", metavar="FILE", help="a file written by `isindex backup`")
    r.add_argument("--force", action="store_true", help="replace the contents of a database that is not empty")
    r.add_argument("--json", action="store_true", help="print the result as JSON")
    r.set_defaults(func=cmd_restore)
