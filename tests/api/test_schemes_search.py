"""Each identifier scheme (matching/schemes.py) is a search parameter that finds a child
holding it, and the schemes it `searches` (a UPN search finds a former UPN, and the
other way round), and no other. A scheme the route does not take fails here."""

import pytest

from index import registry
from matching import schemes
from tests import factories
from tests.api.conftest import bearer
from tests.matching.test_schemes import GOOD

GOOD_VALUES = {name: raw for name, raw, _ in GOOD}
# (the child holds this scheme, the search uses this parameter): every pair of one kind of number
PAIRS = [(held.name, param.name) for held in schemes.SCHEMES for param in schemes.SCHEMES
         if held.checked_as == param.checked_as]


@pytest.mark.parametrize("held, param", PAIRS)
async def test_a_search_parameter_finds_the_schemes_it_searches(client, pool, tokens, held, param):
    async with pool.acquire() as conn:
        child_id = await registry.create_child(conn, factories.child(
            **registry.identifier_fields({held: GOOD_VALUES[held]})))   # this scheme only
    response = await client.get("/children/search", headers=bearer(tokens["practitioner"]),
                                params={"reason": "safeguarding_concern", param: GOOD_VALUES[held]})
    assert response.status_code == 200, response.text
    found = [hit["id"] for hit in response.json()["results"]]
    expected = [str(child_id)] if held in schemes.get(param).searches else []
    assert found == expected
