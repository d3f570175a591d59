"""`isindex misuse`: list and configure the misuse-detection rules (index.misuse).

A change of a rule is audited (action misuse.rule_set) as the command line's own event.
Unknown codes and bad values print a message naming the option and exit 1.
"""

from __future__ import annotations

import uuid

from cli import database
from cli.output import print_json
from index import audit, db, errors, misuse

OPTIONS = {"code": "CODE", "threshold": "--threshold", "window_minutes": "--window-minutes", "action": "--action"}


def render(rules) -> str:
    rows = [("code", "kind", "threshold", "window", "action", "enabled")]
    for r in rules:
        window = f"{r.window_minutes} min" if r.window_minutes is not None else "-"
        rows.append((r.code, r.kind, str(r.threshold), window, r.action, "yes" if r.enabled else "no"))
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows)


def _whole(value: str | None, option: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise errors.Invalid(f"{option}: {value!r} is not a whole number") from None


def cmd_misuse_rules(args, settings) -> int:
    async def work(conn):
        with db.translate_errors():
            return await misuse.rules(conn)

    rules = database.run(settings, work)
    if args.json:
        print_json([{"code": r.code, "kind": r.kind, "threshold": r.threshold, "window_minutes": r.window_minutes,
                     "action": r.action, "enabled": r.enabled} for r in rules])
    else:
        print(render(rules))
    return 0


def cmd_misuse_set(args, settings) -> int:
    changes = {
        "threshold": _whole(args.threshold, "--threshold"),
        "window_minutes": _whole(args.window_minutes, "--window-minutes"),
        "action": args.action,
        "enabled": args.enabled,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise errors.Invalid("nothing to change: give --threshold, --window-minutes, --action, --enable or --disable")

    async def work(conn):
        with db.translate_errors():
            async with conn.transaction():
                try:
                    rule = await misuse.set_rule(conn, args.code, **changes)
                except errors.DomainError as exc:
                    option = OPTIONS.get(exc.field or "", "")
                    raise type(exc)(f"{option}: {exc.message}" if option else exc.message) from None
                await audit.record(conn, audit.Event(
                    request_id=uuid.uuid4(), action="misuse.rule_set", outcome="ok", status=200,
                    query={"via": "cli", "code": rule.code, **changes}))
                return rule

    print(render([database.run(settings, work)]))
    return 0


def add_parsers(sub) -> None:
    m = sub.add_parser("misuse", help="misuse-detection rules").add_subparsers(dest="misuse_command", required=True,
                                                                                metavar="ACTION")
    mr = m.add_parser("rules", help="list the rules and their settings")
    mr.add_argument("--json", action="store_true")
    mr.set_defaults(func=cmd_misuse_rules)

    ms = m.add_parser("set", help="change a rule's settings (the others stay as they are)",
                      description="Change a misuse rule. distinct_children and out_of_area fire when a user's "
                                  "count within the window is above the threshold; own_surname fires on every "
                                  "search for the user's own surname (threshold 1, no window).")
    ms.add_argument("code", metavar="CODE", help="the rule's code (see `isindex misuse rules`)")
    ms.add_argument("--threshold", metavar="N", help="fire when the count is above N (0-100000)")
    ms.add_argument("--window-minutes", metavar="M", help="count over the last M minutes (1-10080)")
    ms.add_argument("--action", metavar="alert|suspend",
                    help="alert: raise an alert for the auditors; suspend: also suspend the account")
    onoff = ms.add_mutually_exclusive_group()
    onoff.add_argument("--enable", dest="enabled", action="store_const", const=True, help="turn the rule on")
    onoff.add_argument("--disable", dest="enabled", action="store_const", const=False, help="turn the rule off")
    ms.set_defaults(func=cmd_misuse_set, enabled=None)
