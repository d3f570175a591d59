"""The OpenAPI document is the contract: every parameter a route reads, its body, its
problem responses and its security are in it; the documentation pages work offline."""

import re

import pytest

from api import app as app_module, openapi, params
from api.errors import PROBLEM
from tests.api import seen
from tests.api.conftest import bearer, problem

APP = app_module.create_app("postgresql://unused@localhost/unused")
DOC = APP.openapi_schema.to_schema()


def _routes():
    for handler in app_module.ROUTES:
        if not handler.include_in_schema or handler.opt.get("page"):   # browser pages: HTML, not the JSON API
            continue
        for path in handler.paths:
            template = re.sub(r"{(\w+):\w+}", r"{\1}", path)
            for method in handler.http_methods:
                yield handler, template, method.lower()


ROUTES = list(_routes())
IDS = [f"{m.upper()} {p}" for _, p, m in ROUTES]


@pytest.mark.parametrize(("handler", "path", "method"), ROUTES, ids=IDS)
def test_every_query_parameter_a_route_reads_is_documented(handler, path, method):
    operation = DOC["paths"][path][method]
    documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    assert documented == set(params.query_names(handler))
    in_path = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
    assert in_path == set(re.findall(r"{(\w+)}", path))


@pytest.mark.parametrize(("handler", "path", "method"), ROUTES, ids=IDS)
def test_every_route_documents_its_problems_and_security(handler, path, method):
    operation = DOC["paths"][path][method]
    if handler.opt.get("public"):
        assert operation.get("security") is None
        return
    assert operation["security"] == [{"bearer": []}]
    for code in openapi.problems(handler):
        content = operation["responses"][str(code)]["content"]
        assert list(content) == [PROBLEM], (code, content)
        assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
    errors = [c for c in operation["responses"] if c.startswith(("4", "5"))]
    assert all(list(operation["responses"][c]["content"]) == [PROBLEM] for c in errors)
    if "{" in path:
        assert "404" in operation["responses"]
    if method == "post":
        assert {"409", "413", "415"} <= set(operation["responses"])


def test_the_document_shows_types_bodies_and_the_other_media_types():
    paths = DOC["paths"]
    view = {p["name"]: p for p in paths["/children/{child_id}"]["get"]["parameters"]}
    assert view["child_id"]["schema"] == {"type": "string", "format": "uuid", "description": "An index id (a UUID)."}
    assert view["reason"]["required"] is True
    assert set(view["reason"]["schema"]["enum"]) == set(params.policy.REASONS)
    limits = {p["name"]: p["schema"] for p in paths["/audit"]["get"]["parameters"]}
    assert (limits["limit"]["minimum"], limits["limit"]["maximum"], limits["limit"]["default"]) == (1, 1000, 100)
    upload = paths["/feeds"]["post"]["requestBody"]["content"]
    assert set(upload) == {"text/csv", "application/xml"}
    assert "422" in paths["/feeds"]["post"]["responses"]
    export = paths["/children/{child_id}/subject-access"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"application/json", "text/plain"}
    register = paths["/children/{child_id}/involvements"]["post"]["requestBody"]["content"]["application/json"]
    assert register["schema"] == {"$ref": "#/components/schemas/RegisterIn"}
    assert sorted(DOC["components"]["schemas"]["Problem"]["required"]) == ["detail", "instance", "status", "title", "type"]


# What the route says when Litestar cannot parse a value: the field, and what it must be.
BAD = [
    ("/children/not-an-id?reason=service_delivery", "child_id", "not a valid id"),
    ("/children/search?surname=Smith&dob=2015-01-01", "reason", "required, one of: safeguarding_concern"),
    ("/children/search?reason=curiosity&surname=Smith&dob=2015-01-01", "reason", "must be one of: safeguarding_concern"),
    ("/audit?limit=0", "limit", "must be a whole number between 1 and 1000"),
    ("/audit?limit=many", "limit", "must be a whole number between 1 and 1000"),
    ("/audit?child_id=42", "child_id", "not a valid id"),
    ("/audit?since=yesterday", "since", "not an ISO 8601 date-time"),
    ("/audit?colour=red", "colour", "unknown query parameter (allowed: before_id, child_id, limit, since, until, user_id)"),
    ("/audit?limit=5&limit=6", "limit", "given more than once"),
    ("/audit?user_id=" + "a" * 201, "user_id", "longer than 200 characters"),
    ("/alerts?status=ajar", "status", "must be one of: open, closed"),
    ("/me?x=1", "x", "this route takes no query parameters"),
]


@pytest.mark.parametrize(("url", "field", "message"), BAD)
async def test_a_value_that_cannot_be_parsed_is_named_with_what_it_must_be(client, tokens, url, field, message):
    token = tokens["auditor"] if url.startswith(("/audit", "/alerts")) else tokens["practitioner"]
    body = problem(await client.get(url, headers=bearer(token)), 400, field)
    assert body["errors"][0]["message"].startswith(message), body


async def test_the_documentation_pages_load_their_assets_from_the_service(client):
    for page in ("/schema/swagger", "/schema/redoc"):
        html = (await client.get(page)).text
        external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html)
        assert external == [], (page, external)
        local = re.findall(r"""(?:src|href)=["'](/schema/assets/[^"']+)""", html)
        assert local, page
        for asset in local:
            got = await client.get(asset)
            assert got.status_code == 200, asset
            assert got.content == (openapi.ASSETS / asset.rsplit("/", 1)[1]).read_bytes(), asset


def test_the_assets_are_shipped_with_their_licences():
    shipped = {p.name for p in openapi.ASSETS.iterdir()}
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-standalone-preset.js", "redoc.standalone.js",
            "swagger-ui.LICENSE", "redoc.LICENSE", "SOURCES.md"} <= shipped


SEEN_CASES = [
    ([("get", "/audit", ("limit", "since"), 200)], []),
    ([("get", "/audit", ("colour",), 200)], ["GET /audit: query parameter 'colour' is not documented"]),
    ([("get", "/audit", ("colour",), 400)], []),                 # refused: nothing to document
    ([("get", f"/children/{'0' * 8}-0000-0000-0000-{'0' * 12}", ("reason",), 200)], []),
    ([("get", "/children/x/access-history", ("limit", "page"), 200)],
     ["GET /children/{child_id}/access-history: query parameter 'page' is not documented"]),
    ([("post", "/nowhere", (), 201)], ["POST /nowhere: no such operation in the document"]),
]


@pytest.mark.parametrize(("requests", "expected"), SEEN_CASES)
def test_the_check_of_the_tests_own_requests_finds_what_the_document_misses(requests, expected):
    assert seen.undocumented(DOC, requests) == expected
