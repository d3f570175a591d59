"""A streaming, hostile-safe reader for DfE Common Transfer Files (see ctf.md).

`read(chunks)` parses up to the end of the Header at once and returns it with an
iterator over the pupils: `(CtfHeader, Iterator[CensusRow | RowError])`, the same
rows as matching.census makes for the CSV feed. `row` is the pupil's 1-based
ordinal in the file; record_id is the UPN (a CTF has no id of its own). Chunks of
any size may be given; big ones are fed to the parser 64 KiB at a time.

Only identity, address and contacts are read. Case content (SEN, FSM, attendance,
assessments, ethnicity, language, ...) and unknown elements are parsed past, never
copied. Error messages name elements, never values.

A bad file raises matching.census.FileError: a DOCTYPE, entity or external
reference; more than `max_bytes`; XML not well-formed or not UTF-8; a wrong root;
a missing or unsupported Header. Parsing streams, so this may come AFTER rows were
yielded: the caller must treat a FileError at any point as rejecting the whole
file, and apply nothing until the iterator is exhausted. Nothing follows it.

Row rules. A UPN already seen earlier in the file (whether or not that pupil was
valid) is a RowError. Gender is Sex, else Gender; a bad value names the element
read. BS7666Address: line 1 = SAON PAON Street, line 2 = Locality, town = Town or
PostTown. AddressLines: line 1 = AddressLine1, town = the last non-empty of lines
3-5, line 2 = the other non-empty lines of 2-5 joined by ", ". The postcode is
dropped for a non-UK address (a Zip/ZIP, or a Country not the UK or its nations).
Contacts are all kept, never merged, empty ones dropped, sorted by a whole-number
Order (others after, in file order). Relationship is a CBDS code or a word the CSV
also takes ("Father"); an unknown one is a RowError, not a silent None: a wrong
relationship could give a contact standing it lacks.
"""

from __future__ import annotations

import codecs
import datetime
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Iterator

import msgspec

# defusedxml rather than lxml: it wraps the stdlib expat parser (no native build),
# is small and well kept, and refuses DTDs, entity declarations and external
# references at the parser itself, before any expansion can happen.
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from matching import schemes
from matching.census import MAX_CELL, Carer, CensusRow, FileError, RowError, relationship_code

MAX_BYTES = 200 * 1024 * 1024
VERSIONS = range(19, 26)
QUALIFIERS = ("full", "partial")
UK_COUNTRIES = frozenset({"UK", "GB", "GBR", "XK", "XF", "XG", "XH", "XI", "ENG", "WLS", "SCT", "NIR",
                          "UNITED KINGDOM", "GREAT BRITAIN", "ENGLAND", "WALES", "SCOTLAND", "NORTHERN IRELAND"})
_GENDER = {"M": "M", "F": "F", "U": "U", "MALE": "M", "FEMALE": "F", "UNKNOWN": "U"}
_BOOLEAN = {"true": True, "1": True, "false": False, "0": False}
_VERSION = re.compile(r"([0-9]{1,2})(\.[0-9]{1,3})?")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_ENCODING = re.compile(rb"<\?xml\s[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_BOM = b"\xef\xbb\xbf"
_BLOCK = 64 * 1024


class CtfHeader(msgspec.Struct, frozen=True):
    version: str
    qualifier: str
    source_lea: str | None
    source_estab: str | None
    source_urn: str | None
    supplier: str | None


class _Problem(Exception):
    """One pupil cannot be used: becomes a RowError naming `column`."""

    def __init__(self, column: str, message: str):
        super().__init__(column, message)
        self.column, self.message = column, message


class _Source:
    """A file-like view of the chunks that counts bytes and checks they are UTF-8."""

    def __init__(self, chunks: Iterable[bytes], max_bytes: int):
        self._chunks, self._max, self._total = iter(chunks), max_bytes, 0
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._head: bytes | None = b""   # None once the XML declaration is checked
        self._pending = memoryview(b"")

    def read(self, _size: int = -1) -> bytes:
        """The next block: a big chunk is handed on in pieces, so events stay few at a time."""
        if not self._pending:
            self._pending = memoryview(self._next_chunk())
        block, self._pending = self._pending[:_BLOCK], self._pending[_BLOCK:]
        return bytes(block)

    def _next_chunk(self) -> bytes:
        for chunk in self._chunks:
            if not chunk:
                continue
            self._total += len(chunk)
            if self._total > self._max:
                raise FileError(f"the file is larger than the limit of {self._max} bytes")
            self._check_utf8(chunk)
            if self._head is not None:
                self._head += chunk[:1024]
                if b"?>" in self._head or len(self._head) >= 1024:
                    self._check_declaration()
            return chunk
        self._check_utf8(b"", final=True)
        if self._head is not None:
            self._check_declaration()
        if self._total == 0:
            raise FileError("the file is empty")
        return b""

    def _check_utf8(self, chunk: bytes, final: bool = False) -> None:
        try:
            self._decoder.decode(chunk, final)
        except UnicodeDecodeError:
            raise FileError(f"the file is not UTF-8 (bad bytes within the first {self._total} bytes): "
                            "only UTF-8 is accepted") from None

    def _check_declaration(self) -> None:
        found = _ENCODING.match(self._head.removeprefix(_BOM))
        self._head = None
        if found and found.group(1).decode("ascii", "replace").upper() not in ("UTF-8", "UTF8"):
            raise FileError("the XML declares an encoding other than UTF-8: only UTF-8 is accepted")


def _events(chunks: Iterable[bytes], max_bytes: int) -> Iterator[tuple[str, ElementTree.Element, int]]:
    """(event, element, depth) with the root at depth 1; parser errors become FileError."""
    depth = 0
    try:
        for event, elem in iterparse(_Source(chunks, max_bytes), events=("start", "end"),
                                     forbid_dtd=True, forbid_entities=True, forbid_external=True):
            depth += event == "start"
            yield event, elem, depth
            depth -= event == "end"
    except ElementTree.ParseError as exc:
        line, column = exc.position
        raise FileError(f"not well-formed XML at line {line}, column {column}") from None
    except DefusedXmlException:   # DTDs first: entity declarations need one
        raise FileError("a DOCTYPE, DTD, entity declaration or external reference is not allowed "
                        "in a CTF") from None


def read(chunks: Iterable[bytes], *, max_bytes: int = MAX_BYTES) -> tuple[CtfHeader, Iterator[CensusRow | RowError]]:
    """The file's Header, and an iterator over its pupils (see the module docstring)."""
    events = _events(chunks, max_bytes)
    header = _read_header(events)
    return header, _pupils(events)


def _read_header(events: Iterator[tuple[str, ElementTree.Element, int]]) -> CtfHeader:
    for event, elem, depth in events:
        if depth == 1 and event == "start" and elem.tag != "CTfile":
            raise FileError("the root element must be CTfile")
        if depth == 2 and elem.tag == "Header" and event == "end":
            try:
                return _header(elem)
            except _Problem as problem:
                raise FileError(f"Header/{problem.column} is {problem.message}") from None
        if depth == 2 and elem.tag != "Header" and event == "start":
            break
    raise FileError("missing Header: it must come first in CTfile")


def _header(header: ElementTree.Element) -> CtfHeader:
    version = _text(header, "CTFversion")
    if version is None:
        raise FileError("Header/CTFversion is missing")
    number = _VERSION.fullmatch(version)
    if number is None:
        raise FileError("Header/CTFversion is not a version number")
    if int(number.group(1)) not in VERSIONS:
        raise FileError(f"Header/CTFversion {version} is not supported: expected 19.0 to 25.0")
    qualifier = (_text(header, "DocumentQualifier") or "").lower()
    if qualifier not in QUALIFIERS:
        raise FileError("Header/DocumentQualifier must be full or partial")
    urn = _text(header, "SourceSchool/URN")
    return CtfHeader(
        version=version, qualifier=qualifier,
        source_lea=_text(header, "SourceSchool/LEA"),
        source_estab=_text(header, "SourceSchool/Estab"),
        source_urn=None if urn is None or urn.upper() == "XXXXXX" else urn,
        supplier=_text(header, "SupplierID"),
    )


def _pupils(events: Iterator[tuple[str, ElementTree.Element, int]]) -> Iterator[CensusRow | RowError]:
    seen: set[str] = set()
    ordinal = 0
    section = None
    for event, elem, depth in events:
        if depth == 2 and event == "start":
            section = elem
        elif depth == 3 and event == "end":
            if section.tag == "CTFpupilData" and elem.tag == "Pupil":
                ordinal += 1
                try:
                    yield _pupil(ordinal, elem, seen)
                except _Problem as problem:
                    yield RowError(ordinal, problem.column, problem.message)
            section.clear()   # drop finished children: memory stays flat


def _text(elem: ElementTree.Element, path: str, name: str | None = None) -> str | None:
    """The trimmed text at `path`, None when absent or empty; too long is a _Problem."""
    found = elem.find(path)
    value = (found.text or "").strip() if found is not None else ""
    if len(value) > MAX_CELL:
        raise _Problem(name or path, f"longer than {MAX_CELL} characters")
    return value or None


def _required(elem: ElementTree.Element, path: str) -> str:
    value = _text(elem, path)
    if value is None:
        raise _Problem(path, "required, but empty")
    return value


def _pupil(ordinal: int, pupil: ElementTree.Element, seen: set[str]) -> CensusRow:
    upn = _required(pupil, "UPN")
    if upn in seen:
        raise _Problem("UPN", "duplicate UPN: another pupil earlier in the file has the same UPN")
    seen.add(upn)
    forename, surname = _required(pupil, "Forename"), _required(pupil, "Surname")
    basic = lambda tag: _text(pupil, f"BasicDetails/{tag}")  # noqa: E731
    return CensusRow(
        row=ordinal, record_id=upn, forename=forename, surname=surname, dob=_dob(_required(pupil, "DOB")),
        # Each identifier a CTF carries (matching/schemes.py): UPN, former UPN, ULN.
        **{s.name: _text(pupil, s.ctf_element) for s in schemes.SCHEMES if s.ctf_element},
        middle_names=basic("MiddleNames"), preferred_forename=basic("PreferredForename"),
        preferred_surname=basic("PreferredSurname"), former_surname=basic("FormerSurname"),
        gender=_gender(pupil), **_address(pupil.find("Address")), carers=_contacts(pupil),
    )


def _dob(value: str) -> datetime.date:
    parts = _DATE.fullmatch(value)
    if parts is None:
        raise _Problem("DOB", "not a date: expected YYYY-MM-DD")
    try:
        return datetime.date(*map(int, parts.groups()))
    except ValueError:
        raise _Problem("DOB", "no such date: expected YYYY-MM-DD") from None


def _gender(pupil: ElementTree.Element) -> str | None:
    """Sex (version 25 on), falling back to Gender; the error names the one read."""
    for tag in ("Sex", "Gender"):
        value = _text(pupil, tag)
        if value is not None:
            if value.upper() not in _GENDER:
                raise _Problem(tag, "unrecognised value: expected M, F or U")
            return _GENDER[value.upper()]
    return None


def _joined(column: str, values: Iterable[str | None], separator: str) -> str | None:
    value = separator.join(v for v in values if v)
    if len(value) > MAX_CELL:
        raise _Problem(column, f"longer than {MAX_CELL} characters")
    return value or None


def _address(address: ElementTree.Element | None) -> dict[str, str | None]:
    if address is None:
        return {}
    text = lambda path: _text(address, path, f"Address/{path}")  # noqa: E731
    if address.find("BS7666Address") is not None:
        line1 = _joined("Address/BS7666Address", map(text, ("BS7666Address/SAON", "BS7666Address/PAON",
                                                             "BS7666Address/Street")), " ")
        line2 = text("BS7666Address/Locality")
        town = text("BS7666Address/Town") or text("BS7666Address/PostTown")
    else:
        lines = [text(f"AddressLines/AddressLine{i}") for i in range(1, 6)]
        town_at = next((i for i in (4, 3, 2) if lines[i]), None)
        line1, town = lines[0], None if town_at is None else lines[town_at]
        line2 = _joined("Address/AddressLines", (v for i, v in enumerate(lines) if i not in (0, town_at)), ", ")
    zip_code = text("Zip") or text("ZIP")
    country = " ".join((text("Country") or "UK").upper().split())
    postcode = text("PostCode") if zip_code is None and country in UK_COUNTRIES else None
    return {"address_line1": line1, "address_line2": line2, "town": town, "postcode": postcode}


def _contacts(pupil: ElementTree.Element) -> tuple[Carer, ...]:
    contacts = pupil.findall("Contacts/Contact")
    ordered = sorted(enumerate(contacts), key=lambda item: _order(item[1], item[0]))
    carers = (_carer(contact) for _, contact in ordered)
    return tuple(c for c in carers if c != Carer(None, None, None, None, None))


def _order(contact: ElementTree.Element, position: int) -> tuple[int, int, int]:
    """Contacts with a numeric Order first, by it; the rest after, in file order."""
    order = _text(contact, "Order", "Contact.Order")
    return (0, int(order), position) if order and order.isascii() and order.isdigit() else (1, 0, position)


def _carer(contact: ElementTree.Element) -> Carer:
    text = lambda path: _text(contact, path, f"Contact.{path}")  # noqa: E731
    relationship = text("Relationship")
    if relationship is not None:
        # A code, or a word as some MIS exports write it (Father, Step-mother): the CSV's rule.
        try:
            relationship = relationship_code(relationship)
        except ValueError as exc:
            raise _Problem("Contact.Relationship", str(exc)) from None
    responsibility = text("Responsibility")
    if responsibility is not None and responsibility.lower() not in _BOOLEAN:
        raise _Problem("Contact.Responsibility", "expected true or false")
    phones = (_text(phone, "PhoneNo", "Contact.PhoneNo") for phone in contact.findall("Phones/Phone"))
    return Carer(
        forename=text("Forename"), surname=text("Surname"), relationship=relationship,
        parental_responsibility=None if responsibility is None else _BOOLEAN[responsibility.lower()],
        phone=next((p for p in phones if p), None),
    )
