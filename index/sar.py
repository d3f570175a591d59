"""Subject access: everything the index holds about one child (UK GDPR article 15).

`export` reads it in three queries, each building its JSON in SQL (index/sql/sar_*.sql):
the child, with every involvement and indicator, ended and cleared ones too; the source
records ever linked to it, with link history, and review items; the access history,
oldest first. `render_text` is the same as plain text. No other child's data: see the
SQL files. The caller owns the transaction and writes the audit event.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import msgspec

from index import records, sql
from index.records import Address, OrgRef
from index.records import ContactDetails as Contact

LINKED_ELSEWHERE = "now linked to another child: its fields are not part of this child's record"


class Actor(msgspec.Struct):
    id: uuid.UUID
    name: str
    organisation: str


class FormerName(records.FormerName, kw_only=True):
    recorded_at: dt.datetime | None = None


class Child(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    forename: str
    middle_names: str | None
    surname: str
    preferred_forename: str | None
    preferred_surname: str | None
    former_names: list[FormerName]
    sex: str
    dob: dt.date
    address: Address
    owning_la: str
    owning_la_name: str
    shielded: bool
    shield_reason: str | None = None
    shielded_at: dt.datetime | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    other: dict[str, Any] = {}       # columns added since (retention dates, say), as stored


class Identifier(msgspec.Struct, kw_only=True):
    """Not derived from records.Identifier: raw_value stands after value here, in the
    export's JSON and its plain text, and a derived Struct's fields come last."""
    scheme: str
    value: str
    raw_value: str
    valid: bool
    temporary: bool
    source: str | None = None
    source_name: str | None = None
    recorded_at: dt.datetime


class Carer(records.Carer, kw_only=True):
    source: str | None = None


class OptOut(msgspec.Struct, kw_only=True):
    requested_by: str
    received_via: str
    recorded_at: dt.datetime
    recorded_by: Actor | None = None


class Indicator(msgspec.Struct, kw_only=True):
    """Not records.Indicator: set by an Actor (who did it), not a Contact (who to call)."""
    id: uuid.UUID
    kind: str
    set_at: dt.datetime
    set_by: Actor | None = None
    cleared_at: dt.datetime | None = None
    cleared_by: Actor | None = None


class Involvement(msgspec.Struct, kw_only=True):
    """Not records.Involvement: its organisation is an OrgRef, its indicators this module's,
    with provenance (source, consent, created and ended by) before them."""
    id: uuid.UUID
    organisation: OrgRef
    contact: Contact
    start_date: dt.date
    end_date: dt.date | None = None
    source: str
    consent_basis: str | None = None
    consent_recorded_at: dt.datetime | None = None
    consent_recorded_by: Actor | None = None
    created_at: dt.datetime
    created_by: Actor | None = None
    ended_by: Actor | None = None
    indicators: list[Indicator] = []


class Transfer(msgspec.Struct, kw_only=True):
    from_la: str
    to_la: str
    status: str
    requested_at: dt.datetime
    requested_by: Actor | None = None
    decided_at: dt.datetime | None = None
    decided_by: Actor | None = None


class Investigation(msgspec.Struct, kw_only=True):
    kind: str
    la_code: str
    opened_at: dt.datetime
    due_at: dt.datetime
    user: Actor | None = None
    closed_at: dt.datetime | None = None
    closed_by: Actor | None = None
    outcome: str | None = None


class RecordFields(msgspec.Struct, kw_only=True):
    """A source record's identity fields, as the source last sent them."""
    forename: str | None = None
    middle_names: str | None = None
    surname: str | None = None
    preferred_forename: str | None = None
    preferred_surname: str | None = None
    former_surname: str | None = None
    dob: dt.date | None = None
    gender: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    town: str | None = None
    postcode: str | None = None
    upn: str | None = None
    former_upn: str | None = None
    uln: str | None = None
    nhs_number: str | None = None


class RecordCarer(msgspec.Struct, kw_only=True):
    position: int
    forename: str | None = None
    surname: str | None = None
    relationship: str | None = None
    parental_responsibility: bool | None = None
    phone: str | None = None


class Link(msgspec.Struct, kw_only=True):
    """One link of a source record to this child; unlinked_at is set once it ended."""
    id: int
    method: str
    match_weight: float | None = None
    model_version: str | None = None
    feed_id: uuid.UUID | None = None
    review_id: uuid.UUID | None = None
    linked_at: dt.datetime
    linked_by: Actor | None = None
    unlinked_at: dt.datetime | None = None
    unlinked_by: Actor | None = None


class SourceRecord(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    source: OrgRef
    record_key: str
    received_at: dt.datetime
    updated_at: dt.datetime
    linked_elsewhere: bool
    fields: RecordFields | None = None
    carers: list[RecordCarer] = []
    links: list[Link] = []
    notice: str | None = None


class ReviewItem(msgspec.Struct, kw_only=True):
    """A review item naming the child: as a candidate, a split, or a decision for it."""
    id: uuid.UUID
    source: str
    record_key: str | None = None
    reasons: list[str]
    status: str
    created_at: dt.datetime
    candidate_rank: int | None = None
    match_weight: float | None = None
    ruled_out_at: dt.datetime | None = None
    ruled_out_by: Actor | None = None
    split_of_this_child: bool = False
    decided_at: dt.datetime | None = None
    decided_by: Actor | None = None
    decided_for_this_child: bool = False


class AccessEvent(msgspec.Struct, kw_only=True):
    id: int
    at: dt.datetime
    request_id: uuid.UUID
    action: str
    outcome: str
    status: int
    reason: str | None = None
    case_ref: str | None = None
    user_id: uuid.UUID | None = None
    user_name: str | None = None
    org_code: str | None = None
    organisation: str | None = None
    role: str | None = None
    via: str | None = None


class _ChildPart(msgspec.Struct):
    generated_at: dt.datetime
    child: Child
    identifiers: list[Identifier]
    carers: list[Carer]
    connexions_opt_out: OptOut | None
    involvements: list[Involvement]
    transfers: list[Transfer]
    investigations: list[Investigation]


class _RecordsPart(msgspec.Struct):
    source_records: list[SourceRecord]
    review_items: list[ReviewItem]


class SubjectAccess(msgspec.Struct, kw_only=True):
    generated_at: dt.datetime
    child: Child
    identifiers: list[Identifier]
    carers: list[Carer]
    connexions_opt_out: OptOut | None = None
    involvements: list[Involvement]
    source_records: list[SourceRecord]
    review_items: list[ReviewItem]
    transfers: list[Transfer]
    investigations: list[Investigation]
    access_history: list[AccessEvent]


_decode_child = msgspec.json.Decoder(_ChildPart).decode
_decode_records = msgspec.json.Decoder(_RecordsPart).decode
_decode_access = msgspec.json.Decoder(list[AccessEvent]).decode


async def owning_la(conn: asyncpg.Connection, child_id: uuid.UUID) -> str | None:
    """The child's owning LA code, or None if there is no such child."""
    return await conn.fetchval("SELECT owning_la FROM children WHERE id = $1", child_id)


async def export(conn: asyncpg.Connection, child_id: uuid.UUID) -> SubjectAccess | None:
    """Everything held about the child, or None if there is no such child."""
    text = await conn.fetchval(sql.load("sar_child"), child_id)
    if text is None:
        return None
    part = _decode_child(text)
    records = _decode_records(await conn.fetchval(sql.load("sar_records"), child_id))
    for record in records.source_records:
        if record.linked_elsewhere:
            record.notice = LINKED_ELSEWHERE
    access = _decode_access(await conn.fetchval(sql.load("sar_access"), child_id))
    return SubjectAccess(
        **{f: getattr(part, f) for f in _ChildPart.__struct_fields__},
        source_records=records.source_records, review_items=records.review_items, access_history=access)


def render_text(sar: SubjectAccess) -> str:
    """The export as readable plain text (see index.sar_text)."""
    from index import sar_text

    return sar_text.render(sar)
