"""Users and bearer tokens. A token is 256 random bits; only its SHA-256 is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

import asyncpg
import msgspec

from index import errors

ROLES = ("practitioner", "school", "la_data_manager", "auditor", "admin")
CAPABILITIES = ("child_protection",)   # may override a shielded record, one view at a time
TOKEN_PREFIX = "isx_"


class Principal(msgspec.Struct, frozen=True):
    """Who is asking: the user, their organisation and role."""

    user_id: uuid.UUID
    name: str
    role: str
    org_id: int
    org_code: str
    org_kind: str
    la_code: str | None  # the data manager's LA scope, else the organisation's LA
    phone: str | None
    email: str | None
    capabilities: tuple[str, ...] = ()

    def can(self, capability: str) -> bool:
        return capability in self.capabilities


class IssuedToken(msgspec.Struct, frozen=True):
    token_id: uuid.UUID
    user_id: uuid.UUID
    token: str
    expires_at: dt.datetime


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)  # 32 bytes = 256 bits


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def well_formed(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX) and 40 <= len(token) <= 60


PRINCIPAL_BY_HASH = """
SELECT u.id AS user_id, u.name, u.role, coalesce(u.la_code, o.la_code) AS la_code, u.phone, u.email,
       u.capabilities, u.suspended_at, o.id AS org_id, o.code AS org_code, o.kind AS org_kind
  FROM tokens t
  JOIN users u ON u.id = t.user_id
  JOIN organisations o ON o.id = u.org_id
 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > now() AND u.active
"""


async def authenticate(conn: asyncpg.Connection, token: str) -> Principal:
    if not well_formed(token):
        raise errors.Unauthenticated("the bearer token is malformed")
    row = await conn.fetchrow(PRINCIPAL_BY_HASH, token_hash(token))
    if row is None:
        raise errors.Unauthenticated("the bearer token is unknown, expired or revoked")
    fields = dict(row)
    if fields.pop("suspended_at") is not None:
        raise Suspended("this account is suspended pending an investigation: contact your local authority's auditors",
                        user_id=fields["user_id"], org_code=fields["org_code"], role=fields["role"])
    return Principal(**fields | {"capabilities": tuple(fields["capabilities"])})


class Suspended(errors.Forbidden):
    """The user's account is suspended (misuse detection or an auditor)."""

    def __init__(self, message: str, *, user_id: uuid.UUID, org_code: str, role: str) -> None:
        super().__init__(message)
        self.user_id, self.org_code, self.role = user_id, org_code, role


async def add_user(
    conn: asyncpg.Connection,
    *,
    name: str,
    org_code: str,
    role: str,
    la_code: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    capabilities: tuple[str, ...] = (),
    oidc_subject: str | None = None,
) -> uuid.UUID:
    if role not in ROLES:
        raise errors.Invalid(f"role must be one of {', '.join(ROLES)}", field="role")
    errors.plain_text(name=name, phone=phone, email=email, oidc_subject=oidc_subject)
    unknown = sorted(set(capabilities) - set(CAPABILITIES))
    if unknown:
        raise errors.Invalid(f"unknown capability {unknown[0]!r} (known: {', '.join(CAPABILITIES)})",
                             field="capability")
    org = await conn.fetchrow("SELECT id, la_code FROM organisations WHERE code = $1", org_code)
    if org is None:
        raise errors.NotFound(f"no organisation with code {org_code!r}", field="org")
    if role == "la_data_manager":
        la_code = la_code or org["la_code"]
        if la_code is None:
            raise errors.Invalid("an la_data_manager needs --la or an organisation with an LA", field="la")
    return await conn.fetchval(
        """INSERT INTO users (name, org_id, role, la_code, phone, email, capabilities, oidc_subject)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id""",
        name,
        org["id"],
        role,
        la_code,
        phone,
        email,
        list(capabilities),
        oidc_subject,
    )


async def issue_token(conn: asyncpg.Connection, user_id: uuid.UUID, *, days: int) -> IssuedToken:
    token = new_token()
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    token_id = await conn.fetchval(
        "INSERT INTO tokens (user_id, token_hash, expires_at) VALUES ($1, $2, $3) RETURNING id",
        user_id,
        token_hash(token),
        expires,
    )
    return IssuedToken(token_id=token_id, user_id=user_id, token=token, expires_at=expires)


async def revoke_token(conn: asyncpg.Connection, token_id: uuid.UUID) -> bool:
    result = await conn.execute(
        "UPDATE tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", token_id
    )
    return result.endswith(" 1")


async def revoke_user_tokens(conn: asyncpg.Connection, user_id: uuid.UUID) -> int:
    """Revoke every token of the user, and every browser session too (index.sessions):
    their access ends, whichever way they signed in. The count is of tokens."""
    result = await conn.execute(
        "UPDATE tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", user_id
    )
    await conn.execute("UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", user_id)
    return int(result.split()[-1])
