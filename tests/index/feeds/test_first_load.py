"""A first load (index.feeds.first_load): the same result as the feed applied as one batch
(process.apply_rows), all or nothing, and only for an empty index."""

import datetime as dt
import sys

import pytest

from index import registry
from index.feeds import first_load, process, store
from tests.index.feeds.conftest import csv_bytes
from tests.perf.matching import synthetic

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def feed_bytes(tmp_path_factory) -> bytes:
    """One file holding a synthetic LA's records and a second source's records of many of
    the same children (typos, nicknames, twins, siblings, new children): duplicates
    within the feed, plus a row too early to be a child's and one exact repeat under
    another key."""
    out = tmp_path_factory.mktemp("first-load")
    synthetic.generate_files(400, 150, out, seed=11)
    existing = (out / "existing.csv").read_text(encoding="utf-8").splitlines()
    incoming = (out / "incoming.csv").read_text(encoding="utf-8").splitlines()
    assert existing[0] == incoming[0]
    header = existing[0].split(",")
    early = existing[5].split(",")
    early[header.index("record_id")] = "EARLY1"
    early[header.index("dob")] = "1985-01-01"
    for column, value in (("forename", "Zebedee"), ("surname", "Quartermaine"), ("upn", ""), ("uln", ""),
                          ("nhs_number", "")):
        if column in header:
            early[header.index(column)] = value
    repeat = existing[7].split(",")
    repeat[header.index("record_id")] = "REPEAT7"
    bad = existing[9].split(",")
    bad[header.index("record_id")] = "BADDATE9"
    bad[header.index("dob")] = "2015-13-45"
    lines = [*existing, *incoming[1:], ",".join(early), ",".join(repeat), ",".join(bad)]
    return ("\n".join(lines) + "\n").encode()


SNAPSHOT = {
    "records": """
        SELECT sr.record_key, sr.content_hash, sr.forename, sr.surname, sr.dob, sr.postcode, sr.upn,
               (SELECT count(*) FROM source_record_carers c WHERE c.source_record_id = sr.id) AS carers,
               l.method, l.match_weight, l.model_version, l.feed_id IS NOT NULL AS by_feed,
               c.forename AS c_forename, c.middle_names AS c_middle, c.surname AS c_surname,
               c.preferred_forename AS c_preferred, c.sex AS c_sex, c.dob AS c_dob, c.address_line1 AS c_line1,
               c.town AS c_town, c.postcode AS c_postcode, c.owning_la AS c_la, c.shielded AS c_shielded,
               (SELECT array_agg(ROW(i.scheme, i.value, i.valid, i.temporary)::text ORDER BY 1)
                  FROM child_identifiers i WHERE i.child_id = c.id) AS identifiers,
               (SELECT array_agg(ROW(n.kind, n.forename_key, n.surname_key, n.dob)::text ORDER BY 1)
                  FROM child_search_names n WHERE n.child_id = c.id) AS search_names,
               (SELECT array_agg(ROW(k.forename, k.surname, k.relationship, k.parental_responsibility, k.phone)::text
                                 ORDER BY 1) FROM carers k WHERE k.child_id = c.id) AS child_carers,
               (SELECT array_agg(f.surname ORDER BY 1) FROM child_former_names f WHERE f.child_id = c.id) AS former,
               (SELECT array_agg(ROW(o.code, v.start_date, v.end_date)::text ORDER BY 1)
                  FROM involvements v JOIN organisations o ON o.id = v.org_id WHERE v.child_id = c.id) AS involved,
               ri.status AS review_status, ri.reasons::text AS review_reasons, ri.shielded AS review_shielded,
               (SELECT count(*) FROM review_candidates rc WHERE rc.review_id = ri.id) AS review_candidates,
               (SELECT array_agg(k.key ORDER BY k.key) FROM match_keys k WHERE k.source_record_id = sr.id) AS keys
          FROM source_records sr
          LEFT JOIN links l ON l.source_record_id = sr.id AND l.unlinked_at IS NULL
          LEFT JOIN children c ON c.id = l.child_id
          LEFT JOIN review_items ri ON ri.source_record_id = sr.id
         ORDER BY sr.record_key""",
    "counts": "SELECT kind, value, n FROM match_term_counts ORDER BY kind, value",
    "feed": "SELECT rows, rows_done, linked, created, review, unchanged, rejected, status FROM feeds",
    "errors": "SELECT row, column_name, message FROM feed_row_errors ORDER BY row",
    "audited": """SELECT count(DISTINCT c) AS children FROM audit_events, unnest(child_ids) c
                   WHERE action = 'feed.apply'""",
    "key_indexes": "SELECT indexdef FROM pg_indexes WHERE tablename = 'match_keys' ORDER BY 1",
}


async def _snapshot(conn) -> dict:
    return {name: [dict(r) for r in await conn.fetch(query)] for name, query in SNAPSHOT.items()}


async def _run(conn, src, raw, model, chunk):
    feed_id, _ = await store.submit(conn, src, raw, format="csv", full=False, submitted_by=None, keep_days=30)
    return await process.run(conn, feed_id, model=model, max_bytes=10_000_000, chunk=chunk)


@pytest.mark.parametrize("source", ["LASYS", "SCH1"])
async def test_a_first_load_writes_what_the_feed_as_one_batch_writes(conn, sources, model, feed_bytes,
                                                                     first_loads, source):
    taken = first_loads
    switch = sys.getswitchinterval()
    outer = conn.transaction()
    await outer.start()
    assert await _run(conn, sources[source], feed_bytes, model, chunk=10 ** 6) == "done"
    one_batch = await _snapshot(conn)
    await outer.rollback()
    assert not taken
    assert await _run(conn, sources[source], feed_bytes, model, chunk=100) == "done"
    assert taken
    first = await _snapshot(conn)
    assert first == one_batch
    feed = first["feed"][0]
    # The feed holds duplicates (sent to review) and twins and siblings (new children).
    assert feed["rows"] == 553 and feed["rejected"] == 1 and feed["created"] + feed["review"] == 552
    assert [r["row"] for r in first["errors"]] == [554]   # the header is line 1
    assert 20 <= feed["review"] < 200 and feed["linked"] == 0
    reasons = {r["review_reasons"] for r in first["records"] if r["review_status"]}
    assert reasons == {"{same_feed_candidate}", "{cannot_create}"}
    assert first["audited"] == [{"children": feed["created"]}]
    assert first["key_indexes"] and all(r["keys"] for r in first["records"])
    # A later row of the feed is the more recent record (survivorship's tie-break), as
    # when apply_rows inserts the rows one after another.
    keys = await conn.fetch("SELECT record_key FROM source_records ORDER BY updated_at DESC")
    order = [line.split(",")[0] for line in feed_bytes.decode().splitlines()[1:] if "BADDATE" not in line]
    assert [r["record_key"] for r in keys] == order[::-1]
    assert await conn.fetchval("SELECT count(DISTINCT updated_at) FROM source_records") == len(order)
    assert sys.getswitchinterval() == switch   # the interpreter's own again


async def test_a_first_load_that_fails_leaves_nothing_and_the_rerun_finishes_it(conn, sources, model, feed_bytes,
                                                                                monkeypatch):
    indexes = await conn.fetch(SNAPSHOT["key_indexes"])
    real = registry.write_children

    async def broken(*args, **kwargs):
        raise ConnectionResetError("the connection dropped")

    monkeypatch.setattr(registry, "write_children", broken)
    feed_id, _ = await store.submit(conn, sources["LASYS"], feed_bytes, format="csv", full=False, submitted_by=None,
                                    keep_days=30)
    with pytest.raises(ConnectionResetError):
        await process.run(conn, feed_id, model=model, max_bytes=10_000_000, chunk=100)
    # A job of the thread that fails: its own error, not another job's for want of its result.
    real_pairs = first_load._pairs

    def no_pairs(*args, **kwargs):
        raise MemoryError("no room for the pairs")

    monkeypatch.setattr(registry, "write_children", real)
    monkeypatch.setattr(first_load, "_pairs", no_pairs)
    switch = sys.getswitchinterval()
    with pytest.raises(MemoryError):
        await process.run(conn, feed_id, model=model, max_bytes=10_000_000, chunk=100)
    assert sys.getswitchinterval() == switch
    monkeypatch.setattr(first_load, "_pairs", real_pairs)
    for table in ("source_records", "match_keys", "match_term_counts", "review_items", "children", "links"):
        assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 0, table   # noqa: S608 (fixed names)
    assert await conn.fetch(SNAPSHOT["key_indexes"]) == indexes
    got, _ = await store.status(conn, feed_id)
    assert got.status == "processing"
    monkeypatch.setattr(registry, "write_children", real)
    assert await process.run(conn, feed_id, model=model, max_bytes=10_000_000, chunk=100) == "done"
    got, _ = await store.status(conn, feed_id)
    assert got.new + got.review == got.rows - got.rejected == 552
    assert await conn.fetchval("SELECT count(*) FROM children") == got.new


@pytest.mark.parametrize("case", ["a child already", "a source record already", "one batch"])
async def test_only_an_empty_index_and_a_feed_larger_than_a_batch_is_a_first_load(conn, sources, model,
                                                                                   feed_bytes, case):
    if case == "a child already":
        await registry.create_child(conn, registry.NewChild(forename="Zia", surname="Testwood", dob=dt.date(2016, 1, 2),
                                                            sex="female", owning_la="873"))
    elif case == "a source record already":
        await _run(conn, sources["SCH2"], csv_bytes(
            "Z1,,Zia,,Testwood,2016-01-02,F,1 Hill Road,Cambridge,CB2 1AA,,,"), model, chunk=100)
        await conn.execute("DELETE FROM links; DELETE FROM involvements; DELETE FROM children")
    n_rows = 10 if case == "one batch" else 552
    assert await first_load.applies(conn, n_rows, chunk=100) is False


async def test_a_first_load_cancelled_waits_for_the_job_its_thread_is_running(conn, sources, model, feed_bytes,
                                                                              monkeypatch):
    """A worker stopped mid-load (SIGTERM cancels its job): the load stops with nothing
    written, and not before the thread's running job has ended."""
    import asyncio
    import threading
    import time

    started, finished = threading.Event(), threading.Event()
    real = first_load._keys_csv

    def slow(*args, **kwargs):
        started.set()
        time.sleep(0.6)
        try:
            return real(*args, **kwargs)
        finally:
            finished.set()

    monkeypatch.setattr(first_load, "_keys_csv", slow)   # the job the connection waits for
    switch = sys.getswitchinterval()
    feed_id, _ = await store.submit(conn, sources["LASYS"], feed_bytes, format="csv", full=False, submitted_by=None,
                                    keep_days=30)
    task = asyncio.ensure_future(process.run(conn, feed_id, model=model, max_bytes=10_000_000, chunk=100))
    while not started.is_set():
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.15)   # the connection's writes before the keys are done: it waits for the job
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert finished.is_set()
    assert sys.getswitchinterval() == switch
    assert await conn.fetchval("SELECT count(*) FROM source_records") == 0
    monkeypatch.setattr(first_load, "_keys_csv", real)
    assert await process.run(conn, feed_id, model=model, max_bytes=10_000_000, chunk=100) == "done"
