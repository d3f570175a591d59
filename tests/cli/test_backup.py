"""`isindex backup` and `isindex restore`, run as a user runs them: the embedded default
round trip (demo data and audit events -> backup -> a new data directory -> restore ->
the same rows, the audit chain intact), and each refusal in one line."""

import asyncio
import json
import os
import subprocess

import asyncpg
import pytest

from index import audit, audit_chain, backup, db
from tests.index.test_audit_chain import event
from tests.processes import CLI, isindex, own_postgres

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

COUNTS = {
    "children": "SELECT count(*) FROM children",
    "audit_events": "SELECT count(*) FROM audit_events",
    "involvements": "SELECT count(*) FROM involvements",
    "head": "SELECT encode(hash, 'hex') FROM audit_chain_head",
    "users": "SELECT count(*) FROM users",
}


def embedded(data_dir, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`isindex ARGS` on the embedded server in data_dir (no DATABASE_URL)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run([*CLI, *args], env={**env, "ISINDEX_DATA_DIR": str(data_dir)}, capture_output=True,
                          text=True, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"exit {done.returncode}: {done.stderr[-2000:]}")
    return done


async def counts(url) -> dict:
    conn = await asyncpg.connect(url)
    try:
        return {name: await conn.fetchval(query) for name, query in COUNTS.items()}
    finally:
        await conn.close()


async def write_events(url, n: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        await db.init_connection(conn)
        for i in range(n):
            await audit.record(conn, event(i))
        await audit_chain.chain_all(conn)    # as the chainer in serve or a worker would
    finally:
        await conn.close()


def test_help():
    for command in ("backup", "restore"):
        done = isindex("postgresql://unused", command, "--help")
        assert done.stdout.startswith(f"usage: isindex {command}") and "--json" in done.stdout


def test_the_embedded_database_round_trips_through_a_backup(tmp_path):
    with own_postgres("isindex-backup-a-") as first:
        source = first.pgdata.parent    # ISINDEX_DATA_DIR: the cluster is its pg/ directory
        embedded(source, "migrate")
        embedded(source, "demo", "--children", "60", "--json")
        url = db.with_database(first.get_uri("postgres"), db.DATABASE_NAME)
        asyncio.run(write_events(url, 7))
        before = asyncio.run(counts(url))
        out = tmp_path / "index.dump"
        got = json.loads(embedded(source, "backup", "--out", str(out), "--json").stdout)
    assert got["file"] == str(out) and got["bytes"] == out.stat().st_size and got["tables"] > 20
    assert got["pg_dump"].startswith("18.")
    assert out.stat().st_mode & 0o077 == 0          # personal data: the owner's only
    assert before["children"] == 60 and before["audit_events"] >= 7

    with own_postgres("isindex-backup-b-") as second:
        target = second.pgdata.parent
        done = embedded(target, "restore", str(out))
        assert done.stdout.startswith(f"restore: {out} -> embedded database isindex: ")
        assert f"{before['children']} children, {before['audit_events']} audit events" in done.stdout
        after = asyncio.run(counts(db.with_database(second.get_uri("postgres"), db.DATABASE_NAME)))
        assert after == before
        verified = json.loads(embedded(target, "audit", "verify", "--json").stdout)
        assert verified["ok"] is True and verified["events_checked"] == before["audit_events"]
        assert verified["head_hash"] == before["head"]
        migrated = embedded(target, "migrate").stdout     # the restored schema is current
        assert "applied" in migrated and "pending" not in migrated

        # A second restore into the now full database is refused, and --force replaces it.
        refused = embedded(target, "restore", str(out), check=False)
        assert refused.returncode == 1 and refused.stdout == ""
        assert refused.stderr.strip().startswith("isindex: database isindex is not empty (")
        assert refused.stderr.strip().endswith("restore into an empty database, or add --force to replace "
                                               "its contents")
        forced = json.loads(embedded(target, "restore", str(out), "--force", "--json").stdout)
        assert forced["replaced"] is True and forced["children"] == before["children"]
        assert json.loads(embedded(target, "audit", "verify", "--json").stdout)["ok"] is True


def _contents_end(archive, scratch) -> int:
    """The length of the archive's head that pg_restore can list (its table of contents)."""
    data = archive.read_bytes()
    low, high = 0, len(data)
    while low < high:
        mid = (low + high) // 2
        scratch.write_bytes(data[:mid])
        listed = subprocess.run([str(backup.tool("pg_restore")), "--list", str(scratch)], capture_output=True)
        if listed.returncode == 0 and b"TOC Entries: -" not in listed.stdout:
            high = mid
        else:
            low = mid + 1
    return low


def _cases(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a backup\n")
    locked = tmp_path / "locked.dump"
    locked.write_bytes(b"PGDMP")
    locked.chmod(0)
    cut = tmp_path / "cut.dump"
    cut.write_bytes(b"PGDMP" + b"\x01" * 40)
    return {
        "missing": (["restore", str(tmp_path / "nothing.dump")], f"cannot read {tmp_path / 'nothing.dump'}: "
                                                                  "No such file or directory"),
        "not a dump": (["restore", str(text)], f"{text} is not a backup (a pg_dump custom-format archive"),
        "cut short": (["restore", str(cut)], f"{cut} is not a readable backup: its table of contents is damaged"),
        "unwritable": (["backup", "--out", str(tmp_path / "no" / "such" / "dir.dump")],
                       f"cannot write {tmp_path / 'no' / 'such' / 'dir.dump'}: No such file or directory"),
    } | ({} if os.geteuid() == 0 else {   # root reads any file
        "unreadable": (["restore", str(locked)], f"cannot read {locked}: Permission denied")})


async def test_refusals_are_one_line_and_exit_1(database_url, tmp_path):
    for name, (args, expected) in _cases(tmp_path).items():
        done = isindex(database_url, *args, check=False)
        assert done.returncode == 1, name
        assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, (name, done.stderr)
        assert done.stderr.startswith(f"isindex: {expected}"), (name, done.stderr)


async def test_an_unreachable_server_is_one_line(tmp_path):
    from tests.processes import free_port

    out = tmp_path / "x.dump"
    done = isindex(f"postgresql://nobody@127.0.0.1:{free_port()}/isindex", "backup", "--out", str(out), check=False)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == "isindex: cannot connect to the database (ConnectionRefusedError)\n"
    assert list(tmp_path.iterdir()) == []     # nothing half-written is left


async def test_a_restore_into_an_empty_database_then_a_refusal(database_url, empty_url, tmp_path):
    out = tmp_path / "t.dump"
    await write_events(database_url, 3)
    isindex(database_url, "backup", "--out", str(out))
    cut = tmp_path / "cut.dump"      # a backup cut short: its table of contents is whole, its data not
    cut.write_bytes(out.read_bytes()[:_contents_end(out, cut) + 16])
    failed = isindex(empty_url, "restore", str(cut), check=False)
    assert failed.returncode == 1 and failed.stderr.startswith("isindex: pg_restore failed: "), failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1
    conn = await asyncpg.connect(empty_url)
    try:        # one transaction: nothing of it is left
        assert await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
    finally:
        await conn.close()
    got = json.loads(isindex(empty_url, "restore", str(out), "--json").stdout)
    assert got["audit_events"] == 3 and got["replaced"] is False
    assert json.loads(isindex(empty_url, "audit", "verify", "--json").stdout)["events_checked"] == 3
    refused = isindex(database_url, "restore", str(out), check=False)     # a migrated database has tables
    assert refused.returncode == 1 and "is not empty" in refused.stderr
