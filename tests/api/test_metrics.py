"""/metrics: this process's request latency and counts by route template (never an id),
and the database's figures read at scrape time; a database that is down leaves them out
and says so, and never fails the scrape."""

import uuid
from urllib.parse import urlsplit

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from index import audit
from tests import review_data
from tests.api.conftest import bearer, problem
from tests.api.test_health import add_feed


def samples(text: str) -> dict[tuple, float]:
    """(sample name, sorted labels) -> value, for every sample of a scrape."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def families(text: str) -> set[str]:
    return {family.name for family in text_string_to_metric_families(text)}


async def scrape(client, **headers) -> str:
    r = await client.get("/metrics", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return r.text


def requests_of(found: dict, route: str, status: int) -> float:
    return found.get(("isindex_http_requests_total", (("method", "GET"), ("route", route), ("status", str(status)))),
                     0.0)


async def test_requests_are_counted_and_timed_by_route_template_never_by_id(client, tokens):
    child = uuid.uuid4()
    before = samples(await scrape(client))
    r = await client.get(f"/children/{child}", params={"reason": "service_delivery"},
                         headers=bearer(tokens["practitioner"]))
    assert r.status_code == 404
    assert (await client.get("/no-such-page/Smith")).status_code == 404
    text = await scrape(client)
    after = samples(text)
    assert requests_of(after, "/children/{child_id}", 404) == requests_of(before, "/children/{child_id}", 404) + 1
    assert requests_of(after, "unmatched", 404) == requests_of(before, "unmatched", 404) + 1
    count = ("isindex_http_request_duration_seconds_count", (("method", "GET"), ("route", "/children/{child_id}")))
    assert after[count] == before.get(count, 0) + 1
    assert str(child) not in text and "Smith" not in text and "no-such-page" not in text


async def test_the_database_figures(client, pool):
    async with pool.acquire() as conn:
        await add_feed(conn, 60)
        await add_feed(conn, 30)
        await add_feed(conn, 5, "processing")
        await add_feed(conn, 3000, "done")
        await conn.execute("""UPDATE feeds SET rows = 120, rows_done = 120, linked = 100, created = 10, review = 5,
                                     rejected = 3, unchanged = 2 WHERE status = 'done'""")
        await conn.execute("""INSERT INTO feed_workers (id, kind, host, pid, timeout_s, beat_at)
                              VALUES (gen_random_uuid(), 'worker', 'box-1', 1, 30, now()),
                                     (gen_random_uuid(), 'worker', 'box-2', 2, 30, now() - interval '95 s')""")
        for n, la in enumerate(["873", "873", "926", "873"]):
            sid = await review_data.source_record(conn, "8732001", f"R{n}", carer=False)
            item = await review_data.review_item(conn, sid, la, [])
        await conn.execute("UPDATE review_items SET status = 'linked', decided_at = now() WHERE id = $1", item)
        await conn.execute("UPDATE review_items SET created_at = now() - interval '2 hours' WHERE la_code = '926'")
    text = await scrape(client)
    got = samples(text)
    expected = {
        ("isindex_database_up", ()): 1,
        ("isindex_feed_queue_jobs", (("status", "queued"),)): 2,
        ("isindex_feed_queue_jobs", (("status", "processing"),)): 1,
        ("isindex_feed_workers", (("status", "ok"),)): 1,
        ("isindex_feed_workers", (("status", "stalled"),)): 1,
        ("isindex_review_open_items", (("la_code", "873"),)): 2,
        ("isindex_review_open_items", (("la_code", "926"),)): 1,
        ("isindex_feed_rows_processed_total", ()): 120,
        ("isindex_feed_row_outcomes_total", (("outcome", "linked"),)): 100,
        ("isindex_feed_row_outcomes_total", (("outcome", "created"),)): 10,
        ("isindex_feed_row_outcomes_total", (("outcome", "review"),)): 5,
        ("isindex_feed_row_outcomes_total", (("outcome", "rejected"),)): 3,
        ("isindex_feed_row_outcomes_total", (("outcome", "unchanged"),)): 2,
        ("isindex_schema_migrations_pending", ()): 0,
    }
    assert {key: got.get(key) for key in expected} == expected
    assert 60 <= got[("isindex_feed_queue_oldest_job_age_seconds", ())] < 120
    assert 7200 <= got[("isindex_review_oldest_open_item_age_seconds", (("la_code", "926"),))] < 7300
    assert got[("isindex_review_oldest_open_item_age_seconds", (("la_code", "873"),))] < 60
    assert got[("isindex_audit_chain_lag_events", ())] >= 0 and got[("isindex_audit_chain_lag_seconds", ())] >= 0
    assert "box-1" not in text and "Testwood" not in text and "Ava" not in text


async def test_pending_migrations_are_counted(client, pool):
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)")
    assert samples(await scrape(client))[("isindex_schema_migrations_pending", ())] == 1


async def test_the_audit_chain_lag_is_index_audits(client, monkeypatch):
    async def chain_lag(conn):
        assert await conn.fetchval("SELECT 1") == 1    # given a working connection
        return 3, 12.5

    monkeypatch.setattr(audit, "chain_lag", chain_lag)
    got = samples(await scrape(client))
    assert got[("isindex_audit_chain_lag_events", ())] == 3
    assert got[("isindex_audit_chain_lag_seconds", ())] == 12.5


async def test_a_database_down_leaves_its_figures_out_and_the_scrape_answers(database_url, server_url):
    app = create_app(database_url, pool_min=1, pool_max=2)
    async with AsyncTestClient(app=app) as client:
        assert samples(await scrape(client))[("isindex_database_up", ())] == 1
        admin = await asyncpg.connect(server_url)
        try:
            await admin.execute(f"DROP DATABASE {urlsplit(database_url).path.lstrip('/')} WITH (FORCE)")
        finally:
            await admin.close()
        text = await scrape(client)
        assert samples(text)[("isindex_database_up", ())] == 0
        assert "isindex_feed_queue_jobs" not in families(text) and "isindex_http_requests" in families(text)
        assert (await client.get("/health/live")).json() == {"status": "ok"}
        ready = await client.get("/health/ready")
        assert ready.status_code == 503 and ready.json()["problems"] == ["database: not reachable"]


TOKEN = "m" * 24
GUARDED = [
    # name, headers, status
    ("no token", {}, 401),
    ("another token", {"Authorization": "Bearer " + "x" * 24}, 401),
    ("a user's scheme", {"Authorization": "Basic " + TOKEN}, 401),
    ("the metrics token", {"Authorization": "Bearer " + TOKEN}, 200),
]


@pytest.mark.parametrize("name, headers, status", GUARDED, ids=[g[0] for g in GUARDED])
async def test_with_a_metrics_token_a_scrape_must_carry_it(database_url, name, headers, status):
    app = create_app(database_url, pool_min=1, pool_max=2, metrics_token=TOKEN)
    async with AsyncTestClient(app=app) as client:
        r = await client.get("/metrics", headers=headers)
        if status == 401:
            problem(r, 401)
            assert "isindex_" not in r.text
        else:
            assert r.status_code == 200 and "isindex_database_up 1.0" in r.text


async def test_the_metrics_token_is_checked_when_read(monkeypatch):
    from index import config

    for bad in ("short", "has a space in it, long", "é" * 20):
        monkeypatch.setenv("ISINDEX_METRICS_TOKEN", bad)
        with pytest.raises(SystemExit, match="ISINDEX_METRICS_TOKEN must be"):
            config.load()
    monkeypatch.setenv("ISINDEX_METRICS_TOKEN", TOKEN)
    assert config.load().metrics_token == TOKEN
    monkeypatch.delenv("ISINDEX_METRICS_TOKEN")
    assert config.load().metrics_token is None

