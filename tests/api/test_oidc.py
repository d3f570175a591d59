"""OIDC single sign-on (index/oidc.py, api/routes/oidc.py) against a real provider on
loopback that signs RS256 ID tokens (tests/api/oidc_provider.py)."""

import html
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from index import auth, oidc
from tests import factories
from tests.api.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider


@pytest.fixture
def provider():
    with Provider() as running:
        yield running


@pytest.fixture
async def web(database_url, pool, provider):
    async with pool.acquire() as conn:
        await factories.seed_orgs(conn)
        await factories.seed_users(conn)
    app = create_app(database_url, pool_min=1, pool_max=4,
                     oidc=oidc.Provider(provider.issuer, CLIENT_ID, CLIENT_SECRET, "email"))
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
        yield client


async def sign_in(web, next_path="/children"):
    """The browser's round: begin, the provider's approval, the callback's answer."""
    begun = await web.get(f"/sign-in/oidc?next={next_path}", follow_redirects=False)
    assert begun.status_code == 303, begun.text
    approved = httpx.get(begun.headers["location"], follow_redirects=False)
    assert approved.status_code == 303
    callback = approved.headers["location"].removeprefix("http://127.0.0.1:8000")
    return await web.get(callback, follow_redirects=False)


async def event(conn, response):
    row = await conn.fetchrow("SELECT action, outcome, role FROM audit_events WHERE request_id = $1",
                              uuid.UUID(response.headers["x-request-id"]))
    return tuple(row)


async def test_the_sign_in_page_offers_single_sign_on(web):
    response = await web.get("/sign-in?next=/children")
    assert "Sign in with your organisation" in response.text and "/sign-in/oidc?next=%2Fchildren" in response.text


async def test_a_full_sign_in(web, conn):
    response = await sign_in(web)
    assert response.status_code == 303 and response.headers["location"] == "/children"
    assert "isindex_session=" in response.headers["set-cookie"]
    assert await event(conn, response) == ("session.sign_in", "ok", "practitioner")
    assert await conn.fetchval("SELECT via FROM sessions") == "oidc"
    assert await conn.fetchval("SELECT count(*) FROM oidc_logins") == 0
    me = await web.get("/sign-in")     # the session cookie is in the client's jar; the page needs none
    assert me.status_code == 200


# (how the provider's ID token is wrong, words of the page)
REFUSALS = [
    ({"nonce": "not-the-nonce"}, "not valid"),
    ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "not valid"),
    ({"aud": "another-client"}, "not valid"),
    ({"iss": "https://evil.example"}, "not valid"),
    ({"email": "nobody@example.org"}, "no user of this service"),
    ({"email_verified": False}, "not verified"),
    ("foreign_key", "not valid"),
]


@pytest.mark.parametrize("tweak, words", REFUSALS)
async def test_a_bad_id_token_signs_no_one_in(web, conn, provider, tweak, words):
    if tweak == "foreign_key":
        provider.foreign_key = True
    else:
        provider.tweak = tweak
    response = await sign_in(web)
    assert response.status_code == 401 and words in html.unescape(response.text).lower(), response.text
    assert "isindex_session=" not in response.headers.get("set-cookie", "")
    assert await event(conn, response) == ("session.sign_in", "unauthenticated", None)


async def test_a_wrong_state_is_refused(web, conn):
    begun = await web.get("/sign-in/oidc", follow_redirects=False)
    approved = httpx.get(begun.headers["location"], follow_redirects=False)
    callback = approved.headers["location"].removeprefix("http://127.0.0.1:8000")
    forged = callback.replace("state=", "state=x")
    response = await web.get(forged, follow_redirects=False)
    assert response.status_code == 401 and "not begun in this browser" in html.unescape(response.text)


async def test_a_sign_in_begun_in_another_browser_is_refused(web, database_url, provider):
    begun = await web.get("/sign-in/oidc", follow_redirects=False)
    approved = httpx.get(begun.headers["location"], follow_redirects=False)
    callback = approved.headers["location"].removeprefix("http://127.0.0.1:8000")
    web.cookies.clear()
    response = await web.get(callback, follow_redirects=False)
    assert response.status_code == 401


async def test_a_callback_is_good_once(web):
    begun = await web.get("/sign-in/oidc", follow_redirects=False)
    approved = httpx.get(begun.headers["location"], follow_redirects=False)
    callback = approved.headers["location"].removeprefix("http://127.0.0.1:8000")
    state = callback.split("state=")[1]
    assert (await web.get(callback, follow_redirects=False)).status_code == 303
    web.cookies.set("isindex_oidc", state, path="/sign-in/oidc")
    assert (await web.get(callback, follow_redirects=False)).status_code == 401


async def test_without_single_sign_on_its_pages_are_not_found(database_url, pool):
    async with AsyncTestClient(app=create_app(database_url, pool_min=1, pool_max=2)) as client:
        response = await client.get("/sign-in/oidc", follow_redirects=False)
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("subject, signed_in", [("user-1", True), ("someone-else", False)])
async def test_with_the_sub_claim_the_user_is_found_by_subject(database_url, pool, conn, provider, subject, signed_in):
    async with pool.acquire() as c:
        await factories.seed_orgs(c)
        await factories.seed_users(c)
        org = await c.fetchval("SELECT code FROM organisations ORDER BY id LIMIT 1")
        user_id = await auth.add_user(c, name="Sam Subject", org_code=org, role="practitioner",
                                      email="sam@example.org", oidc_subject=subject)
    provider.email = "nobody-by-this-address@example.org"   # the address is not what finds the user
    app = create_app(database_url, pool_min=1, pool_max=4,
                     oidc=oidc.Provider(provider.issuer, CLIENT_ID, CLIENT_SECRET, "sub"))
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as web:
        response = await sign_in(web)
    if signed_in:
        assert response.status_code == 303, response.text
        assert await conn.fetchval("SELECT user_id FROM sessions") == user_id
    else:
        assert response.status_code == 401 and "its subject" in html.unescape(response.text)
        assert await conn.fetchval("SELECT count(*) FROM sessions") == 0


@pytest.mark.parametrize("public_url, expected", [
    (None, "http://127.0.0.1:8000/sign-in/oidc/callback"),                     # the request's own host
    ("https://isindex.example.org", "https://isindex.example.org/sign-in/oidc/callback"),
])
async def test_the_redirect_uri_is_under_the_public_url_when_set(database_url, pool, provider, public_url, expected):
    app = create_app(database_url, pool_min=1, pool_max=4,
                     oidc=oidc.Provider(provider.issuer, CLIENT_ID, CLIENT_SECRET, "email", public_url))
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as web:
        begun = await web.get("/sign-in/oidc", headers={"Host": "127.0.0.1:8000"}, follow_redirects=False)
    query = parse_qs(urlsplit(begun.headers["location"]).query)
    assert query["redirect_uri"] == [expected]
