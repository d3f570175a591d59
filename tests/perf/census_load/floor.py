"""What any background work costs the searches on this machine: a floor for the census
benchmark's ratio.

    python -m tests.perf.census_load.floor --children 100000 --seconds 30 --spinners 0,2,0,1,0,2

`isindex serve` runs as in bench.py (embedded PostgreSQL, --children demo children, the
same searches by 2 keep-alive clients). Its own feed worker stays idle: no census is
posted. Instead each phase of --seconds starts N processes that do nothing but spin on
the CPU at the lowest priority Linux gives: nice 19, their scheduler group (autogroup)
at nice 19, and the SCHED_IDLE class. They take no lock, write nothing and read nothing.
--spinners lists the phases' N in order (0: idle), so idle phases can be alternated with
the others as the host's speed drifts.

The answer: each phase's p50 and p99, and each spinning phase's p99 over the mean p99
of the idle phases. A census's worker does more than spin (it writes the WAL the
searches' commits flush, and it reads and writes memory), so its ratio in bench.py
cannot be expected below what spinning alone costs here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.perf.census_load import bench

HERE = Path(__file__).resolve().parent

SPIN = """
import os
os.setpriority(os.PRIO_PROCESS, 0, 19)
try:
    with open("/proc/self/autogroup", "w") as f:
        f.write("19")
except OSError:
    pass
try:
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
except (AttributeError, OSError):
    pass
while True:
    pass
"""


def phases_arg(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of counts: {text!r}") from None
    if not counts or any(n < 0 or n > 64 for n in counts):
        raise argparse.ArgumentTypeError("each count must be 0-64")
    if 0 not in counts:
        raise argparse.ArgumentTypeError("at least one phase must be idle (0)")
    return counts


def ratios(phases: list[dict]) -> dict:
    """Each spinning phase's p99 over the mean p99 of the idle ones, by spinner count."""
    idle = [p["p99_ms"] for p in phases if p["spinners"] == 0 and "p99_ms" in p]
    if not idle:
        return {}
    base = statistics.fmean(idle)
    out: dict[str, list[float]] = {}
    for p in phases:
        if p["spinners"] and "p99_ms" in p:
            out.setdefault(str(p["spinners"]), []).append(round(p["p99_ms"] / base, 2))
    return {"idle_p99_mean_ms": round(base, 1), "p99_ratio_by_spinners": out}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--children", type=int, default=100_000, help="demo children in the index")
    p.add_argument("--seconds", type=float, default=30, help="each phase's length")
    p.add_argument("--spinners", type=phases_arg, default=phases_arg("0,2,0,1,0,2"),
                   help="the phases' spinning process counts, in order (0: idle)")
    p.add_argument("--concurrency", type=int, default=2)
    p.add_argument("--out", help="results JSON (default: floor-CHILDREN.json here)")
    args = p.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="isindex-census-floor-"))
    env = bench._env(work / "data")
    serve, spinning = None, []
    try:
        token = bench.demo_index(bench.ROOT, env, args.children)["practitioner"]
        paths = bench._search_paths(args.children)
        serve, port = bench.start_serve(bench.ROOT, env, work / "serve.log")

        async def measure() -> list[dict]:
            await bench._load(port, token, paths, args.concurrency, asyncio.sleep(3))
            phases = []
            for n in args.spinners:
                spinning.extend(subprocess.Popen([sys.executable, "-c", SPIN], start_new_session=True)
                                for _ in range(n))
                await asyncio.sleep(1 if n else 0)      # the spinners settled in their class
                phase = {"spinners": n, **bench._summary(*await bench._load(
                    port, token, paths, args.concurrency, asyncio.sleep(args.seconds)))}
                for proc in spinning:
                    proc.kill()
                    proc.wait()
                spinning.clear()
                print(phase, file=sys.stderr)
                phases.append(phase)
            return phases

        phases = asyncio.run(measure())
    finally:
        for proc in spinning:
            proc.kill()
        bench.stop_all(serve, work)
    results = {"children": args.children, "seconds": args.seconds, "concurrency": args.concurrency,
               "machine": bench.machine(), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "phases": phases, **ratios(phases)}
    out = Path(args.out) if args.out else HERE / f"floor-{args.children}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"idle p99 {results.get('idle_p99_mean_ms')} ms (mean of the idle phases); p99 ratio by spinning "
          f"processes: {results.get('p99_ratio_by_spinners')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
