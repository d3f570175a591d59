"""What /metrics reads from the database at scrape time: the feed queue and its workers,
the LA review backlog, the feed rows processed, pending migrations and the audit chain's lag.

Read from the database rather than counted in a process, so that every API replica
and worker process reports the same figures, and a restart loses nothing. Counts and ages
only: no name, no record, no user.
"""

from __future__ import annotations

import asyncpg
import msgspec

from index import audit, migrate
from index.feeds import liveness

# One row per LA with open items: the count and the oldest item's age (index review_items_la).
REVIEW_BACKLOG = """
SELECT la_code, count(*) AS open, extract(epoch FROM now() - min(created_at))::float8 AS oldest
  FROM review_items WHERE status = 'open' GROUP BY la_code ORDER BY la_code"""

# Every feed's rows so far (rows_done only grows, and feeds are never deleted): counters.
FEED_ROWS = """
SELECT coalesce(sum(rows_done), 0)::bigint AS processed, coalesce(sum(linked), 0)::bigint AS linked,
       coalesce(sum(created), 0)::bigint AS created, coalesce(sum(review), 0)::bigint AS review,
       coalesce(sum(rejected), 0)::bigint AS rejected, coalesce(sum(unchanged), 0)::bigint AS unchanged
  FROM feeds"""

OUTCOMES = ("linked", "created", "review", "rejected", "unchanged")


class Backlog(msgspec.Struct):
    la_code: str
    open_items: int
    oldest_seconds: float


class ChainLag(msgspec.Struct):
    unchained: int                          # audit events not yet in the hash chain
    oldest_seconds: float | None            # the oldest of them, None when there is none


class Snapshot(msgspec.Struct):
    queue: liveness.Queue
    workers: list[liveness.Worker]
    review: list[Backlog]
    rows_processed: int
    row_outcomes: dict[str, int]
    migrations_pending: int
    chain_lag: ChainLag


async def snapshot(conn: asyncpg.Connection) -> Snapshot:
    """Every database-derived figure, read in one go on one connection."""
    facts = await liveness.facts(conn)
    review = [Backlog(la_code=r["la_code"], open_items=r["open"], oldest_seconds=r["oldest"])
              for r in await conn.fetch(REVIEW_BACKLOG)]
    rows = await conn.fetchrow(FEED_ROWS)
    return Snapshot(queue=facts.queue, workers=facts.workers, review=review, rows_processed=rows["processed"],
                    row_outcomes={name: rows[name] for name in OUTCOMES},
                    migrations_pending=len(await migrate.pending(conn)), chain_lag=await chain_lag(conn))


async def chain_lag(conn: asyncpg.Connection) -> ChainLag:
    """The audit chain's lag: events committed but not yet chained (index.audit_chain
    chains them after commit), and the oldest's age."""
    unchained, oldest = await audit.chain_lag(conn)
    return ChainLag(unchained=int(unchained), oldest_seconds=None if oldest is None else float(oldest))
