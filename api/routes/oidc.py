"""OIDC single sign-on pages (index/oidc.py): /sign-in/oidc sends the browser to the
organisation's provider; /sign-in/oidc/callback signs the index user in.

A short-lived cookie `isindex_oidc` carries the state to the callback, which must match
the state in the provider's redirect: a sign-in begun in another browser (login CSRF)
is refused. The redirect URI is this service's own /sign-in/oidc/callback, https
unless on loopback; register it with the provider.
"""

from __future__ import annotations

import secrets
from typing import Annotated

import httpx
from litestar import Request, Response, get
from litestar.datastructures import Cookie
from litestar.params import Parameter
from litestar.response import Redirect

from api import signin
from api.routes.signin import PUBLIC, open_session, refuse_sign_in
from api.state import pool_of
from index import db, errors, oidc, sessions

STATE_COOKIE = "isindex_oidc"
CALLBACK = "/sign-in/oidc/callback"


def redirect_uri(request: Request) -> str:
    """Where the provider sends the browser back: under ISINDEX_PUBLIC_URL when set (behind
    a proxy, the Host header may not be the users' address), else the request's own host."""
    public_url = request.app.state.oidc.public_url
    if public_url:
        return f"{public_url}{CALLBACK}"
    scheme = "http" if signin.on_loopback(request) else "https"
    return f"{scheme}://{request.headers.get('host', '')}{CALLBACK}"


def _state_cookie(request: Request, value: str, max_age: int) -> Cookie:
    return Cookie(key=STATE_COOKIE, value=value, path="/sign-in/oidc", httponly=True, samesite="lax",
                  max_age=max_age, secure=not signin.on_loopback(request))


async def _metadata(request: Request, provider: oidc.Provider, client: httpx.AsyncClient) -> oidc.Metadata:
    """The provider's discovery document, read once per process."""
    cached = getattr(request.app.state, "oidc_metadata", None)
    if cached is None:
        cached = request.app.state.oidc_metadata = await oidc.discover(provider, client)
    return cached


def _provider(request: Request) -> oidc.Provider:
    provider = getattr(request.app.state, "oidc", None)
    if provider is None:
        raise signin.PageRefused(404, "Not found", "single sign-on is not set up for this service")
    return provider


@get("/sign-in/oidc", opt=PUBLIC, include_in_schema=False)
async def begin(request: Request, next_: Annotated[str | None, Parameter(query="next")] = None) -> Response:
    provider = _provider(request)
    try:
        async with httpx.AsyncClient(timeout=oidc.TIMEOUT, verify=oidc.tls()) as client:
            metadata = await _metadata(request, provider, client)
    except errors.Unavailable as exc:
        raise signin.PageRefused(503, "Sign-in unavailable", exc.message) from None
    async with db.transaction(pool_of(request.app)) as conn:
        login = await sessions.begin_oidc(conn, signin.safe_next(next_))
    response = Redirect(oidc.authorization_url(provider, metadata, redirect_uri=redirect_uri(request),
                                               state=login.state, nonce=login.nonce, verifier=login.code_verifier),
                        status_code=303)
    response.set_cookie(_state_cookie(request, login.state, 600))
    return response


@get(CALLBACK, opt=PUBLIC, include_in_schema=False)
async def callback(request: Request) -> Response:
    provider = _provider(request)
    query = request.query_params
    state, code = query.get("state") or "", query.get("code") or ""
    cookie = request.cookies.get(STATE_COOKIE) or ""
    try:
        if query.get("error"):
            raise errors.Unauthenticated("the sign-in provider did not sign you in")
        if not state or not cookie or not secrets.compare_digest(state, cookie):
            raise errors.Unauthenticated("this sign-in was not begun in this browser: start again")
        async with db.transaction(pool_of(request.app)) as conn:
            login = await sessions.finish_oidc(conn, state)
        async with httpx.AsyncClient(timeout=oidc.TIMEOUT, verify=oidc.tls()) as client:
            metadata = await _metadata(request, provider, client)
            id_token = await oidc.exchange(provider, metadata, client, code=code, redirect_uri=redirect_uri(request),
                                           verifier=login.code_verifier)
            claimed = await oidc.verify(provider, metadata, client, id_token, nonce=login.nonce)
        async with db.transaction(pool_of(request.app)) as conn:
            try:
                user_id = await sessions.user_by_claim(conn, provider.claim, claimed)
            except errors.NotFound:
                raise errors.Unauthenticated("no user of this service has your organisation account "
                                             f"({'its subject' if provider.claim == 'sub' else 'its email address'})"
                                             ": ask your administrator") from None
            response = await open_session(request, conn, user_id, via="oidc", to=login.next_path)
    except errors.Unavailable as exc:
        raise signin.PageRefused(503, "Sign-in unavailable", exc.message) from None
    except errors.Unauthenticated as exc:
        raise await refuse_sign_in(request, exc.message) from None
    response.set_cookie(_state_cookie(request, "", 0))
    return response


ROUTES = [begin, callback]
