"""The demo's children are matchable: each is a linked source record of its LA's own
system with blocking keys, so a school's census of them links instead of duplicating."""

from __future__ import annotations

import csv
import io

import pytest

from index import demo
from index.demo_data import generate
from index.feeds import process, store
from matching import model as mmodel

N = 1_500
COLUMNS = ("record_id", "upn", "uln", "nhs_number", "forename", "middle_names", "surname", "dob", "gender",
           "address_line1", "address_line2", "town", "postcode", "carer1_forename", "carer1_surname",
           "carer1_relationship")


@pytest.fixture(scope="module")
def model():
    return mmodel.load()


@pytest.fixture
async def loaded(conn, model):
    summary = await demo.load(conn, n_children=N, seed=3, model=model)
    assert summary == {"children": N, "loaded": True}
    return conn


def school_census(children) -> bytes:
    """The school's own export of these children: its own record ids, no preferred or former
    names, the first carer only, gender as a word."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for c in children:
        carer = c.carers[0] if c.carers else None
        writer.writerow([f"S{c.index}", c.upn or "", c.uln or "", c.nhs_number or "", c.forename,
                         c.middle_names or "", c.surname, c.dob.strftime("%d/%m/%Y"),
                         {"male": "Male", "female": "Female"}.get(c.sex, ""), c.address_line1 or "",
                         c.address_line2 or "", c.town or "", c.postcode or "", carer.forename if carer else "",
                         carer.surname if carer else "", carer.relationship if carer else ""])
    return out.getvalue().encode()


async def test_every_demo_child_is_a_linked_source_record_with_keys(loaded):
    conn = loaded
    assert await conn.fetchval("SELECT count(*) FROM children_unmatchable") == 0
    row = await conn.fetchrow(
        """SELECT count(DISTINCT l.child_id) AS children, count(*) AS links,
                  bool_and(o.kind = 'local_authority' AND o.feed_source AND l.method = 'new') AS la_new
             FROM links l JOIN source_records sr ON sr.id = l.source_record_id
             JOIN organisations o ON o.id = sr.source_org_id WHERE l.unlinked_at IS NULL""")
    assert (row["children"], row["links"], row["la_new"]) == (N, N, True)
    # The keys were built with the model's rules, so the first feed does not rebuild them.
    assert await conn.fetchval("SELECT rules FROM match_key_rules") == ",".join(
        r.name for r in mmodel.load().blocking_rules)
    # The key indexes dropped for the load are there again.
    assert {r["indexname"] for r in await conn.fetch(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'match_keys'")} == {"match_keys_lookup",
                                                                            "match_keys_record"}
    # Schools can submit feeds.
    assert await conn.fetchval("SELECT bool_and(feed_source) FROM organisations WHERE kind = 'school'")


async def test_the_unmatchable_view_names_a_child_without_a_keyed_record(loaded):
    conn = loaded
    child = await conn.fetchval("SELECT child_id FROM links ORDER BY id LIMIT 1")
    await conn.execute("DELETE FROM match_keys WHERE source_record_id IN "
                       "(SELECT source_record_id FROM links WHERE child_id = $1)", child)
    assert [r["id"] for r in await conn.fetch("SELECT id FROM children_unmatchable")] == [child]
    await conn.execute("UPDATE children SET archived_at = now() WHERE id = $1", child)
    assert await conn.fetchval("SELECT count(*) FROM children_unmatchable") == 0


async def test_a_school_census_of_demo_children_links_them(loaded, model):
    conn = loaded
    pupils = [c for c in generate(N, seed=3)[2] if c.upn]
    assert len(pupils) > 500
    school = await conn.fetchval("SELECT code FROM organisations WHERE kind = 'school' ORDER BY code LIMIT 1")
    src = await store.source(conn, code=school)
    feed_id, _ = await store.submit(conn, src, school_census(pupils), format="csv", full=False, submitted_by=None,
                                    keep_days=30)
    assert await process.run(conn, feed_id, model=model, max_bytes=10 ** 8) == "done"
    got, _ = await store.status(conn, feed_id)
    assert (got.rows, got.new, got.review, got.linked) == (len(pupils), 0, 0, len(pupils))
    assert await conn.fetchval("SELECT count(*) FROM children") == N
    assert await conn.fetchval("SELECT count(*) FROM children_unmatchable") == 0
    # Each pupil's school record sits on the child its LA record is on.
    apart = await conn.fetchval(
        """SELECT count(*) FROM source_records s JOIN links ls ON ls.source_record_id = s.id
             JOIN source_records a ON a.record_key = 'DEMO' || substr(s.record_key, 2)
             JOIN links la ON la.source_record_id = a.id
            WHERE s.source_org_id = $1 AND ls.child_id <> la.child_id""", src.org_id)
    assert apart == 0
