"""Identity resolution in the index: candidates from stored blocking keys, the matching
engine's decision, then a link, a new child or a review item.

Candidates are the source records that share a stored blocking key with an incoming
record (matching.blocking.stored_keys), with the child each is linked to. A record with
no child to offer (one waiting in review, or one that came in the same feed) is a
candidate of its own that can only send the incoming record to review: a source's two
records are two children by that source's own account, unless a data manager decides
otherwise. Rows of one batch are checked against each other in memory (within_batch).

Two paths give the same candidates: the bulk path COPYs the incoming keys into a
staging table; the point path (a few records, an API write) inserts them from arrays.
From there one set-based join finds the candidates, and the candidate records come back
as CSV read column by column (Arrow), so a batch of 100,000 incoming rows costs a
handful of statements, not a statement per row. Scoring and decisions are matching's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import asyncpg
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import structlog

from index.feeds import records
from matching import blocking, compare, decide, model as mmodel, table
from matching.score import Frequencies, Scorer, explain
from matching.table import Table

log = structlog.get_logger()

BULK_FROM = 200     # incoming records at which the staging-table path is used

STAGE = ("DROP TABLE IF EXISTS feed_keys",
         "CREATE TEMP TABLE feed_keys (i integer NOT NULL, key bigint NOT NULL) ON COMMIT DROP")
STAGE_ARRAYS = "INSERT INTO feed_keys (i, key) SELECT * FROM unnest($1::integer[], $2::bigint[])"
# The stored records under each wanted key come from the index alone ($1: the distinct
# keys, sorted); blocks over the cap (counted over every stored record) are skipped; the
# candidate records are numbered (idx) in the order they are read back.
JOIN = (
    "DROP TABLE IF EXISTS feed_hits",
    """CREATE TEMP TABLE feed_hits ON COMMIT DROP AS
       SELECT key, source_record_id FROM match_keys WHERE key = ANY($1::bigint[])""",
    "ANALYZE feed_keys",   # the planner needs the sizes: a nested loop over a million pairs takes minutes
    "ANALYZE feed_hits",
    "DROP TABLE IF EXISTS feed_pairs",
    """CREATE TEMP TABLE feed_pairs ON COMMIT DROP AS
       WITH blocks AS (SELECT key FROM feed_hits GROUP BY key HAVING count(*) <= $1::bigint)
       SELECT DISTINCT fk.i, h.source_record_id
         FROM feed_hits h JOIN blocks b ON b.key = h.key JOIN feed_keys fk ON fk.key = h.key""",
    "ANALYZE feed_pairs",
    "DROP TABLE IF EXISTS feed_candidates",
    """CREATE TEMP TABLE feed_candidates ON COMMIT DROP AS
       SELECT (row_number() OVER (ORDER BY c.source_record_id) - 1)::integer AS idx, c.source_record_id,
              CASE WHEN sr.last_feed_id IS DISTINCT FROM $1::uuid THEN l.child_id END AS child_id,
              coalesce(ch.shielded, false) AS shielded, sr.last_feed_id IS NOT DISTINCT FROM $1::uuid AS same_feed
         FROM (SELECT DISTINCT source_record_id FROM feed_pairs) c
         JOIN source_records sr ON sr.id = c.source_record_id
         LEFT JOIN links l ON l.source_record_id = c.source_record_id AND l.unlinked_at IS NULL
         LEFT JOIN children ch ON ch.id = l.child_id""",
)
HITS_AT, PAIRS_AT, CANDIDATES_AT = JOIN[1], JOIN[5], JOIN[8]
# Hash joins and aggregates over a batch's million pairs in memory, not spilled to disk
# (this transaction only).
WORK_MEM = "SET LOCAL work_mem = '256MB'"
PAIRS = "SELECT p.i, c.idx FROM feed_pairs p JOIN feed_candidates c USING (source_record_id)"
# "Not this child" rules a pair out for good.
RULED_OUT = "SELECT source_record_id, child_id FROM not_matches WHERE source_record_id = ANY($1::uuid[])"
RECORDS = ("SELECT c.idx, c.source_record_id AS record_id, c.child_id, c.shielded, c.same_feed, "
           + records.MATCH_FIELDS
           + " FROM feed_candidates c JOIN source_records sr ON sr.id = c.source_record_id " + records.MATCH_CARERS
           + " ORDER BY c.idx")


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


@dataclass
class Outcome:
    """The engine's answer for one incoming record."""
    decision: str                                   # auto | review | new
    child_id: uuid.UUID | None = None               # the link (auto)
    weight: float | None = None
    reasons: list[str] = field(default_factory=list)
    shielded: bool = False
    # Review candidates, best first: (child id, weight, explanation)
    candidates: list[tuple[uuid.UUID, float, list]] = field(default_factory=list)


async def candidates(conn: asyncpg.Connection, vocabs: table.Vocabs, rows: np.ndarray, keys: np.ndarray, *,
                     sids: list[uuid.UUID | None], feed_id: uuid.UUID | None, cap: int,
                     bulk: bool | None = None) -> Candidates:
    """Candidates of incoming rows whose stored keys are (rows[k], keys[k]); sids[i] is
    incoming row i's source record, if it has one (for "not this child"). Runs inside
    the caller's transaction (its staging tables go at commit)."""
    for statement in STAGE:
        await conn.execute(statement)
    if bulk if bulk is not None else len(sids) >= BULK_FROM:
        await records.copy_in(conn, "feed_keys", pa.table({"i": pa.array(rows, pa.int32()),
                                                          "key": pa.array(keys, pa.int64())}))
    else:
        await conn.execute(STAGE_ARRAYS, rows.astype(np.int32).tolist(), keys.tolist())
    await conn.execute(WORK_MEM)
    wanted = np.unique(keys).tolist()
    args = {HITS_AT: (wanted,), PAIRS_AT: (cap,), CANDIDATES_AT: (feed_id,)}
    for statement in JOIN:
        await conn.execute(statement, *args.get(statement, ()))
    pairs = await records.copy_out(conn, PAIRS)
    ri = pairs.column("i").to_numpy().astype(np.int64) if pairs.num_rows else np.zeros(0, np.int64)
    li = pairs.column("idx").to_numpy().astype(np.int64) if pairs.num_rows else np.zeros(0, np.int64)
    del pairs
    existing, record_child, children, shielded, same_feed = await _candidate_records(conn, vocabs)
    ruled_out = await conn.fetch(RULED_OUT, [s for s in sids if s is not None])
    if ruled_out:
        index = {sid: i for i, sid in enumerate(sids)}
        out = {(index[r["source_record_id"]], str(r["child_id"])) for r in ruled_out}
        keep = np.array([(i, children[record_child[k]]) not in out for i, k in zip(ri.tolist(), li.tolist())],
                        dtype=bool)
        ri, li = ri[keep], li[keep]
    order = np.lexsort((li, ri))
    return Candidates(ri[order], li[order], existing, record_child, children, shielded, same_feed)


async def _candidate_records(conn: asyncpg.Connection, vocabs: table.Vocabs):
    """The batch's candidate records (feed_candidates, in idx order) as a matching table
    built a slice at a time; each record's "child" (its child, or one of its own when it
    has none to offer), and whether it is shielded or came in the same feed."""
    parts, child_ids, shielded, same_feed = [], [], [], []
    text = records.MATCH_TEXT + ("child_id", "shielded", "same_feed")
    async for batch in records.copy_out_batches(conn, RECORDS, text=text):
        parts.append(records.match_table(vocabs, batch, known_ids_only=True))
        child_ids.append(batch.column("child_id"))
        shielded.append(pc.equal(batch.column("shielded"), "t").to_numpy(zero_copy_only=False))
        same_feed.append(pc.equal(batch.column("same_feed"), "t").to_numpy(zero_copy_only=False))
    existing = table.Table.concat(vocabs, parts)
    encoded = pc.dictionary_encode(pa.chunked_array(child_ids, pa.string())).combine_chunks()
    children = encoded.dictionary.to_pylist()
    record_child = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    if "" in children:
        pending = np.flatnonzero(record_child == children.index(""))
        record_child[pending] = len(children) + np.arange(len(pending))
        children += [None] * len(pending)
    flags = [np.concatenate(f) if f else np.zeros(0, dtype=bool) for f in (shielded, same_feed)]
    return existing, record_child, children, flags[0], flags[1]


async def frequencies(conn: asyncpg.Connection, comparisons, existing: Table, incoming: Table) -> Frequencies:
    """Name frequencies from the whole index (match_term_counts); other comparisons'
    from the records at hand."""
    freq = Frequencies.of(existing, incoming, comparisons=comparisons)
    kinds = {"forename": "forename", "surname": "surname", "address": "carer_forename"}
    wanted = [c.name for c in comparisons if c.tf and c.name in kinds]
    if not wanted:
        return freq
    names = existing.vocabs.names.values
    rows = await conn.fetch(
        "SELECT kind, value, n FROM match_term_counts WHERE kind = ANY($1::text[]) AND value = ANY($2::text[])",
        [kinds[w] for w in wanted], names)
    totals = dict(await conn.fetch(
        "SELECT kind, sum(n)::bigint FROM match_term_counts WHERE kind = ANY($1::text[]) GROUP BY kind",
        [kinds[w] for w in wanted]))
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


async def resolve(conn: asyncpg.Connection, model: mmodel.Model, incoming: Table, cands: Candidates, *,
                  n_children: int, max_candidates: int = 5) -> list[Outcome]:
    """Score each incoming record against its candidates and decide, per child.

    A candidate record with no child to offer counts as a child of its own. One waiting
    in review, at or above the review band, sends the incoming record to review too
    (twins whose records both await review must not be linked to one child). One from
    the same feed does so when the pair would auto-link on its own (_would_link): one
    school's two records of one child are for a person to see, its twins are not."""
    n = len(incoming)
    ri, li, existing = cands.ri, cands.li, cands.existing
    if len(ri) == 0:
        return [Outcome("new") for _ in range(n)]
    children, record_child = cands.children, cands.record_child
    pending = np.array([c is None for c in children], dtype=bool)
    shielded_child = np.zeros(len(children), dtype=bool)
    shielded_child[record_child[cands.shielded]] = True
    same_feed_child = np.zeros(len(children), dtype=bool)
    if cands.same_feed is not None:
        same_feed_child[record_child[cands.same_feed]] = True
    in_review = pending & ~same_feed_child
    ci = record_child[li]
    comparisons = model.comparisons
    levels = compare.compare(existing, incoming, li, ri, comparisons)
    scorer = Scorer(model, max(n_children, 1), await frequencies(conn, comparisons, existing, incoming))
    contributions = scorer.contributions(levels, existing, incoming, li, ri)
    weights = scorer.weights(contributions)
    # One score per (incoming record, child): the child's best source record.
    order = np.lexsort((-weights, ci, ri))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (ri[order][1:] != ri[order][:-1]) | (ci[order][1:] != ci[order][:-1])
    keep = order[first]
    decisions = decide.decide(ri[keep], ci[keep], weights[keep], levels[keep], n, model.thresholds,
                              twins_guard=model.rules.twins_guard, comparisons=comparisons,
                              max_candidates=max_candidates)
    review_bits = mmodel.bits(model.thresholds.review)
    # Per incoming record: any candidate in the review band that is shielded, or pending.
    near = keep[weights[keep] >= review_bits]
    near_shielded = np.bincount(ri[near][shielded_child[ci[near]]], minlength=n) > 0
    near_in_review = np.bincount(ri[near][in_review[ci[near]]], minlength=n) > 0
    same = keep[same_feed_child[ci[keep]]]
    same = same[_would_link(model, levels[same], weights[same])]
    near_same_feed = np.bincount(ri[same], minlength=n) > 0
    by_weight = keep[np.lexsort((-weights[keep], ri[keep]))]
    bounds = np.searchsorted(ri[by_weight], np.arange(n + 1))
    out = []
    for d in decisions:
        outcome = Outcome(d.decision, weight=d.weight, reasons=list(d.reasons))
        outcome.shielded = bool(near_shielded[d.incoming])
        if outcome.shielded and d.decision != "review":
            # Never a new duplicate of a shielded child, nor a silent link to one.
            outcome.decision = "review"
            outcome.reasons.append("shielded_candidate")
        for flagged, reason in ((near_in_review, "candidate_in_review"), (near_same_feed, "same_feed_candidate")):
            if flagged[d.incoming] and outcome.decision != "review":
                outcome.decision = "review"
                outcome.reasons.append(reason)
        if outcome.decision == "auto":
            outcome.child_id = uuid.UUID(children[d.existing])
        elif outcome.decision == "review":
            ks = by_weight[bounds[d.incoming]:bounds[d.incoming + 1]]
            ks = [k for k in ks if weights[k] >= review_bits and not pending[ci[k]]]
            outcome.candidates = [(uuid.UUID(children[ci[k]]), round(float(weights[k]), 2),
                                   [list(x) for x in explain(levels[k], contributions[k], comparisons)])
                                  for k in ks[:max_candidates]]
        out.append(outcome)
    return out


async def within_batch(conn: asyncpg.Connection, model: mmodel.Model, incoming: Table, *, n_children: int,
                       cap: int) -> np.ndarray:
    """Rows of one batch that would auto-link to an earlier row of the batch (the batch's
    rows are not in the index yet, so the candidate join cannot see them): as when the
    earlier row came in an earlier batch, the first is resolved and the later one is held
    for review."""
    near = np.zeros(len(incoming), dtype=bool)
    if len(incoming) < 2:
        return near
    blocked = blocking.block(incoming, incoming, model.blocking_rules, cap=cap)
    other = blocked.left < blocked.right
    li, ri = blocked.left[other], blocked.right[other]
    if len(li) == 0:
        return near
    levels = compare.compare(incoming, incoming, li, ri, model.comparisons)
    scorer = Scorer(model, max(n_children, 1), await frequencies(conn, model.comparisons, incoming, incoming))
    weights = scorer.weights(scorer.contributions(levels, incoming, incoming, li, ri))
    near[ri[_would_link(model, levels, weights)]] = True
    return near


def _would_link(model: mmodel.Model, levels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Pairs the engine would auto-link on their own: in the auto band, and neither twins
    (the twins guard) nor holding different identifiers. Two records from one source are
    held for review only then: twins at one school score in the review band, and are two
    children by the school's own account."""
    columns = decide.Columns(model.comparisons)
    held = decide.identifier_conflict(levels, columns)
    if model.rules.twins_guard:
        held |= decide.twins(levels, columns)
    return (weights >= mmodel.bits(model.thresholds.auto)) & ~held
