"""Decisions: auto-link, review or new, with the rules that override the score.

- Twins guard: same date of birth, same household (address line, a nearly equal line,
  the postcode, or a carer's full name), and legal forenames that are neither equal nor
  variants of each other or middle names that share nothing (twins both called
  Muhammad), with no identifier agreeing, and evidence of a possible twin: never
  auto-linked. Evidence is a forename disagreement that is not a plausible typo (the
  forenames are neither within Jaro-Winkler 0.88 nor one slip of the keyboard apart:
  another name, an initial, or one's forename is the other's middle name), middle names
  that share nothing, a different sex, or another record with the same date of birth in
  the household: a second candidate child in the index, or another row of the batch
  (batch_twins). A lone child's mistyped forename ("Harvry" for Harvey) is linked.
- With the twins guard (children's records): names, date of birth and sex alone, with
  no household level (home or a carer), no middle name and no identifier in common,
  are never auto-linked: a child who moved looks like a stranger who shares a name and
  a birthday.
- Two different valid permanent UPNs, or two different NHS numbers: never auto-linked.
- With the twins guard: a date of birth that is no slip of the other's (not swapped,
  one digit or within a month), with no identifier agreeing, is never auto-linked
  however well the names and the household agree (a brother or sister given the same
  forename).
- Distinct children of one household are never candidates for each other: another
  forename altogether, no identifier agreeing, and either the same date of birth with
  another sex or middle names that share nothing (twins), or a date of birth that is
  no slip of the other's (a sibling).
- Two or more candidates in the auto band within the margin of each other: review.
- Two incoming records auto-linked to one existing record: both go to review.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matching.compare import COMPARISONS, Comparison, level_of
from matching.model import Thresholds, bits
from matching.table import MISSING, Table

# Same household: any level that says same address (exactly or nearly), same postcode or
# a shared carer. Generous on purpose: a twin written "2 High St" must still be caught.
# A model comparing address parts instead: the same postcode, or the same street.
HOUSEHOLD = {
    "address": tuple(level_of("address", x) for x in (
        "line_postcode_and_carer", "line_and_postcode", "similar_line_and_postcode", "postcode", "line",
        "similar_line", "carer")),
    "postcode": (level_of("postcode", "exact"),),
    "street": (level_of("street", "exact"),),
}
# A legal forename that equals the other record's middle or preferred name is not enough
# here: a twin's middle name can be the other twin's forename.
SAME_FORENAME = (level_of("forename", "exact"), level_of("forename", "variant"))
# Forename levels that say "another name", not a slip of the keyboard.
IMPLAUSIBLE_FORENAME = ("initial", "else")


class Columns:
    """Where each comparison sits in a model's level arrays; an absent one never fires."""

    def __init__(self, comparisons: tuple[Comparison, ...] = COMPARISONS) -> None:
        self.index = {c.name: k for k, c in enumerate(comparisons)}

    def at(self, levels: np.ndarray, name: str, *labels: str) -> np.ndarray:
        """Pairs whose level for `name` is one of `labels` (all False if the model lacks it)."""
        k = self.index.get(name)
        if k is None:
            return np.zeros(len(levels), dtype=bool)
        return np.isin(levels[:, k], [level_of(name, label) for label in labels])

    def levels(self, levels: np.ndarray, name: str) -> np.ndarray | None:
        k = self.index.get(name)
        return None if k is None else levels[:, k]


def household(levels: np.ndarray, columns: Columns | None = None) -> np.ndarray:
    """Pairs in the same household (HOUSEHOLD levels)."""
    columns = columns or Columns()
    out = np.zeros(len(levels), dtype=bool)
    for name, household_levels in HOUSEHOLD.items():
        col = columns.levels(levels, name)
        if col is not None:
            out |= np.isin(col, household_levels)
    return out


def same_day_household(levels: np.ndarray, columns: Columns | None = None) -> np.ndarray:
    """Pairs with the same date of birth in the same household."""
    columns = columns or Columns()
    return columns.at(levels, "dob", "exact") & household(levels, columns)


def twins(levels: np.ndarray, columns: Columns | None = None, evidence: np.ndarray | None = None,
          middle_forename: np.ndarray | None = None, slip: np.ndarray | None = None) -> np.ndarray:
    """Pairs that the twins guard holds back. evidence[k]: pair k's incoming record has
    another record of its date of birth in its household (in the index or the batch);
    None: treat every pair as having it (the guard of any forename difference).
    middle_forename[k]: one side's forename is the other's middle name (a twin's middle
    name can be the other twin's forename): evidence too. slip[k]: the forenames are one
    slip of the keyboard apart (compare.forename_slip), so not evidence however far
    apart Jaro-Winkler puts them."""
    columns = columns or Columns()
    forename = columns.levels(levels, "forename")
    if forename is None:
        return np.zeros(len(levels), dtype=bool)
    middle_differ = columns.at(levels, "middle_names", "disagree")
    different = ((forename != 0) & ~np.isin(forename, SAME_FORENAME)) | middle_differ
    held = same_day_household(levels, columns) & different & ~identifier_agrees(levels, columns)
    if evidence is None:
        return held
    other_name = columns.at(levels, "forename", *IMPLAUSIBLE_FORENAME)
    if slip is not None:
        other_name &= ~slip
    implausible = other_name | middle_differ | columns.at(levels, "sex", "disagree")
    if middle_forename is not None:   # unless the middle names agree: the same names, reordered
        implausible |= middle_forename & ~columns.at(levels, "middle_names", "agree")
    return held & (implausible | evidence)


def distinct_children(levels: np.ndarray, columns: Columns | None = None,
                      slip: np.ndarray | None = None) -> np.ndarray:
    """Pairs that are two children of one household, never candidates for each other:
    another forename altogether (not a variant, a slip, a middle name nor within
    Jaro-Winkler 0.88), with no identifier agreeing, and either born the same day with
    another sex or middle names that share nothing (twins), or born on a date that is
    no slip of the other's (not swapped, one digit or within a month: a sibling). Two
    disagreements where a brother or sister is the other explanation. slip: as for twins."""
    columns = columns or Columns()
    other_forename = columns.at(levels, "forename", "else")
    if slip is not None:
        other_forename &= ~slip
    second = columns.at(levels, "sex", "disagree") | columns.at(levels, "middle_names", "disagree")
    twin = same_day_household(levels, columns) & second
    sibling = household(levels, columns) & columns.at(levels, "dob", "else")
    return other_forename & (twin | sibling) & ~identifier_agrees(levels, columns)


# Household levels that corroborate a link: the same home, or a carer's full name.
CORROBORATING = ("line_postcode_and_carer", "line_and_postcode", "similar_line_and_postcode", "postcode", "line",
                 "similar_line", "carer")


def names_and_date_only(levels: np.ndarray, columns: Columns | None = None) -> np.ndarray:
    """Pairs with nothing in common beyond names, date of birth and sex: no household
    level, no middle name, no identifier. A model without the household comparison
    (address parts, as for FEBRL) has no such rule: all False."""
    columns = columns or Columns()
    if columns.index.get("address") is None:
        return np.zeros(len(levels), dtype=bool)
    return ~(columns.at(levels, "address", *CORROBORATING) | columns.at(levels, "middle_names", "agree")
             | identifier_agrees(levels, columns))


def date_of_birth_differs(levels: np.ndarray, columns: Columns | None = None) -> np.ndarray:
    """Pairs whose dates of birth are no slip of each other's, with no identifier agreeing."""
    columns = columns or Columns()
    return columns.at(levels, "dob", "else") & ~identifier_agrees(levels, columns)


def index_twins(right: np.ndarray, levels: np.ndarray, n_incoming: int, columns: Columns | None = None) -> np.ndarray:
    """Per incoming record: two or more candidates (one pair per candidate) with its date
    of birth in its household."""
    near = same_day_household(levels, columns)
    return np.bincount(right[near], minlength=n_incoming) >= 2


def batch_twins(incoming: Table) -> np.ndarray:
    """Per incoming record: another row of the batch with the same date of birth at the
    same postcode or address line, under another forename."""
    out = np.zeros(len(incoming), dtype=bool)
    dob, forename = incoming["dob"].astype(np.int64), incoming["forename"].astype(np.int64)
    for place in ("pc_unit", "address"):
        where = incoming[place].astype(np.int64)
        ok = (dob != MISSING) & (where != MISSING)
        rows = np.flatnonzero(ok)
        if len(rows) < 2:
            continue
        key = dob[rows] * (int(where.max()) + 2) + where[rows]
        order = np.lexsort((forename[rows], key))
        k, f, r = key[order], forename[rows][order], rows[order]
        for a, b in ((slice(1, None), slice(None, -1)), (slice(None, -1), slice(1, None))):
            same = (k[a] == k[b]) & (f[a] != f[b])
            out[r[a][same]] = True
    return out


def identifier_agrees(levels: np.ndarray, columns: Columns | None = None) -> np.ndarray:
    columns = columns or Columns()
    return (columns.at(levels, "upn", "agree") | columns.at(levels, "nhs_number", "agree")
            | columns.at(levels, "uln", "agree"))


def identifier_conflict(levels: np.ndarray, columns: Columns | None = None) -> np.ndarray:
    columns = columns or Columns()
    return columns.at(levels, "upn", "conflict") | columns.at(levels, "nhs_number", "conflict")


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
           max_candidates: int = 5, comparisons: tuple[Comparison, ...] = COMPARISONS,
           batch_twins: np.ndarray | None = None, middle_forename: np.ndarray | None = None,
           slip: np.ndarray | None = None) -> list[Decision]:
    """One decision per incoming row, from scored candidate pairs (right[k], left[k]),
    one pair per candidate. batch_twins: per incoming row, twin evidence in its batch;
    middle_forename, slip: per pair, as for twins()."""
    auto_bits, review_bits = bits(thresholds.auto), bits(thresholds.review)
    columns = Columns(comparisons)
    if twins_guard:
        # Never candidates (distinct_children): left out of each row's list below.
        excluded = distinct_children(levels, columns, slip)
        evidence = index_twins(right, levels, n_incoming, columns)
        if batch_twins is not None:
            evidence |= batch_twins
        held = twins(levels, columns, evidence[right], middle_forename, slip)
        alone = names_and_date_only(levels, columns)
        born_apart = date_of_birth_differs(levels, columns)
    else:
        held = alone = excluded = born_apart = np.zeros(len(levels), dtype=bool)
    conflict = identifier_conflict(levels, columns)
    order = np.lexsort((-weights, right))   # by incoming row, best first
    bounds = np.searchsorted(right[order], np.arange(n_incoming + 1))
    decisions = []
    for r in range(n_incoming):
        ks = order[bounds[r]:bounds[r + 1]]
        ks = ks[~excluded[ks]]
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
            if alone[top]:
                reasons.append("names_and_date_only")
            if conflict[top]:
                reasons.append("identifier_conflict")
            if born_apart[top]:
                reasons.append("date_of_birth_differs")
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
