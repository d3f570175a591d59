"""Normalisation of names, dates and sex values for matching."""

from __future__ import annotations

import datetime
import re
import unicodedata

# Letters that NFKD does not decompose, folded by hand (after casefold).
_SPECIAL = str.maketrans({
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d",
    "þ": "th", "ı": "i",
})
# Apostrophes vanish entirely: O'Brien -> obrien.
_APOSTROPHES = str.maketrans("", "", "'\u2019\u2018`\u02bc\u00b4\u2032")


def _fold_once(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    text = unicodedata.normalize("NFKD", text.casefold()).translate(_APOSTROPHES)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Mn", "Me"):
            continue  # combining accent
        ch = ch.translate(_SPECIAL)
        out.append(ch if ch.isalnum() or cat == "Mc" else " ")
    return " ".join("".join(out).split())


_NOT_ALNUM_ASCII = re.compile(r"[^a-z0-9]+")


def fold(text: str | None) -> str:
    """Fold a name for comparison: no accents, no case, punctuation as single spaces."""
    if not text:
        return ""
    if text.isascii():   # the same result as the Unicode path, without its per-character work
        return " ".join(_NOT_ALNUM_ASCII.sub(" ", text.translate(_APOSTROPHES).lower()).split())
    return _fold_unicode(text)


def _fold_unicode(text: str) -> str:
    folded = _fold_once(text)
    # A few exotic characters need a second pass to settle; stop at the fixed point.
    for _ in range(3):
        again = _fold_once(folded)
        if again == folded:
            break
        folded = again
    return folded


def name_parts(text: str | None) -> list[str]:
    """The folded words of a name, in order."""
    return fold(text).split()


def surname_variants(text: str | None) -> list[str]:
    """Search keys for a surname: full folded form, each part, and Mc -> Mac forms."""
    parts = name_parts(text)
    if not parts:
        return []
    keys = [" ".join(parts)]
    for part in parts if len(parts) > 1 else []:
        keys.append(part)
    for part in parts:
        if part.startswith("mc") and len(part) > 2:
            keys.append("mac" + part[2:])
    return list(dict.fromkeys(keys))


# Characters no name or search term needs: C0 controls, DEL and C1 controls, and the
# bidirectional embedding, override and isolate marks (U+202A-U+202E, U+2066-U+2069),
# which can make a name display as something it is not.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f" + BIDI_CONTROLS + "]")
_NO_BIDI = str.maketrans("", "", BIDI_CONTROLS)


def unsafe_character(text: str) -> str | None:
    """Why `text` may not be accepted (its first control or bidirectional formatting
    character, by code point), or None if it has none. The text itself is not quoted."""
    found = _UNSAFE.search(text)
    if found is None:
        return None
    ch = found.group()
    kind = "a control character" if _CONTROL.match(ch) else "a bidirectional formatting character"
    return f"contains {kind} (U+{ord(ch):04X}), which is not allowed"


def strip_bidi(text: str) -> str:
    """`text` without bidirectional embedding, override and isolate characters."""
    return text.translate(_NO_BIDI)


_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_UK = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def parse_date(text: str) -> datetime.date:
    """Parse 'YYYY-MM-DD' or 'DD/MM/YYYY'; ValueError otherwise."""
    s = text.strip() if isinstance(text, str) else ""
    if m := _ISO.fullmatch(s):
        year, month, day = m.groups()
    elif m := _UK.fullmatch(s):
        day, month, year = m.groups()
    else:
        raise ValueError(f"not a date: expected YYYY-MM-DD or DD/MM/YYYY, got {text!r}")
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"no such date: {s}") from None


def swap_day_month(d: datetime.date) -> datetime.date | None:
    """The date with day and month swapped; None if impossible or the same date."""
    if d.day == d.month or d.day > 12:
        return None
    try:
        return d.replace(month=d.day, day=d.month)
    except ValueError:
        return None


def near_dates(d: datetime.date) -> list[datetime.date]:
    """Dates one slip away from d: another day of the same month, the same day of
    another month, or the same day and month a year either side. Excludes d itself."""
    out = [d.replace(day=day) for day in range(1, 32) if _valid(d.year, d.month, day)]
    out += [d.replace(month=month) for month in range(1, 13) if _valid(d.year, month, d.day)]
    out += [d.replace(year=year) for year in (d.year - 1, d.year + 1) if _valid(year, d.month, d.day)]
    return [x for x in dict.fromkeys(out) if x != d]


def days_either_side(d: datetime.date) -> list[datetime.date]:
    """The day before and the day after d: a date off by one across the end of a month or a
    year differs from d in two or three parts, so near_dates does not hold it."""
    out = []
    for step in (-1, 1):
        try:
            out.append(d + datetime.timedelta(days=step))
        except OverflowError:
            pass
    return out


def one_digit_dates(d: datetime.date, earliest: datetime.date = datetime.date(1990, 1, 1),
                    latest: datetime.date | None = None) -> list[datetime.date]:
    """Real dates whose YYYYMMDD differs from d's in exactly one digit, between earliest
    and latest (today): a year mistyped 2015 -> 2013 or 2005, a day 14 -> 24."""
    latest = latest or datetime.date.today()
    digits = f"{d.year:04d}{d.month:02d}{d.day:02d}"
    out = []
    for k, old in enumerate(digits):
        for new in "0123456789":
            if new == old:
                continue
            text = digits[:k] + new + digits[k + 1:]
            year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
            if _valid(year, month, day) and earliest <= datetime.date(year, month, day) <= latest:
                out.append(datetime.date(year, month, day))
    return out


def _valid(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


_SEX = {
    "m": "male", "male": "male",
    "f": "female", "female": "female",
    "u": "not_specified", "unknown": "not_specified", "n": "not_specified",
    "not specified": "not_specified", "not_specified": "not_specified",
    "x": "not_specified", "": "not_specified",
}


def normalise_sex(text: str | None) -> str:
    """'male', 'female' or 'not_specified'; ValueError for anything else."""
    key = " ".join((text or "").split()).casefold()
    try:
        return _SEX[key]
    except KeyError:
        raise ValueError(f"unrecognised sex value {text!r}: expected M, F, U, N, X or blank") from None
