import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import census, census_columns

HEADER = "record_id,forename,surname,dob"


def rows_and_errors(data: bytes):
    items = list(census.read([data]))
    return ([r for r in items if isinstance(r, census.CensusRow)],
            [str(e) for e in items if isinstance(e, census.RowError)])


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("record_id,forename,surname\n", "missing required column(s) dob"),
    (HEADER + ",sen_status\n", "unknown column(s) sen_status"),
    (HEADER + ",dob\n", "appear more than once"),
])
def test_bad_files_are_rejected_whole(text, message):
    for reader in (lambda d: list(census.read([d])), census_columns.read):
        with pytest.raises(census.FileError, match=message.replace("(", r"\(").replace(")", r"\)")):
            reader(text.encode())


def test_header_that_is_not_utf8_is_rejected():
    with pytest.raises(census.FileError, match="not UTF-8"):
        list(census.read([b"record_id,forename,surname,d\xffob\n"]))
    with pytest.raises(census.FileError, match="not UTF-8"):
        census_columns.read(b"record_id,forename,surname,d\xffob\n")


@pytest.mark.parametrize("row, error", [
    ("1,Amy,Smith,2015-02-30", "row 2, column dob: no such date: expected YYYY-MM-DD or DD/MM/YYYY"),
    ("1,Amy,Smith,yesterday", "row 2, column dob: not a date"),
    ("1,,Smith,2015-01-01", "row 2, column forename: required, but empty"),
    ("1,Amy,Smith", "row 2: 3 cells where the header has 4"),
])
def test_row_errors_name_the_row_and_column(row, error):
    rows, errors = rows_and_errors(f"{HEADER}\n{row}\n2,Bo,Jones,01/02/2016\n".encode())
    assert errors and errors[0].startswith(error)
    assert [r.record_id for r in rows] == ["2"]       # a bad row never stops the rest
    assert rows[0].dob == datetime.date(2016, 2, 1)


def test_duplicates_non_utf8_and_bom():
    data = ("\ufeff" + HEADER + ",gender,carer1_surname,carer1_relationship\n"
            "1,Amy,Smith,2015-01-01,Female,Smith,Mother\n1,Amy,Smith,2015-01-01,,,\n").encode() + \
        b"2,Am\xffy,Smith,2015-01-01,,,\n"
    rows, errors = rows_and_errors(data)
    assert errors == ["row 3, column record_id: duplicate record_id '1'",
                      "row 4, column forename: bytes that are not UTF-8"]
    assert rows[0].gender == "F" and rows[0].carers[0].relationship == "PAM"


cells = {
    "record_id": st.sampled_from(["1", "2", "3", ""]),
    "forename": st.sampled_from(["Amy", " Bo ", "", "Zoë", "x" * 201]),
    "surname": st.sampled_from(["Smith", "", "O'Neill"]),
    "dob": st.sampled_from(["2015-01-01", "01/02/2016", "2015-02-30", "soon", ""]),
    "gender": st.sampled_from(["", "M", "female", "Q"]),
    "carer1_relationship": st.sampled_from(["", "Mother", "PAF", "wizard"]),
    "carer1_parental_responsibility": st.sampled_from(["", "Y", "false", "maybe"]),
    "upn": st.sampled_from(["", "A801200001001"]),
}


@settings(max_examples=80, deadline=None)
@given(st.lists(st.fixed_dictionaries(cells), max_size=8), st.booleans())
def test_row_reader_and_column_reader_agree(rows, bad_bytes):
    columns = list(cells)
    lines = [",".join(columns)] + [",".join(f'"{r[c]}"' if "," in r[c] else r[c] for c in columns) for r in rows]
    data = ("\n".join(lines) + "\n").encode()
    if bad_bytes and rows:
        data = data.replace(b"Smith", b"Sm\xffith", 1)
    good, errors = rows_and_errors(data)
    source, column_errors = census_columns.read(data)
    assert [str(e) for e in column_errors] == errors
    assert source["record_id"].to_pylist() == [r.record_id for r in good]
    assert source["forename"].to_pylist() == [r.forename for r in good]


@pytest.mark.parametrize("data", [
    HEADER.encode() + b"\n,,,\n1,Amy,Smith,2015-01-01\n",                       # a row of empty cells
    HEADER.encode() + b'\n1,"Amy"x,Smith,2015-01-01\n',                          # text after a closing quote
    HEADER.encode() + b"\n1,Amy,Smith," + b"2015-01-01" + b" " * 195 + b"\n",    # long only by its spaces
    HEADER.encode() + b"\n1,Amy,Smith,2015-01-01\n2,\"Bo\n",                      # unclosed quote at the end
])
def test_readers_agree_on_awkward_csv(data):
    good, errors = rows_and_errors(data)
    source, column_errors = census_columns.read(data)
    assert [str(e) for e in column_errors] == errors
    assert source["record_id"].to_pylist() == [r.record_id for r in good]


def test_a_file_with_carriage_returns_only_is_read_or_rejected_the_same_way():
    data = (HEADER + "\r1,Amy,Smith,2015-01-01\r").encode()
    try:
        expected = rows_and_errors(data)
    except census.FileError as exc:
        with pytest.raises(census.FileError, match=str(exc)[:20]):
            census_columns.read(data)
    else:
        source, errors = census_columns.read(data)
        assert ([str(e) for e in errors], source["record_id"].to_pylist()) == (
            expected[1], [r.record_id for r in expected[0]])


def test_errors_do_not_repeat_personal_values():
    data = (HEADER + ",gender,carer1_relationship\n1,Amy,Smith,2015-02-30,Jane Smith,Mary (aunt)\n"
            "2,Bo,Jones,2015-01-01,,Mary (aunt)\n").encode()
    _, errors = rows_and_errors(data)
    text = " ".join(errors)
    assert "Jane" not in text and "Mary" not in text and "2015-02-30" not in text
    with pytest.raises(census.FileError) as exc:
        census_columns.read(b"Ann,Smith,2010-01-01,12 High St\n1,Bo,Jones,2015-01-01\n")
    assert "Ann" not in str(exc.value) and "High St" not in str(exc.value)
    assert "header row missing" in str(exc.value)
