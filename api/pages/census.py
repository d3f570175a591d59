"""School pages: a school's census files (and an LA's data managers', their LA's). Each
mirrors api/routes/feeds.py: the same action, the same `audit: Audited` event and the
same work (`feeds.take`, `feeds.feeds_of`, `feeds.feed_of`), so one policy path and one
intake (the size cap, reading the format from the bytes, a rejected file recorded)
serve both."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
import zoneinfo
from pathlib import Path
from typing import Annotated, Literal

import anyio
import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import Parameter
from litestar.types import ASGIApp, Receive, Scope, Send

from api import params
from api.audited import Audited
from api.pages import render
from api.pages.children import Problems
from api.pages.render import html
from api.routes import feeds
from index import errors

LONDON = zoneinfo.ZoneInfo("Europe/London")
PAGE_SIZE = 50
REPORT_MAX = 100_000        # row errors in the downloaded report (the page shows the status's first 1,000)
FORM_ORDER = ["census", "full"]
# The first bytes of files a browser may offer that are certainly not a census: a
# spreadsheet or document (zip, OLE2), PDF and images. Anything else is read as the
# JSON route reads a body without a content type: XML is a CTF, the rest CSV.
NOT_CENSUS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
NAMES = (".csv", ".xml", ".txt", ".tsv", ".ctf")
# A spreadsheet cell starting with one of these is read as a formula (CSV injection).
FORMULA = ("=", "+", "-", "@", "\t", "\r")
# Room in a form's declared size, beyond the file, for its boundaries, part headers, the
# CSRF token and the choice.
FORM_OVERHEAD = 64 * 1024


class CensusForm(msgspec.Struct, forbid_unknown_fields=True):
    """The form's choice: the JSON route's `full` (true: the file is the whole roll)."""
    full: bool


def when(moment: dt.datetime | None) -> str:
    return moment.astimezone(LONDON).strftime("%-d %B %Y, %H:%M") if moment else ""


@get("/census", opt={"action": "feed.list", "page": True}, include_in_schema=False)
async def census(request: Request, audit: Audited, before: Annotated[uuid.UUID | None, Parameter(
        description="The last page's last feed.")] = None) -> Response:
    """GET /feeds as a page, with the form that sends a census file."""
    audit.query = params.given(request)
    page = await feeds.feeds_of(audit, before, PAGE_SIZE)
    return html(request, "census.html", {"feeds": page.feeds, "next": page.next, "paged": before is not None,
                                         "when": when, "max_mb": _max_mb(request)})


def _max_mb(request: Request) -> int:
    return getattr(request.app.state, "feed_max_bytes", feeds.DEFAULT_MAX) // (1024 * 1024)


async def _checked(form) -> tuple[UploadFile, bool]:
    """The file part and the `full` choice, every problem at once."""
    found: list[errors.Invalid] = []
    upload = form.get("census")
    if not isinstance(upload, UploadFile):   # no file chosen: the browser sends an empty text part
        found.append(errors.Invalid("Select a census file", field="census"))
    else:
        head = await upload.read(8)
        await upload.seek(0)
        name = (upload.filename or "").lower()
        if head.startswith(NOT_CENSUS) or ("." in name and not name.endswith(NAMES)):
            found.append(errors.Invalid("The selected file must be a CSV or a CTF (XML) file", field="census"))
    given = form.get("full")
    try:
        full = msgspec.convert({"full": given} if isinstance(given, str) else {}, CensusForm, strict=False).full
    except msgspec.ValidationError:
        found.append(errors.Invalid("Select whether the file is your whole roll", field="full"))
    if found:
        if isinstance(upload, UploadFile):
            await upload.close()
        raise Problems(sorted(found, key=lambda f: FORM_ORDER.index(f.field)))
    return upload, full


async def _copy(upload: UploadFile, path: Path, limit: int) -> int:
    """The form's file part (already parsed and spooled by the CSRF check's form read)
    into the intake's temporary file, refused as soon as it passes the limit."""
    size = 0
    with path.open("wb") as out:
        while chunk := await upload.read(feeds.WRITE_BLOCK):
            size += len(chunk)
            if size > limit:
                raise feeds.too_large(limit, field="census")
            await anyio.to_thread.run_sync(out.write, chunk)
    return size


def declared_cap(app: ASGIApp) -> ASGIApp:
    """The route's middleware: a form whose declared size is already past the configured
    cap is refused (413) before anything reads it, as POST /feeds refuses such a body.
    It runs before the guards, since api.security's CSRF check parses the whole form,
    spooling the file to disk, and the cap is known only at run time."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        limit = getattr(scope["app"].state, "feed_max_bytes", feeds.DEFAULT_MAX)
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit + FORM_OVERHEAD:
            raise feeds.too_large(limit, field="census")
        await app(scope, receive, send)

    return middleware


@post("/census", opt={"action": "feed.submit", "page": True, "form": "census.html"},
      request_max_body_size=feeds.CEILING, middleware=[declared_cap], include_in_schema=False)
async def upload(request: Request, audit: Audited) -> Response:
    """POST /feeds as a form (multipart/form-data): the file's format is read from its
    bytes; a file that cannot be read is recorded as rejected, as the JSON route does,
    and shown on the form (422)."""
    file, full = await _checked(await request.form())   # the form api.security parsed, cached
    try:
        taken = await feeds.take(request, audit, lambda path, limit: _copy(file, path, limit), "", full=full,
                                 field="census")
    finally:
        await file.close()
    if taken.error is not None:
        message = f"The file was rejected and nothing in it was used: {taken.error}"
        problems = [{"field": "census", "message": message, "href": "#census"}]
        return html(request, "census.html", {"values": render.form_values(request), "problems": problems,
                                             "problem_of": {"census": message}, "rejected": taken.feed_id,
                                             "title_prefix": "Error: ", "max_mb": _max_mb(request)}, 422)
    return render.done(f"/census/{taken.feed_id}", "queued" if taken.created else "submitted_before")


@get("/census/{feed_id:str}", opt={"action": "feed.read", "page": True}, include_in_schema=False)
async def feed(request: Request, feed_id: params.PathId, audit: Audited,
               done: Literal["queued", "submitted_before"] | None = None) -> Response:
    """GET /feeds/{id} as a page: the status, counts, progress, row errors and warnings."""
    got = await feeds.feed_of(audit, feed_id)
    return html(request, "census_feed.html", {"feed": got, "done": done, "when": when})


def cell(value) -> str:
    """A report's cell, never read as a formula: one starting with = + - @ (or a tab or
    carriage return) gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA) else text


@get("/census/{feed_id:str}/errors.csv", opt={"action": "feed.read", "page": True}, include_in_schema=False)
async def error_report(feed_id: params.PathId, audit: Audited) -> Response:
    """The feed's row errors as a CSV download (row, column, message): the same read as
    GET /feeds/{id}, so the same audit event."""
    got = await feeds.feed_of(audit, feed_id, max_errors=REPORT_MAX)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "message"])
    for problem in got.errors:
        writer.writerow([cell(problem.row), cell(problem.column), cell(problem.message)])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="census-{feed_id}-errors.csv"'})


ROUTES = [census, upload, feed, error_report]
