"""A lower CPU priority for a worker and for its own database sessions.

serve runs its feed worker beside the API on the same machine (the embedded default).
Lowering the worker process alone (nice) does not put the API's searches first: the
census's SQL runs in the worker's PostgreSQL backend, and PostgreSQL starts every
backend in a session of its own (setsid), which Linux's autogroup scheduling makes a
scheduler group of its own, weighed equally with serve's. So a worker started with a
nice value also lowers the backends of its own connections, when PostgreSQL runs on
this machine: their process priority, and, where autogroup is on, their group's
(/proc/PID/autogroup). Lowering a priority needs no privilege for a process of the
same user; for another user's PostgreSQL it fails, and the worker says so once and
runs on. Searches' backends are never touched.
"""

from __future__ import annotations

import ipaddress
import os

import asyncpg
import structlog

log = structlog.get_logger()

_nice: int | None = None          # set by lower_worker(); the worker's connections follow it
_warned = False


def lower_worker(nice: int) -> None:
    """Lower this process's priority by nice, and have this process's later database
    sessions lowered to the same (lower_session)."""
    global _nice
    if nice <= 0:
        return
    os.nice(nice)
    _nice = nice


def local_server(address: str | None) -> bool:
    """Whether a server seen at address (inet_server_addr(): None over a Unix socket)
    runs on this machine, so that its backend's process id is one of ours to see."""
    if address is None:
        return True
    try:
        return ipaddress.ip_address(address.split("/")[0]).is_loopback
    except ValueError:
        return False


def _is_postgres(cmdline: bytes) -> bool:
    """A PostgreSQL process's command line: a backend's title ("postgres: user db ...") or,
    with update_process_title off, the server's own (".../bin/postgres -D ...")."""
    first = cmdline.split(b"\0", 1)[0].split(b" ", 1)[0]
    return os.path.basename(first) in (b"postgres", b"postgres:", b"postmaster")


async def lower_session(conn: asyncpg.Connection) -> bool:
    """Lower the backend of conn to this worker's priority, if lower_worker() was called
    and the server is on this machine; True if it was lowered."""
    global _warned
    if _nice is None:
        return False
    if not local_server(await conn.fetchval("SELECT host(inet_server_addr())")):
        return False
    pid = conn.get_server_pid()
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if not _is_postgres(f.read()):
                return False        # another pid namespace (a container): not the backend
        os.setpriority(os.PRIO_PROCESS, pid, max(os.getpriority(os.PRIO_PROCESS, pid), _nice))
        if os.path.exists(f"/proc/{pid}/autogroup"):
            with open(f"/proc/{pid}/autogroup", "w") as f:
                f.write(str(_nice))
        return True
    except OSError as exc:
        if not _warned:
            _warned = True
            log.warning("worker_database_session_not_lowered", error_class=type(exc).__name__)
        return False
