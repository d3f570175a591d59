"""The independent search corpus (tests/perf/search/corpus.py): deterministic per seed,
every query labelled with a documented error type, and each error type changes the
field it claims and only that. No database."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import astuple

import pytest

from tests.perf.search import corpus

N_CHILDREN, N_QUERIES = 3000, 1000


@pytest.fixture(scope="module")
def made():
    kids, qs = corpus.generate(N_CHILDREN, N_QUERIES, seed=5)
    return {c.record_id: c for c in kids}, qs


def levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def is_transposition(a: str, b: str) -> bool:
    diff = [i for i in range(len(a)) if len(a) == len(b) and a[i] != b[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def is_one_dropped(truth: str, got: str) -> bool:
    return len(got) == len(truth) - 1 and any(truth[:i] + truth[i + 1:] == got for i in range(len(truth)))


def swapped(d: dt.date) -> dt.date | None:
    return d.replace(day=d.month, month=d.day) if d.day <= 12 else None


def one_digit(a: dt.date, b: dt.date) -> bool:
    return sum(x != y for x, y in zip(a.isoformat(), b.isoformat())) == 1


# error type -> a check of (truth, query) on the field it changes
CHECKS = {
    "none": lambda c, q: True,
    "typo_forename": lambda c, q: 1 <= levenshtein(c.forename.lower(), q.forename.lower()) <= 2,
    "typo_surname": lambda c, q: 1 <= levenshtein(c.surname.lower(), q.surname.lower()) <= 2,
    "transpose_forename": lambda c, q: is_transposition(c.forename.lower(), q.forename.lower()),
    "transpose_surname": lambda c, q: is_transposition(c.surname.lower(), q.surname.lower()),
    "drop_forename": lambda c, q: is_one_dropped(c.forename.lower(), q.forename.lower()),
    "drop_surname": lambda c, q: is_one_dropped(c.surname.lower(), q.surname.lower()),
    "swap_names": lambda c, q: (q.forename, q.surname) == (c.surname, c.forename),
    "surname_in_forename": lambda c, q: q.forename == f"{c.forename} {c.surname}",
    "forename_with_middle": lambda c, q: c.middle_names != "" and q.forename == f"{c.forename} {c.middle_names}",
    "middle_as_forename": lambda c, q: q.forename == c.middle_names.split()[0],
    "new_surname": lambda c, q: q.surname not in (c.surname, c.former_surname) and q.surname not in c.surname,
    "previous_surname": lambda c, q: c.former_surname != "" and q.surname == c.former_surname,
    "hyphen_part": lambda c, q: q.surname in c.surname.replace("-", " ").split() and q.surname != c.surname,
    "mc_mac": lambda c, q: (c.surname.startswith(("Mc", "Mac")) and q.surname.startswith(("Mc", "Mac"))
                            and q.surname.replace(" ", "").replace("Mac", "Mc")
                            == c.surname.replace("Mac", "Mc") and q.surname != c.surname),
    "apostrophe_space": lambda c, q: (q.surname != c.surname and q.surname.replace(" ", "").replace("-", "")
                                      == c.surname.replace("'", "").replace(" ", "")),
    "dob_swap": lambda c, q: (q.dob.day, q.dob.month, q.dob.year) == (c.dob.month, c.dob.day, c.dob.year)
                             and q.dob != c.dob,
    "dob_digit": lambda c, q: one_digit(c.dob, q.dob) and abs((q.dob - c.dob).days) > 1
                              and q.dob != swapped(c.dob),
    "dob_off_by_one": lambda c, q: abs((q.dob - c.dob).days) == 1,
    "gender_missing": lambda c, q: c.gender in ("M", "F") and q.gender == "",
    "moved": lambda c, q: q.postcode != c.postcode,
}
FIELDS = ("forename", "surname", "dob", "gender", "postcode")


def test_every_documented_type_has_a_check_and_the_rates_add_up():
    assert set(CHECKS) == set(corpus.ERROR_TYPES) == set(corpus.CHANGES)
    assert sum(corpus.ERROR_RATES.values()) == pytest.approx(1.0)


def test_deterministic_per_seed(tmp_path):
    a = corpus.generate(500, 200, seed=3)
    b = corpus.generate(500, 200, seed=3)
    other = corpus.generate(500, 200, seed=4)
    assert [astuple(x) for x in a[0]] == [astuple(x) for x in b[0]]
    assert [astuple(x) for x in a[1]] == [astuple(x) for x in b[1]]
    assert [astuple(x) for x in a[0]] != [astuple(x) for x in other[0]]
    corpus.write(tmp_path / "a", *a)
    corpus.write(tmp_path / "b", *b)
    for name in ("existing.csv", "queries.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_types_at_their_documented_rates(made):
    _, qs = made
    counts = Counter(q.error_type for q in qs)
    assert len(qs) == N_QUERIES
    for kind, rate in corpus.ERROR_RATES.items():
        assert abs(counts[kind] - rate * N_QUERIES) <= 1, kind


@pytest.mark.parametrize("kind", corpus.ERROR_TYPES)
def test_each_error_changes_the_field_it_claims_and_no_other(made, kind):
    truth, qs = made
    these = [q for q in qs if q.error_type == kind]
    assert these
    for q in these:
        c = truth[q.true_record_id]
        assert CHECKS[kind](c, q), (kind, c, q)
        for field in FIELDS:
            same = getattr(q, field) == getattr(c, field)
            assert same != (field in corpus.CHANGES[kind]), (kind, field, c, q)


def test_households_have_twins_and_siblings(made):
    truth, _ = made
    by_household: dict[int, list] = {}
    for c in truth.values():
        by_household.setdefault(c.household, []).append(c)
    twins = [h for h in by_household.values()
             if len(h) > len({(c.dob, c.surname, c.postcode) for c in h})]
    siblings = [h for h in by_household.values() if len(h) >= 2]
    assert twins and len(siblings) > len(by_household) / 3
    for h in twins:
        assert len({c.forename for c in h}) == len(h)    # twins have different forenames


def test_the_census_corpus_is_deterministic_and_its_truth_consistent():
    from tests.perf.search import census

    existing, incoming, truth, never = census.generate(3000, 600, seed=3)
    again = census.generate(3000, 600, seed=3)
    assert (existing, incoming, truth) == again[:3] and never == again[3]
    ids = {r["record_id"] for r in existing}
    assert len(ids) == 3000 and len(incoming) == len(truth) == 600
    by_id = {r["record_id"]: r for r in existing}
    kinds = Counter()
    for row, (rid, true_id, kind) in zip(incoming, truth, strict=True):
        assert row["record_id"] == rid and rid not in ids
        kinds[kind.split("+")[0] if true_id else kind] += 1
        if true_id:
            assert true_id in ids
            if kind == "exact":   # the same child, as the LA holds it (its messy spellings aside)
                truth_row = by_id[true_id]
                assert row["dob"] == truth_row["dob"] and row["postcode"] == truth_row["postcode"]
        else:
            assert kind in census.INCOMING and kind != "returning"
    # New twins and same-name strangers are never to be merged with the child they copy.
    for row, (rid, _, kind) in zip(incoming, truth):
        if kind in ("new_twin", "same_name_stranger"):
            assert any(rid in pair for pair in never)
    assert kinds["exact"] > 250 and kinds["new_family"] > 0
