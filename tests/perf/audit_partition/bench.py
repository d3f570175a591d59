"""The audit log at national scale, simulated: audit_events partitioned by month, filled
with --rows events, then the cost of what the service does to it at that size.

    .venv/bin/python -m tests.perf.audit_partition.bench --rows 100000000 --months 12

Measured: bulk load and index build per month; the insert the service makes per request
(one row, one transaction, --clients at a time) into the current month, against an empty
table as the baseline; the reads the service makes (a child's access history, one user's
day, the misuse rule's last hour, the access digest's window); and dropping the oldest
month (the retention step partitioning makes cheap). The filled table stays in --data-dir, so a
second run measures only (delete the directory to start afresh).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

import asyncpg

from index import config, db
from tests.perf.audit_partition import sql

HERE = Path(__file__).parent
FIRST_MONTH = dt.date(2025, 1, 1)


def month_start(i: int) -> dt.date:
    year, month = divmod(FIRST_MONTH.month - 1 + i, 12)
    return dt.date(FIRST_MONTH.year + year, month + 1, 1)


async def set_month(conn, month: dt.date) -> None:
    await conn.execute("SELECT set_config('sim.month', $1, false)", month.isoformat())


async def fill(conn, rows: int, months: int) -> list[dict]:
    """Load the months not yet loaded; returns every month's load figures."""
    await conn.execute(sql.PARENT)
    done = {r["month"] for r in await conn.fetch("SELECT month FROM sim_months")}
    per_month = rows // months
    await conn.execute("SET maintenance_work_mem = '1GB'")
    for i in range(months):
        month = month_start(i)
        if month in done:
            continue
        await set_month(conn, month)
        started = time.perf_counter()
        await conn.execute(sql.MONTH_TABLE)
        await conn.execute(sql.MONTH_FILL, dt.datetime.combine(month, dt.time(), dt.timezone.utc),
                           i * per_month, per_month, (month_start(i + 1) - month).total_seconds())
        loaded = time.perf_counter()
        await conn.execute(sql.MONTH_INDEX)
        indexed = time.perf_counter()
        async with conn.transaction():
            await conn.execute(sql.MONTH_ATTACH)
            await conn.execute("INSERT INTO sim_months VALUES ($1, $2, $3, $4)", month, per_month,
                               loaded - started, indexed - loaded)
        print(f"month {month}: {per_month:,} rows loaded in {loaded - started:.0f} s, "
              f"indexed in {indexed - loaded:.0f} s", file=sys.stderr)
    await conn.execute("VACUUM (ANALYZE) sim_audit")
    return [{"month": r["month"].isoformat(), "rows": r["rows"], "load_s": round(r["load_s"], 1),
             "index_s": round(r["index_s"], 1)} for r in await conn.fetch("SELECT * FROM sim_months ORDER BY month")]


def summary(latencies: list[float], elapsed: float | None = None) -> dict:
    latencies.sort()
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    out = {"n": len(latencies), "p50_ms": round(q[49] * 1000, 2), "p99_ms": round(q[98] * 1000, 2)}
    if elapsed:
        out["per_s"] = round(len(latencies) / elapsed, 1)
    return out


async def inserts(url: str, at: dt.datetime, clients: int, seconds: float) -> dict:
    """The per-request insert, `clients` at a time, for `seconds`, each its own transaction."""
    pool = await asyncpg.create_pool(url, min_size=clients, max_size=clients)
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client(k: int) -> None:
        rng = random.Random(k)
        async with pool.acquire() as conn:
            while time.perf_counter() < deadline:
                child = uuid.UUID(int=rng.getrandbits(128))
                started = time.perf_counter()
                await conn.execute(sql.INSERT, at, uuid.uuid4(), uuid.UUID(int=rng.getrandbits(128)), [child])
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    elapsed = time.perf_counter() - started
    await pool.close()
    return summary(latencies, elapsed)


async def reads(conn, now: dt.datetime, rows: int, repeat: int) -> dict:
    """Each read `repeat` times for keys drawn as the fill drew them (cold and warm mixed)."""
    rng = random.Random(3)
    out = {}
    for name, query in sql.QUERIES.items():
        latencies = []
        for _ in range(repeat if not name.startswith("window") else max(3, repeat // 20)):
            g = rng.randrange(rows)
            if name.startswith("child"):
                key = await conn.fetchval("SELECT md5('c' || (($1::bigint * 48271) % 11000000))::uuid", g)
            else:
                key = await conn.fetchval("SELECT md5('u' || (($1::bigint * 2654435761) % 400000))::uuid", g)
            args = (key,) if name.startswith("child") else (now,) if name.startswith("window") else (key, now)
            started = time.perf_counter()
            found = await conn.fetch(query, *args)
            latencies.append(time.perf_counter() - started)
        out[name] = {**summary(latencies), "last_rows": len(found)}
        print(name, out[name], file=sys.stderr)
    return out


async def empty_baseline(url: str, clients: int, seconds: float) -> dict:
    """The same inserts into a fresh, empty partitioned table (a month with no history)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP TABLE IF EXISTS sim_audit, sim_months CASCADE")
        await conn.execute(sql.PARENT)
        await set_month(conn, month_start(0))
        await conn.execute(sql.MONTH_EMPTY)
    finally:
        await conn.close()
    return await inserts(url, dt.datetime.combine(month_start(0), dt.time(12), dt.timezone.utc), clients, seconds)


async def run(url: str, baseline_url: str, args) -> dict:
    conn = await asyncpg.connect(url)
    try:
        loaded = await fill(conn, args.rows, args.months)
        total = await conn.fetchval("SELECT sum(rows) FROM sim_months")
        current = month_start(args.months)
        await set_month(conn, current)
        await conn.execute(sql.MONTH_EMPTY)
        now = dt.datetime.combine(current, dt.time(), dt.timezone.utc)
        read = await reads(conn, now, int(total), args.repeat)
        size = dict(await conn.fetchrow(sql.SIZE))
    finally:
        await conn.close()
    at_size = await inserts(url, dt.datetime.combine(current, dt.time(12), dt.timezone.utc), args.clients, args.seconds)
    print("inserts at size", at_size, file=sys.stderr)
    empty = await empty_baseline(baseline_url, args.clients, args.seconds)
    print("inserts into an empty table", empty, file=sys.stderr)
    result = {"rows": int(total), "months": len(loaded), "size_gb": round(size["bytes"] / 1e9, 2),
              "index_gb": round(size["index_bytes"] / 1e9, 2), "load": loaded,
              "inserts_at_size": at_size, "inserts_empty": empty, "reads": read}
    if args.drop_oldest:
        conn = await asyncpg.connect(url)
        try:
            await set_month(conn, month_start(0))
            started = time.perf_counter()
            await conn.execute(sql.MONTH_DROP)
            result["drop_oldest_month_s"] = round(time.perf_counter() - started, 2)
            await conn.execute("DELETE FROM sim_months WHERE month = $1", month_start(0))
        finally:
            await conn.close()
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=100_000_000, help="events in all (default 100,000,000)")
    p.add_argument("--months", type=int, default=12, help="months they span (default 12)")
    p.add_argument("--clients", type=int, default=16, help="concurrent inserting clients (default 16)")
    p.add_argument("--seconds", type=float, default=20, help="how long the inserts run (default 20)")
    p.add_argument("--repeat", type=int, default=200, help="times each read runs (default 200)")
    p.add_argument("--drop-oldest", action="store_true", help="at the end, detach and drop the oldest month")
    p.add_argument("--data-dir", default=str(Path.home() / ".cache" / "isindex-bench-audit"))
    p.add_argument("--out", default=None, help="results file (default results-ROWS.json here)")
    args = p.parse_args()
    if args.rows < args.months * 100 or args.months < 1:
        p.error("--rows must be at least 100 per month, and --months at least 1")

    os.environ.pop("DATABASE_URL", None)
    os.environ["ISINDEX_DATA_DIR"] = f"{args.data_dir}-{args.rows}"
    settings = config.load()
    server = db.server_url(settings)
    for name in ("isindex", "baseline"):
        asyncio.run(db.ensure_database(server, name))
    started = time.monotonic()
    result = asyncio.run(run(db.with_database(server, "isindex"), db.with_database(server, "baseline"), args))
    result.update(seconds=round(time.monotonic() - started), clients=args.clients,
                  machine=f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    out = Path(args.out) if args.out else HERE / f"results-{args.rows}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
