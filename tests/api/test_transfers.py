"""Transfers between LAs over HTTP: the owning LA asks, the receiving LA accepts or
declines, the owning LA may withdraw; ownership moves only on acceptance, and both
sides are audited with the child."""

import asyncio
import uuid

import pytest

from index import auth, organisations, policy, registry
from tests import factories
from tests.api.conftest import bearer, problem


@pytest.fixture
async def suffolk(pool, tokens):
    """A data manager of a third LA (935)."""
    async with pool.acquire() as conn:
        await organisations.add_la(conn, "935", "Suffolk")
        await organisations.add(conn, organisations.NewOrganisation(
            code="LA935", kind="local_authority", name="Suffolk LA", la_code="935"))
        user_id = await auth.add_user(conn, name="Suffolk Manager", org_code="LA935", role="la_data_manager",
                                      la_code="935")
        return (await auth.issue_token(conn, user_id, days=1)).token


@pytest.fixture
async def child_id(pool, tokens):
    """A shielded child of Cambridgeshire (873): only the owning LA sees the full record."""
    async with pool.acquire() as conn:
        return await registry.create_child(conn, factories.child(shielded=True))


async def ask(client, token, child, to_la="926"):
    return await client.post(f"/children/{child}/transfers", json={"to_la": to_la}, headers=bearer(token))


async def act(client, token, transfer_id, what):
    return await client.post(f"/transfers/{transfer_id}/{what}", headers=bearer(token))


async def view(client, token, child):
    r = await client.get(f"/children/{child}", params={"reason": "service_delivery"}, headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.json()


async def audit_of(conn, response):
    return await conn.fetchrow("SELECT action, org_code, outcome, status, child_ids, query FROM audit_events "
                               "WHERE request_id = $1", uuid.UUID(response.headers["x-request-id"]))


async def test_the_whole_flow_moves_ownership_only_on_accept(client, tokens, norfolk, child_id, conn):
    cambs = tokens["la_data_manager"]
    assert (await view(client, cambs, child_id))["address"]["postcode"] == "CB1 2AB"
    assert (await view(client, norfolk, child_id))["notice"] == policy.SHIELDED_NOTICE

    r = await ask(client, cambs, child_id)
    assert r.status_code == 201, r.text
    transfer = r.json()
    assert (transfer["child_id"], transfer["from_la"], transfer["to_la"], transfer["status"]) == (
        str(child_id), "873", "926", "requested")
    assert (transfer["from_la_name"], transfer["to_la_name"]) == ("Cambridgeshire", "Norfolk")
    assert transfer["decided_at"] is None

    # Requested, not accepted: Norfolk still sees what any other LA sees.
    record = await view(client, norfolk, child_id)
    assert (record["owning_la"], record["notice"]) == ("873", policy.SHIELDED_NOTICE)
    assert "address" not in record or record["address"] is None

    incoming = (await client.get("/transfers", params={"direction": "incoming"}, headers=bearer(norfolk))).json()
    assert [t["id"] for t in incoming["items"]] == [transfer["id"]] and incoming["count"] == 1
    outgoing = (await client.get("/transfers", params={"direction": "outgoing", "status": "requested"},
                                 headers=bearer(cambs))).json()
    assert [t["id"] for t in outgoing["items"]] == [transfer["id"]]
    assert (await client.get("/transfers", headers=bearer(cambs))).json()["count"] == 0   # incoming by default

    r = await act(client, norfolk, transfer["id"], "accept")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "accepted" and r.json()["decided_at"] is not None
    assert await conn.fetchval("SELECT owning_la FROM children WHERE id = $1", child_id) == "926"

    record = await view(client, norfolk, child_id)
    assert record["owning_la"] == "926" and record["notice"] is None
    assert record["address"]["postcode"] == "CB1 2AB"
    assert (await view(client, cambs, child_id))["notice"] == policy.SHIELDED_NOTICE

    # Both sides are in the child's audit trail.
    rows = await conn.fetch(
        """SELECT action, org_code, outcome, query FROM audit_events
            WHERE child_ids @> ARRAY[$1::uuid] AND action LIKE 'transfer.%' ORDER BY id""", child_id)
    assert [(r["action"], r["org_code"], r["outcome"]) for r in rows] == [
        ("transfer.request", "LA873", "ok"),
        ("transfer.read", "LA926", "ok"),
        ("transfer.read", "LA873", "ok"),
        ("transfer.decide", "LA926", "ok"),
    ]
    assert rows[0]["query"] == {"child_id": str(child_id), "to_la": "926"}
    assert rows[-1]["query"] == {"transfer_id": transfer["id"], "decision": "accept"}


@pytest.mark.parametrize("who, to_la, body, status, field, detail", [
    ("norfolk", "926", None, 403, None, "only the owning LA's data managers may transfer this child"),
    ("suffolk", "926", None, 403, None, "only the owning LA's data managers"),
    ("cambs", "873", None, 400, "to_la", "already owned by this LA"),
    ("cambs", "999", None, 400, "to_la", "no local authority with this code"),
    ("cambs", "x" * 11, None, 400, "to_la", None),
    ("cambs", None, {"to_la": "926", "note": "hi"}, 400, "note", None),
    ("cambs", None, {}, 400, "to_la", None),
])
async def test_request_refused(client, tokens, norfolk, suffolk, child_id, conn, who, to_la, body, status, field,
                               detail):
    token = {"cambs": tokens["la_data_manager"], "norfolk": norfolk, "suffolk": suffolk}[who]
    r = await client.post(f"/children/{child_id}/transfers", json=body if body is not None else {"to_la": to_la},
                          headers=bearer(token))
    problem(r, status, field, detail)
    if status == 403:
        row = await audit_of(conn, r)
        assert (row["action"], row["outcome"], row["child_ids"]) == ("transfer.request", "denied", [child_id])
    assert await conn.fetchval("SELECT count(*) FROM transfer_requests") == 0


async def test_request_for_unknown_child_or_bad_id(client, tokens):
    problem(await ask(client, tokens["la_data_manager"], uuid.uuid4()), 404, "child_id")
    problem(await ask(client, tokens["la_data_manager"], "not-an-id"), 400, "child_id")


async def test_one_open_request_at_a_time(client, tokens, norfolk, suffolk, child_id, conn):
    cambs = tokens["la_data_manager"]
    first = (await ask(client, cambs, child_id)).json()
    problem(await ask(client, cambs, child_id), 409, detail="already open")
    problem(await ask(client, cambs, child_id, to_la="935"), 409, detail="already open")
    # Withdrawn, the way is clear for a new request.
    r = await act(client, cambs, first["id"], "withdraw")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn", r.text
    assert (await ask(client, cambs, child_id, to_la="935")).status_code == 201
    assert await conn.fetchval("SELECT count(*) FROM transfer_requests WHERE child_id = $1", child_id) == 2


@pytest.mark.parametrize("who, what", [
    ("cambs", "accept"), ("cambs", "decline"), ("suffolk", "accept"), ("suffolk", "decline"),
    ("norfolk", "withdraw"), ("suffolk", "withdraw"),
])
async def test_only_the_right_side_may_act(client, tokens, norfolk, suffolk, child_id, conn, who, what):
    token = {"cambs": tokens["la_data_manager"], "norfolk": norfolk, "suffolk": suffolk}[who]
    transfer = (await ask(client, tokens["la_data_manager"], child_id)).json()
    r = await act(client, token, transfer["id"], what)
    body = problem(r, 403)
    side = "sending" if what == "withdraw" else "receiving"
    assert body["detail"] == f"only the {side} LA's data managers may {what} this transfer"
    row = await audit_of(conn, r)
    assert (row["outcome"], row["query"]["transfer_id"], row["child_ids"]) == ("denied", transfer["id"], [child_id])
    assert await conn.fetchval("SELECT status FROM transfer_requests") == "requested"
    assert await conn.fetchval("SELECT owning_la FROM children WHERE id = $1", child_id) == "873"


@pytest.mark.parametrize("first, then, detail", [
    ("decline", "accept", "this transfer was already declined"),
    ("decline", "decline", "this transfer was already declined"),
    ("decline", "withdraw", "this transfer was already declined"),
    ("accept", "accept", "this transfer was already accepted"),
    ("accept", "decline", "this transfer was already accepted"),
    ("accept", "withdraw", "this transfer was already accepted"),
    ("withdraw", "accept", "this transfer was already withdrawn"),
    ("withdraw", "withdraw", "this transfer was already withdrawn"),
])
async def test_a_settled_transfer_cannot_be_acted_on_again(client, tokens, norfolk, child_id, conn, first, then,
                                                           detail):
    cambs = tokens["la_data_manager"]
    side = {"accept": norfolk, "decline": norfolk, "withdraw": cambs}
    transfer = (await ask(client, cambs, child_id)).json()
    assert (await act(client, side[first], transfer["id"], first)).status_code == 200
    owner = await conn.fetchval("SELECT owning_la FROM children WHERE id = $1", child_id)
    assert owner == ("926" if first == "accept" else "873")
    r = await act(client, side[then], transfer["id"], then)
    problem(r, 409, detail=detail)
    row = await audit_of(conn, r)
    assert (row["outcome"], row["child_ids"]) == ("conflict", [child_id])
    assert await conn.fetchval("SELECT owning_la FROM children WHERE id = $1", child_id) == owner


async def test_concurrent_requests_open_one(client, tokens, suffolk, child_id, conn):
    cambs = tokens["la_data_manager"]
    first, second = await asyncio.gather(ask(client, cambs, child_id), ask(client, cambs, child_id, to_la="935"))
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    assert await conn.fetchval("SELECT count(*) FROM transfer_requests") == 1


async def test_accept_rechecks_the_owner(client, tokens, norfolk, child_id, conn):
    transfer = (await ask(client, tokens["la_data_manager"], child_id)).json()
    await conn.execute("UPDATE children SET owning_la = '926' WHERE id = $1", child_id)
    problem(await act(client, norfolk, transfer["id"], "accept"), 409, detail="no longer owned")
    assert await conn.fetchval("SELECT status FROM transfer_requests") == "requested"


async def test_unknown_transfer_and_bad_ids(client, norfolk):
    problem(await act(client, norfolk, uuid.uuid4(), "accept"), 404, "transfer_id")
    problem(await act(client, norfolk, "nope", "decline"), 400, "transfer_id")


@pytest.mark.parametrize("query, field", [
    ({"direction": "sideways"}, "direction"),
    ({"status": "pending"}, "status"),
    ({"limit": "0"}, "limit"),
    ({"limit": "many"}, "limit"),
    ({"la": "926"}, "la"),
])
async def test_list_rejects_bad_values(client, norfolk, query, field):
    problem(await client.get("/transfers", params=query, headers=bearer(norfolk)), 400, field)


async def test_list_filters_by_status(client, tokens, norfolk, pool, child_id):
    async with pool.acquire() as conn:
        other = await registry.create_child(conn, factories.child(
            forename="Olivia", nhs_number=factories.nhs_number(2), upn=factories.upn(serial=2)))
    cambs = tokens["la_data_manager"]
    declined = (await ask(client, cambs, child_id)).json()
    await act(client, norfolk, declined["id"], "decline")
    open_ = (await ask(client, cambs, other)).json()
    headers = bearer(norfolk)
    every = (await client.get("/transfers", params={"direction": "incoming"}, headers=headers)).json()
    assert {t["id"] for t in every["items"]} == {declined["id"], open_["id"]}
    for status, expected in (("requested", [open_["id"]]), ("declined", [declined["id"]]), ("accepted", [])):
        page = (await client.get("/transfers", params={"status": status}, headers=headers)).json()
        assert [t["id"] for t in page["items"]] == expected, status
    # Norfolk has sent nothing.
    assert (await client.get("/transfers", params={"direction": "outgoing"}, headers=headers)).json()["count"] == 0
