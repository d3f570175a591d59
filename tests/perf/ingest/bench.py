"""Ingest benchmark: a census feed end to end through the index (parse, match, persist,
audit), against an index already holding the existing children.

    python -m tests.perf.ingest.bench --existing 1000000 --incoming 100000

Data: the matching benchmark's synthetic census (tests/perf/matching/synthetic.py, seed 1).
The existing records are loaded once, as an LA system's feed through the same path, into
a database kept under ~/.cache (a template); each run ingests the incoming rows as a
school's feed into a fresh copy of it, in a child process (its own peak RSS). Quality
through this path is scored against the synthetic truth, and Splink's train + predict
runs on the same rows in the same run (tests/perf/matching/bench.py --only splink-census).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
BASE = "ingest_base"
TICK = os.sysconf("SC_CLK_TCK")


def _cpu_self() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def _cpu_children() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _cpu_postgres(pg_dir: Path | None = None) -> float:
    """CPU seconds used so far by the live postgres processes: the backends, WAL writer,
    checkpointer of the server whose cluster is `pg_dir` (its postmaster and the postmaster's
    children), or of every postgres on the machine when pg_dir is None. A shared machine
    runs other servers: count only the bench's own."""
    postmaster = None
    if pg_dir is not None:
        try:
            postmaster = int((pg_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        if name.startswith("postgres"):
            fields = text[text.rindex(")") + 2:].split()
            if postmaster is not None and postmaster not in (int(stat.parent.name), int(fields[1])):   # ppid
                continue
            total += int(fields[11]) + int(fields[12])   # utime, stime
    return total / TICK


def _server(directory: Path):
    from index import db

    return db.embedded_server(directory)


async def _load_base(url: str, existing: Path, pg_dir: Path | None = None) -> dict:
    import asyncpg

    from index import db, migrate, organisations
    from index.feeds import process, store
    from matching import model

    admin = await asyncpg.connect(url)
    await admin.execute(f"DROP DATABASE IF EXISTS {BASE} WITH (FORCE)")   # fixed name, not data
    await admin.execute(f"CREATE DATABASE {BASE}")
    await admin.close()
    conn = await asyncpg.connect(db.with_database(url, BASE))
    await db.init_connection(conn)
    await migrate.apply(conn)
    await organisations.add_la(conn, "873", "Cambridgeshire")
    for code, kind, name in (("LASYS", "local_authority", "LA system"), ("SCH1", "school", "A school")):
        await store.add_source(conn, organisations.NewOrganisation(code=code, kind=kind, name=name, la_code="873"))
    started = time.perf_counter()
    cpu, pg_cpu = _cpu_self(), _cpu_postgres(pg_dir)
    src = await store.source(conn, code="LASYS")
    feed_id, _ = await store.submit(conn, src, existing.read_bytes(), format="csv", full=False, submitted_by=None,
                                    keep_days=1)
    await process.run(conn, feed_id, model=model.load(), max_bytes=10 ** 10,
                      on_chunk=lambda d, t: print(f"\rloading {d:,}/{t:,}", end="", file=sys.stderr))
    seconds = time.perf_counter() - started
    cpu, pg_cpu = _cpu_self() - cpu, _cpu_postgres(pg_dir) - pg_cpu
    await conn.execute("VACUUM ANALYZE")
    got, _ = await store.status(conn, feed_id)
    await conn.close()
    return {"seconds": round(seconds, 1), "cpu_python_s": round(cpu, 1), "cpu_postgres_s": round(pg_cpu, 1),
            "rows": got.rows, "new": got.new, "review": got.review,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


async def _ingest(url: str, incoming: Path, pg_dir: Path | None = None) -> dict:
    import asyncpg

    from index import db
    from index.feeds import process, store
    from matching import model

    admin = await asyncpg.connect(url)
    await admin.execute("DROP DATABASE IF EXISTS ingest_run WITH (FORCE)")
    # A file copy, checkpointed before and after, so the ingest does not pay for writing
    # out the copy (the default strategy logs every page of it, for the checkpoint after).
    await admin.execute(f"CREATE DATABASE ingest_run TEMPLATE {BASE} STRATEGY file_copy")
    await admin.execute("CHECKPOINT")
    await admin.close()
    conn = await asyncpg.connect(db.with_database(url, "ingest_run"))
    await db.init_connection(conn)
    started = time.perf_counter()
    cpu, pg_cpu = _cpu_self(), _cpu_postgres(pg_dir)
    raw = incoming.read_bytes()
    src = await store.source(conn, code="SCH1")
    async with conn.transaction():
        feed_id, _ = await store.submit(conn, src, raw, format="csv", full=False, submitted_by=None, keep_days=1)
    await process.run(conn, feed_id, model=model.load(), max_bytes=10 ** 10)
    seconds = time.perf_counter() - started
    cpu, pg_cpu = _cpu_self() - cpu, _cpu_postgres(pg_dir) - pg_cpu
    got, _ = await store.status(conn, feed_id)
    quality_rows = await conn.fetch(QUALITY)
    candidates = await conn.fetch(CANDIDATES)
    await conn.close()
    return {"seconds": round(seconds, 2), "cpu_python_s": round(cpu, 1), "cpu_postgres_s": round(pg_cpu, 1),
            "rows": got.rows, "linked": got.linked, "new": got.new,
            "review": got.review, "rejected": got.rejected,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "decisions": [dict(r) for r in quality_rows],
            "candidates": [[r["record_key"], r["existing"]] for r in candidates]}


# For each school record: its decision, and the LA record keys of the child it was linked to.
QUALITY = """
SELECT sr.record_key, l.method, ri.id IS NOT NULL AS in_review,
       (SELECT min(x.record_key) FROM links lx JOIN source_records x ON x.id = lx.source_record_id
         JOIN organisations ox ON ox.id = x.source_org_id
        WHERE lx.child_id = l.child_id AND lx.unlinked_at IS NULL AND ox.code = 'LASYS') AS existing
  FROM source_records sr
  JOIN organisations o ON o.id = sr.source_org_id AND o.code = 'SCH1'
  LEFT JOIN links l ON l.source_record_id = sr.id AND l.unlinked_at IS NULL
  LEFT JOIN review_items ri ON ri.source_record_id = sr.id AND ri.status = 'open'
"""
CANDIDATES = """
SELECT sr.record_key, x.record_key AS existing
  FROM review_items ri
  JOIN source_records sr ON sr.id = ri.source_record_id
  JOIN review_candidates rc ON rc.review_id = ri.id
  JOIN links lx ON lx.child_id = rc.child_id AND lx.unlinked_at IS NULL
  JOIN source_records x ON x.id = lx.source_record_id
  JOIN organisations ox ON ox.id = x.source_org_id AND ox.code = 'LASYS'
 WHERE ri.status = 'open'
"""


def _quality(result: dict, directory: Path) -> dict:
    from tests.perf.matching import evaluate

    truth, never = evaluate.read_truth(directory)
    cands: dict[str, list[str]] = {}
    for key, existing in result.pop("candidates"):
        cands.setdefault(key, []).append(existing)
    decisions = []
    for d in result.pop("decisions"):
        kind = "review" if d["in_review"] else ("auto" if d["method"] == "auto" else "new")
        decisions.append({"incoming_record_id": d["record_key"], "decision": kind,
                          "existing_record_id": d["existing"] if kind == "auto" else "",
                          "candidates": ";".join(f"{c}:0" for c in cands.get(d["record_key"], []))})
    return evaluate.score(decisions, truth, never)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.perf.ingest.bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--existing", type=int, default=1_000_000)
    p.add_argument("--incoming", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--only", choices=("ingest",), help=argparse.SUPPRESS)
    p.add_argument("--no-splink", action="store_true", help="skip the peer")
    args = p.parse_args(argv)
    data = Path.home() / ".cache" / f"isindex-match-{args.existing}-{args.incoming}-s{args.seed}"
    store_dir = Path.home() / ".cache" / f"isindex-ingest-{args.existing}-{args.incoming}-s{args.seed}"
    if not (data / "meta.json").exists():
        from tests.perf.matching import synthetic

        synthetic.generate_files(args.existing, args.incoming, data, seed=args.seed)
    server = _server(store_dir)
    url = server.get_uri("postgres")
    if args.only == "ingest":
        print(json.dumps(asyncio.run(_ingest(url, data / "incoming.csv", store_dir / "pg"))))
        return 0
    results: dict = {"existing": args.existing, "incoming": args.incoming}
    marker = store_dir / "loaded.json"
    if not marker.exists():
        marker.write_text(json.dumps(asyncio.run(_load_base(url, data / "existing.csv", store_dir / "pg"))))
    results["load"] = json.loads(marker.read_text())
    print("load", results["load"], flush=True)
    done = subprocess.run([sys.executable, "-m", "tests.perf.ingest.bench", "--existing", str(args.existing),
                           "--incoming", str(args.incoming), "--seed", str(args.seed), "--only", "ingest"],
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    ingest = json.loads(done.stdout.rstrip("\n").rsplit("\n", 1)[-1])   # not splitlines: names hold U+2028 and the like
    ingest["quality"] = _quality(ingest, data)
    results["ingest"] = ingest
    print("ingest", json.dumps(ingest), flush=True)
    if not args.no_splink:
        from tests.perf.matching.bench import _child

        before = _cpu_children()
        results["splink"] = _child("--existing", str(args.existing), "--incoming", str(args.incoming),
                                   "--only", "splink-census")
        results["splink"]["cpu_s"] = round(_cpu_children() - before, 1)
        print("splink", json.dumps(results["splink"]), flush=True)
    out = ROOT / "tests" / "perf" / "ingest" / f"results-{args.existing}-{args.incoming}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
