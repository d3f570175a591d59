"""The in-memory linker: incoming records against existing ones, no database.

block -> compare -> score -> decide, all on arrays. The index's database path uses the
same blocking rules, comparisons, model and decisions one record at a time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import structlog

from matching import blocking, compare, decide, pipeline
from matching.model import Model, probability
from matching.score import Frequencies, explain
from matching.table import Table

log = structlog.get_logger()


@dataclass
class Linked:
    existing: Table
    incoming: Table
    decisions: list[decide.Decision]
    levels: np.ndarray             # per scored pair
    contributions: np.ndarray      # bits per scored pair and comparison
    left: np.ndarray
    right: np.ndarray
    blocked: blocking.Blocked
    comparisons: tuple[compare.Comparison, ...]
    seconds: dict[str, float] = field(default_factory=dict)

    def explanation(self, d: decide.Decision) -> list[tuple[str, str, float]]:
        if d.pair is None:
            return []
        return explain(self.levels[d.pair], self.contributions[d.pair], self.comparisons)

    def counts(self) -> dict[str, int]:
        out = {"auto": 0, "review": 0, "new": 0}
        for d in self.decisions:
            out[d.decision] += 1
        return out


def link(existing: Table, incoming: Table, model: Model, *, cap: int = blocking.DEFAULT_CAP,
         rules: tuple[blocking.Rule, ...] | None = None) -> Linked:
    """Link with the model's own blocking rules unless `rules` are given."""
    seconds = {}
    rules = model.blocking_rules if rules is None else rules
    comparisons = model.comparisons
    t = time.perf_counter()
    blocked = blocking.block(existing, incoming, rules, cap=cap)
    seconds["block"] = time.perf_counter() - t
    for rule, n in blocked.capped_blocks.items():
        if n:
            log.warning("block_cap_hit", rule=rule, blocks=n, pairs_skipped=blocked.capped_pairs[rule], cap=cap)
    t = time.perf_counter()
    freq = Frequencies.of(existing, incoming, comparisons=comparisons)
    scored = pipeline.score(model, existing, incoming, blocked.left, blocked.right, freq, n_existing=len(existing))
    seconds["compare_and_score"] = time.perf_counter() - t
    t = time.perf_counter()
    decisions, _ = pipeline.decide(model, existing, incoming, scored)
    seconds["decide"] = time.perf_counter() - t
    log.info("linked", pairs=len(scored.left), **{k: round(v, 3) for k, v in seconds.items()})
    return Linked(existing, incoming, decisions, scored.levels, scored.contributions, scored.left, scored.right,
                  blocked, comparisons, seconds)


def decision_rows(linked: Linked) -> list[dict[str, str]]:
    """Rows for DECISIONS.csv, one per incoming record. existing_record_id is the link
    (auto) or the best candidate (review), blank when new."""
    ids_l, ids_r = linked.existing.ids, linked.incoming.ids
    rows = []
    for d in linked.decisions:
        weight = "" if d.weight is None else f"{d.weight:.2f}"
        prob = "" if d.weight is None else f"{float(probability(d.weight)):.6f}"
        rows.append({
            "incoming_record_id": ids_r[d.incoming],
            "existing_record_id": ids_l[d.existing] if d.existing is not None else "",
            "decision": d.decision,
            "match_weight": weight,
            "match_probability": prob,
            "candidates": ";".join(f"{ids_l[i]}:{w:.2f}" for i, w in d.candidates) if d.decision == "review" else "",
        })
    return rows


DECISION_COLUMNS = ("incoming_record_id", "existing_record_id", "decision", "match_weight", "match_probability",
                    "candidates")
