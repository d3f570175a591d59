"""`isindex audit verify` and `isindex audit anchor`: check the audit log's hash chain.

verify exits 0 when the chain is intact; 1 when an event was edited, deleted or
reordered (the first bad event named by id and seq), when an event has waited unchained
longer than --pending-limit, or when the chain no longer holds --anchor. Events are
chained after they commit, by the chainer in `isindex serve` and `isindex worker`; the
ones not chained yet are reported as pending.

anchor prints the head as SEQ:HASH. Kept somewhere outside the database (a ticket, a
log shipped elsewhere, a printout), it shows later whether the tail was cut or the whole
chain rewritten: `isindex audit verify --anchor SEQ:HASH`.
"""

from __future__ import annotations

import argparse
import sys

from cli import database
from cli.output import print_json
from index import audit, errors


def render(result) -> str:
    if result.ok:
        pending = ""
        if result.pending:
            pending = f"; pending: {result.pending:,} (oldest {result.pending_oldest_seconds:.0f} s)"
        anchored = f"; anchor {result.anchor_checked} holds" if result.anchor_checked else ""
        return (f"audit chain intact: {result.events_checked:,} events checked; "
                f"head seq {result.head_seq}, hash {result.head_hash}{pending}{anchored}")
    if result.first_bad_id is not None:
        where = f"event id {result.first_bad_id} (seq {result.first_bad_seq})"
    elif result.first_bad_seq is not None:
        where = f"seq {result.first_bad_seq}"
    elif result.problem.code == "pending_too_long":
        return f"audit chain not kept up: {result.problem.message}"
    else:
        where = "the chain head"
    return (f"audit chain broken at {where}: {result.problem.message}; "
            f"{result.events_checked:,} events before it are intact")


def anchor_arg(value: str) -> audit.Anchor:
    try:
        return audit.Anchor.parse(value)
    except errors.Invalid as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def seconds_arg(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError("must be 0 or more seconds")
    return seconds


def cmd_audit_verify(args, settings) -> int:
    async def work(conn):
        return await audit.verify(conn, pending_limit=args.pending_limit, anchor=args.anchor)

    result = database.run(settings, work)
    if args.json:
        print_json(result)
    elif result.ok:
        print(render(result))
    else:
        print(f"isindex: {render(result)}", file=sys.stderr)
    return 0 if result.ok else 1


def cmd_audit_anchor(args, settings) -> int:
    head = database.run(settings, audit.head)
    if head is None:
        print("isindex: the audit chain head is missing (run isindex audit verify)", file=sys.stderr)
        return 1
    if args.json:
        print_json({"seq": head.seq, "hash": head.hash.hex(), "anchor": str(head)})
    else:
        print(head)
    return 0


def add_parsers(sub) -> None:
    a = sub.add_parser("audit", help="the audit log").add_subparsers(dest="audit_command", required=True,
                                                                     metavar="ACTION")
    av = a.add_parser("verify", help="check the audit events' hash chain; exit 1 naming the first bad event",
                      description="Recompute every chained audit event's hash in seq order and compare each with "
                                  "the chain: an edited, deleted or reordered event, or a chain head that does not "
                                  "match the last event, is reported by id and seq, with exit status 1. Events not "
                                  "chained yet are reported as pending; exit status 1 too when the oldest has "
                                  "waited longer than --pending-limit, or when the chain does not hold --anchor.")
    av.add_argument("--pending-limit", type=seconds_arg, default=audit.PENDING_LIMIT, metavar="SECONDS",
                    help=f"fail when an event has waited unchained longer than this (default {audit.PENDING_LIMIT:g})")
    av.add_argument("--anchor", type=anchor_arg, metavar="SEQ:HASH",
                    help="a head printed earlier by `isindex audit anchor`: fail unless the chain still holds "
                         "the event with that seq and hash (catches a cut tail, or a rewritten chain)")
    av.add_argument("--json", action="store_true", help="print the result as JSON (exit status as without)")
    av.set_defaults(func=cmd_audit_verify)

    an = a.add_parser("anchor", help="print the audit chain's head as SEQ:HASH, to keep outside the database",
                      description="Print the audit chain's head (its last chained event's seq and hash) as SEQ:HASH. "
                                  "Keep it outside the database; `isindex audit verify --anchor SEQ:HASH` later "
                                  "fails if that event is gone or changed.")
    an.add_argument("--json", action="store_true", help='print {"seq", "hash", "anchor"} as JSON')
    an.set_defaults(func=cmd_audit_anchor)
