"""LA data manager route: record a child's death, or the consent to keep their record
until 25 (index.retention archives and purges by these)."""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar import post
from litestar.params import JSONBody

from api import params
from api.audited import Audited
from index import retention


class RetentionIn(msgspec.Struct, forbid_unknown_fields=True):
    # A date, or null to withdraw a death recorded by mistake; absent: unchanged.
    died_on: dt.date | None | msgspec.UnsetType = msgspec.UNSET
    # Recorded consent to keep the record until 25 (a care leaver, learning difficulties).
    kept_to_25: bool | None = None


@post("/children/{child_id:str}/retention", opt={"action": "child.retention"}, status_code=200,
      summary="Record a child's death or the consent to keep them until 25", before_request=params.json_only)
async def record(child_id: params.PathId, data: JSONBody[RetentionIn], audit: Audited) -> retention.Retention:
    """The owning LA's data managers only. A death is archived a year later (or at 18 or
    25 if that comes first); kept_to_25 keeps the record from 18 until 25. A date of death
    may not be in the future nor before the date of birth."""
    # Which fields changed, never their values (a date of death is not logged).
    fields = (["died_on"] if data.died_on is not msgspec.UNSET else []) + (
        ["kept_to_25"] if data.kept_to_25 is not None else [])
    audit.query["fields"] = fields
    got = await retention.record(await audit.begin(), audit.who, child_id, died_on=data.died_on, kept_to_25=data.kept_to_25,
                                 today=retention.today())
    audit.children = [got.child_id]
    return got
