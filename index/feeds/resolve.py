"""Identity resolution in the index: the matching engine's decision on candidates
(index.candidates), then a link, a new child or a review item.

A candidate record with no child to offer (one waiting in review, or one that came in
the same feed) is a candidate of its own that can only send the incoming record to
review: a source's two records are two children by that source's own account, unless a
data manager decides otherwise. Rows of one batch are checked against each other in
memory (within_batch). Scoring and decisions are matching's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import asyncpg
import numpy as np

from index.candidates import Candidates, frequencies
from matching import blocking, compare, decide, model as mmodel
from matching.score import Scorer, explain
from matching.table import Table

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
    freq = await frequencies(conn, comparisons, existing, incoming)
    scorer = Scorer(model, max(n_children, 1), freq)
    contributions = scorer.contributions(levels, existing, incoming, li, ri)
    weights = scorer.weights(contributions)
    # One score per (incoming record, child): the child's best source record.
    order = np.lexsort((-weights, ci, ri))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (ri[order][1:] != ri[order][:-1]) | (ci[order][1:] != ci[order][:-1])
    keep = order[first]
    decisions = decide.decide(ri[keep], ci[keep], weights[keep], levels[keep], n, model.thresholds,
                              twins_guard=model.rules.twins_guard, comparisons=comparisons,
                              max_candidates=max_candidates, batch_twins=decide.batch_twins(incoming),
                              middle_forename=compare.forename_is_middle(existing, incoming, li[keep], ri[keep]),
                              slip=compare.forename_slip(existing, incoming, li[keep], ri[keep], freq.counts.get("forename")))
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
