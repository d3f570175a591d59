"""Feeds processed by worker processes: a worker killed mid-feed, two feeds at once."""

import datetime as dt
import os
import subprocess
import time

import pytest

from index import registry
from index.feeds import queue, store
from tests.cli.test_feeds import census, registered  # noqa: F401  (fixtures)
from tests.processes import CLI


def worker(database_url, *args, heartbeat=2):
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.Popen([*CLI, "worker", "--heartbeat", str(heartbeat), "--chunk", "50", *args],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


async def submit(conn, code, path, full=False):
    src = await store.source(conn, code=code)
    async with conn.transaction():
        feed_id, _ = await store.submit(conn, src, path.read_bytes(), format="csv", full=full, submitted_by=None,
                                        keep_days=1)
        await queue.enqueue(conn, feed_id)
    return feed_id


async def not_empty(conn):
    """One child already in the index, unlike any of the census's, so that a feed is
    applied in batches of --chunk rows (into an empty index it would be a first load, all
    at once: tests/index/feeds/test_first_load.py)."""
    await registry.create_child(conn, registry.NewChild(forename="Xanthippe", surname="Quillfeather",
                                                        dob=dt.date(2019, 12, 31), sex="female", owning_la="873"))


async def wait_for(conn, feed_id, *, timeout=120, until=lambda r: r["status"] in ("done", "rejected")):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = await conn.fetchrow("SELECT status, rows, rows_done FROM feeds WHERE id = $1", feed_id)
        if until(row):
            return row
        await _sleep(0.05)
    raise AssertionError(f"feed not there in {timeout} s: {dict(row)}")


async def _sleep(seconds):
    import asyncio
    await asyncio.sleep(seconds)


async def end_state(conn):
    return {
        "children": await conn.fetchval("SELECT count(*) FROM children"),
        "records": await conn.fetchval("SELECT count(*) FROM source_records"),
        "linked_or_review": await conn.fetchval(
            """SELECT count(*) FROM source_records sr WHERE
                 EXISTS (SELECT 1 FROM links l WHERE l.source_record_id = sr.id AND l.unlinked_at IS NULL)
              OR EXISTS (SELECT 1 FROM review_items r WHERE r.source_record_id = sr.id AND r.status = 'open')"""),
        "two_links": await conn.fetchval(
            "SELECT count(*) FROM (SELECT source_record_id FROM links WHERE unlinked_at IS NULL "
            "GROUP BY 1 HAVING count(*) > 1) x"),
    }


async def test_a_worker_killed_mid_feed_is_taken_over_and_nothing_is_lost_or_doubled(registered, census, conn):
    await not_empty(conn)
    feed_id = await submit(conn, "LASYS", census / "existing.csv")
    first = worker(registered)
    try:
        row = await wait_for(conn, feed_id, until=lambda r: r["rows_done"] >= 200)
        first.kill()                                   # SIGKILL: no clean-up at all
        first.wait(timeout=30)
        assert row["rows_done"] < row["rows"] or row["status"] != "done"
    finally:
        if first.poll() is None:
            first.kill()
    await _sleep(2.5)                                  # the dead worker's heartbeat goes stale
    second = worker(registered, "--drain")
    try:
        done = await wait_for(conn, feed_id)
    finally:
        second.kill()
        second.wait(timeout=30)
    assert done["status"] == "done" and done["rows_done"] == 1500
    state = await end_state(conn)
    assert state == {"children": state["children"], "records": 1500, "linked_or_review": 1500, "two_links": 0}
    # The same rows from one uninterrupted run give the same number of children.
    counts = await conn.fetchrow("SELECT created, review FROM feeds WHERE id = $1", feed_id)
    assert state["children"] == counts["created"] + 1   # and the one there before


async def test_the_same_feed_twice_and_two_feeds_at_once_give_one_end_state(registered, census, conn):
    first = await submit(conn, "LASYS", census / "existing.csv")
    again = await submit(conn, "LASYS", census / "existing.csv")
    assert again == first
    other = await submit(conn, "SCH1", census / "incoming.csv")
    workers = [worker(registered, "--drain"), worker(registered, "--drain")]
    try:
        for feed_id in (first, other):
            assert (await wait_for(conn, feed_id))["status"] == "done"
    finally:
        for w in workers:
            w.kill()
            w.wait(timeout=30)
    state = await end_state(conn)
    assert state["records"] == 1800 and state["linked_or_review"] == 1800 and state["two_links"] == 0


async def test_a_drain_started_inside_the_heartbeat_window_after_a_crash_finishes_the_crashed_feed(
        registered, census, conn):
    await not_empty(conn)
    feed_id = await submit(conn, "LASYS", census / "existing.csv")
    first = worker(registered, heartbeat=6)
    try:
        await wait_for(conn, feed_id, until=lambda r: r["rows_done"] >= 200)
        first.kill()                                   # its job stays picked, with a fresh heartbeat
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    row = await conn.fetchrow("SELECT status, rows_done FROM feeds WHERE id = $1", feed_id)
    assert row["status"] == "processing" and row["rows_done"] < 1500
    started = time.monotonic()
    drain = worker(registered, "--drain", heartbeat=6)   # at once: well inside the 6 s window
    try:
        code = await _wait_exit(drain, 180)
    finally:
        if drain.poll() is None:
            drain.kill()
    assert code == 0, drain.stderr.read()[-2000:]
    assert time.monotonic() - started >= 3             # it waited for the heartbeat to go stale
    done = await conn.fetchrow("SELECT status, rows_done FROM feeds WHERE id = $1", feed_id)
    assert dict(done) == {"status": "done", "rows_done": 1500}
    assert await conn.fetchval("SELECT count(*) FROM feeds WHERE status IN ('queued', 'processing')") == 0
    # A drain leaves no audit event unchained behind it (its chainer makes a last pass).
    assert await conn.fetchval("SELECT count(*) FROM audit_events WHERE seq IS NULL") == 0


async def _wait_exit(proc, timeout):
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"the worker did not exit in {timeout} s")
        await _sleep(0.2)
    return proc.returncode


class BrokenModel:
    """A matching model whose every use fails: the feed's processing raises."""

    def __getattr__(self, name):
        raise RuntimeError("broken model")


async def test_a_drain_returns_the_feeds_that_failed_instead_of_retrying_them_for_ever(registered, census, conn,
                                                                                       pool):
    import asyncio
    import datetime as dt

    from index.feeds import supervisor

    feed_id = await submit(conn, "SCH1", census / "incoming.csv")
    drain = supervisor.Supervisor(pool, registered, model=BrokenModel(), max_bytes=10**8, kind="worker",
                                  heartbeat=dt.timedelta(seconds=2), drain=True)
    assert await asyncio.wait_for(drain.run(), 60) == {feed_id}
    assert await conn.fetchval("SELECT count(*) FROM feed_workers") == 0     # it stopped cleanly
