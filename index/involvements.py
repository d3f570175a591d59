"""A practitioner's own organisation's involvement with a child, and their indicators."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from index import errors, sql
from index.auth import Principal

SQL = sql.queries("involvements")

INDICATOR_KINDS = ("has_information", "taking_action", "assessment_completed", "lead_professional")
# Why a sensitive service may be recorded at all: the child's consent, or the service
# suspects significant harm.
CONSENT_BASES = ("consent_given", "significant_harm")


class Registered(msgspec.Struct):
    id: uuid.UUID
    child_id: uuid.UUID
    organisation: str
    start_date: dt.date


class Ended(msgspec.Struct):
    id: uuid.UUID
    child_id: uuid.UUID
    end_date: dt.date


class IndicatorSet(msgspec.Struct):
    id: uuid.UUID
    involvement_id: uuid.UUID
    child_id: uuid.UUID
    kind: str
    set_at: dt.datetime


class IndicatorCleared(msgspec.Struct):
    id: uuid.UUID
    child_id: uuid.UUID
    cleared_at: dt.datetime


async def register(
    conn: asyncpg.Connection,
    who: Principal,
    child_id: uuid.UUID,
    *,
    start_date: dt.date,
    contact_name: str | None,
    contact_phone: str | None,
    contact_email: str | None,
    consent_basis: str | None = None,
) -> Registered:
    sensitive = await conn.fetchval(SQL["org_sensitive"], who.org_id)
    if sensitive and consent_basis is None:
        raise errors.Conflict(
            "a sensitive service's involvement is recorded only on a consent basis: "
            f"send consent_basis ({' or '.join(CONSENT_BASES)})", field="consent_basis")
    if not sensitive and consent_basis is not None:
        raise errors.Invalid("only a sensitive service records a consent basis", field="consent_basis")
    dob = await conn.fetchval(SQL["child_dob"], child_id)
    if dob is None:
        raise errors.NotFound("no such child", field="child_id")
    if start_date < dob:
        raise errors.Invalid("start_date is before the child's date of birth", field="start_date")
    if start_date > dt.date.today():
        raise errors.Invalid("start_date is in the future", field="start_date")
    open_id = await conn.fetchval(SQL["open_involvement"], child_id, who.org_id)
    if open_id is not None:
        raise errors.Conflict(f"your organisation already has an open involvement ({open_id})")
    new_id = await conn.fetchval(
        SQL["register"],
        child_id,
        who.org_id,
        contact_name or who.name,
        contact_phone or who.phone,
        contact_email or who.email,
        start_date,
        who.user_id,
        consent_basis,
    )
    return Registered(id=new_id, child_id=child_id, organisation=who.org_code, start_date=start_date)


async def _own_involvement(conn: asyncpg.Connection, who: Principal, involvement_id: uuid.UUID):
    row = await conn.fetchrow(SQL["own_involvement"], involvement_id)
    if row is None:
        raise errors.NotFound("no such involvement", field="involvement_id")
    if row["org_id"] != who.org_id:
        raise errors.Forbidden("this involvement belongs to another organisation")
    return row


async def end(
    conn: asyncpg.Connection, who: Principal, involvement_id: uuid.UUID, *, end_date: dt.date
) -> Ended:
    row = await _own_involvement(conn, who, involvement_id)
    if row["end_date"] is not None:
        raise errors.Conflict(f"the involvement already ended on {row['end_date']}")
    if end_date < row["start_date"]:
        raise errors.Invalid("end_date is before start_date", field="end_date")
    if end_date > dt.date.today():
        raise errors.Invalid("end_date is in the future", field="end_date")
    await conn.execute(SQL["end"], involvement_id, end_date, who.user_id)
    # Indicators live on an open involvement only.
    await conn.execute(SQL["clear_indicators"], involvement_id, who.user_id)
    return Ended(id=involvement_id, child_id=row["child_id"], end_date=end_date)


async def set_indicator(
    conn: asyncpg.Connection, who: Principal, involvement_id: uuid.UUID, *, kind: str
) -> IndicatorSet:
    if kind not in INDICATOR_KINDS:
        raise errors.Invalid(f"kind must be one of {', '.join(INDICATOR_KINDS)}", field="kind")
    row = await _own_involvement(conn, who, involvement_id)
    if row["end_date"] is not None:
        raise errors.Conflict("the involvement has ended")
    existing = await conn.fetchval(SQL["open_indicator"], involvement_id, kind)
    if existing is not None:
        raise errors.Conflict(f"{kind} is already set on this involvement ({existing})")
    new = await conn.fetchrow(SQL["set_indicator"], involvement_id, kind, who.user_id)
    return IndicatorSet(
        id=new["id"], involvement_id=involvement_id, child_id=row["child_id"], kind=kind, set_at=new["set_at"]
    )


async def clear_indicator(conn: asyncpg.Connection, who: Principal, indicator_id: uuid.UUID) -> IndicatorCleared:
    row = await conn.fetchrow(SQL["indicator"], indicator_id)
    if row is None:
        raise errors.NotFound("no such indicator", field="indicator_id")
    if row["set_by"] != who.user_id:
        raise errors.Forbidden("only the practitioner who set an indicator may clear it")
    if row["cleared_at"] is not None:
        raise errors.Conflict("the indicator is already cleared")
    cleared_at = await conn.fetchval(SQL["clear_indicator"], indicator_id, who.user_id)
    return IndicatorCleared(id=indicator_id, child_id=row["child_id"], cleared_at=cleared_at)
