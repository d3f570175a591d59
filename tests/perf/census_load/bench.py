"""Search latency while a census is processed: does a census make searches wait?

    python -m tests.perf.census_load.bench --children 100000 --census 100000 --seconds 30

`isindex serve` runs as a user runs it, with the embedded PostgreSQL and its own feed
worker (ISINDEX_FEED_WORKER's default there), on a fresh data directory holding
--children demo children (`isindex demo`; the misuse rules are switched off, as one
user searching non-stop is misuse by every rule). Searches (surname, forename and date
of birth of demo children, over HTTP keep-alive, --concurrency clients) are timed idle
for --seconds, then again from the moment the demo school's census of --census rows
(the index's demo children first, which link, then new children of another demo
world if --census is larger) is posted to /feeds until the feed is done. The answer: p50 and p99 of each,
and the ratio of p99 under the census to p99 idle (target: at most 2).

--root runs serve from another source tree (e.g. a checkout before the feed worker
moved out of the API's event loop) with this tree's benchmark, for a before/after.

--slow-log MS, a diagnosis: once serve is up, the embedded server logs every statement
that takes MS ms or more; the results then count the slow COMMITs of the run (idle and
census phases: nearly all are the searches' and status polls', whose audit event's flush
waits behind the census's WAL; one is the worker's batch), and the slow statements' log
lines are kept beside the results file (RESULTS.slow.log). The run is a little slower.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from tests.processes import stop_postgres

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
CLI = "import sys; from cli.main import main; sys.exit(main())"
COLUMNS = ("record_id", "upn", "nhs_number", "forename", "middle_names", "surname", "preferred_forename",
           "former_surname", "dob", "gender", "address_line1", "town", "postcode")
GENDER = {"female": "F", "male": "M"}


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISINDEX_") and k != "DATABASE_URL"}
    return {**env, "ISINDEX_DATA_DIR": str(data_dir)}


def _cli(root: Path, env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", CLI, *args], cwd=root, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"isindex {' '.join(args)}: exit {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout


def write_census(path: Path, n_rows: int, n_children: int) -> None:
    """The census file: the index's own demo children first (they link), then, past
    n_children, children of another demo world (seed 2: new children)."""
    import itertools

    from index.demo_data import generate

    _, _, known = generate(n_children, seed=1)
    rows = itertools.chain(((f"S{c.index}", c) for c in known),
                           ((f"N{c.index}", c) for c in generate(max(0, n_rows - n_children), seed=2)[2]))
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for record_id, c in itertools.islice(rows, n_rows):
            known_child = record_id.startswith("S")     # another world's identifiers may be this one's
            w.writerow([record_id, (c.upn if known_child else None) or "",
                        (c.nhs_number if known_child else None) or "", c.forename, c.middle_names or "", c.surname,
                        c.preferred_forename or "", c.former_surnames[0] if c.former_surnames else "",
                        c.dob.isoformat(), GENDER.get(c.sex, "U"), c.address_line1 or "", c.town or "",
                        c.postcode or ""])


def _search_paths(n_children: int) -> list[str]:
    from index.demo_data import generate

    _, _, stream = generate(n_children, seed=1)
    paths = []
    for c in stream:
        if c.index % max(1, n_children // 1000) == 0:
            paths.append("/children/search?" + urlencode({"surname": c.surname, "forename": c.forename,
                                                          "dob": c.dob.isoformat(), "reason": "service_delivery"}))
    return paths


async def _client(port: int, token: str, paths: list[str], offset: int, stop: asyncio.Event, out: list, errors: list):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = offset
    try:
        while not stop.is_set():
            path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
            await reader.readexactly(length)
            out.append((started, time.perf_counter() - started))
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(head.split(b"\r\n", 1)[0].decode())
    finally:
        writer.close()


async def _load(port, token, paths, concurrency, until) -> tuple[list, list]:
    """Searches by concurrency clients until the awaitable `until` ends; (start, seconds) pairs."""
    stop, out, errors = asyncio.Event(), [], []
    clients = [asyncio.create_task(_client(port, token, paths, k * 97, stop, out, errors)) for k in range(concurrency)]
    try:
        await until
    finally:
        stop.set()
        await asyncio.gather(*clients)
    return out, errors


def _summary(samples: list[tuple[float, float]], errors: list) -> dict:
    lat = sorted(s for _, s in samples)
    if len(lat) < 2:
        return {"requests": len(lat), "errors": len(errors)}
    q = statistics.quantiles(lat, n=100, method="inclusive")
    return {"requests": len(lat), "p50_ms": round(q[49] * 1000, 1), "p99_ms": round(q[98] * 1000, 1),
            "max_ms": round(lat[-1] * 1000, 1), "errors": len(errors), "error_sample": errors[:3]}


def _by_tenth(samples: list[tuple[float, float]], begin: float, end: float, slow: float) -> list[dict]:
    """The census's time in tenths: each tenth's searches, their p99 and how many took
    longer than `slow` (twice the idle p99), to show when in the census searches wait."""
    tenths: list[list[float]] = [[] for _ in range(10)]
    span = max(end - begin, 1e-9)
    for started, seconds in samples:
        if begin <= started <= end:
            tenths[min(9, int((started - begin) / span * 10))].append(seconds)
    return [{"requests": len(t), "p99_ms": round(statistics.quantiles(t, n=100, method="inclusive")[98] * 1000, 1)
             if len(t) > 1 else None, "slow": sum(s > slow for s in t)} for t in tenths]


def _get_json(port: int, path: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                     headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def _post_census(port: int, token: str, path: Path) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/feeds", data=path.read_bytes(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"})
    with urllib.request.urlopen(request, timeout=120) as r:
        return json.loads(r.read())["id"]


async def _feed_done(port: int, token: str, feed: str, marks: dict, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, body = await asyncio.to_thread(_get_json, port, f"/feeds/{feed}", token)
        status = body.get("status")
        if status == "processing" and "processing" not in marks:
            marks["processing"] = time.perf_counter()
        if status in ("done", "failed", "rejected"):
            marks["done"], marks["status"], marks["counts"] = time.perf_counter(), status, {
                k: body.get(k) for k in ("rows", "linked", "new", "review", "rejected", "unchanged")}
            return
        await asyncio.sleep(0.5)
    raise SystemExit(f"the census was not processed within {timeout} s")


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"serve exited {proc.returncode}")
        try:
            status, body = _get_json(port, "/health")
            if status == 200 and body.get("worker") == "ok":
                return body
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("serve's feed worker did not become ready")


async def _log_slow_statements(pgdata: Path, ms: int) -> None:
    """Have the embedded server (its Unix socket in pgdata) log statements of ms or more."""
    import asyncpg

    lines = (pgdata / "postmaster.pid").read_text().splitlines()
    socket_dir = lines[4] if len(lines) > 4 and lines[4] else str(pgdata)   # where the server put its socket
    conn = await asyncpg.connect(host=socket_dir, user="postgres", database="isindex")
    try:
        # ALTER SYSTEM takes no bound parameters: the server formats the number in.
        await conn.execute(await conn.fetchval(
            "SELECT format('ALTER SYSTEM SET log_min_duration_statement = %s', $1::int)", ms))
        await conn.execute("SELECT pg_reload_conf()")
    finally:
        await conn.close()


SLOW = re.compile(r"duration: ([\d.]+) ms\s+statement: COMMIT")


def slow_commits(log_text: str) -> dict:
    """The COMMITs the server logged as slow: the API's transactions (searches, status
    polls), and the worker's batch, which commits once (its own statements are logged
    as themselves; the audit chainers' batches are single statements, no COMMIT)."""
    durations = [float(m.group(1)) for m in SLOW.finditer(log_text)]
    return {"count": len(durations), "max_ms": max(durations, default=None),
            "median_ms": statistics.median(durations) if durations else None}


def machine() -> str:
    """The machine a results file was measured on."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def demo_index(root: Path, env: dict, children: int) -> dict:
    """A fresh index of `children` demo children with the misuse rules off (one user
    searching non-stop is misuse by every rule); the demo's tokens by role."""
    _cli(root, env, "migrate")
    tokens = json.loads(_cli(root, env, "demo", "--children", str(children), "--json"))["tokens"]
    for rule in json.loads(_cli(root, env, "misuse", "rules", "--json")):
        _cli(root, env, "misuse", "set", rule["code"], "--disable")
    return tokens


def start_serve(root: Path, env: dict, log: Path) -> tuple[subprocess.Popen, int]:
    """`isindex serve` on a free port, once /health says its feed worker is up."""
    port = _free_port()
    serve = subprocess.Popen([sys.executable, "-c", CLI, "serve", "--port", str(port)], cwd=root, env=env,
                             stdout=subprocess.DEVNULL, stderr=log.open("w"))
    _wait_ready(port, serve)
    return serve, port


def stop_all(serve: subprocess.Popen | None, work: Path) -> None:
    """Stop serve (and with it its worker), then the embedded server, and remove work."""
    if serve is not None:
        serve.terminate()
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            serve.kill()
    stop_postgres(work)
    shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--children", type=int, default=100_000, help="demo children in the index")
    p.add_argument("--census", type=int, default=100_000, help="rows in the census")
    p.add_argument("--seconds", type=float, default=30, help="idle measurement")
    p.add_argument("--warmup", type=float, default=3)
    p.add_argument("--concurrency", type=int, default=2)
    p.add_argument("--timeout", type=float, default=3600, help="most seconds to wait for the census")
    p.add_argument("--root", default=str(ROOT), help="the source tree serve runs from")
    p.add_argument("--out", help="results JSON (default: results-CHILDREN-CENSUS.json here)")
    p.add_argument("--slow-log", type=int, metavar="MS", help="log statements of MS ms or more (a diagnosis)")
    args = p.parse_args(argv)
    root = Path(args.root).resolve()

    work = Path(tempfile.mkdtemp(prefix="isindex-census-load-"))
    env = _env(work / "data")
    serve = None
    try:
        started = time.monotonic()
        tokens = demo_index(root, env, args.children)
        census = work / "census.csv"
        write_census(census, args.census, args.children)
        paths = _search_paths(args.children)
        print(f"index of {args.children:,} children and a census of {args.census:,} rows ready in "
              f"{time.monotonic() - started:.0f} s", file=sys.stderr)

        serve, port = start_serve(root, env, work / "serve.log")
        if args.slow_log is not None:
            asyncio.run(_log_slow_statements(work / "data" / "pg", args.slow_log))
        practitioner, school = tokens["practitioner"], tokens["school"]

        async def measure() -> dict:
            await _load(port, practitioner, paths, args.concurrency, asyncio.sleep(args.warmup))
            idle = _summary(*await _load(port, practitioner, paths, args.concurrency, asyncio.sleep(args.seconds)))
            print("idle", idle, file=sys.stderr)
            marks: dict = {}
            submitted = time.perf_counter()
            feed = await asyncio.to_thread(_post_census, port, school, census)
            samples, errors = await _load(port, practitioner, paths, args.concurrency,
                                          _feed_done(port, school, feed, marks, args.timeout))
            begin = marks.get("processing", submitted)
            during = _summary([s for s in samples if begin <= s[0] <= marks["done"]], errors)
            during["by_tenth"] = _by_tenth(samples, begin, marks["done"], 2 * idle["p99_ms"] / 1000)
            print("during the census", during, file=sys.stderr)
            return {"idle": idle, "during_census": during, "feed_status": marks["status"],
                    "feed_counts": marks["counts"], "census_seconds": round(marks["done"] - submitted, 1),
                    "p99_ratio": round(during["p99_ms"] / idle["p99_ms"], 2) if "p99_ms" in during else None}

        results = {"children": args.children, "census_rows": args.census, "concurrency": args.concurrency,
                   "idle_seconds": args.seconds, "root": str(root),
                   "machine": machine(), **asyncio.run(measure())}
        if args.slow_log is not None:
            server_log = (work / "data" / "pg" / "log").read_text(errors="replace")
            results["slow_log"] = {"ms": args.slow_log, "commits": slow_commits(server_log)}
    finally:
        stop_all(serve, work)
    out = Path(args.out) if args.out else HERE / f"results-{args.children}-{args.census}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    if args.slow_log is not None:       # the slow statements' lines (their parameters can be huge)
        out.with_suffix(".slow.log").write_text("".join(
            line[:300].rstrip("\n") + "\n" for line in server_log.splitlines() if "duration:" in line))
    verdict = "within" if results["p99_ratio"] is not None and results["p99_ratio"] <= 2 else "NOT within"
    print(f"search p99 idle {results['idle'].get('p99_ms')} ms, during the census "
          f"{results['during_census'].get('p99_ms')} ms: ratio {results['p99_ratio']} ({verdict} the 2x target)")
    return 0



def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
