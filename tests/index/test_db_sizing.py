"""The embedded server is sized for its machine (index.db.sizing), once, in a file of its
own that ALTER SYSTEM still overrides."""

import asyncio
import shutil
import tempfile
from pathlib import Path

import asyncpg
import pytest

from index import db

GB = 1024 ** 3


@pytest.mark.parametrize(("memory", "shared_buffers", "effective_cache_size", "maintenance_work_mem", "work_mem"), [
    (0, "128MB", "512MB", "64MB", "4MB"),                      # memory unknown: the floors
    (512 * 1024 ** 2, "128MB", "512MB", "64MB", "4MB"),        # tiny: never below PostgreSQL's defaults
    (4 * GB, "1024MB", "2048MB", "256MB", "8MB"),
    (24 * GB, "6144MB", "12288MB", "1024MB", "48MB"),
    (128 * GB, "8192MB", "65536MB", "1024MB", "64MB"),          # shared buffers and work_mem capped
])
def test_sizing_follows_memory_within_bounds(memory, shared_buffers, effective_cache_size, maintenance_work_mem,
                                             work_mem):
    got = db.sizing(memory)
    assert (got["shared_buffers"], got["effective_cache_size"], got["maintenance_work_mem"], got["work_mem"]) == (
        shared_buffers, effective_cache_size, maintenance_work_mem, work_mem)
    assert got["max_wal_size"] == "4GB" and got["checkpoint_timeout"] == "15min"


def test_memory_is_the_lower_of_the_machine_and_its_container(tmp_path, monkeypatch):
    machine = db.memory(tmp_path / "none")          # no cgroup file: the machine's
    assert machine > 0
    limit = tmp_path / "memory.max"
    limit.write_text(f"{GB}\n")
    assert db.memory(limit) == min(machine, GB)
    limit.write_text("max\n")                       # no limit set
    assert db.memory(limit) == machine
    monkeypatch.setattr(db.os, "sysconf", lambda name: (_ for _ in ()).throw(ValueError(name)))
    assert db.memory(limit) == 0                     # the system does not say


def test_the_sizing_is_written_once(tmp_path):
    (tmp_path / "postgresql.conf").write_text("max_connections = 100\n")
    assert db.size_cluster(tmp_path) is True
    written = (tmp_path / db.SIZING_FILE).read_text()
    assert "shared_buffers = '" in written and "max_wal_size = '4GB'" in written
    (tmp_path / db.SIZING_FILE).write_text("shared_buffers = '200MB'\n")     # an operator's edit is kept
    assert db.size_cluster(tmp_path) is False
    assert (tmp_path / db.SIZING_FILE).read_text() == "shared_buffers = '200MB'\n"
    conf = (tmp_path / "postgresql.conf").read_text()
    assert conf.startswith("max_connections = 100\n") and conf.count(f"include_if_exists = '{db.SIZING_FILE}'") == 1


def test_a_new_embedded_server_starts_sized_and_alter_system_wins():
    root = Path(tempfile.mkdtemp(prefix="isindex-sizing-"))
    server = db.embedded_server(root)
    try:
        async def check():
            conn = await asyncpg.connect(server.get_uri("postgres"))
            try:
                want = db.sizing(db.memory())
                assert await conn.fetchval("SHOW shared_buffers") == _pg_units(want["shared_buffers"])
                assert await conn.fetchval("SHOW max_wal_size") == "4GB"
                await conn.execute("ALTER SYSTEM SET max_wal_size = '2GB'")
                await conn.execute("SELECT pg_reload_conf()")
                await asyncio.sleep(0.2)
                assert await conn.fetchval("SHOW max_wal_size") == "2GB"
            finally:
                await conn.close()

        asyncio.run(check())
        again = db.embedded_server(root)     # joined as it is: no second restart
        assert again.get_pid() == server.get_pid()
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


def _pg_units(megabytes: str) -> str:
    """PostgreSQL shows a whole number of gigabytes as GB."""
    n = int(megabytes.removesuffix("MB"))
    return f"{n // 1024}GB" if n % 1024 == 0 else f"{n}MB"
