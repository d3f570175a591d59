"""Access history and access notifications over HTTP, derived from the audit log: every
view of a child (who, organisation, when, reason) for the owning LA's data managers, and
a digest of views by others of the LA's children."""

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest

from index import access, registry
from tests import factories
from tests.api.conftest import bearer, problem


@pytest.fixture
async def s(pool, tokens, norfolk):
    """A Cambridgeshire child and a Norfolk child; a GP user besides the health visitor."""
    async with pool.acquire() as conn:
        cambs_child = await registry.create_child(conn, factories.child())
        norfolk_child = await registry.create_child(conn, factories.child(
            forename="Nora", owning_la="926", nhs_number=factories.nhs_number(2), upn=factories.upn(serial=2)))
        gp = await factories.token_for(conn, org="D81001", name="Gp User")
    return SimpleNamespace(child=cambs_child, other=norfolk_child, gp=gp, hv=tokens["practitioner"],
                           manager=tokens["la_data_manager"], norfolk=norfolk)


async def view(client, token, child, reason, **more):
    r = await client.get(f"/children/{child}", params={"reason": reason, **more}, headers=bearer(token))
    assert r.status_code == 200, r.text


async def views(client, s):
    """The health visitor and the GP view the child (and the health visitor searches for
    it); the LA's own manager views it too; the health visitor views the Norfolk child."""
    found = await client.get("/children/search", params={"surname": "Testwood", "dob": "2015-03-14",
                                                         "reason": "service_delivery"}, headers=bearer(s.hv))
    assert str(s.child) in [h["id"] for h in found.json()["results"]]
    await view(client, s.hv, s.child, "service_delivery")
    await view(client, s.gp, s.child, "emergency", case_ref="CP/2024/17")
    await view(client, s.manager, s.child, "data_quality")
    await view(client, s.hv, s.other, "safeguarding_concern")


async def history(client, token, child, **query):
    return await client.get(f"/children/{child}/access-history", params=query, headers=bearer(token))


async def test_history_lists_every_view_newest_first(client, s, conn):
    await views(client, s)
    r = await history(client, s.manager, s.child)
    assert r.status_code == 200, r.text
    page = r.json()
    assert (page["child_id"], page["count"], page["next_before_id"]) == (str(s.child), 3, None)
    got = [(e["user_name"], e["org_code"], e["org_name"], e["role"], e["action"], e["reason"], e["case_ref"])
           for e in page["entries"]]
    assert got == [
        ("Test la_data_manager", "LA873", "Cambridgeshire LA", "la_data_manager", "child.view", "data_quality", None),
        ("Gp User", "D81001", "Riverside Surgery", "practitioner", "child.view", "emergency", "CP/2024/17"),
        ("Test practitioner", "HV873", "Health Visiting", "practitioner", "child.view", "service_delivery", None),
    ]
    assert all(e["at"] for e in page["entries"])
    # Reading the history is audited, but is not a view: it is not in the history.
    row = await conn.fetchrow("SELECT action, outcome, child_ids FROM audit_events WHERE request_id = $1",
                              uuid.UUID(r.headers["x-request-id"]))
    assert (row["action"], row["outcome"], row["child_ids"]) == ("child.access_history", "ok", [s.child])
    again = (await history(client, s.manager, s.child)).json()
    assert [e["id"] for e in again["entries"]] == [e["id"] for e in page["entries"]]
    # The search named the child too, but a search is not a view of the record.
    assert await conn.fetchval("SELECT count(*) FROM audit_events WHERE action = 'child.search' "
                               "AND child_ids @> ARRAY[$1::uuid]", s.child) == 1


async def test_history_pages(client, s):
    await views(client, s)
    first = (await history(client, s.manager, s.child, limit=2)).json()
    assert first["count"] == 2 and first["next_before_id"] == first["entries"][-1]["id"]
    rest = (await history(client, s.manager, s.child, limit=2, before_id=first["next_before_id"])).json()
    assert (rest["count"], rest["next_before_id"]) == (1, None)
    assert rest["entries"][0]["org_code"] == "HV873"


async def test_history_is_for_the_owning_la_only(client, s, conn):
    await views(client, s)
    r = await history(client, s.norfolk, s.child)
    problem(r, 403)
    row = await conn.fetchrow("SELECT action, outcome, child_ids FROM audit_events WHERE request_id = $1",
                              uuid.UUID(r.headers["x-request-id"]))
    assert (row["action"], row["outcome"], row["child_ids"]) == ("child.access_history", "denied", [s.child])
    # Norfolk's own child: its history is Norfolk's, not Cambridgeshire's.
    problem(await history(client, s.manager, s.other), 403)
    other = (await history(client, s.norfolk, s.other)).json()
    assert [e["org_code"] for e in other["entries"]] == ["HV873"]
    problem(await history(client, s.hv, s.child), 403)         # not a data manager: the guard
    problem(await history(client, s.manager, uuid.uuid4()), 404, "child_id")


async def test_digest(client, s, conn):
    await views(client, s)
    r = await client.get("/access-notifications", headers=bearer(s.manager))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["la_code"], body["count"]) == ("873", 1)
    [item] = body["children"]
    assert (item["child_id"], item["views"], item["emergency_views"]) == (str(s.child), 2, 1)
    assert item["organisations"] == [{"code": "D81001", "name": "Riverside Surgery"},
                                     {"code": "HV873", "name": "Health Visiting"}]
    last = await conn.fetchval("SELECT max(at) FROM audit_events WHERE action = 'child.view' AND org_code <> 'LA873'"
                               " AND child_ids @> ARRAY[$1::uuid]", s.child)
    assert dt.datetime.fromisoformat(item["last_viewed_at"]) == last
    assert dt.timedelta(hours=23) < (dt.datetime.fromisoformat(body["until"])
                                     - dt.datetime.fromisoformat(body["since"])) <= dt.timedelta(hours=24)
    row = await conn.fetchrow("SELECT action, outcome, child_ids FROM audit_events WHERE request_id = $1",
                              uuid.UUID(r.headers["x-request-id"]))
    assert (row["action"], row["outcome"], row["child_ids"]) == ("access.digest", "ok", [s.child])
    # Norfolk's digest has only its own child, viewed by the health visitor.
    theirs = (await client.get("/access-notifications", headers=bearer(s.norfolk))).json()
    assert [(c["child_id"], c["views"], [o["code"] for o in c["organisations"]]) for c in theirs["children"]] == [
        (str(s.other), 1, ["HV873"])]
    # Reading the digest and the history are not views: the digest is unchanged.
    await history(client, s.manager, s.child)
    again = (await client.get("/access-notifications", headers=bearer(s.manager))).json()
    assert again["children"][0]["views"] == 2


async def test_digest_window(client, s):
    await views(client, s)
    now = dt.datetime.now(dt.UTC)
    later = {"since": (now + dt.timedelta(hours=1)).isoformat(), "until": (now + dt.timedelta(hours=2)).isoformat()}
    assert (await client.get("/access-notifications", params=later, headers=bearer(s.manager))).json()["count"] == 0
    around = {"since": (now - dt.timedelta(days=30)).isoformat()}
    page = (await client.get("/access-notifications", params=around, headers=bearer(s.manager))).json()
    assert page["count"] == 1


async def test_digest_excludes_only_the_las_own_managers(pool, s, client):
    """Another LA's data manager viewing the child is a view by others."""
    await view(client, s.norfolk, s.child, "service_delivery")
    await view(client, s.manager, s.child, "data_quality")
    async with pool.acquire() as conn:
        now = dt.datetime.now(dt.UTC)
        [item] = await access.digest(conn, "873", since=now - dt.timedelta(hours=1), until=now + dt.timedelta(hours=1))
    assert (item.views, [o.code for o in item.organisations]) == (1, ["LA926"])


@pytest.mark.parametrize("path, query, field", [
    ("history", {"limit": "0"}, "limit"),
    ("history", {"limit": "201"}, "limit"),
    ("history", {"limit": "ten"}, "limit"),
    ("history", {"before_id": "x"}, "before_id"),
    ("history", {"reason": "emergency"}, "reason"),
    ("digest", {"since": "yesterday"}, "since"),
    ("digest", {"until": "2024-13-01"}, "until"),
    ("digest", {"since": "2024-05-02T00:00:00Z", "until": "2024-05-01T00:00:00Z"}, "until"),
    ("digest", {"since": "2024-01-01T00:00:00Z", "until": "2024-03-01T00:00:00Z"}, "since"),
    ("digest", {"la": "926"}, "la"),
])
async def test_bad_query_values(client, s, path, query, field):
    url = f"/children/{s.child}/access-history" if path == "history" else "/access-notifications"
    problem(await client.get(url, params=query, headers=bearer(s.manager)), 400, field)


async def test_bad_child_id(client, s):
    problem(await client.get("/children/nope/access-history", headers=bearer(s.manager)), 400, "child_id")
