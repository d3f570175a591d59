"""`isindex audit verify`: check the audit log's hash chain.

Exit 0 when the chain is intact; 1 when an event was edited, deleted or reordered, with
the first bad event named by id and seq. The head's seq and hash are printed either
way: kept somewhere outside the database, they show later whether the whole chain was
rewritten.
"""

from __future__ import annotations

import sys

from cli import database
from cli.output import print_json
from index import audit


def render(result) -> str:
    if result.ok:
        return (f"audit chain intact: {result.events_checked:,} events checked; "
                f"head seq {result.head_seq}, hash {result.head_hash}")
    if result.first_bad_id is not None:
        where = f"event id {result.first_bad_id} (seq {result.first_bad_seq})"
    elif result.first_bad_seq is not None:
        where = f"seq {result.first_bad_seq}"
    else:
        where = "the chain head"
    return (f"audit chain broken at {where}: {result.problem.message}; "
            f"{result.events_checked:,} events before it are intact")


def cmd_audit_verify(args, settings) -> int:
    result = database.run(settings, audit.verify)
    if args.json:
        print_json(result)
    elif result.ok:
        print(render(result))
    else:
        print(f"isindex: {render(result)}", file=sys.stderr)
    return 0 if result.ok else 1


def add_parsers(sub) -> None:
    a = sub.add_parser("audit", help="the audit log").add_subparsers(dest="audit_command", required=True,
                                                                     metavar="ACTION")
    av = a.add_parser("verify", help="check the audit events' hash chain; exit 1 naming the first bad event",
                      description="Recompute every audit event's hash in seq order and compare each with the "
                                  "chain: an edited, deleted or reordered event, or a chain head that does not "
                                  "match the last event, is reported by id and seq, with exit status 1.")
    av.add_argument("--json", action="store_true", help="print the result as JSON (exit status as without)")
    av.set_defaults(func=cmd_audit_verify)
