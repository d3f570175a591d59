import uuid

import pytest

from index import candidates, shielding
from index.auth import Principal
from index.feeds import process, store
from tests.factories import upn
from tests.index.feeds.conftest import csv_bytes

ROWS = [
    f"A1,{upn(serial=1)},Amelia,Rose,Testwood,2015-03-14,F,12 Mill Lane,Peterborough,PE1 1AA,Sarah,Testwood,PAM",
    f"A2,{upn(serial=2)},Olivia,Grace,Testwood,2015-03-14,F,12 Mill Lane,Peterborough,PE1 1AA,Sarah,Testwood,PAM",
    f"A3,{upn(serial=3)},Noah,,Fenwick,2012-07-03,M,1 Hills Road,Cambridge,CB2 1AA,Jo,Fenwick,PAF",
]


async def submit_and_run(conn, src, raw, model, *, full=False, fmt="csv", chunk=2):
    feed_id, created = await store.submit(conn, src, raw, format=fmt, full=full, submitted_by=None, keep_days=30)
    status = await process.run(conn, feed_id, model=model, max_bytes=10_000_000, chunk=chunk)
    return feed_id, status


async def test_a_first_census_creates_children_and_a_second_source_links_to_them(conn, sources, model):
    feed_id, status = await submit_and_run(conn, sources["SCH1"], csv_bytes(*ROWS), model)
    assert status == "done"
    got, _ = await store.status(conn, feed_id)
    assert (got.rows, got.new, got.linked, got.review, got.rejected) == (3, 3, 0, 0, 0)
    assert await conn.fetchval("SELECT count(*) FROM children") == 3
    assert await conn.fetchval("SELECT count(*) FROM involvements WHERE end_date IS NULL") == 3
    # The same children from another school, with a typo and a nickname: linked, not created.
    other = csv_bytes(
        f"X9,{upn(serial=1)},Amelia,Rose,Testwod,2015-03-14,F,12 Mill Lane,Peterborough,PE1 1AA,Sarah,Testwood,PAM",
        "X8,,Noah,,Fenwick,2012-07-03,M,1 Hills Road,Cambridge,CB2 1AA,Jo,Fenwick,PAF",
    )
    feed2, status = await submit_and_run(conn, sources["SCH2"], other, model)
    got, _ = await store.status(conn, feed2)
    assert (got.new, got.linked, got.review) == (0, 2, 0)
    assert await conn.fetchval("SELECT count(*) FROM children") == 3
    assert await conn.fetchval("SELECT count(*) FROM links WHERE unlinked_at IS NULL") == 5


async def test_resubmitting_identical_content_returns_the_same_feed_and_changes_nothing(conn, sources, model):
    raw = csv_bytes(*ROWS)
    first, _ = await submit_and_run(conn, sources["SCH1"], raw, model)
    again, created = await store.submit(conn, sources["SCH1"], raw, format="csv", full=False, submitted_by=None,
                                        keep_days=30)
    assert again == first and created is False
    # The same rows in a new file (another order): every row unchanged.
    feed2, _ = await submit_and_run(conn, sources["SCH1"], csv_bytes(*reversed(ROWS)), model)
    got, _ = await store.status(conn, feed2)
    assert (got.unchanged, got.new, got.linked) == (3, 0, 0)
    assert await conn.fetchval("SELECT count(*) FROM children") == 3


async def test_a_new_twin_goes_to_review_never_auto_linked(conn, sources, model):
    await submit_and_run(conn, sources["SCH1"], csv_bytes(ROWS[0]), model)
    twin = csv_bytes(
        f"B1,{upn(serial=7)},Ava,Mae,Testwood,2015-03-14,F,12 Mill Lane,Peterborough,PE1 1AA,Sarah,Testwood,PAM")
    feed_id, _ = await submit_and_run(conn, sources["SCH2"], twin, model)
    got, _ = await store.status(conn, feed_id)
    assert got.linked == 0
    assert got.new + got.review == 1


async def test_a_full_census_ends_the_involvement_of_leavers(conn, sources, model):
    await submit_and_run(conn, sources["SCH1"], csv_bytes(*ROWS), model, full=True)
    feed_id, _ = await submit_and_run(conn, sources["SCH1"], csv_bytes(*ROWS[:2]), model, full=True)
    got, _ = await store.status(conn, feed_id)
    assert got.leavers == 1
    assert await conn.fetchval("SELECT count(*) FROM involvements WHERE end_date IS NOT NULL") == 1
    assert await conn.fetchval("SELECT count(*) FROM children") == 3   # nothing deleted


@pytest.mark.parametrize("raw, message", [
    (b"record_id,forename,surname,dob,sen_need\n1,A,B,2015-01-01,x\n", "unknown column(s) sen_need"),
    (b"", "empty"),
    (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><CTfile/>", "DOCTYPE"),
])
async def test_a_bad_file_is_rejected_whole(conn, sources, model, raw, message):
    from index.feeds import parse
    fmt = parse.sniff(raw)
    feed_id, status = await submit_and_run(conn, sources["SCH1"], raw, model, fmt=fmt)
    got, _ = await store.status(conn, feed_id)
    assert status == "rejected" and message in got.error
    assert await conn.fetchval("SELECT count(*) FROM source_records") == 0


async def test_bad_rows_are_reported_and_the_good_rows_go_on(conn, sources, model):
    raw = csv_bytes(ROWS[0], "A2,,Olivia,,Testwood,2015-02-30,F,,,,,,", ROWS[2])
    feed_id, _ = await submit_and_run(conn, sources["SCH1"], raw, model)
    got, _ = await store.status(conn, feed_id)
    assert (got.rows, got.rejected, got.new) == (3, 1, 2)
    assert [(e.row, e.column) for e in got.errors] == [(3, "dob")]


async def test_the_bulk_and_point_paths_find_the_same_candidates(conn, sources, model):
    from matching import blocking, table
    from matching.census import read_text
    await submit_and_run(conn, sources["SCH1"], csv_bytes(*ROWS), model)
    rows = [r for r in read_text(csv_bytes(
        f"Z1,{upn(serial=1)},Amelia,Rose,Testwod,2015-03-14,F,12 Mill Lane,Peterborough,PE1 1AA,Sarah,Testwood,PAM",
        "Z2,,Olivia,,Testwood,2015-03-14,F,,,,,,",
        "Z3,,Noah,,Fenwick,2012-03-07,M,,,CB2 1AA,,,",
        "Z4,,Nobody,,Atall,2001-01-01,M,,,,,,").decode())]
    vocabs = table.Vocabs()
    tbl = table.build(vocabs, rows)
    key_rows, keys = blocking.stored_keys(tbl, model.blocking_rules)
    found = {}
    for bulk in (True, False):
        async with conn.transaction():
            got = await candidates.for_batch(conn, vocabs, key_rows, keys, sids=[None] * len(rows), feed_id=None,
                                           cap=500, bulk=bulk)
        found[bulk] = sorted(zip(got.ri.tolist(), [got.existing.ids[k] for k in got.li], [got.child[k] for k in got.li]))
    assert found[True] == found[False]
    assert {i for i, _, _ in found[True]} == {0, 1, 2}
    assert all(child is not None for _, _, child in found[True])


FORENAMES = ("Amelia", "Olivia", "Noah", "Isla", "Leo", "Freya", "Arlo", "Ivy", "Theo", "Ada", "Jude", "Mia")


async def test_candidate_records_are_numbered_as_the_join_numbered_them_whatever_order_they_come_in(
        conn, sources, model):
    from matching import normalise, table
    await submit_and_run(conn, sources["SCH1"], csv_bytes(*(
        f"K{k},{upn(serial=20 + k)},{name},,Fenwick{'e' * k},2014-02-{k + 1:02d},F,{k} Hills Road,Cambridge,CB2 1AA,,,"
        for k, name in enumerate(FORENAMES))), model, chunk=100)
    later, _ = await submit_and_run(conn, sources["SCH2"], csv_bytes(
        "L1,,Nobody,,Else,2013-01-01,M,1 Mill Lane,Peterborough,PE1 1AA,,,"), model)
    await conn.execute("UPDATE children SET shielded = true WHERE id = (SELECT l.child_id FROM links l "
                       "JOIN source_records sr ON sr.id = l.source_record_id WHERE sr.record_key = 'K3')")
    async with conn.transaction():
        # Numbered against the records' order, and written in that order: the join gives
        # them back in some order of its own, not by number.
        await conn.execute("""
            CREATE TEMP TABLE feed_candidates ON COMMIT DROP AS
            SELECT (row_number() OVER (ORDER BY id DESC) - 1)::integer AS idx, id AS source_record_id
              FROM source_records ORDER BY id""")
        want = await conn.fetch(
            "SELECT c.idx, c.source_record_id, sr.forename, sr.record_key, l.child_id, ch.shielded "
            "FROM feed_candidates c JOIN source_records sr ON sr.id = c.source_record_id "
            "JOIN links l ON l.source_record_id = sr.id JOIN children ch ON ch.id = l.child_id ORDER BY idx")
        came = [r["idx"] for r in await conn.fetch(candidates.RECORDS, later)]
        assert came != sorted(came)   # else nothing here would show the records being put in order
        numbers, existing, record_child, children, shielded, same_feed = await candidates._candidate_records(
            conn, table.Vocabs(), later)
    assert numbers.tolist() == [r["idx"] for r in want]
    assert len(want) == len(FORENAMES) + 1
    assert existing.ids == [str(r["source_record_id"]) for r in want]
    assert [existing.vocabs.names.values[c] for c in existing["forename"]] == [
        normalise.fold(r["forename"]) for r in want]
    # A record of the incoming records' own feed has no child to offer: one of its own.
    assert [children[k] for k in record_child] == [
        None if r["record_key"] == "L1" else str(r["child_id"]) for r in want]
    assert same_feed.tolist() == [r["record_key"] == "L1" for r in want]
    assert shielded.tolist() == [r["shielded"] for r in want] and sum(shielded) == 1


async def test_a_stored_key_that_outlived_its_record_offers_nothing(conn, sources, model):
    from matching import blocking, table
    from matching.census import read_text
    await submit_and_run(conn, sources["SCH1"], csv_bytes(*ROWS), model)
    gone = await conn.fetchval("SELECT id FROM source_records WHERE record_key = 'A1'")
    # Keys are derived data with no foreign key: deleting the record directly leaves them.
    await conn.execute("DELETE FROM source_records WHERE id = $1", gone)
    assert await conn.fetchval("SELECT count(*) FROM match_keys WHERE source_record_id = $1", gone) > 0
    rows = list(read_text(csv_bytes(*(r.replace("A", "Z", 1) for r in ROWS)).decode()))
    vocabs = table.Vocabs()
    key_rows, keys = blocking.stored_keys(table.build(vocabs, rows), model.blocking_rules)
    async with conn.transaction():
        got = await candidates.for_batch(conn, vocabs, key_rows, keys, sids=[None] * len(rows), feed_id=None,
                                         cap=500)
    offered = {(i, got.existing.ids[k]) for i, k in zip(got.ri.tolist(), got.li.tolist())}
    keys_of = dict(await conn.fetch("SELECT record_key, id::text FROM source_records"))
    assert (1, keys_of["A2"]) in offered and (2, keys_of["A3"]) in offered
    assert str(gone) not in {record for _, record in offered}
    assert sorted(got.existing.ids) == got.existing.ids and len(got.existing) == len(set(got.existing.ids))


async def test_not_this_child_rules_the_pair_out_of_later_candidates(conn, sources, model):
    from matching import blocking, table
    from matching.census import read_text
    await submit_and_run(conn, sources["SCH1"], csv_bytes(*ROWS), model)
    row = f"S1,{upn(serial=1)},Amelia,Rose,Testwood,2015-03-14,F,12 Mill Lane,Peterborough,PE1 1AA,Sarah,Testwood,PAM"
    await submit_and_run(conn, sources["SCH2"], csv_bytes(row), model)
    sid, child = await conn.fetchrow(
        "SELECT sr.id, l.child_id FROM source_records sr JOIN links l ON l.source_record_id = sr.id "
        "WHERE sr.record_key = 'S1'")
    vocabs = table.Vocabs()
    key_rows, keys = blocking.stored_keys(table.build(vocabs, list(read_text(csv_bytes(row).decode()))),
                                          model.blocking_rules)

    async def children_found():
        async with conn.transaction():
            got = await candidates.for_batch(conn, vocabs, key_rows, keys, sids=[sid], feed_id=None, cap=500)
        return {got.child[k] for k in got.li}

    assert child in await children_found()
    await conn.execute("INSERT INTO not_matches (source_record_id, child_id) VALUES ($1, $2)", sid, child)
    assert child not in await children_found()


async def test_a_shielded_child_among_the_candidates_sends_the_record_to_review(conn, sources, model):
    await submit_and_run(conn, sources["SCH1"], csv_bytes(ROWS[0]), model)
    manager = Principal(user_id=uuid.uuid4(), name="Manager", role="la_data_manager", org_id=0, org_code="LA873",
                        org_kind="local_authority", la_code="873", phone=None, email=None)
    async with conn.transaction():     # shielded as the LA does it (index.shielding), not by a bare UPDATE
        await shielding.shield(conn, manager, await conn.fetchval("SELECT id FROM children"),
                               reason="domestic_abuse")
    # A clear match and an unlike record at the same address: both held for review.
    feed_id, _ = await submit_and_run(conn, sources["SCH2"], csv_bytes(
        f"S1,{upn(serial=1)},Amelia,Rose,Testwood,2015-03-14,F,12 Mill Lane,Peterborough,PE1 1AA,Sarah,Testwood,PAM",
        "S2,,Ava,,Testwood,2015-03-14,F,12 Mill Lane,Peterborough,PE1 1AA,Sarah,Testwood,PAM"), model)
    got, _ = await store.status(conn, feed_id)
    assert (got.linked, got.new, got.review) == (0, 0, 2)
    assert await conn.fetchval("SELECT count(*) FROM review_items WHERE shielded") == 2
    assert await conn.fetchval("SELECT count(*) FROM children") == 1


async def test_a_feed_keeps_its_rows_only_until_processed_and_an_unprocessed_one_until_its_keep_date(
        conn, sources, model):
    queued, _ = await store.submit(conn, sources["SCH2"], csv_bytes(*ROWS), format="csv", full=False,
                                   submitted_by=None, keep_days=30)
    feed_id, _ = await submit_and_run(conn, sources["SCH1"], csv_bytes(*ROWS), model)
    assert await conn.fetchval("SELECT array_agg(feed_id) FROM feed_files") == [queued]
    assert await store.purge_expired_files(conn) == 0
    await conn.execute("UPDATE feed_files SET expires_at = now() - interval '1 day'")
    assert await store.purge_expired_files(conn) == 1
    got, _ = await store.status(conn, feed_id)
    assert got.status == "done" and got.rows == 3      # the feed and its counts stay
    assert await process.run(conn, queued, model=model, max_bytes=10 ** 7) == "rejected"
    got, _ = await store.status(conn, queued)
    assert "no longer kept" in got.error


async def test_a_ctf_feed_keys_by_upn_and_a_former_upn_finds_the_temporary_record(conn, sources, model):
    from tests.index.feeds.test_ctf import ctf_file, header, pupil
    from tests.factories import upn as make_upn
    temporary, permanent = make_upn(serial=41), make_upn(serial=42)
    address = ("<Address><AddressLines><AddressLine1>12 Mill Lane</AddressLine1>"
               "<AddressLine3>Peterborough</AddressLine3></AddressLines><PostCode>PE1 1AA</PostCode></Address>")
    first = ctf_file(pupil(upn=temporary, surname="Testwood", forename="Amelia", dob="2015-03-14",
                           extra="<Sex>F</Sex>" + address), head=header(qualifier="partial"))
    feed1, status = await submit_and_run(conn, sources["SCH1"], first, model, fmt="ctf")
    assert status == "done"
    later = ctf_file(pupil(upn=permanent, surname="Testwood", forename="Amelia", dob="2015-03-14",
                           extra=f"<Sex>F</Sex><BasicDetails><FormerUPN>{temporary}</FormerUPN></BasicDetails>"
                                 + address), head=header(qualifier="full"))
    feed2, _ = await submit_and_run(conn, sources["SCH1"], later, model, fmt="ctf")
    got, _ = await store.status(conn, feed2)
    assert got.full is False   # a CTF's own qualifier "full" never makes the run a full census
    assert (got.new, got.linked, got.review) == (0, 1, 0)
    keys = [r["record_key"] for r in await conn.fetch("SELECT record_key FROM source_records")]
    assert keys == [permanent]
    assert await conn.fetchval("SELECT count(*) FROM children") == 1


async def test_the_prior_counts_the_children_created_earlier_in_the_same_feed(conn, sources, model, monkeypatch):
    """Each chunk's prior uses the index as it now is: the child there before, and those
    the chunks before created. (Into an empty index the feed would be a first load, in one
    piece: tests/index/feeds/test_first_load.py.)"""
    import datetime as dt

    from index import registry
    from index.feeds import resolve
    await registry.create_child(conn, registry.NewChild(forename="Ada", surname="Lovelace", dob=dt.date(2016, 1, 2),
                                                        sex="female", owning_la="873"))
    seen = []
    real = resolve.resolve

    async def spy(*args, **kwargs):
        seen.append(kwargs["n_children"])
        return await real(*args, **kwargs)

    monkeypatch.setattr(resolve, "resolve", spy)
    rows = [f"R{i},,Child{chr(97 + i)}x,,Surname{chr(97 + i)}y,2015-01-0{i + 1},F,,,,,," for i in range(6)]
    await submit_and_run(conn, sources["SCH1"], csv_bytes(*rows), model, chunk=2)
    assert seen == [1, 3, 5]


async def test_values_longer_than_the_childs_columns_do_not_stop_the_feed(conn, sources, model):
    long = "Q" * 150
    header = "record_id,forename,surname,dob,preferred_forename,former_surname,carer1_forename,carer1_surname\n"
    raw = (header + f"L1,Ava,Testwood,2015-03-14,{long},{long},{long},{long}\n").encode()
    feed_id, status = await submit_and_run(conn, sources["SCH1"], raw, model)
    got, _ = await store.status(conn, feed_id)
    assert (status, got.new) == ("done", 1)
    assert await conn.fetchval("SELECT length(preferred_forename) FROM children") == 100
    assert await conn.fetchval("SELECT length(surname) FROM carers") == 100
    assert await conn.fetchval("SELECT length(preferred_forename) FROM source_records") == 150   # kept whole


async def test_a_line_break_is_a_row_error_and_an_overlong_identifier_is_kept_invalid(conn, sources, model):
    header = "record_id,forename,surname,dob,upn\n"
    raw = (header + 'K1,Ava,Testwood,2015-03-14,"X1\nY2"\n' + f"K2,Noah,Fenwick,2012-07-03,{'Z' * 60}\n").encode()
    feed_id, status = await submit_and_run(conn, sources["SCH1"], raw, model)
    got, _ = await store.status(conn, feed_id)
    assert (status, got.rows, got.rejected, got.new) == ("done", 2, 1, 1)
    assert [(e.row, e.column) for e in got.errors] == [(3, "upn")]   # the line the row ends on
    assert await conn.fetchval("SELECT valid FROM child_identifiers WHERE scheme = 'upn'") is False


async def test_a_feeds_second_record_of_a_child_is_held_for_review_in_one_batch_or_two(conn, sources, model,
                                                                                          first_loads):
    """A source's two records are two children by its own account: never linked to each
    other by the engine, but the later one is held for a person to see."""
    import datetime as dt

    from index import registry
    twin = ROWS[0].replace("A1,", "A9,").replace(upn(serial=1), "")
    # chunk 1: the later record meets the earlier through the candidate query; 10: within
    # its batch; 2: as a first load (an empty index), within the feed.
    for chunk, seeded in ((1, True), (10, True), (2, False)):
        first_loads.clear()
        await conn.execute("TRUNCATE children, source_records, feeds CASCADE")
        if seeded:   # a child already, unlike these: the feed is applied in batches
            await registry.create_child(conn, registry.NewChild(forename="Xanthe", surname="Quill", sex="female",
                                                                dob=dt.date(2019, 12, 31), owning_la="873"))
        feed_id, _ = await submit_and_run(conn, sources["SCH1"], csv_bytes(ROWS[0], twin, ROWS[2]), model, chunk=chunk)
        got, _ = await store.status(conn, feed_id)
        assert (got.new, got.linked, got.review) == (2, 0, 1)
        assert bool(first_loads) is not seeded
        assert await conn.fetchval(
            "SELECT sr.record_key FROM review_items ri JOIN source_records sr ON sr.id = ri.source_record_id "
            "WHERE 'same_feed_candidate' = ANY(ri.reasons)") == "A9"


async def test_a_candidate_waiting_in_review_sends_the_record_to_review(conn, sources, model):
    await submit_and_run(conn, sources["SCH1"], csv_bytes(ROWS[0]), model)
    await conn.execute("UPDATE links SET unlinked_at = now()")   # the record now has no child
    feed_id, _ = await submit_and_run(conn, sources["SCH2"], csv_bytes(ROWS[0].replace("A1,", "B1,")), model)
    got, _ = await store.status(conn, feed_id)
    assert (got.new, got.linked, got.review) == (0, 0, 1)
    reasons = await conn.fetchval("SELECT reasons FROM review_items")
    assert "candidate_in_review" in reasons
    # Its candidates name real children only (the record in review has none).
    assert await conn.fetchval("SELECT count(*) FROM review_candidates") == 0


async def test_stored_keys_are_rebuilt_when_the_blocking_rules_change(conn, sources, model):
    from index.feeds import records
    await submit_and_run(conn, sources["SCH1"], csv_bytes(*ROWS), model)
    keys = await conn.fetch("SELECT source_record_id, key FROM match_keys ORDER BY 1, 2")
    assert keys and not await records.ensure_keys(conn, model.blocking_rules)
    await conn.execute("UPDATE match_key_rules SET rules = 'upn'")
    await conn.execute("DELETE FROM match_keys WHERE key % 2 = 0")
    assert await records.ensure_keys(conn, model.blocking_rules)
    assert await conn.fetch("SELECT source_record_id, key FROM match_keys ORDER BY 1, 2") == keys
    assert await conn.fetchval("SELECT rules FROM match_key_rules") == ",".join(r.name for r in model.blocking_rules)


async def test_a_rebuild_of_the_stored_keys_does_not_hold_up_searches(conn, pool, sources, model):
    """A new model's rules rebuild every key in the first feed's transaction; a search
    reading the keys meanwhile gets the keys before at once, not a wait for the commit."""
    from index.feeds import records
    await submit_and_run(conn, sources["SCH1"], csv_bytes(*ROWS), model)
    before = await conn.fetchval("SELECT count(*) FROM match_keys")
    await conn.execute("UPDATE match_key_rules SET rules = 'upn'")
    async with conn.transaction():
        assert await records.ensure_keys(conn, model.blocking_rules)
        async with pool.acquire() as other:
            await other.execute("SET lock_timeout = '1s'")
            assert await other.fetchval("SELECT count(*) FROM match_keys") == before


SEARCH_KEYS = """SELECT n.surname_key FROM child_search_names n JOIN links l ON l.child_id = n.child_id
  AND l.unlinked_at IS NULL JOIN source_records sr ON sr.id = l.source_record_id WHERE sr.record_key = $1"""


@pytest.mark.parametrize("chunk", [1, 10])
async def test_a_batch_of_unchanged_changed_and_new_records_writes_each_as_it_should(conn, sources, model, chunk):
    """An unchanged record is left alone, a changed one updated in place (same id, same
    child) and a new one inserted; a changed surname reaches the child's search names,
    an unchanged child's are kept."""
    await submit_and_run(conn, sources["SCH1"], csv_bytes(*ROWS), model)
    before = dict(await conn.fetch("SELECT record_key, id FROM source_records"))
    kept = sorted(await conn.fetchval("SELECT array_agg(surname_key) FROM (" + SEARCH_KEYS + ") k", "A1"))
    changed = ROWS[2].replace("Fenwick,2012", "Fenwick-Smith,2012")
    new = "A4,,Isla,,Brook,2016-05-01,F,3 Elm Road,Ely,CB7 4AA,Kim,Brook,PAM"
    feed2, _ = await submit_and_run(conn, sources["SCH1"], csv_bytes(ROWS[0], ROWS[1], changed, new), model,
                                    chunk=chunk)
    got, _ = await store.status(conn, feed2)
    assert (got.unchanged, got.linked, got.new, got.review) == (2, 1, 1, 0)
    after = dict(await conn.fetch("SELECT record_key, id FROM source_records"))
    assert {k: after[k] for k in before} == before and set(after) == {*before, "A4"}
    assert await conn.fetchval("SELECT surname FROM source_records WHERE record_key = 'A3'") == "Fenwick-Smith"
    assert any("smith" in k for k in await conn.fetchval(
        "SELECT array_agg(surname_key) FROM (" + SEARCH_KEYS + ") k", "A3"))
    assert sorted(await conn.fetchval("SELECT array_agg(surname_key) FROM (" + SEARCH_KEYS + ") k", "A1")) == kept
    assert await conn.fetchval("SELECT count(*) FROM children") == 4
