"""Settings, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None
    data_dir: Path
    token_days: int
    max_body_bytes: int
    pool_min: int
    pool_max: int
    feed_max_bytes: int = 200 * 1024 * 1024
    feed_keep_days: int = 90
    model_path: str | None = None         # a trained matching model; the shipped one if unset
    emergency_review_hours: int = 72      # the owning LA reviews an emergency view within this
    override_review_hours: int = 120      # ... and a shield override within this
    queue_max_age: int = 900              # /health fails when a feed has waited longer (seconds)
    session_idle_minutes: int = 15        # a browser session ends after this long unused
    oidc_issuer: str | None = None        # OIDC single sign-on: off unless issuer and client id are set
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_claim: str = "email"             # the ID token's claim that finds the user: an email claim, or "sub"
    public_url: str | None = None         # where users reach the service (the OIDC redirect's base)
    metrics_token: str | None = None      # /metrics wants it as a bearer token; unset: /metrics is open
    feed_worker: bool = True              # serve starts its own feed worker (a child process)


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SystemExit(f"{name} must be between {low} and {high}, got {value}")
    return value


def load() -> Settings:
    data_dir = os.environ.get("ISINDEX_DATA_DIR") or platformdirs.user_data_dir("isindex")
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or None,
        data_dir=Path(data_dir).expanduser(),
        token_days=_int("ISINDEX_TOKEN_DAYS", 90, 1, 3650),
        max_body_bytes=_int("ISINDEX_MAX_BODY_BYTES", 64 * 1024, 1024, 64 * 1024 * 1024),
        pool_min=_int("ISINDEX_POOL_MIN", 2, 1, 100),
        pool_max=_int("ISINDEX_POOL_MAX", 20, 1, 500),
        feed_max_bytes=_int("ISINDEX_FEED_MAX_BYTES", 200 * 1024 * 1024, 1024, 2 * 1024 * 1024 * 1024),
        feed_keep_days=_int("ISINDEX_FEED_KEEP_DAYS", 90, 1, 3650),
        model_path=os.environ.get("ISINDEX_MODEL") or None,
        emergency_review_hours=_int("ISINDEX_EMERGENCY_REVIEW_HOURS", 72, 1, 24 * 90),
        override_review_hours=_int("ISINDEX_OVERRIDE_REVIEW_HOURS", 120, 1, 24 * 90),
        queue_max_age=_int("ISINDEX_QUEUE_MAX_AGE", 900, 10, 7 * 24 * 3600),
        session_idle_minutes=_int("ISINDEX_SESSION_IDLE_MINUTES", 15, 1, 24 * 60),
        metrics_token=_metrics_token(),
        feed_worker=_feed_worker(),
        **_oidc(),
    )


def _metrics_token() -> str | None:
    token = os.environ.get("ISINDEX_METRICS_TOKEN") or None
    if token is not None and not (16 <= len(token) <= 200 and token.isascii() and token.isprintable()
                                  and " " not in token):
        raise SystemExit("ISINDEX_METRICS_TOKEN must be 16 to 200 printable ASCII characters without spaces")
    return token


def _feed_worker() -> bool:
    """ISINDEX_FEED_WORKER: 1 by default with the embedded PostgreSQL (one machine, one
    command), 0 with DATABASE_URL, where `isindex worker` processes run beside serve."""
    raw = os.environ.get("ISINDEX_FEED_WORKER") or ("0" if os.environ.get("DATABASE_URL") else "1")
    if raw not in ("0", "1"):
        raise SystemExit(f"ISINDEX_FEED_WORKER must be 0 or 1, got {raw!r}")
    return raw == "1"


LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _https_or_loopback(name: str, url: str | None) -> None:
    """An address that carries sign-in: https, or plain http on this machine only."""
    loopback = urlsplit(url or "").hostname in LOOPBACK
    if url and not (url.startswith("https://") or (url.startswith("http://") and loopback)):
        raise SystemExit(f"{name} must be an https:// URL, got {url!r}")


def _oidc() -> dict:
    issuer = os.environ.get("ISINDEX_OIDC_ISSUER") or None
    client_id = os.environ.get("ISINDEX_OIDC_CLIENT_ID") or None
    if bool(issuer) != bool(client_id):
        raise SystemExit("ISINDEX_OIDC_ISSUER and ISINDEX_OIDC_CLIENT_ID are set together, or neither")
    _https_or_loopback("ISINDEX_OIDC_ISSUER", issuer)
    public_url = (os.environ.get("ISINDEX_PUBLIC_URL") or "").rstrip("/") or None
    _https_or_loopback("ISINDEX_PUBLIC_URL", public_url)
    return {"oidc_issuer": issuer, "oidc_client_id": client_id, "public_url": public_url,
            "oidc_client_secret": os.environ.get("ISINDEX_OIDC_CLIENT_SECRET") or None,
            "oidc_claim": os.environ.get("ISINDEX_OIDC_CLAIM") or "email"}
