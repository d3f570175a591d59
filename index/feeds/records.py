"""Source records: upsert from feed rows, their carers, blocking keys and name counts,
and reading them back as matching input.

A source record is one source's own record of a child, keyed by (source, record key):
record_id for CSV, the UPN for CTF. Its content hash tells an unchanged row.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import secrets
import tempfile
import time
import uuid
from collections.abc import Callable, Container
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import asyncpg
import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import structlog

from index import sql
from matching import blocking, table
from matching.census import CensusRow

SQL = sql.queries("feeds_records")
T = TypeVar("T")

log = structlog.get_logger()

FIELDS = ("forename", "middle_names", "surname", "preferred_forename", "preferred_surname", "former_surname",
          "dob", "gender", "address_line1", "address_line2", "town", "postcode", "upn", "former_upn", "uln",
          "nhs_number")


class Existing(msgspec.Struct):
    id: uuid.UUID
    record_key: str
    content_hash: bytes | None
    child_id: uuid.UUID | None        # current link
    review_id: uuid.UUID | None       # open review item


def content_hash(row: CensusRow) -> bytes:
    return hashlib.sha256(msgspec.json.encode(msgspec.structs.replace(row, row=0))).digest()


async def find(conn: asyncpg.Connection, org_id: int, keys: list[str]) -> dict[str, Existing]:
    rows = await conn.fetch(SQL["find"], org_id, keys)
    return {r["record_key"]: Existing(r["id"], r["record_key"], r["content_hash"], r["child_id"], r["review_id"])
            for r in rows}


async def rekey_former_upns(conn: asyncpg.Connection, org_id: int, rows: list[CensusRow]) -> int:
    """A CTF pupil whose temporary UPN was replaced: the record keyed by the FormerUPN
    takes the new UPN as its key (unless a record with the new key exists already)."""
    pairs = [(r.former_upn.strip().upper(), r.record_id) for r in rows if r.former_upn]
    if not pairs:
        return 0
    result = await conn.execute(SQL["rekey_former_upns"], org_id, [p[0] for p in pairs], [p[1] for p in pairs])
    return int(result.split()[-1])


async def upsert(conn: asyncpg.Connection, org_id: int, feed_id: uuid.UUID, rows: list[CensusRow],
                 hashes: dict[str, bytes], known: Container[str] | None = None) -> dict[str, tuple[uuid.UUID, bool]]:
    """record key -> (source record id, newly inserted); hashes[record key] is the row's
    content_hash; `known`, the record keys the source has records for (find, under the
    resolve lock): the others are inserted without a conflict check. Carers are replaced.
    The rows go in by binary COPY into a staging table and from there in one or two
    statements (a new record's id is given, in increasing order: see ordered_ids)."""
    if not rows:
        return {}
    await conn.execute(SQL["drop_staged_rows"])
    await conn.execute(SQL["stage_rows"])
    staged = [(sid, known is not None and r.record_id not in known, r.record_id, hashes[r.record_id],
               *(getattr(r, f) for f in FIELDS)) for sid, r in zip(ordered_ids(len(rows)), rows)]
    await conn.copy_records_to_table("feed_source_rows", columns=STAGED_COLUMNS, records=staged)
    ids = {}
    if any(s[1] for s in staged):
        await conn.execute(SQL["insert_fresh"], org_id, feed_id)
        ids = {s[2]: (s[0], True) for s in staged if s[1]}
    if len(ids) < len(staged):
        got = await conn.fetch(SQL["upsert"], org_id, feed_id)
        ids.update((r["record_key"], (r["id"], r["inserted"])) for r in got)
    await conn.execute(SQL["drop_staged_rows"])
    replaced = [sid for sid, inserted in ids.values() if not inserted]
    if replaced:
        await conn.execute(SQL["delete_carers"], replaced)
    carers = carer_rows((ids[r.record_id][0], r) for r in rows)
    if carers:
        await conn.copy_records_to_table("source_record_carers", records=carers, columns=CARER_COLUMNS)
    return ids


STAGED_COLUMNS = ("id", "fresh", "record_key", "content_hash", *FIELDS)
CARER_COLUMNS = ("source_record_id", "position", "forename", "surname", "relationship", "parental_responsibility",
                 "phone")


def carer_rows(records) -> list[tuple]:
    """source_record_carers rows (CARER_COLUMNS) of (source record id, CensusRow) pairs."""
    return [(sid, k, c.forename, c.surname, c.relationship, c.parental_responsibility,
             c.phone[:40] if c.phone else None)
            for sid, r in records for k, c in enumerate(r.carers[:20], start=1)]


_last_id = 0


def ordered_ids(n: int) -> list[uuid.UUID]:
    """n new ids in increasing order (UUID version 7: the time in milliseconds first, then
    a random start counted up). A million records' ids written in order fill the indexes
    on them (source_records, match_keys, links) page after page; random ids would touch a
    random page of each index for every row once the indexes outgrow memory."""
    global _last_id
    start = (time.time_ns() // 1_000_000) << 80 | 0x7 << 76 | 0x2 << 62 | secrets.randbits(61)
    start = max(start, _last_id + 1)
    _last_id = start + n - 1
    return [uuid.UUID(int=start + k) for k in range(n)]


SOURCE_COLUMNS = ("id", "source_org_id", "record_key", "content_hash", *FIELDS)


def source_row(sid: uuid.UUID, org_id: int, row: CensusRow) -> tuple:
    """A new source record's row for COPY (SOURCE_COLUMNS)."""
    return (sid, org_id, row.record_id, content_hash(row), *(getattr(row, f) for f in FIELDS))


@dataclass(slots=True)
class NewRecords:
    """New source records ready to write (prepare_new): ids, rows for COPY, keys, name counts."""
    ids: list[uuid.UUID]
    records: list[tuple]
    carers: list[tuple]
    key_rows: np.ndarray
    keys: np.ndarray
    counts: dict[tuple[str, str], int]


def prepare_new(org_ids: list[int], rows: list[CensusRow], rules: tuple[blocking.Rule, ...]) -> NewRecords:
    """Source records known to be new (a source's first load, e.g. the demo's LA systems),
    row k a record of source org_ids[k], with their carers, their blocking keys (computed
    with `rules`, as a feed's are) and their name counts. CPU only (no connection), so a
    loader may prepare the next batch while the last one is written."""
    ids = ordered_ids(len(rows))
    tbl = table.build(table.Vocabs(), rows)
    key_rows, keys = blocking.stored_keys(tbl, rules)
    return NewRecords(
        ids=ids,
        records=[source_row(sid, org, r) for sid, org, r in zip(ids, org_ids, rows)],
        carers=carer_rows(zip(ids, rows)),
        key_rows=key_rows, keys=keys, counts=name_counts(tbl, range(len(rows))))


async def write_new(conn: asyncpg.Connection, new: NewRecords) -> list[uuid.UUID]:
    """Write prepared new source records with COPY; their ids. Linking them is the caller's."""
    if new.records:
        await conn.copy_records_to_table("source_records", columns=SOURCE_COLUMNS, records=new.records)
    if new.carers:
        await conn.copy_records_to_table("source_record_carers", records=new.carers, columns=CARER_COLUMNS)
    await write_keys(conn, new.ids, new.key_rows, new.keys)
    await add_counts(conn, new.counts)
    return new.ids


async def touch(conn: asyncpg.Connection, feed_id: uuid.UUID, ids: list[uuid.UUID]) -> None:
    """Mark unchanged records as present in this feed (a full census ends the others)."""
    if ids:
        await conn.execute(SQL["touch"], feed_id, ids)


async def delete_keys(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> None:
    """Drop the stored blocking keys of these source records (their content changed)."""
    if ids:
        await conn.execute(SQL["delete_keys"], ids)


async def write_keys(conn: asyncpg.Connection, sids: list[uuid.UUID], rows: np.ndarray, keys: np.ndarray) -> None:
    """Store blocking keys: record sids[rows[k]] has key keys[k]."""
    if len(rows):
        await copy_keys(conn, keys_csv(sids, rows, keys))


async def copy_keys(conn: asyncpg.Connection, data: bytes) -> None:
    """Store blocking keys made as CSV by keys_csv (nothing for none)."""
    if data:
        await copy_csv(conn, "match_keys", KEY_COLUMNS, data)


KEY_COLUMNS = ("source_record_id", "key")


def keys_csv(sids: list[uuid.UUID], rows: np.ndarray, keys: np.ndarray) -> bytes:
    """write_keys' rows as CSV (KEY_COLUMNS), in key order: index pages are filled in
    key order, not at random. CPU only, so a loader may make them in a thread."""
    order = np.argsort(keys, kind="stable")
    rows, keys = rows[order], keys[order]
    ids = pa.array([str(s) for s in sids], pa.string()).take(pa.array(rows, pa.int64()))
    return csv_bytes(pa.table({"source_record_id": ids, "key": pa.array(keys, pa.int64())}))


def csv_bytes(data: pa.Table) -> bytes:
    buf = io.BytesIO()
    pcsv.write_csv(data, buf, pcsv.WriteOptions(include_header=False))
    return buf.getvalue()


async def copy_csv(conn: asyncpg.Connection, name: str, columns: tuple[str, ...], data: bytes) -> None:
    """COPY CSV rows (csv_bytes) into `name`, handed to the driver in pieces of 16 MB (a
    file would be read in a thread, 512 kB at a time: slow while another thread is busy)."""
    async def pieces():
        view = memoryview(data)
        for start in range(0, len(view), 1 << 24):
            yield view[start:start + (1 << 24)]

    await conn.copy_to_table(name, source=pieces(), columns=columns, format="csv")


async def copy_in(conn: asyncpg.Connection, name: str, data: pa.Table) -> None:
    """COPY an Arrow table into `name` (columns by name) as CSV."""
    await copy_csv(conn, name, tuple(data.column_names), csv_bytes(data))


async def copy_out(conn: asyncpg.Connection, query: str, *args, text: tuple[str, ...] = ()) -> pa.Table:
    """A query's rows as an Arrow table (COPY ... TO STDOUT as CSV); `text` columns are
    read as strings, empty or NULL as ''."""
    with tempfile.TemporaryFile() as buf:
        return (await _copied(conn, buf, query, args, text, 1 << 26)).read_all()


async def copy_out_pieces(conn: asyncpg.Connection, query: str, *args, text: tuple[str, ...] = (),
                          handle: Callable[[pa.Table], T], piece_bytes: int = 1 << 23, ahead: int = 2) -> list[T]:
    """copy_out in pieces of about `piece_bytes` of whole rows, each handed to handle(rows)
    in a thread as soon as it has arrived, while the next one is still coming: the handling
    (building a matching table) and PostgreSQL's query run side by side. One piece at a
    time is handled, in order; at most `ahead` pieces wait, so memory stays bounded. The
    results of handle, in order."""
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy-out")
    names: list[str] = []
    waiting: list[asyncio.Future] = []
    buf = bytearray()

    def parse(data: bytes) -> T:
        options = pcsv.ReadOptions(use_threads=False, block_size=1 << 24, column_names=names or None)
        rows = pcsv.read_csv(io.BytesIO(data), read_options=options, parse_options=PARSE, convert_options=_convert(text))
        if not names:
            names.extend(rows.column_names)   # the header, in the first piece only
        return handle(rows)

    async def piece(data: bytes) -> None:
        if sum(not f.done() for f in waiting) >= ahead:
            await next(f for f in waiting if not f.done())
        waiting.append(loop.run_in_executor(pool, parse, data))

    async def received(data: bytes) -> None:
        buf.extend(data)
        if len(buf) >= piece_bytes:
            cut = whole_rows(buf)
            if cut:
                await piece(bytes(buf[:cut]))
                del buf[:cut]

    try:
        await conn.copy_from_query(query, *args, output=received, format="csv", header=True)
        if buf:
            await piece(bytes(buf))
        return list(await asyncio.gather(*waiting))
    finally:
        for f in waiting:
            f.cancel()
        pool.shutdown(wait=False, cancel_futures=True)


def whole_rows(buf: bytes | bytearray) -> int:
    """The length of buf's longest start made of whole CSV rows (0 if it has none): up to
    a newline outside quotes. A quote inside a quoted value is doubled, so a newline ends a
    row where the quotes before it are even in number."""
    end = buf.rfind(b"\n")
    while end >= 0 and buf.count(b'"', 0, end) % 2:
        end = buf.rfind(b"\n", 0, end)
    return end + 1


PARSE = pcsv.ParseOptions(newlines_in_values=True)


def _convert(text: tuple[str, ...]) -> pcsv.ConvertOptions:
    return pcsv.ConvertOptions(strings_can_be_null=False, quoted_strings_can_be_null=False,
                               column_types={c: pa.string() for c in text})


async def _copied(conn: asyncpg.Connection, buf, query: str, args, text: tuple[str, ...], block: int):
    await conn.copy_from_query(query, *args, output=buf, format="csv", header=True)
    buf.seek(0)
    return pcsv.open_csv(buf, read_options=pcsv.ReadOptions(block_size=block, use_threads=False),
                         parse_options=PARSE, convert_options=_convert(text))


# A source record's matching fields, census column names (sr: source_records).
MATCH_FIELDS = """sr.forename, sr.middle_names, sr.surname, sr.preferred_forename, sr.preferred_surname,
       sr.former_surname, to_char(sr.dob, 'YYYY-MM-DD') AS dob, sr.gender, sr.address_line1, sr.address_line2,
       sr.town, sr.postcode, sr.upn, sr.former_upn, sr.uln, sr.nhs_number,
       c1.forename AS carer1_forename, c1.surname AS carer1_surname,
       c2.forename AS carer2_forename, c2.surname AS carer2_surname"""
MATCH_CARERS = """LEFT JOIN source_record_carers c1 ON c1.source_record_id = sr.id AND c1.position = 1
  LEFT JOIN source_record_carers c2 ON c2.source_record_id = sr.id AND c2.position = 2"""
MATCH_TEXT = ("record_id", "forename", "middle_names", "surname", "preferred_forename", "preferred_surname",
              "former_surname", "dob", "gender", "address_line1", "address_line2", "town", "postcode", "upn",
              "former_upn", "uln", "nhs_number", "carer1_forename", "carer1_surname", "carer2_forename",
              "carer2_surname")


def match_table(vocabs: table.Vocabs, got: pa.Table | pa.RecordBatch, *, known_ids_only: bool = False) -> table.Table:
    """A matching Table from copy_out rows carrying MATCH_FIELDS and a record_id."""
    return table.build(vocabs, source={name: got.column(name) for name in MATCH_TEXT}, known_ids_only=known_ids_only)


REBUILD_BATCH = 100_000
REBUILD = ("SELECT sr.id AS record_id, " + MATCH_FIELDS + " FROM source_records sr " + MATCH_CARERS
           + " WHERE sr.id > $1 ORDER BY sr.id LIMIT $2")


async def ensure_keys(conn: asyncpg.Connection, rules: tuple[blocking.Rule, ...]) -> bool:
    """Rebuild every source record's stored keys if they were computed with other
    blocking rules (a new model, or keys never built); True if rebuilt."""
    names = ",".join(r.name for r in rules)
    built = await conn.fetchval(SQL["key_rules"])
    if built == names:
        return False
    if built is None and not await conn.fetchval(SQL["any_source_record"]):
        await conn.execute(SQL["record_key_rules"], names)
        return False
    log.info("match_keys_rebuild", rules=names)
    await conn.execute(SQL["clear_keys"])
    after = uuid.UUID(int=0)
    while True:
        got = await copy_out(conn, REBUILD, after, REBUILD_BATCH, text=MATCH_TEXT)
        if got.num_rows == 0:
            break
        tbl = match_table(table.Vocabs(), got)
        rows, keys = blocking.stored_keys(tbl, rules)
        sids = [uuid.UUID(s) for s in tbl.ids]
        await write_keys(conn, sids, rows, keys)
        after = sids[-1]
    await conn.execute(SQL["rebuilt_key_rules"], names)
    return True


async def count_names(conn: asyncpg.Connection, tbl: table.Table, rows: list[int]) -> None:
    """Add the names of newly inserted records (rows of tbl) to the term counts."""
    await add_counts(conn, name_counts(tbl, rows))


def name_counts(tbl: table.Table, rows) -> dict[tuple[str, str], int]:
    """(kind, name) -> how often among these rows of tbl."""
    values = tbl.vocabs.names.values
    counts: dict[tuple[str, str], int] = {}
    for kind, columns in (("forename", ("forename",)), ("surname", ("surname",)),
                          ("carer_forename", ("carer1_forename", "carer2_forename"))):
        for column in columns:
            col = tbl[column]
            for k in rows:
                code = int(col[k])
                if code >= 0:
                    key = (kind, values[code][:100])
                    counts[key] = counts.get(key, 0) + 1
    return counts


async def add_counts(conn: asyncpg.Connection, counts: dict[tuple[str, str], int]) -> None:
    if counts:
        await conn.execute(SQL["add_counts"], [k for k, _ in counts], [v for _, v in counts], list(counts.values()))
