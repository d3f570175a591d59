"""A submitted file to rows: recognise CSV or CTF, parse it whole, check record keys.

A bad file raises FileError and nothing of it is used. A bad row becomes a RowError
naming the row and the column, and the good rows go on. A record key repeated in one
file: the first row is used, each later one is a row error (the readers' rule).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import msgspec

from index.feeds import ctf
from matching import census
from matching.census import CensusRow, FileError, RowError

FORMATS = ("csv", "ctf")
CSV_TYPES = ("text/csv", "application/csv", "text/plain")
XML_TYPES = ("application/xml", "text/xml")
RECORD_KEY = re.compile(r"[A-Za-z0-9_./-]{1,64}")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")     # a line break or other control character in a value


class Parsed(msgspec.Struct, kw_only=True):
    format: str
    full: bool | None            # what a CTF's DocumentQualifier says; None for CSV
    rows: list[CensusRow]
    errors: list[RowError]


def sniff(raw: bytes, content_type: str | None = None) -> str:
    """'csv' or 'ctf', from the content type when it says, else from the first bytes."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in CSV_TYPES:
        return "csv"
    if kind in XML_TYPES:
        return "ctf"
    head = raw[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return "ctf" if head.startswith(b"<") else "csv"


def _chunks(raw: bytes, size: int = 1 << 20) -> Iterator[bytes]:
    for start in range(0, len(raw), size):
        yield raw[start:start + size]


def parse(raw: bytes, format: str, *, max_bytes: int) -> Parsed:
    if format not in FORMATS:
        raise FileError(f"format must be one of {', '.join(FORMATS)}")
    if len(raw) > max_bytes:
        raise FileError(f"the file is {len(raw):,} bytes, over the limit of {max_bytes:,}")
    if not raw.strip():
        raise FileError("the file is empty")
    full = None
    if format == "ctf":
        header, items = ctf.read(_chunks(raw), max_bytes=max_bytes)
        full = header.qualifier == "full"
        results = list(items)           # a FileError part-way rejects the whole file
    else:
        results = list(census.read(_chunks(raw)))
    rows: list[CensusRow] = []
    errors: list[RowError] = []
    for item in results:
        if isinstance(item, RowError):
            errors.append(item)
        elif not RECORD_KEY.fullmatch(item.record_id):
            column = "UPN" if format == "ctf" else "record_id"
            errors.append(RowError(item.row, column, "a record key is 1-64 letters, digits or _ . / -"))
        elif (column := _control_character(item)) is not None:
            errors.append(RowError(item.row, column, "contains a line break or another control character"))
        else:
            rows.append(item)
    return Parsed(format=format, full=full, rows=rows, errors=sorted(errors, key=lambda e: e.row))


def _control_character(row: CensusRow) -> str | None:
    """The first field (census column name) holding a control character, or None."""
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
