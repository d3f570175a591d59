"""Misuse rules in the domain and the `isindex misuse` command, against the real database."""

import asyncio
import json
import uuid

import asyncpg
import msgspec
import pytest

from index import audit, auth, errors, misuse, registry
from tests import factories


@pytest.mark.parametrize("name, keys", [
    ("Jo Testwood", {"testwood"}),
    ("Jo Smith-Jones", {"smithjones", "smith", "jones"}),
    ("Pat O'Brien", {"obrien"}),
    ("Ana van der Berg", {"berg", "vanderberg"}),
    ("Zoë Ødegård", {"odegard"}),
    ("Jo X-Li", {"xli", "li"}),
    ("", set()),
])
def test_surname_keys(name, keys):
    assert misuse.surname_keys(name) == keys


@pytest.mark.parametrize("name, searched, own", [
    ("Jo Testwood", "Testwood", True),
    ("Jo Testwood", "TESTWOOD ", True),
    ("Jo Smith-Jones", "Jones", True),
    ("Jo Smith-Jones", "Smith Jones", True),
    ("Pat O'Brien", "O Brien", True),
    ("Zoë Ødegård", "Odegard", True),
    ("Test practitioner", "Testwood", False),
    ("Jo Testwood", "Test", False),
    ("Jo Testwood", None, False),
])
def test_is_own_surname(name, searched, own):
    who = auth.Principal(user_id=uuid.uuid4(), name=name, role="practitioner", org_id=1, org_code="HV873",
                         org_kind="health_visiting", la_code="873", phone=None, email=None)
    assert misuse.is_own_surname(who, searched) is own


@pytest.fixture
async def practitioner(conn):
    await factories.seed_orgs(conn)
    return await auth.authenticate(conn, await factories.token_for(conn, org="HV873", name="Jo Testwood"))


async def viewed(conn, who, child_ids, *, outcome="ok", action="child.view", minutes_ago=0):
    """The misuse check then the audit event of a view, as the audit dependency (api.audited) does them (the
    check only for an ok request)."""
    async with conn.transaction():
        alerts = await misuse.check(conn, who, action=action, child_ids=child_ids, query={}) if outcome == "ok" else []
        await audit.record(conn, audit.Event(request_id=uuid.uuid4(), action=action, outcome=outcome, status=200,
                                             user_id=who.user_id, org_code=who.org_code, role=who.role,
                                             child_ids=child_ids))
        if minutes_ago:   # back-date it (the append-only trigger is skipped for this test update)
            await conn.execute("SET LOCAL session_replication_role = replica")
            await conn.execute("UPDATE audit_events SET at = at - make_interval(mins => $1) "
                               "WHERE id = (SELECT max(id) FROM audit_events)", minutes_ago)
        return alerts


async def new_children(conn, count, owning_la="873"):
    return [await registry.create_child(conn, factories.child(nhs_number=factories.nhs_number(2000 + 10 * i),
                                                              upn=factories.upn(la=owning_la, serial=i),
                                                              owning_la=owning_la)) for i in range(count)]


async def test_only_recent_ok_views_by_the_user_count(conn, practitioner):
    await misuse.set_rule(conn, "distinct_children", threshold=2, window_minutes=30)
    ids = await new_children(conn, 5)
    other = await auth.authenticate(conn, await factories.token_for(conn, org="HV873"))
    assert await viewed(conn, practitioner, [ids[0]], minutes_ago=31) == []     # outside the window
    assert await viewed(conn, practitioner, [ids[1]], outcome="not_found") == []
    assert await viewed(conn, practitioner, [ids[2]], action="child.search") == []  # a search is no view
    assert await viewed(conn, other, [ids[3]]) == []
    assert await viewed(conn, practitioner, [ids[3]]) == []
    assert await viewed(conn, practitioner, [ids[4]]) == []          # 2 distinct children: not above 2
    [alert] = await viewed(conn, practitioner, [ids[0]], action="child.override")   # a view, too
    assert alert.details["distinct_children"] == 3 and alert.rule_code == "distinct_children"
    assert await conn.fetchval("SELECT suspended_at IS NOT NULL FROM users WHERE id = $1", practitioner.user_id)


async def test_a_user_without_an_la_is_never_out_of_area(conn, practitioner):
    await misuse.set_rule(conn, "out_of_area", threshold=0)
    [away] = await new_children(conn, 1, owning_la="926")
    nowhere = msgspec.structs.replace(practitioner, la_code=None)
    assert await viewed(conn, nowhere, [away]) == []
    assert [a.rule_code for a in await viewed(conn, practitioner, [away])] == ["out_of_area"]


async def test_rule_queries_can_use_the_audit_indexes(conn, practitioner):
    ids = await new_children(conn, 1)
    await conn.execute("SET enable_seqscan = off")
    for name, args in [("misuse_distinct_children", [ids]), ("misuse_out_of_area", ["873", ids])]:
        plan = await conn.fetch("EXPLAIN " + misuse.sql.load(name), practitioner.user_id, name[7:], 60, 3,
                                list(misuse.VIEW_ACTIONS), "alert", *args)
        text = "\n".join(r[0] for r in plan)
        assert "audit_events_user" in text, text


async def test_reinstating_waits_for_every_suspending_alert(conn, practitioner):
    auditor = await auth.authenticate(conn, await factories.token_for(conn, org="LA873", role="auditor"))
    await misuse.set_rule(conn, "distinct_children", threshold=0)
    await misuse.set_rule(conn, "out_of_area", threshold=0, action="suspend")
    [away] = await new_children(conn, 1, owning_la="926")
    first, second = await viewed(conn, practitioner, [away])
    with pytest.raises(errors.Conflict) as caught:
        async with conn.transaction():
            await misuse.close(conn, auditor, first.id, outcome="no_misuse", reinstate=True)
    assert caught.value.field == "reinstate"
    closed = await misuse.close(conn, auditor, first.id, outcome="no_misuse")
    assert (closed.status, closed.closed_by, closed.org_code) == ("closed", auditor.user_id, "HV873")
    await misuse.close(conn, auditor, second.id, outcome="referred", reinstate=True)
    assert await conn.fetchval("SELECT suspended_at FROM users WHERE id = $1", practitioner.user_id) is None
    with pytest.raises(errors.Forbidden):
        await misuse.close(conn, practitioner, second.id, outcome="misuse")   # about yourself


async def test_alert_details_refuse_names(conn, practitioner):
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.execute("INSERT INTO misuse_alerts (rule_code, user_id, details) VALUES ('own_surname', $1, $2)",
                           practitioner.user_id, {"surname": "O'Brien"})


@pytest.mark.parametrize("code, settings, error, field", [
    ("nosuch", {"threshold": 3}, errors.NotFound, "code"),
    ("distinct_children", {"threshold": -1}, errors.Invalid, "threshold"),
    ("distinct_children", {"window_minutes": 0}, errors.Invalid, "window_minutes"),
    ("distinct_children", {"action": "ban"}, errors.Invalid, "action"),
    ("own_surname", {"threshold": 2}, errors.Invalid, "threshold"),
    ("own_surname", {"window_minutes": 60}, errors.Invalid, "window_minutes"),
])
async def test_set_rule_refuses(conn, code, settings, error, field):
    with pytest.raises(error) as caught:
        await misuse.set_rule(conn, code, **settings)
    assert caught.value.field == field


def isindex(monkeypatch, capsys, database_url, *args):
    from cli.main import main

    monkeypatch.setenv("DATABASE_URL", database_url)
    try:
        code = main(list(args))
    except SystemExit as exc:     # argparse: --help, usage errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_misuse_command(monkeypatch, capsys, database_url):
    code, out, _ = isindex(monkeypatch, capsys, database_url, "misuse", "rules", "--json")
    assert code == 0
    assert {r["code"]: (r["threshold"], r["window_minutes"], r["action"], r["enabled"]) for r in json.loads(out)} == {
        "distinct_children": (50, 60, "suspend", True),
        "own_surname": (1, None, "alert", True),
        "out_of_area": (20, 60, "alert", True),
    }
    code, out, _ = isindex(monkeypatch, capsys, database_url, "misuse", "set", "out_of_area", "--threshold", "5",
                           "--window-minutes", "30", "--action", "suspend", "--disable")
    assert code == 0 and "out_of_area" in out
    code, out, _ = isindex(monkeypatch, capsys, database_url, "misuse", "rules")
    assert code == 0
    [row] = [line.split() for line in out.splitlines() if line.startswith("out_of_area")]
    assert row == ["out_of_area", "out_of_area", "5", "30", "min", "suspend", "no"]
    code, _, _ = isindex(monkeypatch, capsys, database_url, "misuse", "set", "--help")
    assert code == 0

    async def audited():
        conn = await asyncpg.connect(database_url)
        try:
            return await conn.fetchval("SELECT query::text FROM audit_events WHERE action = 'misuse.rule_set'")
        finally:
            await conn.close()

    assert json.loads(asyncio.run(audited())) == {"via": "cli", "code": "out_of_area", "threshold": 5,
                                                  "window_minutes": 30, "action": "suspend", "enabled": False}


@pytest.mark.parametrize("args, message", [
    (["nosuch", "--threshold", "3"], "no misuse rule 'nosuch'"),
    (["distinct_children", "--threshold", "many"], "--threshold: 'many' is not a whole number"),
    (["distinct_children", "--threshold", "-4"], "--threshold: must be between 0"),
    (["distinct_children", "--window-minutes", "0"], "--window-minutes: must be between 1"),
    (["distinct_children", "--action", "ban"], "--action: must be one of: alert, suspend"),
    (["own_surname", "--threshold", "3"], "--threshold: own_surname fires on every such search"),
    (["distinct_children"], "nothing to change"),
])
def test_misuse_set_refuses(monkeypatch, capsys, database_url, args, message):
    code, _, err = isindex(monkeypatch, capsys, database_url, "misuse", "set", *args)
    assert code == 1 and message in err, err
