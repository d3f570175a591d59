"""Identity resolution in the index: candidates from stored blocking keys, the matching
engine's decision, then a link, a new child or a review item.

Candidates are the children linked to source records that share a blocking key with
the incoming record. Two paths give the same candidates: the bulk path COPYs the
incoming keys into a staging table and joins once; the point path (a few records, an
API write) passes them as arrays. Scoring and decisions are matching's own code.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import asyncpg
import numpy as np
import structlog

from index.feeds import records
from matching import compare, decide, model as mmodel, table
from matching.score import Frequencies, Scorer, explain
from matching.table import Table

log = structlog.get_logger()

BULK_FROM = 200     # incoming records at which the staging-table path is used

# Existing records sharing each wanted key, with the key's block size (counted on the
# existing side); blocks over the cap are skipped. The fan-out to incoming records is
# done by the caller: a join back to the wanted keys misleads the planner (it expects
# one row per block and nests loops over every pair).
_HITS = """
hits AS (
    SELECT w.rule, w.key, mk.source_record_id, l.child_id,
           count(*) OVER (PARTITION BY w.rule, w.key) AS n
      FROM wanted w
      JOIN match_keys mk ON mk.rule = w.rule AND mk.key = w.key
      JOIN links l ON l.source_record_id = mk.source_record_id AND l.unlinked_at IS NULL)
SELECT rule, key, source_record_id, child_id FROM hits WHERE n <= $1
"""
HITS_STAGED = "WITH wanted AS (SELECT rule, key FROM feed_keys)," + _HITS
HITS_ARRAYS = "WITH wanted AS (SELECT * FROM unnest($2::text[], $3::text[]) AS t(rule, key))," + _HITS


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


async def candidates(conn: asyncpg.Connection, keys: list[list[tuple[str, str]]], *, cap: int,
                     bulk: bool | None = None) -> list[tuple[int, uuid.UUID, uuid.UUID]]:
    """(incoming index, candidate source record, its child) for every shared key."""
    wanted: dict[tuple[str, str], list[int]] = {}
    for i, ks in enumerate(keys):
        for rule, key in ks:
            wanted.setdefault((rule, key[:300]), []).append(i)
    if not wanted:
        return []
    if bulk if bulk is not None else len(keys) >= BULK_FROM:
        await conn.execute("CREATE TEMP TABLE IF NOT EXISTS feed_keys (rule text, key text) ON COMMIT DROP")
        await conn.execute("TRUNCATE feed_keys")
        await conn.copy_records_to_table("feed_keys", records=list(wanted), columns=["rule", "key"])
        rows = await conn.fetch(HITS_STAGED, cap)
    else:
        rows = await conn.fetch(HITS_ARRAYS, cap, [w[0] for w in wanted], [w[1] for w in wanted])
    pairs = {(i, r["source_record_id"], r["child_id"]) for r in rows for i in wanted[(r["rule"], r["key"])]}
    return sorted(pairs)


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


async def resolve(conn: asyncpg.Connection, model: mmodel.Model, incoming: Table,
                  pairs: list[tuple[int, uuid.UUID, uuid.UUID]], *, n_children: int,
                  excluded: set[tuple[int, uuid.UUID]] = frozenset(),
                  shielded: set[uuid.UUID] = frozenset(), max_candidates: int = 5) -> list[Outcome]:
    """Score each incoming record against its candidates and decide, per child."""
    n = len(incoming)
    pairs = [p for p in pairs if (p[0], p[2]) not in excluded]
    if not pairs:
        return [Outcome("new") for _ in range(n)]
    cand_ids = sorted({p[1] for p in pairs})
    position = {sid: k for k, sid in enumerate(cand_ids)}
    existing = table.build(incoming.vocabs, await records.load(conn, cand_ids))
    children = sorted({p[2] for p in pairs})
    child_index = {c: k for k, c in enumerate(children)}
    ri = np.array([p[0] for p in pairs], dtype=np.int64)
    li = np.array([position[p[1]] for p in pairs], dtype=np.int64)
    ci = np.array([child_index[p[2]] for p in pairs], dtype=np.int64)
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
    by_incoming: dict[int, list[int]] = {}
    for k in keep:
        by_incoming.setdefault(int(ri[k]), []).append(int(k))
    out = []
    for d in decisions:
        ks = sorted(by_incoming.get(d.incoming, []), key=lambda k: -weights[k])
        near = [k for k in ks if weights[k] >= review_bits]
        outcome = Outcome(d.decision, weight=d.weight, reasons=list(d.reasons))
        outcome.shielded = any(children[ci[k]] in shielded for k in near)
        if outcome.shielded and d.decision != "review":
            # Never a new duplicate of a shielded child, nor a silent link to one.
            outcome.decision = "review"
            outcome.reasons.append("shielded_candidate")
        if outcome.decision == "auto":
            outcome.child_id = children[d.existing]
        elif outcome.decision == "review":
            outcome.candidates = [(children[ci[k]], round(float(weights[k]), 2),
                                   [list(x) for x in explain(levels[k], contributions[k], comparisons)])
                                  for k in near[:max_candidates]]
        out.append(outcome)
    return out
