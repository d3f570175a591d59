"""The Connexions restriction: a parent, or a pupil aged 16 or over, may ask that
Connexions services receive nothing beyond the child's name and address.

The request reaches the index through the owning LA's data managers or through a school
involved with the child; which of the two is recorded from the caller's role. Users of
Connexions organisations then see name and address only (index.policy).
"""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from index import errors, policy
from index.auth import Principal

REQUESTERS = ("parent", "pupil")
PUPIL_MIN_AGE = 16


class OptOut(msgspec.Struct):
    child_id: uuid.UUID
    requested_by: str
    received_via: str
    recorded_at: dt.datetime


def age_on(dob: dt.date, day: dt.date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


CHILD = """
SELECT c.dob, c.owning_la,
       EXISTS (SELECT 1 FROM involvements v
                WHERE v.child_id = c.id AND v.org_id = $2 AND v.end_date IS NULL) AS school_involved,
       EXISTS (SELECT 1 FROM connexions_opt_outs x WHERE x.child_id = c.id) AS opted_out
  FROM children c
 WHERE c.id = $1
 FOR UPDATE OF c
"""

INSERT = """
INSERT INTO connexions_opt_outs (child_id, requested_by, received_via, recorded_by)
VALUES ($1, $2, $3, $4)
RETURNING child_id, requested_by, received_via, recorded_at
"""


async def opt_out(conn: asyncpg.Connection, who: Principal, child_id: uuid.UUID, *, requested_by: str,
                  today: dt.date | None = None) -> OptOut:
    if requested_by not in REQUESTERS:
        raise errors.Invalid(f"must be one of: {', '.join(REQUESTERS)}", field="requested_by")
    row = await conn.fetchrow(CHILD, child_id, who.org_id)
    if row is None:
        raise errors.NotFound("no child with this index id", field="child_id")
    if who.role == "la_data_manager":
        if not policy.manages(who, row["owning_la"]):
            raise errors.Forbidden("only the owning local authority or the child's school may record this opt-out")
        via = "la"
    elif who.role == "school":
        if not row["school_involved"]:
            raise errors.Forbidden("your school has no open involvement with this child")
        via = "school"
    else:
        raise errors.Forbidden("only the owning local authority or the child's school may record this opt-out")
    if row["opted_out"]:
        raise errors.Conflict("a Connexions opt-out is already recorded for this child")
    if requested_by == "pupil" and age_on(row["dob"], today or dt.date.today()) < PUPIL_MIN_AGE:
        raise errors.Conflict(f"a pupil may ask from the age of {PUPIL_MIN_AGE}; a parent may ask for a younger child",
                              field="requested_by")
    got = await conn.fetchrow(INSERT, child_id, requested_by, via, who.user_id)
    return OptOut(**dict(got))


async def opted_out(conn: asyncpg.Connection, child_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these children have a Connexions opt-out."""
    rows = await conn.fetch("SELECT child_id FROM connexions_opt_outs WHERE child_id = ANY($1::uuid[])", child_ids)
    return {r["child_id"] for r in rows}
