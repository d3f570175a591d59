"""Subject access over HTTP: the owning LA's data manager exports a child's whole record,
as JSON or text, audited as child.sar; another LA's manager gets 403; errors name the field."""

import datetime as dt
import uuid

import pytest

from tests import factories
from tests.api.conftest import bearer, problem
from tests.review_data import scene

REASON = {"reason": "service_delivery"}
SAR = {"reason": "subject_access_request", "case_ref": "SAR-2024/7"}


async def audit_of(conn, response):
    return await conn.fetchrow("SELECT action, outcome, status, reason, case_ref, child_ids, query, user_id "
                               "FROM audit_events WHERE request_id = $1", uuid.UUID(response.headers["x-request-id"]))


@pytest.fixture
async def s(client, pool, tokens):
    """Amelia and Olivia (twins, LA 873). The school's record S1 is linked to Amelia, split
    and linked again; the health visitor registers an involvement, sets and clears an
    indicator and ends it; two views of Amelia and a search that finds both twins."""
    async with pool.acquire() as conn:
        s = await scene(conn)
    dm, hv = bearer(tokens["la_data_manager"]), bearer(tokens["practitioner"])
    r = await client.post(f"/review/{s.item}/decision", json={"action": "link", "child_id": str(s.amelia)},
                          headers=dm)
    assert r.status_code == 200, r.text
    split = await client.post(f"/source-records/{s.incoming}/unlink", headers=dm)
    assert split.status_code == 200, split.text
    assert (await client.post(f"/review/{split.json()['review_id']}/reverse", headers=dm)).status_code == 200
    r = await client.post(f"/children/{s.amelia}/involvements", json={"start_date": "2024-09-01"}, headers=hv)
    assert r.status_code == 201, r.text
    s.involvement = r.json()["id"]
    r = await client.post(f"/involvements/{s.involvement}/indicators", json={"kind": "taking_action"}, headers=hv)
    assert (await client.post(f"/indicators/{r.json()['id']}/clear", headers=hv)).status_code == 200
    r = await client.post(f"/involvements/{s.involvement}/end", json={"end_date": dt.date.today().isoformat()},
                          headers=hv)
    assert r.status_code == 200, r.text
    for _ in range(2):
        assert (await client.get(f"/children/{s.amelia}", params=REASON, headers=hv)).status_code == 200
    found = await client.get("/children/search", params={**REASON, "surname": "Testwood", "dob": "2015-03-14"},
                             headers=hv)
    assert {h["id"] for h in found.json()["results"]} >= {str(s.amelia), str(s.olivia)}
    return s


async def test_export_as_json(client, tokens, s, conn):
    r = await client.get(f"/children/{s.amelia}/subject-access", params=SAR,
                         headers=bearer(tokens["la_data_manager"]))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert str(s.olivia) not in r.text and "Olivia" not in r.text
    got = r.json()
    child = got["child"]
    assert (child["id"], child["forename"], child["middle_names"], child["surname"], child["dob"]) == (
        str(s.amelia), "Amelia", "Mae", "Testwood", "2015-03-14")   # survivorship: the LA's forename
    assert child["address"]["postcode"] == "PE1 1AA" and child["owning_la"] == "873"
    assert {(i["scheme"], i["value"]) for i in got["identifiers"]} >= {
        ("upn", factories.upn(serial=1)), ("upn", factories.upn(serial=7)), ("nhs_number", factories.nhs_number(1))}
    records = {r["record_key"]: r for r in got["source_records"]}
    assert set(records) == {"E1", "S1"}
    first, again = records["S1"]["links"]
    assert (first["method"], first["linked_by"]["name"], first["unlinked_by"]["name"]) == (
        "manual", "Test la_data_manager", "Test la_data_manager")
    assert first["unlinked_at"] and again["unlinked_at"] is None
    assert records["S1"]["source"] == {"code": "8732001", "kind": "school", "name": "Fen Primary"}
    assert records["S1"]["fields"]["forename"] == "Ava" and records["S1"]["carers"][0]["forename"] == "Sarah"

    [hv] = [v for v in got["involvements"] if v["organisation"]["code"] == "HV873"]
    assert (hv["id"], hv["start_date"], hv["end_date"]) == (s.involvement, "2024-09-01", dt.date.today().isoformat())
    [ind] = hv["indicators"]
    assert ind["kind"] == "taking_action" and ind["cleared_at"] and ind["set_by"]["name"] == "Test practitioner"

    history = got["access_history"]
    assert [e["at"] for e in history] == sorted(e["at"] for e in history)
    views = [e for e in history if e["action"] == "child.view"]
    assert [(e["user_name"], e["org_code"], e["organisation"], e["role"], e["reason"]) for e in views] == [
        ("Test practitioner", "HV873", "Health Visiting", "practitioner", "service_delivery")] * 2
    actions = {e["action"] for e in history}
    assert {"child.search", "review.decide", "link.unlink", "indicator.clear", "involvement.end"} <= actions

    row = await audit_of(conn, r)
    assert (row["action"], row["outcome"], row["reason"], row["case_ref"], row["child_ids"]) == (
        "child.sar", "ok", "subject_access_request", "SAR-2024/7", [s.amelia])
    # The next export shows this one in the access history.
    again = await client.get(f"/children/{s.amelia}/subject-access", params=SAR,
                             headers=bearer(tokens["la_data_manager"]))
    assert again.json()["access_history"][-1]["action"] == "child.sar"


async def test_export_as_text(client, tokens, s):
    j = (await client.get(f"/children/{s.amelia}/subject-access", params=SAR,
                          headers=bearer(tokens["la_data_manager"]))).json()
    r = await client.get(f"/children/{s.amelia}/subject-access", params={**SAR, "format": "text"},
                         headers=bearer(tokens["la_data_manager"]))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    text = r.text
    assert text.startswith("SUBJECT ACCESS EXPORT") and str(s.amelia) in text
    for record in j["source_records"]:
        assert f"{record['source']['code']} record {record['record_key']}" in text
    for ident in j["identifiers"]:
        assert ident["value"] in text
    for inv in j["involvements"]:
        assert inv["organisation"]["code"] in text and inv["organisation"]["name"] in text
    assert "by Test practitioner (practitioner, HV873 Health Visiting)" in text
    assert str(s.olivia) not in text and "Olivia" not in text


async def test_only_the_owning_las_data_manager(client, tokens, s, conn, norfolk):
    r = await client.get(f"/children/{s.amelia}/subject-access", params=SAR, headers=bearer(norfolk))
    body = problem(r, 403, "child_id")
    assert "owning LA (873)" in body["detail"]
    row = await audit_of(conn, r)
    assert (row["action"], row["outcome"], row["status"], row["child_ids"]) == ("child.sar", "denied", 403, [s.amelia])
    problem(await client.get(f"/children/{s.amelia}/subject-access", params=SAR,
                             headers=bearer(tokens["practitioner"])), 403)


@pytest.mark.parametrize("path, query, status, field", [
    ("{unknown}", SAR, 404, "child_id"),
    ("not-an-id", SAR, 400, "child_id"),
    ("{amelia}", {**SAR, "format": "pdf"}, 400, "format"),
    ("{amelia}", {"format": "text"}, 400, "reason"),
    ("{amelia}", {"reason": "curiosity"}, 400, "reason"),
    ("{amelia}", {**SAR, "case_ref": "no"}, 400, "case_ref"),
    ("{amelia}", {**SAR, "child": "x"}, 400, "child"),
])
async def test_errors(client, tokens, s, conn, path, query, status, field):
    cid = path.format(unknown=uuid.uuid4(), amelia=s.amelia)
    r = await client.get(f"/children/{cid}/subject-access", params=query, headers=bearer(tokens["la_data_manager"]))
    problem(r, status, field)
    if status == 404:
        assert (await audit_of(conn, r))["outcome"] == "not_found"
