"""Tests for the streaming CTF reader (index.feeds.ctf)."""

from __future__ import annotations

import datetime
import itertools
import tracemalloc

import pytest

from index.feeds import ctf
from index.feeds.ctf import CtfHeader
from matching.census import Carer, CensusRow, FileError, RowError

UPN1, UPN2, UPN3 = "A123456789012", "B234567890123", "C345678901234"


def header(version="25.0", qualifier="full", urn="123456", extra=""):
    return (f"<Header><DocumentName>Common Transfer File</DocumentName><CTFversion>{version}</CTFversion>"
            f"<DateTime>2020-04-29T12:03:31</DateTime><DocumentQualifier>{qualifier}</DocumentQualifier>"
            f"<SupplierID>SIMS</SupplierID><SourceSchool><LEA>201</LEA><Estab>4001</Estab><URN>{urn}</URN>"
            f"<SchoolName>Hill Primary</SchoolName><AcademicYear>2019</AcademicYear></SourceSchool>"
            f"<DestSchool><LEA>202</LEA><Estab>4002</Estab></DestSchool>{extra}</Header>")


def ctf_file(*pupils: str, head: str | None = None) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<CTfile>\n' + (head or header())
            + "\n<CTFpupilData>\n" + "\n".join(pupils) + "\n</CTFpupilData>\n</CTfile>\n").encode()


def pupil(upn=UPN1, surname="Smith", forename="Ann", dob="2015-03-04", extra=""):
    tags = (("UPN", upn), ("Surname", surname), ("Forename", forename), ("DOB", dob))
    return "<Pupil>" + "".join(f"<{t}>{v}</{t}>" for t, v in tags if v is not None) + extra + "</Pupil>"


def read_all(data: bytes, chunk=4096, **kwargs):
    head, rows = ctf.read((data[i:i + chunk] for i in range(0, len(data), chunk)), **kwargs)
    return head, list(rows)


GOOD = ctf_file(pupil())


def only_row(data: bytes):
    _, rows = read_all(data)
    assert len(rows) == 1
    return rows[0]


V19 = ctf_file("""
<Pupil>
  <UPN>A123456789012</UPN><UniqueLearnerNumber>1234567890</UniqueLearnerNumber><UCI>X</UCI>
  <Surname>O'BRIEN</Surname><Forename>SEAN</Forename><DOB>2012-09-30</DOB><Gender>M</Gender>
  <BasicDetails>
    <FormerUPN>T123456789012</FormerUPN><PreferredSurname>OBRIEN</PreferredSurname>
    <PreferredForename>SHAUN</PreferredForename><FormerSurname>KELLY</FormerSurname>
    <FormerForename>S</FormerForename><MiddleNames>PATRICK JOHN</MiddleNames>
    <Ethnicity>WIRI</Ethnicity><EthnicitySource>P</EthnicitySource><Languages><Type>FLANG</Type></Languages>
  </BasicDetails>
  <Address>
    <AddressLines><AddressLine1>Flat 2</AddressLine1><AddressLine2>11 Mill Road</AddressLine2>
      <AddressLine3>Eastfield</AddressLine3><AddressLine4>Leeds</AddressLine4></AddressLines>
    <County>West Yorkshire</County><PostCode>LS1 4AB</PostCode>
  </Address>
  <Phones><Phone><TelephoneType>H</TelephoneType><PhoneNo>0113 496 0000</PhoneNo></Phone></Phones>
  <Email>pupil@example.com</Email>
  <Contacts>
    <Contact><Order>2</Order><Title>Mr</Title><Surname>O'BRIEN</Surname><Forename>LIAM</Forename>
      <Gender>M</Gender><Relationship>PAF</Relationship><Responsibility>false</Responsibility>
      <Address><AddressAsPupil>true</AddressAsPupil></Address>
      <Phones><Phone><TelephoneType>M</TelephoneType><PhoneNo>07700900123</PhoneNo></Phone></Phones></Contact>
    <Contact><Order>1</Order><Title>Mrs</Title><Surname>KELLY</Surname><Forename>MARY</Forename>
      <Gender>F</Gender><Relationship>PAM</Relationship><Responsibility>true</Responsibility>
      <Phones><Phone><TelephoneType>H</TelephoneType><PhoneNo> 0113 496 0001 </PhoneNo></Phone>
        <Phone><TelephoneType>M</TelephoneType><PhoneNo>07700 900 124</PhoneNo></Phone></Phones></Contact>
  </Contacts>
</Pupil>""", head=header(version="19.0", urn="XXXXXX"))

V25 = ctf_file("""
<Pupil>
  <UPN>  B234567890123 </UPN><Surname>  Jones  </Surname><Forename>  Mia </Forename><DOB>2016-02-29</DOB>
  <Sex>F</Sex><Gender>M</Gender>
  <BasicDetails><MiddleNames>  Rose </MiddleNames></BasicDetails>
  <Address>
    <BS7666Address><SAON>  Flat 3     </SAON><PAON>  11      </PAON><Street>High Street   </Street>
      <Locality> Old Town </Locality><Town>    </Town><AdministrativeArea>Kent</AdministrativeArea>
      <PostTown> Canterbury </PostTown><UniquePropertyReferenceNumber>100012345678</UniquePropertyReferenceNumber>
    </BS7666Address>
    <PostCode> CT1 2AB </PostCode><Country>England</Country><Easting>615000</Easting><Northing>157000</Northing>
  </Address>
  <Contacts><Contact><Surname>Jones</Surname><Forename>Kim</Forename><Responsibility>true</Responsibility>
  </Contact></Contacts>
</Pupil>""")


def test_realistic_v19_address_lines_and_gender():
    head, rows = read_all(V19, chunk=37)
    assert head == CtfHeader(version="19.0", qualifier="full", source_lea="201", source_estab="4001",
                             source_urn=None, supplier="SIMS")
    assert rows == [CensusRow(
        row=1, record_id=UPN1, upn=UPN1, forename="SEAN", surname="O'BRIEN", dob=datetime.date(2012, 9, 30),
        former_upn="T123456789012", uln="1234567890", nhs_number=None, middle_names="PATRICK JOHN",
        preferred_forename="SHAUN", preferred_surname="OBRIEN", former_surname="KELLY", gender="M",
        address_line1="Flat 2", address_line2="11 Mill Road, Eastfield", town="Leeds", postcode="LS1 4AB",
        carers=(Carer("MARY", "KELLY", "PAM", True, "0113 496 0001"),
                Carer("LIAM", "O'BRIEN", "PAF", False, "07700900123")),
    )]


def test_v25_bs7666_padded_values_and_sex_over_gender():
    head, rows = read_all(V25, chunk=1)
    assert head.version == "25.0" and head.source_urn == "123456"
    assert rows == [CensusRow(
        row=1, record_id=UPN2, upn=UPN2, forename="Mia", surname="Jones", dob=datetime.date(2016, 2, 29),
        middle_names="Rose", gender="F", address_line1="Flat 3 11 High Street", address_line2="Old Town",
        town="Canterbury", postcode="CT1 2AB", carers=(Carer("Kim", "Jones", None, True, None),),
    )]


@pytest.mark.parametrize("address, expected", [
    ("<AddressLines><AddressLine1>1 A Rd</AddressLine1></AddressLines><PostCode>AB1 2CD</PostCode>",
     ("1 A Rd", None, None, "AB1 2CD")),
    ("<AddressLines><AddressLine1>1 A Rd</AddressLine1><AddressLine3>Bee</AddressLine3>"
     "<AddressLine5>Sea</AddressLine5></AddressLines>", ("1 A Rd", "Bee", "Sea", None)),
    ("<AddressLines><AddressLine1>1 A Rd</AddressLine1><AddressLine2>Bee</AddressLine2><AddressLine3> Dee "
     "</AddressLine3><AddressLine4>Ee</AddressLine4><AddressLine5>  </AddressLine5></AddressLines>",
     ("1 A Rd", "Bee, Dee", "Ee", None)),
    ("<BS7666Address><PAON>7</PAON><Street>Long Lane</Street><Town>Ely</Town><PostTown>Cambridge</PostTown>"
     "</BS7666Address>", ("7 Long Lane", None, "Ely", None)),
    ("<AddressLines><AddressLine1>4 Rue X</AddressLine1><AddressLine4>Paris</AddressLine4></AddressLines>"
     "<PostCode>SW1A 1AA</PostCode><ZIP>75001</ZIP><Country>FRA</Country>", ("4 Rue X", None, "Paris", None)),
    ("<AddressLines><AddressLine1>9 Str</AddressLine1></AddressLines><PostCode>XX</PostCode><Zip>10115</Zip>",
     ("9 Str", None, None, None)),
    ("<AddressLines><AddressLine1>9 Str</AddressLine1></AddressLines><PostCode>LS1 1AA</PostCode>"
     "<Country>Germany</Country>", ("9 Str", None, None, None)),
    ("<AddressLines><AddressLine1>9 Str</AddressLine1></AddressLines><PostCode>LS1 1AA</PostCode>"
     "<Country>United  Kingdom</Country>", ("9 Str", None, None, "LS1 1AA")),
    ("", (None, None, None, None)),
])
def test_address_mapping(address, expected):
    row = only_row(ctf_file(pupil(extra=f"<Address>{address}</Address>")))
    assert (row.address_line1, row.address_line2, row.town, row.postcode) == expected


@pytest.mark.parametrize("contacts, expected", [
    ("", ()),   # partial files usually carry none
    ("<Contact><Surname>Lee</Surname><Forename>Jo</Forename></Contact>", (Carer("Jo", "Lee", None, None, None),)),
    ("<Contact><Forename>C</Forename><Relationship>car</Relationship></Contact>"
     "<Contact><Order>3</Order><Forename>B</Forename></Contact>"
     "<Contact><Order>1</Order><Forename>A</Forename><Relationship>FAM</Relationship></Contact>",
     (Carer("A", None, "FAM", None, None), Carer("B", None, None, None, None),
      Carer("C", None, "CAR", None, None))),
    # identical contacts stay two contacts: never merged
    ("<Contact><Surname>Lee</Surname><Relationship>PAM</Relationship></Contact>" * 2,
     (Carer(None, "Lee", "PAM", None, None),) * 2),
    ("<Contact><Order>10</Order><Forename>Ten</Forename></Contact><Contact><Order>9</Order>"
     "<Forename>Nine</Forename><Phones><Phone><PhoneNo> </PhoneNo></Phone><Phone><PhoneNo>496 0000</PhoneNo>"
     "</Phone></Phones></Contact>",
     (Carer("Nine", None, None, None, "496 0000"), Carer("Ten", None, None, None, None))),
    ("<Contact><Order>\u00b2</Order><Forename>Odd</Forename></Contact><Contact><Order>7</Order>"
     "<Forename>Seven</Forename></Contact>",
     (Carer("Seven", None, None, None, None), Carer("Odd", None, None, None, None))),
])
def test_contacts(contacts, expected):
    row = only_row(ctf_file(pupil(extra=f"<Contacts>{contacts}</Contacts>" if contacts else "")))
    assert row.carers == expected


@pytest.mark.parametrize("version, qualifier, urn, expected", [
    ("19", "full", "123456", ("19", "full", "123456")),
    ("25.0", "Partial", "XXXXXX", ("25.0", "partial", None)),
    (" 22.1 ", "partial", "", ("22.1", "partial", None)),
])
def test_header_values(version, qualifier, urn, expected):
    head, rows = read_all(ctf_file(head=header(version, qualifier, urn)))
    assert (head.version, head.qualifier, head.source_urn) == expected and rows == []


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbf" + GOOD,
    GOOD.replace(b'encoding="UTF-8"', b"encoding='utf-8'"),
    GOOD.replace(b'<?xml version="1.0" encoding="UTF-8"?>', b""),
    GOOD.replace(b'<?xml version="1.0" encoding="UTF-8"?>', b'<?xml version="1.0"?>'),
])
def test_utf8_variants_are_accepted(data):
    assert read_all(data, chunk=5)[1][0].record_id == UPN1


def test_partial_file_without_contacts():
    head, rows = read_all(ctf_file(pupil(), pupil(UPN2), head=header(qualifier="partial")))
    assert head.qualifier == "partial"
    assert [(r.row, r.record_id, r.carers) for r in rows] == [(1, UPN1, ()), (2, UPN2, ())]


def test_unknown_elements_are_ignored():
    row = only_row(ctf_file(pupil(extra="<VendorExtra><Thing>1</Thing></VendorExtra><Foo/>")))
    assert isinstance(row, CensusRow) and row.record_id == UPN1


BOMB = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;'
        '&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        '<CTfile>&lol3;</CTfile>').encode()


@pytest.mark.parametrize("data, message", [
    (b"<!DOCTYPE CTfile><CTfile/>", "DOCTYPE"),
    (BOMB, "DOCTYPE"),
    (b'<!DOCTYPE CTfile [<!ENTITY x SYSTEM "file:///etc/passwd">]><CTfile>&x;</CTfile>', "DOCTYPE"),
    (b'<!DOCTYPE CTfile SYSTEM "http://example.com/ctf.dtd"><CTfile/>', "DOCTYPE"),
    (b'<!DOCTYPE CTfile [<!ENTITY % p SYSTEM "http://example.com/p">%p;]><CTfile/>', "DOCTYPE"),
    (b"<CTfile>&undefined;</CTfile>", "not well-formed XML at line 1"),
    (GOOD.replace(b"</Surname>", b"</Surnam>"), "not well-formed XML at line 5"),
    (GOOD.replace(b"Smith", b"Sm\xe9th"), "not UTF-8"),
    (GOOD.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'), "encoding other than UTF-8"),
    (GOOD.replace(b'encoding="UTF-8"', b"encoding='windows-1252'"), "encoding other than UTF-8"),
    ("<CTfile/>".encode("utf-16"), "not UTF-8"),
    (GOOD.replace(b"CTfile>", b"CTFile>"), "root element must be CTfile"),
    (b"<CTfile><CTFpupilData/></CTfile>", "missing Header"),
    (b"<CTfile/>", "missing Header"),
    (b"", "empty"),
    (ctf_file(head=header().replace("<CTFversion>25.0</CTFversion>", "")), "CTFversion is missing"),
    (ctf_file(head=header(version="18.0")), "CTFversion 18.0 is not supported"),
    (ctf_file(head=header(version="26.0")), "CTFversion 26.0 is not supported"),
    (ctf_file(head=header(version="abc")), "CTFversion is not a version number"),
    (ctf_file(head=header(qualifier="delta")), "DocumentQualifier must be full or partial"),
    (ctf_file(head=header(qualifier="")), "DocumentQualifier must be full or partial"),
    (ctf_file(head=header(urn="1" * 300)), "Header/SourceSchool/URN is longer than 200"),
])
def test_file_errors(data, message):
    with pytest.raises(FileError, match=message):
        read_all(data)


def test_size_cap_counts_streamed_bytes_and_names_the_cap():
    with pytest.raises(FileError, match="limit of 1000 bytes"):
        read_all(ctf_file(*(pupil(f"A{i:012d}") for i in range(20))), chunk=100, max_bytes=1000)

    def endless():   # never ends: the cap must stop it
        yield b"<CTfile>" + header().encode() + b"<CTFpupilData>"
        while True:
            yield pupil().encode()

    head, rows = ctf.read(endless(), max_bytes=100_000)
    assert head.version == "25.0"
    with pytest.raises(FileError, match="100000 bytes"):
        list(rows)


def test_fatal_error_after_rows_ends_the_stream():
    _, rows = ctf.read([ctf_file(pupil(), pupil(UPN2))[:-30]])
    assert next(rows).record_id == UPN1   # yielded before the damage is seen: caller must discard
    with pytest.raises(FileError, match="not well-formed"):
        list(rows)
    assert list(rows) == []


@pytest.mark.parametrize("pupils, column, hidden", [
    ([pupil(dob="04/03/2015")], "DOB", "04/03/2015"),
    ([pupil(dob="2015-02-30")], "DOB", "2015-02-30"),
    ([pupil(dob="\u0662\u0660\u0661\u0665-03-04")], "DOB", "\u0662\u0660"),
    ([pupil(dob=None)], "DOB", None),
    ([pupil(surname="   ")], "Surname", None),
    ([pupil(surname=None)], "Surname", None),
    ([pupil(forename="")], "Forename", None),
    ([pupil(upn=None)], "UPN", None),
    ([pupil(upn=" ")], "UPN", None),
    ([pupil(), pupil(forename="Bea")], "UPN", UPN1),
    ([pupil(), pupil(f" {UPN1} ")], "UPN", UPN1),
    ([pupil(extra="<Sex>Zed</Sex>")], "Sex", "Zed"),
    ([pupil(extra="<Gender>Q</Gender>")], "Gender", "Q"),
    ([pupil(surname="Longname" * 30)], "Surname", "Longname"),
    ([pupil(extra="<BasicDetails><MiddleNames>" + "Mid" * 70 + "</MiddleNames></BasicDetails>")],
     "BasicDetails/MiddleNames", "MidMid"),
    ([pupil(extra="<Address><BS7666Address><Street>" + "Lane" * 51 + "</Street></BS7666Address></Address>")],
     "Address/BS7666Address/Street", "Lane"),
    ([pupil(extra="<Contacts><Contact><Surname>Ogg</Surname><Relationship>WIZARD</Relationship></Contact></Contacts>")],
     "Contact.Relationship", "MUM"),
    ([pupil(extra="<Contacts><Contact><Responsibility>maybe</Responsibility></Contact></Contacts>")],
     "Contact.Responsibility", "maybe"),
    ([pupil(extra="<Contacts><Contact><Forename>" + "Al" * 101 + "</Forename></Contact></Contacts>")],
     "Contact.Forename", "AlAl"),
])
def test_row_errors(pupils, column, hidden):
    _, rows = read_all(ctf_file(*pupils, pupil(UPN3)))
    *before, error, last = rows
    assert all(isinstance(r, CensusRow) for r in before)
    assert isinstance(error, RowError) and error.row == len(pupils) and error.column == column
    assert last.row == len(pupils) + 1 and last.record_id == UPN3   # the rest of the file is still read
    assert "Smith" not in error.message and "Ann" not in error.message
    if hidden:
        assert hidden not in str(error)


def test_duplicate_upn_message():
    _, rows = read_all(ctf_file(pupil(), pupil()))
    assert rows[1] == RowError(2, "UPN", "duplicate UPN: another pupil earlier in the file has the same UPN")


MARKERS = [f"MARKER{i:02d}" for i in range(13)]
CASE_CONTENT = ctf_file(f"""
<Pupil><UPN>{UPN1}</UPN><Surname>Smith</Surname><Forename>Ann</Forename><DOB>2015-03-04</DOB>
  <UCI>{MARKERS[0]}</UCI><NCyearActual>{MARKERS[1]}</NCyearActual>
  <BasicDetails><Ethnicity>{MARKERS[2]}</Ethnicity><Languages><Language>{MARKERS[3]}</Language></Languages>
    <FormerForename>{MARKERS[4]}</FormerForename><MedicalFlag>{MARKERS[5]}</MedicalFlag></BasicDetails>
  <SENhistory><SEN><SENprovision>{MARKERS[6]}</SENprovision></SEN></SENhistory>
  <FSMhistory><FSMinstance><FSMstartDate>{MARKERS[7]}</FSMstartDate></FSMinstance></FSMhistory>
  <Attendance><YearData><SessionsPossible>{MARKERS[8]}</SessionsPossible></YearData></Attendance>
  <StageAssessments><KeyStage><Result>{MARKERS[9]}</Result></KeyStage></StageAssessments>
  <Phones><Phone><PhoneNo>{MARKERS[10]}</PhoneNo></Phone></Phones><Email>{MARKERS[11]}</Email>
  <Contacts><Contact><Surname>Smith</Surname><Email>{MARKERS[12]}</Email></Contact></Contacts>
</Pupil>""", head=header(extra=f"<Note>{MARKERS[0]}</Note>"))


def test_case_content_never_reaches_output():
    head, rows = read_all(CASE_CONTENT)
    assert isinstance(rows[0], CensusRow)
    output = repr(head) + repr(rows) + "".join(map(str, rows))
    assert [m for m in MARKERS if m in output] == []


def test_streams_a_large_file_in_flat_memory():
    count = 20_000

    def chunks():
        yield b"<CTfile>" + header().encode() + b"<CTFpupilData>"
        for i in range(count):
            yield pupil(f"A{i:012d}", extra="<Contacts><Contact><Surname>Smith</Surname>"
                                            "<Relationship>PAM</Relationship></Contact></Contacts>").encode()
        yield b"</CTFpupilData></CTfile>"

    tracemalloc.start()
    try:
        _, rows = ctf.read(chunks())
        seen = sum(1 for row in rows if isinstance(row, CensusRow))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count
    assert peak < 8 * 1024 * 1024   # the UPN set is the only thing that grows


def test_chunking_does_not_change_the_result():
    whole = read_all(V19 + b"", chunk=len(V19))
    assert all(read_all(V19, chunk=n) == whole for n in (1, 2, 3, 64))
    assert list(itertools.islice(ctf.read([V25])[1], 1)) == read_all(V25)[1]


def test_one_big_chunk_is_fed_in_blocks():
    data = ctf_file(*(pupil(f"A{i:012d}") for i in range(2000)))
    assert len(data) > 3 * 64 * 1024
    _, rows = ctf.read([data])
    assert [r.row for r in rows] == list(range(1, 2001))
