"""Helpers for tests that run the service as a user does: the command line in a process
of its own, a free port, and stopping a child process however it behaves."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

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
