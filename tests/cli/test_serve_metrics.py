"""`isindex serve --workers 2` as a user runs it: the processes share one port, so a scrape
reaches either; each scrape counts every process's requests. Its stderr has one JSON
access line per request, without the query string, and no line of uvicorn's own."""

import json
import os
import subprocess
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.processes import CLI, free_port, http, stop

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

REQUESTS = 24


def live_count(text: str) -> float:
    return sum(s.value for family in text_string_to_metric_families(text) for s in family.samples
               if s.name == "isindex_http_requests_total" and s.labels["route"] == "/health/live")


def test_two_serve_processes_count_their_requests_together(database_url, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": database_url, "ISINDEX_FEED_WORKER": "0"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with open(tmp_path / "serve.log", "w+") as log:
        serve = subprocess.Popen([*CLI, "serve", "--port", str(port), "--workers", "2"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + 180
            while True:
                assert serve.poll() is None, f"serve exited {serve.returncode}"
                try:
                    if http().get(f"{base}/health/ready", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.3)
            ids = set()
            fresh = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))
            for _ in range(REQUESTS):     # a new connection each: either process may take it
                r = fresh.get(f"{base}/health/live")
                assert r.status_code == 200
                ids.add(r.headers["x-request-id"])
            refused = http().get(f"{base}/children/search?surname=Smith&dob=2015-01-01&reason=service_delivery")
            assert refused.status_code == 401
            for _ in range(4):
                assert live_count(http().get(f"{base}/metrics").text) == REQUESTS
        finally:
            stop(serve)
        log.seek(0)
        err = log.read()
    assert "Smith" not in err and "?" not in err and "HTTP/1.1" not in err and "Traceback" not in err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    access = [e for e in lines if e.get("event") == "request"]
    assert {e["request_id"] for e in access if e["route"] == "/health/live"} == ids
    [search] = [e for e in access if e["route"] == "/children/search"]
    assert (search["status"], search["user_id"], search["path"]) == (401, None, None)
    assert search["request_id"] == refused.headers["x-request-id"]
