"""The identifier scheme registry (matching/schemes.py) and the database agree.

A scheme added to the registry needs a migration: the child_identifiers.scheme CHECK
constraint and a source_records column. These tests fail, naming the scheme, until it
has both, and until the index code that lists source record columns lists it."""

from __future__ import annotations

import re

import asyncpg
import pytest

from index import registry
from index.feeds import records
from matching import schemes
from tests import factories
from tests.matching.test_schemes import GOOD

GOOD_VALUES = {name: raw for name, raw, _ in GOOD}


async def test_the_scheme_check_constraint_lists_the_registry(conn):
    definitions = await conn.fetch(
        """SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
            WHERE conrelid = 'child_identifiers'::regclass AND contype = 'c'""")
    (scheme_check,) = [r["def"] for r in definitions if "scheme" in r["def"]]
    listed = re.findall(r"'([a-z_]+)'::text", scheme_check)
    assert sorted(listed) == sorted(schemes.NAMES), f"CHECK lists {listed}; the registry {schemes.NAMES}"


@pytest.mark.parametrize("name", schemes.NAMES)
async def test_each_scheme_is_stored(conn, name):
    await factories.seed_orgs(conn)
    child_id = await registry.create_child(conn, factories.child(upn=None, nhs_number=None))
    ((scheme, raw, value, valid, temporary),) = registry.identifiers_of({name: GOOD_VALUES[name]})
    await conn.execute(
        """INSERT INTO child_identifiers (child_id, scheme, raw_value, value, valid, temporary)
           VALUES ($1, $2, $3, $4, $5, $6)""", child_id, scheme, raw, value, valid, temporary)
    assert await conn.fetchval("SELECT count(*) FROM child_identifiers WHERE child_id = $1 AND scheme = $2",
                               child_id, name) == 1


async def test_a_scheme_not_in_the_registry_is_refused(conn):
    await factories.seed_orgs(conn)
    child_id = await registry.create_child(conn, factories.child(upn=None, nhs_number=None))
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.execute("""INSERT INTO child_identifiers (child_id, scheme, raw_value, value, valid)
                              VALUES ($1, 'ni_number', 'AB123456C', 'AB123456C', true)""", child_id)


async def test_a_child_created_with_every_scheme_holds_each(conn):
    await factories.seed_orgs(conn)
    fields = registry.identifier_fields(GOOD_VALUES)
    child_id = await registry.create_child(conn, factories.child(**fields))
    rows = await conn.fetch("SELECT scheme, value, valid FROM child_identifiers WHERE child_id = $1", child_id)
    assert sorted((r["scheme"], r["value"], r["valid"]) for r in rows) == sorted(
        (name, value, True) for name, _, value in GOOD)


async def test_source_records_have_a_column_per_scheme(conn):
    columns = {r["column_name"] for r in await conn.fetch(
        """SELECT column_name FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name = 'source_records' AND data_type = 'text'""")}
    missing = [name for name in schemes.NAMES if name not in columns]
    assert missing == [], f"source_records has no column for {missing}: add it in a migration"


def test_source_record_fields_list_every_scheme():
    """index/feeds/records.py lists source record columns to match its SQL: a new scheme
    goes in FIELDS, MATCH_TEXT and the SQL beside them."""
    for name in schemes.NAMES:
        assert name in records.FIELDS, f"records.FIELDS lacks {name}"
        assert name in records.MATCH_TEXT, f"records.MATCH_TEXT lacks {name}"


def test_new_child_has_a_field_per_scheme():
    for scheme in schemes.SCHEMES:
        assert registry.field_of(scheme) in registry.NewChild.__struct_fields__, scheme.name


def test_record_structs_have_a_field_per_scheme():
    """The structs that carry a source record's identifiers field by field (a review item's
    record, a subject access export's record) have one per scheme."""
    from index import review, sar

    for struct in (review.Incoming, sar.RecordFields):
        missing = [name for name in schemes.NAMES if name not in struct.__struct_fields__]
        assert missing == [], f"{struct.__name__} lacks {missing}"
