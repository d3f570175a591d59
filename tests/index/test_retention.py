"""Retention: who is archived on a given day and by which rule, what a purge deletes, a
dry run, a run that crashes part-way and is finished by a re-run, and who may view an
archived child. Every date is relative to a fixed `today`, never the wall clock."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import asyncpg
import pytest

from index import audit, auth, db, registry, retention
from tests import factories
from tests.conftest import TEMPLATE, _admin

TODAY = dt.date(2033, 6, 15)


def years_before(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year - years)


async def make(conn, name: str, dob: dt.date, *, kept_to_25: bool = False, died_on: dt.date | None = None,
               archived_on: dt.date | None = None) -> uuid.UUID:
    cid = await registry.create_child(conn, factories.child(forename=name, dob=dob))
    await conn.execute(
        """UPDATE children SET kept_to_25 = $2, died_on = $3,
                  archived_at = $4::date::timestamp AT TIME ZONE 'Europe/London' WHERE id = $1""",
        cid, kept_to_25, died_on, archived_on)
    return cid


# (name, dob, kept_to_25, died_on, rule on TODAY or None: not archived)
RULES = [
    ("seventeen_364", years_before(TODAY, 18) + dt.timedelta(days=1), False, None, None),
    ("eighteen", years_before(TODAY, 18), False, None, "age_18"),
    ("eighteen_kept", years_before(TODAY, 18), True, None, None),
    ("twenty_four_kept", years_before(TODAY, 25) + dt.timedelta(days=1), True, None, None),
    ("twenty_five_kept", years_before(TODAY, 25), True, None, "age_25"),
    ("twenty_five", years_before(TODAY, 25), False, None, "age_18"),
    ("died_11_months_ago", dt.date(2020, 1, 1), False, TODAY - dt.timedelta(days=334), None),
    ("died_a_year_ago", dt.date(2020, 1, 1), False, years_before(TODAY, 1), "death"),
    ("died_a_year_ago_kept", dt.date(2020, 1, 1), True, years_before(TODAY, 1), "death"),
    ("died_at_19", years_before(TODAY, 20), False, years_before(TODAY, 1), "age_18"),
    ("died_at_20_kept", years_before(TODAY, 21), True, years_before(TODAY, 1), "death"),
]


async def test_the_rules(conn):
    await factories.seed_orgs(conn)
    ids = {name: await make(conn, name, dob, kept_to_25=kept, died_on=died) for name, dob, kept, died, _ in RULES}
    due = {d.id: d.rule for d in (await retention.plan(conn, TODAY)).archive}
    for name, _, _, _, rule in RULES:
        assert due.get(ids[name]) == rule, name
    assert (await retention.plan(conn, TODAY)).purge == []

    report = await retention.run(conn, TODAY, dry_run=False)
    assert {d.id: d.rule for d in report.archived} == due
    archived = {r["id"]: r["archived_at"] for r in await conn.fetch("SELECT id, archived_at FROM children")}
    for name, _, _, _, rule in RULES:
        expected = dt.datetime(2033, 6, 14, 23, 0, tzinfo=dt.UTC) if rule else None   # midnight BST
        assert archived[ids[name]] == expected, name
    assert (await retention.plan(conn, TODAY)).archive == []        # a second run has nothing to do


@pytest.mark.parametrize("today, due", [(dt.date(2026, 2, 28), False), (dt.date(2026, 3, 1), True)])
async def test_a_leap_day_birthday_falls_on_the_first_of_march(conn, today, due):
    await factories.seed_orgs(conn)
    await make(conn, "Leap", dt.date(2008, 2, 29))
    assert bool((await retention.plan(conn, today)).archive) is due


async def link(conn, record: uuid.UUID, child: uuid.UUID, *, current: bool = True) -> None:
    await conn.execute(
        "INSERT INTO links (source_record_id, child_id, method, unlinked_at) VALUES ($1, $2, 'auto', $3)",
        record, child, None if current else dt.datetime(2024, 1, 1, tzinfo=dt.UTC))


async def purge_scenario(conn) -> dict:
    """Child `gone` archived over six years ago, with source records in every state;
    `other` (not archived) and `recent` (archived two years ago) stay."""
    await factories.seed_orgs(conn)
    ids = {
        "gone": await make(conn, "Gone", dt.date(2005, 1, 1), archived_on=years_before(TODAY, 6)),
        "other": await make(conn, "Other", dt.date(2016, 1, 1)),
        "recent": await make(conn, "Recent", dt.date(2005, 1, 1), archived_on=years_before(TODAY, 2)),
    }
    org = await conn.fetchval("SELECT id FROM organisations WHERE code = '8732001'")
    for key in ("current", "was_only", "now_other", "last_gone", "last_other", "other_only", "review_only"):
        ids[key] = await conn.fetchval(
            "INSERT INTO source_records (source_org_id, record_key, surname) VALUES ($1, $2, 'Testwood') RETURNING id",
            org, key)
        await conn.execute("INSERT INTO match_keys (source_record_id, key) VALUES ($1, 1), ($1, 2)", ids[key])
        await conn.execute("INSERT INTO source_record_carers (source_record_id, position, surname) "
                           "VALUES ($1, 1, 'Testwood')", ids[key])
    gone, other = ids["gone"], ids["other"]
    await link(conn, ids["current"], gone)
    await link(conn, ids["was_only"], gone, current=False)
    await link(conn, ids["now_other"], gone, current=False)
    await link(conn, ids["now_other"], other)
    await link(conn, ids["last_gone"], other, current=False)
    await link(conn, ids["last_gone"], gone, current=False)
    await link(conn, ids["last_other"], gone, current=False)
    await link(conn, ids["last_other"], other, current=False)
    await link(conn, ids["other_only"], other)
    for key, child, status in (("current", other, "not_matched"), ("review_only", gone, "open"),
                               ("review_only", other, "not_matched")):
        item = await conn.fetchval("INSERT INTO review_items (source_record_id, la_code, reasons, status) "
                                   "VALUES ($1, '873', '{}', $2) RETURNING id", ids[key], status)
        await conn.execute("INSERT INTO review_candidates (review_id, child_id, rank, match_weight, explanation) "
                           "VALUES ($1, $2, 1, 1.0, '[]')", item, child)
    await conn.execute("INSERT INTO not_matches (source_record_id, child_id) VALUES ($1, $2), ($3, $4)",
                       ids["other_only"], gone, ids["current"], other)
    user = await auth.add_user(conn, name="Test", org_code="LA873", role="la_data_manager")
    await conn.execute("INSERT INTO investigations (kind, child_id, la_code, user_id, request_id, due_at) "
                       "VALUES ('emergency_view', $1, '873', $2, gen_random_uuid(), now())", gone, user)
    await audit.record(conn, audit.Event(request_id=uuid.uuid4(), action="child.view", outcome="ok", status=200,
                                         child_ids=[gone]))
    return ids


async def test_the_purge_deletes_the_child_their_records_and_nothing_else(conn):
    ids = await purge_scenario(conn)
    gone = ids["gone"]
    assert (await retention.plan(conn, TODAY)).purge == [gone]
    report = await retention.run(conn, TODAY, dry_run=False)
    assert report.purged == [gone] and report.source_records == 3

    assert {r["forename"] for r in await conn.fetch("SELECT forename FROM children")} == {"Other", "Recent"}
    survivors = {r["record_key"] for r in await conn.fetch("SELECT record_key FROM source_records")}
    assert survivors == {"now_other", "last_other", "other_only", "review_only"}
    kept = [ids[k] for k in survivors]
    keys = await conn.fetch("SELECT DISTINCT source_record_id FROM match_keys")
    assert sorted(r["source_record_id"] for r in keys) == sorted(kept)         # no orphans (no FK)
    carers = await conn.fetch("SELECT source_record_id FROM source_record_carers")
    assert sorted(r["source_record_id"] for r in carers) == sorted(kept)
    for table in ("links", "review_candidates", "not_matches", "child_identifiers", "carers",
                  "child_search_names"):
        assert await conn.fetchval(f"SELECT count(*) FROM {table} WHERE child_id = $1", gone) == 0, table
    assert await conn.fetchval("SELECT count(*) FROM links") == 3      # to other: now_other, last_other, other_only
    assert await conn.fetchval("SELECT count(*) FROM review_items") == 2   # review_only's two; current's is gone
    assert await conn.fetchval("SELECT count(*) FROM review_candidates") == 1
    assert await conn.fetchval("SELECT count(*) FROM investigations WHERE child_id = $1", gone) == 1

    events = await conn.fetch("SELECT action, user_id, child_ids, query FROM audit_events ORDER BY id")
    assert [e["action"] for e in events] == ["child.view", "retention.purge"]
    assert events[1]["user_id"] is None and events[1]["child_ids"] == [gone]
    assert events[1]["query"] == {"today": TODAY.isoformat(), "source_records": 3}


async def snapshot(conn) -> dict:
    """The state by names and record keys (ids differ between databases)."""
    return {
        "children": [tuple(r) for r in await conn.fetch(
            "SELECT forename, archived_at FROM children ORDER BY forename")],
        "records": [r["record_key"] for r in await conn.fetch("SELECT record_key FROM source_records ORDER BY 1")],
        "links": [tuple(r) for r in await conn.fetch(
            """SELECT s.record_key, c.forename, l.unlinked_at IS NULL FROM links l
                 JOIN source_records s ON s.id = l.source_record_id JOIN children c ON c.id = l.child_id
                ORDER BY 1, 2, 3""")],
        "keys": await conn.fetchval("SELECT count(*) FROM match_keys"),
        "review": await conn.fetchval("SELECT count(*) FROM review_candidates"),
        "audited": sorted(len(r["child_ids"]) for r in await conn.fetch(
            "SELECT child_ids FROM audit_events WHERE action LIKE 'retention.%'")),
    }


async def crash_scenario(conn) -> None:
    await purge_scenario(conn)
    for n in range(3):
        await make(conn, f"Adult{n}", years_before(TODAY, 19))
        await make(conn, f"Old{n}", dt.date(2001, 1, 1), archived_on=years_before(TODAY, 7))


async def test_the_dry_run_changes_nothing(conn):
    await crash_scenario(conn)
    before = await snapshot(conn)
    report = await retention.run(conn, TODAY, dry_run=True)
    assert report.dry_run and len(report.archived) == 3 and len(report.purged) == 4
    assert report.counts() == {"age_18": 3, "age_25": 0, "death": 0}
    assert await snapshot(conn) == before
    assert await conn.fetchval("SELECT count(*) FROM audit_events WHERE action LIKE 'retention.%'") == 0


@pytest.fixture
async def second(server_url, template_url):
    """A second fresh database, for the uninterrupted run to compare with."""
    name = "t_" + uuid.uuid4().hex[:16]
    await _admin(server_url, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
    conn = await asyncpg.connect(db.with_database(server_url, name))
    await db.init_connection(conn)
    yield conn
    await conn.close()
    await _admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Crash(Exception):
    pass


@pytest.mark.parametrize("crash_at", [2, 4])     # the second archive batch; the second purge batch
async def test_a_run_that_crashes_part_way_is_finished_by_a_re_run(conn, second, monkeypatch, crash_at):
    await crash_scenario(conn)
    await crash_scenario(second)
    await retention.run(second, TODAY, dry_run=False, batch=2)
    expected = await snapshot(second)

    real, calls = audit.record, []

    async def failing(c, event):
        calls.append(event.action)
        if len(calls) == crash_at:        # the batch's last step: everything before it rolls back
            raise Crash()
        await real(c, event)

    monkeypatch.setattr(audit, "record", failing)
    with pytest.raises(Crash):
        await retention.run(conn, TODAY, dry_run=False, batch=2)
    monkeypatch.setattr(audit, "record", real)
    assert not conn.is_in_transaction()
    left = await retention.plan(conn, TODAY)
    assert (len(left.archive), len(left.purge)) == ((1, 4) if crash_at == 2 else (0, 2))

    await retention.run(conn, TODAY, dry_run=False, batch=2)
    assert await snapshot(conn) == expected
    assert await retention.plan(conn, TODAY) == retention.Plan(archive=[], purge=[])


async def test_run_refuses_to_share_a_transaction(conn):
    async with conn.transaction():
        with pytest.raises(RuntimeError, match="outside a transaction"):
            await retention.run(conn, TODAY, dry_run=False)


def principal(role: str, la: str | None) -> auth.Principal:
    return auth.Principal(user_id=uuid.uuid4(), name="Test", role=role, org_id=1, org_code="LA873",
                          org_kind="local_authority", la_code=la, phone=None, email=None)


NOW = dt.datetime(2033, 6, 15, 12, tzinfo=dt.UTC)
MONTH_AGO, YEAR_AGO = NOW - dt.timedelta(days=30), NOW - dt.timedelta(days=366)

# (role, LA, archived_at, reason, allowed)
VIEWS = [
    ("practitioner", "873", None, "service_delivery", True),
    ("practitioner", "873", MONTH_AGO, "service_delivery", False),
    ("practitioner", "873", MONTH_AGO, "child_protection_enquiry", False),
    ("la_data_manager", "873", MONTH_AGO, "service_delivery", True),
    ("la_data_manager", "926", MONTH_AGO, "service_delivery", False),
    ("la_data_manager", "873", YEAR_AGO, "service_delivery", False),
    ("la_data_manager", "873", YEAR_AGO, None, False),
    ("la_data_manager", "873", YEAR_AGO, "child_protection_enquiry", True),
    ("la_data_manager", "873", YEAR_AGO, "serious_case_review", True),
    ("la_data_manager", "873", YEAR_AGO, "child_death_review", True),
    ("la_data_manager", "926", YEAR_AGO, "child_death_review", False),
    ("auditor", None, MONTH_AGO, "child_death_review", False),
]


@pytest.mark.parametrize("role, la, archived_at, reason, allowed", VIEWS)
def test_who_may_view_an_archived_child(role, la, archived_at, reason, allowed):
    assert retention.archived_view_allowed(principal(role, la), archived_at, reason, NOW, owning_la="873") is allowed


def test_the_year_of_visibility_ends_on_the_anniversary():
    who = principal("la_data_manager", "873")
    archived = dt.datetime(2032, 2, 29, 0, tzinfo=dt.UTC)
    for now, allowed in ((dt.datetime(2033, 2, 28, 23, tzinfo=dt.UTC), True),
                         (dt.datetime(2033, 3, 1, 0, tzinfo=dt.UTC), False)):
        assert retention.archived_view_allowed(who, archived, "data_quality", now, owning_la="873") is allowed


async def test_the_worker_schedules_the_job_daily(database_url, pool, conn):
    from index.feeds import queue

    queue_conn = await asyncpg.connect(database_url)     # pgqueuer's own, default codecs
    try:
        await asyncio.wait_for(queue.work(pool, queue_conn, model=None, max_bytes=1, drain=True), 60)
    finally:
        await queue_conn.close()
    rows = await conn.fetch("SELECT entrypoint, expression FROM pgqueuer_schedules")
    assert [tuple(r) for r in rows] == [("retention", "15 2 * * *")]
