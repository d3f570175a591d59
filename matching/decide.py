"""Decisions: auto-link, review or new, with the rules that override the score.

- Twins guard: same date of birth, same household (address line, a nearly equal line,
  the postcode, or a carer's full name), and legal forenames that are neither equal nor variants of each
  other or middle names that share nothing (twins both called Muhammad), with no
  identifier agreeing: never auto-linked.
- Two different valid permanent UPNs, or two different NHS numbers: never auto-linked.
- Two or more candidates in the auto band within the margin of each other: review.
- Two incoming records auto-linked to one existing record: both go to review.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matching.compare import COMPARISONS, level_of
from matching.model import Thresholds, bits

COLUMN = {c.name: k for k, c in enumerate(COMPARISONS)}

# Same household: any level that says same address (exactly or nearly), same postcode or
# a shared carer. Generous on purpose: a twin written "2 High St" must still be caught.
HOUSEHOLD = tuple(level_of("address", x) for x in (
    "line_postcode_and_carer", "line_and_postcode", "similar_line_and_postcode", "postcode", "line",
    "similar_line", "carer"))
# A legal forename that equals the other record's middle or preferred name is not enough
# here: a twin's middle name can be the other twin's forename.
SAME_FORENAME = (level_of("forename", "exact"), level_of("forename", "variant"))


def twins(levels: np.ndarray) -> np.ndarray:
    """Pairs that the twins guard holds back."""
    same_dob = levels[:, COLUMN["dob"]] == level_of("dob", "exact")
    household = np.isin(levels[:, COLUMN["address"]], HOUSEHOLD)
    forename = levels[:, COLUMN["forename"]]
    different = (((forename != 0) & ~np.isin(forename, SAME_FORENAME))
                 | (levels[:, COLUMN["middle_names"]] == level_of("middle_names", "disagree")))
    return same_dob & household & different & ~identifier_agrees(levels)


def identifier_agrees(levels: np.ndarray) -> np.ndarray:
    return ((levels[:, COLUMN["upn"]] == level_of("upn", "agree"))
            | (levels[:, COLUMN["nhs_number"]] == level_of("nhs_number", "agree"))
            | (levels[:, COLUMN["uln"]] == level_of("uln", "agree")))


def identifier_conflict(levels: np.ndarray) -> np.ndarray:
    return ((levels[:, COLUMN["upn"]] == level_of("upn", "conflict"))
            | (levels[:, COLUMN["nhs_number"]] == level_of("nhs_number", "conflict")))


@dataclass
class Decision:
    incoming: int                     # row in the incoming table
    decision: str                     # auto | review | new
    existing: int | None              # linked row (auto), or the best candidate (review)
    weight: float | None              # of the best candidate
    candidates: list[tuple[int, float]] = field(default_factory=list)   # review candidates, best first
    reasons: list[str] = field(default_factory=list)
    pair: int | None = None           # index of the chosen pair in the scored arrays


def decide(right: np.ndarray, left: np.ndarray, weights: np.ndarray, levels: np.ndarray,
           n_incoming: int, thresholds: Thresholds, *, twins_guard: bool = True,
           max_candidates: int = 5) -> list[Decision]:
    """One decision per incoming row, from scored candidate pairs (right[k], left[k])."""
    auto_bits, review_bits = bits(thresholds.auto), bits(thresholds.review)
    held = twins(levels) if twins_guard else np.zeros(len(levels), dtype=bool)
    conflict = identifier_conflict(levels)
    order = np.lexsort((-weights, right))   # by incoming row, best first
    bounds = np.searchsorted(right[order], np.arange(n_incoming + 1))
    decisions = []
    for r in range(n_incoming):
        ks = order[bounds[r]:bounds[r + 1]]
        if len(ks) == 0 or weights[ks[0]] < review_bits:
            best = int(ks[0]) if len(ks) else None
            decisions.append(Decision(r, "new", None, float(weights[best]) if best is not None else None,
                                      pair=best))
            continue
        top = int(ks[0])
        reviewable = [int(k) for k in ks[:max_candidates] if weights[k] >= review_bits]
        candidates = [(int(left[k]), round(float(weights[k]), 2)) for k in reviewable]
        reasons = []
        in_auto = [k for k in ks if weights[k] >= auto_bits]
        if weights[top] >= auto_bits:
            if held[top]:
                reasons.append("twins_guard")
            if conflict[top]:
                reasons.append("identifier_conflict")
            close = [k for k in in_auto[1:] if weights[top] - weights[k] < thresholds.margin]
            if close:
                reasons.append("close_candidates")
        else:
            reasons.append("below_auto")
        decision = "review" if reasons else "auto"
        decisions.append(Decision(r, decision, int(left[top]), float(weights[top]), candidates, reasons, top))
    _one_child_one_link(decisions)
    return decisions


def _one_child_one_link(decisions: list[Decision]) -> None:
    """Within one batch, an existing record auto-linked twice is a conflict: review both."""
    taken: dict[int, list[Decision]] = {}
    for d in decisions:
        if d.decision == "auto":
            taken.setdefault(d.existing, []).append(d)
    for group in taken.values():
        if len(group) > 1:
            for d in group:
                d.decision = "review"
                d.reasons.append("same_existing_record")
