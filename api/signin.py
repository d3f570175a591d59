"""A browser's sign-in: the session cookie, the way back after signing in, and the
minimal pages of a refusal (the page routes' own look is api/routes' business).

The cookie `isindex_session` holds the session id (index.sessions): HttpOnly, so no
script reads it; SameSite=Lax, so another site's form POST does not carry it; Secure
unless the request came to a loopback host (a local `isindex serve` over plain HTTP).
It has no Max-Age: the browser drops it on closing, the server ends it sooner when idle.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.response import Redirect

from index import config

COOKIE = "isindex_session"
_SAFE_NEXT = re.compile(r"^/(?![/\\])[A-Za-z0-9\-._~/?=&%+:@!$'()*,;]{0,500}$")


def on_loopback(connection: ASGIConnection) -> bool:
    """Whether the Host the browser asked for is this machine (127.0.0.1, ::1, localhost)."""
    host = connection.headers.get("host", "").strip().lower()
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    return host in config.LOOPBACK


def session_cookie(connection: ASGIConnection, value: str) -> Cookie:
    return Cookie(key=COOKIE, value=value, path="/", httponly=True, samesite="lax",
                  secure=not on_loopback(connection))


def cleared_cookie(connection: ASGIConnection) -> Cookie:
    return Cookie(key=COOKIE, value="", path="/", httponly=True, samesite="lax", max_age=0,
                  secure=not on_loopback(connection))


def safe_next(path: str | None) -> str:
    """Where to go after signing in: a relative path on this site, else '/'. A scheme, a
    host ('//evil', '/\\evil') or anything outside a plain path and query is refused."""
    return path if path and _SAFE_NEXT.match(path) else "/"


def sign_in_url(connection: ASGIConnection) -> str:
    here = connection.url.path + (f"?{connection.url.query}" if connection.url.query else "")
    back = safe_next(here)
    return "/sign-in" if back == "/" else f"/sign-in?next={quote(back, safe='')}"


class SignInNeeded(Exception):
    """A page asked for without a live session: the browser goes to sign in."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class PageRefused(Exception):
    """A page refused (forbidden, a bad CSRF token, a bad sign-in link): a plain page."""

    def __init__(self, status: int, title: str, message: str, *, clear_cookie: bool = False) -> None:
        super().__init__(message)
        self.status, self.title, self.message, self.clear_cookie = status, title, message, clear_cookie


def to_sign_in(request: Request, exc: SignInNeeded) -> Response:
    return Redirect(exc.location, status_code=303)


def refused(request: Request, exc: PageRefused) -> Response:
    from api.pages import render   # here: render's templates need the app, built after this module

    response = render.html(request, "error.html", {"heading": exc.title, "detail": exc.message,
                                                   "status": exc.status}, exc.status)
    if exc.clear_cookie:
        response.set_cookie(cleared_cookie(request))
    return response


HANDLERS = {SignInNeeded: to_sign_in, PageRefused: refused}
