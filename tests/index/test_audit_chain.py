"""The audit log's hash chain (migrations 0010 and 0019): intact under concurrent writers,
every kind of tampering found and named, and append-only whoever asks. Events are chained
after they commit (index.audit_chain); `write` chains them as a running chainer would."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import pytest

from index import audit, audit_chain, db, errors, migrate

ROLES_SQL = Path(__file__).resolve().parents[2] / "deploy" / "roles.sql"


def event(n: int = 0, **fields) -> audit.Event:
    base = dict(request_id=uuid.uuid4(), action="child.view", outcome="ok", status=200, org_code="HV873",
                role="practitioner", reason="service_delivery", case_ref=f"CP-{n:04d}",
                query={"n": n, "surname": "Ünal", "nested": {"b": [1, 2.50, None], "a": True}},
                child_ids=[uuid.uuid4(), uuid.uuid4()])
    return audit.Event(**{**base, **fields})


async def write(conn, count: int) -> dict[int, int]:
    """`count` events, alternating full and sparse ones; {seq: id}."""
    for n in range(count):
        extra = {} if n % 2 else dict(reason=None, case_ref=None, org_code=None, role=None, query={}, child_ids=[])
        await audit.record(conn, event(n, **extra))
    await audit_chain.chain_all(conn)
    return {r["seq"]: r["id"] for r in await conn.fetch("SELECT seq, id FROM audit_events")}


async def test_an_empty_log_is_intact(conn):
    result = await audit.verify(conn)
    assert (result.ok, result.events_checked, result.head_seq, result.head_hash) == (True, 0, 0, "00" * 32)


async def test_many_events_from_concurrent_writers_form_one_chain(pool):
    # Ids commit out of order; the chain follows seq (the order the chainer saw them).
    async def one(n: int) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await audit.record(conn, event(n, outcome="denied" if n % 3 else "ok"))
            await asyncio.sleep(0)   # keep the transaction open across a turn of the loop

    await asyncio.gather(*(one(n) for n in range(300)))
    async with pool.acquire() as conn:
        await write(conn, 20)
        result = await audit.verify(conn)
        assert (result.ok, result.events_checked, result.head_seq, result.problem) == (True, 320, 320, None)
        seqs = [r["seq"] for r in await conn.fetch("SELECT seq FROM audit_events ORDER BY seq")]
        assert seqs == list(range(1, 321))


async def test_a_rolled_back_or_refused_event_leaves_no_gap(conn):
    await write(conn, 3)
    async with conn.transaction():
        await audit.record(conn, event(1))
        await conn.execute("SAVEPOINT s")
        with pytest.raises(errors.Invalid), db.translate_errors():
            await audit.record(conn, event(2, org_code="not a code"))   # a CHECK after the trigger ran
        await conn.execute("ROLLBACK TO SAVEPOINT s")
        await conn.execute("ROLLBACK")
    await audit.record(conn, event(4))
    await audit_chain.chain_all(conn)
    result = await audit.verify(conn)
    assert (result.ok, result.events_checked) == (True, 4)


async def test_python_and_the_trigger_render_an_event_alike(conn):
    await write(conn, 4)
    texts = await conn.fetch("SELECT seq, audit_event_text(e) AS text FROM audit_events e")
    stored = {r["seq"]: r["text"] for r in texts}
    rows = await conn.fetch(audit.CHAIN)
    assert len(rows) == 4
    for row in rows:
        fields = list(row)[4:]
        assert audit.SEPARATOR.join(f or "" for f in fields) == stored[row["seq"]]
        assert audit.event_hash(row["prev_hash"], fields) == row["hash"]


# Each case: what the attacker runs with the guards off; then the problem expected, and
# the seq of the event named first (as it was before tampering), or (for the head) the seq.
TAMPERING = [
    ("edit a reason", ["UPDATE audit_events SET reason = 'other_reason' WHERE seq = 4"], "edited", 4, 4),
    ("edit a time by 1 µs", ["UPDATE audit_events SET at = at + interval '1 microsecond' WHERE seq = 6"],
     "edited", 6, 6),
    ("edit child ids", ["UPDATE audit_events SET child_ids = child_ids[1:1] WHERE seq = 2"], "edited", 2, 2),
    ("edit the query", ["UPDATE audit_events SET query = '{}' WHERE seq = 8"], "edited", 8, 8),
    ("edit the newest", ["UPDATE audit_events SET status = 500 WHERE seq = 10"], "edited", 10, 10),
    ("fill in a null", ["UPDATE audit_events SET org_code = 'LA873' WHERE seq = 1"], "edited", 1, 1),
    ("delete a middle event", ["DELETE FROM audit_events WHERE seq = 5"], "missing", 6, 6),
    ("delete the first event", ["DELETE FROM audit_events WHERE seq = 1"], "missing", 2, 2),
    ("delete the newest event", ["DELETE FROM audit_events WHERE seq = 10"], "head_mismatch", None, 10),
    ("delete the newest three", ["DELETE FROM audit_events WHERE seq >= 8"], "head_mismatch", None, 8),
    ("swap two events", ["UPDATE audit_events SET seq = -1 WHERE seq = 3",
                         "UPDATE audit_events SET seq = 3 WHERE seq = 7",
                         "UPDATE audit_events SET seq = 7 WHERE seq = -1"], "out_of_order", 7, 3),
    ("swap neighbours", ["UPDATE audit_events SET seq = -1 WHERE seq = 4",
                         "UPDATE audit_events SET seq = 4 WHERE seq = 5",
                         "UPDATE audit_events SET seq = 5 WHERE seq = -1"], "out_of_order", 5, 4),
    ("delete and renumber", ["DELETE FROM audit_events WHERE seq = 5",
                             "UPDATE audit_events SET seq = seq - 1 WHERE seq > 5",
                             "UPDATE audit_chain_head SET seq = seq - 1"], "out_of_order", 6, 5),
    ("move the head back", ["UPDATE audit_chain_head SET seq = 9"], "head_mismatch", None, None),
]


@pytest.mark.parametrize("statements, code, named, seq", [c[1:] for c in TAMPERING], ids=[c[0] for c in TAMPERING])
async def test_tampering_is_found_and_the_first_bad_event_named(conn, statements, code, named, seq):
    ids = await write(conn, 10)
    assert (await audit.verify(conn)).ok
    await tamper(conn, *statements)
    result = await audit.verify(conn)
    assert not result.ok and result.problem.code == code
    assert (result.first_bad_id, result.first_bad_seq) == (ids.get(named), seq)
    before = await conn.fetchval("SELECT count(*) FROM audit_events WHERE seq < coalesce($1, 11)", seq)
    assert result.events_checked == before


async def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(conn):
    ids = await write(conn, 6)
    row = await conn.fetchrow(audit.CHAIN.replace("ORDER BY seq", "WHERE seq = 3"))
    fields = list(row)[4:]
    fields[7] = "other_reason"   # reason
    forged = audit.event_hash(row["prev_hash"], fields)
    await tamper(conn, "UPDATE audit_events SET reason = 'other_reason', hash = $1 WHERE seq = 3", args=(forged,))
    result = await audit.verify(conn)
    assert (result.problem.code, result.first_bad_id, result.first_bad_seq) == ("out_of_order", ids[4], 4)


GUARDS_OFF = """
ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
ALTER TABLE audit_chain_head DISABLE TRIGGER audit_chain_head_guard
"""
GUARDS_ON = GUARDS_OFF.replace("DISABLE", "ENABLE")


async def tamper(conn, *statements: str, args: tuple = ()) -> None:
    """As a superuser would: switch the guards off, change things, switch them on."""
    await conn.execute(GUARDS_OFF)
    try:
        for statement in statements:
            await conn.execute(statement, *args)
    finally:
        await conn.execute(GUARDS_ON)


REFUSED = [
    "UPDATE audit_events SET reason = NULL WHERE seq = 2",
    "DELETE FROM audit_events WHERE seq = 3",
    "DELETE FROM audit_events",
    "TRUNCATE audit_events",
    "TRUNCATE audit_events, audit_chain_head",
    "UPDATE audit_chain_head SET seq = 0",
    "DELETE FROM audit_chain_head",
    "TRUNCATE audit_chain_head",
    "INSERT INTO audit_chain_head (one_row, seq, hash) VALUES (true, 0, '\\x00'::bytea) ON CONFLICT DO NOTHING",
]


@pytest.mark.parametrize("statement", REFUSED)
async def test_even_the_owner_cannot_change_the_log(conn, statement):
    await write(conn, 4)
    with pytest.raises(errors.Forbidden, match="append-only|chain head"), db.translate_errors():
        async with conn.transaction():
            await conn.execute(statement)
    assert (await audit.verify(conn)).events_checked == 4


async def test_the_service_role_appends_and_reads_but_cannot_change(conn, database_url):
    try:
        await conn.execute(ROLES_SQL.read_text(encoding="utf-8"))
    except asyncpg.InsufficientPrivilegeError:
        pytest.skip("the test server does not let this user create roles")
    owned = await conn.fetchval("SELECT count(*) FROM pg_class WHERE relowner = 'isindex_app'::regrole")
    assert owned == 0
    async with conn.transaction():
        await conn.execute("SET LOCAL ROLE isindex_app")
        await write(conn, 3)
    for statement in ["UPDATE audit_events SET status = 500", "DELETE FROM audit_events", "TRUNCATE audit_events",
                      "UPDATE audit_chain_head SET seq = 0", "DELETE FROM audit_chain_head",
                      "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"]:
        with pytest.raises(errors.Forbidden, match="may not"), db.translate_errors():
            async with conn.transaction():
                await conn.execute("SET LOCAL ROLE isindex_app")
                await conn.execute(statement)
    await conn.execute("SET ROLE isindex_app")
    try:
        result = await audit.verify(conn)
    finally:
        await conn.execute("RESET ROLE")
    assert (result.ok, result.events_checked) == (True, 3)


async def test_the_migration_chains_events_written_before_it(server_url):
    admin = await asyncpg.connect(server_url)
    await admin.execute("DROP DATABASE IF EXISTS t_chain_backfill WITH (FORCE)")
    await admin.execute("CREATE DATABASE t_chain_backfill")
    try:
        conn = await asyncpg.connect(db.with_database(server_url, "t_chain_backfill"))
        await db.init_connection(conn)
        try:
            for m in migrate.available():
                if m.version < 10:
                    await conn.execute(m.sql)
            for n in range(25):
                await conn.execute(audit.INSERT, uuid.uuid4(), None, "HV873", "practitioner", "child.view",
                                   None, None, {"n": n}, [uuid.uuid4()], "ok", 200)
            await conn.execute(next(m.sql for m in migrate.available() if m.version == 10))
            result = await audit.verify(conn)
            assert (result.ok, result.events_checked, result.head_seq) == (True, 25, 25)
            ids = [r["id"] for r in await conn.fetch("SELECT id FROM audit_events ORDER BY seq")]
            assert ids == sorted(ids)
            await audit.record(conn, event(1))
            assert (await audit.verify(conn)).events_checked == 26
        finally:
            await conn.close()
    finally:
        await admin.execute("DROP DATABASE IF EXISTS t_chain_backfill WITH (FORCE)")
        await admin.close()
