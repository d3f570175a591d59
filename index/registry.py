"""Creating a child record with its names, identifiers and carers.

The search keys are built here, from matching.normalise, for every path that writes a
child (single inserts and the bulk demo loader alike).

A census meets a child only through the blocking keys of a source record linked to it,
so every path that creates a child links one: a feed's new child (index.feeds.process),
a review decision's (index.review) and the demo's (index.demo, records of each LA's own
system). The view children_unmatchable lists any child without one; creating a child
here without linking a record leaves it there (test fixtures do).
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import asyncpg
import msgspec

from index import errors
from index.records import Carer as NewCarer   # a carer to store has the shape a record shows
from matching import identifiers, normalise, schemes


class NewChild(msgspec.Struct, kw_only=True):
    forename: str
    surname: str
    sex: str
    dob: dt.date
    owning_la: str
    middle_names: str | None = None
    preferred_forename: str | None = None
    preferred_surname: str | None = None
    former_surnames: list[str] = []
    address_state: str = "known"
    address_line1: str | None = None
    address_line2: str | None = None
    town: str | None = None
    postcode: str | None = None
    # One field per identifier scheme (matching/schemes.py; see field_of).
    upn: str | None = None
    former_upns: list[str] = []
    uln: str | None = None
    nhs_number: str | None = None
    carers: list[NewCarer] = []
    shielded: bool = False


def search_name_rows(child: NewChild) -> list[tuple[str, str, str, dt.date]]:
    """(kind, forename_key, surname_key, dob) for every name form of the child."""
    return name_rows(child.forename, child.surname, child.dob, preferred_forename=child.preferred_forename,
                     preferred_surname=child.preferred_surname, former_surnames=child.former_surnames)


def name_rows(forename: str, surname: str, dob: dt.date, *, preferred_forename: str | None = None,
              preferred_surname: str | None = None,
              former_surnames: Iterable[str] = ()) -> list[tuple[str, str, str, dt.date]]:
    """search_name_rows from the names themselves (a child already stored, say)."""
    legal_fore = normalise.fold(forename)
    forms = [("legal", legal_fore, surname)]
    if preferred_forename or preferred_surname:
        forms.append((
            "preferred",
            normalise.fold(preferred_forename) if preferred_forename else legal_fore,
            preferred_surname or surname,
        ))
    forms.extend(("former", legal_fore, former) for former in former_surnames)
    rows: list[tuple[str, str, str, dt.date]] = []
    seen: set[tuple[str, str]] = set()
    for kind, fore, surname in forms:
        variants = normalise.surname_variants(surname)
        for i, key in enumerate(variants):
            if (fore, key) in seen or not key:
                continue
            seen.add((fore, key))
            rows.append((kind if i == 0 else "part", fore, key[:100], dob))
    return rows


def field_of(scheme: schemes.Scheme) -> str:
    """NewChild's field for a scheme: its name, or the plural (a list) for a scheme a child
    may hold many of ("former_upns")."""
    return f"{scheme.name}s" if scheme.many else scheme.name


def identifier_fields(values: Mapping[str, str | None]) -> dict[str, str | list[str] | None]:
    """NewChild's identifier fields from one raw value per scheme name (a census row's)."""
    return {field_of(s): ([raw] if raw else []) if s.many else raw
            for s in schemes.SCHEMES for raw in (values.get(s.name),)}


def first_values(child) -> dict[str, str | None]:
    """One raw value per scheme name from a NewChild (or anything with its identifier
    fields, a demo child): the first of a scheme a child may hold many of."""
    return {s.name: (getattr(child, field_of(s)) or [None])[0] if s.many else getattr(child, s.name)
            for s in schemes.SCHEMES}


def identifier_rows(child: NewChild) -> list[tuple[str, str, str, bool, bool]]:
    """(scheme, raw, value, valid, temporary); invalid identifiers are kept, flagged."""
    return identifiers_of({s.name: getattr(child, field_of(s)) for s in schemes.SCHEMES})


def identifiers_of(given: Mapping[str, str | Iterable[str | None] | None]) -> list[tuple[str, str, str, bool, bool]]:
    """identifier_rows from the identifiers themselves (a source record's, say): by scheme
    name, one raw value or, for a scheme a child may hold many of, several."""
    rows = []
    seen = set()
    for scheme in schemes.SCHEMES:
        raws = given.get(scheme.name)
        for raw in [raws] if raws is None or isinstance(raws, str) else raws:
            if not raw:
                continue
            checked = scheme.check(raw)
            value = checked.value[:20] if checked.value else "X"
            if (scheme.name, value) in seen:
                continue
            seen.add((scheme.name, value))
            rows.append((scheme.name, raw[:40], value, checked.valid, checked.temporary))
    return rows


async def create_child(conn: asyncpg.Connection, child: NewChild, *, source_org_id: int | None = None) -> uuid.UUID:
    if child.postcode:
        checked = identifiers.check_postcode(child.postcode)
        if not checked.valid:
            raise errors.Invalid(checked.error or "not a UK postcode", field="postcode")
        child = msgspec.structs.replace(child, postcode=checked.value)
    return (await create_children(conn, [child], source_org_id=source_org_id))[0]


def new_ids(n: int) -> list[uuid.UUID]:
    """n child ids, UUID version 7: the time in milliseconds first, then 74 random bits.
    A batch's children land together at the right-hand end of every index on child_id
    (children, links, search names, identifiers, carers, involvements) instead of on a
    random page of each; the random part keeps an id as hard to guess as a version 4's."""
    ms = time.time_ns() // 1_000_000
    return [uuid.UUID(int=ms << 80 | 0x7 << 76 | secrets.randbits(12) << 64 | 0x2 << 62 | secrets.randbits(62))
            for _ in range(n)]


CHILD_COLUMNS = ("id", "forename", "middle_names", "surname", "preferred_forename", "preferred_surname", "sex",
                 "dob", "address_state", "address_line1", "address_line2", "town", "postcode", "owning_la",
                 "shielded")


@dataclass(slots=True)
class ChildRows:
    """New children as rows to COPY (child_rows): ids, in order, and each table's rows."""
    ids: list[uuid.UUID]
    children: list[tuple] = field(default_factory=list)
    former: list[tuple] = field(default_factory=list)
    names: list[tuple] = field(default_factory=list)
    idents: list[tuple] = field(default_factory=list)
    carers: list[tuple] = field(default_factory=list)


def child_rows(children: list[NewChild], *, source_org_id: int | None = None) -> ChildRows:
    """The rows of new children (postcodes already checked), with new ids. CPU only, so a
    loader may build the next batch's while the last is written."""
    out = ChildRows(new_ids(len(children)))
    for child_id, c in zip(out.ids, children):
        out.children.append((child_id, c.forename, c.middle_names, c.surname, c.preferred_forename,
                             c.preferred_surname, c.sex, c.dob, c.address_state, c.address_line1, c.address_line2,
                             c.town, c.postcode, c.owning_la, c.shielded))
        out.former.extend((child_id, s) for s in c.former_surnames)
        out.names.extend((child_id, *row) for row in search_name_rows(c))
        out.idents.extend((child_id, *row, source_org_id) for row in identifier_rows(c))
        out.carers.extend((child_id, k.forename, k.surname, k.relationship, k.parental_responsibility, k.phone,
                           k.email, source_org_id) for k in c.carers)
    return out


async def write_children(conn: asyncpg.Connection, rows: ChildRows) -> list[uuid.UUID]:
    """Write new children's rows (child_rows) with COPY; their ids, in order."""
    if not rows.ids:
        return rows.ids
    await conn.copy_records_to_table("children", records=rows.children, columns=CHILD_COLUMNS)
    if rows.former:
        await conn.copy_records_to_table("child_former_names", records=rows.former, columns=("child_id", "surname"))
    if rows.names:
        await conn.copy_records_to_table("child_search_names", records=rows.names,
                                         columns=("child_id", "kind", "forename_key", "surname_key", "dob"))
    if rows.idents:
        await conn.copy_records_to_table("child_identifiers", records=rows.idents, columns=(
            "child_id", "scheme", "raw_value", "value", "valid", "temporary", "source_org_id"))
    if rows.carers:
        await conn.copy_records_to_table("carers", records=rows.carers, columns=(
            "child_id", "forename", "surname", "relationship", "parental_responsibility", "phone", "email",
            "source_org_id"))
    return rows.ids


async def create_children(conn: asyncpg.Connection, children: list[NewChild], *,
                          source_org_id: int | None = None) -> list[uuid.UUID]:
    """Create many children with COPY (postcodes already checked); their ids, in order."""
    return await write_children(conn, child_rows(children, source_org_id=source_org_id))
