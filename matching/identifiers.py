"""Validation of UK identifiers (UPN, ULN, NHS number, NI number, postcode, URN,
LAESTAB, GP practice code), following /work/shared/reference/identifiers.md.

Every checker takes any string and returns a Checked; it never raises on bad input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable


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


def postcode_parts(raw: str) -> PostcodeParts | None:
    """Unit, sector, district and area of a valid postcode; None otherwise (and for 'BFPO n')."""
    value = normalise_postcode(raw)
    if _POSTCODE.fullmatch(value) is None:
        return None
    outward, inward = value.split(" ")
    area = re.match(r"[A-Z]+", outward).group(0)
    return PostcodeParts(unit=value, sector=f"{outward} {inward[0]}", district=outward, area=area)


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
