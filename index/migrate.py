"""Numbered plain-SQL migrations, applied in order and recorded in schema_migrations."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

import asyncpg
import structlog

from index import errors

log = structlog.get_logger(__name__)

NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
LOCK_KEY = 7_310_420_001  # advisory lock: one migrator at a time

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


async def _ensure_table(conn: asyncpg.Connection) -> None:
    """Create schema_migrations once. Checked first, because even CREATE TABLE IF NOT
    EXISTS needs CREATE on the schema, which the least-privilege service role
    (deploy/roles.sql) does not have."""
    if await conn.fetchval("SELECT to_regclass('schema_migrations')") is None:
        await conn.execute(CREATE_TABLE)


def available() -> list[Migration]:
    found = []
    for entry in resources.files("index.migrations").iterdir():
        match = NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError("two migrations share a number")
    return found


async def apply(conn: asyncpg.Connection) -> list[int]:
    """Apply every migration not yet recorded; return the versions applied.

    Each migration runs in its own transaction; a checksum mismatch on an applied
    migration stops everything (someone edited history).
    """
    applied_now: list[int] = []
    await conn.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
    try:
        await _ensure_table(conn)
        rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
        done = {r["version"]: r["checksum"] for r in rows}
        for migration in available():
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    raise errors.Conflict(
                        f"migration {migration.version:04d}_{migration.name} was changed after it was applied"
                    )
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            log.info("migration_applied", version=migration.version)
            applied_now.append(migration.version)
        # The feed queue's tables are pgqueuer's own, created by pgqueuer itself.
        from index.feeds import queue

        await queue.install(conn)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)
    return applied_now


async def status(conn: asyncpg.Connection) -> list[tuple[int, str, bool]]:
    """(version, name, applied) for every known migration."""
    done = await _applied(conn)
    return [(m.version, m.name, m.version in done) for m in available()]


async def pending(conn: asyncpg.Connection) -> list[Migration]:
    """The migrations not yet applied. Read only (no table created, no lock taken): the
    least-privilege role (deploy/roles.sql) may run it."""
    done = await _applied(conn)
    return [m for m in available() if m.version not in done]


async def _applied(conn: asyncpg.Connection) -> set[int]:
    """The versions recorded in schema_migrations; none when the table does not exist."""
    if await conn.fetchval("SELECT to_regclass('schema_migrations')") is None:
        return set()
    return {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
