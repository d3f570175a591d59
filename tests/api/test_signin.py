"""A browser's sign-in (api/signin.py, api/security.py's page half, api/routes/signin.py):
one-time links, the session cookie, CSRF, sign-out, and their audit events."""

import uuid

import pytest
from litestar import Request, get, post
from litestar.testing import AsyncTestClient

import api.app
from api import signin
from api.app import create_app
from index import auth, sessions
from tests import factories
from tests.api.conftest import bearer


@get("/test-page", opt={"action": "me.read", "page": True}, include_in_schema=False)
async def a_page(request: Request) -> str:
    return f"page of {request.scope['state']['principal'].role} csrf={request.scope['state'].get('csrf_token')}"


@post("/test-page", opt={"action": "me.read", "page": True}, include_in_schema=False, status_code=200)
async def a_form(request: Request) -> str:
    return "posted"


@get("/test-audit-page", opt={"action": "audit.read", "page": True}, include_in_schema=False)
async def auditors_page() -> str:
    return "auditors only"


@pytest.fixture
async def users(pool):
    """role -> (user id, bearer token)."""
    async with pool.acquire() as conn:
        await factories.seed_orgs(conn)
        tokens = await factories.seed_users(conn)
        return {role: ((await auth.authenticate(conn, token)).user_id, token) for role, token in tokens.items()}


_WEB = []    # the app with the test pages, built once (see tests/api/conftest.py shared_app)


@pytest.fixture
async def web(database_url, users, monkeypatch):
    if not _WEB:
        monkeypatch.setattr(api.app, "ROUTES", [*api.app.ROUTES, a_page, a_form, auditors_page])
        _WEB.append(create_app(database_url, max_body_bytes=4096, pool_min=1, pool_max=4))
    app = _WEB[0]
    app.state.database_url = database_url
    async with AsyncTestClient(app=app) as client:
        yield client


async def signed_in(pool, user_id) -> sessions.Opened:
    async with pool.acquire() as conn:
        return await sessions.create(conn, user_id, via="link")


def cookie(opened: sessions.Opened) -> dict[str, str]:
    return {"Cookie": f"{signin.COOKIE}={opened.cookie}"}


async def audited(conn, response) -> tuple:
    row = await conn.fetchrow("SELECT action, outcome, status, role FROM audit_events WHERE request_id = $1",
                              uuid.UUID(response.headers["x-request-id"]))
    return tuple(row) if row else None


@pytest.mark.parametrize("host, secure", [
    ("testserver.local", True), ("isindex.example.org", True), ("127.0.0.1:8000", False), ("localhost", False),
    ("[::1]:8000", False), ("127.0.0.1.example.org", True),
])
async def test_a_sign_in_link_sets_the_session_cookie(web, pool, conn, users, host, secure):
    async with pool.acquire() as c:
        link = await sessions.issue_link(c, users["practitioner"][0])
    response = await web.post(f"/sign-in/link/{link.token}", headers={"Host": host}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    set_cookie = response.headers["set-cookie"]
    attributes = {a.strip().split("=")[0].lower() for a in set_cookie.split(";")[1:]}
    assert set_cookie.startswith(f"{signin.COOKIE}=")
    assert {"httponly", "samesite", "path"} <= attributes and ("secure" in attributes) == secure
    assert "samesite=lax" in set_cookie.lower()
    assert await audited(conn, response) == ("session.sign_in", "ok", 303, "practitioner")
    value = set_cookie.split(";")[0].split("=", 1)[1]
    page = await web.get("/test-page", headers={"Cookie": f"{signin.COOKIE}={value}"})
    assert page.status_code == 200 and page.text.startswith("page of practitioner csrf=")


async def test_opening_a_link_does_not_use_it(web, pool, conn, users):
    """A mail scanner or a link preview fetches the link: that spends nothing."""
    async with pool.acquire() as c:
        link = await sessions.issue_link(c, users["practitioner"][0])
    for _ in range(3):
        opened = await web.get(f"/sign-in/link/{link.token}", follow_redirects=False)
        assert opened.status_code == 200 and "set-cookie" not in opened.headers
        assert '<form method="post"' in opened.text
    assert await conn.fetchval("SELECT used_at FROM signin_links") is None
    assert (await web.post(f"/sign-in/link/{link.token}", follow_redirects=False)).status_code == 303


@pytest.mark.parametrize("change", [
    None,                                                                       # used once already
    "UPDATE signin_links SET expires_at = now() - interval '1 second'",         # expired
    "UPDATE users SET suspended_at = now() WHERE role = 'practitioner'",        # its user suspended
])
async def test_a_used_expired_or_refused_link_signs_no_one_in(web, pool, conn, users, change):
    async with pool.acquire() as c:
        link = await sessions.issue_link(c, users["practitioner"][0])
    if change is None:
        assert (await web.post(f"/sign-in/link/{link.token}", follow_redirects=False)).status_code == 303
    else:
        await conn.execute(change)
    response = await web.post(f"/sign-in/link/{link.token}", follow_redirects=False)
    assert response.status_code == 401 and response.headers["content-type"].startswith("text/html")
    assert "set-cookie" not in response.headers and "Sign-in failed" in response.text
    assert await audited(conn, response) == ("session.sign_in", "unauthenticated", 401, None)


@pytest.mark.parametrize("path, location", [
    ("/test-page", "/sign-in?next=%2Ftest-page"),
    ("/test-page?x=1", "/sign-in?next=%2Ftest-page%3Fx%3D1"),
])
async def test_a_page_without_a_session_goes_to_sign_in(web, conn, path, location):
    response = await web.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == location
    assert await audited(conn, response) == ("me.read", "unauthenticated", 303, None)


# (what happens to the session or its user, the answer to the page then)
ENDINGS = [
    ("UPDATE sessions SET last_seen_at = now() - interval '16 minutes'", 303),
    ("UPDATE sessions SET revoked_at = now()", 303),
    ("UPDATE users SET active = false", 303),
    ("UPDATE users SET suspended_at = now()", 403),
]


@pytest.mark.parametrize("change, status", ENDINGS)
async def test_an_ended_session_opens_no_page(web, pool, conn, users, change, status):
    opened = await signed_in(pool, users["practitioner"][0])
    assert (await web.get("/test-page", headers=cookie(opened))).status_code == 200
    await conn.execute(change)
    response = await web.get("/test-page", headers=cookie(opened), follow_redirects=False)
    assert response.status_code == status
    if status == 403:
        assert "suspended" in response.text and "max-age=0" in response.headers["set-cookie"].lower()


async def test_revoking_the_users_tokens_ends_their_sessions(web, pool, users):
    opened = await signed_in(pool, users["practitioner"][0])
    async with pool.acquire() as conn:
        await auth.revoke_user_tokens(conn, users["practitioner"][0])
    assert (await web.get("/test-page", headers=cookie(opened), follow_redirects=False)).status_code == 303


async def test_the_policy_serves_sessions_as_it_serves_tokens(web, pool, conn, users):
    opened = await signed_in(pool, users["practitioner"][0])
    response = await web.get("/test-audit-page", headers=cookie(opened))
    assert response.status_code == 403 and response.headers["content-type"].startswith("text/html")
    assert await audited(conn, response) == ("audit.read", "denied", 403, "practitioner")
    auditor = await signed_in(pool, users["auditor"][0])
    assert (await web.get("/test-audit-page", headers=cookie(auditor))).status_code == 200


async def test_a_page_takes_a_bearer_token_too(web, users):
    response = await web.get("/test-page", headers=bearer(users["school"][1]))
    assert response.status_code == 200 and response.text.startswith("page of school")


async def test_a_json_route_ignores_the_cookie(web, pool, users):
    opened = await signed_in(pool, users["practitioner"][0])
    response = await web.get("/me", headers=cookie(opened))
    assert response.status_code == 401 and response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("form, status", [
    ({}, 403),
    ({"csrf_token": ""}, 403),
    ({"csrf_token": "x" * 43}, 403),
    ({"csrf_token": "RIGHT"}, 200),
])
async def test_a_page_post_needs_the_sessions_csrf_token(web, pool, conn, users, form, status):
    opened = await signed_in(pool, users["practitioner"][0])
    data = {k: opened.csrf_token if v == "RIGHT" else v for k, v in form.items()}
    response = await web.post("/test-page", data=data, headers=cookie(opened))
    assert response.status_code == status, response.text
    if status == 403:
        assert response.headers["content-type"].startswith("text/html") and "security token" in response.text
        assert await audited(conn, response) == ("me.read", "denied", 403, "practitioner")


async def test_the_csrf_token_of_another_session_is_refused(web, pool, users):
    mine, other = (await signed_in(pool, users["practitioner"][0]), await signed_in(pool, users["practitioner"][0]))
    response = await web.post("/test-page", data={"csrf_token": other.csrf_token}, headers=cookie(mine))
    assert response.status_code == 403


async def test_sign_out(web, pool, conn, users):
    opened = await signed_in(pool, users["practitioner"][0])
    wrong = await web.post("/sign-out", data={"csrf_token": "x" * 43}, headers=cookie(opened), follow_redirects=False)
    assert wrong.status_code == 403
    assert await audited(conn, wrong) == ("session.sign_out", "denied", 403, None)
    assert (await web.get("/test-page", headers=cookie(opened))).status_code == 200
    response = await web.post("/sign-out", data={"csrf_token": opened.csrf_token}, headers=cookie(opened),
                              follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"
    assert "max-age=0" in response.headers["set-cookie"].lower()
    assert await audited(conn, response) == ("session.sign_out", "ok", 303, "practitioner")
    after = await web.get("/test-page", headers=cookie(opened), follow_redirects=False)
    assert after.status_code == 303


async def test_sign_out_without_a_session_clears_the_cookie(web):
    response = await web.post("/sign-out", follow_redirects=False)
    assert response.status_code == 303 and "max-age=0" in response.headers["set-cookie"].lower()


async def test_the_sign_in_page_without_single_sign_on(web):
    response = await web.get("/sign-in?next=/children")
    assert response.status_code == 200 and "sign-in link" in response.text


@pytest.mark.parametrize("given, kept", [
    ("/children/search?surname=X", "/children/search?surname=X"),
    ("/", "/"),
    (None, "/"),
    ("", "/"),
    ("//evil.example", "/"),
    ("/\\evil.example", "/"),
    ("https://evil.example/", "/"),
    ("javascript:alert(1)", "/"),
    ("children", "/"),
    ("/a\nb", "/"),
    ("/" + "a" * 600, "/"),
])
def test_only_a_relative_path_is_kept_as_next(given, kept):
    assert signin.safe_next(given) == kept
