"""Validation of UK identifiers (UPN, ULN, NHS number, NI number, postcode, URN,
LAESTAB, GP practice code), following /work/shared/reference/identifiers.md.

Every checker takes any string and returns a Checked; it never raises on bad input.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np


@dataclass(frozen=True, slots=True)
class Checked:
    scheme: str
    raw: str
    value: str
    valid: bool
    temporary: bool = False
    error: str | None = None
    flags: tuple[str, ...] = ()


def _expand(spec: str) -> frozenset[str]:
    codes: set[str] = set()
    for item in spec.replace("\n", " ").split(","):
        lo, _, hi = item.strip().partition("-")
        for n in range(int(lo), int(hi or lo) + 1):
            codes.add(f"{n:03d}")
    return frozenset(codes)


# DfE LA codes accepted in UPN characters 2-4 (2023/24 rules); retired codes stay valid.
LA_CODES: frozenset[str] = _expand("""
    001-005, 201-213, 301-320, 330-336, 340-344, 350-359, 370-373, 380-384, 390-394,
    420, 660-681, 701-708, 800-803, 805-808, 810-813, 815, 816, 820-823, 825, 826,
    830, 831, 835-839, 840, 841, 845, 846, 850-852, 855-857, 860, 861, 865-896, 908,
    909, 916, 919, 921, 925, 926, 928, 929, 931, 933, 935-938, 940-943
""")

UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"

_STRIP = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_DIGITS = re.compile(r"[0-9]+")


def normalise_identifier(raw: str) -> str:
    """Strip all whitespace and hyphens, upper-case."""
    return _STRIP.sub("", raw or "").upper()


def _digits(value: str, n: int) -> bool:
    return len(value) == n and _DIGITS.fullmatch(value) is not None


def _bad(scheme: str, raw: str, value: str, error: str, **kw) -> Checked:
    return Checked(scheme, raw, value, False, error=error, **kw)


# --- UPN -------------------------------------------------------------------

_UPN_PERMANENT = re.compile(r"[A-Z][0-9]{12}")
_UPN_TEMPORARY = re.compile(r"[A-Z][0-9]{11}[A-HJ-NP-RT-Z]")


def upn_check_letter(body: str) -> str:
    """Check letter for the 12 characters in UPN positions 2..13."""
    if len(body) != 12 or not _digits(body[:11], 11):
        raise ValueError(f"UPN body must be 11 digits then a digit or letter: {body!r}")
    last = body[11]
    if _digits(last, 1):
        last_value = int(last)
    elif last in UPN_ALPHABET:
        last_value = UPN_ALPHABET.index(last)
    else:
        raise ValueError(f"UPN position 13 must be a digit or one of {UPN_ALPHABET}: {last!r}")
    total = sum(int(c) * k for k, c in enumerate(body[:11], start=2)) + 13 * last_value
    return UPN_ALPHABET[total % 23]


def check_upn(raw: str) -> Checked:
    value = normalise_identifier(raw)
    if len(value) != 13:
        return _bad("upn", raw, value, "must be 13 characters")
    temporary = _UPN_TEMPORARY.fullmatch(value) is not None
    if not temporary and _UPN_PERMANENT.fullmatch(value) is None:
        if re.fullmatch(r"[A-Z][0-9]{11}[A-Z]", value):
            return _bad("upn", raw, value, "position 13 letter must not be I, O or S")
        return _bad("upn", raw, value,
                    "must be a letter, 12 digits (or 11 digits and a letter for a temporary UPN)")
    la = value[1:4]
    if la not in LA_CODES:
        return _bad("upn", raw, value, f"LA code {la} is not a DfE LA code", temporary=temporary)
    expected = upn_check_letter(value[1:])
    if value[0] != expected:
        return _bad("upn", raw, value, f"check letter should be {expected}", temporary=temporary)
    return Checked("upn", raw, value, True, temporary=temporary)


# --- ULN -------------------------------------------------------------------

def check_uln(raw: str) -> Checked:
    value = normalise_identifier(raw)
    if not _digits(value, 10):
        return _bad("uln", raw, value, "must be 10 digits")
    if value[0] == "0":
        return _bad("uln", raw, value, "must not start with 0")
    total = sum(int(c) * w for c, w in zip(value, range(10, 0, -1)))
    if total % 11 != 10:
        return _bad("uln", raw, value, "check digit is wrong")
    return Checked("uln", raw, value, True)


# --- NHS number --------------------------------------------------------------

def nhs_check_digit(first9: str) -> int | None:
    """Mod 11 check digit for the first nine digits; None when it would be 10."""
    if not _digits(first9, 9):
        raise ValueError(f"need 9 digits: {first9!r}")
    total = sum(int(c) * w for c, w in zip(first9, range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


# Issued prefixes: 010-311 Scotland (CHI), 320-399 Northern Ireland and newer England,
# 400-499 and 600-799 England and Wales, 9xx (holding the Data Dictionary's worked
# example 943 476 5919 and the 999 test range). 000-009, 312-319, 500-599 and 800-899
# are never issued, which also rejects 0000000000.
NHS_RANGES = ((10, 311), (320, 499), (600, 799), (900, 999))
_NHS_RANGE_TEXT = ", ".join(f"{lo:03d}-{hi:03d}" for lo, hi in NHS_RANGES)


def check_nhs_number(raw: str) -> Checked:
    value = normalise_identifier(raw)
    if not _digits(value, 10):
        return _bad("nhs_number", raw, value, "must be 10 digits")
    prefix = int(value[:3])
    test = prefix == 999
    flags = ("test_range",) if test else ()
    if not any(lo <= prefix <= hi for lo, hi in NHS_RANGES):
        return _bad("nhs_number", raw, value, f"prefix {value[:3]} is outside the issued ranges ({_NHS_RANGE_TEXT})")
    expected = nhs_check_digit(value[:9])
    if expected is None:
        return _bad("nhs_number", raw, value, "check digit would be 10: never issued", flags=flags)
    if int(value[9]) != expected:
        return _bad("nhs_number", raw, value, f"check digit should be {expected}", flags=flags)
    return Checked("nhs_number", raw, value, True, flags=flags)


# --- NI number ---------------------------------------------------------------

_NI = re.compile(r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]")
_NI_ADMIN = frozenset({"CR", "FY", "MW", "NC", "PP", "PY", "PZ"})


def check_ni_number(raw: str) -> Checked:
    value = normalise_identifier(raw)
    flags = ("administrative_prefix",) if value[:2] in _NI_ADMIN else ()
    if len(value) != 9:
        return _bad("ni_number", raw, value, "must be 9 characters (2 letters, 6 digits, A-D)",
                    flags=flags)
    if _NI.fullmatch(value) is None:
        return _bad("ni_number", raw, value, "not a valid NI number pattern", flags=flags)
    return Checked("ni_number", raw, value, True, flags=flags)


# --- Schools and GP practices ------------------------------------------------

def check_urn(raw: str) -> Checked | None:
    """6 digits; 'XXXXXX' or blank means unknown and gives None."""
    value = normalise_identifier(raw)
    if value in ("", "XXXXXX"):
        return None
    if not _digits(value, 6):
        return _bad("urn", raw, value, "must be 6 digits")
    return Checked("urn", raw, value, True)


def check_laestab(raw: str) -> Checked:
    """3-digit LA code + 4-digit establishment; '801/2000' or '8012000'."""
    value = normalise_identifier(raw)
    m = re.fullmatch(r"([0-9]{3})/?([0-9]{4})", value)
    if m is None:
        return _bad("laestab", raw, value, "must be 7 digits (3-digit LA code + 4-digit establishment)")
    value = m.group(1) + m.group(2)
    if m.group(1) not in LA_CODES:
        return _bad("laestab", raw, value, f"LA code {m.group(1)} is not a DfE LA code")
    return Checked("laestab", raw, value, True)


def check_gp_practice(raw: str) -> Checked:
    value = normalise_identifier(raw)
    if re.fullmatch(r"[A-Z][0-9]{5}", value) is None:
        return _bad("gp_practice", raw, value, "must be one letter and five digits")
    return Checked("gp_practice", raw, value, True)


# --- Postcode ----------------------------------------------------------------

_POSTCODE = re.compile(
    r"GIR 0AA|(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][A-HJKSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) [0-9][ABD-HJLNP-UW-Z]{2}"
)
_BFPO = re.compile(r"BFPO([0-9]{1,4})")


def normalise_postcode(raw: str) -> str:
    """Upper-case, drop whitespace, one space before the last three characters."""
    compact = re.sub(r"\s+", "", raw or "").upper()
    m = _BFPO.fullmatch(compact)
    if m:
        return f"BFPO {m.group(1)}"
    if len(compact) <= 3:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def check_postcode(raw: str) -> Checked:
    value = normalise_postcode(raw)
    if _BFPO.fullmatch(value.replace(" ", "")):
        return Checked("postcode", raw, value, True, flags=("bfpo",))
    if _POSTCODE.fullmatch(value) is None:
        return _bad("postcode", raw, value, "not a valid UK postcode")
    flags = ("bfpo",) if value.startswith("BF1 ") else ()
    return Checked("postcode", raw, value, True, flags=flags)


@dataclass(frozen=True, slots=True)
class PostcodeParts:
    unit: str
    sector: str
    district: str
    area: str


@functools.lru_cache(maxsize=1 << 16)   # the same postcodes come again and again (PostcodeParts is frozen)
def postcode_parts(raw: str) -> PostcodeParts | None:
    """Unit, sector, district and area of a valid postcode; None otherwise (and for 'BFPO n')."""
    value = normalise_postcode(raw)
    if _POSTCODE.fullmatch(value) is None:
        return None
    outward, inward = value.split(" ")
    return PostcodeParts(unit=value, sector=f"{outward} {inward[0]}", district=outward, area=postcode_area(outward))


def postcode_area(district: str) -> str:
    """The area of a postcode district: its leading letters ("CB" of "CB4")."""
    found = re.match(r"[A-Z]+", district)
    return found.group(0) if found else ""


# --- Dispatch ----------------------------------------------------------------

SCHEMES: dict[str, Callable[[str], Checked | None]] = {
    "upn": check_upn,
    "uln": check_uln,
    "nhs_number": check_nhs_number,
    "ni_number": check_ni_number,
    "postcode": check_postcode,
    "urn": check_urn,
    "laestab": check_laestab,
    "gp_practice": check_gp_practice,
}


def check(scheme: str, raw: str) -> Checked | None:
    try:
        checker = SCHEMES[scheme]
    except (KeyError, TypeError):
        raise ValueError(f"unknown identifier scheme {scheme!r}") from None
    return checker(raw)


# --- Vectorised checks ---------------------------------------------------------
#
# check_many() validates a whole column at once. The values are joined with NUL
# separators into one byte buffer; values that are already clean (only ASCII digits
# and capitals) are used as they are, the rest go through normalise_identifier. The
# values of the scheme's length are then gathered into a (k, width) uint8 matrix and
# checked with the same rules as the scalar functions above, using lookup tables
# built from the same constants (LA_CODES, UPN_ALPHABET, NHS_RANGES).

_VECTOR_WIDTH = {"upn": 13, "uln": 10, "nhs_number": 10}
VECTORISED = frozenset(_VECTOR_WIDTH)      # the schemes check_many takes


def _byte_table(chars: str, dtype=bool, values=None) -> np.ndarray:
    table = np.zeros(256, dtype=dtype)
    for i, ch in enumerate(chars):
        table[ord(ch)] = True if values is None else values[i]
    return table


_ASCII_DIGITS = "0123456789"
# Bytes that normalise_identifier leaves unchanged (NUL is the separator in packed buffers).
_IS_CLEAN_OR_SEP = _byte_table(_ASCII_DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_IS_CLEAN_OR_SEP[0] = True
_DIGIT_VALUE = _byte_table(_ASCII_DIGITS, np.int32, range(10))
_IS_UPN_TEMP_LETTER = _byte_table(UPN_ALPHABET)
# UPN position 13: a digit counts its value, a letter its index in UPN_ALPHABET.
_UPN_LAST_VALUE = _DIGIT_VALUE + _byte_table(UPN_ALPHABET, np.int32, range(len(UPN_ALPHABET)))
_UPN_LETTER_BYTE = np.frombuffer(UPN_ALPHABET.encode("ascii"), dtype=np.uint8)
_UPN_WEIGHTS = np.arange(2, 13, dtype=np.float32)          # positions 2..12
_LA_TABLE = np.zeros(1000, dtype=bool)
_LA_TABLE[[int(code) for code in LA_CODES]] = True
_ULN_WEIGHTS = np.arange(10, 0, -1, dtype=np.float32)      # all ten digits
_NHS_WEIGHTS = np.arange(10, 1, -1, dtype=np.float32)      # digits 1..9
_NHS_PREFIX_TABLE = np.zeros(1000, dtype=bool)
for _lo, _hi in NHS_RANGES:
    _NHS_PREFIX_TABLE[_lo:_hi + 1] = True
del _lo, _hi


def _pack(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Join strings with NUL separators into one uint8 buffer.

    Returns (buf, starts, lengths), offsets in bytes of the UTF-8 encoding (lone
    surrogates pass through). A NUL inside a string becomes \\x01 so that separators stay
    unambiguous; both are non-clean bytes, so such a string is never valid.
    """
    n = len(strings)
    buf = np.frombuffer("\x00".join(strings).encode("utf-8", "surrogatepass"), dtype=np.uint8)
    seps = np.flatnonzero(buf == 0)
    if len(seps) != n - 1:
        strings = [s.replace("\x00", "\x01") for s in strings]
        buf = np.frombuffer("\x00".join(strings).encode("utf-8", "surrogatepass"), dtype=np.uint8)
        seps = np.flatnonzero(buf == 0)
    starts = np.empty(n, dtype=np.intp)
    starts[0] = 0
    starts[1:] = seps + 1
    ends = np.empty(n, dtype=np.intp)
    ends[:-1] = seps
    ends[-1] = len(buf)
    return buf, starts, ends - starts


def _normalise_many(raws: Sequence[str]) -> tuple[list[str], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """normalise_identifier over a column, and the packed buffer of the results."""
    try:
        strings = list(raws)
        packed = _pack(strings)
    except TypeError:                     # None (or another falsy non-string) in the column
        strings = [raw or "" for raw in raws]
        packed = _pack(strings)
    buf, starts, _ = packed
    dirty_pos = np.flatnonzero(~_IS_CLEAN_OR_SEP.take(buf))
    if dirty_pos.size == 0:
        return strings, packed
    dirty = np.unique(np.searchsorted(starts, dirty_pos, side="right") - 1)
    for i in dirty.tolist():
        strings[i] = normalise_identifier(strings[i])
    return strings, _pack(strings)


def _rows(packed: tuple[np.ndarray, np.ndarray, np.ndarray], width: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the values that are `width` bytes long, and those values as a (k, width) matrix."""
    buf, starts, lengths = packed
    rows = np.flatnonzero(lengths == width)
    first = starts[rows]
    matrix = np.empty((len(rows), width), dtype=np.uint8)
    for j in range(width):
        matrix[:, j] = buf.take(first + j)
    return rows, matrix


def _digit_values(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Byte - ord('0') (wrapping, so any non-digit byte gives > 9), and whether each row is all digits."""
    d = m - np.uint8(48)
    return d, (d <= 9).all(axis=1)


def _weighted_sum(d: np.ndarray, weights: np.ndarray) -> np.ndarray:
    # float32 matrix-vector product (BLAS); exact, as every sum is far below 2**24.
    return (d.astype(np.float32) @ weights).astype(np.int32)


def _prefix(d: np.ndarray) -> np.ndarray:
    """Digits 1-3 of each row as a number (only meaningful for digit rows; clipped into 0..999)."""
    d3 = d[:, :3].astype(np.int32)
    return np.minimum(d3[:, 0] * 100 + d3[:, 1] * 10 + d3[:, 2], 999)


def _upn_rows(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """valid, temporary for 13-byte values, as check_upn."""
    first, last = m[:, 0], m[:, 12]
    d, mid_digits = _digit_values(m[:, 1:12])
    shape = (first - np.uint8(65) <= 25) & mid_digits                 # [A-Z][0-9]{11}
    temporary = shape & _IS_UPN_TEMP_LETTER.take(last)                 # ...[A-HJ-NP-RT-Z]
    pattern = temporary | (shape & (last - np.uint8(48) <= 9))         # ...[0-9]
    la_ok = _LA_TABLE.take(_prefix(d))
    total = _weighted_sum(d, _UPN_WEIGHTS) + 13 * _UPN_LAST_VALUE.take(last)
    letter_ok = _UPN_LETTER_BYTE.take(total % 23) == first
    return pattern & la_ok & letter_ok, temporary


def _uln_rows(m: np.ndarray) -> np.ndarray:
    """valid for 10-byte values, as check_uln."""
    d, digits = _digit_values(m)
    return digits & (d[:, 0] != 0) & (_weighted_sum(d, _ULN_WEIGHTS) % 11 == 10)


def _nhs_rows(m: np.ndarray) -> np.ndarray:
    """valid for 10-byte values, as check_nhs_number."""
    d, digits = _digit_values(m)
    in_range = _NHS_PREFIX_TABLE.take(_prefix(d))
    check = 11 - _weighted_sum(d[:, :9], _NHS_WEIGHTS) % 11           # 1..11
    check[check == 11] = 0                                             # 10 never equals a digit
    return digits & in_range & (check == d[:, 9])


def check_many(scheme: str, raws: Sequence[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """For scheme in ('upn', 'uln', 'nhs_number'): (normalised values, valid bool array, temporary bool array),
    element-for-element identical to check(scheme, raw).value / .valid / .temporary (for '' or None: '', False, False)."""
    width = _VECTOR_WIDTH.get(scheme) if isinstance(scheme, str) else None
    if width is None:
        if isinstance(scheme, str) and scheme in SCHEMES:
            raise ValueError(f"check_many supports {', '.join(_VECTOR_WIDTH)}; use check() for {scheme!r}")
        raise ValueError(f"unknown identifier scheme {scheme!r}")
    n = len(raws)
    valid = np.zeros(n, dtype=bool)
    temporary = np.zeros(n, dtype=bool)
    if n == 0:
        return [], valid, temporary
    values, packed = _normalise_many(raws)
    rows, m = _rows(packed, width)
    if scheme == "upn":
        valid[rows], temporary[rows] = _upn_rows(m)
    elif scheme == "uln":
        valid[rows] = _uln_rows(m)
    else:
        valid[rows] = _nhs_rows(m)
    return values, valid, temporary
