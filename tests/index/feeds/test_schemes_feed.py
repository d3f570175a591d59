"""Every identifier scheme (matching/schemes.py) goes from a census row through the
source record to the child's identifiers and the subject access export: a new scheme
whose SQL (index/feeds/records.py, apply.py, index/sql/sar_records.sql) lacks it fails here."""

from index import sar, sar_text
from index.feeds import process, store
from matching import schemes
from tests.matching.test_schemes import GOOD


async def test_each_scheme_travels_from_a_census_to_the_child_and_its_export(conn, sources, model):
    header = ",".join(["record_id", "forename", "surname", "dob", *(name for name, _, _ in GOOD)])
    line = ",".join(["A1", "Amelia", "Testwood", "2015-03-14", *(raw.strip() for _, raw, _ in GOOD)])
    feed_id, _ = await store.submit(conn, sources["SCH1"], f"{header}\n{line}\n".encode(), format="csv", full=False,
                                    submitted_by=None, keep_days=30)
    assert await process.run(conn, feed_id, model=model, max_bytes=10_000_000) == "done"

    child_id = await conn.fetchval("SELECT id FROM children")
    held = await conn.fetch("SELECT scheme, value, valid FROM child_identifiers WHERE child_id = $1", child_id)
    assert sorted((r["scheme"], r["value"], r["valid"]) for r in held) == sorted(
        (name, value, True) for name, _, value in GOOD)

    export = await sar.export(conn, child_id)
    (record,) = export.source_records
    assert {name: getattr(record.fields, name) for name in schemes.NAMES} == {
        name: raw.strip() for name, raw, _ in GOOD}
    text = sar_text.render(export)
    for scheme in schemes.SCHEMES:
        assert f"{scheme.label}: " in text, scheme.name
