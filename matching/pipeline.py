"""The one pipeline from candidate pairs to decisions: compare -> score -> decide.

Candidates come from elsewhere: blocking in memory (matching.linker, and a feed batch's
rows against each other), or the index's own candidate queries (index.candidates, for
feeds and for search). Everything after that is here, once:

- score(): compare each pair and weigh it with the model and term frequencies;
- decide(): one decision per incoming record, per candidate child (a child offered by
  several records counts by its best), with the index's facts (matching.decide.Facts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching import compare, decide as rules
from matching.model import Model, bits
from matching.score import Frequencies, Scorer
from matching.table import Table


@dataclass
class Scored:
    """Candidate pairs (existing row left[k], incoming row right[k]) with their levels,
    bits per comparison and weights."""
    left: np.ndarray
    right: np.ndarray
    levels: np.ndarray
    contributions: np.ndarray
    weights: np.ndarray
    frequencies: Frequencies


def score(model: Model, existing: Table, incoming: Table, left: np.ndarray, right: np.ndarray,
          frequencies: Frequencies, *, n_existing: int) -> Scored:
    """Compare and weigh each pair. n_existing: the size of the population the incoming
    records could belong to (the model's prior)."""
    levels = compare.compare(existing, incoming, left, right, model.comparisons)
    scorer = Scorer(model, max(n_existing, 1), frequencies)
    contributions = scorer.contributions(levels, existing, incoming, left, right)
    return Scored(left, right, levels, contributions, scorer.weights(contributions), frequencies)


def best_per_child(scored: Scored, child: np.ndarray) -> np.ndarray:
    """Per (incoming record, child): the pair with the highest weight (child[k]: pair k's
    child). The pairs' positions, by incoming record."""
    order = np.lexsort((-scored.weights, child, scored.right))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (scored.right[order][1:] != scored.right[order][:-1]) | (child[order][1:] != child[order][:-1])
    return order[first]


def decide(model: Model, existing: Table, incoming: Table, scored: Scored, *, child: np.ndarray | None = None,
           facts: rules.Facts | None = None, max_candidates: int = 5) -> tuple[list[rules.Decision], np.ndarray]:
    """One decision per incoming record. child[k]: the child pair k offers (default: each
    existing record is a child of its own); facts are indexed by child. Returns the
    decisions, whose `existing` and candidates are children and whose `pair` and
    `pairs` index `kept`, and `kept`: the pairs decided on (each child's best)."""
    if child is None:
        kept, child = np.arange(len(scored.left)), scored.left
    else:
        kept = best_per_child(scored, child)
    li, ri = scored.left[kept], scored.right[kept]
    decisions = rules.decide(
        ri, child[kept], scored.weights[kept], scored.levels[kept], len(incoming), model.thresholds,
        twins_guard=model.rules.twins_guard, comparisons=model.comparisons, max_candidates=max_candidates,
        batch_twins=rules.batch_twins(incoming),
        middle_forename=compare.forename_is_middle(existing, incoming, li, ri),
        slip=compare.forename_slip(existing, incoming, li, ri, scored.frequencies.counts.get("forename")),
        facts=facts)
    return decisions, kept


def would_link(model: Model, scored: Scored) -> np.ndarray:
    """Per pair: the engine would auto-link it on its own (rules.would_link)."""
    return rules.would_link(scored.levels, scored.weights, bits(model.thresholds.auto),
                            rules.Columns(model.comparisons), model.rules.twins_guard)
