"""serve's own feed worker: `isindex worker` in a child process, not on the API's event loop.

Matching a census is CPU-bound Python; on the API's loop (or a thread of the same
process, which shares the GIL) it made every search wait behind it. A child process is
scheduled by the OS instead, at a lower priority (nice) and on the upper half of
serve's CPUs, it and its database sessions (index/priority.py), so searches come first
while a census is processed and have CPUs the worker and its sessions never use. It stays in
serve's session, so that Linux's autogroup weighs it inside serve's scheduler group (a
session of its own would be a group as heavy as serve's), in a process group of its
own, so that Ctrl-C at serve's terminal reaches serve alone, and serve stops it. It
beats in feed_workers under the id and kind ("serve") this process chose, so /health
reports it as this process's worker; its task ends when the child exits (then /health
says dead), and cancelling the task stops the child.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import datetime as dt
import os
import signal
import sys
import time
import uuid

import structlog

from index import priority

NICE = 10                      # below the API's priority: searches first during a census
STOP_SECONDS = 30              # a child that ignores SIGTERM this long is killed
CHILD = "import sys; from cli.main import main; sys.exit(main())"

log = structlog.get_logger()


def _in_child() -> None:
    """Run in the child before exec: a process group of its own (not a session), and
    stopped with its parent (Linux: PR_SET_PDEATHSIG), so that a killed serve leaves no
    worker behind."""
    os.setpgid(0, 0)
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)   # a background group writing to serve's terminal (stty tostop)
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)   # 1: PR_SET_PDEATHSIG


class ChildWorker:
    """What /health reads of a feed worker (id, kind, started, timeout_s, task), for a child process."""

    def __init__(self, database_url: str, *, model_path: str | None, max_bytes: int,
                 heartbeat: dt.timedelta = dt.timedelta(seconds=30)) -> None:
        self.url, self.model_path, self.max_bytes = database_url, model_path, max_bytes
        self.heartbeat = heartbeat
        self.id = uuid.uuid4()
        self.kind = "serve"
        self.started = time.monotonic()
        self.task: asyncio.Task | None = None
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def timeout_s(self) -> int:
        return max(1, round(self.heartbeat.total_seconds()))

    def command(self) -> list[str]:
        command = [sys.executable, "-c", CHILD, "worker", "--heartbeat", str(self.timeout_s),
                   "--serve-worker-id", str(self.id), "--nice", str(NICE)]
        cpus = priority.worker_cpus(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        return command + ["--cpus", priority.cpu_list(cpus)] if cpus is not None else command

    def environment(self) -> dict[str, str]:
        env = {**os.environ, "DATABASE_URL": self.url, "ISINDEX_FEED_MAX_BYTES": str(self.max_bytes)}
        env.pop("ISINDEX_MODEL", None)
        if self.model_path:
            env["ISINDEX_MODEL"] = self.model_path
        return env

    def start(self) -> ChildWorker:
        self.task = asyncio.create_task(self._run())
        self.task.add_done_callback(self._ended)
        return self

    async def _run(self) -> int:
        proc = await asyncio.create_subprocess_exec(*self.command(), env=self.environment(),
                                                    stdin=asyncio.subprocess.DEVNULL, preexec_fn=_in_child)
        self.proc = proc
        try:
            return await proc.wait()
        finally:
            if proc.returncode is None:     # cancelled: the task ends now (/health: dead), the child stops
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)

    def _ended(self, task: asyncio.Task) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        log.error("feed_worker_stopped", worker_id=str(self.id),
                  error_class=type(exc).__name__ if exc else None, exit_code=None if exc else task.result())

    async def stop(self) -> None:
        """Stop the child (SIGTERM: it finishes its transaction and forgets its row) and wait for it."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        try:
            await asyncio.wait_for(proc.wait(), STOP_SECONDS)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
