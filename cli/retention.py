"""`isindex retention run`: archive and purge children as index.retention says.

The worker runs the same job daily; this runs it now, or with --dry-run shows what it
would do (counts per rule, and the ids with --json) and changes nothing. Each batch is
audited as retention.archive or retention.purge, with the children's ids only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from cli import args as types
from cli import database
from cli.output import print_json
from index import db, retention


def render(report) -> str:
    counts = report.counts()
    rules = ", ".join(f"{rule} {n}" for rule, n in counts.items())
    if report.dry_run:
        return "\n".join([
            f"retention on {report.today:%Y-%m-%d} (dry run: nothing changed)",
            f"would archive {len(report.archived)} ({rules})",
            f"would purge {len(report.purged)}",
        ])
    return "\n".join([
        f"retention on {report.today:%Y-%m-%d} (run {report.request_id})",
        f"archived {len(report.archived)} ({rules})",
        f"purged {len(report.purged)}, with {report.source_records} source record(s)",
        f"{report.batches} batch(es), each audited",
    ])


def as_json(report) -> dict:
    return {
        "request_id": str(report.request_id),
        "today": report.today.isoformat(),
        "dry_run": report.dry_run,
        "archive": {"count": len(report.archived), "by_rule": report.counts(),
                    "children": [{"id": str(d.id), "rule": d.rule} for d in report.archived]},
        "purge": {"count": len(report.purged), "children": [str(cid) for cid in report.purged],
                  "source_records": report.source_records},
        "batches": report.batches,
    }


def cmd_retention_run(args, settings) -> int:
    now = retention.today()
    today = args.today or now
    if today > now and not args.dry_run:
        print(f"isindex: --today {today:%Y-%m-%d} is after today ({now:%Y-%m-%d}): a future date is allowed "
              "only with --dry-run", file=sys.stderr)
        return 2

    async def work(conn):
        with db.translate_errors():
            return await retention.run(conn, today, dry_run=args.dry_run, batch=args.batch)

    report = database.run(settings, work)
    if args.json:
        print_json(as_json(report))
    else:
        print(render(report))
    return 0


def _date(value: str) -> dt.date:
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2025-09-01") from None
    if len(value) != 10:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2025-09-01")
    return parsed


def add_parsers(sub) -> None:
    r = sub.add_parser("retention", help="archive and purge children by the retention rules").add_subparsers(
        dest="retention_command", required=True, metavar="ACTION")
    rr = r.add_parser(
        "run", help="archive children at 18 (25 with consent, a year after a death), purge 6 years later",
        description="Archive every child due (18th birthday; 25th with recorded consent; one year after a "
                    "recorded death when that comes first) and purge every child archived six years ago or "
                    "more, with their source records and links. Batches commit one at a time: an "
                    "interrupted run is finished by running again.")
    rr.add_argument("--dry-run", action="store_true", help="show what would be archived and purged; change nothing")
    rr.add_argument("--today", type=_date, metavar="YYYY-MM-DD",
                    help="the reference date (default: today in England; a future date only with --dry-run)")
    rr.add_argument("--batch", type=types.whole_number(10_000), default=500, metavar="N",
                    help="children per transaction (default 500)")
    rr.add_argument("--json", action="store_true", help="print the counts and the children's ids as JSON")
    rr.set_defaults(func=cmd_retention_run)
