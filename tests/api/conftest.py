import pytest
import pytest_asyncio
from litestar.testing import AsyncTestClient

from api.app import create_app
from api import signin
from index import auth, sessions
from tests import factories
from tests.api import seen


@pytest.fixture
async def tokens(pool):
    async with pool.acquire() as conn:
        await factories.seed_orgs(conn)
        return await factories.seed_users(conn)


_APP = []   # one app per process, built once: building it took longer than most tests


def shared_app(database_url: str):
    """The app of the `client` fixture, pointed at database_url: it opens its pool on that
    database at start-up (each client starts and stops it), and start-up sets all its state."""
    if not _APP:
        _APP.append(create_app(database_url, max_body_bytes=4096, pool_min=1, pool_max=4))
    _APP[0].state.database_url = database_url
    return _APP[0]


@pytest.fixture
async def client(database_url, tokens):
    app = shared_app(database_url)
    async with AsyncTestClient(app=app) as test_client:
        test_client.event_hooks["response"].append(seen.record)
        yield test_client


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_tokens(module_pool):
    """role -> token, seeded once in the module's shared database (see module_database_url)."""
    async with module_pool.acquire() as conn:
        await factories.seed_orgs(conn)
        return await factories.seed_users(conn)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_client(module_database_url, module_tokens):
    """One app and client for a module's tests that only add rows: a test using it is marked
    `pytest.mark.asyncio(loop_scope="module")`; one needing its own database takes `client`."""
    app = create_app(module_database_url, max_body_bytes=4096, pool_min=1, pool_max=4)
    async with AsyncTestClient(app=app) as test_client:
        test_client.event_hooks["response"].append(seen.record)
        yield test_client


class Browser:
    """A signed-in browser for a page test: `headers` carry its session cookie, and a
    page's POST sends `form(...)`, which adds the session's CSRF token."""

    def __init__(self, opened: sessions.Opened) -> None:
        self.headers = {"Cookie": f"{signin.COOKIE}={opened.cookie}"}
        self.csrf_token = opened.csrf_token

    def form(self, **fields: str) -> dict[str, str]:
        return {"csrf_token": self.csrf_token, **fields}


@pytest.fixture
async def browsers(pool, tokens) -> dict[str, Browser]:
    """role -> a browser signed in (by a sign-in link's session) as the seeded user of that role."""
    out = {}
    async with pool.acquire() as conn:
        for role, token in tokens.items():
            out[role] = Browser(await sessions.create(conn, (await auth.authenticate(conn, token)).user_id, via="link"))
    return out


@pytest.fixture
async def school(pool, tokens):
    """The test school's token, its school registered as a feed source."""
    from index import organisations
    from index.feeds import store

    async with pool.acquire() as conn:
        await store.add_source(conn, organisations.NewOrganisation(code="8732001", kind="school", name="Fen Primary",
                                                                   la_code="873"))
    return tokens["school"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def norfolk(pool, tokens):
    """A bearer token of a data manager of another LA, Norfolk (926)."""
    async with pool.acquire() as conn:
        user_id = await auth.add_user(conn, name="Norfolk Manager", org_code="LA926", role="la_data_manager",
                                      la_code="926", phone="01632 960300")
        return (await auth.issue_token(conn, user_id, days=1)).token


def problem(response, status: int, field: str | None = None, detail: str | None = None) -> dict:
    """Assert a problem+json answer with this status (and field, and words of the detail)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    if field is not None:
        assert body["errors"][0]["field"] == field, body
    if detail is not None:
        assert detail in body["detail"], body
    return body
