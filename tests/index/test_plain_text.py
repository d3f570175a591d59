"""Names and contact details given for organisations, LAs and users (the command line's
`la add`, `org add`, `user add`) are refused with a control or bidi character, naming
the field, as the API refuses them."""

import pytest

from index import auth, errors, organisations

BAD = ("Fen\u202ePrimary", "Fen\x00Primary", "Fen\x85Primary", "Fen\u2066Primary")


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize("field", ["name", "phone", "email", "address_line1", "town"])
async def test_an_organisation_with_an_unsafe_character_is_refused(conn, field, value):
    await organisations.add_la(conn, "873", "Cambridgeshire")
    values = {"code": "8732009", "kind": "school", "name": "Fen Primary", "la_code": "873", field: value}
    with pytest.raises(errors.Invalid) as caught:
        await organisations.add(conn, organisations.NewOrganisation(**values))
    assert caught.value.field == field and value not in caught.value.message


@pytest.mark.parametrize("value", BAD)
async def test_an_la_and_a_user_with_an_unsafe_name_are_refused(conn, value):
    with pytest.raises(errors.Invalid) as caught:
        await organisations.add_la(conn, "873", value)
    assert caught.value.field == "name"
    await organisations.add_la(conn, "873", "Cambridgeshire")
    await organisations.add(conn, organisations.NewOrganisation(code="LA873", kind="local_authority",
                                                                name="Cambridgeshire LA", la_code="873"))
    for field in ("name", "phone", "email"):
        given = {"name": "Sam Clerk", field: value}
        with pytest.raises(errors.Invalid) as caught:
            await auth.add_user(conn, org_code="LA873", role="la_data_manager", **given)
        assert caught.value.field == field
    assert await conn.fetchval("SELECT count(*) FROM users") == 0


def test_the_command_line_names_the_field(database_url):
    from tests.processes import isindex_here as isindex

    refused = isindex(database_url, "la", "add", "--code", "873", "--name", "Cambridge\u202eshire", check=False)
    assert refused.returncode == 1 and "U+202E" in refused.stderr
