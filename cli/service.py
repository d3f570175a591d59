"""`isindex serve`, `migrate` and `demo`: the service, its schema and its demo data.

Only `serve` and `migrate` apply migrations.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time

from cli import args as types
from cli import database
from cli.output import print_json
from cli.progress import Progress
from index import config, db, migrate, sessions


def cmd_migrate(args, settings) -> int:
    rows = database.run(settings, migrate.status, migrating=True)
    if args.json:
        print_json([{"version": v, "name": n, "applied": a} for v, n, a in rows])
    else:
        for version, name, applied in rows:
            print(f"{version:04d}_{name}: {'applied' if applied else 'pending'}")
    return 0


async def _load_demo(conn, settings: config.Settings, n_children: int, seed: int, *, show: bool) -> dict:
    """The demo children loaded (unless present), with its progress and timing on stderr when show."""
    from index import demo     # imported here: the demo's generator and the matching model are slow to import

    started = time.monotonic()
    summary = await demo.load(conn, n_children=n_children, seed=seed, model_path=settings.model_path,
                              on_batch=Progress("children", enabled=show))
    if show and summary["loaded"]:
        print(f"demo: {summary['children']:,} children loaded in {time.monotonic() - started:.1f} s",
              file=sys.stderr)
    tokens = await demo.issue_tokens(conn, days=settings.token_days)
    return {"loaded": summary, "tokens": tokens, "sign_in_links": await demo.issue_links(conn)}


def _print_tokens(got: dict, base_url: str) -> None:
    summary, tokens = got["loaded"], got["tokens"]
    state = "loaded" if summary.get("loaded") else "already present"
    print(f"demo data: {summary['children']:,} children ({state})")
    print("demo tokens (use as 'Authorization: Bearer TOKEN'):")
    for role, token in tokens.items():
        print(f"  {role:<16} {token}")
    print(f"demo sign-in links (open one in a browser; each works once, within {sessions.LINK_HOURS} h):")
    for role, token in got["sign_in_links"].items():
        print(f"  {role:<16} {base_url}/sign-in/link/{token}")


def cmd_demo(args, settings) -> int:
    async def work(conn):
        return await _load_demo(conn, settings, args.children, args.seed, show=not args.json)

    got = database.run(settings, work)
    if args.json:
        print_json(got)
    else:
        _print_tokens(got, "http://127.0.0.1:8000")
    return 0


def _base_url(args) -> str:
    host = f"[{args.host}]" if ":" in args.host else args.host
    host = "127.0.0.1" if host in ("0.0.0.0", "[::]") else host
    return f"http://{host}:{args.port}"


def cmd_serve(args, settings) -> int:
    import uvicorn     # imported here: only serve needs the server

    async def prepare(conn) -> str:
        if args.demo:
            _print_tokens(await _load_demo(conn, settings, args.demo_children, 1, show=True), _base_url(args))
            print(db.location(settings), flush=True)
        return await db.database_url(settings)

    url = database.run(settings, prepare, migrating=True)
    os.environ["ISINDEX_RESOLVED_DATABASE_URL"] = url
    print(f"isindex listening on http://{args.host}:{args.port} (OpenAPI at /schema)")
    # ISINDEX_FEED_WORKER (index.config): on by default only with the embedded PostgreSQL.
    print("feed worker: a child process of serve (ISINDEX_FEED_WORKER=1)" if settings.feed_worker else
          "feed worker: none here; run `isindex worker` (ISINDEX_FEED_WORKER=0)", flush=True)
    shared = None
    if args.workers > 1:
        # The processes answer on one port and a scrape reaches any one: they keep their
        # request metrics in files there, summed at each scrape (api/observe.py).
        shared = tempfile.mkdtemp(prefix="isindex-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = shared
    try:
        # uvicorn's access log is off: api/observe.py writes one without the query string.
        uvicorn.run("api.app:from_env", factory=True, host=args.host, port=args.port, workers=args.workers,
                    log_level="warning", access_log=False)
    finally:
        if shared is not None:
            shutil.rmtree(shared, ignore_errors=True)
    return 0


def add_parsers(sub) -> None:
    s = sub.add_parser("serve", help="run the HTTP service (migrates first)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=types.positive, default=1, help="server processes")
    s.add_argument("--demo", action="store_true", help="load synthetic demo data if absent and print demo tokens and sign-in links")
    s.add_argument("--demo-children", type=types.positive, default=10_000, metavar="N")
    s.set_defaults(func=cmd_serve)

    m = sub.add_parser("migrate", help="apply database migrations and show their status")
    m.add_argument("--json", action="store_true")
    m.set_defaults(func=cmd_migrate)

    d = sub.add_parser("demo", help="load synthetic demo children and print a token for each role")
    d.add_argument("--children", type=types.positive, default=10_000, metavar="N")
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=cmd_demo)
