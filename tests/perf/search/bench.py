"""Practitioner search on the independent corpus (tests/perf/search/corpus.py).

    python -m tests.perf.search.bench --children 20000 --queries 2000 --seed 1

Loads the corpus's existing.csv into a fresh database through the real feed path (an
embedded PostgreSQL in a temp dir, migrations, LA 873 with one local_authority feed
source, store.submit + process.run), then runs every query the way GET /children/search
does (the route's own parameter parsing, children.search_by_name, policy.visible_hits,
the misuse check and the audit event in one transaction) as a practitioner with a
reason. Each query is run twice: with forename, surname and date of birth, and with the
postcode as well. Measured per error type and overall: the true child among the results
(any rank), first, the mean number of results, p50/p95 latency of the transaction.
Record ids map to child ids through the links table; a query whose true record the load
did not link to a child (sent to review) is counted apart, not scored.

Prints a table and writes JSON to tests/perf/search/out/.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).parent
LINKED = """
SELECT sr.record_key, l.child_id
  FROM source_records sr
  JOIN organisations o ON o.id = sr.source_org_id AND o.code = 'LASYS'
  JOIN links l ON l.source_record_id = sr.id AND l.unlinked_at IS NULL
"""


async def load(url: str, existing: Path) -> dict:
    import asyncpg

    from index import db, migrate, organisations
    from index.feeds import process, store
    from matching import model

    conn = await asyncpg.connect(url)
    await db.init_connection(conn)
    try:
        await migrate.apply(conn)
        await organisations.add_la(conn, "873", "Cambridgeshire")
        await store.add_source(conn, organisations.NewOrganisation(
            code="LASYS", kind="local_authority", name="LA system", la_code="873"))
        await organisations.add(conn, organisations.NewOrganisation(
            code="SC873", kind="social_care", name="Children's Social Care", la_code="873"))
        started = time.perf_counter()
        src = await store.source(conn, code="LASYS")
        feed_id, _ = await store.submit(conn, src, existing.read_bytes(), format="csv", full=False,
                                        submitted_by=None, keep_days=1)
        await process.run(conn, feed_id, model=model.load(), max_bytes=10 ** 10)
        seconds = time.perf_counter() - started
        await conn.execute("VACUUM ANALYZE")
        got, _ = await store.status(conn, feed_id)
        return {"seconds": round(seconds, 1), "rows": got.rows, "new": got.new, "linked": got.linked,
                "review": got.review, "rejected": got.rejected}
    finally:
        await conn.close()


async def search_all(url: str, queries: list[dict], with_postcode: bool) -> list[dict]:
    import asyncpg

    from api.routes.children import _name_query
    from index import audit, auth, children, db, errors, misuse, policy
    from matching import model

    conn = await asyncpg.connect(url)
    await db.init_connection(conn)
    try:
        # Thousands of searches from one user is misuse by every rule: off for the benchmark.
        for rule in await misuse.rules(conn):
            await misuse.set_rule(conn, rule.code, enabled=False)
        user = await conn.fetchval("SELECT id FROM users WHERE name = 'Search benchmark'")
        if user is None:
            user = await auth.add_user(conn, name="Search benchmark", org_code="SC873", role="practitioner")
        token = (await auth.issue_token(conn, user, days=1)).token
        who = await auth.authenticate(conn, token)
        match_model = model.load()
        out = []
        for q in queries:
            given = {"forename": q["forename"], "surname": q["surname"], "dob": q["dob"],
                     "reason": "safeguarding_concern"}
            if with_postcode and q["postcode"]:
                given["postcode"] = q["postcode"]
            given = {k: v for k, v in given.items() if v}
            started = time.perf_counter()
            try:
                nq = _name_query(given.get("surname"), given.get("dob"), given.get("forename"), given.get("postcode"))
            except errors.DomainError as exc:
                out.append({"refused": str(exc)})
                continue
            query = {k: str(v) for k, v in {"surname": nq.surname, "forename": nq.forename, "dob": nq.dob,
                                             "postcode": nq.postcode}.items() if v is not None}
            async with conn.transaction():
                hits = await children.search_by_name(conn, nq, match_model)
                hits = policy.visible_hits(who, hits, used_hidden_field="postcode" in query,
                                           limit=children.MAX_RESULTS)
                ids = [h.id for h in hits]
                await misuse.check(conn, who, action="child.search", child_ids=ids, query=query)
                await audit.record(conn, audit.Event(
                    request_id=uuid.uuid4(), action="child.search", outcome="ok", status=200, user_id=who.user_id,
                    org_code=who.org_code, role=who.role, reason="safeguarding_concern", query=query,
                    child_ids=ids))
            out.append({"ids": ids, "grades": [h.grade for h in hits], "seconds": time.perf_counter() - started})
        return out
    finally:
        await conn.close()


def score(queries: list[dict], answers: list[dict], child_of: dict[str, uuid.UUID]) -> dict:
    groups: dict[str, list[tuple[dict, dict]]] = {}
    for q, a in zip(queries, answers, strict=True):
        groups.setdefault(q["error_type"], []).append((q, a))
        groups.setdefault("overall", []).append((q, a))
    table = {}
    for kind, pairs in sorted(groups.items(), key=lambda kv: (kv[0] == "overall", kv[0])):
        scored = [(q, a) for q, a in pairs if q["true_record_id"] in child_of and "ids" in a]
        found = [child_of[q["true_record_id"]] in a["ids"] for q, a in scored]
        first = [bool(a["ids"]) and a["ids"][0] == child_of[q["true_record_id"]] for q, a in scored]
        lat = sorted(a["seconds"] for _, a in scored)
        q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else lat * 99
        n = len(scored)
        table[kind] = {
            "queries": len(pairs), "scored": n,
            "unlinked": sum(1 for q_, _ in pairs if q_["true_record_id"] not in child_of),
            "refused": sum(1 for _, a in pairs if "refused" in a),
            "found": round(sum(found) / n, 4) if n else None,
            "first": round(sum(first) / n, 4) if n else None,
            "mean_results": round(sum(len(a["ids"]) for _, a in scored) / n, 2) if n else None,
            "p50_ms": round(q[49] * 1000, 2) if n else None,
            "p95_ms": round(q[94] * 1000, 2) if n else None,
            # The true child's grade, among the searches that found it.
            "true_grade": _grades([a["grades"][a["ids"].index(child_of[q_["true_record_id"]])]
                                   for q_, a in scored if child_of[q_["true_record_id"]] in a["ids"]]),
        }
    return table


def _grades(grades: list[str]) -> dict[str, float]:
    return {g: round(grades.count(g) / len(grades), 4) for g in ("certain", "probable", "possible")} if grades else {}


def print_table(title: str, table: dict) -> None:
    print(f"\n{title}")
    print(f"{'error type':<22}{'n':>6}{'found':>9}{'first':>9}{'results':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for kind, r in table.items():
        if not r["scored"]:
            print(f"{kind:<22}{r['queries']:>6}  (none scored)")
            continue
        print(f"{kind:<22}{r['scored']:>6}{r['found']:>9.1%}{r['first']:>9.1%}{r['mean_results']:>9.2f}"
              f"{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}")
    total = table["overall"]
    print("the true child's grade where found: "
          + ", ".join(f"{g} {share:.1%}" for g, share in total["true_grade"].items()))
    print(f"(n: queries scored; not scored: {total['unlinked']} whose true record the load sent to review, "
          f"{total['refused']} refused by the route's parameter checks)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.perf.search.bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--children", type=int, default=20_000)
    p.add_argument("--queries", type=int, default=2_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", type=Path, metavar="DIR",
                   help="keep the corpus and the loaded database in DIR, and reuse them when run again "
                        "with the same sizes and seed (default: a temporary directory, removed)")
    args = p.parse_args(argv)

    from index import db
    from tests.perf.search import corpus

    root = args.keep or Path(tempfile.mkdtemp(prefix="isindex-search-bench-"))
    marker = root / f"loaded-{args.children}-{args.queries}-s{args.seed}.json"
    try:
        if not marker.exists():
            kids, qs = corpus.generate(args.children, args.queries, args.seed)
            corpus.write(root / "corpus", kids, qs)
        with open(root / "corpus" / "queries.csv", newline="", encoding="utf-8") as f:
            queries = list(csv.DictReader(f))
        server = db.embedded_server(root)
        try:
            url = server.get_uri("postgres")
            results: dict = {
                "children": args.children, "queries": len(queries), "seed": args.seed,
                "date": dt.date.today().isoformat(),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                "command": "python -m tests.perf.search.bench " + " ".join(sys.argv[1:] if argv is None else argv),
                "error_rates": corpus.ERROR_RATES,
            }
            if marker.exists():
                results["load"] = json.loads(marker.read_text())
            else:
                results["load"] = asyncio.run(load(url, root / "corpus" / "existing.csv"))
                if args.keep:
                    marker.write_text(json.dumps(results["load"]))
            print("load", results["load"], flush=True)

            async def links() -> dict[str, uuid.UUID]:
                import asyncpg

                conn = await asyncpg.connect(url)
                try:
                    return {r["record_key"]: r["child_id"] for r in await conn.fetch(LINKED)}
                finally:
                    await conn.close()

            child_of = asyncio.run(links())
            for name, with_postcode in (("name_dob", False), ("name_dob_postcode", True)):
                started = time.perf_counter()
                answers = asyncio.run(search_all(url, queries, with_postcode))
                results[name] = score(queries, answers, child_of)
                results[name]["overall"]["seconds"] = round(time.perf_counter() - started, 1)
                print_table(f"forename, surname, dob{' and postcode' if with_postcode else ''}", results[name])
        finally:
            server.cleanup()
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    out = HERE / "out" / f"results-{args.children}-{args.queries}-s{args.seed}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
