"""Retention through the API: recording a death or the consent to keep until 25, and who
sees an archived child (search and view)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from index import registry
from tests import factories
from tests.api.conftest import bearer

VIEW = "/children/{}?reason={}"


@pytest.fixture
async def child(conn, tokens):
    return await registry.create_child(conn, factories.child(dob=dt.date(2010, 5, 1)))


async def archive(conn, child_id, days_ago: int) -> None:
    await conn.execute("UPDATE children SET archived_at = now() - make_interval(days => $2) WHERE id = $1",
                       child_id, days_ago)


def retention_url(child_id) -> str:
    return f"/children/{child_id}/retention"


# (body, status, field named in errors[0])
RECORD = [
    ({"died_on": "2024-02-01"}, 200, None),
    ({"kept_to_25": True}, 200, None),
    ({"died_on": "2024-02-01", "kept_to_25": False}, 200, None),
    ({"died_on": None}, 200, None),
    ({}, 400, "died_on"),
    ({"died_on": (dt.date.today() + dt.timedelta(days=2)).isoformat()}, 400, "died_on"),
    ({"died_on": "2010-04-30"}, 400, "died_on"),
    ({"died_on": "yesterday"}, 400, "died_on"),
    ({"kept_to_25": "yes"}, 400, "kept_to_25"),
    ({"kept_to_25": True, "note": "care leaver"}, 400, "note"),
]


@pytest.mark.parametrize("body, status, field", RECORD)
async def test_recording_a_death_or_consent(client, tokens, conn, child, body, status, field):
    response = await client.post(retention_url(child), json=body, headers=bearer(tokens["la_data_manager"]))
    assert response.status_code == status, response.text
    row = await conn.fetchrow("SELECT died_on, kept_to_25, retention_recorded_by FROM children WHERE id = $1", child)
    if status == 200:
        got = response.json()
        assert got["child_id"] == str(child)
        if "died_on" in body:
            assert got["died_on"] == body["died_on"] and str(row["died_on"] or None) == str(body["died_on"])
        if "kept_to_25" in body:
            assert got["kept_to_25"] is body["kept_to_25"] is row["kept_to_25"]
        assert row["retention_recorded_by"] is not None
        event = await conn.fetchrow("SELECT action, outcome, child_ids, query FROM audit_events "
                                    "WHERE request_id = $1", uuid.UUID(response.headers["x-request-id"]))
        assert (event["action"], event["outcome"], event["child_ids"]) == ("child.retention", "ok", [child])
        assert event["query"] == {"child_id": str(child), "fields": sorted(body)}    # never the date
    else:
        assert response.json()["errors"][0]["field"] == field
        assert (row["died_on"], row["kept_to_25"], row["retention_recorded_by"]) == (None, False, None)


async def test_only_the_owning_las_data_managers_may_record(client, tokens, conn, child):
    other_la = await factories.token_for(conn, org="LA926", role="la_data_manager", name="Norfolk Manager")
    response = await client.post(retention_url(child), json={"kept_to_25": True}, headers=bearer(other_la))
    assert response.status_code == 403
    assert "owning local authority" in response.json()["detail"]
    for role in ("practitioner", "school", "auditor", "admin"):
        response = await client.post(retention_url(child), json={"kept_to_25": True}, headers=bearer(tokens[role]))
        assert response.status_code == 403, role
    assert await conn.fetchval("SELECT kept_to_25 FROM children WHERE id = $1", child) is False
    unknown = await client.post(retention_url(uuid.uuid4()), json={"kept_to_25": True},
                                headers=bearer(tokens["la_data_manager"]))
    assert unknown.status_code == 404


async def test_an_archived_child_is_settled(client, tokens, conn, child):
    await archive(conn, child, 10)
    response = await client.post(retention_url(child), json={"kept_to_25": True},
                                 headers=bearer(tokens["la_data_manager"]))
    assert response.status_code == 409


async def test_archived_children_are_never_found(client, tokens, conn, child):
    headers = bearer(tokens["practitioner"])
    searches = ["/children/search?surname=Testwood&dob=2010-05-01&reason=service_delivery",
                f"/children/search?nhs_number={factories.nhs_number(1)}&reason=service_delivery"]
    for url in searches:
        assert (await client.get(url, headers=headers)).json()["count"] == 1
    await archive(conn, child, 10)
    for token in (tokens["practitioner"], tokens["la_data_manager"]):
        for url in searches:
            assert (await client.get(url, headers=bearer(token))).json()["count"] == 0, url


async def test_an_archived_child_is_unknown_to_practitioners(client, tokens, conn, child):
    headers = bearer(tokens["practitioner"])
    assert (await client.get(VIEW.format(child, "service_delivery"), headers=headers)).status_code == 200
    await archive(conn, child, 10)
    other_la = await factories.token_for(conn, org="LA926", role="la_data_manager", name="Norfolk Manager")
    unknown = await client.get(VIEW.format(uuid.uuid4(), "service_delivery"), headers=headers)
    for token in (tokens["practitioner"], other_la):
        for reason in ("service_delivery", "child_protection_enquiry"):
            archived = await client.get(VIEW.format(child, reason), headers=bearer(token))
            assert archived.status_code == unknown.status_code == 404
            assert (archived.json()["detail"], archived.json()["errors"]) == (
                unknown.json()["detail"], unknown.json()["errors"])


# (days since archiving, reason, status)
DATA_MANAGER = [
    (30, "service_delivery", 200),
    (364, "data_quality", 200),
    (400, "service_delivery", 403),
    (400, "data_quality", 403),
    (400, "child_protection_enquiry", 200),
    (400, "serious_case_review", 200),
    (400, "child_death_review", 200),
]


@pytest.mark.parametrize("days, reason, status", DATA_MANAGER)
async def test_the_owning_data_manager_sees_an_archived_child(client, tokens, conn, child, days, reason, status):
    await archive(conn, child, days)
    response = await client.get(VIEW.format(child, reason), headers=bearer(tokens["la_data_manager"]))
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json()["archived_at"] is not None
        assert response.json()["forename"] == "Amelia"
    else:
        assert response.json()["errors"][0]["field"] == "reason"
        assert "child_protection_enquiry" in response.json()["detail"]
    event = await conn.fetchrow("SELECT outcome, child_ids FROM audit_events WHERE request_id = $1",
                                uuid.UUID(response.headers["x-request-id"]))
    assert (event["outcome"], event["child_ids"]) == ("ok" if status == 200 else "denied", [child])


async def test_a_recorded_death_shows_on_the_record(client, tokens, conn, child):
    headers = bearer(tokens["la_data_manager"])
    await client.post(retention_url(child), json={"died_on": "2024-02-01"}, headers=headers)
    record = (await client.get(VIEW.format(child, "service_delivery"), headers=headers)).json()
    assert (record["died_on"], record["archived_at"]) == ("2024-02-01", None)


def isindex(database_url, *args):
    from tests.processes import isindex_here as run

    return run(database_url, *args, check=False)


async def test_the_command_line_dry_run_and_run(database_url, conn, tokens, child):
    dry = isindex(database_url, "retention", "run", "--dry-run", "--today", "2028-05-01", "--json")
    assert dry.returncode == 0, dry.stderr
    got = json.loads(dry.stdout)
    assert got["dry_run"] and got["archive"]["by_rule"] == {"age_18": 1, "age_25": 0, "death": 0}
    assert got["archive"]["children"] == [{"id": str(child), "rule": "age_18"}] and got["purge"]["count"] == 0
    assert await conn.fetchval("SELECT archived_at FROM children WHERE id = $1", child) is None

    future = isindex(database_url, "retention", "run", "--today", "2999-01-01")
    assert future.returncode == 2 and "only with --dry-run" in future.stderr
    await conn.execute("UPDATE children SET dob = '2005-01-01' WHERE id = $1", child)
    done = isindex(database_url, "retention", "run", "--today", "2024-01-01")
    assert done.returncode == 0, done.stderr
    assert "archived 1 (age_18 1, age_25 0, death 0)" in done.stdout
    assert await conn.fetchval("SELECT archived_at::date FROM children WHERE id = $1", child) == dt.date(2024, 1, 1)
    assert await conn.fetchval("SELECT count(*) FROM audit_events WHERE action = 'retention.archive'") == 1


@pytest.mark.parametrize("args, message", [
    (["--today", "2025-02-30"], "is not a date"),
    (["--today", "tomorrow"], "is not a date"),
    (["--batch", "0"], "between 1 and"),
    (["--purge-everything"], "unrecognized arguments"),
])
def test_the_command_line_refuses_bad_arguments(args, message, capsys):
    from cli.main import parser

    with pytest.raises(SystemExit) as exit_:
        parser().parse_args(["retention", "run", *args])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
