"""LA review over HTTP: the owning LA's queue, decisions, reversal, splits, errors as
problem+json naming the field, and an audit row for each request."""

import json
import os
import subprocess
import sys
import uuid

import pytest

from tests.api.conftest import bearer, problem
from tests.review_data import known_child, review_item, scene, source_record


@pytest.fixture
async def s(pool, tokens):
    async with pool.acquire() as conn:
        return await scene(conn)


async def audit_of(conn, response):
    return await conn.fetchrow("SELECT action, outcome, status, child_ids, query FROM audit_events "
                               "WHERE request_id = $1", uuid.UUID(response.headers["x-request-id"]))


async def decide(client, token, review_id, body):
    return await client.post(f"/review/{review_id}/decision", json=body, headers=bearer(token))


async def test_each_la_sees_only_its_own_items(client, tokens, norfolk, s, conn):
    n_child, _ = await known_child(conn, "LA926", "N1", la="926", serial=5, forename="Nora")
    n_item = await review_item(conn, await source_record(conn, "LA926", "N2", forename="Norah"), "926", [n_child])
    r = await client.get("/review", headers=bearer(tokens["la_data_manager"]))
    assert r.status_code == 200, r.text
    page = r.json()
    assert (page["count"], page["next_after"]) == (1, None)
    [item] = page["items"]
    assert item["id"] == str(s.item) and item["record"]["forename"] == "Ava"
    assert [c["child_id"] for c in item["candidates"]] == [str(s.amelia), str(s.olivia)]
    assert item["candidates"][0]["explanation"][0] == {"comparison": "forename", "level": "initial", "bits": -3.14}
    row = await audit_of(conn, r)
    assert (row["action"], row["outcome"]) == ("review.list", "ok")
    assert set(row["child_ids"]) == {s.amelia, s.olivia}
    [theirs] = (await client.get("/review", headers=bearer(norfolk))).json()["items"]
    assert theirs["id"] == str(n_item)
    # Neither can decide the other's item: to them it does not exist.
    problem(await decide(client, norfolk, s.item, {"action": "new"}), 404, "review_id")
    problem(await decide(client, tokens["la_data_manager"], n_item, {"action": "new"}), 404, "review_id")


async def test_paging(client, tokens, s, conn):
    for k in range(2, 4):
        await review_item(conn, await source_record(conn, "8732001", f"S{k}"), "873", [s.amelia])
    headers = bearer(tokens["la_data_manager"])
    first = (await client.get("/review", params={"limit": 2}, headers=headers)).json()
    assert first["count"] == 2 and first["next_after"] == first["items"][-1]["id"]
    rest = (await client.get("/review", params={"limit": 2, "after": first["next_after"]}, headers=headers)).json()
    assert rest["count"] == 1 and rest["next_after"] is None
    assert first["items"][0]["id"] == str(s.item)


@pytest.mark.parametrize("query, field", [
    ({"limit": "0"}, "limit"),
    ({"limit": "101"}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"after": "nope"}, "after"),
    ({"after": str(uuid.uuid4())}, "after"),
    ({"colour": "red"}, "colour"),
])
async def test_list_bad_query(client, tokens, query, field):
    r = await client.get("/review", params=query, headers=bearer(tokens["la_data_manager"]))
    problem(r, 400, field)


@pytest.mark.parametrize("action, pick, status, created", [
    ("link", "olivia", "linked", False),
    ("new", None, "new", True),
    ("not_this_child", None, "not_matched", True),
    ("not_this_child", "amelia", "open", False),
])
async def test_decide_and_reverse(client, tokens, s, conn, action, pick, status, created):
    token = tokens["la_data_manager"]
    body = {"action": action, **({"child_id": str(getattr(s, pick))} if pick else {})}
    r = await decide(client, token, s.item, body)
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["status"], got["created"], got["action"]) == (status, created, action)
    decided = await audit_of(conn, r)
    assert (decided["action"], decided["outcome"]) == ("review.decide", "ok")
    touched = {uuid.UUID(x) for x in got["ruled_out"]} | ({uuid.UUID(got["child_id"])} if got["child_id"] else set())
    assert set(decided["child_ids"]) == touched and touched

    r = await client.post(f"/review/{s.item}/reverse", headers=bearer(token))
    assert r.status_code == 200, r.text
    back = r.json()
    assert back["status"] == "open"
    reversed_ = await audit_of(conn, r)
    assert (reversed_["action"], reversed_["outcome"]) == ("review.reverse", "ok")
    assert set(reversed_["child_ids"]) == touched
    assert await conn.fetchval("SELECT status FROM review_items WHERE id = $1", s.item) == "open"
    assert await conn.fetchval("SELECT count(*) FROM links WHERE source_record_id = $1 AND unlinked_at IS NULL",
                               s.incoming) == 0


@pytest.mark.parametrize("body, status, field", [
    ({"action": "merge"}, 400, "action"),
    ({}, 400, "action"),
    ({"action": "link"}, 400, "child_id"),
    ({"action": "link", "child_id": "nope"}, 400, "child_id"),
    ({"action": "link", "child_id": str(uuid.uuid4())}, 400, "child_id"),
    ({"action": "new", "child_id": "OLIVIA"}, 400, "child_id"),
    ({"action": "new", "colour": "red"}, 400, "colour"),
])
async def test_decision_bad_bodies(client, tokens, s, conn, body, status, field):
    if body.get("child_id") == "OLIVIA":
        body = {**body, "child_id": str(s.olivia)}
    r = await decide(client, tokens["la_data_manager"], s.item, body)
    problem(r, status, field)
    assert await conn.fetchval("SELECT status FROM review_items WHERE id = $1", s.item) == "open"


async def test_decision_errors(client, tokens, s, conn):
    token = tokens["la_data_manager"]
    headers = bearer(token)
    r = await client.post(f"/review/{s.item}/decision", content=b"action=new",
                          headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    problem(r, 415)
    problem(await decide(client, token, "xyz", {"action": "new"}), 400, "review_id")
    r = await decide(client, token, uuid.uuid4(), {"action": "new"})
    problem(r, 404, "review_id")
    assert (await audit_of(conn, r))["outcome"] == "not_found"
    problem(await decide(client, tokens["practitioner"], s.item, {"action": "new"}), 403)
    assert (await decide(client, token, s.item, {"action": "new"})).status_code == 200
    r = await decide(client, token, s.item, {"action": "new"})
    problem(r, 409)
    assert (await audit_of(conn, r))["outcome"] == "conflict"
    problem(await client.post(f"/review/{uuid.uuid4()}/reverse", headers=headers), 404, "review_id")
    problem(await client.post("/review/xyz/reverse", headers=headers), 400, "review_id")


async def test_unlink_and_undo_the_split(client, tokens, norfolk, s, conn):
    token = tokens["la_data_manager"]
    assert (await decide(client, token, s.item, {"action": "link", "child_id": str(s.olivia)})).status_code == 200
    problem(await client.post(f"/source-records/{s.incoming}/unlink", headers=bearer(norfolk)), 404,
            "source_record_id")
    r = await client.post(f"/source-records/{s.incoming}/unlink", headers=bearer(token))
    assert r.status_code == 200, r.text
    split = r.json()
    assert split["child_id"] == str(s.olivia)
    row = await audit_of(conn, r)
    assert (row["action"], row["outcome"], row["child_ids"]) == ("link.unlink", "ok", [s.olivia])
    [item] = (await client.get("/review", headers=bearer(token))).json()["items"]
    assert (item["id"], item["reasons"], item["candidates"]) == (split["review_id"], ["unlinked"], [])
    problem(await client.post(f"/source-records/{s.incoming}/unlink", headers=bearer(token)), 409)
    problem(await client.post(f"/review/{s.item}/reverse", headers=bearer(token)), 409)
    problem(await client.post(f"/source-records/{uuid.uuid4()}/unlink", headers=bearer(token)), 404,
            "source_record_id")
    problem(await client.post("/source-records/xyz/unlink", headers=bearer(token)), 400, "source_record_id")
    r = await client.post(f"/review/{split['review_id']}/reverse", headers=bearer(token))
    assert r.status_code == 200 and r.json()["linked_child_id"] == str(s.olivia)
    assert (await client.get("/review", headers=bearer(token))).json()["items"] == []


# `isindex review list`, run as a user runs it (a separate process), registered here on a
# parser of its own.
CLI = """
import argparse, sys
from cli import review
from index import config
p = argparse.ArgumentParser(prog="isindex")
review.add_parsers(p.add_subparsers(dest="command", required=True))
args = p.parse_args(sys.argv[1:])
sys.exit(args.func(args, config.load()))
"""


def isindex_review(database_url, *args):
    return subprocess.run([sys.executable, "-c", CLI, "review", "list", *args], capture_output=True, text=True,
                          env={**os.environ, "DATABASE_URL": database_url}, timeout=120)


def test_review_list_command(database_url, s):
    done = isindex_review(database_url, "--la", "873", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["count"] == 1 and out["items"][0]["id"] == str(s.item)
    assert [c["child_id"] for c in out["items"][0]["candidates"]] == [str(s.amelia), str(s.olivia)]
    table = isindex_review(database_url, "--limit", "5")
    assert table.returncode == 0, table.stderr
    assert f"review {s.item}" in table.stdout and "Ava Mae TESTWOOD" in table.stdout
    assert "Olivia TESTWOOD" in table.stdout and "forename initial -3.1" in table.stdout
    assert "no open review items" in isindex_review(database_url, "--la", "926").stdout
    bad = isindex_review(database_url, "--la", "12")
    assert bad.returncode == 2 and "3-digit" in bad.stderr
