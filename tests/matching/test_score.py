import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import compare, model, table
from matching.score import Frequencies, Scorer, explain
from tests.factories import nhs_number, upn

MODEL = model.load()

records = st.fixed_dictionaries({
    "record_id": st.just("x"),
    "forename": st.sampled_from(["Amelia", "Amellia", "Olivia", "Alex", "Alexander", "Muhammad", "Mohammed", "A", ""]),
    "middle_names": st.sampled_from(["", "Rose", "Rose Ann", "Lily"]),
    "preferred_forename": st.sampled_from(["", "Millie", "Alex"]),
    "surname": st.sampled_from(["Testwood", "Testwod", "Smith", "Smyth", "Fenwick-Ashby", "Ashby"]),
    "preferred_surname": st.sampled_from(["", "Holly"]),
    "former_surname": st.sampled_from(["", "Brackley", "Smith"]),
    "dob": st.sampled_from(["2015-03-14", "2015-03-19", "2015-04-03", "2015-03-04", "2012-07-01", ""]),
    "gender": st.sampled_from(["F", "M", ""]),
    "address_line1": st.sampled_from(["12 Mill Lane", "12 Mill Lne", "Flat 3", ""]),
    "town": st.sampled_from(["Peterborough", "Cambridge", ""]),
    "postcode": st.sampled_from(["PE1 1AA", "PE1 1AB", "PE1 9ZZ", "CB2 1AA", ""]),
    "upn": st.sampled_from(["", upn(serial=1), upn(serial=2)]),
    "former_upn": st.sampled_from(["", upn(serial=3)]),
    "uln": st.sampled_from(["", "1000000019", "1000000027"]),
    "nhs_number": st.sampled_from(["", nhs_number(1), nhs_number(2), "1234567890"]),
    "carer1_forename": st.sampled_from(["Sarah", "David", ""]),
    "carer1_surname": st.sampled_from(["Testwood", "Jones", ""]),
    "carer2_forename": st.sampled_from(["", "Sarah"]),
    "carer2_surname": st.sampled_from(["", "Testwood"]),
})


def weights(left: list[dict], right: list[dict], background: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Weight and bits of pair k = (left[k], right[k]); term frequencies from a fixed background."""
    vocabs = table.Vocabs()
    L, R, B = table.build(vocabs, left), table.build(vocabs, right), table.build(vocabs, background)
    idx = np.arange(len(left))
    levels = compare.compare(L, R, idx, idx)
    scorer = Scorer(MODEL, 100_000, Frequencies.of(B))
    bits = scorer.contributions(levels, L, R, idx, idx)
    return scorer.weights(bits), bits


@settings(max_examples=150, deadline=None)
@given(a=records, b=records, background=st.lists(records, min_size=1, max_size=5))
def test_scores_are_symmetric_bounded_and_maximal_for_identical_records(a, b, background):
    background = background + [a, b]
    w, bits = weights([a, b, a], [b, a, a], background)
    assert math.isclose(w[0], w[1], abs_tol=1e-9)                   # symmetric
    assert np.isfinite(w).all()
    table_ = MODEL.weight_table()
    hi = table_.max(axis=1) + MODEL.tf_max_bits
    lo = np.minimum(table_.min(axis=1), 0) - MODEL.tf_max_bits
    assert (bits <= hi + 1e-9).all() and (bits >= lo - 1e-9).all()  # bounded per comparison
    assert w[2] >= w[0] - 1e-9                                      # a record matches itself best


def test_identical_full_records_score_far_above_the_auto_threshold():
    from tests.matching.conftest import record
    a = record(upn=upn(serial=1), nhs_number=nhs_number(1))
    w, _ = weights([a], [a], [a, record(forename="Olivia")])
    assert w[0] > model.bits(MODEL.thresholds.auto) + 10


def test_explanation_names_every_comparison_with_its_level_and_weight():
    from tests.matching.conftest import record
    a, b = record(), record(forename="Amellia", postcode="", address_line1="", town="", carer1_surname="")
    w, bits = weights([a], [b], [a, b])
    vocabs = table.Vocabs()
    levels = compare.compare(table.build(vocabs, [a]), table.build(vocabs, [b]), [0], [0])
    got = explain(levels[0], bits[0])
    assert [name for name, _, _ in got] == [c.name for c in compare.COMPARISONS]
    assert dict((n, lv) for n, lv, _ in got)["forename"] == "jaro_winkler_0.92"
    assert dict((n, lv) for n, lv, _ in got)["address"] == "no data"
    assert math.isclose(sum(b for _, _, b in got), float(bits[0].sum()), abs_tol=0.05)
