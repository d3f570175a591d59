"""The canonical census CSV (see census-csv.md): header checks, row parsing, row errors.

Pure: it reads from an iterable of byte chunks or lines given by the caller. A bad
file (no header, unknown or missing columns) raises FileError; a bad row becomes a
RowError naming the row and the column, and the rest of the file is still read.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import re
from collections.abc import Iterable, Iterator

import msgspec

from matching import normalise, schemes

REQUIRED = ("record_id", "forename", "surname", "dob")
CARER_FIELDS = ("forename", "surname", "relationship", "parental_responsibility", "phone")
COLUMNS = (
    "record_id", *schemes.NAMES, "forename", "middle_names", "surname",
    "preferred_forename", "preferred_surname", "former_surname", "dob", "gender",
    "address_line1", "address_line2", "town", "postcode",
    *(f"carer{i}_{f}" for i in (1, 2) for f in CARER_FIELDS),
)
MAX_CELL = 200

# CBDS contact relationship codes, and the words a school export may use instead.
RELATIONSHIP_CODES = frozenset({
    "PAM", "PAF", "STM", "STF", "FOM", "FOF", "CAR", "FAM", "REL", "CHM", "DOC", "SWR", "HTC", "TCH",
    "RLG", "OTH",
})
RELATIONSHIP_WORDS = {
    "mother": "PAM", "mum": "PAM", "father": "PAF", "dad": "PAF", "parent": "CAR",
    "step mother": "STM", "stepmother": "STM", "step father": "STF", "stepfather": "STF",
    "foster mother": "FOM", "foster father": "FOF", "foster carer": "CAR", "foster parent": "CAR",
    "carer": "CAR", "guardian": "CAR", "grandparent": "FAM", "grandmother": "FAM", "grandfather": "FAM",
    "aunt": "FAM", "uncle": "FAM", "sibling": "FAM", "brother": "FAM", "sister": "FAM",
    "family member": "FAM", "other family member": "FAM", "relative": "REL", "childminder": "CHM",
    "child minder": "CHM", "doctor": "DOC", "social worker": "SWR", "head teacher": "HTC",
    "headteacher": "HTC", "teacher": "TCH", "religious contact": "RLG", "other": "OTH", "other contact": "OTH",
}
_YES_NO = {"y": True, "yes": True, "true": True, "1": True, "n": False, "no": False, "false": False, "0": False}
_GENDER = {"m": "M", "male": "M", "f": "F", "female": "F", "u": "U", "unknown": "U"}


class Carer(msgspec.Struct, frozen=True):
    """A carer as a census row gives it (any field may be missing), not index.records.Carer,
    a stored carer: matching is pure and does not import index/."""
    forename: str | None
    surname: str | None
    relationship: str | None
    parental_responsibility: bool | None
    phone: str | None


class CensusRow(msgspec.Struct, frozen=True):
    """One parsed row. `row` is the line's number in the file (the header is row 1)."""
    row: int
    record_id: str
    forename: str
    surname: str
    dob: datetime.date
    # One field per identifier scheme (matching/schemes.py), named as the scheme.
    upn: str | None = None
    former_upn: str | None = None
    uln: str | None = None
    nhs_number: str | None = None
    middle_names: str | None = None
    preferred_forename: str | None = None
    preferred_surname: str | None = None
    former_surname: str | None = None
    gender: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    town: str | None = None
    postcode: str | None = None
    carers: tuple[Carer, ...] = ()


# CensusRow's text fields, the ones a value check runs over (carers apart).
ROW_TEXT_FIELDS = tuple(f for f in CensusRow.__struct_fields__ if f not in ("row", "dob", "carers"))


class RowError(msgspec.Struct, frozen=True):
    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class FileError(ValueError):
    """The file as a whole cannot be read: nothing in it is used."""


def _decoded_lines(chunks: Iterable[bytes | str]) -> Iterator[str]:
    """Text lines; undecodable bytes become lone surrogates that the row check reports."""
    pending = b""
    first = True
    for chunk in chunks:
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8", "surrogateescape")
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            text = line.decode("utf-8", "surrogateescape")
            if first:
                text, first = text.removeprefix("\ufeff"), False
            yield text + "\n"
    if pending:
        text = pending.decode("utf-8", "surrogateescape")
        yield text.removeprefix("\ufeff") if first else text


_BAD_BYTES = re.compile("[\udc80-\udcff]")
_COLUMN_NAME = re.compile(r"[a-z][a-z0-9_.]{0,39}")


def _has_bad_bytes(text: str) -> bool:
    return _BAD_BYTES.search(text) is not None


def check_header(header: list[str]) -> list[str]:
    """The header's column names; FileError when any is unknown, missing or repeated."""
    if any(_has_bad_bytes(h) for h in header):
        raise FileError("row 1: the header is not UTF-8")
    # Case, spaces and hyphens are forgiven: "Record ID" and "FORENAME" name columns too.
    columns = [re.sub(r"[\s-]+", "_", h.strip()).lower() for h in header]
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        # Echo only what looks like a column name: a file without a header row would
        # otherwise print the first child's details.
        shown = [c if _COLUMN_NAME.fullmatch(c) else "(a value)" for c in unknown]
        hint = "; is the header row missing?" if len(shown) > len([c for c in shown if c != "(a value)"]) else ""
        raise FileError(f"row 1: unknown column(s) {', '.join(dict.fromkeys(shown))}{hint}; "
                        f"allowed: {', '.join(COLUMNS)}")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise FileError(f"row 1: missing required column(s) {', '.join(missing)}")
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise FileError(f"row 1: column(s) {', '.join(repeated)} appear more than once")
    return columns


DELIMITERS = (",", ";", "\t")


def delimiter(header_line: str) -> str:
    """Comma, unless the header has none and is split by semicolons (as spreadsheets in
    some locales save "CSV") or tabs."""
    if "," in header_line:
        return ","
    counts = {d: header_line.count(d) for d in DELIMITERS[1:]}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read(chunks: Iterable[bytes | str]) -> Iterator[CensusRow | RowError]:
    """Parse a canonical census CSV, yielding a CensusRow or a RowError per data row.

    Raises FileError before yielding anything if the header is missing or wrong."""
    lines = _decoded_lines(chunks)
    first = next(lines, None)
    if first is None:
        raise FileError("the file is empty: a header row is required")
    # Not strict: '"Ann"x' reads as 'Annx', as Arrow reads it in census_columns.
    reader = csv.reader(itertools.chain((first,), lines), delimiter=delimiter(first), strict=False)
    try:
        header = next(reader)
    except StopIteration:
        raise FileError("the file is empty: a header row is required") from None
    except csv.Error as exc:
        raise FileError(f"row 1: the header is not valid CSV ({exc})") from None
    columns = check_header(header)
    seen: set[str] = set()
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            yield RowError(line, None, f"not valid CSV ({exc})")
            continue
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # blank line
        result = parse_row(line, columns, cells)
        if isinstance(result, CensusRow):
            if result.record_id in seen:
                result = RowError(line, "record_id", f"duplicate record_id {result.record_id!r}")
            else:
                seen.add(result.record_id)
        yield result


def _dob(value: str) -> datetime.date:
    """A date of birth; the error never repeats the value (it is personal data)."""
    try:
        return normalise.parse_date(value)
    except ValueError:
        kind = "no such date" if any(c.isdigit() for c in value) else "not a date"
        raise ValueError(f"{kind}: expected YYYY-MM-DD or DD/MM/YYYY") from None


def _gender(value: str) -> str:
    code = _GENDER.get(value.casefold())
    if code is None:   # values are not repeated in errors: a misplaced column could be a name
        raise ValueError("unrecognised value: expected M, F or U (also Male, Female, Unknown)")
    return code


def relationship_code(value: str) -> str:
    """A CBDS relationship code from a code or a word (Mother, Step-father, ...)."""
    code = value.upper() if value.upper() in RELATIONSHIP_CODES else \
        RELATIONSHIP_WORDS.get(" ".join(value.replace("-", " ").casefold().split()))
    if code is None:
        raise ValueError("unrecognised relationship: expected a CBDS code (PAM, PAF, ...) or a word such as Mother")
    return code


def _yes_no(value: str) -> bool:
    if value.casefold() not in _YES_NO:
        raise ValueError("expected Y or N (also true/false)")
    return _YES_NO[value.casefold()]


# Columns whose non-empty values are checked and converted; the same rules serve the
# row-by-row reader and the columnar one.
CONVERT = {
    "dob": _dob,
    "gender": _gender,
    **{f"carer{i}_relationship": relationship_code for i in (1, 2)},
    **{f"carer{i}_parental_responsibility": _yes_no for i in (1, 2)},
}


def parse_row(line: int, columns: list[str], cells: list[str]) -> CensusRow | RowError:
    if len(cells) != len(columns):
        return RowError(line, None, f"{len(cells)} cells where the header has {len(columns)}")
    raw: dict = dict(zip(columns, map(str.strip, cells)))
    if _BAD_BYTES.search("".join(cells)):
        bad = next(c for c, v in raw.items() if _BAD_BYTES.search(v))
        return RowError(line, bad, "bytes that are not UTF-8")
    if max(map(len, raw.values()), default=0) > MAX_CELL:
        long = next(c for c, v in raw.items() if len(v) > MAX_CELL)
        return RowError(line, long, f"longer than {MAX_CELL} characters")
    for column in REQUIRED:
        if not raw.get(column):
            return RowError(line, column, "required, but empty")
    for column, convert in CONVERT.items():
        value = raw.get(column)
        if value:
            try:
                raw[column] = convert(value)
            except ValueError as exc:
                return RowError(line, column, str(exc))
    carers = []
    for i in (1, 2):
        values = {f: raw.get(f"carer{i}_{f}") for f in CARER_FIELDS}
        if any(v not in (None, "") for v in values.values()):
            carers.append(Carer(*(None if values[f] == "" else values[f] for f in CARER_FIELDS)))
    get = raw.get
    return CensusRow(
        row=line, record_id=raw["record_id"], forename=raw["forename"], surname=raw["surname"], dob=raw["dob"],
        **{scheme: get(scheme) or None for scheme in schemes.NAMES}, middle_names=get("middle_names") or None,
        preferred_forename=get("preferred_forename") or None, preferred_surname=get("preferred_surname") or None,
        former_surname=get("former_surname") or None, gender=get("gender") or None,
        address_line1=get("address_line1") or None, address_line2=get("address_line2") or None,
        town=get("town") or None, postcode=get("postcode") or None, carers=tuple(carers),
    )


def read_text(text: str) -> Iterator[CensusRow | RowError]:
    """Convenience for tests and small inputs."""
    return read(io.StringIO(text))
