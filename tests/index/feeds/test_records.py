"""Reading rows back from PostgreSQL in pieces (index.feeds.records.copy_out_pieces): the
pieces, handled as they arrive, hold exactly the rows a whole copy_out holds, in order,
whatever the values (quotes, commas, newlines inside them) and wherever a piece ends."""

import csv
import io

import pyarrow as pa
import pytest
from hypothesis import given, settings, strategies as st

from index.feeds import records


@pytest.mark.parametrize(("text", "whole"), [
    (b"", 0),
    (b"a,b", 0),                                 # no row ended yet
    (b"a,b\n", 4),
    (b"a,b\nc,d", 4),
    (b'a,"x\ny"\n', 8),                          # a newline inside quotes ends no row
    (b'a,"x\ny', 0),
    (b'a,"he said ""hi""\n"\nb,c\n', 24),        # doubled quotes inside a quoted value
    (b'a,"he said ""hi""\n"\nb,"c\n', 20),
])
def test_whole_rows_ends_at_a_newline_outside_quotes(text, whole):
    assert records.whole_rows(text) == whole


values = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\'é')), max_size=6)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(values, values), max_size=8), cut=st.integers(min_value=0))
def test_a_cut_at_whole_rows_leaves_whole_rows_on_each_side(rows, cut):
    data = "".join(",".join(_pg_csv(v) for v in row) + "\n" for row in rows).encode()
    head = data[:cut % (len(data) + 1)]
    n = records.whole_rows(head)
    assert _read(data[:n]) + _read(data[n:]) == [list(r) for r in rows]
    assert _read(data[:n]) == [list(r) for r in rows][:len(_read(data[:n]))]


def _pg_csv(value: str) -> str:
    """A value as PostgreSQL's COPY ... CSV writes it: quoted when it holds a delimiter,
    a quote, CR or LF, or is empty (an empty string, not a NULL), quotes doubled."""
    if value == "" or any(c in value for c in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _read(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(), newline="")))


QUERY = ("SELECT n AS idx, CASE WHEN n % 3 = 0 THEN E'line\\none, \"quoted\"' ELSE 'name ' || n END AS forename, "
         "CASE WHEN n % 5 = 0 THEN '' ELSE NULL END AS surname FROM generate_series(1, $1::integer) AS n ORDER BY n")


@pytest.mark.parametrize(("rows", "piece_bytes"), [(0, 64), (1, 64), (20_000, 64), (20_000, 10_000),
                                                   (20_000, 1 << 23)])
async def test_pieces_hold_the_rows_of_a_whole_copy(conn, rows, piece_bytes):
    whole = await records.copy_out(conn, QUERY, rows, text=("forename", "surname"))
    pieces = await records.copy_out_pieces(conn, QUERY, rows, text=("forename", "surname"), piece_bytes=piece_bytes,
                                           handle=lambda got: got.select(["forename", "surname"]).to_pylist())
    got = [row for piece in pieces for row in piece]
    assert got == whole.select(["forename", "surname"]).to_pylist()
    assert len(got) == rows
    if rows > 5:
        assert got[2]["forename"] == 'line\none, "quoted"' and got[4]["surname"] == ""    # NULL and '' both ''
    if rows > 5 and piece_bytes < 1 << 20:
        assert len(pieces) > 1


async def test_a_handler_error_goes_on_and_leaves_the_connection_usable(conn):
    def fails(got: pa.Table):
        raise ValueError("no")

    with pytest.raises(ValueError):
        await records.copy_out_pieces(conn, QUERY, 500, text=("forename", "surname"), piece_bytes=64, handle=fails)
    assert await conn.fetchval("SELECT 1") == 1
