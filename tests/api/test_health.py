"""/health: the database, this process's feed worker, every worker's heartbeat and the
age of the oldest queued feed; 503 with a body naming the unhealthy part."""

import asyncio
import hashlib
import os
import uuid

import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from index.feeds import liveness

WORKER = uuid.UUID("00000000-0000-4000-8000-000000000001")


async def add_worker(conn, seconds_ago: int, timeout: int = 30) -> None:
    await conn.execute(
        """INSERT INTO feed_workers (id, kind, host, pid, timeout_s, beat_at)
           VALUES ($1, 'worker', 'box-1', 4242, $2, now() - make_interval(secs => $3::int))""",
        WORKER, timeout, seconds_ago)


async def add_feed(conn, seconds_ago: int, status: str = "queued") -> None:
    org = await conn.fetchval("SELECT id FROM organisations ORDER BY id LIMIT 1")
    await conn.execute(
        """INSERT INTO feeds (source_org_id, sha256, format, full_census, status, submitted_at)
           VALUES ($1, $2, 'csv', false, $3, now() - make_interval(secs => $4::int))""",
        org, hashlib.sha256(os.urandom(8)).digest(), status, seconds_ago)


async def nothing(conn):
    pass


CASES = [
    # name, setup, status code, worker list statuses, queue state, words of the problem
    ("idle", nothing, 200, [], "ok", None),
    ("a live worker", lambda c: add_worker(c, 2), 200, ["ok"], "ok", None),
    ("a worker silent past its timeout", lambda c: add_worker(c, 95), 503, ["stalled"], "ok",
     f"worker {WORKER} (worker): no heartbeat for 95 s (timeout 30 s)"),
    ("a feed queued a while ago", lambda c: add_feed(c, 60), 200, [], "ok", None),
    ("a feed processing for long is not a queue stall", lambda c: add_feed(c, 5000, "processing"), 200, [], "ok",
     None),
    ("a feed queued past the limit", lambda c: add_feed(c, 1000), 503, [], "stalled",
     "queue: the oldest queued feed has waited 1000 s (limit 900 s)"),
]


@pytest.mark.parametrize("name, setup, code, workers, queue, problem", CASES, ids=[c[0] for c in CASES])
async def test_health(client, pool, name, setup, code, workers, queue, problem):
    async with pool.acquire() as conn:
        await setup(conn)
    r = await client.get("/health")
    assert r.status_code == code, r.text
    body = r.json()
    assert body["status"] == ("ok" if code == 200 else "unhealthy")
    assert body["database"] == "ok" and body["worker"] == "off" and body["queue"] == queue
    assert [w["status"] for w in body["workers"]] == workers
    assert body["problems"] == ([problem] if problem else [])
    assert "host" not in str(body["workers"]) and "4242" not in r.text     # no machine details to the public


async def test_health_reports_this_process_worker_stalled_or_dead(database_url, tokens, pool):
    app = create_app(database_url, pool_min=1, pool_max=4, feed_worker=True)
    async with AsyncTestClient(app=app) as client:
        for _ in range(100):
            r = await client.get("/health")
            if r.status_code == 200 and r.json()["worker"] == "ok":
                break
            await asyncio.sleep(0.1)
        assert r.json()["worker"] == "ok" and [w["kind"] for w in r.json()["workers"]] == ["serve"]
        own = app.state.feed_worker
        async with pool.acquire() as conn:      # the test's own: the app runs in another loop
            await conn.execute("UPDATE feed_workers SET beat_at = now() - interval '45 s' WHERE id = $1", own.id)
        r = await client.get("/health")
        assert r.status_code == 503 and r.json()["worker"] == "stalled"
        assert r.json()["problems"] == [f"worker {own.id} (this process): stalled"]
        own.task.get_loop().call_soon_threadsafe(own.task.cancel)     # the worker's task ends: dead at once
        await asyncio.sleep(0.3)
        r = await client.get("/health")
        assert r.status_code == 503 and r.json()["worker"] == "dead"
        assert r.json()["problems"][0] == f"worker {own.id} (this process): dead"


async def test_a_worker_silent_for_ten_timeouts_is_forgotten_by_a_live_one(conn):
    await add_worker(conn, 301, timeout=30)
    await liveness.beat(conn, uuid.uuid4(), kind="worker", timeout_s=30, reconnects=0)
    assert [w.status for w in (await liveness.facts(conn)).workers] == ["ok"]


async def test_a_worker_stopping_cleanly_leaves_no_row(conn):
    me = uuid.uuid4()
    await liveness.beat(conn, me, kind="serve", timeout_s=30, reconnects=2)
    [w] = (await liveness.facts(conn)).workers
    assert (w.id, w.kind, w.status, w.reconnects) == (str(me), "serve", "ok", 2)
    await liveness.forget(conn, me)
    assert (await liveness.facts(conn)).workers == []


async def behind(conn):
    await conn.execute("DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)")


READY = [
    # name, setup, status code, problems
    ("idle", nothing, 200, []),
    ("no worker anywhere is not this process's concern", lambda c: add_worker(c, 95), 200, []),
    ("a feed stuck in the queue is /health's concern", lambda c: add_feed(c, 1000), 200, []),
    ("the schema behind", behind, 503, ["schema: 1 migration(s) pending; run `isindex migrate`"]),
]


@pytest.mark.parametrize("name, setup, code, problems", READY, ids=[c[0] for c in READY])
async def test_ready(client, pool, name, setup, code, problems):
    async with pool.acquire() as conn:
        await setup(conn)
    r = await client.get("/health/ready")
    assert (r.status_code, r.json()) == (code, {"status": "ready" if code == 200 else "not_ready",
                                                "problems": problems})
    assert (await client.get("/health/live")).json() == {"status": "ok"}


async def test_ready_waits_for_this_process_worker_and_fails_when_it_stalls(database_url, tokens, pool):
    app = create_app(database_url, pool_min=1, pool_max=4, feed_worker=True)
    async with AsyncTestClient(app=app) as client:
        for _ in range(100):
            r = await client.get("/health/ready")
            if r.status_code == 200:
                break
            assert r.json()["problems"] == [f"worker {app.state.feed_worker.id} (this process): starting"]
            await asyncio.sleep(0.1)
        assert r.json() == {"status": "ready", "problems": []}
        own = app.state.feed_worker
        async with pool.acquire() as conn:      # the test's own: the app runs in another loop
            await conn.execute("UPDATE feed_workers SET beat_at = now() - interval '45 s' WHERE id = $1", own.id)
        r = await client.get("/health/ready")
        assert (r.status_code, r.json()["problems"]) == (503, [f"worker {own.id} (this process): stalled"])
