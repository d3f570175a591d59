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

The index's facts (Facts), after all of the above, only ever turn a decision into review:
- a candidate in the review band whose child is shielded: never a silent link to a
  shielded child, nor a new duplicate of one (shielded_candidate);
- a candidate in the review band with no child to offer, its record waiting in review
  (candidate_in_review): twins whose records both await review must not be linked to
  one child;
- a candidate from the incoming record's own feed that would auto-link on its own
  (would_link), or an earlier row of the same batch that would (same_feed_candidate):
  a source's two records of one child are for a person to see, its twins are not;
- a new child that cannot be created from the record (cannot_create).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matching import schemes
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

    def at_any(self, levels: np.ndarray, names: tuple[str, ...], label: str) -> np.ndarray:
        """Pairs whose level for any of `names` is `label`."""
        out = np.zeros(len(levels), dtype=bool)
        for name in names:
            out |= self.at(levels, name, label)
        return out

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


# The identifier comparisons (matching/schemes.py), and those whose conflict holds an auto-link.
IDENTIFIERS = tuple(schemes.comparisons())
CONFLICTS = tuple(name for name, group in schemes.comparisons().items() if group[0].matching.conflict_holds)


def identifier_agrees(levels: np.ndarray, columns: Columns | None = None) -> np.ndarray:
    """Any identifier comparison agrees: UPN (or a former UPN), NHS number, ULN."""
    columns = columns or Columns()
    return columns.at_any(levels, IDENTIFIERS, "agree")


def identifier_conflict(levels: np.ndarray, columns: Columns | None = None) -> np.ndarray:
    """Two different permanent UPNs, or two different NHS numbers (not ULNs)."""
    columns = columns or Columns()
    return columns.at_any(levels, CONFLICTS, "conflict")


def would_link(levels: np.ndarray, weights: np.ndarray, auto_bits: float, columns: Columns | None = None,
               twins_guard: bool = True) -> np.ndarray:
    """Pairs the engine would auto-link on their own: in the auto band, and neither twins
    (the twins guard, without asking for evidence) nor holding different identifiers.
    Two records from one source are held for review only then: twins at one school score
    in the review band, and are two children by the school's own account."""
    columns = columns or Columns()
    held = identifier_conflict(levels, columns)
    if twins_guard:
        held |= twins(levels, columns)
    return (weights >= auto_bits) & ~held


@dataclass
class Facts:
    """What the index knows beyond the records' fields. Per candidate (as indexed by
    decide's `left`): shielded; pending (no child to offer: its record awaits review);
    same_feed (from the incoming record's own feed). Per incoming row: same_batch (an
    earlier row of its batch it would auto-link to); cannot_create (too little to create
    a child from). None: never."""
    shielded: np.ndarray | None = None
    pending: np.ndarray | None = None
    same_feed: np.ndarray | None = None
    same_batch: np.ndarray | None = None
    cannot_create: np.ndarray | None = None


@dataclass
class Decision:
    incoming: int                     # row in the incoming table
    decision: str                     # auto | review | new
    existing: int | None              # linked row (auto), or the best candidate (review)
    weight: float | None              # of the best candidate
    candidates: list[tuple[int, float]] = field(default_factory=list)   # review candidates, best first
    reasons: list[str] = field(default_factory=list)
    pair: int | None = None           # index of the chosen pair in the scored arrays
    pairs: list[int] = field(default_factory=list)   # the review candidates' pairs, as candidates
    shielded: bool = False            # a candidate in the review band is a shielded child


def decide(right: np.ndarray, left: np.ndarray, weights: np.ndarray, levels: np.ndarray,
           n_incoming: int, thresholds: Thresholds, *, twins_guard: bool = True,
           max_candidates: int = 5, comparisons: tuple[Comparison, ...] = COMPARISONS,
           batch_twins: np.ndarray | None = None, middle_forename: np.ndarray | None = None,
           slip: np.ndarray | None = None, facts: Facts | None = None) -> list[Decision]:
    """One decision per incoming row, from scored candidate pairs (right[k], left[k]),
    one pair per candidate. batch_twins: per incoming row, twin evidence in its batch;
    middle_forename, slip: per pair, as for twins(); facts: the index's (Facts)."""
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
    pending = facts.pending if facts is not None else None
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
        offered = ks if pending is None else ks[~pending[left[ks]]]
        reviewable = [int(k) for k in offered[:max_candidates] if weights[k] >= review_bits]
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
        decisions.append(Decision(r, decision, int(left[top]), float(weights[top]), candidates, reasons, top,
                                  reviewable))
    _one_child_one_link(decisions)
    if facts is not None:
        linking = would_link(levels, weights, auto_bits, columns, twins_guard) if facts.same_feed is not None \
            else None
        _with_facts(decisions, facts, right, left, weights >= review_bits, linking, n_incoming)
    return decisions


def _with_facts(decisions: list[Decision], facts: Facts, right: np.ndarray, left: np.ndarray,
                in_band: np.ndarray, linking: np.ndarray | None, n_incoming: int) -> None:
    """The index's facts, in the order they are reported; each only sends to review."""
    def per_row(pairs: np.ndarray) -> np.ndarray:
        return np.bincount(right[pairs], minlength=n_incoming) > 0

    none = np.zeros(len(left), dtype=bool)
    shielded = facts.shielded[left] if facts.shielded is not None else none
    pending = facts.pending[left] if facts.pending is not None else none
    same_feed = facts.same_feed[left] if facts.same_feed is not None else none
    linking = linking if linking is not None else none
    near_shielded = per_row(in_band & shielded)
    flags = (("candidate_in_review", per_row(in_band & pending & ~same_feed)),
             ("same_feed_candidate", per_row(same_feed & linking)),
             ("same_feed_candidate", facts.same_batch))
    for d in decisions:
        d.shielded = bool(near_shielded[d.incoming])
        if d.shielded and d.decision != "review":
            _review(d, "shielded_candidate")
        for reason, flagged in flags:
            if flagged is not None and flagged[d.incoming] and d.decision != "review":
                _review(d, reason)
        if d.decision == "auto" and pending[d.pair]:   # a pending record has no child to link to
            _review(d, "candidate_in_review")
        if d.decision == "new" and facts.cannot_create is not None and facts.cannot_create[d.incoming]:
            d.decision, d.reasons = "review", ["cannot_create"]


def _review(d: Decision, reason: str) -> None:
    d.decision = "review"
    d.reasons.append(reason)


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
