"""A worker's own database sessions at its lower priority (index/priority.py)."""

import builtins
import contextlib
import os
import threading

import pytest

from index import db, priority


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    """Each test starts with no worker nice or CPUs and no warning given (module state)."""
    monkeypatch.setattr(priority, "_nice", None)
    monkeypatch.setattr(priority, "_cpus", None)
    monkeypatch.setattr(priority, "_warned", False)


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


@pytest.mark.parametrize(("cmdline", "port", "backend"), [
    (b"postgres: isindex_app isindex 127.0.0.1(5100) idle", 5100, True),
    (b"postgres: isindex_app isindex 127.0.0.1(5100) idle in transaction", 5100, True),
    (b"postgres: main: isindex_app isindex 127.0.0.1(5100) COPY", 5100, True),    # cluster_name set
    (b"postgres: isindex_app isindex [local] idle", None, True),
    (b"postgres: isindex_app isindex 127.0.0.1(5101) idle", 5100, False),         # another client's
    (b"postgres: isindex_app isindex 127.0.0.1(51000) idle", 5100, False),
    (b"postgres: isindex_app isindex [local] idle", 5100, False),
    (b"postgres: someone isindex 127.0.0.1(5100) idle", 5100, False),             # another user's
    (b"postgres: isindex_app other 127.0.0.1(5100) idle", 5100, False),           # another database's
    (b"postgres: checkpointer", None, False),
    (b"/usr/lib/postgresql/18/bin/postgres\0-D\0/var/lib/postgresql/data\0", None, False),   # no title
    (b"/usr/bin/python3\0-m\0isindex\0", None, False),
    (b"", None, False),
])
def test_only_this_connections_own_backend_is_taken_for_it(cmdline, port, backend):
    assert priority.is_backend(cmdline, user="isindex_app", database="isindex", client_port=port) is backend


def _autogroup_nice(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/autogroup") as f:
            return int(f.read().split()[-1])
    except OSError:
        return None


async def test_a_session_is_left_alone_unless_its_worker_was_lowered(database_url):
    conn = await db.connect(database_url)
    try:
        pid = conn.get_server_pid()
        before = os.getpriority(os.PRIO_PROCESS, pid)
        assert await priority.lower_session(conn) is False
        assert os.getpriority(os.PRIO_PROCESS, pid) == before
    finally:
        await conn.close()


async def test_a_lowered_workers_sessions_are_lowered_and_no_other(database_url, monkeypatch):
    other = await db.connect(database_url)            # a session of someone else: no worker nice
    monkeypatch.setattr(priority, "_nice", 7)
    mine = [await db.connect(database_url) for _ in range(3)]    # lowered as they connect, one after another
    try:
        for conn in mine:
            pid = conn.get_server_pid()
            assert os.getpriority(os.PRIO_PROCESS, pid) == 7
            if _autogroup_nice(pid) is not None:      # Linux with autogroup: the backend's own group too
                assert _autogroup_nice(pid) == 7
            assert await conn.fetchval("SELECT 1") == 1
        other_pid = other.get_server_pid()
        assert os.getpriority(os.PRIO_PROCESS, other_pid) == 0
        assert _autogroup_nice(other_pid) in (None, 0)
    finally:
        for conn in (other, *mine):
            await conn.close()


async def test_a_priority_is_only_ever_lowered(database_url, monkeypatch):
    monkeypatch.setattr(priority, "_nice", 12)
    conn = await db.connect(database_url)
    try:
        pid = conn.get_server_pid()
        monkeypatch.setattr(priority, "_nice", 4)
        assert await priority.lower_session(conn) is True
        assert os.getpriority(os.PRIO_PROCESS, pid) == 12
        if _autogroup_nice(pid) is not None:
            assert _autogroup_nice(pid) == 12
    finally:
        await conn.close()


async def test_a_session_that_cannot_be_lowered_is_said_once_and_the_worker_runs_on(database_url, monkeypatch):
    """Another user's PostgreSQL (no permission): a warning, once, with no pid or name in it."""
    def refused(*args):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(priority, "_nice", 5)
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


async def test_a_pid_whose_title_is_not_this_backend_is_left_alone(database_url, monkeypatch):
    """A server reached through a tunnel or a container's published port: the pid it names
    may be anything here, so nothing is lowered unless its title is this backend's."""
    real_open = builtins.open
    conn = await db.connect(database_url)
    try:
        monkeypatch.setattr(priority, "_nice", 5)
        monkeypatch.setattr(priority, "_cpus", frozenset({0}))
        monkeypatch.setattr(priority.os, "setpriority",
                            lambda *a: pytest.fail("lowered a process that is not the backend"))
        monkeypatch.setattr(priority.os, "sched_setaffinity",
                            lambda *a: pytest.fail("kept a process that is not the backend to the worker's CPUs"),
                            raising=False)
        monkeypatch.setattr(builtins, "open", lambda path, *a, **k: real_open("/proc/self/cmdline", *a, **k)
                            if str(path).endswith("/cmdline") else real_open(path, *a, **k))
        assert await priority.lower_session(conn) is False
    finally:
        await conn.close()


def test_the_worker_runs_at_its_nice_not_its_nice_added(monkeypatch):
    calls = []
    monkeypatch.setattr(priority.os, "getpriority", lambda which, who: 5)
    monkeypatch.setattr(priority.os, "setpriority", lambda which, who, value: calls.append((who, value)))
    monkeypatch.setattr(priority, "_threads", lambda: [0])
    priority.lower_worker(10)
    priority.lower_worker(3)
    assert calls == [(0, 10), (0, 5)] and priority._nice == 5     # its sessions follow what it runs at


async def test_an_autogroup_change_refused_for_now_is_tried_again(database_url, monkeypatch):
    """The kernel takes one autogroup change per 100 ms from a caller that is not root
    (EAGAIN): a worker's connections open together, so each waits its turn."""
    real_open, refusals = builtins.open, []

    def rate_limited(path, mode="r", *a, **k):
        if str(path).endswith("/autogroup") and "w" in mode and len(refusals) < 2:
            refusals.append(path)
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return real_open(path, mode, *a, **k)

    conn = await db.connect(database_url)
    try:
        pid = conn.get_server_pid()
        if _autogroup_nice(pid) is None:
            pytest.skip("no autogroup here")
        monkeypatch.setattr(priority, "_nice", 6)
        monkeypatch.setattr(builtins, "open", rate_limited)
        assert await priority.lower_session(conn) is True
        assert len(refusals) == 2 and _autogroup_nice(pid) == 6
    finally:
        await conn.close()


@pytest.mark.parametrize(("allowed", "half"), [
    ({0}, None),                    # one CPU: nothing to leave the API
    ({0, 1}, {1}),
    ({0, 1, 2}, {2}),
    ({0, 1, 2, 3}, {2, 3}),
    ({3, 5, 7, 9, 11}, {9, 11}),    # a container's CPUs need not start at 0
])
def test_a_worker_beside_the_api_gets_the_upper_half_of_its_cpus(allowed, half):
    got = priority.worker_cpus(allowed)
    assert got == (None if half is None else frozenset(half))
    if got is not None:
        assert priority.cpu_list(got) == ",".join(map(str, sorted(half)))


needs_two_cpus = pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                                    reason="keeping a process to some CPUs needs two to choose from")


@needs_two_cpus
def test_the_worker_runs_on_its_cpus_and_so_do_its_threads_before_and_after():
    """Linux keeps CPUs per thread: a thread started before (numpy's BLAS starts one at
    import) is moved too, and one started after inherits them."""
    before = os.sched_getaffinity(0)
    one = frozenset({max(before)})
    started, done = threading.Event(), threading.Event()
    early = threading.Thread(target=lambda: (started.set(), done.wait(10)))
    early.start()
    started.wait(10)
    try:
        priority.lower_worker(0, one)
        assert priority._cpus == one and priority._nice is None
        assert {tid: os.sched_getaffinity(tid) for tid in priority._threads()} == dict.fromkeys(priority._threads(), one)
        assert os.sched_getaffinity(early.native_id) == one
        seen = []
        later = threading.Thread(target=lambda: seen.append(os.sched_getaffinity(0)))
        later.start()
        later.join()
        assert seen == [one]
    finally:
        done.set()
        early.join()
        for tid in priority._threads():
            with contextlib.suppress(ProcessLookupError):
                os.sched_setaffinity(tid, before)


async def test_a_refused_cpu_set_is_said_once_and_the_priority_still_lowered(database_url, monkeypatch):
    """A server whose own CPUs exclude the worker's (EINVAL): the backend is still lowered."""
    def refused(*args):
        raise OSError(22, "Invalid argument")

    warnings = []
    monkeypatch.setattr(priority.log, "warning", lambda event, **kw: warnings.append((event, kw)))
    monkeypatch.setattr(priority, "_nice", 5)
    monkeypatch.setattr(priority, "_cpus", frozenset({0}))
    monkeypatch.setattr(priority.os, "sched_setaffinity", refused, raising=False)
    conns = [await db.connect(database_url) for _ in range(2)]
    try:
        assert await priority.lower_session(conns[0]) is False
        assert [os.getpriority(os.PRIO_PROCESS, c.get_server_pid()) for c in conns] == [5, 5]
        assert all([await c.fetchval("SELECT 1") for c in conns])
    finally:
        for c in conns:
            await c.close()
    assert warnings == [("worker_database_session_not_lowered", {"error_class": "OSError"})]


@needs_two_cpus
async def test_a_workers_sessions_are_kept_to_its_cpus_and_no_other(database_url, monkeypatch):
    everywhere = os.sched_getaffinity(0)
    one = frozenset({max(everywhere)})
    other = await db.connect(database_url)
    monkeypatch.setattr(priority, "_cpus", one)       # CPUs alone, no nice: the sessions are still kept to them
    mine = await db.connect(database_url)             # kept as it connects
    try:
        assert os.sched_getaffinity(mine.get_server_pid()) == one
        assert os.getpriority(os.PRIO_PROCESS, mine.get_server_pid()) == 0
        assert os.sched_getaffinity(other.get_server_pid()) == everywhere
        assert await mine.fetchval("SELECT 1") == 1
    finally:
        await other.close()
        await mine.close()
