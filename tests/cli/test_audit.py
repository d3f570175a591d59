"""`isindex audit verify` on a real database: run in this process (tests.processes.isindex_here),
and once as a user runs it, a process of its own."""

import asyncio
import json

import asyncpg
import pytest

from index import audit, db
from tests.processes import isindex_here as isindex
from tests import processes
from tests.index.test_audit_chain import GUARDS_OFF, GUARDS_ON, event

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def run(database_url, *statements: str, events: int = 0) -> dict[int, int]:
    """Write `events` audit events, then run statements with the guards off; {seq: id}."""
    async def go():
        conn = await asyncpg.connect(database_url)
        try:
            await db.init_connection(conn)
            for n in range(events):
                await audit.record(conn, event(n))
            if statements:
                await conn.execute(GUARDS_OFF)
                for statement in statements:
                    await conn.execute(statement)
                await conn.execute(GUARDS_ON)
            return {r["seq"]: r["id"] for r in await conn.fetch("SELECT seq, id FROM audit_events")}
        finally:
            await conn.close()

    return asyncio.run(go())


def test_help():
    done = isindex("postgresql://unused", "audit", "verify", "--help")
    assert done.stdout.startswith("usage: isindex audit verify") and "--json" in done.stdout


def test_an_intact_chain_exits_0(database_url):
    run(database_url, events=5)
    done = processes.isindex(database_url, "audit", "verify")    # a real process: the smoke test of tests/cli
    assert "audit chain intact: 5 events checked; head seq 5" in done.stdout
    result = json.loads(isindex(database_url, "audit", "verify", "--json").stdout)
    assert result["ok"] is True and result["events_checked"] == 5 and len(result["head_hash"]) == 64


@pytest.mark.parametrize("statement, expected", [
    ("UPDATE audit_events SET status = 500 WHERE seq = 3", "at event id {3} (seq 3): edited"),
    ("DELETE FROM audit_events WHERE seq = 2", "at event id {3} (seq 3): missing (gap in sequence)"),
    ("DELETE FROM audit_events WHERE seq = 5", "at seq 5: chain head does not match the last event"),
])
def test_a_broken_chain_exits_1_naming_the_first_bad_event(database_url, statement, expected):
    ids = run(database_url, statement, events=5)
    done = isindex(database_url, "audit", "verify", check=False)
    assert done.returncode == 1 and done.stdout == ""
    assert expected.format(*[None, *[ids.get(s) for s in range(1, 6)]]) in done.stderr
    result = json.loads(isindex(database_url, "audit", "verify", "--json", check=False).stdout)
    assert result["ok"] is False and result["problem"]["code"] in ("edited", "missing", "head_mismatch")
