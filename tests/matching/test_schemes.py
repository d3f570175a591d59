"""The identifier scheme registry (matching/schemes.py): each scheme checks good and bad
values, search aliases are symmetric, and every place that must know a scheme does.

A failure here after adding a scheme names what the new entry still lacks."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, strategies as st

from matching import blocking, census, census_columns, compare, decide, identifiers, schemes, table, train
from matching.census import CensusRow

# scheme, a good value as people write it, its normalised value
GOOD = [
    ("upn", "b801 2000-0500 1", "B801200005001"),
    ("former_upn", "H801200001001", "H801200001001"),
    ("uln", " 92763 08686 ", "9276308686"),
    ("nhs_number", "943 476 5919", "9434765919"),
]

# scheme, a bad value, what the error says
BAD = [
    ("upn", "A801200005001", "check letter should be B"),
    ("upn", "B80120000500", "must be 13 characters"),
    ("upn", "R900400001001", "LA code 900 is not a DfE LA code"),
    ("former_upn", "Z801200001001", "check letter should be H"),
    ("former_upn", "", "must be 13 characters"),
    ("uln", "9276308687", "check digit is wrong"),
    ("uln", "0276308686", "must not start with 0"),
    ("uln", "92763086", "must be 10 digits"),
    ("nhs_number", "9434765918", "check digit should be 9"),
    ("nhs_number", "943476591", "must be 10 digits"),
    ("nhs_number", "5434765919", "prefix 543 is outside the issued ranges"),
]


def test_every_scheme_has_good_and_bad_examples():
    assert {s for s, _, _ in GOOD} == set(schemes.NAMES)
    assert {s for s, _, _ in BAD} == set(schemes.NAMES)


@pytest.mark.parametrize("name, raw, value", GOOD)
def test_good_value_validates_and_normalises(name, raw, value):
    scheme = schemes.get(name)
    checked = scheme.check(raw)
    assert checked.valid and checked.error is None
    assert checked.value == value
    assert len(checked.value) == scheme.length


@pytest.mark.parametrize("name, raw, error", BAD)
def test_bad_value_is_refused_with_a_clear_message(name, raw, error):
    checked = schemes.get(name).check(raw)
    assert not checked.valid
    assert checked.error is not None and checked.error.startswith(error)


@pytest.mark.parametrize("name", [s.name for s in schemes.SCHEMES if s.checked_as in identifiers.VECTORISED])
def test_check_many_agrees_with_check(name):
    scheme = schemes.get(name)
    raws = [raw for s, raw, _ in GOOD + BAD if s == name]
    values, valid, _ = identifiers.check_many(scheme.checked_as, raws)
    assert values == [scheme.check(r).value for r in raws]
    assert valid.tolist() == [scheme.check(r).valid for r in raws]


@given(st.text(max_size=20))
def test_a_check_never_raises(raw):
    for scheme in schemes.SCHEMES:
        assert isinstance(scheme.check(raw), identifiers.Checked)


@given(st.text(alphabet="0123456789ABHZ -\t", max_size=16))
def test_a_normalised_value_checks_as_its_raw_form_did(raw):
    """What is stored (the normalised value) is valid exactly when what was sent was."""
    for scheme in schemes.SCHEMES:
        checked = scheme.check(raw)
        again = scheme.check(checked.value)
        assert (again.value, again.valid, again.temporary) == (checked.value, checked.valid, checked.temporary)


def test_unknown_scheme_is_named():
    with pytest.raises(ValueError, match="unknown identifier scheme 'ni'; known: upn, former_upn, uln, nhs_number"):
        schemes.get("ni")


def test_entries_are_well_formed():
    assert len(set(schemes.NAMES)) == len(schemes.NAMES)
    assert len({s.label for s in schemes.SCHEMES}) == len(schemes.SCHEMES)
    for s in schemes.SCHEMES:
        assert s.checked_as in identifiers.SCHEMES, s.name
        assert s.checked_as in schemes.BY_NAME, f"{s.name}: checked as {s.checked_as}, which is no scheme"
        assert s.searches[0] == s.name, f"{s.name}: a search by it looks in it first"
        assert set(s.searches) <= set(schemes.NAMES), s.name
        if s.checked_as in identifiers.VECTORISED:    # it reads values of the scheme's length
            assert identifiers._VECTOR_WIDTH[s.checked_as] == s.length, s.name
        else:
            assert s.matching is None, f"{s.name}: matching needs identifiers.check_many for it"


def test_search_aliases_are_symmetric():
    """A search by a UPN finds a former UPN, and a search by a former UPN finds a UPN."""
    for s in schemes.SCHEMES:
        for other in s.searches:
            assert s.name in schemes.get(other).searches, f"{s.name} searches {other}, not the other way"
    assert schemes.get("upn").searches == ("upn", "former_upn")
    assert schemes.get("former_upn").searches == ("former_upn", "upn")
    assert schemes.get("uln").searches == ("uln",)
    assert schemes.get("nhs_number").searches == ("nhs_number",)


def test_schemes_searched_together_are_one_kind_of_number():
    for s in schemes.SCHEMES:
        assert {schemes.get(o).checked_as for o in s.searches} == {s.checked_as}, s.name


# What the matching derives from the registry, as it was spelled out before the registry
# (the shipped model was trained on exactly these).
def test_comparisons_rules_and_training_block_are_the_shipped_ones():
    assert [(c.name, c.levels) for c in compare.CENSUS if c.name in schemes.comparisons()] == [
        ("upn", ("agree", "conflict", "else")), ("nhs_number", ("agree", "conflict")), ("uln", ("agree", "conflict"))]
    assert [c.name for c in compare.CENSUS][-3:] == ["upn", "nhs_number", "uln"]
    assert blocking.RULES[:3] == (blocking.Rule("upn", (("upn", "former_upn"),)),
                                  blocking.Rule("nhs_number", (("nhs_number",),)),
                                  blocking.Rule("uln", (("uln",),)))
    identifiers_rule = train.TRAINING_RULES[0]
    assert identifiers_rule.rule.parts == (("upn", "former_upn", "nhs_number"),)
    assert identifiers_rule.fixed == ("upn", "nhs_number")
    assert decide.IDENTIFIERS == ("upn", "nhs_number", "uln")
    assert decide.CONFLICTS == ("upn", "nhs_number")


def test_every_matched_scheme_has_a_comparison_rule_and_column():
    for s in schemes.matched():
        assert s.matching.comparison in compare.LIBRARY, s.name
        assert s.matching.comparison in compare.FUNCTIONS, s.name
        assert s.matching.comparison in blocking.LIBRARY, s.name
        assert s.name in table.COLUMNS, s.name
    assert table.permanent("upn") in table.COLUMNS


def test_census_columns_and_rows_carry_every_scheme():
    """A scheme is a census CSV column and a field of CensusRow (add the field there)."""
    for name in schemes.NAMES:
        assert name in census.COLUMNS, name
        assert name in CensusRow.__struct_fields__, f"CensusRow has no field {name}"
        assert name in census.ROW_TEXT_FIELDS, name
    row = CensusRow(row=2, record_id="r1", forename="Ann", surname="Lee", dob=datetime.date(2019, 1, 2),
                    **{name: raw for name, raw, _ in GOOD})
    columns = census_columns.rows_to_columns([row])
    assert {name: columns[name].to_pylist() for name in schemes.NAMES} == {name: [raw] for name, raw, _ in GOOD}


def test_census_csv_reads_every_scheme():
    header = ",".join(["record_id", "forename", "surname", "dob", *schemes.NAMES])
    line = ",".join(["r1", "Ann", "Lee", "2019-01-02", *(raw.strip() for _, raw, _ in GOOD)])
    (row,) = list(census.read_text(header + "\n" + line + "\n"))
    assert isinstance(row, CensusRow)
    assert {name: getattr(row, name) for name in schemes.NAMES} == {name: raw.strip() for name, raw, _ in GOOD}
