"""matching.search: a practitioner's query scored as a partial record (no database)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from matching import model as mmodel, normalise, search, table
from matching.score import Frequencies

MODEL = mmodel.load()
RECORDS = [
    # record_id, forename, middle_names, surname, dob, gender, postcode; the child is the id's letter
    ("a1", "Harvey", "James", "Hunt", "2014-06-21", "M", "CB1 2AB"),
    ("a2", "Harvey", "", "Hunt", "2014-06-21", "M", "CB1 2AB"),      # a second record of child a
    ("b1", "Harriet", "", "Hunt", "2014-06-21", "F", "CB1 2AB"),     # a's twin
    ("c1", "Isla", "", "Walker", "2013-04-30", "F", "PE27 5AA"),
    ("d1", "Oliver", "", "Brown", "2014-06-21", "M", "PE15 8AA"),    # born the same day as a
]


def build(rows: list[dict], vocabs: table.Vocabs) -> table.Table:
    return table.build(vocabs, rows)


def rank(query: search.Query, **kw) -> list[tuple[str, search.Hit]]:
    vocabs = table.Vocabs()
    named = search.readings(query)
    readings = build([row for _, row in named], vocabs)
    records = build([{"record_id": r[0], "forename": r[1], "middle_names": r[2], "surname": r[3], "dob": r[4],
                      "gender": r[5], "postcode": r[6]} for r in RECORDS], vocabs)
    letters = sorted({r[0][0] for r in RECORDS})
    owner = np.array([letters.index(r[0][0]) for r in RECORDS])
    freq = Frequencies.of(records, readings, comparisons=MODEL.comparisons)
    hits = search.rank(MODEL, readings, [n for n, _ in named], records, owner, kw.pop("n", 100_000), freq,
                       postcode=query.postcode, **kw)
    return [(letters[h.child], h) for h in hits]


@pytest.mark.parametrize("query, readings", [
    (search.Query(surname="Hunt", dob=dt.date(2014, 6, 21)), ["as_given"]),
    (search.Query(surname="Hunt", forename="Harvey", dob=dt.date(2014, 6, 21)), ["as_given", "names_swapped"]),
    (search.Query(surname="Hunt", forename="hunt", dob=dt.date(2014, 6, 21)), ["as_given"]),
    (search.Query(surname="Hunt", forename="Harvey James", dob=dt.date(2014, 6, 21)),
     ["as_given", "names_swapped", "forename_and_middle"]),
])
def test_readings(query, readings):
    got = search.readings(query)
    assert [name for name, _ in got] == readings
    assert got[0][1]["forename"] == (query.forename or "") and got[0][1]["surname"] == query.surname
    if "names_swapped" in readings:
        swapped = dict(got)["names_swapped"]
        assert (swapped["forename"], swapped["surname"]) == (query.surname, query.forename)
    if "forename_and_middle" in readings:
        split = dict(got)["forename_and_middle"]
        assert (split["forename"], split["middle_names"], split["surname"]) == ("Harvey", "James", "Hunt")


@pytest.mark.parametrize("dob, expected", [
    (dt.date(2015, 3, 14), [dt.date(2015, 3, 14)]),                     # day > 12: no swap
    (dt.date(2015, 3, 4), [dt.date(2015, 3, 4), dt.date(2015, 4, 3)]),
    (dt.date(2015, 5, 5), [dt.date(2015, 5, 5)]),
])
def test_dates(dob, expected):
    assert search.dates(search.Query(surname="x", dob=dob)) == expected


def test_one_digit_dates_are_real_dates_one_digit_away_in_range():
    got = normalise.one_digit_dates(dt.date(2015, 3, 14), latest=dt.date(2026, 12, 3))
    assert dt.date(2013, 3, 14) in got and dt.date(2005, 3, 14) in got and dt.date(2015, 3, 24) in got
    assert dt.date(2025, 3, 14) in got and dt.date(2035, 3, 14) not in got   # after `latest`
    assert dt.date(2015, 3, 14) not in got
    for d in got:
        assert sum(x != y for x, y in zip(d.strftime("%Y%m%d"), "20150314")) == 1


def test_the_child_is_as_near_as_its_nearest_record_and_listed_once():
    got = rank(search.Query(forename="Harvey", surname="Hunt", dob=dt.date(2014, 6, 21)))
    assert [c for c, _ in got][:2] == ["a", "b"]
    assert len({c for c, _ in got}) == len(got)


def test_weight_is_the_prior_plus_the_explained_bits():
    (child, hit), *_ = rank(search.Query(forename="Harvey", surname="Hunt", dob=dt.date(2014, 6, 21)), n=100_000)
    assert child == "a"
    assert hit.weight == pytest.approx(MODEL.prior_bits(100_000) + sum(b for _, _, b in hit.explanation), abs=0.05)
    assert [f for f, _, _ in hit.explanation] == ["forename", "surname", "dob"]   # absent fields: no data, left out
    assert hit.probability == pytest.approx(float(mmodel.probability(hit.weight)), abs=1e-3)


def test_grades_follow_the_thresholds_and_the_twins_guard():
    got = dict(rank(search.Query(forename="Harvey", surname="Hunt", dob=dt.date(2014, 6, 21), postcode="CB1 2AB"),
                    n=1_000))
    assert got["a"].grade == "certain"
    assert got["b"].grade != "certain"      # the twin: same day, same postcode, another forename
    weak = dict(rank(search.Query(forename="Harvey", surname="Hunt", dob=dt.date(2014, 6, 21)), n=10_000_000))
    assert weak["a"].grade in ("probable", "possible")   # names and a date only, among ten million


def test_swapped_names_cost_a_little_and_win_only_when_they_fit():
    got = rank(search.Query(forename="Hunt", surname="Harvey", dob=dt.date(2014, 6, 21)))
    assert got[0][0] == "a" and got[0][1].reading == "names_swapped"
    as_given = rank(search.Query(forename="Harvey", surname="Hunt", dob=dt.date(2014, 6, 21)))
    assert got[0][1].weight == pytest.approx(as_given[0][1].weight - search.REWRITE_BITS, abs=0.01)
    assert ("reading", "names_swapped", -search.REWRITE_BITS) in got[0][1].explanation
    assert got[0][1].weight == pytest.approx(MODEL.prior_bits(100_000) + sum(b for _, _, b in got[0][1].explanation),
                                             abs=0.05)


def test_a_date_of_birth_alone_is_not_enough():
    got = rank(search.Query(surname="Zzyzx", dob=dt.date(2014, 6, 21)), n=5)
    assert got == []


def test_forename_and_date_of_birth_are_possible_whatever_the_surname_within_the_postcode_area():
    query = search.Query(forename="Isla", surname="Thompson", dob=dt.date(2013, 4, 30))
    assert [c for c, _ in rank(query, n=1_000_000)] == ["c"]
    assert [c for c, _ in rank(search.Query(**{**query.__dict__, "postcode": "PE1 1AA"}), n=1_000_000)] == ["c"]
    assert rank(search.Query(**{**query.__dict__, "postcode": "LS1 4AP"}), n=1_000_000) == []


def test_at_most_limit_hits():
    assert len(rank(search.Query(forename="Harvey", surname="Hunt", dob=dt.date(2014, 6, 21)), limit=1)) == 1
