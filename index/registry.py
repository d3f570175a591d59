"""Creating a child record with its names, identifiers and carers.

The search keys are built here, from matching.normalise, for every path that writes a
child (single inserts and the bulk demo loader alike).
"""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from index import errors
from matching import identifiers, normalise


class NewCarer(msgspec.Struct, kw_only=True):
    surname: str
    forename: str | None = None
    relationship: str = "OTH"
    parental_responsibility: bool | None = None
    phone: str | None = None
    email: str | None = None


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
    upn: str | None = None
    former_upns: list[str] = []
    uln: str | None = None
    nhs_number: str | None = None
    carers: list[NewCarer] = []
    shielded: bool = False


def search_name_rows(child: NewChild) -> list[tuple[str, str, str, dt.date]]:
    """(kind, forename_key, surname_key, dob) for every name form of the child."""
    legal_fore = normalise.fold(child.forename)
    forms = [("legal", legal_fore, child.surname)]
    if child.preferred_forename or child.preferred_surname:
        forms.append((
            "preferred",
            normalise.fold(child.preferred_forename) if child.preferred_forename else legal_fore,
            child.preferred_surname or child.surname,
        ))
    forms.extend(("former", legal_fore, former) for former in child.former_surnames)
    rows: list[tuple[str, str, str, dt.date]] = []
    seen: set[tuple[str, str]] = set()
    for kind, fore, surname in forms:
        variants = normalise.surname_variants(surname)
        for i, key in enumerate(variants):
            if (fore, key) in seen or not key:
                continue
            seen.add((fore, key))
            rows.append((kind if i == 0 else "part", fore, key[:100], child.dob))
    return rows


def identifier_rows(child: NewChild) -> list[tuple[str, str, str, bool, bool]]:
    """(scheme, raw, value, valid, temporary); invalid identifiers are kept, flagged."""
    wanted = [("upn", child.upn), ("uln", child.uln), ("nhs_number", child.nhs_number)]
    wanted += [("former_upn", raw) for raw in child.former_upns]
    rows = []
    seen = set()
    for scheme, raw in wanted:
        if not raw:
            continue
        checked = identifiers.check("upn" if scheme == "former_upn" else scheme, raw)
        value = checked.value[:20] if checked.value else "X"
        if (scheme, value) in seen:
            continue
        seen.add((scheme, value))
        rows.append((scheme, raw[:40], value, checked.valid, checked.temporary))
    return rows


async def create_child(conn: asyncpg.Connection, child: NewChild, *, source_org_id: int | None = None) -> uuid.UUID:
    if child.postcode:
        checked = identifiers.check_postcode(child.postcode)
        if not checked.valid:
            raise errors.Invalid(checked.error or "not a UK postcode", field="postcode")
        child = msgspec.structs.replace(child, postcode=checked.value)
    child_id = uuid.uuid4()
    await conn.execute(
        """INSERT INTO children (id, forename, middle_names, surname, preferred_forename, preferred_surname,
               sex, dob, address_state, address_line1, address_line2, town, postcode, owning_la, shielded)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)""",
        child_id, child.forename, child.middle_names, child.surname, child.preferred_forename,
        child.preferred_surname, child.sex, child.dob, child.address_state, child.address_line1,
        child.address_line2, child.town, child.postcode, child.owning_la, child.shielded,
    )
    await conn.executemany(
        "INSERT INTO child_former_names (child_id, surname) VALUES ($1, $2)",
        [(child_id, s) for s in child.former_surnames],
    )
    await conn.executemany(
        "INSERT INTO child_search_names (child_id, kind, forename_key, surname_key, dob) "
        "VALUES ($1, $2, $3, $4, $5)",
        [(child_id, *row) for row in search_name_rows(child)],
    )
    await conn.executemany(
        "INSERT INTO child_identifiers (child_id, scheme, raw_value, value, valid, temporary, source_org_id) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [(child_id, *row, source_org_id) for row in identifier_rows(child)],
    )
    await conn.executemany(
        "INSERT INTO carers (child_id, forename, surname, relationship, parental_responsibility, phone, email, "
        "source_org_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [(child_id, c.forename, c.surname, c.relationship, c.parental_responsibility, c.phone, c.email,
          source_org_id) for c in child.carers],
    )
    return child_id
