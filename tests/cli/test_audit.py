"""`isindex audit verify` and `anchor` on a real database: run in this process
(tests.processes.isindex_here), and once as a user runs it, a process of its own."""

import asyncio
import json

import asyncpg
import pytest

from index import audit, audit_chain, db
from tests import processes
from tests.processes import isindex_here as isindex
from tests.index.test_audit_chain import GUARDS_OFF, GUARDS_ON, event

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def run(database_url, *statements: str, events: int = 0, chain: bool = True) -> dict[int, int]:
    """Write `events` audit events (chained, as a running chainer would, unless not chain),
    then run statements with the guards off; {seq: id}."""
    async def go():
        conn = await asyncpg.connect(database_url)
        try:
            await db.init_connection(conn)
            for n in range(events):
                await audit.record(conn, event(n))
            if chain:
                await audit_chain.chain_all(conn)
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


def test_pending_events_are_reported_and_fail_once_older_than_the_limit(database_url):
    run(database_url, events=3)
    run(database_url, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_pending_update",
        "UPDATE audit_events SET at = at - interval '10 minutes' WHERE seq IS NULL",
        "ALTER TABLE audit_events ENABLE TRIGGER audit_events_pending_update", events=2, chain=False)
    done = isindex(database_url, "audit", "verify", "--pending-limit", "900")
    assert "3 events checked" in done.stdout and "pending: 2 (oldest 6" in done.stdout
    done = isindex(database_url, "audit", "verify", check=False)     # the default limit: 300 s
    assert done.returncode == 1 and "2 events are not chained yet, the oldest for 6" in done.stderr
    result = json.loads(isindex(database_url, "audit", "verify", "--json", "--pending-limit", "60",
                                check=False).stdout)
    assert (result["ok"], result["problem"]["code"], result["pending"]) == (False, "pending_too_long", 2)


def test_the_anchor_catches_a_cut_tail_that_the_head_no_longer_shows(database_url):
    run(database_url, events=6)
    anchor = isindex(database_url, "audit", "anchor").stdout.strip()
    assert anchor == json.loads(isindex(database_url, "audit", "anchor", "--json").stdout)["anchor"]
    assert anchor.startswith("6:") and len(anchor) == 2 + 64
    assert "anchor " + anchor + " holds" in isindex(database_url, "audit", "verify", "--anchor", anchor).stdout
    run(database_url, "DELETE FROM audit_events WHERE seq >= 5",
        "UPDATE audit_chain_head SET (seq, hash) = (SELECT seq, hash FROM audit_events WHERE seq = 4)")
    assert isindex(database_url, "audit", "verify").returncode == 0      # the cut is invisible without it
    done = isindex(database_url, "audit", "verify", "--anchor", anchor, check=False)
    assert done.returncode == 1 and "at seq 5: the chain ends at seq 4, before the anchor's seq 6" in done.stderr


@pytest.mark.parametrize("anchor", ["6", "6:abc", "-1:" + "00" * 32, "x:" + "00" * 32, "6:" + "zz" * 32])
def test_a_malformed_anchor_is_refused_naming_the_option(anchor):
    done = isindex("postgresql://unused", "audit", "verify", "--anchor", anchor, check=False)
    assert done.returncode == 2 and "--anchor" in done.stderr and "SEQ:HASH" in done.stderr


def test_anchor_help():
    done = isindex("postgresql://unused", "audit", "anchor", "--help")
    assert done.stdout.startswith("usage: isindex audit anchor") and "--json" in done.stdout
