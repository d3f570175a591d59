"""Feed sources and submitted feeds: registration, storage of the raw file, status.

The raw file is stored compressed, in the same transaction as the feed row, before any
processing; identical content from the same source (and the same full/partial flag)
returns the existing feed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
import zlib

import asyncpg
import msgspec

from index import errors, organisations

SOURCE_KINDS = ("school", "gp", "health_visiting", "local_authority", "social_care", "youth_justice",
                "connexions")


class Source(msgspec.Struct, kw_only=True):
    org_id: int
    code: str
    kind: str
    la_code: str | None


class RowProblem(msgspec.Struct):
    row: int
    column: str | None
    message: str


class FeedStatus(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    source: str
    format: str
    full: bool
    status: str
    error: str | None
    rows: int
    rows_done: int
    linked: int
    new: int
    review: int
    rejected: int
    unchanged: int
    leavers: int
    model_version: str | None
    submitted_at: dt.datetime
    finished_at: dt.datetime | None
    errors: list[RowProblem] = []


async def add_source(conn: asyncpg.Connection, org: organisations.NewOrganisation) -> int:
    """Register an organisation as a feed source, creating it if its code is new."""
    if org.kind not in SOURCE_KINDS:
        raise errors.Invalid(f"kind must be one of {', '.join(SOURCE_KINDS)}", field="kind")
    if org.la_code is None:
        raise errors.Invalid("a feed source needs its LA (the owner of the children it creates)", field="la")
    existing = await conn.fetchrow("SELECT id, kind FROM organisations WHERE code = $1", org.code)
    if existing is not None:
        if existing["kind"] != org.kind:
            raise errors.Conflict(f"organisation {org.code} exists with kind {existing['kind']}")
        await conn.execute("UPDATE organisations SET feed_source = true WHERE id = $1", existing["id"])
        return existing["id"]
    org_id = await organisations.add(conn, org)
    await conn.execute("UPDATE organisations SET feed_source = true WHERE id = $1", org_id)
    return org_id


async def source(conn: asyncpg.Connection, *, code: str | None = None, org_id: int | None = None) -> Source:
    row = await conn.fetchrow(
        "SELECT id, code, kind, la_code FROM organisations "
        "WHERE feed_source AND (code = $1 OR id = $2)", code, org_id)
    if row is None:
        raise errors.NotFound(f"no feed source {code or org_id}: register it with 'isindex source add'")
    return Source(org_id=row["id"], code=row["code"], kind=row["kind"], la_code=row["la_code"])


async def submit(conn: asyncpg.Connection, src: Source, raw: bytes, *, format: str, full: bool,
                 submitted_by: uuid.UUID | None, keep_days: int) -> tuple[uuid.UUID, bool]:
    """(feed id, created). Identical content returns the feed already submitted."""
    digest = hashlib.sha256(raw).digest()
    feed_id = await conn.fetchval(
        """INSERT INTO feeds (source_org_id, sha256, format, full_census, submitted_by)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT ON CONSTRAINT feeds_same_content DO NOTHING RETURNING id""",
        src.org_id, digest, format, full, submitted_by)
    if feed_id is None:
        existing = await conn.fetchval(
            "SELECT id FROM feeds WHERE source_org_id = $1 AND sha256 = $2 AND full_census = $3",
            src.org_id, digest, full)
        return existing, False
    await conn.execute(
        "INSERT INTO feed_files (feed_id, compressed, size, expires_at) VALUES ($1, $2, $3, now() + $4::interval)",
        feed_id, zlib.compress(raw, 6), len(raw), dt.timedelta(days=keep_days))
    return feed_id, True


async def raw_file(conn: asyncpg.Connection, feed_id: uuid.UUID) -> bytes | None:
    data = await conn.fetchval("SELECT compressed FROM feed_files WHERE feed_id = $1", feed_id)
    return None if data is None else zlib.decompress(data)


async def purge_expired_files(conn: asyncpg.Connection) -> int:
    """Drop raw files past their keep date (the feed row and its counts stay)."""
    result = await conn.execute("DELETE FROM feed_files WHERE expires_at < now()")
    return int(result.split()[-1])


STATUS = """
SELECT f.id, o.code AS source, f.format, f.full_census, f.status, f.error, f.rows, f.rows_done, f.linked,
       f.created, f.review, f.rejected, f.unchanged, f.leavers, f.model_version, f.submitted_at, f.finished_at,
       f.source_org_id, o.la_code
  FROM feeds f JOIN organisations o ON o.id = f.source_org_id
 WHERE f.id = $1
"""


async def status(conn: asyncpg.Connection, feed_id: uuid.UUID, *,
                 max_errors: int = 1000) -> tuple[FeedStatus, tuple[int, str | None]]:
    """The feed's status and counts with its row errors, and its source's (organisation id, LA)."""
    row = await conn.fetchrow(STATUS, feed_id)
    if row is None:
        raise errors.NotFound("no such feed")
    problems = await conn.fetch(
        "SELECT row, column_name, message FROM feed_row_errors WHERE feed_id = $1 ORDER BY row LIMIT $2",
        feed_id, max_errors)
    return FeedStatus(
        id=row["id"], source=row["source"], format=row["format"], full=row["full_census"], status=row["status"],
        error=row["error"], rows=row["rows"], rows_done=row["rows_done"], linked=row["linked"], new=row["created"],
        review=row["review"], rejected=row["rejected"], unchanged=row["unchanged"], leavers=row["leavers"],
        model_version=row["model_version"], submitted_at=row["submitted_at"], finished_at=row["finished_at"],
        errors=[RowProblem(p["row"], p["column_name"], p["message"]) for p in problems],
    ), (row["source_org_id"], row["la_code"])
