"""The audit chainer: gives committed audit events their place in the hash chain.

An audited request inserts its event in its own transaction and commits without
touching the chain (migration 0019), so audited transactions no longer commit one at a
time. A chainer then calls audit_chain_batch, which, under the chain head's row lock
(one chainer at a time, however many run), gives pending events the next seqs in id
order and their prev_hash and hash, in one short transaction. The hashing runs in the
database, next to the rows, so a chainer in the serving process costs it one query a
batch; `index.audit.verify` recomputes every hash in Python all the same.

Chainer.run is the background loop of `isindex serve` and `isindex worker`: it polls
every INTERVAL seconds (a LISTEN/NOTIFY wake-up would put a NOTIFY, and its commit-time
lock on the notification queue, back on every audited transaction), chains in batches
until nothing is pending, and outlives PostgreSQL restarts as the feed supervisor does.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid

import asyncpg
import structlog

from index import db

log = structlog.get_logger()

BATCH = 1000
INTERVAL = 0.5            # seconds between polls when nothing was pending
ENV = "ISINDEX_AUDIT_CHAINER"

CHAIN_BATCH = "SELECT audit_chain_batch($1)"


async def chain_batch(conn: asyncpg.Connection, limit: int = BATCH) -> int:
    """Chain up to `limit` committed pending events, oldest id first; how many were chained.

    Waits while another chainer holds the head. Outside a caller's transaction this is
    its own short one; inside one, the head stays locked until that one ends.
    """
    with db.translate_errors():
        return await conn.fetchval(CHAIN_BATCH, limit)


async def chain_all(conn: asyncpg.Connection, limit: int = BATCH) -> int:
    """Chain batches until none is left pending (events committed meanwhile included)."""
    total = 0
    while (n := await chain_batch(conn, limit)) > 0:
        total += n
    return total


def enabled(environ=os.environ) -> bool:
    """ISINDEX_AUDIT_CHAINER: 1 (the default) runs a chainer in this process, 0 does not."""
    raw = environ.get(ENV, "1").strip()
    if raw not in ("0", "1"):
        raise SystemExit(f"{ENV} must be 0 or 1, got {raw!r}")
    return raw == "1"


class Chainer:
    """One background chainer on a connection of its own: run() until cancelled."""

    def __init__(self, url: str, *, interval: float = INTERVAL, batch: int = BATCH, most_backoff: float = 5.0) -> None:
        self.url, self.interval, self.batch = url, interval, batch
        self.backoff = db.Backoff(first=interval, most=most_backoff)
        self.id = uuid.uuid4()
        self.chained = 0                          # events chained by this one since it started
        self.connected = False
        self.reconnects = 0
        self.down_since: float | None = None
        self.task: asyncio.Task | None = None    # set by whoever runs it in the background

    async def run(self) -> None:
        ever = False
        while True:
            conn = None
            try:
                conn = await db.connect(self.url, timeout=10)   # a multi-host URL: each host in turn
                await db.init_connection(conn)
                if self.down_since is not None and ever:
                    self.reconnects += 1
                    log.info("audit_chainer_reconnected", chainer_id=str(self.id), reconnects=self.reconnects,
                             seconds_down=round(time.monotonic() - self.down_since, 1))
                self.connected, self.down_since, ever = True, None, True
                self.backoff.reset()
                await self._chain(conn)
            except Exception as exc:
                if db.disconnected(exc):       # lost, refused or broken
                    self._down("audit_chainer_disconnected" if self.connected else "audit_chainer_cannot_connect",
                               exc)
                else:            # a bug, or a refusal: logged, retried after a pause, never silent
                    self._down("audit_chainer_error", exc, level="error")
            finally:
                self.connected = False
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(conn.close(), 2)
                    conn.terminate()
            db.stop_if_cancelled()
            await asyncio.sleep(self.backoff.next())

    async def _chain(self, conn: asyncpg.Connection) -> None:
        while True:
            # Driver errors pass up as they are: run() tells a lost connection from the rest.
            n = await conn.fetchval(CHAIN_BATCH, self.batch)
            self.chained += n
            if n < self.batch:
                await asyncio.sleep(self.interval)

    def _down(self, event: str, exc: BaseException, level: str = "warning") -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
        getattr(log, level)(event, chainer_id=str(self.id), error_class=type(exc).__name__,
                            sqlstate=getattr(exc, "sqlstate", None))


def start(url: str, **kwargs) -> Chainer:
    """A chainer running as a task of the current event loop; cancel chainer.task to stop it."""
    chainer = Chainer(url, **kwargs)

    def ended(task: asyncio.Task) -> None:
        if not task.cancelled():
            exc = task.exception()
            log.error("audit_chainer_stopped", chainer_id=str(chainer.id),
                      error_class=type(exc).__name__ if exc else None)

    chainer.task = asyncio.create_task(chainer.run())
    chainer.task.add_done_callback(ended)
    return chainer


async def stop(chainer: Chainer | None) -> None:
    if chainer is not None and chainer.task is not None:
        chainer.task.cancel()
        with contextlib.suppress(BaseException):
            await chainer.task
