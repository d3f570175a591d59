"""DATABASE_URL as written, multi-host (a primary and its standbys) included: pointed at
another database, its hosts shown, its password kept off a command line."""

import asyncio
import time

import pytest

from index import backup, db
from tests.processes import free_port

BOTH = "postgresql://app:p%40ss@10.0.0.1:5432,10.0.0.2:5433/isindex?target_session_attrs=read-write"


@pytest.mark.parametrize("url, name, expected", [
    (BOTH, "other", "postgresql://app:p%40ss@10.0.0.1:5432,10.0.0.2:5433/other?target_session_attrs=read-write"),
    ("postgresql://postgres:@/postgres?host=/run/pg", "isindex", "postgresql://postgres:@/isindex?host=/run/pg"),
    ("postgresql://u@h1,h2/a", "b", "postgresql://u@h1,h2/b"),
])
def test_with_database_keeps_every_host_and_parameter(url, name, expected):
    assert db.with_database(url, name) == expected


@pytest.mark.parametrize("url, expected", [
    (BOTH, "10.0.0.1:5432,10.0.0.2:5433"),
    ("postgresql://u@h1,h2:6432/a", "h1:5432,h2:6432"),
    ("postgresql://u@[::1]/a", "[::1]:5432"),
    ("postgresql://u@[::1]:6000/a", "[::1]:6000"),
    ("postgresql:///a", "localhost:5432"),
])
def test_hosts(url, expected):
    assert db.hosts(url) == expected


@pytest.mark.parametrize("url, target, env", [
    (BOTH, "postgresql://app@10.0.0.1:5432,10.0.0.2:5433/isindex?target_session_attrs=read-write",
     {"PGPASSWORD": "p@ss"}),
    ("postgresql://postgres:@/isindex?host=/run/pg", "postgresql://postgres@/isindex?host=/run/pg", {}),
    ("postgresql://u@h/a", "postgresql://u@h/a", {}),
])
def test_a_password_goes_to_pgpassword_not_the_command_line(url, target, env):
    assert backup.libpq_target(url) == (target, env)


@pytest.mark.parametrize("url, expected", [
    (BOTH, ["postgresql://app:p%40ss@10.0.0.1:5432/isindex?target_session_attrs=read-write",
            "postgresql://app:p%40ss@10.0.0.2:5433/isindex?target_session_attrs=read-write"]),
    ("postgresql://u@h1/a", ["postgresql://u@h1/a"]),
    ("postgresql://postgres:@/postgres?host=/run/pg", ["postgresql://postgres:@/postgres?host=/run/pg"]),
    ("postgresql://h1,h2:6000/a", ["postgresql://h1/a", "postgresql://h2:6000/a"]),
])
def test_each_host(url, expected):
    assert db.each_host(url) == expected


async def test_a_host_that_never_answers_is_passed_over_for_the_next():
    """A first host that accepts and then says nothing (a frozen machine) holds the
    connection for its own timeout only; then the second is tried (here it refuses, so
    its error is the one raised). asyncpg alone would spend the whole timeout on the
    first host and never try the second."""
    silent = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
    hung = silent.sockets[0].getsockname()[1]
    refusing = free_port()
    try:
        started = time.monotonic()
        with pytest.raises(ConnectionRefusedError):
            await db.connect(f"postgresql://u@127.0.0.1:{hung},127.0.0.1:{refusing}/x", timeout=1)
        assert time.monotonic() - started < 5
        with pytest.raises(asyncio.TimeoutError):     # what the first host alone does
            await db.connect(f"postgresql://u@127.0.0.1:{hung}/x", timeout=1)
    finally:
        silent.close()
