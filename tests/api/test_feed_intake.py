"""Issue 12's field-trial defects in the feed path: what a submission may do, what it
keeps, and what it says when the file is not what the index takes."""

import uuid
import zlib

import pytest

from index import organisations
from index.feeds import process, store
from matching import model as mmodel
from tests.api.conftest import bearer, problem
from tests.api.test_feeds import CSV, post_feed
from tests.factories import nhs_number, token_for, upn
from tests.index.feeds.test_ctf import ctf_file, header, pupil

MODEL = mmodel.load()
# The school of tests.factories: URN 110001, LAESTAB 8732001.
OWN = header(qualifier="full", urn="110001").replace("<LEA>201</LEA><Estab>4001</Estab>",
                                                     "<LEA>873</LEA><Estab>2001</Estab>")


async def run(conn, feed_id) -> str:
    return await process.run(conn, uuid.UUID(feed_id), model=MODEL, max_bytes=10 ** 7)


async def submit_done(client, conn, token, body, content_type="text/csv", query=""):
    response = await post_feed(client, token, body, content_type, query)
    assert response.status_code == 202, response.text
    assert await run(conn, response.json()["id"]) == "done"
    return (await client.get(f"/feeds/{response.json()['id']}", headers=bearer(token))).json()


# --- 1. A CTF's DocumentQualifier "full" is not a whole-school census ----------------

async def test_a_full_ctf_of_two_pupils_ends_nobody_and_only_an_explicit_full_census_does(client, conn, school):
    first = await submit_done(client, conn, school, CSV)
    assert first["new"] == 2
    transfer = ctf_file(pupil(upn=upn(serial=8), surname="Quill", forename="Ivy", dob="2014-05-06"), head=OWN)
    got = await submit_done(client, conn, school, transfer, "application/xml")
    assert (got["full"], got["leavers"], got["new"]) == (False, 0, 1)
    assert await conn.fetchval("SELECT count(*) FROM involvements WHERE end_date IS NULL") == 3
    # The school says, explicitly, that this CSV is its whole census: the others are leavers.
    census = ("record_id,upn,forename,surname,dob,gender,postcode\n"
              f"A1,{upn(serial=1)},Amelia,Testwood,2015-03-14,F,PE1 1AA\n").encode()
    got = await submit_done(client, conn, school, census, query="?full=true")
    assert (got["full"], got["leavers"]) == (True, 2)
    listed = (await client.get("/feeds", headers=bearer(school))).json()["feeds"]
    assert [f["full"] for f in listed] == [True, False, False]


# --- 4. A school may submit only its own pupils ---------------------------------------

@pytest.mark.parametrize("lea, estab, urn, status", [
    ("873", "2001", "110001", 202),     # its own LAESTAB and URN
    ("873", "2001", "XXXXXX", 202),     # its LAESTAB, the URN left out as exports do
    ("999", "9999", "110001", 202),     # its URN
    ("873", "2002", "110002", 403),     # another school of the same LA
    ("926", "4001", "120001", 403),     # a school elsewhere
])
async def test_a_ctf_from_another_school_is_refused(client, conn, school, lea, estab, urn, status):
    head = header(urn=urn).replace("<LEA>201</LEA><Estab>4001</Estab>", f"<LEA>{lea}</LEA><Estab>{estab}</Estab>")
    response = await post_feed(client, school, ctf_file(pupil(upn=upn(serial=5)), head=head), "application/xml")
    assert response.status_code == status, response.text
    if status == 403:
        body = problem(response, 403, detail="another school")
        assert f"LAESTAB {lea}{estab}" in body["detail"]
        assert await conn.fetchval("SELECT count(*) FROM feeds") == 0
        row = await conn.fetchrow("SELECT outcome FROM audit_events WHERE action = 'feed.submit'")
        assert row["outcome"] == "denied"


async def test_an_la_submits_the_ctf_of_its_own_schools_only(client, conn, tokens):
    await store.add_source(conn, organisations.NewOrganisation(code="LA873", kind="local_authority",
                                                               name="Cambridgeshire LA", la_code="873"))
    token = tokens["la_data_manager"]
    for lea, status in (("873", 202), ("926", 403)):
        head = header().replace("<LEA>201</LEA>", f"<LEA>{lea}</LEA>")
        response = await post_feed(client, token, ctf_file(pupil(upn=upn(serial=6)), head=head), "application/xml")
        assert response.status_code == status, response.text


# --- 5. Nothing of a file but the rows the index may hold is ever stored -------------

MARKERS = ("MRKSENQ", "MRKFSMQ", "MRKATTQ", "MRKASSQ", "MRKHISQ", "MRKMAILQ", "MRKETHQ", "MRKCOLQ")
CASE_CONTENT = (
    "<SENhistory><SEN><StartDate>2019-01-01</StartDate><SENprovision>MRKSENQ</SENprovision></SEN></SENhistory>"
    "<FSMhistory><FSMinstance><FSMstartDate>MRKFSMQ</FSMstartDate></FSMinstance></FSMhistory>"
    "<Attendance><YearData><SessionsPossible>MRKATTQ</SessionsPossible></YearData></Attendance>"
    "<StageAssessments><KeyStage><StageAssessment><Result>MRKASSQ</Result></StageAssessment></KeyStage>"
    "</StageAssessments><SchoolHistory><School><SchoolName>MRKHISQ</SchoolName></School></SchoolHistory>"
    "<BasicDetails><Ethnicity>MRKETHQ</Ethnicity></BasicDetails>"
    "<Contacts><Contact><Surname>Quill</Surname><Relationship>Father</Relationship>"
    "<Email><EmailAddress>MRKMAILQ@example.org</EmailAddress></Email></Contact></Contacts>"
)


async def _database_text(conn) -> bytes:
    """Every value of every table, as text, with compressed bytea values decompressed."""
    out = []
    tables = await conn.fetch("SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN "
                              "('pg_catalog', 'information_schema')")
    for t in tables:
        name = await conn.fetchval("SELECT quote_ident($1) || '.' || quote_ident($2)", t["schemaname"],
                                   t["tablename"])
        for row in await conn.fetch("SELECT x::text AS text FROM " + name + " x"):
            out.append(row["text"].encode())
        columns = await conn.fetch("SELECT column_name FROM information_schema.columns WHERE table_schema = $1 "
                                   "AND table_name = $2 AND data_type = 'bytea'", t["schemaname"], t["tablename"])
        for c in columns:
            column = await conn.fetchval("SELECT quote_ident($1)", c["column_name"])
            for row in await conn.fetch("SELECT " + column + " AS v FROM " + name + " WHERE " + column
                                        + " IS NOT NULL"):
                try:
                    out.append(zlib.decompress(row["v"]))
                except zlib.error:
                    out.append(bytes(row["v"]))
    return b"\n".join(out)


async def test_case_content_and_rejected_columns_are_never_stored(client, conn, school):
    ctf = ctf_file(pupil(upn=upn(serial=9), surname="Quill", forename="Ivy", dob="2014-05-06",
                         extra=CASE_CONTENT), head=OWN)
    accepted = await post_feed(client, school, ctf, "application/xml")
    assert accepted.status_code == 202, accepted.text
    refused = await post_feed(client, school, b"record_id,forename,surname,dob,sen_need\n1,A,B,2015-01-01,MRKCOLQ\n")
    assert refused.status_code == 422
    assert "sen_need" in refused.json()["detail"]
    queued = await _database_text(conn)     # while the feed waits for a worker
    assert await conn.fetchval("SELECT count(*) FROM feed_files") == 1
    assert await run(conn, accepted.json()["id"]) == "done"
    done = await _database_text(conn)
    for marker in MARKERS:
        assert marker.encode() not in queued and marker.encode() not in done, marker
    assert b"Quill" in done          # the pupil and the contact were kept: the check can see the data
    assert await conn.fetchval("SELECT relationship FROM source_record_carers") == "PAF"
    assert await conn.fetchval("SELECT count(*) FROM feed_files") == 0


# --- 11. The size cap is checked while the body streams in ---------------------------

async def test_a_body_over_the_cap_gets_413_naming_the_limit(client, conn, school):
    client.app.state.feed_max_bytes = 1000
    big = CSV + b"".join(f"B{i},,Ann,Lee,2015-01-01,F,PE1 1AA\n".encode() for i in range(100))
    response = await post_feed(client, school, big)
    problem(response, 413, field="body", detail="limit of 1,000 bytes")
    assert await conn.fetchval("SELECT count(*) FROM feeds") == 0
    assert (await post_feed(client, school, CSV)).status_code == 202


# --- 16. A school lists its feeds ------------------------------------------------------

async def test_feeds_are_listed_newest_first_paged_and_only_to_their_owners(client, conn, school, tokens):
    ids = []
    for i in range(3):
        body = CSV + f"A{9 + i},,Zed,Yoe,2015-01-0{i + 1},M,PE1 1AA\n".encode()
        ids.append((await post_feed(client, school, body)).json()["id"])
    first = (await client.get("/feeds?limit=2", headers=bearer(school))).json()
    assert [f["id"] for f in first["feeds"]] == [ids[2], ids[1]] and first["next"] == ids[1]
    second = (await client.get(f"/feeds?limit=2&before={first['next']}", headers=bearer(school))).json()
    assert [f["id"] for f in second["feeds"]] == [ids[0]] and second["next"] is None
    manager = (await client.get("/feeds", headers=bearer(tokens["la_data_manager"]))).json()
    assert [f["id"] for f in manager["feeds"]] == ids[::-1]
    await organisations.add(conn, organisations.NewOrganisation(code="8732002", kind="school", name="Other",
                                                                la_code="873"))
    other = await token_for(conn, org="8732002", role="school")
    assert (await client.get("/feeds", headers=bearer(other))).json()["feeds"] == []
    problem(await client.get("/feeds?limit=0", headers=bearer(school)), 400, field="limit")
    problem(await client.get("/feeds?before=x", headers=bearer(school)), 400, field="before")


# --- 17. What a new user's files met ----------------------------------------------------

async def test_a_header_in_other_case_with_semicolons_is_read(client, conn, school):
    body = ("Record ID;UPN;Forename;SURNAME;DOB;Gender;Postcode\n"
            f"A1;{upn(serial=1)};Amelia;Testwood;14/03/2015;F;PE1 1AA\n").encode()
    got = await submit_done(client, conn, school, body)
    assert (got["rows"], got["new"], got["rejected"]) == (1, 1, 0)


async def test_an_unknown_column_is_named_whatever_its_case(client, school):
    response = await post_feed(client, school, b"Record_ID,Forename,Surname,DOB,SEN Need\n1,A,B,2015-01-01,x\n")
    problem(response, 422, detail="unknown column(s) sen_need")


async def test_curl_data_binary_without_a_content_type_is_sniffed(client, conn, school):
    response = await post_feed(client, school, CSV, "application/x-www-form-urlencoded")
    assert response.status_code == 202 and response.json()["format"] == "csv", response.text
    xml = ctf_file(pupil(upn=upn(serial=3)), head=OWN)
    response = await post_feed(client, school, xml, "application/x-www-form-urlencoded")
    assert response.status_code == 202 and response.json()["format"] == "ctf", response.text


@pytest.mark.parametrize("body, content_type, words", [
    (ctf_file(pupil(), head=OWN).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
     "application/xml", "UTF-16"),
    (CSV.decode().encode("utf-16"), "text/csv", "UTF-16"),
    (ctf_file(pupil(), head=OWN), "text/csv", "is XML (a CTF?)"),
    (CSV, "application/xml", "not XML"),
])
async def test_a_file_in_the_wrong_form_says_what_it_is(client, school, body, content_type, words):
    problem(await post_feed(client, school, body, content_type), 422, field="body", detail=words)


async def test_ctf_contacts_may_use_relationship_words(client, conn, school):
    contacts = ("<Contacts><Contact><Forename>Tom</Forename><Surname>Quill</Surname><Relationship>Father"
                "</Relationship></Contact><Contact><Surname>Quill</Surname><Relationship>Step-mother</Relationship>"
                "</Contact></Contacts>")
    got = await submit_done(client, conn, school, ctf_file(pupil(upn=upn(serial=4), extra=contacts), head=OWN),
                            "application/xml")
    assert (got["new"], got["rejected"]) == (1, 0)
    relationships = await conn.fetchval("SELECT array_agg(relationship ORDER BY position) FROM source_record_carers")
    assert relationships == ["PAF", "STM"]


async def test_identifiers_failing_their_check_are_row_warnings(client, conn, school):
    good = upn(serial=1)
    bad = ("B" if good[0] != "B" else "C") + good[1:]
    nhs = nhs_number(5)
    wrong_nhs = nhs[:9] + str((int(nhs[9]) + 1) % 10)      # the 999 test range, its check digit wrong
    body = ("record_id,upn,uln,nhs_number,forename,surname,dob\n"
            f"A1,{bad},1234567890,{wrong_nhs},Amelia,Testwood,2015-03-14\n"
            f"A2,{upn(serial=2)},,,Noah,Fenwick,2012-07-03\n").encode()
    got = await submit_done(client, conn, school, body)
    assert got["new"] == 2 and got["errors"] == []
    assert [(w["row"], w["column"]) for w in got["warnings"]] == [(2, "nhs_number"), (2, "uln"), (2, "upn")]
    assert "check letter" in got["warnings"][2]["message"] and bad not in str(got["warnings"])


def test_feed_load_refuses_a_ctf_from_another_school(database_url, tmp_path):
    from tests.processes import isindex_here as isindex

    isindex(database_url, "la", "add", "--code", "873", "--name", "Cambridgeshire")
    isindex(database_url, "source", "add", "--code", "SCH1", "--kind", "school", "--name", "Mill Lane Primary",
            "--la", "873", "--urn", "110001", "--laestab", "8732001")
    theirs, ours = tmp_path / "theirs.xml", tmp_path / "ours.xml"
    theirs.write_bytes(ctf_file(pupil(upn=upn(serial=5)), head=header(urn="120001")))
    ours.write_bytes(ctf_file(pupil(upn=upn(serial=5)), head=OWN))
    refused = isindex(database_url, "feed", "load", str(theirs), "--source", "SCH1", check=False)
    assert refused.returncode == 1 and "another school (LAESTAB 2014001, URN 120001)" in refused.stderr
    done = isindex(database_url, "feed", "load", str(ours), "--source", "SCH1", "--json")
    assert '"leavers": 0' in done.stdout and '"new": 1' in done.stdout


async def test_bidi_controls_are_dropped_from_feed_values_and_c1_controls_reject_the_row(client, conn, school):
    body = ("record_id,forename,surname,dob,carer1_surname\n"
            "A1,\u202eAmelia\u202c,Test\u2066wood\u2069,2015-03-14,\u202dSmith\n"
            "A2,Noah,Fen\u0085wick,2012-07-03,\n").encode()
    got = await submit_done(client, conn, school, body)
    assert (got["new"], got["rejected"]) == (1, 1)
    assert got["errors"] == [{"row": 3, "column": "surname",
                              "message": "contains a line break or another control character"}]
    row = await conn.fetchrow("SELECT forename, surname FROM source_records")
    assert (row["forename"], row["surname"]) == ("Amelia", "Testwood")
    assert await conn.fetchval("SELECT surname FROM source_record_carers") == "Smith"
    assert await conn.fetchval("SELECT forename FROM children") == "Amelia"


def test_feed_load_reports_row_warnings(database_url, tmp_path):
    from tests.processes import isindex_here as isindex

    isindex(database_url, "la", "add", "--code", "873", "--name", "Cambridgeshire")
    isindex(database_url, "source", "add", "--code", "SCH1", "--kind", "school", "--name", "Mill Lane Primary",
            "--la", "873")
    good = upn(serial=1)
    census = tmp_path / "census.csv"
    census.write_text(f"record_id,upn,forename,surname,dob\nA1,{'B' if good[0] != 'B' else 'C'}{good[1:]},Amelia,"
                      "Testwood,2015-03-14\n")
    done = isindex(database_url, "feed", "load", str(census), "--source", "SCH1")
    assert "row 2, column upn (warning): not a valid UPN (check letter should be" in done.stderr
    assert '"warnings": 1' in isindex(database_url, "feed", "load", str(census), "--source", "SCH1", "--json").stdout
