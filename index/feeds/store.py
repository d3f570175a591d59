"""Feed sources and submitted feeds: registration, storage of the extracted rows, status.

A submitted file is parsed first (index.feeds.intake); the rows the index may hold are
stored compressed, in the same transaction as the feed row, until it is processed. The
source bytes are never stored. Identical content from the same source (and the same
full/partial flag) returns the existing feed.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zlib

import asyncpg
import msgspec

from index import errors, organisations, sql
from index.feeds import intake, parse

SQL = sql.queries("feeds_store")

SOURCE_KINDS = ("school", "gp", "health_visiting", "local_authority", "social_care", "youth_justice",
                "connexions")


class Source(msgspec.Struct, kw_only=True):
    org_id: int
    code: str
    kind: str
    la_code: str | None
    urn: str | None = None
    laestab: str | None = None


class RowProblem(msgspec.Struct):
    row: int
    column: str | None
    message: str


class FeedSummary(msgspec.Struct, kw_only=True):
    """One feed in a list: its counts, without the row errors."""
    id: uuid.UUID
    source: str
    format: str
    full: bool
    status: str
    rows: int
    linked: int
    new: int
    review: int
    rejected: int
    unchanged: int
    leavers: int
    submitted_at: dt.datetime
    finished_at: dt.datetime | None


class FeedStatus(FeedSummary, kw_only=True):
    """One feed whole: the summary, its error, progress, model, row errors and warnings."""
    error: str | None
    rows_done: int
    model_version: str | None
    errors: list[RowProblem] = []
    warnings: list[RowProblem] = []


async def add_source(conn: asyncpg.Connection, org: organisations.NewOrganisation) -> int:
    """Register an organisation as a feed source, creating it if its code is new."""
    if org.kind not in SOURCE_KINDS:
        raise errors.Invalid(f"kind must be one of {', '.join(SOURCE_KINDS)}", field="kind")
    if org.la_code is None:
        raise errors.Invalid("a feed source needs its LA (the owner of the children it creates)", field="la")
    existing = await conn.fetchrow(SQL["organisation_by_code"], org.code)
    if existing is not None:
        if existing["kind"] != org.kind:
            raise errors.Conflict(f"organisation {org.code} exists with kind {existing['kind']}")
        await conn.execute(SQL["mark_feed_source"], existing["id"])
        return existing["id"]
    org_id = await organisations.add(conn, org)
    await conn.execute(SQL["mark_feed_source"], org_id)
    return org_id


async def source(conn: asyncpg.Connection, *, code: str | None = None, org_id: int | None = None) -> Source:
    row = await conn.fetchrow(SQL["source"], code, org_id)
    if row is None:
        raise errors.NotFound(f"no feed source {code or org_id}: register it with 'isindex source add'")
    return Source(org_id=row["id"], code=row["code"], kind=row["kind"], la_code=row["la_code"], urn=row["urn"],
                  laestab=row["laestab"])


def _check_source_school(src: Source, header) -> None:
    """A CTF names the school it comes from: a school may submit only its own pupils, and an
    LA's own source only CTFs of schools in its LA. Errors name the codes, never a pupil."""
    if header is None:
        return
    lea, estab = header.source_lea or "", header.source_estab or ""
    laestab = lea + estab if lea.isdigit() and estab.isdigit() else None
    named = f"LAESTAB {laestab}" if laestab else "no LAESTAB"
    named += f", URN {header.source_urn}" if header.source_urn else ""
    if src.kind == "local_authority":
        if lea != (src.la_code or ""):
            raise errors.Forbidden(f"this CTF comes from a school of LA {lea or '(none)'} ({named}); "
                                   f"your LA is {src.la_code}")
        return
    if src.kind != "school":
        raise errors.Forbidden("a CTF is submitted by the school it comes from, or by that school's LA")
    if src.laestab is None and src.urn is None:
        raise errors.Forbidden(f"this CTF comes from {named}, but your organisation has no LAESTAB or URN "
                               "registered to check it against: ask your LA to register them")
    if (laestab is not None and laestab == src.laestab) or (header.source_urn and header.source_urn == src.urn):
        return
    raise errors.Forbidden(f"this CTF comes from another school ({named}): a school may submit only its own "
                           "pupils' records")


async def submit(conn: asyncpg.Connection, src: Source, file: bytes | intake.Prepared, *, format: str | None = None,
                 full: bool, submitted_by: uuid.UUID | None, keep_days: int,
                 max_bytes: int = 200 * 1024 * 1024) -> tuple[uuid.UUID, bool]:
    """(feed id, created). Identical content returns the feed already submitted.

    `file` is the submitted bytes, or a file already prepared (hashed and parsed) off the
    event loop by intake.prepare. Only the rows the index may hold are stored, until the
    feed is processed; a file that cannot be read is recorded as a rejected feed with
    its error and nothing of its content. A CTF from another school is refused
    (errors.Forbidden) and nothing is recorded."""
    prepared = file if isinstance(file, intake.Prepared) else intake.prepare(file, format, max_bytes=max_bytes)
    _check_source_school(src, prepared.header)
    rejected = prepared.error is not None
    feed_id = await conn.fetchval(SQL["submit"], src.org_id, prepared.sha256, prepared.format, full, submitted_by,
                                  "rejected" if rejected else "queued", prepared.error)
    if feed_id is None:
        existing = await conn.fetchval(SQL["same_feed"], src.org_id, prepared.sha256, full)
        return existing, False
    if not rejected:
        await conn.execute(SQL["store_rows"], feed_id, prepared.stored, prepared.size, dt.timedelta(days=keep_days))
    return feed_id, True


async def stored_rows(conn: asyncpg.Connection, feed_id: uuid.UUID, *, max_bytes: int):
    """The feed's rows as stored at submission (parse.Parsed), or None when no longer kept.
    Raises FileError for a file stored whole before migration 0014 that cannot be read."""
    row = await conn.fetchrow(SQL["stored_rows"], feed_id)
    if row is None:
        return None
    if row["content"] == "rows":
        return intake.decode_rows(row["compressed"])
    fmt = await conn.fetchval(SQL["feed_format"], feed_id)
    return parse.parse(zlib.decompress(row["compressed"]), fmt, max_bytes=max_bytes)


async def drop_rows(conn: asyncpg.Connection, feed_id: uuid.UUID) -> None:
    """A processed (or rejected) feed keeps nothing of its file."""
    await conn.execute(SQL["drop_rows"], feed_id)


async def purge_expired_files(conn: asyncpg.Connection) -> int:
    """Drop stored rows past their keep date (a feed never processed; its row stays)."""
    result = await conn.execute(SQL["purge_expired_files"])
    return int(result.split()[-1])


async def status(conn: asyncpg.Connection, feed_id: uuid.UUID, *,
                 max_errors: int = 1000) -> tuple[FeedStatus, tuple[int, str | None]]:
    """The feed's status and counts with its row errors, and its source's (organisation id, LA)."""
    row = await conn.fetchrow(SQL["status"], feed_id)
    if row is None:
        raise errors.NotFound("no such feed")
    problems = await conn.fetch(SQL["row_errors"], feed_id, max_errors)
    warnings = await conn.fetch(SQL["row_warnings"], feed_id, max_errors)
    return FeedStatus(
        **_summary(row), error=row["error"], rows_done=row["rows_done"], model_version=row["model_version"],
        errors=[RowProblem(p["row"], p["column_name"], p["message"]) for p in problems],
        warnings=[RowProblem(w["row"], w["column_name"], w["message"]) for w in warnings],
    ), (row["source_org_id"], row["la_code"])


async def list_feeds(conn: asyncpg.Connection, *, org_id: int | None = None, la_code: str | None = None,
                     before: uuid.UUID | None = None, limit: int = 50) -> list[FeedSummary]:
    """Feeds of one organisation (org_id) or of every source of an LA (la_code), newest
    first; `before` is the id of the last feed of the previous page."""
    return [FeedSummary(**_summary(r)) for r in await conn.fetch(SQL["list"], org_id, la_code, before, limit)]


def _summary(row: asyncpg.Record) -> dict:
    """FeedSummary's fields from a feeds row joined to its source (the status and list queries)."""
    return dict(id=row["id"], source=row["source"], format=row["format"], full=row["full_census"],
                status=row["status"], rows=row["rows"], linked=row["linked"], new=row["created"], review=row["review"],
                rejected=row["rejected"], unchanged=row["unchanged"], leavers=row["leavers"],
                submitted_at=row["submitted_at"], finished_at=row["finished_at"])
