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


@pytest.mark.parametrize(("cmdline", "postgres"), [
    (b"postgres: isindex_app isindex 127.0.0.1(5100) idle", True),
    (b"/usr/lib/postgresql/18/bin/postgres\0-D\0/var/lib/postgresql/data\0", True),
    (b"postmaster\0-D\0/data\0", True),
    (b"/usr/bin/python3\0-m\0isindex\0", False),
    (b"postgres_exporter\0", False),
    (b"", False),
])
def test_only_a_postgresql_process_is_taken_for_the_backend(cmdline, postgres):
    assert priority._is_postgres(cmdline) is postgres


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


async def test_a_session_that_cannot_be_lowered_is_said_once_and_the_worker_runs_on(database_url, monkeypatch,
                                                                                    capsys):
    """Another user's PostgreSQL (no permission): a warning, once, with no pid or name in it."""
    def refused(*args):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(priority, "_nice", 5)
    monkeypatch.setattr(priority, "_warned", False)
    monkeypatch.setattr(priority.os, "setpriority", refused)
    warnings = []
    monkeypatch.setattr(priority.log, "warning", lambda event, **kw: warnings.append((event, kw)))
    conns = [await db.connect(database_url) for _ in range(2)]     # lower_session runs in connect
    try:
        assert await priority.lower_session(conns[0]) is False
        assert all([await c.fetchval("SELECT 1") for c in conns])
    finally:
        for c in conns:
            await c.close()
    assert warnings == [("worker_database_session_not_lowered", {"error_class": "PermissionError"})]


async def test_a_pid_that_is_not_postgresql_here_is_left_alone(database_url, monkeypatch):
    """A server on loopback in another pid namespace (a container's published port): the
    backend's pid here may be anything, so nothing is lowered unless it is PostgreSQL."""
    import builtins

    real_open = builtins.open
    conn = await db.connect(database_url)
    try:
        monkeypatch.setattr(priority, "_nice", 5)
        monkeypatch.setattr(priority.os, "setpriority",
                            lambda *a: pytest.fail("lowered a process that is not the backend"))
        monkeypatch.setattr(builtins, "open", lambda path, *a, **k: real_open("/proc/self/cmdline", *a, **k)
                            if str(path).endswith("/cmdline") else real_open(path, *a, **k))
        assert await priority.lower_session(conn) is False
    finally:
        await conn.close()
