"""Subject access in the domain: index.sar.export holds every part of a child's record,
with link history, ended involvements, cleared indicators and the access history, and
nothing about any other child; render_text loses nothing the JSON holds."""

import datetime as dt
import uuid

import msgspec
import pytest

from index import audit, auth, review, sar
from tests import factories
from tests.review_data import manager, scene

START, END = dt.date(2023, 1, 9), dt.date(2024, 6, 30)


async def run(conn, fn, *args, **kwargs):
    async with conn.transaction():
        return await fn(conn, *args, **kwargs)


@pytest.fixture
async def s(conn):
    """Amelia (LA record E1) and Olivia, twins; the school's record S1 linked to Amelia by a
    review decision, split and linked again; an ended health visiting involvement with a
    cleared indicator; a view of Amelia and a search that found both twins."""
    await factories.seed_orgs(conn)
    mgr = await manager(conn)
    s = await scene(conn)
    await run(conn, review.decide, mgr, s.item, action="link", child_id=s.amelia)
    split = await run(conn, review.unlink, mgr, s.incoming)
    await run(conn, review.reverse, mgr, split.review_id)
    nurse = await auth.add_user(conn, name="Nell Nurse", org_code="HV873", role="practitioner", phone="01632 960400")
    inv = await conn.fetchval(
        """INSERT INTO involvements (child_id, org_id, contact_name, contact_phone, start_date, end_date, source,
                                     created_by, ended_by)
           SELECT $1, id, 'Nell Nurse', '01632 960401', $2, $3, 'practitioner', $4, $4
             FROM organisations WHERE code = 'HV873' RETURNING id""", s.amelia, START, END, nurse)
    await conn.execute(
        """INSERT INTO indicators (involvement_id, kind, set_by, set_at, cleared_at, cleared_by)
           VALUES ($1, 'taking_action', $2, '2023-02-01T09:00Z', '2024-06-01T09:00Z', $2)""", inv, nurse)
    await conn.execute(
        """INSERT INTO child_former_names (child_id, forename, surname) VALUES ($1, 'Amelia', 'Oldsurname')""",
        s.amelia)
    await conn.execute(
        """INSERT INTO connexions_opt_outs (child_id, requested_by, received_via, recorded_by)
           VALUES ($1, 'parent', 'la', $2)""", s.amelia, mgr.user_id)
    for action, children in (("child.view", [s.amelia]), ("child.search", [s.olivia, s.amelia])):
        await audit.record(conn, audit.Event(
            request_id=uuid.uuid4(), action=action, outcome="ok", status=200, user_id=nurse, org_code="HV873",
            role="practitioner", reason="service_delivery", case_ref="CP-2024/1", query={"surname": "Testwood"},
            child_ids=children))
    s.mgr, s.nurse = mgr, nurse
    return s


async def test_export_holds_every_part(conn, s):
    got = await sar.export(conn, s.amelia)
    c = got.child
    # The child as re-derived from its linked records (survivorship): the LA's E1 outranks
    # the school's S1 on the forename; only S1 gives middle names.
    assert (c.id, c.forename, c.middle_names, c.surname, c.sex, c.dob, c.owning_la, c.owning_la_name,
            c.shielded) == (s.amelia, "Amelia", "Mae", "Testwood", "female", dt.date(2015, 3, 14), "873",
                            "Cambridgeshire", False)
    assert [(f.forename, f.surname) for f in c.former_names] == [("Amelia", "Oldsurname")]
    assert (c.address.state, c.address.line1, c.address.postcode) == ("known", "12 Mill Lane", "PE1 1AA")
    assert {(i.scheme, i.value, i.valid, i.source) for i in got.identifiers} >= {
        ("upn", factories.upn(serial=1), True, "LA873"), ("nhs_number", factories.nhs_number(1), True, "LA873")}
    assert [(k.forename, k.surname, k.relationship) for k in got.carers] == [("Sam", "Testwood", "PAM")]
    assert (got.connexions_opt_out.requested_by, got.connexions_opt_out.recorded_by.name) == ("parent", "Data Manager")

    records = {(r.source.code, r.record_key): r for r in got.source_records}
    assert set(records) == {("LA873", "E1"), ("8732001", "S1")}
    assert [link.method for link in records["LA873", "E1"].links] == ["new"]
    school = records["8732001", "S1"]
    assert (school.fields.forename, school.fields.middle_names, school.fields.upn) == (
        "Ava", "Mae", factories.upn(serial=7))
    assert [(k.position, k.forename, k.relationship) for k in school.carers] == [(1, "Sarah", "PAM")]
    first, again = school.links
    assert (first.method, first.match_weight, first.linked_by.name, first.unlinked_by.name) == (
        "manual", 18.0, "Data Manager", "Data Manager")
    assert first.unlinked_at is not None and first.linked_at <= first.unlinked_at <= again.linked_at
    assert (again.method, again.unlinked_at, again.unlinked_by) == ("manual", None, None)

    items = sorted(got.review_items, key=lambda r: r.created_at)
    assert [(r.record_key, r.candidate_rank, r.split_of_this_child, r.decided_for_this_child, r.status)
            for r in items] == [("S1", 1, False, True, "linked"), ("S1", None, True, True, "linked")]

    by_org = {}
    for v in got.involvements:
        by_org.setdefault(v.organisation.code, []).append(v)
    [hv] = by_org["HV873"]
    assert (hv.start_date, hv.end_date, hv.contact.name, hv.created_by.name, hv.ended_by.name) == (
        START, END, "Nell Nurse", "Nell Nurse", "Nell Nurse")
    [ind] = hv.indicators
    assert (ind.kind, ind.set_by.name, ind.cleared_by.organisation) == ("taking_action", "Nell Nurse", "HV873")
    assert ind.cleared_at == dt.datetime(2024, 6, 1, 9, tzinfo=dt.UTC)
    # The school's census involvement: ended by the split, opened again by the relink.
    assert sorted(v.end_date is None for v in by_org["8732001"]) == [False, True]

    events = [(e.action, e.user_name, e.org_code, e.organisation, e.role, e.reason, e.case_ref)
              for e in got.access_history]
    assert events == [(a, "Nell Nurse", "HV873", "Health Visiting", "practitioner", "service_delivery", "CP-2024/1")
                      for a in ("child.view", "child.search")]
    assert got.generated_at.tzinfo is not None


async def test_no_other_childs_data(conn, s):
    amelia = msgspec.json.encode(await sar.export(conn, s.amelia)).decode()
    assert str(s.olivia) not in amelia and "Olivia" not in amelia
    olivia = await sar.export(conn, s.olivia)
    encoded = msgspec.json.encode(olivia).decode()
    assert str(s.amelia) not in encoded and "Amelia" not in encoded and "Nell Nurse" in encoded
    assert [r.record_key for r in olivia.source_records] == ["E2"]
    # Olivia was a candidate for the school's record: the item shows, the record's key not.
    [item] = olivia.review_items
    assert (item.source, item.record_key, item.candidate_rank, item.decided_for_this_child) == (
        "8732001", None, 2, False)


async def test_a_record_now_linked_to_another_child_keeps_only_its_links(conn, s):
    await conn.execute("UPDATE links SET unlinked_at = now() WHERE source_record_id = $1 AND unlinked_at IS NULL",
                       s.incoming)
    await conn.execute("INSERT INTO links (source_record_id, child_id, method) VALUES ($1, $2, 'manual')",
                       s.incoming, s.olivia)
    got = await sar.export(conn, s.amelia)
    [school] = [r for r in got.source_records if r.record_key == "S1"]
    assert (school.linked_elsewhere, school.fields, school.carers, len(school.links)) == (
        True, None, [], 2)
    assert school.notice == sar.LINKED_ELSEWHERE
    assert str(s.olivia) not in msgspec.json.encode(got).decode()


async def test_unknown_child(conn, s):
    assert await sar.export(conn, uuid.uuid4()) is None
    assert await sar.owning_la(conn, uuid.uuid4()) is None
    assert await sar.owning_la(conn, s.amelia) == "873"


def _leaves(value):
    """Every scalar of an export, as render_text writes it."""
    if isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            yield from _leaves(getattr(value, name))
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, dt.datetime):
        yield value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, dt.date):
        yield value.isoformat()
    elif isinstance(value, float):
        yield f"{value:.2f}"
    elif value is not None and not isinstance(value, bool):
        yield str(value)


async def test_text_rendering_loses_nothing(conn, s):
    got = await sar.export(conn, s.amelia)
    text = sar.render_text(got)
    missing = [leaf for leaf in _leaves(got) if leaf not in text]
    assert missing == []
    for r in got.source_records:
        assert f"{r.source.code} record {r.record_key}" in text
    for i in got.identifiers:
        assert i.value in text
    for v in got.involvements:
        assert v.organisation.code in text
    for heading in ("CHILD", "IDENTIFIERS (", "CARERS (", "CONNEXIONS OPT-OUT", "INVOLVEMENTS (",
                    "SOURCE RECORDS (2)", "REVIEW ITEMS (2)", "TRANSFERS (0)", "INVESTIGATIONS (0)",
                    "ACCESS HISTORY (2)"):
        assert heading in text
    assert "Date of birth: 2015-03-14" in text and "cleared 2024-06-01 09:00 UTC" in text
    assert str(s.olivia) not in text and "Olivia" not in text

