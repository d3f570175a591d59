"""index.feeds.parse's per-row value checks: the one search over a row's text run together
passes or sends on exactly the rows the field-by-field check does."""

import datetime as dt

import msgspec
from hypothesis import given, settings, strategies as st

from index.feeds import parse
from matching import census, normalise
from matching.census import Carer, CensusRow

TEXT = ("record_id", "forename", "surname", "upn", "middle_names", "town", "postcode")
# Mostly plain letters, now and then a C0/C1 control or a bidirectional mark.
CHARS = st.sampled_from(["a", "B", " ", "é", "\n", "\t", "\x85", "\u202e", "\u200f", "\u2066"])
VALUE = st.text(CHARS, max_size=6)


def by_field_control(row: CensusRow) -> str | None:
    """The field-by-field check, as parse had it before its fast path."""
    for name in census.COLUMNS:
        if name.startswith("carer"):
            continue
        value = getattr(row, name, None)
        if isinstance(value, str) and parse.CONTROL.search(value):
            return name
    for i, carer in enumerate(row.carers, start=1):
        for field in census.CARER_FIELDS:
            value = getattr(carer, field)
            if isinstance(value, str) and parse.CONTROL.search(value):
                return f"carer{i}_{field}"
    return None


@st.composite
def rows(draw) -> CensusRow:
    values = {name: draw(VALUE) for name in TEXT}
    carers = tuple(Carer(draw(VALUE), draw(VALUE), draw(st.none() | VALUE), draw(st.none() | st.booleans()),
                         draw(st.none() | VALUE)) for _ in range(draw(st.integers(0, 2))))
    return CensusRow(row=2, dob=dt.date(2015, 3, 14), carers=carers, **values)


@settings(max_examples=300, deadline=None)
@given(rows())
def test_the_first_field_with_a_control_character_is_named_as_before(row):
    assert parse._control_character(row, parse._text(row)) == by_field_control(row)


@settings(max_examples=300, deadline=None)
@given(rows())
def test_bidirectional_marks_go_from_every_text_value_and_only_they(row):
    got = parse._without_bidi(row, parse._text(row))
    for name in census.ROW_TEXT_FIELDS:
        before = getattr(row, name)
        assert getattr(got, name) == (normalise.strip_bidi(before) if isinstance(before, str) else before)
    assert len(got.carers) == len(row.carers)
    for mine, theirs in zip(got.carers, row.carers):
        for value, was in zip(msgspec.structs.astuple(mine), msgspec.structs.astuple(theirs)):
            assert value == (normalise.strip_bidi(was) if isinstance(was, str) else was)
    if not any(parse.BIDI.search(v) for v in (*(getattr(row, n) for n in TEXT),
                                              *(x for c in row.carers for x in msgspec.structs.astuple(c)))
               if isinstance(v, str)):
        assert got is row   # nothing to strip: the row itself, not a copy
