"""`isindex signin-link`, run as an administrator runs it: the link it prints signs the user in once."""

import json

import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from index import auth
from tests import factories, processes


@pytest.fixture
async def user_id(pool):
    async with pool.acquire() as conn:
        await factories.seed_orgs(conn)
        tokens = await factories.seed_users(conn)
        return (await auth.authenticate(conn, tokens["la_data_manager"])).user_id


@pytest.mark.parametrize("who", ["--user-email=LA_DATA_MANAGER@example.org", "--user=ID"])
async def test_the_printed_link_signs_the_user_in_once(database_url, user_id, who):
    done = processes.isindex_here(database_url, "signin-link", who.replace("ID", str(user_id)), "--json",
                             "--base-url=http://127.0.0.1:8000/", check=False)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["user_id"] == str(user_id) and got["url"].startswith("http://127.0.0.1:8000/sign-in/link/")
    path = got["url"].removeprefix("http://127.0.0.1:8000")
    async with AsyncTestClient(app=create_app(database_url, pool_min=1, pool_max=2)) as client:
        first = await client.post(path, follow_redirects=False)
        again = await client.post(path, follow_redirects=False)
    assert (first.status_code, again.status_code) == (303, 401)


@pytest.mark.parametrize("who, message", [
    ("--user-email=nobody@example.org", "no active user with that email address"),
    ("--user=not-an-id", "--user must be a user id"),
])
async def test_an_unknown_user_gets_no_link(database_url, user_id, who, message):
    done = processes.isindex_here(database_url, "signin-link", who, check=False)
    assert done.returncode == 1 and message in done.stderr
