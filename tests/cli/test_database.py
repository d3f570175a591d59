"""Only `migrate` and `serve` migrate: other commands refuse a database whose schema is
behind, in one line, and `isindex migrate` puts it right."""

import asyncpg

from index import migrate
from tests.processes import isindex_here as isindex

BEHIND = "the database schema is behind"


def refused(done, pending: int) -> None:
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"isindex: {BEHIND} ({pending} migration(s) pending); run `isindex migrate` first"]
    assert done.stdout == ""


async def test_commands_refuse_an_unmigrated_database_until_migrate(empty_url):
    n = len(migrate.available())
    for command in (["review", "list"], ["la", "add", "--code", "873", "--name", "Cambridgeshire"],
                    ["audit", "verify", "--json"], ["worker", "--drain"]):
        refused(isindex(empty_url, *command, check=False), n)
    conn = await asyncpg.connect(empty_url)
    try:    # the check changed nothing
        assert await conn.fetchval("SELECT to_regclass('schema_migrations')") is None
    finally:
        await conn.close()
    done = isindex(empty_url, "migrate")
    assert done.stdout.count(": applied") == n and "pending" not in done.stdout
    assert isindex(empty_url, "review", "list").stdout.strip() == "no open review items"


async def test_a_database_one_migration_behind_is_refused(database_url, conn):
    await conn.execute("DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)")
    refused(isindex(database_url, "survivorship", "ranks", check=False), 1)
