"""A feed into an empty index, larger than one batch (a deployment's first load: a local
authority's million children), matched in memory and written once, in one transaction.

The decisions are those of the feed applied as one batch (process.apply_rows): with
nothing in the index to match against, every row is a new child, unless an earlier row
of the feed would auto-link with it (review, same_feed_candidate: a source's two records
of one child are for a person to see) or too little of it is known to create a child
(review, cannot_create). What is written is what apply_rows writes, row for row: the
source records and their carers, blocking keys and name counts, the review items, the
children with their names, identifiers and carers, their links, a school's
involvements, and one audit event per CHUNK rows. Tests compare the two paths.

What makes it cheaper than batches (see tests/perf/RESULTS.md, "initial load"): no
candidate query (each batch's join with every key stored before it), the source records
COPYed in with no conflict to check, and the Python work (hashes, the matching table,
keys, the feed's own pairs, the children's rows) done in one thread while the
connection writes what is ready, at most two batches ahead. match_keys keeps its indexes
(dropping them, as the demo loader does, would lock searches out until the commit). All
of it is one transaction: a crash leaves nothing, and the re-run starts again from an
empty index.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import asyncpg
import numpy as np
import structlog

from index import registry, sql
from index.candidates import frequencies
from index.feeds import apply, records, resolve
from index.feeds.resolve import Outcome
from matching import blocking, table
from matching.census import CensusRow

SQL = sql.queries("feeds_first_load")

log = structlog.get_logger()

# The interpreter's switch interval while the thread works beside the connection: the
# event loop, which feeds COPY, gets the interpreter back sooner than after the 5 ms default.
SWITCH = 0.0005


async def applies(conn: asyncpg.Connection, n_rows: int, chunk: int) -> bool:
    """Whether a feed of n_rows is a first load: more rows than one batch, and an index
    with no source record and no child yet (asked under the resolve lock)."""
    return n_rows > chunk and not await conn.fetchval(SQL["any_record_or_child"])


def _source_rows(org_id: int, feed_id: uuid.UUID, at: dt.datetime, start: int, ids: list[uuid.UUID],
                 rows: list[CensusRow]) -> tuple[list[tuple], list[tuple]]:
    """The source_records rows (records.SOURCE_COLUMNS, then last_feed_id, updated_at) and
    their carers, of rows numbered from `start`. Row k is written at `at` plus k
    microseconds: as apply_rows' clock_timestamp() per row, a later row of the feed is the
    more recent record (survivorship's tie-break)."""
    out = [(*records.source_row(sid, org_id, r), feed_id, at + dt.timedelta(microseconds=start + k))
           for k, (sid, r) in enumerate(zip(ids, rows))]
    return out, records.carer_rows(zip(ids, rows))


def _table(rows: list[CensusRow], rules: tuple[blocking.Rule, ...]):
    """The feed's matching table, its stored blocking keys and name counts, and which rows
    cannot create a child."""
    tbl = table.build(table.Vocabs(), rows)
    key_rows, keys = blocking.stored_keys(tbl, rules)
    cannot = np.array([apply.can_create(r) is not None for r in rows], dtype=bool)
    return tbl, key_rows, keys, records.name_counts(tbl, range(len(tbl))), cannot


def _tabled(tables: list, rows: list[CensusRow], rules: tuple[blocking.Rule, ...]):
    """_table's result kept in `tables` for the jobs after it; the table, name counts and
    rows that cannot create a child returned (the keys go to _keys_csv alone)."""
    tables.append(_table(rows, rules))
    tbl, _, _, names, cannot = tables[0]
    return tbl, names, cannot


def _keys_csv(ids: list[uuid.UUID], tables: list) -> bytes:
    """The stored keys of _table's result as CSV, the key arrays dropped after."""
    _, key_rows, keys, _, _ = tables.pop()
    return records.keys_csv(ids, key_rows, keys)


def _pairs(tbl: table.Table, rules: tuple[blocking.Rule, ...], cap: int) -> tuple[np.ndarray, np.ndarray]:
    """The feed's own candidate pairs (earlier row, later row), by later row."""
    blocked = blocking.block_within(tbl, rules, cap=cap)
    return blocked.left, blocked.right


@dataclass
class Piece:
    """One batch of rows, resolved: which are held for review, the children the others create."""
    held: np.ndarray            # per row of the batch
    make: np.ndarray            # rows of the batch that create a child
    rows: registry.ChildRows


def _piece(model, tbl: table.Table, freq, pairs: list[tuple[np.ndarray, np.ndarray]], cannot: np.ndarray,
           rows: list[CensusRow], la_code: str, org_id: int, start: int, stop: int) -> Piece:
    """Rows start..stop: those an earlier row of the feed would auto-link with
    (resolve.within_batch's rule over the whole feed), and the rows of the children the
    others create. pairs[0]: _pairs' (a job run before this one)."""
    li, ri = pairs[0]
    held = resolve.held_by_earlier(model, tbl, freq, li, ri, n_existing=len(tbl), rows=range(start, stop))
    make = np.flatnonzero(~held & ~cannot[start:stop]) + start
    children = [apply.new_child(rows[k], la_code) for k in make]
    return Piece(held, make, registry.child_rows(children, source_org_id=org_id))


async def apply_all(conn: asyncpg.Connection, feed, rows: list[CensusRow], chunk: int):
    """Resolve and write every row of a first load (inside the caller's transaction,
    which holds the resolve lock); the feed's counts (process.Counts). The rows are
    written `chunk` at a time, the next batch resolved in the thread meanwhile."""
    from index.feeds.process import Counts   # process imports this module

    src, model, counts = feed.source, feed.model, Counts()
    rules = model.blocking_rules
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="first-load")   # runs its jobs in order
    jobs: set[asyncio.Future] = set()   # not yet taken: a future holds its result until dropped

    def later(fn, *args) -> asyncio.Future:
        job = loop.run_in_executor(pool, fn, *args)
        jobs.add(job)
        return job

    async def take(job: asyncio.Future):
        """The job's result; a job already running when the caller is cancelled stays in
        `jobs` (shielded), so the clean-up below still waits for it."""
        try:
            return await asyncio.shield(job)
        finally:
            if job.done():
                jobs.discard(job)

    switch = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH)
    try:
        await records.ensure_keys(conn, rules)
        at = await conn.fetchval(SQL["now"])
        ids = records.ordered_ids(len(rows))
        bounds = list(range(0, len(rows), chunk))
        sources = [later(_source_rows, src.org_id, feed.id, at, start, ids[start:start + chunk],
                         rows[start:start + chunk]) for start in bounds]
        # The thread's jobs run in order, so a job may use the result of one before it
        # (passed in a list: an asyncio future's result is the event loop's to set).
        tables: list = []
        built = later(lambda: _tabled(tables, rows, rules))
        pairs: list = []   # the feed's own pairs, made while the source records are written
        paired = later(lambda: pairs.append(_pairs(tables[0][0], rules, feed.cap)))
        keyed = later(lambda: _keys_csv(ids, tables))
        for k in range(len(bounds)):
            source_rows, carers = await take(sources[k])
            sources[k] = None
            await conn.copy_records_to_table("source_records", records=source_rows,
                                             columns=(*records.SOURCE_COLUMNS, "last_feed_id", "updated_at"))
            if carers:
                await conn.copy_records_to_table("source_record_carers", records=carers,
                                                 columns=records.CARER_COLUMNS)
            del source_rows, carers
        tbl, names, cannot = await take(built)
        built = None
        await records.add_counts(conn, names)
        names = None
        freq = await frequencies(conn, model.comparisons, tbl, tbl)
        pieces: dict[int, asyncio.Future] = {}

        def resolve_ahead(k: int) -> None:
            """Batch k resolved in the thread (after the jobs before it), at most two ahead."""
            if k < len(bounds):
                start = bounds[k]
                pieces[k] = later(_piece, model, tbl, freq, pairs, cannot, rows, src.la_code, src.org_id, start,
                                  min(start + chunk, len(rows)))

        resolve_ahead(0)
        resolve_ahead(1)
        await records.copy_keys(conn, await take(keyed))
        keyed = None
        await take(paired)   # its error, if any, rather than the batches' for want of it
        created: list[uuid.UUID] = []
        for k, start in enumerate(bounds):
            piece = await take(pieces.pop(k))
            resolve_ahead(k + 2)
            review = np.flatnonzero(piece.held | cannot[start:start + len(piece.held)])
            await apply.open_reviews(conn, [
                (ids[start + j], Outcome("review", reasons=["same_feed_candidate" if piece.held[j] else "cannot_create"]))
                for j in review], src.la_code, feed.id)
            made = await registry.write_children(conn, piece.rows)
            await apply.link_many(conn, [(ids[j], child, "new", None) for j, child in zip(piece.make, made)],
                                  model_version=model.version, feed_id=feed.id)
            if src.kind != "local_authority":
                await apply.ensure_involvements(conn, src.org_id, made, feed.today)
            await apply.audit_batch(conn, feed_id=feed.id, submitted_by=feed.submitted_by, org_code=src.code,
                                    rows=len(piece.held), child_ids=apply.ordered(made))
            counts.created += len(made)
            counts.review += len(review)
            created += made
            del piece
    finally:
        # Jobs not started are dropped; the one running ends before an error goes on, so
        # nothing the caller unwinds is still being read by it.
        pool.shutdown(wait=False, cancel_futures=True)
        try:
            await asyncio.gather(*jobs, return_exceptions=True)
        finally:
            sys.setswitchinterval(switch)
    counts.children = created
    log.info("feed_first_load", feed_id=str(feed.id), rows=len(rows), created=counts.created, review=counts.review)
    return counts
