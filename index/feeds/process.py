"""Processing one feed: read the rows stored at submission, then apply them in chunks.

Each chunk is one transaction that also advances the feed's resume point
(`rows_done`), so a worker killed part-way leaves whole chunks applied and the next
run carries on from the first chunk not applied. Chunks from any feed are applied one
at a time across all workers (a transaction-level advisory lock): two feeds naming the
same new child must not both create it.

A feed into an empty index that is larger than one chunk (a deployment's first load) is
matched in memory and written in one transaction instead (index.feeds.first_load), with
the decisions the feed would have had as one chunk.

Python and PostgreSQL take turns within a chunk unless told otherwise, so the work that
needs no connection runs in a thread while the connection is busy: the next chunk's
matching table and blocking keys (prepare) while this chunk is applied, and the scoring
while the chunk's blocking keys are written. The thread computes only pure functions of
the rows, and every statement still goes through the one connection in the same order,
so the decisions and the resume point are what they would be without it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import dataclass, field

import asyncpg
import numpy as np
import structlog

from index import candidates, registry, sql
from index.feeds import apply, first_load, records, resolve, store
from matching import blocking, model as mmodel, table
from matching.census import CensusRow, FileError

SQL = sql.queries("feeds_process")

log = structlog.get_logger()

RESOLVE_LOCK = 0x15_1DE7   # advisory lock key: one chunk resolves at a time
# Rows per transaction: each batch is resolved set-based, in memory bounded by its size
# (a peak of 1.2-1.5 GB at 100,000 rows into an index of a million). A batch's candidate
# join and its re-derivation read whole tables, so fewer, larger batches cost less per
# row: a census of 100,000 into a million took 68 s in two batches, 54 s in one.
CHUNK = 100_000


@dataclass
class Counts:
    linked: int = 0
    created: int = 0
    review: int = 0
    unchanged: int = 0
    children: list[uuid.UUID] = field(default_factory=list)


@dataclass
class Feed:
    id: uuid.UUID
    source: store.Source
    format: str
    full: bool
    submitted_by: uuid.UUID | None
    model: mmodel.Model
    cap: int = blocking.DEFAULT_CAP
    today: dt.date = field(default_factory=dt.date.today)
    n_children: int = 0        # the index's size for the prior: counted at the start, plus children created


@dataclass
class Prepared:
    """The CPU work on a chunk's rows that needs no connection: each row's content hash,
    and the matching table and stored blocking keys of all the rows."""
    hashes: dict[str, bytes]
    tbl: table.Table
    key_rows: np.ndarray
    keys: np.ndarray


def prepare(rows: list[CensusRow], rules: tuple[blocking.Rule, ...], hashes: dict[str, bytes] | None = None
            ) -> Prepared:
    """Pure (run in a thread): the batch's own vocabularies, so memory stays bounded by the batch."""
    if hashes is None:
        hashes = {r.record_id: records.content_hash(r) for r in rows}
    tbl = table.build(table.Vocabs(), rows)
    key_rows, keys = blocking.stored_keys(tbl, rules)
    return Prepared(hashes, tbl, key_rows, keys)


def _ahead(rows: list[CensusRow], rules: tuple[blocking.Rule, ...],
           hashes: dict[str, bytes] | None = None) -> asyncio.Future:
    """prepare(rows) started in a thread."""
    return asyncio.ensure_future(asyncio.to_thread(prepare, rows, rules, hashes))


async def run(conn: asyncpg.Connection, feed_id: uuid.UUID, *, model: mmodel.Model, max_bytes: int,
              chunk: int = CHUNK, on_chunk=None) -> str:
    """Process a feed to the end (or resume it); returns its final status."""
    row = await conn.fetchrow(SQL["feed"], feed_id)
    if row is None:
        raise LookupError(f"no feed {feed_id}")
    if row["status"] in ("done", "rejected"):
        return row["status"]
    src = await store.source(conn, org_id=row["source_org_id"])
    try:
        parsed = await store.stored_rows(conn, feed_id, max_bytes=max_bytes)
        if parsed is None:
            raise FileError("the feed's rows are no longer kept: submit the file again")
    except FileError as exc:
        async with conn.transaction():
            await conn.execute(SQL["reject"], feed_id, str(exc).replace("\n", " ")[:500])
            await store.drop_rows(conn, feed_id)
        log.info("feed_rejected", feed_id=str(feed_id))
        return "rejected"
    # Only an explicit full census ends leavers' involvements: a CTF's DocumentQualifier
    # "full" says each pupil's record is complete, not that the file is the whole school.
    feed = Feed(feed_id, src, row["format"], row["full_census"], row["submitted_by"], model,
                n_children=await conn.fetchval(SQL["count_children"]))
    async with conn.transaction():
        await conn.execute(SQL["start"], feed_id, len(parsed.rows) + len(parsed.errors), len(parsed.errors),
                           model.version[:40])
        await conn.executemany(SQL["row_errors"], [(feed_id, e.row, e.column, e.message.replace("\n", " ")[:300])
                                                   for e in parsed.errors])
        await conn.executemany(SQL["row_warnings"], [(feed_id, w.row, w.column, w.message.replace("\n", " ")[:300])
                                                     for w in parsed.warnings])
    rows = parsed.rows
    ahead: dict[int, asyncio.Future] = {}   # the next chunk's Prepared, by its first row
    while True:
        async with conn.transaction():
            await conn.execute(SQL["resolve_lock"], RESOLVE_LOCK)
            done = await conn.fetchval(SQL["rows_done"], feed_id)
            if done >= len(rows):
                break
            if done == 0 and await first_load.applies(conn, len(rows), chunk):
                part = rows
                counts = await first_load.apply_all(conn, feed, rows, chunk)
            else:
                part = rows[done:done + chunk]
                mine = ahead.pop(done, None)
                ahead.clear()
                if done + len(part) < len(rows):
                    ahead[done + len(part)] = _ahead(rows[done + len(part):done + len(part) + chunk],
                                                     model.blocking_rules)
                counts = await apply_rows(conn, feed, part, prepared=mine)
            await conn.execute(SQL["chunk_done"], feed_id, done + len(part), counts.linked, counts.created,
                               counts.review, counts.unchanged)
            feed.n_children += counts.created
        if on_chunk is not None:
            on_chunk(done + len(part), len(rows))
    async with conn.transaction():
        leavers = 0
        if feed.full and src.kind != "local_authority":
            leavers = await apply.end_leavers(conn, src.org_id, feed_id, feed.today)
        await conn.execute(SQL["done"], feed_id, leavers)
        await store.drop_rows(conn, feed_id)      # nothing of the file outlives its processing
        await store.purge_expired_files(conn)     # rows of feeds never processed, past their keep date
    log.info("feed_done", feed_id=str(feed_id), rows=len(rows), leavers=leavers)
    return "done"


async def _copy_keys(conn: asyncpg.Connection, csv: asyncio.Future) -> None:
    await records.copy_keys(conn, await csv)


async def apply_rows(conn: asyncpg.Connection, feed: Feed, rows: list[CensusRow],
                     prepared: asyncio.Future | None = None) -> Counts:
    """Resolve and apply one batch of rows (inside the caller's transaction); `prepared`,
    prepare(rows) if the caller started it."""
    src, model, counts = feed.source, feed.model, Counts()
    ready: Prepared | None = None
    if prepared is None:
        # Only the hashes now: the changed rows' table is built in a thread while they are written.
        hashes = {r.record_id: records.content_hash(r) for r in rows}
    await records.ensure_keys(conn, model.blocking_rules)
    if feed.format == "ctf":
        await records.rekey_former_upns(conn, src.org_id, rows)
    existing = await records.find(conn, src.org_id, [r.record_id for r in rows])
    if prepared is not None:
        ready = await prepared
        hashes = ready.hashes
    same, changed = [], []
    for r in rows:
        before = existing.get(r.record_id)
        if before is not None and before.content_hash == hashes[r.record_id]:
            same.append(before)
        else:
            changed.append(r)
    await records.touch(conn, feed.id, [e.id for e in same])
    counts.unchanged = len(same)
    present = [e.child_id for e in same if e.child_id]
    # The matching table of the rows to write: the prepared one when every row changed (a
    # first load, a new school), else built from the changed rows alone, while they are written.
    build = None if ready is not None and len(changed) == len(rows) else _ahead(changed, model.blocking_rules,
                                                                                hashes)
    ids = await records.upsert(conn, src.org_id, feed.id, changed, hashes, known=existing)
    if build is not None:
        ready = await build
    tbl, key_rows, keys = ready.tbl, ready.key_rows, ready.keys
    vocabs = tbl.vocabs
    sids = [ids[r.record_id][0] for r in changed]
    await records.count_names(conn, tbl, [k for k, r in enumerate(changed) if ids[r.record_id][1]])
    to_match, refresh = [], []
    for k, r in enumerate(changed):
        before = existing.get(r.record_id)
        if before is not None and before.child_id is not None:
            refresh.append(before.child_id)
            counts.linked += 1
        elif before is not None and before.review_id is not None:
            counts.review += 1
        else:
            to_match.append(k)
    # Candidates of the records to match: their keys, renumbered to positions in to_match.
    position = np.full(len(changed) + 1, -1, dtype=np.int64)
    position[to_match] = np.arange(len(to_match))
    wanted = position[key_rows] >= 0
    # A changed record's old keys go first, so that it cannot be its own candidate.
    await records.delete_keys(conn, [sids[k] for k, r in enumerate(changed) if not ids[r.record_id][1]])
    incoming = tbl.subset(to_match)
    # The batch's own keys, as CSV made in a thread while the candidates are found, are
    # written while it is scored (the candidates are read first, so that no row is its own).
    keys_csv = asyncio.ensure_future(asyncio.to_thread(records.keys_csv, sids, key_rows, keys))
    try:
        # The batch's rows are matched with each other in a thread while PostgreSQL finds their
        # candidates; the prior for those pairs: each row's possible partners are the index and the batch.
        within = await resolve.within_batch(conn, model, incoming, n_children=feed.n_children + len(incoming),
                                            cap=feed.cap)
        try:
            cands = await candidates.for_batch(conn, vocabs, position[key_rows[wanted]], keys[wanted],
                                             sids=[sids[k] for k in to_match], feed_id=feed.id, cap=feed.cap,
                                             before_records=asyncio.shield(within))
        finally:
            same_batch = await within   # the thread ends before any error of the connection's goes on
        cannot_create = np.array([apply.can_create(changed[k]) is not None for k in to_match], dtype=bool)
        outcomes = await resolve.resolve(conn, model, incoming, cands, n_children=max(feed.n_children, 1),
                                         same_batch=same_batch, cannot_create=cannot_create,
                                         alongside=lambda: _copy_keys(conn, keys_csv))
    finally:
        await asyncio.wait([keys_csv])   # as above: its thread ends first
    links, creating, reviews = [], [], []
    for k, outcome in zip(to_match, outcomes):
        row, sid = changed[k], sids[k]
        if outcome.decision == "auto":
            links.append((sid, outcome.child_id, "auto", outcome.weight))
            refresh.append(outcome.child_id)
            counts.linked += 1
        elif outcome.decision == "review":
            reviews.append((sid, outcome))
            counts.review += 1
        else:
            creating.append((sid, outcome.weight, apply.new_child(row, src.la_code)))
            counts.created += 1
    # The matching tables, the candidates and their scores are done with: they go before the
    # children are re-derived, so that the batch's peak memory does not hold both.
    del cands, incoming, tbl, vocabs, key_rows, keys, outcomes
    ready.tbl = ready.key_rows = ready.keys = None
    await apply.open_reviews(conn, reviews, src.la_code, feed.id)
    del reviews
    created = await registry.create_children(conn, [c for _, _, c in creating], source_org_id=src.org_id)
    links += [(sid, child_id, "new", weight) for (sid, weight, _), child_id in zip(creating, created)]
    await apply.link_many(conn, links, model_version=model.version, feed_id=feed.id)
    present += [child for _, child, _, _ in links]
    # A school's involvements are written while the children's records are re-derived.
    involved = None if src.kind == "local_authority" else (
        lambda: apply.ensure_involvements(conn, src.org_id, present, feed.today))
    await apply.refresh_children(conn, refresh, records=sids, alongside=involved)
    counts.children = apply.ordered(present + refresh)
    await apply.audit_batch(conn, feed_id=feed.id, submitted_by=feed.submitted_by, org_code=src.code, rows=len(rows),
                            child_ids=counts.children)
    return counts
