"""`isindex review list`: the open LA review items, as a readable table or JSON.

Reading the queue shows children's details, so it is audited like `GET /review`
(action review.list, with the children shown), as the command line's own event.
"""

from __future__ import annotations

import uuid

import msgspec

from cli import args as types
from cli import database
from cli.output import print_json
from index import audit, db
from matching import schemes

REVIEW_LIST_MAX = 10_000


def _name(forename: str | None, middle: str | None, surname: str | None) -> str:
    return " ".join(p for p in (forename, middle, (surname or "").upper()) if p)


def _address(line1: str | None, town: str | None, postcode: str | None) -> str:
    return ", ".join(p for p in (line1, town, postcode) if p) or "-"


def _ids(pairs: list[tuple[str, str | None]]) -> str:
    return " ".join(f"{k}:{v}" for k, v in pairs if v) or "-"


def render(items) -> str:
    """Each item: a heading, the incoming record, then its candidates in rank order with
    each comparison's level and weight (bits)."""
    if not items:
        return "no open review items"
    lines = []
    for item in items:
        r = item.record
        flags = ", shielded candidate" if item.shielded else ""
        lines.append(f"review {item.id}  LA {item.la_code}  opened {item.created_at:%Y-%m-%d %H:%M}  "
                     f"reasons: {', '.join(item.reasons) or '-'}{flags}")
        rows = [("", "incoming", f"{r.source}/{r.record_key}", _name(r.forename, r.middle_names, r.surname),
                 r.dob.isoformat() if r.dob else "-", r.gender or "-", _address(r.address_line1, r.town, r.postcode),
                 _ids([(s.name, getattr(r, s.name)) for s in schemes.SCHEMES if s.summary]))]
        for c in item.candidates:
            ids = _ids([(i.scheme, i.value) for i in c.identifiers if schemes.get(i.scheme).summary])
            status = "ruled out" if c.ruled_out else f"{c.match_weight:+.1f}"
            rows.append((str(c.rank), status, str(c.child_id), _name(c.forename, c.middle_names, c.surname),
                         c.dob.isoformat(), c.sex, "(shielded)" if c.notice else _address(c.address_line1, c.town,
                                                                                         c.postcode), ids))
        widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
        for row in rows:
            lines.append("  " + "  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())
        for c in item.candidates:
            fields = ", ".join(f"{f.comparison} {f.level} {f.bits:+.1f}" for f in c.explanation)
            lines.append(f"    {c.rank}: {fields}")
        if not item.candidates:
            lines.append("    no candidates")
        lines.append("")
    return "\n".join(lines).rstrip()


class Listing(msgspec.Struct):
    """--json output: the items and how many."""
    items: list
    count: int


def cmd_review_list(args, settings) -> int:
    from index import review     # imported here: slow to import (the matching model)

    async def work(conn):
        with db.translate_errors():
            async with conn.transaction():
                items = await review.list_open(conn, args.la, limit=args.limit)
                query = {"via": "cli", "limit": args.limit, **({"la": args.la} if args.la else {})}
                await audit.record(conn, audit.Event(
                    request_id=uuid.uuid4(), action="review.list", outcome="ok", status=200, query=query,
                    child_ids=sorted({c.child_id for i in items for c in i.candidates})))
                return items

    items = database.run(settings, work)
    if args.json:
        print_json(Listing(items, len(items)))
    else:
        print(render(items))
    return 0


def add_parsers(sub) -> None:
    r = sub.add_parser("review", help="the LA review queue").add_subparsers(dest="review_command", required=True,
                                                                            metavar="ACTION")
    rl = r.add_parser("list", help="open review items, oldest first, with their candidates side by side")
    rl.add_argument("--la", type=types.la_code, help="only this LA's items (default: every LA)")
    rl.add_argument("--limit", type=types.whole_number(REVIEW_LIST_MAX), default=50, metavar="N",
                    help="at most N items (default 50)")
    rl.add_argument("--json", action="store_true")
    rl.set_defaults(func=cmd_review_list)
