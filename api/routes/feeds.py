"""Census feeds over HTTP: a school submits its census (CSV or CTF XML) and follows it.

POST /feeds streams the body to a temporary file against the size cap (413 past it),
then hashes and parses it in a thread (intake.prepare): only the rows the index may
hold are stored and queued (202 with the feed id); a file that cannot be read is
recorded as rejected and answered 422 naming the problem. Workers process the rows.
GET /feeds lists the caller's feeds (a school's own, an LA's data managers' their
LA's), newest first; GET /feeds/{id} gives the status, the counts, the row errors and
the row warnings.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Literal

import anyio
import msgspec
from litestar import Request, Response, get, post
from litestar.params import Parameter

from api import openapi, params
from api.audited import Audit, Audited
from api.errors import TooLarge, UnsupportedMediaType, problem
from index import errors, policy
from index.feeds import intake, parse, queue, store

CEILING = 2 * 1024 * 1024 * 1024     # the route's own limit; the configured cap is checked while streaming
DEFAULT_MAX = 200 * 1024 * 1024
WRITE_BLOCK = 1 << 20                # bytes gathered before each write to the temporary file

class Submitted(msgspec.Struct):
    id: uuid.UUID
    status: Literal["queued", "submitted_before"]   # the same file sent again: its first feed
    format: str                                     # csv | ctf
    full: bool


class FeedPage(msgspec.Struct):
    feeds: list[store.FeedSummary]
    next: uuid.UUID | None       # the `before` of the next page


# Content types taken; with none (or a generic one) the format is sniffed from the bytes.
ACCEPTED = (*parse.CSV_TYPES, *parse.XML_TYPES, *parse.SNIFFED_TYPES)


def _media(request: Request) -> str:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ACCEPTED:
        raise UnsupportedMediaType("send the census as text/csv or application/xml (a CTF)")
    return media


def too_large(limit: int, field: str = "body") -> TooLarge:
    return TooLarge(f"the file is over the limit of {limit:,} bytes (ISINDEX_FEED_MAX_BYTES)", field=field)


async def _spool(request: Request, path: Path, limit: int) -> int:
    """Stream the body into `path`, refusing it as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    size, block = 0, bytearray()
    with path.open("wb") as f:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            block += chunk
            if len(block) >= WRITE_BLOCK:
                await anyio.to_thread.run_sync(f.write, bytes(block))
                block.clear()
        if block:
            await anyio.to_thread.run_sync(f.write, bytes(block))
    return size


def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(256)


class Taken(msgspec.Struct):
    """What a submission became: its feed, whether it is new, the format read, and the
    file's error when it was rejected whole (recorded as a rejected feed)."""
    feed_id: uuid.UUID
    created: bool
    format: str
    full: bool
    error: str | None


# Fills a temporary file with the census (the request body, or a form's file part) and
# returns its size, refusing it (413) as soon as it passes the limit.
Fill = Callable[[Path, int], Awaitable[int]]


async def take(request: Request, audit: Audit, fill: Fill, media: str, *, full: bool,
               field: str = "body") -> Taken:
    """A census submission's work, for POST /feeds and the census page alike: the file
    spooled to a temporary file against the configured cap, hashed and parsed off the
    event loop, then stored and queued (or recorded as rejected) with the audit event.
    `media` is the declared content type ("" to read the format from the bytes); `field`
    names the file in errors."""
    who = audit.who
    limit = getattr(request.app.state, "feed_max_bytes", DEFAULT_MAX)
    keep = getattr(request.app.state, "feed_keep_days", 90)
    with tempfile.TemporaryDirectory(prefix="isindex-feed-") as tmp:
        path = Path(tmp) / "body"
        size = await fill(path, limit)
        head = _head(path)
        if size == 0 or not head.strip():
            raise errors.Invalid("the body is empty: send the census file" if field == "body"
                                 else "The selected file is empty", field=field)
        fmt = parse.sniff(head, media)
        prepared = await anyio.to_thread.run_sync(lambda: intake.prepare(path, fmt, max_bytes=limit))
    rejected = prepared.error is not None
    audit.query, audit.status = {"full": full, "format": fmt}, 422 if rejected else 202
    conn = await audit.begin()
    try:
        src = await store.source(conn, org_id=who.org_id)
    except errors.NotFound:
        raise errors.Forbidden("your organisation is not registered as a feed source") from None
    feed_id, created = await store.submit(conn, src, prepared, full=full, submitted_by=who.user_id, keep_days=keep)
    if created and not rejected:
        await queue.enqueue(conn, feed_id)
    return Taken(feed_id=feed_id, created=created, format=fmt, full=full, error=prepared.error)


@post("/feeds", opt={"action": "feed.submit", "problems": (422,)}, status_code=202, request_max_body_size=CEILING,
      operation_class=openapi.CensusUpload,
      summary="Submit your organisation's census (CSV or CTF XML); processed in the background")
async def submit(request: Request, audit: Audited, full: Annotated[bool, Parameter(
        description="true: the file is the school's whole roll (children missing from it have left)")] = False,
                 ) -> Response[Submitted]:
    media = _media(request)
    taken = await take(request, audit, lambda path, limit: _spool(request, path, limit), media, full=full)
    if taken.error is not None:
        response = problem(request, 422, f"the file was rejected whole, nothing of it is used: {taken.error}",
                           [{"field": "body", "message": taken.error}])
        response.content["feed_id"] = str(taken.feed_id)
        return response
    return Response(Submitted(id=taken.feed_id, status="queued" if taken.created else "submitted_before",
                              format=taken.format, full=full), status_code=202)


@get("/feeds", opt={"action": "feed.list"}, summary="Your organisation's feeds (an LA's data managers: the LA's), "
                                                    "newest first")
async def list_feeds(request: Request, audit: Audited, limit: Annotated[int, params.page(500)] = 50,
                     before: Annotated[uuid.UUID | None, Parameter(
                         description="The last page's `next`.")] = None) -> FeedPage:
    audit.query = params.given(request)
    return await feeds_of(audit, before, limit)


async def feeds_of(audit: Audit, before: uuid.UUID | None, limit: int) -> FeedPage:
    """The list's work, for the JSON route and its page alike (audit.query set)."""
    who = audit.who
    conn = await audit.begin()
    if who.role == "la_data_manager":
        got = await store.list_feeds(conn, la_code=policy.managed_la(who), before=before, limit=limit + 1)
    else:
        got = await store.list_feeds(conn, org_id=who.org_id, before=before, limit=limit + 1)
    page, more = got[:limit], len(got) > limit
    return FeedPage(feeds=page, next=page[-1].id if more and page else None)


@get("/feeds/{feed_id:str}", opt={"action": "feed.read"}, summary="A feed's status, counts and row errors")
async def status(request: Request, feed_id: params.PathId, audit: Audited) -> store.FeedStatus:
    return await feed_of(audit, feed_id)


async def feed_of(audit: Audit, feed_id: uuid.UUID, *, max_errors: int = 1000) -> store.FeedStatus:
    """A feed's status, for the JSON route and its pages alike: the caller's own only (a
    school's own, an LA's data managers' their LA's); anyone else's is "no such feed"."""
    who = audit.who
    got, (org_id, la) = await store.status(await audit.begin(), feed_id, max_errors=max_errors)
    mine = (who.role == "school" and who.org_id == org_id) or policy.manages(who, la)
    if not mine:
        raise errors.NotFound("no such feed")
    return got

