import datetime

import pytest
from hypothesis import given, strategies as st

from matching.normalise import (
    days_either_side, fold, name_parts, near_dates, normalise_sex, parse_date, strip_bidi, surname_variants,
    swap_day_month, unsafe_character,
)


@pytest.mark.parametrize("text, expected", [
    ("O'Brien", "obrien"),
    ("O’Brien", "obrien"),
    ("O‘Brien", "obrien"),
    ("O`Brien", "obrien"),
    ("Smith-Jones", "smith jones"),
    ("  SMITH   jones ", "smith jones"),
    ("St. John-Smythe, Jr.", "st john smythe jr"),
    ("Zoë", "zoe"),
    ("José Núñez", "jose nunez"),
    ("Dvořák", "dvorak"),
    ("Straße", "strasse"),
    ("Æsa", "aesa"),
    ("Cœur", "coeur"),
    ("Søren Ørsted", "soren orsted"),
    ("Łukasz Wałęsa", "lukasz walesa"),
    ("Đorđević", "dordevic"),
    ("Þór", "thor"),
    ("ﬁnn", "finn"),          # compatibility ligature
    ("Anne_Marie", "anne marie"),
    ("Mary-Jane (MJ)", "mary jane mj"),
    ("", ""),
    ("   ", ""),
    ("-- ' --", ""),
    (None, ""),
])
def test_fold(text, expected):
    assert fold(text) == expected


@given(st.text())
def test_fold_idempotent(text):
    once = fold(text)
    assert fold(once) == once


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_fold_of_ascii_text_is_the_unicode_path_s(text):
    from matching.normalise import _fold_unicode
    assert fold(text) == _fold_unicode(text)


@given(st.text())
def test_fold_shape(text):
    out = fold(text)
    assert out == out.strip()
    assert "  " not in out
    assert out == out.casefold()


@pytest.mark.parametrize("text, expected", [
    ("Mary-Jane  O'Neill", ["mary", "jane", "oneill"]),
    ("Zoë", ["zoe"]),
    ("", []),
    (None, []),
])
def test_name_parts(text, expected):
    assert name_parts(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Smith", ["smith"]),
    ("Smith-Jones", ["smith jones", "smith", "jones"]),
    ("McDonald", ["mcdonald", "macdonald"]),
    ("MacDonald", ["macdonald"]),
    ("McDonald-Smith", ["mcdonald smith", "mcdonald", "smith", "macdonald"]),
    ("Smith Smith", ["smith smith", "smith"]),
    ("O'Brien", ["obrien"]),
    ("Mc", ["mc"]),
    ("", []),
    (None, []),
])
def test_surname_variants(text, expected):
    assert surname_variants(text) == expected


@given(st.text())
def test_surname_variants_shape(text):
    keys = surname_variants(text)
    assert len(keys) == len(set(keys))
    if keys:
        assert keys[0] == fold(text)
    else:
        assert fold(text) == ""


@pytest.mark.parametrize("text, expected", [
    ("2015-02-28", datetime.date(2015, 2, 28)),
    ("28/02/2015", datetime.date(2015, 2, 28)),
    ("  2016-02-29\n", datetime.date(2016, 2, 29)),
    ("1/2/2015", datetime.date(2015, 2, 1)),
    ("01/12/2010", datetime.date(2010, 12, 1)),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text, message", [
    ("2015-02-30", "no such date: 2015-02-30"),
    ("30/02/2015", "no such date: 30/02/2015"),
    ("2015-13-01", "no such date: 2015-13-01"),
    ("0000-01-01", "no such date: 0000-01-01"),
    ("2015/02/28", "not a date: expected YYYY-MM-DD or DD/MM/YYYY"),
    ("28-02-2015", "not a date: expected YYYY-MM-DD or DD/MM/YYYY"),
    ("2015-2-28", "not a date: expected YYYY-MM-DD or DD/MM/YYYY"),
    ("yesterday", "not a date: expected YYYY-MM-DD or DD/MM/YYYY"),
    ("", "not a date: expected YYYY-MM-DD or DD/MM/YYYY"),
    ("２０１５-02-28", "not a date: expected YYYY-MM-DD or DD/MM/YYYY"),  # full-width digits
])
def test_parse_date_errors(text, message):
    with pytest.raises(ValueError) as info:
        parse_date(text)
    assert str(info.value).startswith(message)


@given(st.text())
def test_parse_date_only_value_error(text):
    try:
        parse_date(text)
    except ValueError:
        pass


@given(st.dates(min_value=datetime.date(1000, 1, 1)))
def test_parse_date_round_trip(d):
    assert parse_date(d.isoformat()) == d
    assert parse_date(d.strftime("%d/%m/") + f"{d.year:04d}") == d


@pytest.mark.parametrize("d, expected", [
    (datetime.date(2015, 3, 4), datetime.date(2015, 4, 3)),
    (datetime.date(2015, 12, 1), datetime.date(2015, 1, 12)),
    (datetime.date(2015, 3, 3), None),
    (datetime.date(2015, 3, 13), None),
    (datetime.date(2015, 2, 28), None),
])
def test_swap_day_month(d, expected):
    assert swap_day_month(d) == expected


@given(st.dates())
def test_swap_day_month_is_an_involution(d):
    swapped = swap_day_month(d)
    if swapped is not None:
        assert swapped != d
        assert swap_day_month(swapped) == d


@pytest.mark.parametrize("text, expected", [
    ("M", "male"), ("m", "male"), ("Male", "male"), ("male", "male"), (" MALE ", "male"),
    ("F", "female"), ("f", "female"), ("Female", "female"),
    ("U", "not_specified"), ("Unknown", "not_specified"), ("N", "not_specified"),
    ("Not specified", "not_specified"), ("not  specified", "not_specified"),
    ("X", "not_specified"), ("", "not_specified"), (None, "not_specified"),
])
def test_normalise_sex(text, expected):
    assert normalise_sex(text) == expected


@pytest.mark.parametrize("text", ["boy", "1", "Mal", "FM"])
def test_normalise_sex_rejects(text):
    with pytest.raises(ValueError, match=repr(text)):
        normalise_sex(text)


@pytest.mark.parametrize("d, present, absent", [
    (datetime.date(2015, 3, 4), [datetime.date(2015, 3, 31), datetime.date(2015, 11, 4),
                                 datetime.date(2014, 3, 4), datetime.date(2016, 3, 4)],
     [datetime.date(2015, 3, 4), datetime.date(2015, 4, 5), datetime.date(2017, 3, 4)]),
    (datetime.date(2016, 2, 29), [datetime.date(2016, 2, 1), datetime.date(2016, 12, 29)],
     [datetime.date(2015, 2, 28), datetime.date(2016, 2, 29)]),
    (datetime.date(2015, 1, 31), [datetime.date(2015, 12, 31), datetime.date(2015, 1, 1)],
     [datetime.date(2015, 12, 30)]),
])
def test_near_dates(d, present, absent):
    near = near_dates(d)
    for x in present:
        assert x in near
    for x in absent:
        assert x not in near


@given(st.dates(min_value=datetime.date(1001, 1, 1), max_value=datetime.date(9998, 12, 31)))
def test_near_dates_differ_in_one_part(d):
    near = near_dates(d)
    assert d not in near and len(near) == len(set(near)) and 28 <= len(near) <= 44
    for x in near:
        assert sum((x.year != d.year, x.month != d.month, x.day != d.day)) == 1


@pytest.mark.parametrize("d, either_side", [
    (datetime.date(2015, 3, 31), [datetime.date(2015, 3, 30), datetime.date(2015, 4, 1)]),
    (datetime.date(2015, 12, 31), [datetime.date(2015, 12, 30), datetime.date(2016, 1, 1)]),
    (datetime.date(2016, 3, 1), [datetime.date(2016, 2, 29), datetime.date(2016, 3, 2)]),
    (datetime.date.min, [datetime.date(1, 1, 2)]),
])
def test_days_either_side(d, either_side):
    assert days_either_side(d) == either_side


@pytest.mark.parametrize("text, unsafe", [
    ("Ellis", None),
    ("Ñoño O'Brien-Smith", None),
    ("علي", None),
    ("\u200fAli", None),                     # a right-to-left mark is allowed; it overrides nothing
    ("El\x00is", "a control character (U+0000)"),
    ("Ann\tSmith", "a control character (U+0009)"),
    ("Smith\x7f", "a control character (U+007F)"),
    ("Smith\x85", "a control character (U+0085)"),
    ("Smith\x9f", "a control character (U+009F)"),
    ("\u202eSmith", "a bidirectional formatting character (U+202E)"),
    ("Smith\u202a", "a bidirectional formatting character (U+202A)"),
    ("\u2066Smith\u2069", "a bidirectional formatting character (U+2066)"),
])
def test_unsafe_character(text, unsafe):
    found = unsafe_character(text)
    assert found == (None if unsafe is None else f"contains {unsafe}, which is not allowed")


@pytest.mark.parametrize("text, expected", [
    ("\u202eSmith", "Smith"),
    ("\u2066Ali\u2069 \u202bKhan\u202c", "Ali Khan"),
    ("\u200fAli", "\u200fAli"),
    ("Ellis", "Ellis"),
])
def test_strip_bidi(text, expected):
    assert strip_bidi(text) == expected
    assert unsafe_character(strip_bidi(text)) is None
