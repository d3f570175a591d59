import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import blocking, table
from tests.factories import upn
from tests.matching.conftest import record

pool = st.fixed_dictionaries({
    "record_id": st.just("x"),
    "forename": st.sampled_from(["Amelia", "Olivia", "Oliver", ""]),
    "surname": st.sampled_from(["Smith", "Smyth", "Jones", "Fenwick-Ashby"]),
    "former_surname": st.sampled_from(["", "Jones"]),
    "dob": st.sampled_from(["2015-03-04", "2015-04-03", "2015-03-05", "2016-01-01", ""]),
    "postcode": st.sampled_from(["PE1 1AA", "CB2 1AA", ""]),
    "address_line1": st.sampled_from(["12 Mill Lane", "14 Mill Lane", "Mill Lane", ""]),
    "town": st.sampled_from(["Peterborough", ""]),
    "upn": st.sampled_from(["", upn(serial=1), upn(serial=2)]),
    "former_upn": st.sampled_from(["", upn(serial=1)]),
    "nhs_number": st.just(""), "uln": st.just(""),
})


@settings(max_examples=60, deadline=None)
@given(left=st.lists(pool, min_size=1, max_size=6), right=st.lists(pool, min_size=1, max_size=6))
def test_string_keys_and_array_blocking_agree(left, right):
    """The readable keys stored by the index and the in-memory join select the same pairs."""
    vocabs = table.Vocabs()
    L, R = table.build(vocabs, left), table.build(vocabs, right)
    for rules in (blocking.RULES, tuple(blocking.LIBRARY.values())):
        blocked = blocking.block(L, R, rules, cap=1000)
        got = set(zip(blocked.left.tolist(), blocked.right.tolist()))
        keys_l = [set(blocking.record_keys(table.build(vocabs, [r]), 0, rules)) for r in left]
        keys_r = [set(blocking.record_keys(table.build(vocabs, [r]), 0, rules)) for r in right]
        expected = {(i, j) for i in range(len(left)) for j in range(len(right)) if keys_l[i] & keys_r[j]}
        assert got == expected
        # The stored (hashed) keys select the same pairs as well.
        lrows, lkeys = blocking.stored_keys(L, rules)
        rrows, rkeys = blocking.stored_keys(R, rules)
        by_key: dict[int, set[int]] = {}
        for i, k in zip(lrows.tolist(), lkeys.tolist()):
            by_key.setdefault(k, set()).add(i)
        assert {(i, j) for j, k in zip(rrows.tolist(), rkeys.tolist()) for i in by_key.get(k, ())} == expected
        # One stored key per readable key of each row.
        assert np.bincount(lrows, minlength=len(L)).tolist() == [len(blocking.record_keys(L, i, rules)) for i in range(len(L))]
        # All rows at once give each row's keys exactly.
        assert blocking.all_record_keys(L, rules) == [blocking.record_keys(L, i, rules) for i in range(len(L))]


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(pool, min_size=1, max_size=12), cap=st.sampled_from([1, 2, 3, 1000]))
def test_blocking_within_one_table_gives_the_pairs_of_blocking_it_with_itself_once(rows, cap):
    tbl = table.build(table.Vocabs(), rows)
    for rules in (blocking.RULES, tuple(blocking.LIBRARY.values())):
        full = blocking.block(tbl, tbl, rules, cap=cap)
        expected = sorted((j, i) for i, j in zip(full.left.tolist(), full.right.tolist()) if i < j)
        within = blocking.block_within(tbl, rules, cap=cap)
        assert sorted(zip(within.right.tolist(), within.left.tolist())) == expected
        assert list(zip(within.right.tolist(), within.left.tolist())) == expected   # by later row
        assert within.capped_blocks == full.capped_blocks


def test_day_month_swap_and_former_upn_share_a_block():
    vocabs = table.Vocabs()
    L = table.build(vocabs, [record(dob="2015-03-04", upn="")])
    R = table.build(vocabs, [record(dob="2015-04-03", upn="", forename="Zed"),
                             record(dob="2001-01-01", forename="Q", surname="Q", postcode="", former_upn=upn(serial=1)),
                             record(dob="2001-01-01", forename="Q", surname="Q", postcode="")])
    L2 = table.build(vocabs, [record(upn=upn(serial=1))])
    assert set(blocking.block(L, R).right.tolist()) == {0}
    assert 1 in set(blocking.block(L2, R).right.tolist())


@pytest.mark.parametrize("dob, rule", [
    ("2015-03-21", "sounds_year_month"),    # the day wrong
    ("2015-08-14", "sounds_year_day"),      # the month wrong
    ("2016-03-14", "sounds_month_day"),     # the year wrong
])
def test_names_that_sound_alike_meet_with_a_date_wrong_in_one_part(dob, rule):
    """Moved (no postcode in common), both names misspelt, the date wrong in one part:
    only the rule on the other two parts puts the records in one block."""
    vocabs = table.Vocabs()
    L = table.build(vocabs, [record(forename="Amelia", surname="Testwood", dob="2015-03-14", postcode="PE1 1AA")])
    R = table.build(vocabs, [record(forename="Amelie", surname="Testwud", dob=dob, postcode="CB2 1AA",
                                    upn="", address_line1="")])
    blocked = blocking.block(L, R)
    assert len(blocked.left) == 1
    assert {name for name, n in blocked.pairs_by_rule.items() if n} == {rule}


def test_a_former_surname_meets_with_day_and_month_swapped():
    vocabs = table.Vocabs()
    L = table.build(vocabs, [record(surname="Testwood", dob="2015-03-04")])
    R = table.build(vocabs, [record(forename="Zed", surname="Other", former_surname="Testwood", dob="2015-04-03",
                                    postcode="", upn="")])
    blocked = blocking.block(L, R)
    assert {name for name, n in blocked.pairs_by_rule.items() if n} == {"dob_unordered_surnames_sound"}


def test_oversized_blocks_are_skipped_and_counted():
    vocabs = table.Vocabs()
    L = table.build(vocabs, [record(record_id=str(i)) for i in range(5)])
    R = table.build(vocabs, [record(record_id="in")])
    blocked = blocking.block(L, R, cap=4)
    assert len(blocked.left) == 0
    assert blocked.capped_blocks["dob_unordered_surnames_sound"] == 1
    assert blocked.capped_pairs["dob_unordered_surnames_sound"] == 5
    assert len(blocking.block(L, R, cap=5).left) == 5


def test_record_keys_are_readable():
    vocabs = table.Vocabs()
    pairs = blocking.record_keys(table.build(vocabs, [record(upn=upn(serial=1))]), 0)
    keys = dict(pairs)
    assert keys["upn"] == upn(serial=1)
    assert ("dob_name", "2015-03-14|amelia") in pairs and ("dob_name", "2015-03-14|testwood") in pairs
    assert keys["postcode_initial"] == "PE1 1AA|a"
    assert np.all([isinstance(v, str) for v in keys.values()])


def test_swapped_names_share_a_block_only_with_the_unordered_rule():
    vocabs = table.Vocabs()
    L = table.build(vocabs, [record(forename="Amelia", surname="Testwood", dob="2015-03-14")])
    R = table.build(vocabs, [record(forename="Testwood", surname="Amelia", dob="2001-01-01", postcode="",
                                    address_line1="")])
    assert len(blocking.block(L, R, blocking.RULES).left) == 0
    assert len(blocking.block(L, R, blocking.select(["names_unordered"])).left) == 1
    rule = blocking.select(["names_unordered"])
    assert ("names_unordered", "amelia|testwood") in blocking.record_keys(R, 0, rule)
    other = table.Vocabs()   # another run meets the names in the other order: the same key
    assert blocking.record_keys(table.build(other, [record(forename="Testwood", surname="Amelia")]), 0, rule) == \
        blocking.record_keys(table.build(table.Vocabs(), [record(forename="Amelia", surname="Testwood")]), 0, rule)


def test_select_names_an_unknown_rule():
    with pytest.raises(ValueError, match="unknown blocking rule.*no_such_rule"):
        blocking.select(["dob", "no_such_rule"])


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(pool, min_size=1, max_size=blocking.SMALL))
def test_stored_keys_of_a_few_rows_are_the_arrays_keys(rows):
    """The plain-Python path for a search's few readings gives exactly the vectorised keys."""
    tbl = table.build(table.Vocabs(), rows)
    for rules in (blocking.RULES, tuple(blocking.LIBRARY.values())):
        small_rows, small_keys = blocking._stored_keys_small(tbl, rules)
        saved, blocking.SMALL = blocking.SMALL, 0
        try:
            big_rows, big_keys = blocking.stored_keys(tbl, rules)
        finally:
            blocking.SMALL = saved
        assert sorted(zip(small_rows.tolist(), small_keys.tolist())) == sorted(zip(big_rows.tolist(),
                                                                                   big_keys.tolist()))
