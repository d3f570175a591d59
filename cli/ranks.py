"""`isindex survivorship`: list and set the source-kind ranks of survivorship (index.ranks).

A change is audited (action survivorship.rank_set) as the command line's own event.
"""

from __future__ import annotations

import uuid

from cli import database
from cli.output import print_json
from index import audit, db, errors, ranks


def _print(got, as_json: bool) -> None:
    if as_json:
        print_json([{"kind": r.kind, "rank": r.rank} for r in got])
    else:
        width = max(len(r.kind) for r in got)
        print("\n".join(f"{r.kind.ljust(width)}  {r.rank}" for r in got))


def cmd_ranks(args, settings) -> int:
    _print(database.run(settings, ranks.ranks), args.json)
    return 0


def cmd_set(args, settings) -> int:
    async def work(conn):
        with db.translate_errors():
            async with conn.transaction():
                try:
                    rank = await ranks.set_rank(conn, args.kind, args.rank)
                except errors.Invalid as exc:
                    raise errors.Invalid(f"{(exc.field or '').upper()}: {exc.message}") from None
                await audit.record(conn, audit.Event(
                    request_id=uuid.uuid4(), action="survivorship.rank_set", outcome="ok", status=200,
                    query={"via": "cli", "kind": rank.kind, "rank": rank.rank}))
            return await ranks.ranks(conn)

    _print(database.run(settings, work), args.json)
    return 0


def add_parsers(sub) -> None:
    s = sub.add_parser("survivorship", help="which source kind's values a child shows when sources disagree") \
        .add_subparsers(dest="survivorship_command", required=True, metavar="ACTION")
    r = s.add_parser("ranks", help="list the source kinds' ranks, best first")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_ranks)
    st = s.add_parser("set", help="set a source kind's rank (1 is best; equal ranks tie, then the latest wins)",
                      description="Names, sex, date of birth and address: the value more linked sources agree on "
                                  "wins; then the best-ranked source kind; then the most recent.")
    st.add_argument("kind", metavar="KIND", help="local_authority, school, gp, health_visiting, ...")
    st.add_argument("rank", metavar="RANK", type=int, help="1-100, lower wins")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_set)
