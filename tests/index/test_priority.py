"""A worker's own database sessions at its lower priority (index/priority.py)."""

import os

import pytest

from index import db, priority


@pytest.mark.parametrize(("address", "local"), [
    (None, True),                # a Unix socket
    ("127.0.0.1", True),
    ("127.0.0.2", True),
    ("::1", True),
    ("10.1.2.3", False),
    ("192.168.0.7", False),
    ("2001:db8::1", False),
    ("not an address", False),
])
def test_only_a_server_on_this_machine_is_local(address, local):
    assert priority.local_server(address) is local


def _autogroup_nice(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/autogroup") as f:
            return int(f.read().split()[-1])
    except OSError:
        return None


async def test_a_session_is_left_alone_unless_its_worker_was_lowered(database_url, monkeypatch):
    monkeypatch.setattr(priority, "_nice", None)
    conn = await db.connect(database_url)
    try:
        pid = conn.get_server_pid()
        before = os.getpriority(os.PRIO_PROCESS, pid)
        assert await priority.lower_session(conn) is False
        assert os.getpriority(os.PRIO_PROCESS, pid) == before
    finally:
        await conn.close()


async def test_a_lowered_workers_sessions_are_lowered_and_no_other(database_url, monkeypatch):
    monkeypatch.setattr(priority, "_nice", 7)
    mine, other = await db.connect(database_url), await db.connect(database_url)
    try:
        monkeypatch.setattr(priority, "_nice", None)
        other_before = os.getpriority(os.PRIO_PROCESS, other.get_server_pid())
        monkeypatch.setattr(priority, "_nice", 7)
        assert await priority.lower_session(mine) is True
        pid = mine.get_server_pid()
        assert os.getpriority(os.PRIO_PROCESS, pid) == 7
        if _autogroup_nice(pid) is not None:      # Linux with autogroup: the backend's own group too
            assert _autogroup_nice(pid) == 7
        assert os.getpriority(os.PRIO_PROCESS, other.get_server_pid()) == other_before
        assert await mine.fetchval("SELECT 1") == 1
    finally:
        await mine.close()
        await other.close()
