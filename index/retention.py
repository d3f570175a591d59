"""Retention: archive children who have grown up or died, purge them six years later.

The rules, for a reference date `today` (the date in England, see `today()`):
  - a child is archived on their 18th birthday, or their 25th when kept_to_25 (recorded
    consent: a care leaver, learning difficulties); a birthday of 29 February falls on
    1 March in other years;
  - one year after a recorded death (died_on), when that comes first;
  - an archived child is purged six years after archiving: the child row and, through
    ON DELETE CASCADE, their names, identifiers, carers, involvements, indicators,
    links, review candidates, "not this child" pairs, Connexions opt-out and transfer
    requests; and their source records (those whose current link is to the child, or
    whose last link was and that are unlinked now) with what cascades from them and
    their blocking keys (match_keys has no foreign key). Audit events, investigations
    (ids only), feeds and match_term_counts (name frequencies, no ids) are kept.

archived_at is the start of the reference day in England, so a run is a function of
its date: a re-run on the same day, or a run that finishes an interrupted one, ends in
the same state.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections import Counter
from typing import Literal

import asyncpg
import msgspec
import structlog

from index import audit, db, errors, policy, sql
from index.auth import Principal

SQL = sql.queries("retention")

log = structlog.get_logger(__name__)

ENGLAND = zoneinfo.ZoneInfo("Europe/London")
RULES = ("age_18", "age_25", "death")
ENQUIRY_REASONS = ("child_protection_enquiry", "serious_case_review", "child_death_review")
Rule = Literal["age_18", "age_25", "death"]


class Due(msgspec.Struct, frozen=True):
    id: uuid.UUID
    rule: Rule


class Plan(msgspec.Struct):
    archive: list[Due]
    purge: list[uuid.UUID]


class Report(msgspec.Struct):
    request_id: uuid.UUID
    today: dt.date
    dry_run: bool
    archived: list[Due]          # done (or, in a dry run, due)
    purged: list[uuid.UUID]
    source_records: int          # purged with the children (0 in a dry run)
    batches: int

    def counts(self) -> dict[str, int]:
        by_rule = Counter(d.rule for d in self.archived)
        return {rule: by_rule.get(rule, 0) for rule in RULES}


def today() -> dt.date:
    """The date in England now: the reference date of the daily run."""
    return dt.datetime.now(ENGLAND).date()


async def plan(conn: asyncpg.Connection, today: dt.date) -> Plan:
    """Who is due to be archived (with the rule) and purged on `today`. Reads only."""
    archive = [Due(id=r["id"], rule=r["rule"]) for r in await conn.fetch(SQL["plan_archive"], today)]
    purge = [r["id"] for r in await conn.fetch(SQL["plan_purge"], today)]
    return Plan(archive=archive, purge=purge)


async def run(conn: asyncpg.Connection, today: dt.date, *, dry_run: bool, batch: int = 500) -> Report:
    """Archive and purge what `plan` finds due.

    Unlike the other domain functions, this one owns its transactions: conn must not be
    in one. Each batch of at most `batch` children is its own transaction with its own
    audit event (action retention.archive or retention.purge, no user, child ids only,
    the run's request id), so a run that stops part-way leaves every batch done or not
    done, and running again recomputes the plan and finishes the work. With dry_run,
    nothing is written: the report is the plan.
    """
    if conn.is_in_transaction():
        raise RuntimeError("retention.run opens a transaction per batch: call it outside a transaction")
    if batch < 1:
        raise errors.Invalid("the batch size must be 1 or more", field="batch")
    request_id = uuid.uuid4()
    with db.translate_errors():
        due = await plan(conn, today)
        if dry_run:
            return Report(request_id=request_id, today=today, dry_run=True, archived=due.archive,
                          purged=due.purge, source_records=0, batches=0)
        rules = {d.id: d.rule for d in due.archive}
        archived: list[Due] = []
        purged: list[uuid.UUID] = []
        records = batches = 0
        for chunk in _chunks([d.id for d in due.archive], batch):
            async with conn.transaction():
                done = await _archive_batch(conn, chunk, today, request_id)
            archived += [Due(id=cid, rule=rules[cid]) for cid in done]
            batches += 1
        for chunk in _chunks(due.purge, batch):
            async with conn.transaction():
                done, n = await _purge_batch(conn, chunk, today, request_id)
            purged += done
            records += n
            batches += 1
    report = Report(request_id=request_id, today=today, dry_run=False, archived=archived, purged=purged,
                    source_records=records, batches=batches)
    log.info("retention_run", request_id=str(request_id), today=today.isoformat(), **report.counts(),
             purged=len(purged), source_records=records, batches=batches)
    return report


async def _archive_batch(conn: asyncpg.Connection, ids: list[uuid.UUID], today: dt.date,
                         request_id: uuid.UUID) -> list[uuid.UUID]:
    done = sorted(r["id"] for r in await conn.fetch(SQL["archive"], ids, today))
    if done:
        await audit.record(conn, audit.Event(request_id=request_id, action="retention.archive", outcome="ok",
                                             status=200, query={"today": today.isoformat()}, child_ids=done))
    return done


async def _purge_batch(conn: asyncpg.Connection, ids: list[uuid.UUID], today: dt.date,
                       request_id: uuid.UUID) -> tuple[list[uuid.UUID], int]:
    done = [r["id"] for r in await conn.fetch(SQL["lock_purge"], ids, today)]
    if not done:
        return [], 0
    records = [r["source_record_id"] for r in await conn.fetch(SQL["purge_records"], done)]
    await conn.execute(SQL["delete_keys"], records)
    await conn.execute(SQL["delete_records"], records)
    await conn.execute(SQL["delete_children"], done)
    await audit.record(conn, audit.Event(
        request_id=request_id, action="retention.purge", outcome="ok", status=200,
        query={"today": today.isoformat(), "source_records": len(records)}, child_ids=done))
    return done, len(records)


def _chunks(ids: list[uuid.UUID], size: int):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _years_after(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:      # 29 February
        return moment.replace(year=moment.year + years, month=3, day=1)


def archived_view_allowed(principal: Principal, archived_at: dt.datetime | None, reason: str | None,
                          now: dt.datetime, *, owning_la: str) -> bool:
    """May this principal view a child archived at `archived_at` (None: not archived)?

    Only the owning LA's data managers see an archived child: for a year after
    archiving, then only for an enquiry (ENQUIRY_REASONS)."""
    if archived_at is None:
        return True
    if not policy.manages(principal, owning_la):
        return False
    return now < _years_after(archived_at, 1) or reason in ENQUIRY_REASONS


def guard_view(principal: Principal, record, reason: str | None, now: dt.datetime | None = None) -> None:
    """Refuse the view of an archived child (a ChildRecord) as archived_view_allowed says:
    404, as for an unknown id, to anyone but the owning LA's data managers; 403 naming
    reason to them when a year has passed and the reason is not an enquiry."""
    now = now or dt.datetime.now(dt.UTC)
    if archived_view_allowed(principal, record.archived_at, reason, now, owning_la=record.owning_la):
        return
    if policy.sees_everything(principal, record):
        raise errors.Forbidden("this child was archived more than a year ago: viewing needs one of the reasons "
                               + ", ".join(ENQUIRY_REASONS), field="reason")
    raise errors.NotFound("no child with this index id", field="child_id")


class Retention(msgspec.Struct):
    child_id: uuid.UUID
    kept_to_25: bool
    died_on: dt.date | None = None
    archived_at: dt.datetime | None = None


async def record(conn: asyncpg.Connection, who: Principal, child_id: uuid.UUID, *,
                 died_on: dt.date | None | msgspec.UnsetType = msgspec.UNSET, kept_to_25: bool | None = None,
                 today: dt.date) -> Retention:
    """Record (or, with died_on None, withdraw) a death, and the consent to keep a child
    until 25. The owning LA's data managers only; an archived child is settled."""
    if died_on is msgspec.UNSET and kept_to_25 is None:
        raise errors.Invalid("give died_on, kept_to_25 or both", field="died_on")
    row = await conn.fetchrow(SQL["lock_child"], child_id)
    if row is None:
        raise errors.NotFound("no child with this index id", field="child_id")
    if not policy.manages(who, row["owning_la"]):
        raise errors.Forbidden("only the owning local authority's data managers may record a death or the "
                               "consent to keep this child's record")
    if row["archived_at"] is not None:
        raise errors.Conflict("this child is archived: retention can no longer change", field="child_id")
    if isinstance(died_on, dt.date):
        if died_on > today:
            raise errors.Invalid("a date of death cannot be in the future", field="died_on")
        if died_on < row["dob"]:
            raise errors.Invalid("a date of death cannot be before the date of birth", field="died_on")
    got = await conn.fetchrow(SQL["record"], child_id, died_on is not msgspec.UNSET,
                              None if died_on is msgspec.UNSET else died_on, kept_to_25, who.user_id)
    return Retention(**dict(got))
