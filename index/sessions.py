"""Browser sessions and one-time sign-in links (issue 14).

A session id is 256 random bits, sent only in the `isindex_session` cookie; the
database keeps its SHA-256, as it does a bearer token's. A session lives while it is
used: it ends after `idle_minutes` without a request (ISINDEX_SESSION_IDLE_MINUTES,
15 by default) and, however busy, `MAX_HOURS` after it began. Its look-up fails as a
bearer token's does (index.auth.authenticate): for an inactive user, a suspended one
(auth.Suspended), a revoked session. Revoking a user's tokens (`isindex token revoke
--user`, auth.revoke_user_tokens) revokes their sessions too: "their access revoked"
means every credential they hold. Each session has its own CSRF token, which every
POST from its pages must carry.

A sign-in link is a one-time token (`LINK_HOURS` to use it) that opens a session: for
the demo, and for an administrator to hand out (`isindex signin-link`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

import asyncpg
import msgspec

from index import auth, errors
from index.sql import queries

SQL = queries("sessions")
MAX_HOURS = 12          # a session ends this long after sign-in, however busy
LINK_HOURS = 24         # a sign-in link must be used within this
VIA = ("link", "oidc")


class Opened(msgspec.Struct, frozen=True):
    """A new session: its id goes in the cookie, never in a log."""

    session_id: uuid.UUID
    user_id: uuid.UUID
    cookie: str
    csrf_token: str


class Live(msgspec.Struct, frozen=True):
    """A live session's principal and CSRF token."""

    session_id: uuid.UUID
    principal: auth.Principal
    csrf_token: str


class Ended(msgspec.Struct, frozen=True):
    """Whose session a sign-out ended (for its audit event)."""

    user_id: uuid.UUID
    org_code: str
    role: str


class Link(msgspec.Struct, frozen=True):
    link_id: uuid.UUID
    user_id: uuid.UUID
    token: str
    expires_at: dt.datetime


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _well_formed(secret: str) -> bool:
    return 40 <= len(secret) <= 60


async def create(conn: asyncpg.Connection, user_id: uuid.UUID, *, via: str) -> Opened:
    """A new session for the user; Unauthenticated when they may not sign in (unknown,
    inactive or suspended)."""
    if via not in VIA:
        raise ValueError(via)
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session_id = await conn.fetchval(SQL["create"], _hash(cookie), user_id, csrf, via)
    if session_id is None:
        raise errors.Unauthenticated("this account may not sign in: it is inactive or suspended")
    return Opened(session_id=session_id, user_id=user_id, cookie=cookie, csrf_token=csrf)


async def authenticate(conn: asyncpg.Connection, cookie: str, *, idle_minutes: int) -> Live:
    """The principal of a live session, its last use moved to now (one statement)."""
    if not _well_formed(cookie):
        raise errors.Unauthenticated("the session cookie is malformed")
    row = await conn.fetchrow(SQL["touch"], _hash(cookie), idle_minutes, MAX_HOURS)
    if row is None:
        raise errors.Unauthenticated("the session is unknown, ended or revoked: sign in again")
    fields = dict(row)
    session_id, csrf = fields.pop("session_id"), fields.pop("csrf_token")
    if fields.pop("suspended_at") is not None:
        raise auth.Suspended("this account is suspended pending an investigation: contact your local authority's "
                             "auditors", user_id=fields["user_id"], org_code=fields["org_code"], role=fields["role"])
    principal = auth.Principal(**fields | {"capabilities": tuple(fields["capabilities"])})
    return Live(session_id=session_id, principal=principal, csrf_token=csrf)


async def end(conn: asyncpg.Connection, cookie: str, csrf_token: str | None) -> Ended | None:
    """Sign-out: revoke the cookie's session if the CSRF token is its own; whose it was,
    or None when there was no open session. A wrong token is Forbidden."""
    if not _well_formed(cookie):
        return None
    row = await conn.fetchrow(SQL["of_cookie"], _hash(cookie))
    if row is None or row["revoked_at"] is not None:
        return None
    if not csrf_token or not secrets.compare_digest(csrf_token, row["csrf_token"]):
        raise errors.Forbidden("the form's CSRF token is missing or wrong: reload the page and try again")
    await conn.execute(SQL["revoke"], row["session_id"])
    return Ended(user_id=row["user_id"], org_code=row["org_code"], role=row["role"])


async def revoke(conn: asyncpg.Connection, session_id: uuid.UUID) -> bool:
    return (await conn.execute(SQL["revoke"], session_id)).endswith(" 1")


async def revoke_user(conn: asyncpg.Connection, user_id: uuid.UUID) -> int:
    return int((await conn.execute(SQL["revoke_user"], user_id)).split()[-1])


async def issue_link(conn: asyncpg.Connection, user_id: uuid.UUID, *, hours: int = LINK_HOURS) -> Link:
    token = secrets.token_urlsafe(32)
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)
    link_id = await conn.fetchval(SQL["add_link"], _hash(token), user_id, expires)
    return Link(link_id=link_id, user_id=user_id, token=token, expires_at=expires)


async def use_link(conn: asyncpg.Connection, token: str) -> uuid.UUID:
    """The user of an unused, unexpired link, now used; Unauthenticated otherwise."""
    user_id = await conn.fetchval(SQL["use_link"], _hash(token)) if _well_formed(token) else None
    if user_id is None:
        raise errors.Unauthenticated("this sign-in link is unknown, already used or expired: ask for a new one")
    return user_id


class OidcLogin(msgspec.Struct, frozen=True):
    """An OIDC sign-in under way: what the callback checks and sends."""

    state: str
    nonce: str
    code_verifier: str
    next_path: str


async def begin_oidc(conn: asyncpg.Connection, next_path: str) -> OidcLogin:
    login = OidcLogin(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                      code_verifier=secrets.token_urlsafe(32), next_path=next_path)
    await conn.execute(SQL["begin_oidc"], _hash(login.state), login.nonce, login.code_verifier, next_path)
    return login


async def finish_oidc(conn: asyncpg.Connection, state: str) -> OidcLogin:
    """The sign-in the state names, once, within ten minutes; Unauthenticated otherwise."""
    row = await conn.fetchrow(SQL["finish_oidc"], _hash(state)) if _well_formed(state) else None
    if row is None:
        raise errors.Unauthenticated("this sign-in is unknown, already finished or too old: start again")
    return OidcLogin(state=state, **dict(row))


async def user_by_email(conn: asyncpg.Connection, email: str) -> uuid.UUID:
    user_id = await conn.fetchval(SQL["user_by_email"], email)
    if user_id is None:
        raise errors.NotFound("no active user with that email address", field="email")
    return user_id


async def user_by_claim(conn: asyncpg.Connection, claim: str, value: str) -> uuid.UUID:
    """The active user a single sign-on claim names: `sub` against users.oidc_subject,
    any other claim (email, preferred_username, upn: an address) against users.email."""
    if claim != "sub":
        return await user_by_email(conn, value)
    user_id = await conn.fetchval(SQL["user_by_oidc_subject"], value)
    if user_id is None:
        raise errors.NotFound("no active user with that single sign-on subject", field="sub")
    return user_id
