import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from tests import factories


@pytest.fixture
async def tokens(pool):
    async with pool.acquire() as conn:
        await factories.seed_orgs(conn)
        return await factories.seed_users(conn)


@pytest.fixture
async def client(database_url, tokens):
    app = create_app(database_url, max_body_bytes=4096, pool_min=1, pool_max=4)
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
