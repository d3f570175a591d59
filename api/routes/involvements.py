"""Practitioner routes: register or end their organisation's involvement, set or clear
their own indicators. Bodies are structured; an unknown field is a 400."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec
from litestar.params import JSONBody
from litestar import post

from api import params
from api.audited import Audit, Audited
from index import involvements

Phone = Annotated[str, msgspec.Meta(pattern=r"^\+?[0-9 ()-]{6,20}$", description="UK phone number")]
Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]{1,64}@[^@\s]{1,190}$", max_length=255)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f<>{}]+$")]
IndicatorKind = Annotated[str, msgspec.Meta(pattern="^(" + "|".join(involvements.INDICATOR_KINDS) + ")$")]


class ContactIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    phone: Phone | None = None
    email: Email | None = None


ConsentBasis = Annotated[str, msgspec.Meta(pattern="^(" + "|".join(involvements.CONSENT_BASES) + ")$")]


class RegisterIn(msgspec.Struct, forbid_unknown_fields=True):
    start_date: dt.date
    contact: ContactIn | None = None
    # Required of a sensitive service (sexual health, mental health, substance misuse).
    consent_basis: ConsentBasis | None = None


class EndIn(msgspec.Struct, forbid_unknown_fields=True):
    end_date: dt.date


class IndicatorIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: IndicatorKind


@post("/children/{child_id:str}/involvements", opt={"action": "involvement.register"}, status_code=201,
      summary="Register your organisation's involvement", before_request=params.json_only)
async def register(child_id: params.PathId, data: JSONBody[RegisterIn], audit: Audited) -> involvements.Registered:
    return await register_work(audit, child_id, data)


@post("/involvements/{involvement_id:str}/end", opt={"action": "involvement.end"}, status_code=200,
      summary="End your organisation's involvement", before_request=params.json_only)
async def end(involvement_id: params.PathId, data: JSONBody[EndIn], audit: Audited) -> involvements.Ended:
    return await end_work(audit, involvement_id, data)


@post("/involvements/{involvement_id:str}/indicators", opt={"action": "indicator.set"}, status_code=201,
      summary="Set an indicator on your involvement", before_request=params.json_only)
async def set_indicator(involvement_id: params.PathId, data: JSONBody[IndicatorIn], audit: Audited) -> involvements.IndicatorSet:
    return await set_work(audit, involvement_id, data)


@post("/indicators/{indicator_id:str}/clear", opt={"action": "indicator.clear"}, status_code=200,
      summary="Clear an indicator you set")
async def clear_indicator(indicator_id: params.PathId, audit: Audited) -> involvements.IndicatorCleared:
    return await clear_work(audit, indicator_id)


# Each route's work, for the JSON route and its page alike (api/pages/involvements.py), so
# that both record the same audit event.

async def register_work(audit: Audit, child_id: uuid.UUID, data: RegisterIn) -> involvements.Registered:
    contact = data.contact or ContactIn()
    if data.consent_basis:
        audit.query["consent_basis"] = data.consent_basis
    got = await involvements.register(
        await audit.begin(), audit.who, child_id, start_date=data.start_date,
        contact_name=contact.name, contact_phone=contact.phone, contact_email=contact.email,
        consent_basis=data.consent_basis,
    )
    audit.children = [got.child_id]
    return got


async def end_work(audit: Audit, involvement_id: uuid.UUID, data: EndIn) -> involvements.Ended:
    got = await involvements.end(await audit.begin(), audit.who, involvement_id, end_date=data.end_date)
    audit.children = [got.child_id]
    return got


async def set_work(audit: Audit, involvement_id: uuid.UUID, data: IndicatorIn) -> involvements.IndicatorSet:
    audit.query["kind"] = data.kind
    got = await involvements.set_indicator(await audit.begin(), audit.who, involvement_id, kind=data.kind)
    audit.children = [got.child_id]
    return got


async def clear_work(audit: Audit, indicator_id: uuid.UUID) -> involvements.IndicatorCleared:
    got = await involvements.clear_indicator(await audit.begin(), audit.who, indicator_id)
    audit.children = [got.child_id]
    return got
