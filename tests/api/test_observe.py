"""Every response carries an X-Request-ID; the same id is in the request's audit event and
on every log line the request writes; one access line per request, with the route's
template and never the query string (it carries names)."""

import json
import uuid
from urllib.parse import urlsplit

import asyncpg
import pytest
import structlog
from litestar.testing import AsyncTestClient

from api.app import create_app
from tests.api.conftest import bearer


def log_lines(err: str) -> list[dict]:
    """The structured lines written to stderr, as dicts of strings (JSON lines, or the
    plain form `isindex: event k=v` when a command configured logging first)."""
    found = []
    for line in err.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            if not line.startswith("isindex: "):
                continue
            words = line.removeprefix("isindex: ").split(" ")
            if words[0].endswith(":"):      # a level other than info
                words = words[1:]
            event = {"event": words[0], **dict(w.split("=", 1) for w in words[1:] if "=" in w)}
        if isinstance(event, dict):
            found.append({k: str(v) for k, v in event.items()})
    return found


ANSWERS = [
    # name, method, path, token role, status
    ("a route", "GET", "/me", "practitioner", 200),
    ("a public route", "GET", "/health/live", None, 200),
    ("no route", "GET", "/no/such/route", None, 404),
    ("no such method", "DELETE", "/health", None, 405),
    ("no token", "GET", "/me", None, 401),
    ("a refused role", "GET", "/audit", "practitioner", 403),
    ("a bad parameter", "GET", "/children/not-an-id?reason=service_delivery", "practitioner", 400),
    ("the document", "GET", "/schema/openapi.json", None, 200),
]


@pytest.mark.parametrize("name, method, path, role, status", ANSWERS, ids=[a[0] for a in ANSWERS])
async def test_every_response_carries_its_request_id(client, tokens, capsys, name, method, path, role, status):
    r = await client.request(method, path, headers=bearer(tokens[role]) if role else {})
    assert r.status_code == status, r.text
    rid = uuid.UUID(r.headers["x-request-id"])
    if r.headers["content-type"].startswith("application/problem+json"):
        assert r.json()["request_id"] == str(rid)
    [line] = [e for e in log_lines(capsys.readouterr().err) if e["event"] == "request"]
    assert (line["request_id"], line["status"], line["method"]) == (str(rid), str(status), method)
    assert float(line["duration_ms"]) >= 0


async def test_the_id_is_the_audit_events_and_the_access_line_names_the_user(client, tokens, conn, capsys):
    r = await client.get("/children/search", params={"reason": "service_delivery", "surname": "Testwood",
                                                     "dob": "2015-03-14"}, headers=bearer(tokens["practitioner"]))
    assert r.status_code == 200, r.text
    rid = uuid.UUID(r.headers["x-request-id"])
    event = await conn.fetchrow("SELECT user_id, action FROM audit_events WHERE request_id = $1", rid)
    assert event["action"] == "child.search"
    [line] = [e for e in log_lines(capsys.readouterr().err) if e["event"] == "request"]
    assert (line["request_id"], line["route"], line["user_id"]) == (str(rid), "/children/search",
                                                                    str(event["user_id"]))
    again = await client.get("/me", headers=bearer(tokens["practitioner"]))
    assert again.headers["x-request-id"] != str(rid) and again.json()["user_id"] == str(event["user_id"])


QUERIES = [
    # name, path, role, route logged, path logged
    ("a search", "/children/search?reason=service_delivery&surname=Smith&dob=2015-01-01&forename=Jo",
     "practitioner", "/children/search", "None"),
    ("a refused search", "/children/search?reason=service_delivery&surname=Smith&dob=2015-01-01",
     "auditor", "/children/search", "None"),
    ("a bad parameter", "/children/search?reason=nonsense&surname=Smith&dob=2015-01-01", "practitioner",
     "/children/search", "None"),
    ("an undeclared parameter", "/me?surname=Smith", "practitioner", "/me", "None"),
    ("an unknown route", "/childrn/Smith?surname=Smith", None, "None", "/childrn/*"),
]


@pytest.mark.parametrize("name, path, role, route, logged_path", QUERIES, ids=[q[0] for q in QUERIES])
async def test_the_access_log_never_has_the_query_string(client, tokens, capsys, name, path, role, route,
                                                         logged_path):
    capsys.readouterr()
    r = await client.get(path, headers=bearer(tokens[role]) if role else {})
    err = capsys.readouterr().err
    assert "Smith" not in err and "?" not in err and "2015-01-01" not in err
    [line] = [e for e in log_lines(err) if e["event"] == "request"]
    assert (line["route"], line["path"], line["status"]) == (route, logged_path, str(r.status_code))


async def test_a_log_line_written_inside_a_request_carries_its_id(database_url, server_url, capsys):
    app = create_app(database_url, pool_min=1, pool_max=2)
    async with AsyncTestClient(app=app) as client:
        admin = await asyncpg.connect(server_url)
        try:
            await admin.execute(f"DROP DATABASE {urlsplit(database_url).path.lstrip('/')} WITH (FORCE)")
        finally:
            await admin.close()
        capsys.readouterr()
        r = await client.get("/health")
        assert r.status_code == 503
        lines = log_lines(capsys.readouterr().err)
        inside = [e for e in lines if e["event"] in ("database_unavailable", "database_error")]
        assert inside and {e["request_id"] for e in inside} == {r.headers["x-request-id"]}
        after = await client.get("/health/live")
        assert after.headers["x-request-id"] != r.headers["x-request-id"]
    # Nothing of the request stays bound once it has ended.
    assert "request_id" not in structlog.contextvars.get_contextvars()
