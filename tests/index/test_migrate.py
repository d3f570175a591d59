import asyncpg
import pytest

from index import migrate


async def test_all_migrations_apply_to_an_empty_database(empty_url):
    conn = await asyncpg.connect(empty_url)
    try:
        assert await migrate.pending(conn) == migrate.available()     # read only: nothing created
        assert await conn.fetchval("SELECT to_regclass('schema_migrations')") is None
        applied = await migrate.apply(conn)
        assert applied == [m.version for m in migrate.available()]
        assert await migrate.apply(conn) == []  # idempotent
        recorded = await conn.fetch("SELECT version, checksum FROM schema_migrations ORDER BY version")
        assert [(r["version"], r["checksum"]) for r in recorded] == [
            (m.version, m.checksum) for m in migrate.available()
        ]
        status = await migrate.status(conn)
        assert all(done for _, _, done in status)
        assert await migrate.pending(conn) == []
    finally:
        await conn.close()


async def test_an_edited_migration_is_refused(conn):
    await conn.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
    from index import errors

    with pytest.raises(errors.Conflict, match="0001"):
        await migrate.apply(conn)


def test_migration_files_are_numbered_without_gaps():
    versions = [m.version for m in migrate.available()]
    assert versions == list(range(1, len(versions) + 1))


# Columns of type text that may hold free text: names, addresses and contact details.
FREE_TEXT_ALLOWED = {
    "local_authorities.name", "organisations.name", "organisations.phone", "organisations.email",
    "organisations.address_line1", "organisations.town", "organisations.postcode",
    "children.forename", "children.middle_names", "children.surname", "children.preferred_forename",
    "children.preferred_surname", "children.address_line1", "children.address_line2", "children.town",
    "children.postcode", "child_former_names.forename", "child_former_names.surname",
    "child_search_names.forename_key", "child_search_names.surname_key",
    "carers.forename", "carers.surname", "carers.phone", "carers.email",
    "users.name", "users.phone", "users.email",
    "involvements.contact_name", "involvements.contact_phone", "involvements.contact_email",
    "child_identifiers.raw_value",
    *(f"source_records.{c}" for c in (
        "forename", "middle_names", "surname", "preferred_forename", "preferred_surname", "former_surname",
        "address_line1", "address_line2", "town", "postcode")),
    "source_record_carers.forename", "source_record_carers.surname", "source_record_carers.phone",
}


async def test_no_free_text_columns(conn):
    """Every text column is either a name/address/contact field or constrained to a code."""
    rows = await conn.fetch(
        """SELECT c.table_name, c.column_name, c.is_generated
             FROM information_schema.columns c
            WHERE c.table_schema = 'public' AND c.data_type IN ('text', 'character varying', 'jsonb', 'json')
              AND c.table_name <> 'schema_migrations'
              -- pgqueuer's own tables: job names and payloads (a feed id), never child data
              AND c.table_name NOT LIKE 'pgqueuer%'"""
    )
    checks = await conn.fetch(
        """SELECT conrelid::regclass::text AS table_name, pg_get_constraintdef(oid) AS def
             FROM pg_constraint WHERE contype IN ('c', 'f') AND connamespace = 'public'::regnamespace"""
    )
    unconstrained = []
    for row in rows:
        qualified = f"{row['table_name']}.{row['column_name']}"
        if qualified in FREE_TEXT_ALLOWED or row["is_generated"] == "ALWAYS":
            continue
        if qualified == "audit_events.query":
            continue  # normalised query parameters, built by the service, never typed text
        constrained = any(
            c["table_name"] == row["table_name"]
            and row["column_name"] in c["def"]
            and ("~" in c["def"] or "ANY" in c["def"] or "FOREIGN KEY" in c["def"])
            for c in checks
        )
        if not constrained:
            unconstrained.append(qualified)
    assert unconstrained == []
