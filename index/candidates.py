"""Candidate generation, one module for feeds and practitioner search: the records the
matching engine scores an incoming record or a search against.

Candidates are the source records that share a stored blocking key with the incoming
record (matching.blocking.stored_keys, computed with the model's blocking rules), with
the child each is linked to. Blocks larger than the cap (counted over every stored
record) are skipped.

- Feeds (for_batch): a record with no child to offer (one waiting in review, or one that
  came in the same feed) is a candidate of its own that can only send the incoming
  record to review. Two paths give the same candidates: the bulk path COPYs the incoming
  keys into a staging table; the point path (a few records, an API write) inserts them
  from arrays. From there one set-based join finds the candidates, and the candidate
  records come back as CSV read column by column (Arrow), so a batch of 100,000 incoming
  rows costs a handful of statements, not a statement per row.
- Search (for_query): the children whose source records share a key with any reading of
  the query, every child born on the query's date of birth (as given, or with day and
  month swapped) with a name form near the query's, so that a child is found by forename
  and date of birth when the surname is new or badly misspelt, and children whose
  surname sounds right born a slip or a digit away (search_candidates.sql). Each
  candidate child is offered as its own index record and as each of its linked source
  records: the child is as near as the nearest of them (a former surname, a spelling
  another source used).

Name frequencies for term-frequency adjustment come from the whole index
(match_term_counts), for both.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass

import asyncpg
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from index import sql
from index.feeds import records, threads
from matching import blocking, table
from matching.score import Frequencies
from matching.table import Table

BULK_FROM = 200     # incoming records at which the staging-table path is used

STAGE = ("DROP TABLE IF EXISTS feed_keys",
         "CREATE TEMP TABLE feed_keys (i integer NOT NULL, key bigint NOT NULL) ON COMMIT DROP")
STAGE_ARRAYS = "INSERT INTO feed_keys (i, key) SELECT * FROM unnest($1::integer[], $2::bigint[])"
# The stored records under each wanted key come from the index alone ($1: the distinct
# keys, sorted), but not those of a block over the cap ($2; counted over every stored
# record); the candidate records are numbered (idx) in the order of their ids.
JOIN = (
    "DROP TABLE IF EXISTS feed_hits",
    """CREATE TEMP TABLE feed_hits ON COMMIT DROP AS
       SELECT key, source_record_id
         FROM (SELECT key, source_record_id, count(*) OVER (PARTITION BY key) AS n
                 FROM match_keys WHERE key = ANY($1::bigint[])) h
        WHERE n <= $2::bigint""",
    "ANALYZE feed_keys",   # the planner needs the sizes: a nested loop over a million pairs takes minutes
    "ANALYZE feed_hits",
    "DROP TABLE IF EXISTS feed_candidates",
    """CREATE TEMP TABLE feed_candidates ON COMMIT DROP AS
       SELECT (row_number() OVER (ORDER BY source_record_id) - 1)::integer AS idx, source_record_id
         FROM (SELECT DISTINCT source_record_id FROM feed_hits) c""",
)
HITS_AT = JOIN[1]
# Hash joins and aggregates over a batch's million pairs in memory, not spilled to disk
# (this transaction only).
WORK_MEM = "SET LOCAL work_mem = '256MB'"
# Each (incoming row, candidate) pair once for each key they share: made distinct in numpy,
# not by an aggregate over a million pairs here.
PAIRS = ("SELECT fk.i, c.idx FROM feed_keys fk JOIN feed_hits h ON h.key = fk.key"
         " JOIN feed_candidates c ON c.source_record_id = h.source_record_id")
# "Not this child" rules a pair out for good.
RULED_OUT = "SELECT source_record_id, child_id FROM not_matches WHERE source_record_id = ANY($1::uuid[])"
# The candidate records ($1: the incoming records' feed), each with its child, or none when
# it has none to offer: it came in the same feed. No ORDER BY: a sort would hold back the
# first row until the whole join is done, where unsorted rows stream while the joins run,
# side by side with the matching table being built from them (_candidate_records puts
# them in idx order).
RECORDS = ("SELECT c.idx, c.source_record_id AS record_id, "
           "CASE WHEN sr.last_feed_id IS DISTINCT FROM $1::uuid THEN l.child_id END AS child_id, "
           "coalesce(ch.shielded, false) AS shielded, sr.last_feed_id IS NOT DISTINCT FROM $1::uuid AS same_feed, "
           + records.MATCH_FIELDS
           + " FROM feed_candidates c JOIN source_records sr ON sr.id = c.source_record_id"
           " LEFT JOIN links l ON l.source_record_id = c.source_record_id AND l.unlinked_at IS NULL"
           " LEFT JOIN children ch ON ch.id = l.child_id " + records.MATCH_CARERS)


@dataclass
class Candidates:
    """Candidate pairs (incoming row ri[k], candidate record li[k]) and the records."""
    ri: np.ndarray
    li: np.ndarray
    existing: Table                     # the candidate source records; ids are their uuids as text
    record_child: np.ndarray            # each candidate record's "child": an index into children
    children: list[str | None]          # a child id, or None: a record with no child to offer, one of its own
    shielded: np.ndarray                # each candidate record's child is shielded
    same_feed: np.ndarray | None = None  # each candidate record came in the incoming records' own feed

    @property
    def child(self) -> list[uuid.UUID | None]:
        """Each candidate record's child."""
        return [uuid.UUID(c) if c else None for c in (self.children[k] for k in self.record_child)]




async def for_batch(conn: asyncpg.Connection, vocabs: table.Vocabs, rows: np.ndarray, keys: np.ndarray, *,
                     sids: list[uuid.UUID | None], feed_id: uuid.UUID | None, cap: int,
                     bulk: bool | None = None, before_records: Awaitable[object] | None = None) -> Candidates:
    """Candidates of incoming rows whose stored keys are (rows[k], keys[k]); sids[i] is
    incoming row i's source record, if it has one (for "not this child"). Runs inside
    the caller's transaction (its staging tables go at commit). `before_records`: awaited
    once the join is done, before the candidate records are added to `vocabs` (work the
    caller runs in a thread meanwhile, which must not see the vocabularies grow)."""
    bulk = bulk if bulk is not None else len(sids) >= BULK_FROM

    async def stage() -> None:
        for statement in STAGE:
            await conn.execute(statement)
        if bulk:
            await records.copy_in(conn, "feed_keys", pa.table({"i": pa.array(rows, pa.int32()),
                                                              "key": pa.array(keys, pa.int64())}))
        else:
            await conn.execute(STAGE_ARRAYS, rows.astype(np.int32).tolist(), keys.tolist())
        await conn.execute(WORK_MEM)

    # The distinct keys are made (in a thread, for a feed's batch) while the keys are staged.
    distinct = await threads.beside(lambda: np.unique(keys).tolist(), stage(), thread=bulk)
    args = {HITS_AT: (distinct, cap)}
    for statement in JOIN:
        await conn.execute(statement, *args.get(statement, ()))

    async def candidate_records() -> tuple:
        if before_records is not None:
            await before_records
        return await _candidate_records(conn, vocabs, feed_id)

    # Each pair once, made in a thread while the candidate records are read.
    pairs = functools.partial(_distinct_pairs, await records.copy_out(conn, PAIRS))
    reading = asyncio.ensure_future(candidate_records())    # after the copy: one statement at a time
    ri, li = await threads.beside(pairs, reading, thread=bulk)
    numbers, existing, record_child, children, shielded, same_feed = reading.result()
    # A stored key can outlive its record (keys are derived data, with no foreign key): such
    # a record is not read back, and its pairs go. The others are renumbered in order.
    position = np.full(int(max(li.max(initial=-1), numbers.max(initial=-1))) + 1, -1, dtype=np.int64)
    position[numbers] = np.arange(len(numbers))
    li = position[li]
    ri, li = ri[li >= 0], li[li >= 0]
    ruled_out = await conn.fetch(RULED_OUT, [s for s in sids if s is not None])
    if ruled_out:
        index = {sid: i for i, sid in enumerate(sids)}
        out = {(index[r["source_record_id"]], str(r["child_id"])) for r in ruled_out}
        keep = np.array([(i, children[record_child[k]]) not in out for i, k in zip(ri.tolist(), li.tolist())],
                        dtype=bool)
        ri, li = ri[keep], li[keep]
    order = np.lexsort((li, ri))
    return Candidates(ri[order], li[order], existing, record_child, children, shielded, same_feed)


def _distinct_pairs(pairs: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """(incoming row, candidate) of PAIRS' rows, each pair once, in order."""
    if not pairs.num_rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ri = pairs.column("i").to_numpy().astype(np.int64)
    li = pairs.column("idx").to_numpy().astype(np.int64)
    size = int(li.max()) + 1
    both = np.unique(ri * size + li)
    return both // size, both % size


async def _candidate_records(conn: asyncpg.Connection, vocabs: table.Vocabs, feed_id: uuid.UUID | None):
    """The batch's candidate records (feed_candidates, in idx order) as a matching table
    built a slice at a time, with their numbers (idx); each record's "child" (its child, or
    one of its own when it has none to offer), and whether it is shielded or came in the
    same feed."""
    text = records.MATCH_TEXT + ("child_id", "shielded", "same_feed")

    def piece(rows: pa.Table) -> tuple:
        """One piece of the records (in a thread, one piece at a time: the vocabularies grow in order)."""
        numbers = np.asarray(rows.column("idx").to_numpy(zero_copy_only=False), np.int64)
        return (records.match_table(vocabs, rows, known_ids_only=True), numbers, rows.column("child_id"),
                pc.equal(rows.column("shielded"), "t").to_numpy(zero_copy_only=False),
                pc.equal(rows.column("same_feed"), "t").to_numpy(zero_copy_only=False))

    pieces = await records.copy_out_pieces(conn, RECORDS, feed_id, text=text, handle=piece)
    parts, idx, child_ids, shielded, same_feed = (list(x) for x in zip(*pieces)) if pieces else ([], [], [], [], [])
    # The rows came in the join's order: row k of each result below is the record numbered k.
    numbers = np.concatenate(idx) if idx else np.zeros(0, np.int64)
    order = np.argsort(numbers, kind="stable")
    existing = table.Table.concat(vocabs, parts).subset(order)
    child_ids = pa.chunked_array([c for chunked in child_ids for c in chunked.chunks], pa.string()).take(order)
    encoded = pc.dictionary_encode(child_ids).combine_chunks()
    children = encoded.dictionary.to_pylist()
    record_child = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    if "" in children:
        pending = np.flatnonzero(record_child == children.index(""))
        record_child[pending] = len(children) + np.arange(len(pending))
        children += [None] * len(pending)
    flags = [np.concatenate(f)[order] if f else np.zeros(0, dtype=bool) for f in (shielded, same_feed)]
    return numbers[order], existing, record_child, children, flags[0], flags[1]


TERM_KINDS = {"forename": "forename", "surname": "surname", "address": "carer_forename"}   # comparison -> kind
TOTALS = "SELECT kind, sum(n)::bigint FROM match_term_counts WHERE kind = ANY($1::text[]) GROUP BY kind"


async def term_totals(conn: asyncpg.Connection) -> dict[str, int]:
    """How many names of each kind the index has counted (match_term_counts)."""
    return dict(await conn.fetch(TOTALS, list(TERM_KINDS.values())))


async def frequencies(conn: asyncpg.Connection, comparisons, existing: Table, incoming: Table, *,
                      only: list[str] | None = None, totals: dict[str, int] | None = None) -> Frequencies:
    """Name frequencies from the whole index (match_term_counts); other comparisons'
    from the records at hand. `only`: the names whose counts are wanted (term frequency
    weighs an agreeing value, so a search needs only its own names); default all.
    `totals`: term_totals, if the caller has them."""
    freq = Frequencies.of(existing, incoming, comparisons=comparisons)
    kinds = TERM_KINDS
    wanted = [c.name for c in comparisons if c.tf and c.name in kinds]
    if not wanted:
        return freq
    names = existing.vocabs.names.values
    rows = await conn.fetch(
        "SELECT kind, value, n FROM match_term_counts WHERE kind = ANY($1::text[]) AND value = ANY($2::text[])",
        [kinds[w] for w in wanted], names if only is None else only)
    if totals is None:
        totals = dict(await conn.fetch(TOTALS, [kinds[w] for w in wanted]))
    codes = existing.vocabs.names.codes
    for name in wanted:
        kind = kinds[name]
        counts = np.zeros(len(names) + 1, dtype=np.int64)
        for r in rows:
            if r["kind"] == kind:
                code = codes.get(r["value"])
                if code is not None:
                    counts[code] = r["n"]
        freq.counts[name] = counts
        freq.total[name] = int(totals.get(kind) or 0) or 1
    return freq


@dataclass
class QueryCandidates:
    """A search's candidate records (each child's index record, and its linked source
    records) and the children they belong to."""
    records: Table
    owner: np.ndarray                   # per record: its child, an index into children
    children: list[dict]                # per child: the index record's fields, "id" a UUID, "shielded"


NAME_FIELDS = ("forename", "middle_names", "surname", "preferred_forename", "preferred_surname", "former_surname")
# The fields a query can agree with (it has no address line nor town): the others are
# not built into the candidates' matching table.
MATCHED_FIELDS = (*NAME_FIELDS, "gender", "postcode")
# And those a hit shows, from the index record.
SEARCH_FIELDS = (*MATCHED_FIELDS, "address_line1", "address_line2", "town")


async def for_query(conn: asyncpg.Connection, vocabs: table.Vocabs, readings: Table, *,
                    rules: tuple[blocking.Rule, ...], dobs: list[dt.date], surnames: list[str],
                    near_dates: list[dt.date], forename: str, surname: str, cap: int) -> QueryCandidates:
    """Candidates of a search whose readings (the query as given, and as it may have been
    meant) are the rows of `readings`; `dobs`, the dates of birth every child born on is
    a candidate when a name form is near `forename` or `surname` (folded); `surnames`
    (search keys) sounded near `near_dates` (search_candidates.sql)."""
    _, keys = blocking.stored_keys(readings, rules)
    rows = await conn.fetch(sql.load("search_candidates"), np.unique(keys).tolist(), cap, dobs, surnames,
                            near_dates, forename, surname)
    index: dict[uuid.UUID, int] = {}
    children: list[dict] = []
    found: list[dict] = []
    owner: list[int] = []
    seen: set[tuple] = set()
    for r in sorted(rows, key=lambda r: r["kind"]):   # index records ('c') first
        child = r["child_id"]
        if r["kind"] == "c":
            index[child] = len(children)
            children.append({"id": child, "dob": r["dob"], "shielded": r["shielded"],
                             **{f: r[f] for f in SEARCH_FIELDS}})
        k = index.get(child)
        if k is None:
            continue
        same = (k, r["dob"], (r["gender"] or "")[:1].upper(), "".join((r["postcode"] or "").split()).upper(),
                *((r[f] or "").casefold() for f in NAME_FIELDS))
        if same in seen:   # a source record that says what the index record says
            continue
        seen.add(same)
        owner.append(k)
        found.append({"record_id": f"{r['kind']}:{child}", "dob": r["dob"].isoformat() if r["dob"] else "",
                      **{f: r[f] or "" for f in MATCHED_FIELDS}})
    return QueryCandidates(table.build(vocabs, found), np.asarray(owner, dtype=np.int64), children)
