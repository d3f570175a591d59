"""Is feed processing alive? Workers' liveness rows and the age of the queue.

Each feed worker (isindex worker, or the one inside serve) upserts its row in
feed_workers every third of its heartbeat while it is connected to the queue, and
deletes it when it stops cleanly. A row whose beat is older than its timeout is a
stalled or dead worker; live workers forget such a row after FORGET_AFTER timeouts, so
a worker that crashed is reported for a while and not forever once others run.
"""

from __future__ import annotations

import os
import re
import socket
import uuid

import asyncpg
import msgspec

FORGET_AFTER = 10       # timeouts after which a silent worker's row is deleted by a live one


class Worker(msgspec.Struct):
    id: str
    kind: str                       # serve | worker
    status: str                     # ok | stalled
    seconds_since_beat: int
    timeout_seconds: int
    reconnects: int


class Queue(msgspec.Struct):
    queued: int                     # feeds waiting for a worker
    processing: int
    oldest_queued_seconds: int | None


class Facts(msgspec.Struct):
    workers: list[Worker]
    queue: Queue


def host_name() -> str:
    """This machine's name in the characters the table allows."""
    return (re.sub(r"[^A-Za-z0-9._-]", "-", socket.gethostname()) or "unknown")[:255]


async def beat(conn: asyncpg.Connection, worker_id: uuid.UUID, *, kind: str, timeout_s: int,
               reconnects: int) -> None:
    """Record that this worker is alive now, and forget workers silent for long."""
    await conn.execute(
        """INSERT INTO feed_workers (id, kind, host, pid, timeout_s, reconnects) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (id) DO UPDATE SET beat_at = now(), reconnects = excluded.reconnects""",
        worker_id, kind, host_name(), os.getpid(), timeout_s, reconnects)
    await conn.execute(
        "DELETE FROM feed_workers WHERE beat_at < now() - make_interval(secs => timeout_s * $1::int)",
        FORGET_AFTER)


async def forget(conn: asyncpg.Connection, worker_id: uuid.UUID) -> None:
    """A worker that stops cleanly leaves no row behind."""
    await conn.execute("DELETE FROM feed_workers WHERE id = $1", worker_id)


async def facts(conn: asyncpg.Connection) -> Facts:
    """Every known worker with its state, and the feed queue's size and oldest wait."""
    workers = [
        Worker(id=str(r["id"]), kind=r["kind"], status="ok" if r["since"] <= r["timeout_s"] else "stalled",
               seconds_since_beat=int(r["since"]), timeout_seconds=r["timeout_s"], reconnects=r["reconnects"])
        for r in await conn.fetch(
            """SELECT id, kind, timeout_s, reconnects, extract(epoch FROM now() - beat_at)::float8 AS since
                 FROM feed_workers ORDER BY started_at, id""")]
    q = await conn.fetchrow(
        """SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
                  count(*) FILTER (WHERE status = 'processing') AS processing,
                  extract(epoch FROM now() - min(submitted_at) FILTER (WHERE status = 'queued'))::float8 AS oldest
             FROM feeds WHERE status IN ('queued', 'processing')""")
    oldest = None if q["oldest"] is None else int(q["oldest"])
    return Facts(workers=workers, queue=Queue(queued=q["queued"], processing=q["processing"],
                                              oldest_queued_seconds=oldest))


async def unfinished(conn: asyncpg.Connection) -> set[uuid.UUID]:
    """Feeds not yet done nor rejected."""
    return {r["id"] for r in await conn.fetch("SELECT id FROM feeds WHERE status IN ('queued', 'processing')")}
