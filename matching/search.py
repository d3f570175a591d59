"""Practitioner search as record linkage: a query is a partial record, scored against
its candidates with the same model, comparisons and term frequencies as a feed's rows.

A field the query does not give is no data (level 0): it adds no weight either way.
The query is read as given and as it may have been meant (readings): forename and
surname the wrong way round, or a forename field holding more than one name ("Amy
Louise", "Amy Clarke"). A reading other than the first costs REWRITE_BITS, so it ranks a
child first only when it fits clearly better. A child is as near as the nearest of its
records (its index record and each linked source record) under the best reading.

Each hit has its match weight (log2 odds, the prior for an index of n children
included), a grade as FHIR PDQm's $match grades results, and the per-field explanation
that review items carry:
- certain: at or above the model's auto-link threshold, with no other hit within the
  model's margin, and not held by the twins guard (the same date of birth and household
  as the query, another forename);
- probable: at or above the review threshold (or a certain one with a close rival);
- possible: at or above the possible threshold, or the forename (exactly, a listed
  variant or Jaro-Winkler >= 0.92) and the date of birth exactly as given, whatever the
  surname (a child whose surname changed, or is badly misspelt).
When the query gives a postcode, a hit with no surname in common (forename-and-date, or
any other) must be in the query's postcode area.
A hit must agree on a name (a surname, or a forename, better than its initial): a date of
birth alone finds no one, however small the index.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from matching import decide, model as mmodel, normalise, pipeline
from matching.identifiers import postcode_area, postcode_parts
from matching.score import Frequencies, explain
from matching.table import MISSING, Table

REWRITE_BITS = 2.0
# The forename levels that, with the exact date of birth, make a hit at least possible.
NEAR_FORENAME = ("exact", "variant", "jaro_winkler_0.92")


@dataclass(frozen=True)
class Query:
    surname: str
    dob: dt.date
    forename: str | None = None
    postcode: str | None = None


@dataclass
class Hit:
    child: int                           # index into the candidates' children
    weight: float                        # log2 odds of a match
    probability: float
    grade: str
    reading: str                         # which reading of the query scored it
    # (comparison, level, bits) for the fields with data, and ("reading", name, -REWRITE_BITS)
    # for a rewritten reading: weight = the prior + the sum of the bits.
    explanation: list[tuple[str, str, float]]


def readings(q: Query) -> list[tuple[str, dict]]:
    """(name, census-form row) for each way the query may be read, as given first."""
    forename, surname = (q.forename or "").strip(), q.surname.strip()
    base = {"dob": q.dob.isoformat(), "postcode": q.postcode or ""}
    out = [("as_given", {**base, "forename": forename, "surname": surname})]
    if forename and surname and normalise.fold(forename) != normalise.fold(surname):
        out.append(("names_swapped", {**base, "forename": surname, "surname": forename}))
    words = forename.split()
    if len(words) > 1:
        out.append(("forename_and_middle", {**base, "forename": words[0], "middle_names": " ".join(words[1:]),
                                            "surname": surname}))
    return [(name, {"record_id": f"q{k}", **row}) for k, (name, row) in enumerate(out)]


def dates(q: Query) -> list[dt.date]:
    """The dates of birth every child born on is a candidate: as given, and swapped."""
    swapped = normalise.swap_day_month(q.dob)
    return [q.dob] if swapped is None else [q.dob, swapped]


def rank(model: mmodel.Model, query: Table, names: list[str], records: Table, owner: np.ndarray,
         n_children: int, frequencies: Frequencies, *, postcode: str | None = None,
         limit: int = 20) -> list[Hit]:
    """The children worth showing, best first: query's rows are the readings (names[k]
    the name of row k), records' rows the candidate records, owner[j] record j's child."""
    n_read, n_rec = len(query), len(records)
    if n_rec == 0:
        return []
    ri = np.repeat(np.arange(n_read, dtype=np.int64), n_rec)
    li = np.tile(np.arange(n_rec, dtype=np.int64), n_read)
    comparisons = model.comparisons
    scored = pipeline.score(model, records, query, li, ri, frequencies, n_existing=n_children)
    levels, bits = scored.levels, scored.contributions
    weights = scored.weights - np.where(ri > 0, REWRITE_BITS, 0.0)
    children = owner[li]
    near = _near(levels, comparisons, ri, records, li, postcode)
    # One line per child: its best pair (ties: as given first, then the lower record).
    order = np.lexsort((li, ri, -weights, children))
    first = np.ones(len(order), dtype=bool)
    first[1:] = children[order][1:] != children[order][:-1]
    best = order[first]
    any_near = np.bincount(children[near], minlength=int(children.max()) + 1) > 0
    floor = mmodel.bits(model.thresholds.possible)
    named = _named(levels, comparisons)
    shown = best[((weights[best] >= floor) & named[best]) | any_near[children[best]]]
    if postcode:   # no surname in common and another postcode area: not shown
        elsewhere = decide.Columns(comparisons).at(levels[shown], "surname", "else") \
            & ~_in_area(records, li[shown], postcode)
        shown = shown[~elsewhere]
    shown = shown[np.lexsort((children[shown], -weights[shown]))][:limit]
    auto, review = mmodel.bits(model.thresholds.auto), mmodel.bits(model.thresholds.review)
    shown_weights = weights[shown]
    held = decide.twins(levels[shown], decide.Columns(comparisons)) if model.rules.twins_guard \
        else np.zeros(len(shown), dtype=bool)
    hits = []
    for j, (k, w) in enumerate(zip(shown.tolist(), shown_weights.tolist())):
        rivals = np.abs(shown_weights - w) < model.thresholds.margin
        certain = w >= auto and rivals.sum() == 1 and not held[j]
        grade = "certain" if certain else "probable" if w >= review else "possible"
        fields = [x for x in explain(levels[k], bits[k], comparisons) if x[1] != "no data"]
        if ri[k] > 0:   # the rewrite's cost, so that weight = prior + the explanation's bits
            fields.append(("reading", names[int(ri[k])], -REWRITE_BITS))
        hits.append(Hit(int(children[k]), round(w, 2), round(float(mmodel.probability(w)), 4), grade,
                        names[int(ri[k])], fields))
    return hits


def _named(levels: np.ndarray, comparisons) -> np.ndarray:
    """Pairs that agree on a name at all: a date of birth alone never finds a child."""
    columns = decide.Columns(comparisons)
    surname = columns.levels(levels, "surname")
    forename = columns.levels(levels, "forename")
    out = np.zeros(len(levels), dtype=bool)
    if surname is not None:
        out |= (surname != 0) & ~columns.at(levels, "surname", "else")
    if forename is not None:
        out |= (forename != 0) & ~columns.at(levels, "forename", "initial", "else")
    return out


def _near(levels: np.ndarray, comparisons, ri: np.ndarray, records: Table, li: np.ndarray,
          postcode: str | None) -> np.ndarray:
    """Pairs whose forename is near and date of birth exact (the query as given only),
    in the query's postcode area when it gives a postcode."""
    columns = decide.Columns(comparisons)
    out = (ri == 0) & columns.at(levels, "forename", *NEAR_FORENAME) & columns.at(levels, "dob", "exact")
    if postcode and out.any():
        out &= _in_area(records, li, postcode)
    return out


def _in_area(records: Table, li: np.ndarray, postcode: str) -> np.ndarray:
    """Whether each record li[k] has a postcode in the postcode area of `postcode`."""
    parts = postcode_parts(postcode)
    if parts is None:
        return np.ones(len(li), dtype=bool)
    places = records.vocabs.places.values
    return np.array([d != MISSING and postcode_area(places[d]) == parts.area
                     for d in records["pc_district"][li].tolist()], dtype=bool)

