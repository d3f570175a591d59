"""`isindex sar CHILD_ID` on a real database (run in this process: tests.processes.isindex_here)."""

import json
import stat
import uuid

import pytest

from index import registry
from tests import factories, processes


def isindex(database_url, *args, cwd=None):
    return processes.isindex_here(database_url, *args, check=False, cwd=cwd)


@pytest.fixture
async def child_id(pool):
    async with pool.acquire() as conn:
        await factories.seed_orgs(conn)
        return await registry.create_child(conn, factories.child(former_surnames=["Oldname"]))


async def test_writes_json_and_text(database_url, child_id, conn, tmp_path):
    done = isindex(database_url, "sar", str(child_id), cwd=tmp_path)     # --out: here by default
    assert done.returncode == 0, done.stderr
    paths = [tmp_path.resolve() / f"{child_id}.json", tmp_path.resolve() / f"{child_id}.txt"]
    assert done.stdout.split() == [str(p) for p in paths]
    for path in paths:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    got = json.loads(paths[0].read_text())
    assert (got["child"]["id"], got["child"]["forename"], got["child"]["former_names"][0]["surname"]) == (
        str(child_id), "Amelia", "Oldname")
    assert {i["value"] for i in got["identifiers"]} == {factories.upn(serial=1), factories.nhs_number(1)}
    text = paths[1].read_text()
    assert text.startswith("SUBJECT ACCESS EXPORT") and factories.nhs_number(1) in text and "Oldname" in text
    row = await conn.fetchrow("SELECT action, outcome, user_id, query, child_ids FROM audit_events")
    assert (row["action"], row["outcome"], row["user_id"], row["query"], row["child_ids"]) == (
        "child.sar", "ok", None, {"via": "cli"}, [child_id])

    elsewhere = tmp_path / "out"
    elsewhere.mkdir()
    done = isindex(database_url, "sar", str(child_id), "--out", str(elsewhere))
    assert done.returncode == 0, done.stderr
    assert sorted(elsewhere.iterdir()) == [elsewhere / f"{child_id}.json", elsewhere / f"{child_id}.txt"]

    # --json: to stdout, no files; the two exports before are in the access history.
    done = isindex(database_url, "sar", str(child_id), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(tmp_path.resolve().iterdir()) == sorted([*paths, elsewhere.resolve()])
    history = json.loads(done.stdout)["access_history"]
    assert [(e["action"], e["via"], e["user_id"]) for e in history] == [("child.sar", "cli", None)] * 2


@pytest.mark.parametrize("args, code, message", [
    (["sar", "not-a-uuid"], 2, "is not an index id"),
    (["sar", str(uuid.uuid4())], 1, "no child with index id"),
    (["sar", "{child}", "--out", "/nonexistent/dir"], 1, "is not a directory"),
])
def test_errors(database_url, child_id, args, code, message):
    done = isindex(database_url, *[a.format(child=child_id) for a in args])
    assert done.returncode == code and message in done.stderr, (done.returncode, done.stderr)
    assert done.stdout == ""


def test_help(database_url):
    done = isindex(database_url, "sar", "--help")
    assert done.returncode == 0 and "CHILD_ID" in done.stdout and "--out DIR" in done.stdout
