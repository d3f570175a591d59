"""LA review in the domain: listing, the three decisions, reversal and splits, against
the real database. Each call runs in a transaction, as the API runs it."""

import datetime as dt
import uuid

import msgspec
import pytest

from index import errors, review
from tests import factories
from tests.index.feeds.conftest import csv_bytes, model, sources  # noqa: F401  (fixtures)
from tests.review_data import known_child, manager, review_item, scene, source_record


@pytest.fixture
async def seeded(conn):
    await factories.seed_orgs(conn)
    return await manager(conn)


async def run(conn, fn, *args, **kwargs):
    async with conn.transaction():
        return await fn(conn, *args, **kwargs)


async def current_link(conn, sid):
    return await conn.fetchrow(
        "SELECT child_id, method, linked_by, review_id FROM links WHERE source_record_id = $1 AND unlinked_at IS NULL",
        sid)


async def item_row(conn, review_id):
    return await conn.fetchrow("SELECT * FROM review_items WHERE id = $1", review_id)


async def school_involvement(conn, child_id):
    return await conn.fetchrow(
        """SELECT i.start_date, i.end_date FROM involvements i JOIN organisations o ON o.id = i.org_id
            WHERE i.child_id = $1 AND o.code = '8732001' ORDER BY i.created_at DESC LIMIT 1""", child_id)


async def identifiers_of(conn, child_id):
    return {(r["scheme"], r["value"]) for r in await conn.fetch(
        "SELECT scheme, value FROM child_identifiers WHERE child_id = $1", child_id)}


# --- listing -----------------------------------------------------------------------------------

async def test_list_shows_the_record_and_its_candidates_side_by_side(conn, seeded):
    s = await scene(conn)
    [item] = await review.list_open(conn, "873", limit=20)
    assert (item.id, item.la_code, item.reasons, item.shielded) == (s.item, "873", ["twins_guard"], False)
    r = item.record
    assert (r.source, r.record_key, r.forename, r.middle_names, r.surname, r.dob, r.gender, r.postcode) == (
        "8732001", "S1", "Ava", "Mae", "Testwood", dt.date(2015, 3, 14), "F", "PE1 1AA")
    assert r.upn == factories.upn(serial=7)
    assert [(c.rank, c.child_id, c.forename, c.match_weight) for c in item.candidates] == [
        (1, s.amelia, "Amelia", 18.0), (2, s.olivia, "Olivia", 17.0)]
    first = item.candidates[0]
    assert [(f.comparison, f.level, f.bits) for f in first.explanation][:2] == [
        ("forename", "initial", -3.14), ("surname", "exact", 5.56)]
    assert ("upn", factories.upn(serial=1)) in {(i.scheme, i.value) for i in first.identifiers}
    assert (first.postcode, first.ruled_out, first.notice) == ("PE1 1AA", False, None)
    assert await review.list_open(conn, "926", limit=20) == []


async def test_list_pages_oldest_first(conn, seeded):
    s = await scene(conn)
    more = []
    for k in range(2, 5):
        sid = await source_record(conn, "8732001", f"S{k}", forename=f"Twin{k}")
        more.append(await review_item(conn, sid, "873", [s.amelia]))
    page1 = await review.list_open(conn, "873", limit=2)
    page2 = await review.list_open(conn, "873", limit=2, after=page1[-1].id)
    assert [i.id for i in page1 + page2] == [s.item, *more]
    assert await review.list_open(conn, "873", limit=2, after=page2[-1].id) == []
    assert len(await review.list_open(conn, None, limit=10)) == 4      # the command line: every LA
    for after in (uuid.uuid4(), s.item):
        la = "926" if after == s.item else "873"
        with pytest.raises(errors.Invalid) as exc:
            await review.list_open(conn, la, limit=2, after=after)
        assert exc.value.field == "after"


async def test_a_shielded_candidate_of_another_la_shows_only_name_sex_and_dob(conn, seeded):
    other, _ = await known_child(conn, "LA926", "N1", la="926", shielded=True, serial=3, forename="Amelia")
    own, _ = await known_child(conn, "LA873", "E5", shielded=True, serial=4, forename="Amy")
    sid = await source_record(conn, "8732001", "S1")
    await review_item(conn, sid, "873", [other, own], shielded=True)
    [item] = await review.list_open(conn, "873", limit=5)
    hidden, shown = item.candidates
    assert item.shielded is True
    assert (hidden.forename, hidden.dob, hidden.shielded) == ("Amelia", dt.date(2015, 3, 14), True)
    assert (hidden.address_line1, hidden.town, hidden.postcode, hidden.identifiers) == (None, None, None, [])
    assert hidden.notice and "shielded" in hidden.notice
    assert (shown.postcode, shown.notice) == ("PE1 1AA", None) and shown.identifiers


# --- decisions and their reversal ------------------------------------------------------------------

async def test_link_then_reverse(conn, seeded):
    s = await scene(conn)
    got = await run(conn, review.decide, seeded, s.item, action="link", child_id=s.olivia)
    assert (got.status, got.child_id, got.created, got.children()) == ("linked", s.olivia, False, [s.olivia])
    link = await current_link(conn, s.incoming)
    assert (link["child_id"], link["method"], link["linked_by"], link["review_id"]) == (
        s.olivia, "manual", seeded.user_id, s.item)
    row = await item_row(conn, s.item)
    assert (row["status"], row["decided_by"], row["decided_child_id"]) == ("linked", seeded.user_id, s.olivia)
    assert (await school_involvement(conn, s.olivia))["end_date"] is None
    assert ("upn", factories.upn(serial=7)) in await identifiers_of(conn, s.olivia)
    assert await review.list_open(conn, "873", limit=5) == []
    with pytest.raises(errors.Conflict, match="already decided"):
        await run(conn, review.decide, seeded, s.item, action="new")

    back = await run(conn, review.reverse, seeded, s.item)
    assert (back.status, back.unlinked_child_id, back.children()) == ("open", s.olivia, [s.olivia])
    assert await current_link(conn, s.incoming) is None
    ended = await conn.fetchrow("SELECT unlinked_at, unlinked_by FROM links WHERE review_id = $1", s.item)
    assert ended["unlinked_at"] is not None and ended["unlinked_by"] == seeded.user_id    # kept, not deleted
    row = await item_row(conn, s.item)
    assert (row["status"], row["decided_at"], row["decided_by"], row["decided_child_id"]) == ("open", None, None, None)
    assert (await school_involvement(conn, s.olivia))["end_date"] == dt.date.today()
    ids = await identifiers_of(conn, s.olivia)
    assert ("upn", factories.upn(serial=7)) not in ids and ("upn", factories.upn(serial=2)) in ids
    assert await conn.fetchval("SELECT forename FROM children WHERE id = $1", s.olivia) == "Olivia"
    # Decided again, differently.
    again = await run(conn, review.decide, seeded, s.item, action="link", child_id=s.amelia)
    assert again.child_id == s.amelia
    assert await conn.fetchval("SELECT count(*) FROM links WHERE source_record_id = $1", s.incoming) == 2


@pytest.mark.parametrize("shielded", [False, True])
async def test_new_creates_a_child_from_the_record(conn, seeded, shielded):
    s = await scene(conn, shielded_first=shielded)
    got = await run(conn, review.decide, seeded, s.item, action="new")
    assert (got.status, got.created) == ("new", True)
    child = await conn.fetchrow("SELECT * FROM children WHERE id = $1", got.child_id)
    assert (child["forename"], child["middle_names"], child["surname"], child["sex"], child["owning_la"]) == (
        "Ava", "Mae", "Testwood", "female", "873")
    # A record that might be a shielded child (or a twin living with one) never becomes a visible record.
    assert child["shielded"] is shielded
    carer = await conn.fetchrow("SELECT forename, surname, relationship FROM carers WHERE child_id = $1", got.child_id)
    assert tuple(carer) == ("Sarah", "Testwood", "PAM")
    assert (await current_link(conn, s.incoming))["child_id"] == got.child_id
    assert (await school_involvement(conn, got.child_id))["end_date"] is None
    children = await conn.fetchval("SELECT count(*) FROM children")
    back = await run(conn, review.reverse, seeded, s.item)
    assert back.unlinked_child_id == got.child_id
    assert await conn.fetchval("SELECT count(*) FROM children") == children      # left in place
    assert await current_link(conn, s.incoming) is None


async def test_not_this_child_one_candidate_at_a_time(conn, seeded):
    s = await scene(conn)
    got = await run(conn, review.decide, seeded, s.item, action="not_this_child", child_id=s.amelia)
    assert (got.status, got.ruled_out, got.child_id) == ("open", [s.amelia], None)
    [item] = await review.list_open(conn, "873", limit=5)
    assert [c.ruled_out for c in item.candidates] == [True, False]
    with pytest.raises(errors.Invalid, match="ruled out") as exc:
        await run(conn, review.decide, seeded, s.item, action="link", child_id=s.amelia)
    assert exc.value.field == "child_id"
    with pytest.raises(errors.Conflict):
        await run(conn, review.decide, seeded, s.item, action="not_this_child", child_id=s.amelia)
    # The last candidate ruled out: the record is none of them, so it becomes a new child.
    got = await run(conn, review.decide, seeded, s.item, action="not_this_child", child_id=s.olivia)
    assert (got.status, got.created, got.ruled_out) == ("not_matched", True, [s.olivia])
    assert set(got.children()) == {s.olivia, got.child_id}
    pairs = {r["child_id"] for r in await conn.fetch(
        "SELECT child_id FROM not_matches WHERE source_record_id = $1", s.incoming)}
    assert pairs == {s.amelia, s.olivia}

    back = await run(conn, review.reverse, seeded, s.item)                     # the decision
    assert (back.status, back.restored, back.unlinked_child_id) == ("open", [s.olivia], got.child_id)
    back = await run(conn, review.reverse, seeded, s.item)                     # the rule-out before it
    assert (back.status, back.restored, back.unlinked_child_id) == ("open", [s.amelia], None)
    assert await conn.fetchval("SELECT count(*) FROM not_matches") == 0
    with pytest.raises(errors.Conflict, match="no decision"):
        await run(conn, review.reverse, seeded, s.item)


async def test_not_this_child_for_every_candidate(conn, seeded):
    s = await scene(conn)
    got = await run(conn, review.decide, seeded, s.item, action="not_this_child")
    assert (got.status, got.created, sorted(got.ruled_out)) == ("not_matched", True, sorted([s.amelia, s.olivia]))
    back = await run(conn, review.reverse, seeded, s.item)
    assert back.restored == sorted([s.amelia, s.olivia])
    assert await conn.fetchval("SELECT count(*) FROM not_matches") == 0


@pytest.mark.parametrize("who, action, child, error, field", [
    ("other_la", "new", None, errors.NotFound, "review_id"),
    ("practitioner", "new", None, errors.NotFound, "review_id"),
    ("manager", "merge", None, errors.Invalid, "action"),
    ("manager", "link", None, errors.Invalid, "child_id"),
    ("manager", "link", "stranger", errors.Invalid, "child_id"),
    ("manager", "not_this_child", "stranger", errors.Invalid, "child_id"),
    ("manager", "new", "olivia", errors.Invalid, "child_id"),
])
async def test_decision_errors(conn, seeded, who, action, child, error, field):
    s = await scene(conn)
    stranger, _ = await known_child(conn, "LA873", "E9", forename="Noah", serial=9)
    people = {"manager": seeded, "other_la": await manager(conn, "926", name="Norfolk Manager"),
              "practitioner": msgspec.structs.replace(seeded, role="practitioner")}
    child_id = {"stranger": stranger, "olivia": s.olivia, None: None}[child]
    with pytest.raises(error) as exc:
        await run(conn, review.decide, people[who], s.item, action=action, child_id=child_id)
    assert exc.value.field == field
    assert (await item_row(conn, s.item))["status"] == "open"
    with pytest.raises(errors.NotFound):
        await run(conn, review.decide, seeded, uuid.uuid4(), action="new")


async def test_a_record_that_cannot_create_a_child(conn, seeded):
    s = await scene(conn)
    await conn.execute("UPDATE source_records SET dob = '1985-01-01' WHERE id = $1", s.incoming)
    with pytest.raises(errors.Invalid, match="date of birth") as exc:
        await run(conn, review.decide, seeded, s.item, action="new")
    assert exc.value.field == "action"


# --- splits ------------------------------------------------------------------------------

async def test_unlink_opens_a_review_item_and_can_be_undone(conn, seeded):
    s = await scene(conn)
    await run(conn, review.decide, seeded, s.item, action="link", child_id=s.olivia)
    split = await run(conn, review.unlink, seeded, s.incoming)
    assert (split.child_id, split.children()) == (s.olivia, [s.olivia])
    assert await current_link(conn, s.incoming) is None
    [item] = await review.list_open(conn, "873", limit=5)
    assert (item.id, item.reasons, item.candidates, item.record.source_record_id) == (
        split.review_id, ["unlinked"], [], s.incoming)
    assert ("upn", factories.upn(serial=7)) not in await identifiers_of(conn, s.olivia)
    with pytest.raises(errors.Conflict, match="not linked"):
        await run(conn, review.unlink, seeded, s.incoming)
    with pytest.raises(errors.Conflict, match="split"):
        await run(conn, review.reverse, seeded, s.item)
    with pytest.raises(errors.Invalid):
        await run(conn, review.decide, seeded, split.review_id, action="link", child_id=s.olivia)
    # Decided as a new child, reversed, then the split itself undone.
    made = await run(conn, review.decide, seeded, split.review_id, action="new")
    await run(conn, review.reverse, seeded, split.review_id)
    undone = await run(conn, review.reverse, seeded, split.review_id)
    assert (undone.status, undone.linked_child_id) == ("linked", s.olivia)
    assert (await current_link(conn, s.incoming))["child_id"] == s.olivia
    history = [r["child_id"] for r in await conn.fetch(
        "SELECT child_id FROM links WHERE source_record_id = $1 ORDER BY id", s.incoming)]
    assert history == [s.olivia, made.child_id, s.olivia]
    assert ("upn", factories.upn(serial=7)) in await identifiers_of(conn, s.olivia)


async def test_unlink_only_in_your_own_la(conn, seeded):
    s = await scene(conn)
    norfolk = await manager(conn, "926", name="Norfolk Manager")
    for who, sid in ((norfolk, s.olivia_sr), (seeded, uuid.uuid4())):
        with pytest.raises(errors.NotFound) as exc:
            await run(conn, review.unlink, who, sid)
        assert exc.value.field == "source_record_id"
    with pytest.raises(errors.NotFound):          # not linked, and not a record of Norfolk's sources
        await run(conn, review.unlink, norfolk, s.incoming)
    with pytest.raises(errors.Conflict):
        await run(conn, review.unlink, seeded, s.incoming)


# --- the engine's own review items -----------------------------------------------------------

async def test_a_twin_from_a_feed_is_reviewed_and_decided(conn, sources, model):  # noqa: F811
    from index.feeds import process, store

    async def load(src, raw):
        feed_id, _ = await store.submit(conn, src, raw, format="csv", full=False, submitted_by=None, keep_days=30)
        await process.run(conn, feed_id, model=model, max_bytes=10_000_000)

    await load(sources["SCH1"], csv_bytes(
        f"A1,{factories.upn(serial=1)},Amelia,Rose,Testwood,2015-03-14,F,12 Mill Lane,Peterborough,PE1 1AA,"
        "Sarah,Testwood,PAM"))
    await load(sources["SCH2"], csv_bytes(
        f"B1,{factories.upn(serial=7)},Ava,Mae,Testwood,2015-03-14,F,12 Mill Lane,Peterborough,PE1 1AA,"
        "Sarah,Testwood,PAM"))
    who = await manager(conn, "873", org="LASYS")
    [item] = await review.list_open(conn, "873", limit=5)
    assert item.record.record_key == "B1" and item.record.source == "SCH2"
    [candidate] = item.candidates
    assert {f.comparison for f in candidate.explanation} >= {"forename", "surname", "dob", "upn"}
    got = await run(conn, review.decide, who, item.id, action="not_this_child")
    assert (got.status, got.ruled_out) == ("not_matched", [candidate.child_id])
    assert await conn.fetchval("SELECT count(*) FROM children") == 2
    assert (await conn.fetchrow(
        """SELECT i.end_date FROM involvements i JOIN organisations o ON o.id = i.org_id
            WHERE i.child_id = $1 AND o.code = 'SCH2'""", got.child_id))["end_date"] is None
