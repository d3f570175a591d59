"""A submitted file to rows: recognise CSV or CTF, parse it whole, check record keys.

A bad file raises FileError and nothing of it is used. A bad row becomes a RowError
naming the row and the column, and the good rows go on. A record key repeated in one
file: the first row is used, each later one is a row error (the readers' rule). A row
that is used but carries an identifier failing its check (a UPN's check letter, say)
gets a warning naming the column: the identifier is kept, flagged, never matched on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import msgspec

from index.feeds import ctf
from matching import census, identifiers, normalise, schemes
from matching.census import CensusRow, FileError, RowError

FORMATS = ("csv", "ctf")
CSV_TYPES = ("text/csv", "application/csv", "text/plain")
XML_TYPES = ("application/xml", "text/xml")
# What curl --data-binary and some upload tools send when not told: sniffed like no type.
SNIFFED_TYPES = ("", "application/octet-stream", "application/x-www-form-urlencoded")
RECORD_KEY = re.compile(r"[A-Za-z0-9_./-]{1,64}")
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")     # a line break or other C0/C1 control character in a value
# Bidirectional embedding, override and isolate controls: invisible, they can make a
# name display as another. Dropped from every value read from a feed (the API refuses them).
BIDI = re.compile("[" + normalise.BIDI_CONTROLS + "]")


class Parsed(msgspec.Struct, kw_only=True):
    format: str
    rows: list[CensusRow]
    errors: list[RowError]
    warnings: list[RowError] = []
    # A CTF's Header: its source school, and its DocumentQualifier, which says each pupil's
    # record is complete, never that the file is the whole school (it ends no one).
    header: ctf.CtfHeader | None = None


def sniff(raw: bytes, content_type: str | None = None) -> str:
    """'csv' or 'ctf', from the content type when it says, else from the first bytes."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in CSV_TYPES:
        return "csv"
    if kind in XML_TYPES:
        return "ctf"
    head = raw[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return "ctf" if head.startswith(b"<") else "csv"


def chunks(raw: bytes, size: int = 1 << 20) -> Iterator[bytes]:
    for start in range(0, len(raw), size):
        yield raw[start:start + size]


def _utf16(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = head[:64]
    return len(sample) >= 8 and sample.count(0) >= len(sample) // 3


def _checked(chunks: Iterable[bytes], format: str, max_bytes: int) -> Iterator[bytes]:
    """The chunks, with the checks that need only the first bytes and the size."""
    total, first = 0, True
    for chunk in chunks:
        if not chunk:
            continue
        total += len(chunk)
        if total > max_bytes:
            raise FileError(f"the file is larger than the limit of {max_bytes:,} bytes")
        if first:
            first = False
            if _utf16(chunk):
                raise FileError("the file is UTF-16: only UTF-8 is accepted (save it as UTF-8, or CSV UTF-8)")
            head = chunk[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
            if format == "csv" and head.startswith(b"<"):
                raise FileError("the file is XML (a CTF?), not CSV: send it as application/xml "
                                "(or use --format ctf)")
            if format == "ctf" and head and not head.startswith(b"<"):
                raise FileError("the file is not XML, so not a CTF: is it a CSV? send it as text/csv "
                                "(or use --format csv)")
        yield chunk
    if first:
        raise FileError("the file is empty")


def parse(raw: bytes, format: str, *, max_bytes: int) -> Parsed:
    if len(raw) > max_bytes:
        raise FileError(f"the file is {len(raw):,} bytes, over the limit of {max_bytes:,}")
    if not raw.strip():
        raise FileError("the file is empty")
    return parse_chunks(chunks(raw), format, max_bytes=max_bytes)


def parse_chunks(source: Iterable[bytes], format: str, *, max_bytes: int) -> Parsed:
    """Parse a whole file given as byte chunks (see the module docstring)."""
    if format not in FORMATS:
        raise FileError(f"format must be one of {', '.join(FORMATS)}")
    source = _checked(source, format, max_bytes)
    header = None
    if format == "ctf":
        header, items = ctf.read(source, max_bytes=max_bytes)
        results = list(items)           # a FileError part-way rejects the whole file
    else:
        results = list(census.read(source))
    rows: list[CensusRow] = []
    errors: list[RowError] = []
    for item in results:
        if isinstance(item, RowError):
            errors.append(item)
            continue
        text = _text(item)
        if not RECORD_KEY.fullmatch(item.record_id):
            column = "UPN" if format == "ctf" else "record_id"
            errors.append(RowError(item.row, column, "a record key is 1-64 letters, digits or _ . / -"))
        elif (column := _control_character(item, text)) is not None:
            errors.append(RowError(item.row, column, "contains a line break or another control character"))
        else:
            rows.append(_without_bidi(item, text))
    return Parsed(format=format, rows=rows, errors=sorted(errors, key=lambda e: e.row),
                  warnings=_identifier_warnings(rows, format), header=header)


def _text(row: CensusRow) -> str:
    """Every text value of the row and of its carers, run together (the values
    _control_character and _without_bidi check one by one). CONTROL and BIDI each match one
    character, so either matches this where it matches a value, and nowhere else: one
    search of it passes the (nearly every) row with none."""
    parts = [value for name in census.ROW_TEXT_FIELDS if isinstance(value := getattr(row, name), str)]
    for carer in row.carers:
        parts += [value for value in msgspec.structs.astuple(carer) if isinstance(value, str)]
    return "".join(parts)


def _without_bidi(row: CensusRow, text: str) -> CensusRow:
    """The row without bidirectional marks; `text`, _text(row)."""
    if not BIDI.search(text):
        return row
    changed = {name: normalise.strip_bidi(value) for name in census.ROW_TEXT_FIELDS
               if isinstance(value := getattr(row, name), str) and BIDI.search(value)}
    carers = row.carers
    if any(isinstance(v, str) and BIDI.search(v) for c in carers for v in msgspec.structs.astuple(c)):
        carers = tuple(msgspec.structs.replace(c, **{f: normalise.strip_bidi(v) for f in census.CARER_FIELDS
                                                     if isinstance(v := getattr(c, f), str)}) for c in carers)
        changed["carers"] = carers
    return msgspec.structs.replace(row, **changed) if changed else row


def _identifier_warnings(rows: list[CensusRow], format: str) -> list[RowError]:
    """One warning per row and identifier column (matching/schemes.py) whose value fails its
    check, naming the CSV column or the CTF element ("not a valid UPN" for a former UPN too)."""
    found = []
    for scheme in schemes.SCHEMES:
        if format == "ctf" and scheme.ctf_element is None:
            continue
        raws = [getattr(r, scheme.name) or "" for r in rows]
        if scheme.checked_as in identifiers.VECTORISED:
            _, valid, _ = identifiers.check_many(scheme.checked_as, raws)
        else:
            valid = [bool(raw) and scheme.check(raw).valid for raw in raws]
        for k in (k for k, raw in enumerate(raws) if raw and not valid[k]):
            why = scheme.check(raws[k]).error
            found.append(RowError(rows[k].row, scheme.ctf_element if format == "ctf" else scheme.name,
                                  f"not a valid {schemes.label(scheme.checked_as)} ({why}): kept, "
                                  "but never used to match"))
    return sorted(found, key=lambda e: (e.row, e.column))


def _control_character(row: CensusRow, text: str) -> str | None:
    """The first field (census column name) holding a control character, or None; `text`,
    _text(row)."""
    if not CONTROL.search(text):
        return None
    for name in census.COLUMNS:
        if name.startswith("carer"):
            continue
        value = getattr(row, name, None)
        if isinstance(value, str) and CONTROL.search(value):
            return name
    for i, carer in enumerate(row.carers, start=1):
        for field in census.CARER_FIELDS:
            value = getattr(carer, field)
            if isinstance(value, str) and CONTROL.search(value):
                return f"carer{i}_{field}"
    return None
