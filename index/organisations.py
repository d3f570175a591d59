"""Organisations (schools, GP practices, services) and local authorities."""

from __future__ import annotations

import asyncpg
import msgspec

from index import errors
from matching import identifiers

KINDS = (
    "school", "gp", "health_visiting", "social_care", "youth_justice", "connexions",
    "local_authority", "sexual_health", "mental_health", "substance_misuse",
)
SENSITIVE_KINDS = frozenset({"sexual_health", "mental_health", "substance_misuse"})


class NewOrganisation(msgspec.Struct, kw_only=True):
    code: str
    kind: str
    name: str
    la_code: str | None = None
    urn: str | None = None
    laestab: str | None = None
    ods_code: str | None = None
    phone: str | None = None
    email: str | None = None
    address_line1: str | None = None
    town: str | None = None
    postcode: str | None = None


def validate(org: NewOrganisation) -> NewOrganisation:
    """Check codes against their rules; raise Invalid naming the field."""
    errors.plain_text(name=org.name, phone=org.phone, email=org.email, address_line1=org.address_line1,
                      town=org.town, postcode=org.postcode)
    if org.kind not in KINDS:
        raise errors.Invalid(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if org.la_code is not None and org.la_code not in identifiers.LA_CODES:
        raise errors.Invalid(f"{org.la_code!r} is not a DfE LA code", field="la_code")
    for field, checker in (("laestab", identifiers.check_laestab), ("ods_code", identifiers.check_gp_practice)):
        raw = getattr(org, field)
        if raw is not None:
            checked = checker(raw)
            if not checked.valid:
                raise errors.Invalid(f"{field}: {checked.error}", field=field)
            org = msgspec.structs.replace(org, **{field: checked.value})
    if org.urn is not None:
        checked = identifiers.check_urn(org.urn)
        if checked is not None and not checked.valid:
            raise errors.Invalid(f"urn: {checked.error}", field="urn")
        org = msgspec.structs.replace(org, urn=checked.value if checked else None)
    return org


async def add_la(conn: asyncpg.Connection, code: str, name: str) -> None:
    if code not in identifiers.LA_CODES:
        raise errors.Invalid(f"{code!r} is not a DfE LA code", field="code")
    errors.plain_text(name=name)
    await conn.execute(
        "INSERT INTO local_authorities (code, name) VALUES ($1, $2) "
        "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name",
        code,
        name,
    )


async def add(conn: asyncpg.Connection, org: NewOrganisation) -> int:
    org = validate(org)
    if org.la_code is not None:
        exists = await conn.fetchval("SELECT 1 FROM local_authorities WHERE code = $1", org.la_code)
        if not exists:
            raise errors.Invalid(f"LA {org.la_code} is not registered: add it first", field="la_code")
    return await conn.fetchval(
        """INSERT INTO organisations
               (code, kind, name, la_code, urn, laestab, ods_code, phone, email, address_line1, town, postcode)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id""",
        org.code, org.kind, org.name, org.la_code, org.urn, org.laestab, org.ods_code,
        org.phone, org.email, org.address_line1, org.town, org.postcode,
    )
