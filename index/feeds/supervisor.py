"""A feed worker that outlives PostgreSQL restarts, says it is alive, and drains to the end.

queue.work runs one pgqueuer session on one connection; when PostgreSQL restarts the
session ends with a connection error. The supervisor then logs one line (ids only),
reconnects with exponential backoff, queues again any unfinished feed whose job was
lost, and carries on; a job that was running is taken over once its heartbeat is stale.
While connected it beats in feed_workers (liveness.beat) every third of its heartbeat.

With drain it stops only when no feed is queued or processing: a feed picked by a
worker that crashed a moment ago is waited for until its heartbeat is stale, and then
taken over (pgqueuer re-picks a stale job). Feeds whose processing raised an error
here are the exception: drain returns them instead of retrying them for ever.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
import uuid

import asyncpg
import structlog

from index import db
from index.feeds import liveness, process, queue
from matching import model as mmodel

log = structlog.get_logger()

# The delays between reconnections: shared with the audit chainer (index/db.py).
Backoff = db.Backoff


class Supervisor:
    """One worker: run() until cancelled (or, with drain, until nothing is left)."""

    def __init__(self, pool: asyncpg.Pool, url: str, *, model: mmodel.Model, max_bytes: int, kind: str,
                 heartbeat: dt.timedelta = dt.timedelta(seconds=30), drain: bool = False,
                 chunk: int = process.CHUNK, backoff: Backoff | None = None) -> None:
        self.pool, self.url, self.model, self.max_bytes, self.kind = pool, url, model, max_bytes, kind
        self.heartbeat, self.drain, self.chunk = heartbeat, drain, chunk
        self.backoff = backoff or Backoff()
        self.id = uuid.uuid4()
        self.started = time.monotonic()
        self.connected = False
        self.ever_connected = False
        self.down_since: float | None = None    # when the connection was lost (or first refused)
        self.reconnects = 0
        self.failed: set[uuid.UUID] = set()     # feeds whose processing raised here
        self.task: asyncio.Task | None = None  # set by whoever runs it in the background

    @property
    def timeout_s(self) -> int:
        return max(1, round(self.heartbeat.total_seconds()))

    async def run(self) -> set[uuid.UUID]:
        """Work the queue; returns (with drain) the feeds that failed here, if any."""
        beating = asyncio.create_task(self._beat_loop())
        try:
            while True:
                pause = await self._session()
                if pause is None:
                    return self.failed
                db.stop_if_cancelled()
                await asyncio.sleep(pause)
        finally:
            beating.cancel()
            with contextlib.suppress(BaseException):
                await beating
            with contextlib.suppress(BaseException):   # best effort: a stale row is forgotten anyway
                await asyncio.shield(asyncio.wait_for(self._forget(), 2))

    async def _session(self) -> float | None:
        """One connection's worth of work; returns the pause before the next (None: drained)."""
        conn, began = None, time.monotonic()
        try:
            conn = await db.connect(self.url, timeout=10)    # pgqueuer's own: default codecs
            self._connected()
            await self._beat()
            await self._requeue()
            await queue.work(self.pool, conn, model=self.model, max_bytes=self.max_bytes, heartbeat=self.heartbeat,
                             drain=self.drain, chunk=self.chunk, on_failure=self._failed)
            if self.drain and await self._drained():
                return None
            # Drain: a feed is still picked by another worker (alive, or dead with a fresh heartbeat).
            return min(1.0, self.timeout_s / 4)
        except Exception as exc:
            if not db.disconnected(exc):
                # A bug must not end feed processing silently either.
                log.error("feed_worker_error", worker_id=str(self.id), error_class=type(exc).__name__)
            elif self.down_since is None:
                self.down_since = time.monotonic()
                log.warning("feed_worker_disconnected" if self.connected else "feed_worker_cannot_connect",
                            worker_id=str(self.id), error_class=type(exc).__name__)
        finally:
            self.connected = False
            if conn is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), 2)
                conn.terminate()
        if time.monotonic() - began > 30:
            self.backoff.reset()          # it worked for a while: start again from a short delay
        return self.backoff.next()

    def _connected(self) -> None:
        self.connected = True
        if self.down_since is not None:
            if self.ever_connected:
                self.reconnects += 1
            log.info("feed_worker_reconnected", worker_id=str(self.id), reconnects=self.reconnects,
                     seconds_down=round(time.monotonic() - self.down_since, 1))
            self.down_since = None
        self.ever_connected = True

    async def _requeue(self) -> None:
        """A job lost with a connection (its failure logged, its feed left unfinished) is queued
        again (a job still queued or picked is kept); not a feed that already failed here."""
        async with db.acquire(self.pool) as conn, conn.transaction():
            for feed_id in sorted(await liveness.unfinished(conn) - self.failed):
                await queue.enqueue(conn, feed_id)

    async def _drained(self) -> bool:
        async with db.acquire(self.pool) as conn:
            left = await liveness.unfinished(conn)
        return not (left - self.failed)

    def _failed(self, feed_id: uuid.UUID, exc: BaseException) -> None:
        if not db.disconnected(exc):
            self.failed.add(feed_id)

    async def _beat(self) -> None:
        async with db.acquire(self.pool) as conn:
            await liveness.beat(conn, self.id, kind=self.kind, timeout_s=self.timeout_s, reconnects=self.reconnects)

    async def _beat_loop(self) -> None:
        """Beats while connected, for the worker's whole life: a beat that fails never ends
        the loop (a dead loop would leave this worker's feeds to look abandoned)."""
        while True:
            await asyncio.sleep(max(0.3, self.heartbeat.total_seconds() / 3))
            if self.connected:
                try:
                    await self._beat()
                except Exception as exc:
                    if not db.disconnected(exc):
                        log.error("feed_worker_heartbeat_failed", worker_id=str(self.id),
                                  error_class=type(exc).__name__)
                    # A lost connection: the session notices it and reconnects.

    async def _forget(self) -> None:
        async with db.acquire(self.pool) as conn:
            await liveness.forget(conn, self.id)
