"""The survivorship rules (index.feeds.survivorship), case by case."""

from __future__ import annotations

import datetime as dt

import pytest

from index.feeds.survivorship import Record, derive, pick

LA, SCHOOL, GP, OTHER = 1, 2, 3, 4          # ranks as shipped (source_kind_ranks)


def at(day: int) -> dt.datetime:
    return dt.datetime(2026, 1, day, tzinfo=dt.timezone.utc)


def rec(source: int, rank: int, day: int, **values) -> Record:
    return Record(source=source, rank=rank, updated_at=at(day), values=values)


@pytest.mark.parametrize("records, expected", [
    # One record: its value.
    ([rec(1, SCHOOL, 1, surname="Testwood")], "Testwood"),
    # Missing never blanks: a later record without the value does not take part.
    ([rec(1, SCHOOL, 1, surname="Testwood"), rec(2, GP, 9, surname=None)], "Testwood"),
    ([rec(1, SCHOOL, 1, surname="Testwood"), rec(2, LA, 9, surname="  ")], "Testwood"),
    # Two sources agreeing beat one source's variant, whatever its rank or date.
    ([rec(1, SCHOOL, 1, surname="Testwood"), rec(2, GP, 2, surname="Testwood"), rec(3, LA, 9, surname="Tesstwood")],
     "Testwood"),
    # Agreement is on normalised values: case, accents and punctuation do not split a vote.
    ([rec(1, GP, 1, surname="O'Brien"), rec(2, OTHER, 2, surname="OBRIEN"), rec(3, LA, 9, surname="Bryan")],
     "O'Brien"),
    # ... and the agreeing group shows its best-ranked record's spelling.
    ([rec(1, GP, 9, surname="OBRIEN"), rec(2, SCHOOL, 1, surname="O'Brien"), rec(3, LA, 5, surname="Bryan")],
     "O'Brien"),
    # One source's two records count once.
    ([rec(1, SCHOOL, 1, surname="Testwood"), rec(1, SCHOOL, 2, surname="Testwood"), rec(2, LA, 3, surname="Smith")],
     "Smith"),
    # As many sources each: the LA outranks a school, a school a GP, a GP the others.
    ([rec(1, SCHOOL, 9, surname="Smyth"), rec(2, LA, 1, surname="Smith")], "Smith"),
    ([rec(1, GP, 9, surname="Smyth"), rec(2, SCHOOL, 1, surname="Smith")], "Smith"),
    ([rec(1, OTHER, 9, surname="Smyth"), rec(2, GP, 1, surname="Smith")], "Smith"),
    # Same rank: the most recent.
    ([rec(1, SCHOOL, 1, surname="Smith"), rec(2, SCHOOL, 5, surname="Smyth")], "Smyth"),
    ([rec(1, SCHOOL, 5, surname="Smith"), rec(2, SCHOOL, 1, surname="Smyth")], "Smith"),
    # No record gives one: None (the child keeps its own).
    ([rec(1, SCHOOL, 1, surname=None)], None),
    ([], None),
])
def test_a_name(records, expected):
    assert pick(records, "surname") == expected
    assert pick(list(reversed(records)), "surname") == expected      # never depends on order


@pytest.mark.parametrize("records, expected", [
    ([rec(1, SCHOOL, 1, sex="female"), rec(2, GP, 9, sex=None)], "female"),     # 'U' is missing
    ([rec(1, GP, 1, sex="female"), rec(2, OTHER, 2, sex="female"), rec(3, LA, 9, sex="male")], "female"),
    ([rec(1, SCHOOL, 9, sex="male"), rec(2, LA, 1, sex="female")], "female"),
])
def test_sex(records, expected):
    assert pick(records, "sex") == expected


@pytest.mark.parametrize("records, expected", [
    ([rec(1, SCHOOL, 1, dob=dt.date(2015, 3, 14)), rec(2, GP, 9, dob=dt.date(2015, 3, 14)),
      rec(3, LA, 9, dob=dt.date(2015, 3, 4))], dt.date(2015, 3, 14)),
    ([rec(1, SCHOOL, 1, dob=dt.date(2015, 3, 14)), rec(2, LA, 9, dob=dt.date(1900, 1, 1))], dt.date(2015, 3, 14)),
])
def test_date_of_birth(records, expected):
    assert pick(records, "dob") == expected


HOME = dict(address_line1="12 Mill Lane", address_line2=None, town="Peterborough", postcode="PE1 1AA")
CURRENT = dict(forename="Amelia", middle_names="Rose", surname="Testwood", preferred_forename=None,
               preferred_surname=None, sex="female", dob=dt.date(2015, 3, 14), address_state="known",
               address_line1="12 Mill Lane", address_line2="Eastfield", town="Peterborough", postcode="PE1 1AA")


@pytest.mark.parametrize("records, expected", [
    # A GP record with the postcode and no first line keeps the first line (and the
    # second, which no record gives, at the same place).
    ([rec(1, SCHOOL, 1, **HOME), rec(2, GP, 9, postcode="PE1 1AA")],
     ("12 Mill Lane", "Eastfield", "Peterborough", "PE1 1AA")),
    # A record with no address at all changes nothing.
    ([rec(1, SCHOOL, 1, **HOME), rec(2, LA, 9)], ("12 Mill Lane", "Eastfield", "Peterborough", "PE1 1AA")),
    # Two sources at a new postcode: the child has moved; the old lines are not kept.
    ([rec(1, LA, 1, **HOME), rec(2, SCHOOL, 5, address_line1="3 New Road", postcode="CB2 1AA"),
      rec(3, GP, 9, postcode="CB2 1AA")], ("3 New Road", None, None, "CB2 1AA")),
    # One source each: the LA's address, whole, not the newer school's.
    ([rec(1, LA, 1, **HOME), rec(2, SCHOOL, 9, address_line1="3 New Road", town="Cambridge", postcode="CB2 1AA")],
     ("12 Mill Lane", "Eastfield", "Peterborough", "PE1 1AA")),
    # A first line without a postcode joins the address with that first line.
    ([rec(1, GP, 1, address_line1="3 NEW ROAD", town="Cambridge"),
      rec(2, SCHOOL, 5, address_line1="3 New Road", postcode="CB2 1AA"), rec(3, LA, 9, **HOME)],
     ("3 New Road", None, "Cambridge", "CB2 1AA")),
])
def test_the_address_is_chosen_whole(records, expected):
    got = derive(CURRENT, records)
    assert (got["address_line1"], got["address_line2"], got["town"], got["postcode"]) == expected


def test_no_fixed_abode_keeps_no_address():
    current = {**CURRENT, "address_state": "no_fixed_abode", "address_line1": None, "address_line2": None,
               "town": None, "postcode": None}
    got = derive(current, [rec(1, SCHOOL, 1, **HOME)])
    assert [got[k] for k in ("address_line1", "postcode")] == [None, None]


def test_fields_are_chosen_one_by_one_and_the_child_keeps_what_no_record_gives():
    records = [rec(1, SCHOOL, 1, forename="Amelia", surname="Testwood", sex=None),
               rec(2, GP, 9, forename="Amelie", surname="Testwood-Hall")]
    got = derive(CURRENT, records)
    assert (got["forename"], got["surname"], got["middle_names"], got["sex"], got["dob"]) == (
        "Amelia", "Testwood", "Rose", "female", dt.date(2015, 3, 14))
