"""A lower CPU priority, and CPUs of its own, for a worker and for its own database sessions.

serve runs its feed worker beside the API on the same machine (the embedded default).
Lowering the worker process alone (nice) does not put the API's searches first: the
census's SQL runs in the worker's PostgreSQL backend, and PostgreSQL starts every
backend in a session of its own (setsid), which Linux's autogroup scheduling makes a
scheduler group of its own, weighed equally with serve's. So a worker started with a
nice value also lowers the backends of its own connections, when PostgreSQL runs on
this machine: their process priority, and, where autogroup is on, their group's
(/proc/PID/autogroup). A priority is only ever lowered, never raised.

Only a process proven to be this connection's own backend is touched: the server names
the pid (pg_backend_pid(), which must be the one the connection announced, so no pooler
stands between), the connection reaches it by a Unix socket or loopback, and the pid's
process title here is that backend's ("postgres: USER DB [local]" or "... HOST(PORT)",
with the client port the server sees), so a tunnel, a container's published port or
another cluster cannot lead to someone else's process. Where that cannot be shown
(update_process_title off, no /proc), nothing is lowered. Lowering a process of the
same user needs no privilege; another user's PostgreSQL refuses, and the worker says so
once and runs on. Searches' backends are never touched.

A lower priority is not enough on a small machine: a process at the lowest priority
Linux gives still slows the API's searches while it runs beside them (on the 2-core
machine of tests/perf/RESULTS.md processes that only spin, at nice 19 in the
SCHED_IDLE class, raised the searches' p99 2.2x for two of them, 1.5x for one). So
serve also keeps its worker on the upper half of the CPUs it may use itself
(worker_cpus), and the worker's own backends with them (the same checks), leaving the
rest to the API: on 2 CPUs the worker has one.

Linux keeps a nice value and a CPU set per thread, and a thread inherits its creator's.
A worker lowers every thread it has by then (numpy's BLAS starts one at import), so
the threads it starts later inherit the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import re

import asyncpg
import structlog

log = structlog.get_logger()

_nice: int | None = None          # set by lower_worker(); the worker's connections follow it
_cpus: frozenset[int] | None = None   # the same, for the CPUs it may run on
_warned = False
AUTOGROUP_TRIES = 10              # the kernel takes one autogroup change per 100 ms from a non-root caller
WHO = "SELECT pg_backend_pid(), host(inet_server_addr()), inet_client_port(), current_user, current_database()"


def lower_worker(nice: int, cpus: frozenset[int] | None = None) -> None:
    """Run this process, every thread it has, at nice (0-19; an existing higher nice is
    kept) and on `cpus` (None: wherever it may run now), and have this process's later
    database sessions lowered and kept to the same (lower_session). Threads started
    afterwards inherit both."""
    global _nice, _cpus
    if cpus is not None and hasattr(os, "sched_setaffinity"):
        for tid in _threads():
            with contextlib.suppress(ProcessLookupError):      # a thread that ended meanwhile
                os.sched_setaffinity(tid, cpus)
        _cpus = frozenset(cpus)
    if nice <= 0:
        return
    _nice = max(os.getpriority(os.PRIO_PROCESS, 0), nice)
    for tid in _threads():
        with contextlib.suppress(ProcessLookupError):
            os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), _nice))


def _threads() -> list[int]:
    """This process's threads by id (Linux: /proc/self/task), or [0], this thread, where
    the system does not list them (there a priority is the whole process's)."""
    try:
        return sorted(int(tid) for tid in os.listdir("/proc/self/task"))
    except OSError:
        return [0]


def worker_cpus(allowed: set[int] | frozenset[int]) -> frozenset[int] | None:
    """The CPUs for a worker that runs beside the API: the upper half of those the API
    may use (rounded down: one of 2 or 3, two of 4), or None where there is only one."""
    ordered = sorted(allowed)
    if len(ordered) < 2:
        return None
    return frozenset(ordered[len(ordered) - len(ordered) // 2:])


def cpu_list(cpus: frozenset[int]) -> str:
    """CPUs as `isindex worker --cpus` takes them: "1", "2,3"."""
    return ",".join(str(c) for c in sorted(cpus))


def local_server(address: str | None) -> bool:
    """Whether a server seen at address (inet_server_addr(): None over a Unix socket)
    runs on this machine, so that its backend's process id is one of ours to see."""
    if address is None:
        return True
    try:
        return ipaddress.ip_address(address.split("/")[0]).is_loopback
    except ValueError:
        return False


def is_backend(cmdline: bytes, *, user: str, database: str, client_port: int | None) -> bool:
    """Whether a process's command line is the title of the backend serving user on
    database for this client: "postgres: [CLUSTER: ]USER DB [local] ..." over a Unix
    socket (client_port None), "... HOST(PORT) ..." over TCP."""
    title = cmdline.split(b"\0", 1)[0].decode("utf-8", "replace")
    where = r"\[local\]" if client_port is None else rf"\S+\({client_port}\)"
    return re.match(rf"postgres: (?:\S+: )?{re.escape(user)} {re.escape(database)} {where}(?: |$)", title) is not None


async def lower_session(conn: asyncpg.Connection) -> bool:
    """Lower the backend of conn to this worker's priority and keep it to its CPUs, as
    lower_worker() set them, if the backend is shown to be this connection's own, on this
    machine; True if it was."""
    if _nice is None and _cpus is None:
        return False
    pid, address, client_port, user, database = await conn.fetchrow(WHO)
    if pid != conn.get_server_pid() or not local_server(address):
        return False        # a pooler between, or a server elsewhere
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if not is_backend(f.read(), user=user, database=database, client_port=client_port):
                return False    # not this connection's backend here (a tunnel, a container, no title)
        if _nice is not None:
            os.setpriority(os.PRIO_PROCESS, pid, max(os.getpriority(os.PRIO_PROCESS, pid), _nice))
            if os.path.exists(f"/proc/{pid}/autogroup") and os.getsid(pid) == pid:    # its own group only
                await _lower_autogroup(pid, _nice)
        if _cpus is not None:       # last: a server whose own CPUs exclude these still has its priority lowered
            os.sched_setaffinity(pid, _cpus)
        return True
    except OSError as exc:
        _warn_once(exc)
        return False


async def _lower_autogroup(pid: int, nice: int) -> None:
    for attempt in range(AUTOGROUP_TRIES):
        try:
            with open(f"/proc/{pid}/autogroup") as f:       # "/autogroup-123 nice 0"
                current = int(f.read().split()[-1])
            if current >= nice:
                return
            with open(f"/proc/{pid}/autogroup", "w") as f:
                f.write(str(nice))
            return
        except BlockingIOError:
            if attempt == AUTOGROUP_TRIES - 1:
                raise
            await asyncio.sleep(0.11)


def _warn_once(exc: OSError) -> None:
    global _warned
    if not _warned:
        _warned = True
        log.warning("worker_database_session_not_lowered", error_class=type(exc).__name__)
