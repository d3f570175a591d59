"""The command line's database connection: DATABASE_URL, or the embedded server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import asyncpg

from index import config, db, migrate

T = TypeVar("T")


@contextlib.asynccontextmanager
async def connected(settings: config.Settings, *, migrating: bool = False) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the index database, closed on exit. Only `migrate` and `serve`
    migrate (migrating=True); every other command needs the schema current, and stops
    with one line saying to run `isindex migrate` when it is behind."""
    try:
        conn = await db.connect(await db.database_url(settings))
    except (OSError, asyncpg.PostgresError, asyncpg.TargetServerAttributeNotMatched) as exc:
        raise SystemExit(f"isindex: cannot connect to the database ({type(exc).__name__})") from None
    try:
        await db.init_connection(conn)
        if migrating:
            await migrate.apply(conn)
        elif behind := await migrate.pending(conn):
            raise SystemExit(f"isindex: the database schema is behind ({len(behind)} migration(s) pending); "
                             "run `isindex migrate` first")
        yield conn
    finally:
        await conn.close()


def run(settings: config.Settings, work: Callable[[asyncpg.Connection], Awaitable[T]], *,
        migrating: bool = False) -> T:
    """work(conn) on a connection (see connected), run from a command's synchronous code."""

    async def main() -> T:
        async with connected(settings, migrating=migrating) as conn:
            return await work(conn)

    return asyncio.run(main())
