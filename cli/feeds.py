"""Commands for feeds: register a source, load a feed, run a worker, export links."""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import sys
import uuid
from pathlib import Path

from cli import args as types
from cli import database
from cli.files import replacing
from cli.output import print_json
from cli.progress import Progress
from index import audit_chain, db, links, organisations, priority
from index.feeds import intake, parse, store

EXPORT_COLUMNS = ("source", "record_key", "child_id", "decision", "match_weight")
ERRORS_SHOWN = 20


def _model(settings):
    from matching import model     # imported here: slow to import, and only the feed commands need it

    try:
        return model.load(settings.model_path)
    except ValueError as exc:
        raise SystemExit(f"isindex: {exc}") from None


def _plural(n: int, noun: str) -> str:
    """'1 row', '2 rows', '1,500 rows'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def cmd_source_add(args, settings) -> int:
    org = organisations.NewOrganisation(code=args.code, kind=args.kind, name=args.name, la_code=args.la,
                                        urn=args.urn, laestab=args.laestab, ods_code=args.ods)

    async def work(conn):
        with db.translate_errors():
            return await store.add_source(conn, org)

    org_id = database.run(settings, work)
    if args.json:
        print_json({"code": args.code, "org_id": org_id})
    else:
        print(f"source {args.code} registered (organisation id {org_id})")
    return 0


def cmd_feed_load(args, settings) -> int:
    from index.feeds import process     # imported here: slow to import (the matching model, pgqueuer)

    path = Path(args.file)
    try:
        size = path.stat().st_size
        if size > settings.feed_max_bytes:
            raise SystemExit(f"isindex: {args.file} is {size:,} bytes, over the limit of {settings.feed_max_bytes:,}")
        with path.open("rb") as f:
            head = f.read(256)
        fmt = args.format or parse.sniff(head)
        # Read in chunks, hashed and parsed: only the extracted rows are stored.
        prepared = intake.prepare(path, fmt, max_bytes=settings.feed_max_bytes)
    except OSError as exc:
        raise SystemExit(f"isindex: cannot read {args.file}: {exc.strerror}") from None
    mdl = _model(settings)

    async def work(conn):
        with db.translate_errors():
            src = await store.source(conn, code=args.source)
            async with conn.transaction():
                feed_id, created = await store.submit(conn, src, prepared, full=args.full,
                                                      submitted_by=None, keep_days=settings.feed_keep_days)
            await process.run(conn, feed_id, model=mdl, max_bytes=settings.feed_max_bytes,
                              on_chunk=Progress("rows", enabled=not args.json))
            got, _ = await store.status(conn, feed_id)
            return got, created

    got, created = database.run(settings, work)
    if args.json:
        print_json({
            "feed_id": str(got.id), "status": got.status, "resubmitted": not created, "rows": got.rows,
            "linked": got.linked, "new": got.new, "review": got.review, "rejected": got.rejected,
            "unchanged": got.unchanged, "leavers": got.leavers, "warnings": len(got.warnings), "error": got.error})
    elif got.status == "rejected":
        print(f"isindex: feed rejected: {got.error}", file=sys.stderr)
    else:
        _print_feed(got, created)
    return 0 if got.status == "done" else 1


def _print_feed(got, created: bool) -> None:
    """The feed's counts on stdout; its first row errors and warnings on stderr."""
    print(f"feed {got.id}: {_plural(got.rows, 'row')}: {got.linked:,} linked, {got.new:,} new, "
          f"{got.review:,} to review, {got.rejected:,} rejected, {got.unchanged:,} unchanged"
          + (f", {_plural(got.leavers, 'leaver')}" if got.leavers else "")
          + (" (this content was submitted before)" if not created else ""))
    for e in got.errors[:ERRORS_SHOWN]:
        print(f"  row {e.row}" + (f", column {e.column}" if e.column else "") + f": {e.message}", file=sys.stderr)
    if len(got.errors) > ERRORS_SHOWN:
        print(f"  ... and {_plural(len(got.errors) - ERRORS_SHOWN, 'more row error')}", file=sys.stderr)
    for w in got.warnings[:ERRORS_SHOWN]:
        print(f"  row {w.row}, column {w.column} (warning): {w.message}", file=sys.stderr)
    if len(got.warnings) > ERRORS_SHOWN:
        print(f"  ... and {_plural(len(got.warnings) - ERRORS_SHOWN, 'more warning')}", file=sys.stderr)


def cmd_links_export(args, settings) -> int:
    out = Path(args.out)

    async def write(conn) -> int:
        n = 0
        with replacing(out, private=True) as f:     # ids of children and of their records
            w = csv.writer(f)
            w.writerow(EXPORT_COLUMNS)
            async for r in links.export(conn):
                weight = "" if r.match_weight is None else f"{r.match_weight:.2f}"
                w.writerow([r.source, r.record_key, r.child_id or "", r.decision, weight])
                n += 1
        return n

    try:
        n = database.run(settings, write)
    except OSError as exc:
        raise SystemExit(f"isindex: cannot write {args.out}: {exc.strerror}") from None
    if args.json:
        print_json({"rows": n, "out": str(out)})
    else:
        print(f"{_plural(n, 'source record')} -> {out}", file=sys.stderr)
    return 0


def cmd_worker(args, settings) -> int:
    """Work the queue until stopped; a database restart is waited out (supervisor)."""
    priority.lower_worker(args.nice, args.cpus)    # first: the imports and the model below run at it too
    from index.feeds import supervisor     # imported here: slow to import (the matching model, pgqueuer)

    mdl = _model(settings)
    chaining = audit_chain.enabled()

    async def run():
        async with database.connected(settings):     # the schema checked once; the worker keeps no connection of it
            url = await db.database_url(settings)
        pool = await db.create_pool(url, min_size=1, max_size=2)
        chainer = audit_chain.start(url) if chaining else None    # committed audit events chained meanwhile
        try:
            worker = supervisor.Supervisor(pool, url, model=mdl, max_bytes=settings.feed_max_bytes, kind="worker",
                                           heartbeat=dt.timedelta(seconds=args.heartbeat), drain=args.drain,
                                           chunk=args.chunk)
            if args.serve_worker_id is not None:    # started by serve as its own worker: /health reports it
                worker.id, worker.kind = args.serve_worker_id, "serve"
            failed = await worker.run()
            if args.drain and chaining:     # drained: chain the last feeds' audit events before leaving
                await audit_chain.stop(chainer)
                async with db.acquire(pool) as conn:
                    await audit_chain.chain_all(conn)
            return failed
        finally:
            await audit_chain.stop(chainer)
            try:
                await asyncio.wait_for(pool.close(), 10)
            except (asyncio.TimeoutError, OSError):
                pool.terminate()

    failed = asyncio.run(run())
    if failed:
        print(f"isindex: {_plural(len(failed), 'feed')} could not be processed: "
              + ", ".join(sorted(str(f) for f in failed)), file=sys.stderr)
        return 1
    return 0


def add_parsers(sub) -> None:
    s = sub.add_parser("source", help="feed sources").add_subparsers(dest="source_command", required=True,
                                                                     metavar="ACTION")
    sa = s.add_parser("add", help="register an organisation as a feed source (created if new)")
    sa.add_argument("--code", required=True, help="organisation code (3-12 capitals or digits)")
    sa.add_argument("--kind", required=True, help="school, gp, health_visiting, local_authority, ...")
    sa.add_argument("--name", required=True)
    sa.add_argument("--la", help="the LA (3-digit code) that owns the children this source creates")
    sa.add_argument("--urn")
    sa.add_argument("--laestab")
    sa.add_argument("--ods", help="ODS code of a GP practice")
    sa.add_argument("--json", action="store_true")
    sa.set_defaults(func=cmd_source_add)

    f = sub.add_parser("feed", help="census feeds").add_subparsers(dest="feed_command", required=True,
                                                                   metavar="ACTION")
    fl = f.add_parser("load", help="submit a census file (CSV or CTF) and process it here")
    fl.add_argument("file", metavar="FILE")
    fl.add_argument("--source", required=True, metavar="CODE")
    fl.add_argument("--full", action="store_true",
                    help="a full census: pupils missing from it get the source's involvement ended")
    fl.add_argument("--format", choices=("csv", "ctf"), help="default: recognised from the content")
    fl.add_argument("--json", action="store_true")
    fl.set_defaults(func=cmd_feed_load)

    lk = sub.add_parser("links", help="links between source records and children").add_subparsers(
        dest="links_command", required=True, metavar="ACTION")
    le = lk.add_parser("export", help="write one row per source record: source, record_key, child_id, decision, "
                                      "match_weight")
    le.add_argument("out", metavar="OUT.csv")
    le.add_argument("--json", action="store_true")
    le.set_defaults(func=cmd_links_export)

    w = sub.add_parser("worker", help="process queued feeds (any number of workers may run), and chain audit events "
                                      "unless ISINDEX_AUDIT_CHAINER=0")
    w.add_argument("--heartbeat", type=types.positive, default=30,
                   help="seconds after which a silent worker's feed is taken over")
    w.add_argument("--drain", action="store_true", help="stop when the queue is empty")
    w.add_argument("--chunk", type=types.positive, default=100_000, help="rows applied per transaction (default 100000)")
    w.add_argument("--nice", type=types.nice, default=0,
                   help="run at this lower CPU priority (0-19), and so do this worker's PostgreSQL sessions when "
                        "PostgreSQL runs on this machine (so that an API beside it comes first)")
    w.add_argument("--cpus", type=types.cpus, metavar="LIST",
                   help="run only on these CPUs (e.g. 1 or 2,3 or 2-3), and so do this worker's PostgreSQL sessions "
                        "when PostgreSQL runs on this machine (serve gives its own worker the upper half of its CPUs)")
    w.add_argument("--serve-worker-id", type=uuid.UUID, help=argparse.SUPPRESS)   # serve's child (api/feed_worker.py)
    w.set_defaults(func=cmd_worker)
