"""Page render benchmark: the search results page and a child's page, each beside its
JSON twin for the same read (GET /children/search, GET /children/{id}), over HTTP
against `isindex serve` at 1M children. Requests go one at a time (--concurrency 1 by
default), so p50 is the time one user waits, not a queue's length; every request
authenticates, reads, writes its audit event and (for a page) renders its template.

    .venv/bin/python -m tests.perf.pages.bench --children 1000000

It reuses the lookup benchmark's index (tests/perf/lookup, same --data-dir).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from index import config, db
from tests.perf.lookup import bench as lookup

HERE = Path(__file__).parent


def paths(sample: list[dict]) -> dict[str, list[str]]:
    """The same reads as a page and as JSON, child by child."""
    def name_query(c: dict) -> dict:
        return {"surname": c["surname"], "forename": c["forename"], "reason": "service_delivery"}

    return {
        "search_json": [lookup.search_path(c) for c in sample],
        "search_page": ["/search/results?" + urlencode({**name_query(c), "dob-day": c["dob"].day,
                                                        "dob-month": c["dob"].month, "dob-year": c["dob"].year})
                        for c in sample],
        "view_json": [f"/children/{c['id']}?reason=service_delivery" for c in sample],
        "view_page": [f"/child/{c['id']}?reason=service_delivery" for c in sample],
    }


def main() -> int:
    args = lookup.arguments(__doc__, concurrency=1, out=HERE / "results.json").parse_args()

    os.environ["ISINDEX_DATA_DIR"] = f"{args.data_dir}-{args.children}"
    settings = config.load()
    url = asyncio.run(db.database_url(settings))
    sample, token, _ = asyncio.run(lookup.prepare(url, args.children))
    results: dict = {"children": args.children, "concurrency": args.concurrency, "seconds": args.seconds,
                     "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                     "date": time.strftime("%Y-%m-%d")}
    port = lookup.free_port()
    server = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--port", str(port)],
                              env={**os.environ, "DATABASE_URL": url}, stdout=subprocess.DEVNULL)
    try:
        lookup.wait_for(port)
        for name, batch in paths(sample).items():
            results[name] = asyncio.run(
                lookup.http_load("127.0.0.1", port, token, batch, args.concurrency, args.seconds, args.warmup))
            print(name, results[name], file=sys.stderr)
    finally:
        server.terminate()
        server.wait(10)
    for read in ("search", "view"):
        results[f"{read}_page_minus_json_p50_ms"] = round(results[f"{read}_page"]["p50_ms"]
                                                         - results[f"{read}_json"]["p50_ms"], 2)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    bad = [name for name in paths(sample) if results[name]["errors"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
