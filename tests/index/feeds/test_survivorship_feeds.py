"""Survivorship through feeds: the two reported cases, and a surname that changes."""

from __future__ import annotations

import pytest

from index import organisations
from index.feeds import process, store
from tests.factories import nhs_number, upn

HEADER = "record_id,upn,nhs_number,forename,surname,dob,gender,address_line1,town,postcode"


def census(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


@pytest.fixture
async def gp(conn, sources):
    await store.add_source(conn, organisations.NewOrganisation(code="D81001", kind="gp", name="Riverside Surgery",
                                                               la_code="873"))
    return await store.source(conn, code="D81001")


async def load(conn, model, src, raw: bytes) -> store.FeedStatus:
    feed_id, _ = await store.submit(conn, src, raw, format="csv", full=False, submitted_by=None, keep_days=30)
    assert await process.run(conn, feed_id, model=model, max_bytes=10_000_000) == "done"
    got, _ = await store.status(conn, feed_id)
    assert await conn.fetchval("SELECT count(*) FROM children_unmatchable") == 0   # every child has keyed records
    return got


async def child(conn, nhs: str):
    return await conn.fetchrow(
        """SELECT c.* FROM children c JOIN child_identifiers i ON i.child_id = c.id
            WHERE i.scheme = 'nhs_number' AND i.value = $1""", nhs)


AMELIA = f"{upn(serial=1)},{nhs_number(101)},Amelia,{{surname}},2015-03-14,F,12 Mill Lane,Peterborough,PE1 1AA"
NOAH = f"{upn(serial=2)},{nhs_number(202)},Noah,Fenwick,2012-07-03,M,1 Hills Road,Cambridge,CB2 1AA"


async def test_one_sources_misspelling_does_not_replace_a_name_two_sources_agree_on(conn, sources, model):
    first = await load(conn, model, sources["SCH1"], census("A1," + AMELIA.format(surname="Testwood")))
    second = await load(conn, model, sources["SCH2"], census("B1," + AMELIA.format(surname="Testwood")))
    # The LA's own record, the best-ranked and the most recent, spells it differently.
    third = await load(conn, model, sources["LASYS"], census("L1," + AMELIA.format(surname="Tesstwood")))
    assert (first.new, second.linked, third.linked) == (1, 1, 1)
    assert (await child(conn, nhs_number(101)))["surname"] == "Testwood"


async def test_a_gp_record_with_no_address_line_does_not_blank_the_childs(conn, sources, gp, model):
    await load(conn, model, sources["SCH1"], census("A2," + NOAH))
    got = await load(conn, model, gp, census(f"G2,,{nhs_number(202)},Noah,Fenwick,2012-07-03,M,,,CB2 1AA"))
    assert got.linked == 1
    row = await child(conn, nhs_number(202))
    assert (row["address_line1"], row["town"], row["postcode"]) == ("1 Hills Road", "Cambridge", "CB2 1AA")


async def test_a_surname_two_sources_change_becomes_the_childs_and_the_old_one_a_former_name(conn, sources, gp,
                                                                                              model):
    await load(conn, model, sources["SCH1"], census("A1," + AMELIA.format(surname="Testwood")))
    await load(conn, model, sources["LASYS"], census("L1," + AMELIA.format(surname="Testwood")))
    # The school alone changes it: the LA's record outranks the school's.
    await load(conn, model, sources["SCH1"], census("A1," + AMELIA.format(surname="Hall")))
    row = await child(conn, nhs_number(101))
    assert row["surname"] == "Testwood"
    # The LA changes it too: now it is the child's surname, and Testwood a former one, still searched.
    await load(conn, model, sources["LASYS"], census("L1," + AMELIA.format(surname="Hall")))
    row = await child(conn, nhs_number(101))
    assert row["surname"] == "Hall"
    former = await conn.fetch("SELECT surname FROM child_former_names WHERE child_id = $1", row["id"])
    assert [r["surname"] for r in former] == ["Testwood"]
    keys = await conn.fetch("SELECT kind, surname_key FROM child_search_names WHERE child_id = $1 ORDER BY kind",
                            row["id"])
    assert {(r["kind"], r["surname_key"]) for r in keys} >= {("legal", "hall"), ("former", "testwood")}
