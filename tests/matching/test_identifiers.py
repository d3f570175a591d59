import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from matching.identifiers import (
    NHS_RANGES,
    LA_CODES, SCHEMES, UPN_ALPHABET, Checked, PostcodeParts, check, check_gp_practice, check_many,
    check_laestab, check_ni_number, check_nhs_number, check_postcode, check_uln, check_upn,
    check_urn, nhs_check_digit, normalise_identifier, normalise_postcode, postcode_parts,
    upn_check_letter,
)

DIGITS = "0123456789"


# --- helpers ---------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("b801 2000-0500 1", "B801200005001"),
    ("  943 476 5919\t", "9434765919"),
    ("ab-12-34-56-c", "AB123456C"),
    ("", ""),
])
def test_normalise_identifier(raw, expected):
    assert normalise_identifier(raw) == expected


@pytest.mark.parametrize("code, present", [
    ("001", True), ("005", True), ("006", False), ("201", True), ("213", True), ("214", False),
    ("420", True), ("681", True), ("804", False), ("815", True), ("865", True), ("896", True),
    ("897", False), ("900", False), ("908", True), ("943", True), ("944", False),
])
def test_la_codes(code, present):
    assert (code in LA_CODES) is present


def test_la_codes_are_three_digit_strings():
    assert all(len(c) == 3 and c.isdigit() for c in LA_CODES)
    assert len(LA_CODES) == 195


# --- UPN -------------------------------------------------------------------

@pytest.mark.parametrize("raw, temporary", [
    ("B801200005001", False),   # sum 93 -> B
    ("G80120000101A", True),    # sum 52 -> G
    ("X00180001701A", True),    # sum 135 -> X
    ("H801200001001", False),   # the corrected form of Z801200001001
    ("b801 2000 0500 1", False),
    ("g8012-0000-101a", True),
])
def test_upn_valid(raw, temporary):
    c = check_upn(raw)
    assert c.valid, c.error
    assert c.temporary is temporary
    assert c.value == normalise_identifier(raw)
    assert c.raw == raw and c.scheme == "upn" and c.error is None


@pytest.mark.parametrize("raw, error", [
    ("A801200005001", "check letter should be B"),
    ("Z801200001001", "check letter should be H"),
    ("G80120000101S", "position 13 letter must not be I, O or S"),
    ("G80120000101I", "position 13 letter must not be I, O or S"),
    ("R900400001001", "LA code 900 is not a DfE LA code"),
    ("B80120000500", "must be 13 characters"),
    ("B8012000050011", "must be 13 characters"),
    ("", "must be 13 characters"),
    ("1801200005001", "must be a letter, 12 digits (or 11 digits and a letter for a temporary UPN)"),
    ("B8012000050A1", "must be a letter, 12 digits (or 11 digits and a letter for a temporary UPN)"),
])
def test_upn_invalid(raw, error):
    c = check_upn(raw)
    assert not c.valid
    assert c.error == error


def test_upn_check_letter_examples():
    assert upn_check_letter("801200005001") == "B"
    assert upn_check_letter("80120000101A") == "G"
    assert upn_check_letter("00180001701A") == "X"
    assert upn_check_letter("801200001001") == "H"


@pytest.mark.parametrize("body", ["", "80120000500", "80120000101S", "8012000010A1"])
def test_upn_check_letter_rejects_bad_body(body):
    with pytest.raises(ValueError):
        upn_check_letter(body)


upn_bodies = st.tuples(
    st.sampled_from(sorted(LA_CODES)),
    st.text(DIGITS, min_size=8, max_size=8),
    st.sampled_from(list(DIGITS) + list(UPN_ALPHABET)),
).map(lambda t: "".join(t))


@given(upn_bodies)
def test_generated_upn_validates(body):
    c = check_upn(upn_check_letter(body) + body)
    assert c.valid, c.error
    assert c.temporary is body[-1].isalpha()


@given(upn_bodies, st.sampled_from(UPN_ALPHABET))
def test_wrong_upn_letter_rejected(body, letter):
    c = check_upn(letter + body)
    assert c.valid is (letter == upn_check_letter(body))


# --- ULN -------------------------------------------------------------------

def test_uln_valid_example():
    c = check_uln("9276308686")
    assert c.valid and c.value == "9276308686" and c.scheme == "uln"
    assert check_uln(" 92763 08686 ").valid


@pytest.mark.parametrize("raw, error", [
    ("9276308685", "check digit is wrong"),
    ("0276308686", "must not start with 0"),
    ("927630868", "must be 10 digits"),
    ("92763086861", "must be 10 digits"),
    ("927630868X", "must be 10 digits"),
    ("", "must be 10 digits"),
])
def test_uln_invalid(raw, error):
    c = check_uln(raw)
    assert not c.valid and c.error == error


# --- NHS number --------------------------------------------------------------

@pytest.mark.parametrize("first9, digit", [
    ("943476591", 9),   # worked example: sum 299 -> 9
    ("401023213", 7),
    ("999000001", 8),
    ("600000000", 6),
    ("000000000", 0),   # 11 means 0
    ("400000008", None),  # 10: never issued
])
def test_nhs_check_digit(first9, digit):
    assert nhs_check_digit(first9) == digit


@pytest.mark.parametrize("raw, flags", [
    ("9434765919", ()),  # the worked example in identifiers.md
    ("4010232137", ()),
    ("401 023 2137", ()),
    ("401-023-2137", ()),
    ("6000000006", ()),
    ("3000000003", ()),
    ("9990000018", ("test_range",)),
    ("999 999 9999", ("test_range",)),
])
def test_nhs_valid(raw, flags):
    c = check_nhs_number(raw)
    assert c.valid, c.error
    assert c.flags == flags
    assert len(c.value) == 10


@pytest.mark.parametrize("raw, error", [
    ("9434765918", "check digit should be 9"),
    ("0000000000", "prefix 000 is outside the issued ranges (010-311, 320-499, 600-799, 900-999)"),
    ("5000000000", "prefix 500 is outside the issued ranges (010-311, 320-499, 600-799, 900-999)"),
    ("8000000000", "prefix 800 is outside the issued ranges (010-311, 320-499, 600-799, 900-999)"),
    ("4010232136", "check digit should be 7"),
    ("9990000017", "check digit should be 8"),
    ("4000000080", "check digit would be 10: never issued"),
    ("401023213", "must be 10 digits"),
    ("40102321370", "must be 10 digits"),
    ("401O232137", "must be 10 digits"),
    ("", "must be 10 digits"),
])
def test_nhs_invalid(raw, error):
    c = check_nhs_number(raw)
    assert not c.valid and c.error == error


def test_nhs_bad_test_range_keeps_flag():
    assert check_nhs_number("9990000017").flags == ("test_range",)


@given(st.text(DIGITS, min_size=9, max_size=9))
def test_nhs_computed_check_digit_validates(first9):
    digit = nhs_check_digit(first9)
    c = check_nhs_number(first9 + str(digit if digit is not None else 0))
    prefix = int(first9[:3])
    in_range = any(lo <= prefix <= hi for lo, hi in NHS_RANGES)
    assert c.valid is (digit is not None and in_range)


@given(st.text(DIGITS, min_size=10, max_size=10))
def test_never_both_nhs_and_uln(number):
    assert not (check_nhs_number(number).valid and check_uln(number).valid)


# --- NI number ---------------------------------------------------------------

@pytest.mark.parametrize("raw, value, flags", [
    ("AB123456C", "AB123456C", ()),
    ("ab 12 34 56 c", "AB123456C", ()),
    ("JG103759A", "JG103759A", ()),
    ("ZA123456D", "ZA123456D", ()),
    ("PP123456A", "PP123456A", ("administrative_prefix",)),
    ("CR123456A", "CR123456A", ("administrative_prefix",)),
    ("MW123456B", "MW123456B", ("administrative_prefix",)),
    ("NC123456C", "NC123456C", ("administrative_prefix",)),
    ("PY123456D", "PY123456D", ("administrative_prefix",)),
    ("PZ123456A", "PZ123456A", ("administrative_prefix",)),
])
def test_ni_valid(raw, value, flags):
    c = check_ni_number(raw)
    assert c.valid, c.error
    assert c.value == value and c.flags == flags


@pytest.mark.parametrize("raw", [
    "BG123456A", "GB123456A", "KN123456A", "NK123456A", "NT123456A", "TN123456A", "ZZ123456A",
    "QQ123456C",   # Q never first
    "DA123456A",   # D never first
    "AO123456A",   # O never second
    "AB123456E",   # suffix A-D only
    "FY123456A",   # administrative prefix, but F fails the doc's pattern
    "A1123456A",
])
def test_ni_invalid_pattern(raw):
    c = check_ni_number(raw)
    assert not c.valid and c.error == "not a valid NI number pattern"


def test_ni_invalid_length_and_admin_flag_on_invalid():
    assert check_ni_number("AB12345C").error == "must be 9 characters (2 letters, 6 digits, A-D)"
    assert check_ni_number("FY123456A").flags == ("administrative_prefix",)


# --- URN, LAESTAB, GP practice -------------------------------------------------

@pytest.mark.parametrize("raw", ["XXXXXX", "xxxxxx", "XxXxXx", "", "   ", " XXX XXX "])
def test_urn_unknown(raw):
    assert check_urn(raw) is None


def test_urn():
    c = check_urn(" 100000 ")
    assert c.valid and c.value == "100000" and c.scheme == "urn"
    for bad in ("12345", "1234567", "12345X", "XXXXX"):
        c = check_urn(bad)
        assert not c.valid and c.error == "must be 6 digits"


@pytest.mark.parametrize("raw", ["801/2000", "8012000", "801 2000", " 801 / 2000 ", "801-2000"])
def test_laestab_valid(raw):
    c = check_laestab(raw)
    assert c.valid, c.error
    assert c.value == "8012000"


@pytest.mark.parametrize("raw, error", [
    ("900/2000", "LA code 900 is not a DfE LA code"),
    ("9002000", "LA code 900 is not a DfE LA code"),
    ("801/200", "must be 7 digits (3-digit LA code + 4-digit establishment)"),
    ("80120001", "must be 7 digits (3-digit LA code + 4-digit establishment)"),
    ("80/12000", "must be 7 digits (3-digit LA code + 4-digit establishment)"),
    ("", "must be 7 digits (3-digit LA code + 4-digit establishment)"),
])
def test_laestab_invalid(raw, error):
    c = check_laestab(raw)
    assert not c.valid and c.error == error


@pytest.mark.parametrize("raw, valid", [
    ("A81001", True), ("a81001", True), (" Y02 345 ", True),
    ("A8100", False), ("A810011", False), ("AA1001", False), ("181001", False), ("", False),
])
def test_gp_practice(raw, valid):
    c = check_gp_practice(raw)
    assert c.valid is valid
    assert (c.error is None) is valid


# --- Postcode ----------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("ba21 4pj", "BA21 4PJ"),
    ("BA214PJ", "BA21 4PJ"),
    ("  BA 21 4 PJ ", "BA21 4PJ"),
    ("sw1a2aa", "SW1A 2AA"),
    ("BFPO 1234", "BFPO 1234"),
    ("bfpo1234", "BFPO 1234"),
    ("BFPO 7", "BFPO 7"),
    ("AB", "AB"),
    ("", ""),
])
def test_normalise_postcode(raw, expected):
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw, value, flags", [
    ("ba21 4pj", "BA21 4PJ", ()),
    ("EC1A 1BB", "EC1A 1BB", ()),
    ("W1A 0AX", "W1A 0AX", ()),
    ("M1 1AE", "M1 1AE", ()),
    ("B33 8TH", "B33 8TH", ()),
    ("CR2 6XH", "CR2 6XH", ()),
    ("DN55 1PT", "DN55 1PT", ()),
    ("gir0aa", "GIR 0AA", ()),
    ("BFPO 1234", "BFPO 1234", ("bfpo",)),
    ("BFPO 1", "BFPO 1", ("bfpo",)),
    ("BF1 3AA", "BF1 3AA", ("bfpo",)),
])
def test_postcode_valid(raw, value, flags):
    c = check_postcode(raw)
    assert c.valid, c.error
    assert c.value == value and c.flags == flags


@pytest.mark.parametrize("raw", [
    "QA1 1AA",      # Q not a first letter
    "BA21 4CJ",     # C not allowed in the inward code
    "BA21",
    "BFPO 12345",
    "BFPO",
    "12345",
    "",
])
def test_postcode_invalid(raw):
    c = check_postcode(raw)
    assert not c.valid and c.error == "not a valid UK postcode"


@pytest.mark.parametrize("raw, parts", [
    ("ba21 4pj", PostcodeParts("BA21 4PJ", "BA21 4", "BA21", "BA")),
    ("EC1A1BB", PostcodeParts("EC1A 1BB", "EC1A 1", "EC1A", "EC")),
    ("M1 1AE", PostcodeParts("M1 1AE", "M1 1", "M1", "M")),
    ("BFPO 1234", None),
    ("not a postcode", None),
])
def test_postcode_parts(raw, parts):
    assert postcode_parts(raw) == parts


@given(st.text())
def test_normalise_postcode_idempotent(raw):
    once = normalise_postcode(raw)
    assert normalise_postcode(once) == once


# --- dispatch and robustness -------------------------------------------------

def test_schemes_and_dispatch():
    assert set(SCHEMES) == {"upn", "uln", "nhs_number", "ni_number", "postcode", "urn",
                            "laestab", "gp_practice"}
    assert check("nhs_number", "9990000018").valid
    assert check("urn", "XXXXXX") is None
    with pytest.raises(ValueError, match="unknown identifier scheme 'passport'"):
        check("passport", "123")


def test_checked_is_frozen():
    c = check_uln("9276308686")
    with pytest.raises(AttributeError):
        c.valid = False  # type: ignore[misc]


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
@given(raw=st.text())
def test_any_text_never_raises(scheme, raw):
    c = SCHEMES[scheme](raw)
    if c is None:
        assert scheme == "urn"
        return
    assert isinstance(c, Checked)
    assert c.scheme == scheme and c.raw == raw
    assert c.valid is (c.error is None)
    if c.valid:
        assert c.value.isascii()


# --- check_many (vectorised) ---------------------------------------------------

def assert_matches_scalar(scheme, raws):
    values, valid, temporary = check_many(scheme, raws)
    assert isinstance(values, list)
    assert isinstance(valid, np.ndarray) and valid.dtype == bool and valid.shape == (len(raws),)
    assert isinstance(temporary, np.ndarray) and temporary.dtype == bool and temporary.shape == (len(raws),)
    got = list(zip(values, valid.tolist(), temporary.tolist()))
    expected = [(c.value, c.valid, c.temporary) for c in (check(scheme, raw) for raw in raws)]
    assert got == expected


# Every worked example above, with what the scalar checkers give for it.
CHECK_MANY_EXAMPLES = [
    # scheme, raw, value, valid, temporary
    ("upn", "B801200005001", "B801200005001", True, False),
    ("upn", "G80120000101A", "G80120000101A", True, True),
    ("upn", "X00180001701A", "X00180001701A", True, True),
    ("upn", "H801200001001", "H801200001001", True, False),
    ("upn", "b801 2000 0500 1", "B801200005001", True, False),
    ("upn", "g8012-0000-101a", "G80120000101A", True, True),
    ("upn", "A801200005001", "A801200005001", False, False),
    ("upn", "Z801200001001", "Z801200001001", False, False),
    ("upn", "G80120000101S", "G80120000101S", False, False),
    ("upn", "G80120000101I", "G80120000101I", False, False),
    ("upn", "R900400001001", "R900400001001", False, False),
    ("upn", "B80120000500", "B80120000500", False, False),
    ("upn", "B8012000050011", "B8012000050011", False, False),
    ("upn", "1801200005001", "1801200005001", False, False),
    ("upn", "B8012000050A1", "B8012000050A1", False, False),
    ("upn", "Q207000016049", "Q207000016049", False, False),   # the vendor page's wrong letter
    ("upn", "P207000016049", "P207000016049", True, False),    # sum 266 -> P
    ("upn", "A80120000101A", "A80120000101A", False, True),    # wrong letter: temporary, invalid
    ("upn", "G90040000101A", "G90040000101A", False, True),    # no LA code: temporary, invalid
    ("upn", "180120000101A", "180120000101A", False, False),   # digit first: not even temporary
    ("upn", "G8012000010", "G8012000010", False, False),
    ("upn", "", "", False, False),
    ("upn", None, "", False, False),
    ("uln", "9276308686", "9276308686", True, False),
    ("uln", " 92763 08686 ", "9276308686", True, False),
    ("uln", "9276308685", "9276308685", False, False),
    ("uln", "0276308686", "0276308686", False, False),
    ("uln", "927630868", "927630868", False, False),
    ("uln", "92763086861", "92763086861", False, False),
    ("uln", "927630868X", "927630868X", False, False),
    ("uln", "", "", False, False),
    ("uln", None, "", False, False),
    ("nhs_number", "9434765919", "9434765919", True, False),
    ("nhs_number", "4010232137", "4010232137", True, False),
    ("nhs_number", "401 023 2137", "4010232137", True, False),
    ("nhs_number", "401-023-2137", "4010232137", True, False),
    ("nhs_number", "6000000006", "6000000006", True, False),
    ("nhs_number", "3000000003", "3000000003", True, False),
    ("nhs_number", "9990000018", "9990000018", True, False),
    ("nhs_number", "999 999 9999", "9999999999", True, False),
    ("nhs_number", "9434765918", "9434765918", False, False),
    ("nhs_number", "0000000000", "0000000000", False, False),
    ("nhs_number", "5000000000", "5000000000", False, False),
    ("nhs_number", "8000000000", "8000000000", False, False),
    ("nhs_number", "4010232136", "4010232136", False, False),
    ("nhs_number", "9990000017", "9990000017", False, False),
    ("nhs_number", "4000000080", "4000000080", False, False),  # check digit would be 10
    ("nhs_number", "401023213", "401023213", False, False),
    ("nhs_number", "40102321370", "40102321370", False, False),
    ("nhs_number", "401O232137", "401O232137", False, False),
    ("nhs_number", "", "", False, False),
    ("nhs_number", None, "", False, False),
]


@pytest.mark.parametrize("scheme, raw, value, valid, temporary", CHECK_MANY_EXAMPLES)
def test_check_many_worked_examples(scheme, raw, value, valid, temporary):
    c = check(scheme, raw)
    assert (c.value, c.valid, c.temporary) == (value, valid, temporary)
    values, valid_arr, temporary_arr = check_many(scheme, [raw])
    assert (values[0], bool(valid_arr[0]), bool(temporary_arr[0])) == (value, valid, temporary)


@pytest.mark.parametrize("scheme", ["upn", "uln", "nhs_number"])
def test_check_many_worked_examples_as_one_column(scheme):
    rows = [r for r in CHECK_MANY_EXAMPLES if r[0] == scheme]
    # Every example of every scheme in one column: the other schemes' values are near-misses.
    raws = [r[1] for r in CHECK_MANY_EXAMPLES] * 3
    assert_matches_scalar(scheme, raws)
    values, valid, temporary = check_many(scheme, [r[1] for r in rows])
    assert values == [r[2] for r in rows]
    assert valid.tolist() == [r[3] for r in rows]
    assert temporary.tolist() == [r[4] for r in rows]


def test_check_many_edge_cases():
    for scheme in ("upn", "uln", "nhs_number"):
        values, valid, temporary = check_many(scheme, [])
        assert values == [] and valid.shape == (0,) and temporary.shape == (0,)
        assert_matches_scalar(scheme, [None])
        assert_matches_scalar(scheme, [""] * 5)
        assert_matches_scalar(scheme, ["9434765919", "\x00", "9434765919\x00", "92763\x0008686", "B801200005001"])
        assert_matches_scalar(scheme, ["\ud800", "9276308686\udfff", "943\u00a0476\u20105919", "B801200005001"])
        assert_matches_scalar(scheme, ("9276308686", "X00180001701A", "9434765919"))   # any sequence


def test_check_many_does_not_modify_input():
    raws = ["b801 2000 0500 1", None, "9276308686"]
    check_many("upn", raws)
    assert raws == ["b801 2000 0500 1", None, "9276308686"]


def test_check_many_rejects_other_schemes():
    with pytest.raises(ValueError, match="unknown identifier scheme 'passport'"):
        check_many("passport", ["123"])
    with pytest.raises(ValueError, match="use check\\(\\) for 'postcode'"):
        check_many("postcode", ["BA21 4PJ"])


# Characters a near-miss may contain: separators the normaliser strips (ASCII and
# Unicode), lower case, letters that are never UPN check letters, non-ASCII letters and
# digits (some upper-case to ASCII: 'ı' -> 'I', 'ſ' -> 'S', 'ﬁ' -> 'FI'; 'ß' -> 'SS'),
# NUL and lone surrogates.
NOISE = " -\t\n\u00a0\u2010\u2013\u2212abcxyzIOSÉéßıſﬁ٣０\x00\ud800"

def near_miss(valid_identifier, alphabet):
    """A valid identifier, one with its first or last character replaced (the ends carry the
    UPN pattern rules: check letter; digit or temporary letter), or one with a few small
    corruptions anywhere."""
    chars = st.one_of(st.sampled_from(alphabet), st.sampled_from("IOS"), st.sampled_from(NOISE))
    return st.one_of(
        valid_identifier,
        st.tuples(valid_identifier, chars).map(lambda t: t[1] + t[0][1:]),
        st.tuples(valid_identifier, chars).map(lambda t: t[0][:-1] + t[1]),
        corrupted(valid_identifier, alphabet),
    )


@st.composite
def corrupted(draw, valid_identifier, alphabet):
    value = draw(valid_identifier)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["replace", "delete", "insert", "lower", "noise", "swap"]))
        if kind == "lower":
            value = value.lower()
            continue
        if kind == "swap" and len(value) >= 2:
            i = draw(st.integers(0, len(value) - 2))
            value = value[:i] + value[i + 1] + value[i] + value[i + 2:]
            continue
        i = draw(st.integers(0, len(value)))
        if kind == "delete":
            value = value[:i] + value[i + 1:]
        else:
            ch = draw(st.sampled_from(alphabet) if kind != "noise" else st.sampled_from(NOISE))
            if kind == "replace":
                value = value[:i] + ch + value[i + 1:]
            else:
                value = value[:i] + ch + value[i:]
    return value


def valid_upns():
    return upn_bodies.map(lambda body: upn_check_letter(body) + body)


def checked_upns():
    """Right check letter, but the LA code is any three digits (mostly not a DfE LA code)."""
    bodies = st.tuples(
        st.one_of(st.sampled_from(sorted(LA_CODES)), st.text(DIGITS, min_size=3, max_size=3)),
        st.text(DIGITS, min_size=8, max_size=8),
        st.sampled_from(list(DIGITS) + list(UPN_ALPHABET)),
    ).map(lambda t: "".join(t))
    return bodies.map(lambda body: upn_check_letter(body) + body)


def valid_ulns():
    # Pick nine digits, then the tenth that makes the weighted sum 10 mod 11 (when a digit can).
    def complete(first9):
        rest = (10 - sum(int(c) * w for c, w in zip(first9, range(10, 1, -1)))) % 11
        return first9 + str(rest) if rest <= 9 else first9 + "0"
    return st.text(DIGITS, min_size=9, max_size=9).map(complete)


def valid_nhs_numbers():
    prefixes = [p for lo, hi in NHS_RANGES for p in range(lo, hi + 1)] + [0, 5, 312, 500, 800]
    def complete(t):
        first9 = f"{t[0]:03d}" + t[1]
        digit = nhs_check_digit(first9)
        return first9 + str(digit if digit is not None else 0)
    return st.tuples(st.sampled_from(prefixes), st.text(DIGITS, min_size=6, max_size=6)).map(complete)


UPN_CHARS = DIGITS + UPN_ALPHABET + "IOS"
ANY_INPUT = st.one_of(st.none(), st.just(""), st.text(max_size=15), st.text(NOISE + DIGITS, max_size=14))


@settings(max_examples=300)
@given(st.lists(st.one_of(near_miss(checked_upns(), UPN_CHARS), ANY_INPUT), max_size=40))
def test_check_many_upn_matches_scalar(raws):
    assert_matches_scalar("upn", raws)


@settings(max_examples=300)
@given(st.lists(st.one_of(near_miss(valid_ulns(), DIGITS + "OIl"), ANY_INPUT), max_size=40))
def test_check_many_uln_matches_scalar(raws):
    assert_matches_scalar("uln", raws)


@settings(max_examples=300)
@given(st.lists(st.one_of(near_miss(valid_nhs_numbers(), DIGITS + "OIl"), ANY_INPUT), max_size=40))
def test_check_many_nhs_number_matches_scalar(raws):
    assert_matches_scalar("nhs_number", raws)


@given(st.lists(valid_upns(), min_size=1, max_size=20), st.lists(valid_ulns(), max_size=20),
       st.lists(valid_nhs_numbers(), max_size=20), st.randoms())
def test_check_many_mixed_valid_columns(upns, ulns, nhs_numbers, rnd):
    # Mostly well-formed values of all three schemes, shuffled: each is a near-miss for the others.
    raws = upns + ulns + nhs_numbers
    rnd.shuffle(raws)
    for scheme in ("upn", "uln", "nhs_number"):
        assert_matches_scalar(scheme, raws)
    assert check_many("upn", upns)[1].all()
