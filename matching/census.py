"""The canonical census CSV (see census-csv.md): header checks, row parsing, row errors.

Pure: it reads from an iterable of byte chunks or lines given by the caller. A bad
file (no header, unknown or missing columns) raises FileError; a bad row becomes a
RowError naming the row and the column, and the rest of the file is still read.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator

import msgspec

from matching import normalise

REQUIRED = ("record_id", "forename", "surname", "dob")
CARER_FIELDS = ("forename", "surname", "relationship", "parental_responsibility", "phone")
COLUMNS = (
    "record_id", "upn", "former_upn", "uln", "nhs_number", "forename", "middle_names", "surname",
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


def _has_bad_bytes(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def read(chunks: Iterable[bytes | str]) -> Iterator[CensusRow | RowError]:
    """Parse a canonical census CSV, yielding a CensusRow or a RowError per data row.

    Raises FileError before yielding anything if the header is missing or wrong."""
    reader = csv.reader(_decoded_lines(chunks), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise FileError("the file is empty: a header row is required") from None
    except csv.Error as exc:
        raise FileError(f"row 1: the header is not valid CSV ({exc})") from None
    if any(_has_bad_bytes(h) for h in header):
        raise FileError("row 1: the header is not UTF-8")
    columns = [h.strip() for h in header]
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise FileError(f"row 1: unknown column(s) {', '.join(unknown)}; allowed: {', '.join(COLUMNS)}")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise FileError(f"row 1: missing required column(s) {', '.join(missing)}")
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise FileError(f"row 1: column(s) {', '.join(repeated)} appear more than once")
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


def parse_row(line: int, columns: list[str], cells: list[str]) -> CensusRow | RowError:
    if len(cells) != len(columns):
        return RowError(line, None, f"{len(cells)} cells where the header has {len(columns)}")
    raw: dict[str, str] = {}
    for column, cell in zip(columns, cells):
        if _has_bad_bytes(cell):
            return RowError(line, column, "bytes that are not UTF-8")
        cell = cell.strip()
        if len(cell) > MAX_CELL:
            return RowError(line, column, f"longer than {MAX_CELL} characters")
        raw[column] = cell
    for column in REQUIRED:
        if not raw.get(column):
            return RowError(line, column, "required, but empty")
    try:
        dob = normalise.parse_date(raw["dob"])
    except ValueError as exc:
        return RowError(line, "dob", str(exc))
    gender = raw.get("gender") or None
    if gender is not None:
        gender = _GENDER.get(gender.casefold())
        if gender is None:
            return RowError(line, "gender", f"unrecognised value {raw['gender']!r}: expected M, F or U")
    carers = []
    for i in (1, 2):
        values = {f: raw.get(f"carer{i}_{f}") or None for f in CARER_FIELDS}
        if not any(values.values()):
            continue
        relationship = values["relationship"]
        if relationship is not None:
            code = relationship.upper() if relationship.upper() in RELATIONSHIP_CODES else \
                RELATIONSHIP_WORDS.get(" ".join(relationship.replace("-", " ").casefold().split()))
            if code is None:
                return RowError(line, f"carer{i}_relationship", f"unrecognised relationship {relationship!r}")
            relationship = code
        pr = values["parental_responsibility"]
        if pr is not None:
            if pr.casefold() not in _YES_NO:
                return RowError(line, f"carer{i}_parental_responsibility", f"expected Y or N, got {pr!r}")
            pr = _YES_NO[pr.casefold()]
        carers.append(Carer(values["forename"], values["surname"], relationship, pr, values["phone"]))
    return CensusRow(
        row=line, record_id=raw["record_id"], forename=raw["forename"], surname=raw["surname"], dob=dob,
        upn=raw.get("upn") or None, former_upn=raw.get("former_upn") or None, uln=raw.get("uln") or None,
        nhs_number=raw.get("nhs_number") or None, middle_names=raw.get("middle_names") or None,
        preferred_forename=raw.get("preferred_forename") or None,
        preferred_surname=raw.get("preferred_surname") or None,
        former_surname=raw.get("former_surname") or None, gender=gender,
        address_line1=raw.get("address_line1") or None, address_line2=raw.get("address_line2") or None,
        town=raw.get("town") or None, postcode=raw.get("postcode") or None, carers=tuple(carers),
    )


def read_text(text: str) -> Iterator[CensusRow | RowError]:
    """Convenience for tests and small inputs."""
    return read(io.StringIO(text))
