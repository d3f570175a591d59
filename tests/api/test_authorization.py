"""Every route with every role: allowed roles get past the guard, others get 403,
no token gets 401, and every denial is audited."""

import re
import uuid

import pytest

from api.app import ROUTES
from index import policy
from tests.api.conftest import bearer

ROLES = ("practitioner", "school", "la_data_manager", "auditor", "admin")
ANY_ID = "0b5e7c1a-3f9d-4e26-8a41-6d2c9f0e7b35"   # no row has it; fixed, so that
# pytest-xdist's workers collect the same test ids

# (method, path, action, body) for every non-public route.
CALLS = [
    ("GET", "/me", "me.read", None),
    ("GET", "/children/search?surname=Zzyzx&dob=2015-01-01&reason=service_delivery", "child.search", None),
    ("GET", f"/children/{ANY_ID}?reason=service_delivery", "child.view", None),
    ("POST", f"/children/{ANY_ID}/involvements", "involvement.register", {"start_date": "2024-01-01"}),
    ("POST", f"/involvements/{ANY_ID}/end", "involvement.end", {"end_date": "2024-01-01"}),
    ("POST", f"/involvements/{ANY_ID}/indicators", "indicator.set", {"kind": "taking_action"}),
    ("POST", f"/indicators/{ANY_ID}/clear", "indicator.clear", None),
    ("GET", "/audit", "audit.read", None),
    ("GET", "/alerts?status=open", "alert.read", None),
    ("POST", f"/alerts/{ANY_ID}/close", "alert.close", {"outcome": "no_misuse"}),
    ("GET", "/review", "review.list", None),
    ("POST", f"/review/{ANY_ID}/decision", "review.decide", {"action": "new"}),
    ("POST", f"/review/{ANY_ID}/reverse", "review.reverse", None),
    ("POST", f"/source-records/{ANY_ID}/unlink", "link.unlink", None),
    ("GET", f"/children/{ANY_ID}/subject-access?reason=data_quality", "child.sar", None),
    ("POST", f"/children/{ANY_ID}/retention", "child.retention", {"kept_to_25": True}),
    ("POST", "/feeds", "feed.submit", None),
    ("GET", f"/feeds/{ANY_ID}", "feed.read", None),
    ("GET", "/feeds", "feed.list", None),
    ("POST", f"/children/{ANY_ID}/transfers", "transfer.request", {"to_la": "926"}),
    ("GET", "/transfers", "transfer.read", None),
    ("POST", f"/transfers/{ANY_ID}/accept", "transfer.decide", None),
    ("POST", f"/transfers/{ANY_ID}/decline", "transfer.decide", None),
    ("POST", f"/transfers/{ANY_ID}/withdraw", "transfer.withdraw", None),
    ("GET", f"/children/{ANY_ID}/access-history", "child.access_history", None),
    ("GET", "/access-notifications", "access.digest", None),
    ("POST", f"/children/{ANY_ID}/shield", "child.shield", {"reason": "adoption"}),
    ("POST", f"/children/{ANY_ID}/unshield", "child.shield", None),
    ("POST", f"/children/{ANY_ID}/override", "child.override", {"reason": "child_protection_enquiry"}),
    ("GET", "/investigations", "investigation.read", None),
    ("POST", f"/investigations/{ANY_ID}/close", "investigation.close", {"outcome": "justified"}),
    ("POST", f"/children/{ANY_ID}/connexions-opt-out", "connexions.opt_out", {"requested_by": "parent"}),
    # The web pages: the same actions as their JSON twins, answered with HTML.
    ("GET", "/", "me.read", None),
    ("GET", "/search", "child.search", None),
    ("GET", "/search/results?surname=Zzyzx&dob-day=1&dob-month=1&dob-year=2015&reason=service_delivery",
     "child.search", None),
    ("GET", f"/child/{ANY_ID}?reason=service_delivery", "child.view", None),
    # The LA data manager's pages (api/pages/manage_*.py). A POST page called with a
    # bearer token has no CSRF check; its empty form is a 400 past the guard.
    ("GET", "/manage/children", "child.shield", None),
    ("GET", f"/manage/children/{ANY_ID}", "child.view", None),
    ("POST", f"/manage/children/{ANY_ID}/shield", "child.shield", None),
    ("POST", f"/manage/children/{ANY_ID}/unshield", "child.shield", None),
    ("POST", f"/manage/children/{ANY_ID}/transfers", "transfer.request", None),
    ("GET", "/manage/transfers", "transfer.read", None),
    ("POST", f"/manage/transfers/{ANY_ID}/accept", "transfer.decide", None),
    ("POST", f"/manage/transfers/{ANY_ID}/decline", "transfer.decide", None),
    ("POST", f"/manage/transfers/{ANY_ID}/withdraw", "transfer.withdraw", None),
    ("GET", "/manage/investigations", "investigation.read", None),
    ("POST", f"/manage/investigations/{ANY_ID}/close", "investigation.close", None),
    ("GET", "/manage/access", "access.digest", None),
    ("GET", "/manage/feeds", "feed.list", None),
    ("GET", f"/manage/feeds/{ANY_ID}", "feed.read", None),
    # School and auditor pages (a bearer caller's POST has no CSRF token to check; an
    # allowed role's empty form is a 400, past the guard).
    ("GET", "/census", "feed.list", None),
    ("POST", "/census", "feed.submit", None),
    ("GET", f"/census/{ANY_ID}", "feed.read", None),
    ("GET", f"/census/{ANY_ID}/errors.csv", "feed.read", None),
    ("GET", "/oversight/audit", "audit.read", None),
    ("GET", "/oversight/alerts", "alert.read", None),
    ("POST", f"/oversight/alerts/{ANY_ID}/close", "alert.close", None),
    # The practitioner's pages: own involvement, the shield override, search by identifier
    # (a bearer caller's POST sends no form, and needs no CSRF token).
    ("GET", "/search/identifier", "child.search", None),
    ("GET", "/search/identifier/results?scheme=uln&value=1&reason=service_delivery", "child.search", None),
    ("POST", f"/child/{ANY_ID}/involvement", "involvement.register", None),
    ("POST", f"/child/{ANY_ID}/involvement/{ANY_ID}/end", "involvement.end", None),
    ("POST", f"/child/{ANY_ID}/involvement/{ANY_ID}/indicators", "indicator.set", None),
    ("POST", f"/child/{ANY_ID}/indicators/{ANY_ID}/clear", "indicator.clear", None),
    ("GET", f"/child/{ANY_ID}/override", "child.override", None),
    ("POST", f"/child/{ANY_ID}/override", "child.override", None),
    # The review pages (api/pages/review.py).
    ("GET", "/manage/review", "review.list", None),
    ("GET", f"/manage/review/{ANY_ID}", "review.list", None),
    ("POST", f"/manage/review/{ANY_ID}/decision", "review.decide", None),
    ("POST", f"/manage/review/{ANY_ID}/reverse", "review.reverse", None),
    ("GET", f"/manage/links/{ANY_ID}", "link.unlink", None),
    ("POST", f"/manage/links/{ANY_ID}", "link.unlink", None),
]
PAGES = {h.paths.copy().pop() for h in ROUTES if h.opt.get("page") and not h.opt.get("public")}
PAGE_PATTERNS = [re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$") for p in PAGES]


def is_page(path: str) -> bool:
    bare = path.split("?")[0]
    return any(pattern.match(bare) for pattern in PAGE_PATTERNS)


def answered_as(path: str) -> str:
    """A page answers (its refusals too) with HTML, a route with problem+json."""
    return "text/html" if is_page(path) else "application/problem+json"


def test_every_route_declares_an_action_or_is_public():
    for handler in ROUTES:
        assert handler.opt.get("public") or handler.opt.get("action") in policy.ALLOWED, handler
    declared = {call[2] for call in CALLS}
    assert declared == {h.opt["action"] for h in ROUTES if not h.opt.get("public")}
    for pattern in PAGE_PATTERNS:   # every page is in the matrix
        assert any(pattern.match(call[1].split("?")[0]) for call in CALLS), pattern.pattern


# The matrix and the bad tokens only add rows (audit events, each found by its request id),
# so they share one database and app per module; the tests that change tokens have their own.
SHARED = pytest.mark.asyncio(loop_scope="module")


@SHARED
@pytest.mark.parametrize("method, path, action, body", CALLS)
@pytest.mark.parametrize("role", ROLES)
async def test_matrix(module_client, module_tokens, module_pool, method, path, action, body, role):
    client, tokens = module_client, module_tokens
    response = await client.request(method, path, json=body, headers=bearer(tokens[role]))
    if policy.allowed(action, role):
        assert response.status_code not in (401, 403), response.text
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith(answered_as(path))
        row = await module_pool.fetchrow("SELECT outcome, role, action FROM audit_events WHERE request_id = $1",
                                         uuid.UUID(response.headers["x-request-id"]))
        assert (row["outcome"], row["role"], row["action"]) == ("denied", role, action)


@SHARED
@pytest.mark.parametrize("method, path, action, body", CALLS)
@pytest.mark.parametrize("header", [None, "Bearer isx_" + "A" * 43, "Bearer nonsense", "Basic abc"])
async def test_without_a_valid_token(module_client, module_pool, method, path, action, body, header):
    client = module_client
    headers = {"Authorization": header} if header else {}
    response = await client.request(method, path, json=body, headers=headers, follow_redirects=False)
    if answered_as(path) != "application/problem+json" and not (header or "").startswith("Bearer "):
        # A browser with no bearer token and no session is sent to sign in (audited, as a
        # refusal, with its 303); a bad bearer token is refused as on a JSON route.
        assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")
    else:
        assert response.status_code == 401
        assert response.headers["content-type"].startswith(answered_as(path))
    if answered_as(path) == "application/problem+json":
        assert response.json()["status"] == 401
    row = await module_pool.fetchrow("SELECT outcome, user_id FROM audit_events WHERE request_id = $1",
                                     uuid.UUID(response.headers["x-request-id"]))
    assert row["outcome"] == "unauthenticated" and row["user_id"] is None


async def test_revoked_and_expired_tokens_are_refused(client, tokens, conn):
    headers = bearer(tokens["practitioner"])
    assert (await client.get("/me", headers=headers)).status_code == 200
    await conn.execute("UPDATE tokens SET revoked_at = now()")
    assert (await client.get("/me", headers=headers)).status_code == 401
    await conn.execute("UPDATE tokens SET revoked_at = NULL, expires_at = now() - interval '1 second'")
    assert (await client.get("/me", headers=headers)).status_code == 401


async def test_tokens_are_stored_only_as_hashes(tokens, conn):
    stored = [bytes(r["token_hash"]) for r in await conn.fetch("SELECT token_hash FROM tokens")]
    for token in tokens.values():
        assert token.encode() not in stored
        assert all(token.encode() not in h for h in stored)
        assert len(token) >= 4 + 43  # prefix + 256 bits in base64url


async def test_public_routes(client):
    health = (await client.get("/health")).json()
    assert {k: health[k] for k in ("status", "database", "worker", "queue", "problems")} == {
        "status": "ok", "database": "ok", "worker": "off", "queue": "ok", "problems": []}
    schema = await client.get("/schema/openapi.json")
    assert schema.status_code == 200
    doc = schema.json()
    assert "/children/search" in doc["paths"]
    # Bearer tokens, documented: every route needs one but the probes and /metrics.
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "A token from `isindex token issue` (256 random bits)"}
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            public = path in ("/health", "/health/live", "/health/ready", "/metrics") or path.startswith("/schema")
            expected = None if public else [{"bearer": []}]
            assert operation.get("security") == expected, (method, path)
