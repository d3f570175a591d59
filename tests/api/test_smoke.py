from tests import factories
from tests.api.conftest import bearer
from index import registry


async def test_search_and_view(client, tokens, pool):
    async with pool.acquire() as conn:
        cid = await registry.create_child(conn, factories.child())
    h = bearer(tokens["practitioner"])
    r = await client.get("/children/search", params={"surname": "Testwod", "dob": "2015-03-14", "reason": "safeguarding_concern"}, headers=h)
    print(r.json())
    assert r.status_code == 200
    r = await client.get(f"/children/{cid}", params={"reason": "safeguarding_concern"}, headers=h)
    print(r.json())
    assert r.status_code == 200
