"""Lookup benchmark: search by name and date of birth, and view by id, at 64 concurrent
clients over HTTP (audit write included), against the same SQL through raw asyncpg.

    .venv/bin/python -m tests.perf.lookup.bench --children 1000000

The index is loaded once into an embedded PostgreSQL under --data-dir and reused.

Views are also run "pre-chain": audit events inserted as before the hash chain (a plain
insert) with no chainer running, so nothing chains them; then the backlog is chained
(timed) and the views run again with the chainer on (in the raw client's event loop, and
in the server's lifespan over HTTP). view_vs_prechain compares the two, in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg

from cli.progress import Progress
from index import audit, audit_chain, auth, children, config, db, demo, migrate, misuse
from index.children import NameQuery
from matching import model as mmodel

match_model = mmodel.load()

HERE = Path(__file__).parent


async def prepare(url: str, n_children: int) -> tuple[list[dict], str, auth.Principal]:
    conn = await asyncpg.connect(url)
    try:
        await migrate.apply(conn)
        # One user making thousands of views a second is misuse by every rule: switched
        # off here, or the first second would suspend the benchmark's token.
        for rule in await misuse.rules(conn):
            await misuse.set_rule(conn, rule.code, enabled=False)
        summary = await demo.load(conn, n_children=n_children, seed=1, on_batch=Progress("children"))
        if summary["children"] != n_children:
            raise SystemExit(f"data dir holds {summary['children']} children, not {n_children}: use another --data-dir")
        token = (await demo.issue_tokens(conn, days=1))["practitioner"]
        principal = await auth.authenticate(conn, token)
        rows = await conn.fetch(
            "SELECT id, forename, surname, dob FROM children ORDER BY md5(id::text) LIMIT 2000")
    finally:
        await conn.close()
    sample = [dict(r) for r in rows]
    random.Random(7).shuffle(sample)
    return sample, token, principal


def search_path(c: dict) -> str:
    from urllib.parse import urlencode

    return "/children/search?" + urlencode(
        {"surname": c["surname"], "forename": c["forename"], "dob": c["dob"].isoformat(),
         "reason": "service_delivery"})


# --- HTTP load: a minimal keep-alive HTTP/1.1 client, so the client costs little CPU.

async def http_worker(host, port, token, paths, deadline, latencies, errors_seen):
    reader, writer = await asyncio.open_connection(host, port)
    i = random.randrange(len(paths))
    try:
        while time.perf_counter() < deadline:
            path = paths[i % len(paths)]
            i += 1
            request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n").encode()
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200"):
                errors_seen.append(head.split(b"\r\n", 1)[0].decode())
    finally:
        writer.close()


async def http_load(host, port, token, paths, concurrency, seconds, warmup):
    await _run_workers(lambda deadline, lat, err: http_worker(host, port, token, paths, deadline, lat, err),
                       concurrency, warmup)
    return await _run_workers(lambda deadline, lat, err: http_worker(host, port, token, paths, deadline, lat, err),
                              concurrency, seconds)


# --- The same SQL through raw asyncpg: authenticate, read, audit, in one transaction.

async def raw_worker(pool, token, work, items, deadline, latencies, errors_seen):
    i = random.randrange(len(items))
    while time.perf_counter() < deadline:
        item = items[i % len(items)]
        i += 1
        started = time.perf_counter()
        async with pool.acquire() as conn:
            who = await auth.authenticate(conn, token)
            async with conn.transaction():
                ids = await work(conn, item)
                await audit.record(conn, audit.Event(
                    request_id=uuid.uuid4(), action="child.view", outcome="ok", status=200, user_id=who.user_id,
                    org_code=who.org_code, role=who.role, reason="service_delivery", query={}, child_ids=ids))
        latencies.append(time.perf_counter() - started)


async def raw_load(url, token, work, items, concurrency, seconds, warmup, pool_max, *, chainer=True):
    pool = await db.create_pool(url, min_size=pool_max, max_size=pool_max)
    running = audit_chain.start(url) if chainer else None
    try:
        await _run_workers(lambda d, lat, err: raw_worker(pool, token, work, items, d, lat, err), concurrency, warmup)
        async with watching_lag(url) as lag:
            result = await _run_workers(lambda d, lat, err: raw_worker(pool, token, work, items, d, lat, err),
                                        concurrency, seconds)
        return {**result, **lag}
    finally:
        await audit_chain.stop(running)
        await pool.close()


class watching_lag:
    """The most events left unchained, and the oldest age, seen each half second; and at the end."""

    def __init__(self, url: str) -> None:
        self.url, self.seen = url, {"chain_lag_max": 0, "chain_lag_max_s": 0.0}

    async def __aenter__(self) -> dict:
        self.conn = await asyncpg.connect(self.url)
        self.task = asyncio.create_task(self._watch())
        return self.seen

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            n, age = await audit.chain_lag(self.conn)
            self.seen["chain_lag_max"] = max(self.seen["chain_lag_max"], n)
            self.seen["chain_lag_max_s"] = round(max(self.seen["chain_lag_max_s"], age or 0.0), 2)

    async def __aexit__(self, *exc) -> None:
        self.task.cancel()
        with contextlib.suppress(BaseException):
            await self.task
        self.seen["chain_lag_end"] = (await audit.chain_lag(self.conn))[0]
        await self.conn.close()


async def catch_up(url: str) -> dict:
    """Chain what a run without a chainer left pending; how many, and how long it took."""
    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        n = await audit_chain.chain_all(conn)
        return {"chained": n, "seconds": round(time.perf_counter() - started, 2)}
    finally:
        await conn.close()


async def raw_search(conn, c):
    hits = await children.search_by_name(conn, NameQuery(surname=c["surname"], forename=c["forename"], dob=c["dob"]),
                                        match_model)
    return [h.id for h in hits[:20]]


async def raw_view(conn, c):
    record = await children.view(conn, c["id"])
    return [record.id]


async def _run_workers(make, concurrency, seconds):
    latencies: list[float] = []
    errors_seen: list[str] = []
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(*(make(deadline, latencies, errors_seen) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"requests": len(latencies), "throughput": round(len(latencies) / elapsed, 1),
            "p50_ms": round(q[49] * 1000, 2), "p99_ms": round(q[98] * 1000, 2), "errors": len(errors_seen),
            "error_sample": errors_seen[:3]}


async def http_run(url, port, token, paths, args) -> dict:
    """http_load, watching the audit chain's lag during the measured part."""
    def make(deadline, lat, err):
        return http_worker("127.0.0.1", port, token, paths, deadline, lat, err)

    await _run_workers(make, args.concurrency, args.warmup)
    async with watching_lag(url) as lag:
        result = await _run_workers(make, args.concurrency, args.seconds)
    return {**result, **lag}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server did not listen on port {port}")


def arguments(doc: str, *, concurrency: int, out: Path) -> argparse.ArgumentParser:
    """The options this benchmark shares with those that reuse its index (tests/perf/pages)."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--children", type=int, default=1_000_000)
    p.add_argument("--data-dir", default=str(Path.home() / ".cache" / "isindex-bench"))
    p.add_argument("--concurrency", type=int, default=concurrency)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--warmup", type=float, default=3)
    p.add_argument("--out", default=str(out))
    return p


def main() -> int:
    p = arguments(__doc__, concurrency=64, out=HERE / "results.json")
    p.add_argument("--pool", type=int, default=20, help="database connections (server and raw alike)")
    p.add_argument("--workers", type=int, default=1, help="server processes (each gets pool/workers connections)")
    args = p.parse_args()

    os.environ["ISINDEX_DATA_DIR"] = f"{args.data_dir}-{args.children}"
    settings = config.load()
    url = asyncio.run(db.database_url(settings))
    started = time.monotonic()
    sample, token, _ = asyncio.run(prepare(url, args.children))
    print(f"index ready ({args.children:,} children) in {time.monotonic() - started:.0f} s", file=sys.stderr)

    results: dict = {"children": args.children, "concurrency": args.concurrency, "seconds": args.seconds,
                     "workers": args.workers, "pool": args.pool,
                     "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}
    raw = (("search", raw_search, True), ("view_prechain", raw_view, False), ("view", raw_view, True))
    for name, work, chainer in raw:
        results[f"raw_{name}"] = asyncio.run(
            raw_load(url, token, work, sample, args.concurrency, args.seconds, args.warmup, args.pool, chainer=chainer))
        print(name, "raw asyncpg", results[f"raw_{name}"], file=sys.stderr)
        if not chainer:
            results[f"raw_{name}"]["catch_up"] = asyncio.run(catch_up(url))

    paths = {"search": [search_path(c) for c in sample],
             "view": [f"/children/{c['id']}?reason=service_delivery" for c in sample]}
    paths["view_prechain"] = paths["view"]
    for names, chainer in ((("search", "view"), True), (("view_prechain",), False)):
        port = free_port()
        per_worker = str(max(1, args.pool // args.workers))
        env = {**os.environ, "DATABASE_URL": url, "ISINDEX_POOL_MIN": per_worker, "ISINDEX_POOL_MAX": per_worker,
               "ISINDEX_AUDIT_CHAINER": "1" if chainer else "0"}
        server = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--port", str(port),
                                   "--workers", str(args.workers)], env=env,
                                  stdout=subprocess.DEVNULL)
        try:
            wait_for(port)
            for name in names:
                results[f"http_{name}"] = asyncio.run(http_run(url, port, token, paths[name], args))
                print(name, "http", results[f"http_{name}"], file=sys.stderr)
        finally:
            server.terminate()
            server.wait(10)
        if not chainer:
            results["http_view_prechain"]["catch_up"] = asyncio.run(catch_up(url))
    for name in ("search", "view"):
        results[f"{name}_ratio"] = round(results[f"http_{name}"]["throughput"] / results[f"raw_{name}"]["throughput"], 3)
    for way in ("raw", "http"):     # the chain after commit against no chain at all (target >= 0.9)
        results[f"{way}_view_vs_prechain"] = round(
            results[f"{way}_view"]["throughput"] / results[f"{way}_view_prechain"]["throughput"], 3)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
