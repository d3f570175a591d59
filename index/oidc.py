"""OpenID Connect single sign-on, the authorization code flow with PKCE (S256).

The provider is found by discovery (`<issuer>/.well-known/openid-configuration`, read
once per process); its ID token is verified with joserfc against the provider's JWKS
(signature, iss, aud, exp, nonce). The token only says who the person is: the index
user is the one whose email equals the configured claim (ISINDEX_OIDC_CLAIM, "email" by
default), or whose `oidc_subject` equals the token's `sub` when the claim is "sub"; their role and organisation come from the index, never from the token. The
state, nonce and PKCE verifier are kept server-side (index.sessions.begin_oidc).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import ssl
from urllib.parse import urlencode

import httpx
import msgspec
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from index import errors

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
TIMEOUT = 10.0


@functools.cache
def tls() -> ssl.SSLContext:
    """The TLS settings of every request to the provider (httpx's defaults), built once: each
    client built its own, reading the CA bundle again, the dearest part of a sign-in."""
    return httpx.create_ssl_context()


LEEWAY = 60          # seconds of clock difference allowed with the provider


class Provider(msgspec.Struct, frozen=True):
    issuer: str
    client_id: str
    client_secret: str | None
    claim: str = "email"
    public_url: str | None = None   # the service's address as users reach it (ISINDEX_PUBLIC_URL)


class Metadata(msgspec.Struct, frozen=True):
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


class Refused(errors.Unauthenticated):
    """The provider's answer or its ID token is not good enough to sign anyone in."""


def challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


async def _get_json(client: httpx.AsyncClient, url: str) -> dict:
    try:
        response = await client.get(url)
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError):
        raise errors.Unavailable("the sign-in provider could not be reached: try again later") from None


async def discover(provider: Provider, client: httpx.AsyncClient) -> Metadata:
    document = await _get_json(client, provider.issuer.rstrip("/") + "/.well-known/openid-configuration")
    try:
        metadata = msgspec.convert(document, Metadata)
    except msgspec.ValidationError:
        raise errors.Unavailable("the sign-in provider's discovery document is incomplete") from None
    if metadata.issuer != provider.issuer:
        raise errors.Unavailable("the sign-in provider's discovery document names another issuer")
    return metadata


def authorization_url(provider: Provider, metadata: Metadata, *, redirect_uri: str, state: str, nonce: str,
                      verifier: str) -> str:
    query = urlencode({"response_type": "code", "client_id": provider.client_id, "redirect_uri": redirect_uri,
                       "scope": "openid email", "state": state, "nonce": nonce,
                       "code_challenge": challenge(verifier), "code_challenge_method": "S256"})
    sep = "&" if "?" in metadata.authorization_endpoint else "?"
    return f"{metadata.authorization_endpoint}{sep}{query}"


async def exchange(provider: Provider, metadata: Metadata, client: httpx.AsyncClient, *, code: str,
                   redirect_uri: str, verifier: str) -> str:
    """The ID token the code is exchanged for (the client authenticates by HTTP Basic
    when it has a secret, as client_secret_basic)."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": provider.client_id, "code_verifier": verifier}
    auth = (provider.client_id, provider.client_secret) if provider.client_secret else None
    try:
        response = await client.post(metadata.token_endpoint, data=form, auth=auth)
    except httpx.HTTPError:
        raise errors.Unavailable("the sign-in provider could not be reached: try again later") from None
    if response.status_code != 200:
        raise Refused("the sign-in provider refused the sign-in code")
    try:
        id_token = response.json().get("id_token")
    except ValueError:
        id_token = None
    if not isinstance(id_token, str):
        raise Refused("the sign-in provider sent no ID token")
    return id_token


async def verify(provider: Provider, metadata: Metadata, client: httpx.AsyncClient, id_token: str, *,
                 nonce: str) -> str:
    """The configured claim (an email address, or the subject) of a valid ID token: signed by a key of
    the provider's JWKS, for this client, from this issuer, unexpired, with our nonce."""
    keys = KeySet.import_key_set(await _get_json(client, metadata.jwks_uri))
    try:
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=LEEWAY,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": provider.client_id},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError):
        raise Refused("the sign-in provider's ID token is not valid (signature, issuer, audience, expiry or "
                      "nonce)") from None
    if token.claims.get("email_verified") is False and provider.claim == "email":
        raise Refused("the sign-in provider has not verified this account's email address")
    value = token.claims.get(provider.claim)
    if not isinstance(value, str) or not value:
        raise Refused(f"the ID token has no {provider.claim!r} claim")
    return value
