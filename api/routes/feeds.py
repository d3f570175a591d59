"""Census feeds over HTTP: a school submits its census (CSV or CTF XML) and follows it.

POST /feeds stores the file and queues it (202 with the feed id); workers process it.
GET /feeds/{id} gives the status, the counts and the row errors.
"""

from __future__ import annotations

from litestar import Request, get, post
from litestar.params import FromPath

from api import audited, params
from api.errors import UnsupportedMediaType
from index import errors
from index.feeds import parse, queue, store

CEILING = 2 * 1024 * 1024 * 1024     # the route's own limit; the configured cap is checked below
DEFAULT_MAX = 200 * 1024 * 1024


# Content types taken; with none (or octet-stream) the format is sniffed from the bytes.
ACCEPTED = (*parse.CSV_TYPES, *parse.XML_TYPES, "", "application/octet-stream")


def _format(request: Request, raw: bytes) -> str:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ACCEPTED:
        raise UnsupportedMediaType("send the census as text/csv or application/xml (a CTF)")
    return parse.sniff(raw, media)


def _flag(value: str | None, field: str) -> bool:
    if value is None:
        return False
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise errors.Invalid("must be true or false", field=field)


@post("/feeds", opt={"action": "feed.submit"}, status_code=202, request_max_body_size=CEILING,
      summary="Submit your organisation's census (CSV or CTF XML); processed in the background")
async def submit(request: Request) -> dict:
    query = params.only(request, {"full"})
    full = _flag(query.get("full"), "full")
    who = audited.principal_of(request)
    raw = await request.body()
    limit = getattr(request.app.state, "feed_max_bytes", DEFAULT_MAX)
    if len(raw) > limit:
        raise errors.Invalid(f"the file is {len(raw):,} bytes, over the limit of {limit:,}", field="body")
    if not raw.strip():
        raise errors.Invalid("the body is empty: send the census file", field="body")
    fmt = _format(request, raw)
    keep = getattr(request.app.state, "feed_keep_days", 90)

    async def work(conn):
        try:
            src = await store.source(conn, org_id=who.org_id)
        except errors.NotFound:
            raise errors.Forbidden("your organisation is not registered as a feed source") from None
        feed_id, created = await store.submit(conn, src, raw, format=fmt, full=full, submitted_by=who.user_id,
                                              keep_days=keep)
        if created:
            await queue.enqueue(conn, feed_id)
        return {"id": str(feed_id), "status": "queued" if created else "submitted_before", "format": fmt}

    return await audited.run(request, "feed.submit", work, lambda _: [], query={"full": full, "format": fmt},
                             status=202)


@get("/feeds/{feed_id:str}", opt={"action": "feed.read"}, summary="A feed's status, counts and row errors")
async def status(request: Request, feed_id: FromPath[str]) -> store.FeedStatus:
    params.only(request, set())
    fid = params.index_id(feed_id, "feed_id")
    who = audited.principal_of(request)

    async def work(conn):
        got, (org_id, la) = await store.status(conn, fid)
        mine = (who.role == "school" and who.org_id == org_id) or (who.role == "la_data_manager"
                                                                   and who.la_code == la)
        if not mine:
            raise errors.NotFound("no such feed")
        return got

    return await audited.run(request, "feed.read", work, lambda _: [], query={"feed_id": feed_id})
