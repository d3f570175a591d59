"""Misuse detection: configurable rules evaluated on each search and view, and the
alerts they raise for auditors.

`check` runs inside the request's transaction just before its audit event is written
(the event takes the audit chain's lock until commit, so it comes last); the counts add
the request's own children to the events already written. A rule that fires inserts one alert (at most one
open per user and rule) and, if its action is suspend, suspends the account: the
request goes on, and the user's next request gets 403 (index.auth.Suspended).

The rules (table misuse_rules, configured with `isindex misuse set`):
- distinct_children: more than `threshold` distinct children viewed in `window_minutes`;
- out_of_area: more than `threshold` views, in `window_minutes`, of children whose
  owning LA is not the user's organisation's LA (a user with no LA is never out of area);
- own_surname: a search for the user's own surname (see `surname_keys`).
Views are the ok audit events of VIEW_ACTIONS. After an alert of a rule is closed, the
rule counts only the user's later events, so that reinstatement is not undone at once.
"""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec
import structlog

from index import errors, sql
from index.auth import Principal
from matching.normalise import fold

SQL = sql.queries("misuse")

log = structlog.get_logger(__name__)

KINDS = ("distinct_children", "own_surname", "out_of_area")
ACTIONS = ("alert", "suspend")
VIEW_ACTIONS = ("child.view", "child.override")
WATCHED = ("child.search", *VIEW_ACTIONS)
THRESHOLD_MAX = 100_000
WINDOW_MAX = 10_080  # a week, in minutes


class Rule(msgspec.Struct, frozen=True):
    code: str
    kind: str
    threshold: int
    window_minutes: int | None
    action: str
    enabled: bool


class Alert(msgspec.Struct, frozen=True):
    id: uuid.UUID
    rule_code: str
    user_id: uuid.UUID
    raised_at: dt.datetime
    details: dict
    status: str = "open"
    org_code: str | None = None
    closed_at: dt.datetime | None = None
    closed_by: uuid.UUID | None = None
    outcome: str | None = None


def surname_keys(name: str) -> set[str]:
    """The folded forms of a user's name that count as their surname.

    The last word of the name, then, if it is hyphenated, each of its parts
    ("Jo Smith-Jones": smithjones, smith, jones), and the words after the first
    together ("Ana van der Berg": vanderberg). Spaces are dropped, so O'Brien, OBrien
    and O Brien are one key; parts shorter than two letters are ignored.
    """
    words = name.split()
    if not words:
        return set()
    last = words[-1]
    candidates = [last, *last.split("-")]
    if len(words) > 2:
        candidates.append("".join(words[1:]))
    keys = {fold(c).replace(" ", "") for c in candidates}
    return {k for k in keys if len(k) >= 2}


def is_own_surname(principal: Principal, surname: str | None) -> bool:
    folded = fold(surname).replace(" ", "")
    return bool(folded) and folded in surname_keys(principal.name)


async def check(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    action: str,
    child_ids: list[uuid.UUID],
    query: dict,
) -> list[Alert]:
    """Evaluate the enabled rules for one request; return the alerts it raised."""
    if action not in WATCHED:
        return []
    is_view = action in VIEW_ACTIONS and bool(child_ids)
    own = action == "child.search" and is_own_surname(principal, query.get("surname"))
    if not (is_view or own):
        return []
    raised = []
    for rule in map(_rule, await conn.fetch(SQL["enabled_rules"])):
        row = await _evaluate(conn, rule, principal, is_view=is_view, own=own, child_ids=child_ids)
        if row is None:
            continue
        alert = Alert(id=row["id"], rule_code=rule.code, user_id=principal.user_id, raised_at=row["raised_at"],
                      details=row["details"], org_code=principal.org_code)
        suspended = rule.action == "suspend" and (await conn.execute(SQL["suspend"], principal.user_id)).endswith(" 1")
        log.warning("misuse_alert_raised", alert_id=str(alert.id), rule=rule.code, user_id=str(principal.user_id),
                    action=rule.action, suspended=suspended)
        raised.append(alert)
    return raised


async def _evaluate(conn, rule: Rule, who: Principal, *, is_view: bool, own: bool, child_ids: list[uuid.UUID]):
    """One statement per rule that applies: count and, if over, insert the alert."""
    common = (who.user_id, rule.code)
    if rule.kind == "distinct_children" and is_view:
        return await conn.fetchrow(sql.load("misuse_distinct_children"), *common, rule.window_minutes,
                                   rule.threshold, list(VIEW_ACTIONS), rule.action, child_ids)
    if rule.kind == "out_of_area" and is_view and who.la_code:
        return await conn.fetchrow(sql.load("misuse_out_of_area"), *common, rule.window_minutes,
                                   rule.threshold, list(VIEW_ACTIONS), rule.action, who.la_code, child_ids)
    if rule.kind == "own_surname" and own:
        return await conn.fetchrow(SQL["own_surname"], *common, child_ids, rule.action)
    return None


def _rule(row) -> Rule:
    return Rule(**dict(row))


# Configuration (the command line's `isindex misuse`).


async def rules(conn: asyncpg.Connection) -> list[Rule]:
    return [_rule(row) for row in await conn.fetch(SQL["all_rules"])]


async def set_rule(
    conn: asyncpg.Connection,
    code: str,
    *,
    threshold: int | None = None,
    window_minutes: int | None = None,
    action: str | None = None,
    enabled: bool | None = None,
) -> Rule:
    """Change a rule's settings; None leaves a setting as it is."""
    current = await conn.fetchrow(SQL["rule_kind"], code)
    if current is None:
        known = ", ".join(r.code for r in await rules(conn))
        raise errors.NotFound(f"no misuse rule {code!r} (known: {known})", field="code")
    if threshold is not None and not 0 <= threshold <= THRESHOLD_MAX:
        raise errors.Invalid(f"must be between 0 and {THRESHOLD_MAX}", field="threshold")
    if window_minutes is not None and not 1 <= window_minutes <= WINDOW_MAX:
        raise errors.Invalid(f"must be between 1 and {WINDOW_MAX} minutes", field="window_minutes")
    if action is not None and action not in ACTIONS:
        raise errors.Invalid(f"must be one of: {', '.join(ACTIONS)}", field="action")
    if current["kind"] == "own_surname":
        if threshold not in (None, 1):
            raise errors.Invalid("own_surname fires on every such search: its threshold is always 1",
                                 field="threshold")
        if window_minutes is not None:
            raise errors.Invalid("own_surname fires on every such search: it has no window",
                                 field="window_minutes")
    row = await conn.fetchrow(SQL["update_rule"], code, threshold, window_minutes, action, enabled)
    log.info("misuse_rule_set", rule=code)
    return _rule(row)


# Alerts (the auditors' routes).

OUTCOMES = ("misuse", "no_misuse", "referred")
STATUSES = ("open", "closed")


async def alerts(conn: asyncpg.Connection, *, status: str = "open", limit: int = 100) -> list[Alert]:
    """Alerts of one status, newest first."""
    if status not in STATUSES:
        raise errors.Invalid(f"must be one of: {', '.join(STATUSES)}", field="status")
    return [Alert(**dict(row)) for row in await conn.fetch(SQL["list_alerts"], status, limit)]


async def close(
    conn: asyncpg.Connection, who: Principal, alert_id: uuid.UUID, *, outcome: str, reinstate: bool = False
) -> Alert:
    """Close an open alert with an outcome; reinstate lifts the user's suspension.

    Reinstatement is refused while another open alert of the user suspended them."""
    if outcome not in OUTCOMES:
        raise errors.Invalid(f"must be one of: {', '.join(OUTCOMES)}", field="outcome")
    current = await conn.fetchrow(SQL["alert_by_id"], alert_id)
    if current is None:
        raise errors.NotFound("no misuse alert with this id", field="alert_id")
    if current["user_id"] == who.user_id:
        raise errors.Forbidden("an alert about yourself is for another auditor to close")
    if await conn.fetchval(SQL["close_alert"], alert_id, who.user_id, outcome) is None:
        raise errors.Conflict("this alert is already closed", field="alert_id")
    if reinstate:
        if await conn.fetchval(SQL["other_suspending"], current["user_id"], alert_id):
            raise errors.Conflict("another open alert suspended this user: close it first", field="reinstate")
        await conn.execute(SQL["reinstate"], current["user_id"])
    log.info("misuse_alert_closed", alert_id=str(alert_id), user_id=str(current["user_id"]), outcome=outcome,
             reinstated=reinstate)
    return Alert(**dict(await conn.fetchrow(SQL["alert_by_id"], alert_id)))
