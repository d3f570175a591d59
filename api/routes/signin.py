"""Sign-in and sign-out pages (issue 14): the sign-in page, one-time sign-in links and
sign-out. All are public (they run before there is a session); each sign-in, failed
sign-in and sign-out is an audit event (`session.sign_in`, `session.sign_out`). OIDC
single sign-on is api/routes/oidc.py. """

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect

from api import security, signin
from api.pages import render
from api.state import pool_of
from index import audit, auth, db, errors, sessions

PUBLIC = {"public": True, "page": True}


def event(request: Request, action: str, outcome: str, status: int, who=None) -> audit.Event:
    """A sign-in or sign-out event; who is a Principal, sessions.Ended or auth.Suspended."""
    return audit.Event(request_id=security.request_id(request), action=action, outcome=outcome, status=status,
                       user_id=who.user_id if who else None, org_code=who.org_code if who else None,
                       role=who.role if who else None)


async def open_session(request: Request, conn, user_id, *, via: str, to: str = "/") -> Response:
    """A session for the user (within the caller's transaction), its audit event, and
    the redirect that sets its cookie."""
    opened = await sessions.create(conn, user_id, via=via)
    live = await sessions.authenticate(conn, opened.cookie, idle_minutes=request.app.state.session_idle_minutes)
    await audit.record(conn, event(request, "session.sign_in", "ok", 303, live.principal))
    response = Redirect(signin.safe_next(to), status_code=303)
    response.set_cookie(signin.session_cookie(request, opened.cookie))
    return response


async def refuse_sign_in(request: Request, message: str, who: auth.Suspended | None = None) -> signin.PageRefused:
    """A failed sign-in, audited in a transaction of its own; the page to raise."""
    async with db.transaction(pool_of(request.app)) as conn:
        await audit.record(conn, event(request, "session.sign_in", "unauthenticated", 401, who))
    return signin.PageRefused(401, "Sign-in failed", message)


@get("/sign-in", opt=PUBLIC, include_in_schema=False)
async def sign_in_page(request: Request, next_: Annotated[str | None, Parameter(query="next")] = None) -> Response:
    back = signin.safe_next(next_)
    href = None
    if getattr(request.app.state, "oidc", None) is not None:
        href = "/sign-in/oidc" + ("" if back == "/" else f"?next={quote(back, safe='')}")
    return render.html(request, "signin.html", {"oidc_href": href})


@get("/sign-in/link/{token:str}", opt=PUBLIC, include_in_schema=False)
async def link_page(request: Request, token: str) -> Response:
    """A sign-in link opened: a button that signs in. Opening the link uses nothing, so a
    mail scanner or a browser's preview that fetches it does not spend it; the POST does."""
    return render.html(request, "signin-link.html", {})


@post("/sign-in/link/{token:str}", opt=PUBLIC, include_in_schema=False)
async def use_link(request: Request, token: str) -> Response:
    try:
        async with db.transaction(pool_of(request.app)) as conn:
            return await open_session(request, conn, await sessions.use_link(conn, token), via="link")
    except errors.Unauthenticated as exc:
        raise await refuse_sign_in(request, exc.message) from None


@post("/sign-out", opt=PUBLIC, include_in_schema=False)
async def sign_out(request: Request) -> Response:
    """End the cookie's session (the form's csrf_token must be its own) and clear the cookie."""
    cookie = request.cookies.get(signin.COOKIE)
    if cookie:
        given = (await request.form()).get(security.CSRF_FIELD)
        try:
            async with db.transaction(pool_of(request.app)) as conn:
                ended = await sessions.end(conn, cookie, given if isinstance(given, str) else None)
                if ended is not None:
                    await audit.record(conn, event(request, "session.sign_out", "ok", 303, ended))
        except errors.Forbidden as exc:
            async with db.transaction(pool_of(request.app)) as conn:
                await audit.record(conn, event(request, "session.sign_out", "denied", 403))
            raise signin.PageRefused(403, "Form expired", exc.message) from None
    response = Redirect("/sign-in", status_code=303)
    response.set_cookie(signin.cleared_cookie(request))
    return response


ROUTES = [sign_in_page, link_page, use_link, sign_out]
