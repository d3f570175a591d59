"""Background processing of feeds on a PostgreSQL-backed queue (pgqueuer).

A submitted feed enqueues one job in the same transaction as the feed row, so a feed
never exists without its job nor a job without its feed. Any number of worker
processes, on any machines, share the jobs. A worker killed mid-feed stops sending
heartbeats; once the heartbeat is older than `heartbeat` another worker picks the job
again, and process.run resumes from the first chunk not applied.
"""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import structlog
from pgqueuer import PgQueuer
from pgqueuer.db import AsyncpgDriver
from pgqueuer.models import Job
from pgqueuer.queries import Queries

from index import db
from index.feeds import process
from matching import model as mmodel

log = structlog.get_logger()
ENTRYPOINT = "feed"
RETENTION_ENTRYPOINT, RETENTION_CRON = "retention", "15 2 * * *"


async def install(conn: asyncpg.Connection) -> None:
    """Create the queue's tables once (pgqueuer's own schema)."""
    await db.reset_codecs(conn)
    try:
        queries = Queries(AsyncpgDriver(conn))
        if not await queries.schema_is_installed():   # callers hold the migration lock
            await queries.install()
    finally:
        await db.init_connection(conn)


async def enqueue(conn: asyncpg.Connection, feed_id: uuid.UUID) -> None:
    """Queue the feed for processing (inside the caller's transaction). pgqueuer passes
    its jsonb values as text: the index's jsonb codec is off while it does."""
    await db.reset_codecs(conn)
    try:
        await Queries(AsyncpgDriver(conn)).enqueue(ENTRYPOINT, feed_id.bytes, dedupe_key=str(feed_id),
                                                   on_conflict="skip")
    finally:
        await db.init_connection(conn)


async def work(pool: asyncpg.Pool, queue_conn: asyncpg.Connection, *, model: mmodel.Model, max_bytes: int,
               heartbeat: dt.timedelta = dt.timedelta(seconds=30), drain: bool = False,
               chunk: int = process.CHUNK, on_failure=None) -> None:
    """Run one pgqueuer session until stopped (or, with drain, until no job is takeable);
    a lost connection ends it with the driver's error (supervisor.Supervisor reconnects).
    queue_conn is pgqueuer's own connection, with asyncpg's default codecs. on_failure
    (feed_id, exception) hears of each feed whose processing raised."""
    from pgqueuer.domain.types import QueueExecutionMode

    pgq = PgQueuer(AsyncpgDriver(queue_conn))

    @pgq.entrypoint(ENTRYPOINT)
    async def run_feed(job: Job) -> None:
        feed_id = uuid.UUID(bytes=job.payload)
        try:
            async with db.acquire(pool) as conn:
                status = await process.run(conn, feed_id, model=model, max_bytes=max_bytes, chunk=chunk)
        except Exception as exc:
            log.warning("feed_job_failed", feed_id=str(feed_id), error_class=type(exc).__name__)
            if on_failure is not None:
                on_failure(feed_id, exc)
            # pgqueuer logs and stores the exception: its class only, never a message with values.
            raise RuntimeError(f"feed {feed_id} failed ({type(exc).__name__})") from None
        log.info("feed_job_done", feed_id=str(feed_id), status=status)

    # Retention, daily at 02:15 UTC: pgqueuer's scheduler hands each due run to one worker.
    @pgq.schedule(RETENTION_ENTRYPOINT, RETENTION_CRON)
    async def run_retention(schedule) -> None:
        from index import retention

        async with db.acquire(pool) as conn:
            await retention.run(conn, retention.today(), dry_run=False)

    await pgq.run(mode=QueueExecutionMode.drain if drain else QueueExecutionMode.continuous,
                  heartbeat_timeout=heartbeat, dequeue_timeout=dt.timedelta(seconds=5), batch_size=1)
