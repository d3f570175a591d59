import pytest
from hypothesis import given, strategies as st

from matching.identifiers import (
    NHS_RANGES,
    LA_CODES, SCHEMES, UPN_ALPHABET, Checked, PostcodeParts, check, check_gp_practice,
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
