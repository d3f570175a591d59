"""Children: fuzzy search and the record view."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import msgspec

from index import sql
from index.records import ChildRecord, SearchHit
from matching import normalise
from matching.identifiers import postcode_parts

MAX_RESULTS = 20
MIN_SCORE = 0.55

_decode_child = msgspec.json.Decoder(ChildRecord).decode

IDENTIFIER_SEARCH = """
SELECT DISTINCT c.id, c.forename, c.surname, c.preferred_forename, c.preferred_surname,
       c.sex, c.dob, c.town, split_part(c.postcode, ' ', 1) AS postcode_district, c.shielded
  FROM child_identifiers i JOIN children c ON c.id = i.child_id
 WHERE i.scheme = ANY($1::text[]) AND i.value = $2 AND i.valid AND c.archived_at IS NULL
 LIMIT 21
"""


class NameQuery(msgspec.Struct, frozen=True):
    surname: str
    dob: dt.date
    forename: str | None = None
    postcode: str | None = None


async def view(conn: asyncpg.Connection, child_id: uuid.UUID) -> ChildRecord | None:
    text = await conn.fetchval(sql.load("child_view"), child_id)
    return None if text is None else _decode_child(text)


async def search_by_name(conn: asyncpg.Connection, q: NameQuery) -> list[SearchHit]:
    keys = normalise.surname_variants(q.surname)
    dobs = [q.dob]
    swapped = normalise.swap_day_month(q.dob)
    if swapped is not None:
        dobs.append(swapped)
    parts = postcode_parts(q.postcode) if q.postcode else None
    rows = await conn.fetch(
        sql.load("child_search"),
        normalise.fold(q.forename or ""),
        keys,
        dobs,
        normalise.near_dates(q.dob),
        parts.unit if parts else "",
        parts.district if parts else "",
    )
    return [_hit(row, row["score"]) for row in rows if row["score"] >= MIN_SCORE]


async def search_by_identifier(
    conn: asyncpg.Connection, schemes: list[str], value: str
) -> list[SearchHit]:
    rows = await conn.fetch(IDENTIFIER_SEARCH, schemes, value)
    return [_hit(row, 1.0) for row in rows]


def _hit(row: asyncpg.Record, score: float) -> SearchHit:
    return SearchHit(
        id=row["id"],
        score=score,
        forename=row["forename"],
        surname=row["surname"],
        preferred_forename=row["preferred_forename"],
        preferred_surname=row["preferred_surname"],
        sex=row["sex"],
        dob=row["dob"],
        town=row["town"],
        postcode_district=row["postcode_district"] or None,
        shielded=row["shielded"],
    )
