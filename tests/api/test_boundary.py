"""The HTTP boundary: control and bidirectional characters in query strings and JSON
bodies, deeply nested bodies, Cache-Control on every response, a database connection
lost at transaction exit, and the words of a 403."""

import asyncio
import contextlib
import json
import re
import uuid
from pathlib import Path

import asyncpg
import pytest

from api import boundary
from index import db, errors, policy
from tests.api.conftest import bearer, problem
from tests.api.pages import Page
from tests.api.test_authorization import CALLS, ROLES, answered_as

ANY = "5c3a9e1f-7b2d-4f80-9a6e-1d4b8c2f0e57"   # no row has it (fixed: the same test ids in every xdist worker)
SEARCH = "/children/search?dob=2019-09-03&reason=safeguarding_concern&surname="


async def audit_row(conn, response):
    return await conn.fetchrow("SELECT action, outcome, status, role, query FROM audit_events WHERE request_id = $1",
                               uuid.UUID(response.headers["x-request-id"]))


# (path, action, role, field, code point named in the detail)
QUERIES = [
    (SEARCH + "El%00is", "child.search", "practitioner", "surname", "U+0000"),
    (SEARCH + "Ellis&forename=Ha%1Fly", "child.search", "practitioner", "forename", "U+001F"),
    (SEARCH + "Ellis&postcode=CB1%7F1AA", "child.search", "practitioner", "postcode", "U+007F"),
    (SEARCH + "Ellis%C2%85", "child.search", "practitioner", "surname", "U+0085"),
    (SEARCH + "%E2%80%AEsillE", "child.search", "practitioner", "surname", "U+202E"),
    (SEARCH + "Ellis&forename=%E2%81%A6Hally%E2%81%A9", "child.search", "practitioner", "forename", "U+2066"),
    ("/children/search?dob=2019-09-03&reason=safeguarding_concern%0A&surname=Ellis", "child.search",
     "practitioner", "reason", "U+000A"),
    (f"/children/{ANY}?reason=service_delivery&case_ref=CP%091", "child.view", "practitioner", "case_ref", "U+0009"),
    ("/audit?since=2026-01-01%00", "audit.read", "auditor", "since", "U+0000"),
    ("/children/search?sur%00name=Ellis&dob=2019-09-03&reason=safeguarding_concern", "child.search",
     "practitioner", "sur?name", "U+0000"),
]


# These only add rows (audit events, each found by its request id): one database and app
# for the module. The tests that change the schema or the pool have their own.
SHARED = pytest.mark.asyncio(loop_scope="module")


@SHARED
@pytest.mark.parametrize("path, action, role, field, code", QUERIES)
async def test_control_and_bidi_characters_in_a_query_are_refused(module_client, module_tokens, module_pool, path,
                                                                   action, role, field, code):
    response = await module_client.get(path, headers=bearer(module_tokens[role]))
    body = problem(response, 400, field, code)
    assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", json.dumps(body, ensure_ascii=False))
    row = await audit_row(module_pool, response)
    assert (row["action"], row["outcome"], row["status"], row["role"], row["query"]) == (action, "invalid", 400,
                                                                                         role, {})


# (path, role, body, field, code point)
BODIES = [
    (f"/children/{ANY}/involvements", "practitioner",
     {"start_date": "2024-09-01", "contact": {"name": "Ann\u0000Smith"}}, "contact.name", "U+0000"),
    (f"/children/{ANY}/involvements", "practitioner",
     {"start_date": "2024-09-01", "contact": {"name": "\u202eSmith"}}, "contact.name", "U+202E"),
    (f"/children/{ANY}/involvements", "practitioner",
     {"start_date": "2024-09-01", "contact": {"phone": "01632 960555\u0085"}}, "contact.phone", "U+0085"),
    (f"/children/{ANY}/involvements", "practitioner",
     {"start_date": "2024-09-01", "con\u0000tact": {}}, "con?tact", "U+0000"),
    (f"/children/{ANY}/transfers", "la_data_manager", {"to_la": "92\u007f6"}, "to_la", "U+007F"),
    (f"/review/{ANY}/decision", "la_data_manager", {"action": "new", "ids": ["ok", "\u2069"]}, "ids[1]", "U+2069"),
]


@SHARED
@pytest.mark.parametrize("path, role, payload, field, code", BODIES)
async def test_control_and_bidi_characters_in_a_json_body_are_refused(module_client, module_tokens, module_pool,
                                                                      path, role, payload, field, code):
    response = await module_client.post(path, json=payload, headers=bearer(module_tokens[role]))
    problem(response, 400, field, code)
    row = await audit_row(module_pool, response)
    assert (row["outcome"], row["status"], row["query"]) == ("invalid", 400, {})


async def test_a_name_without_such_characters_still_passes(client, tokens):
    response = await client.get(SEARCH + "%C3%91o%C3%B1o-%D8%B9%D9%84%D9%8A", headers=bearer(tokens["practitioner"]))
    assert response.status_code == 200, response.text


JSON_ROUTES = [(method, path, action, body) for method, path, action, body in CALLS if body is not None]
DEEP = "[" * 1000 + "]" * 1000


@SHARED
@pytest.mark.parametrize("method, path, action, payload", JSON_ROUTES)
@pytest.mark.parametrize("shape", ["top", "field"])
async def test_a_deeply_nested_body_is_a_400_naming_the_body(module_client, module_tokens, module_pool, method, path,
                                                             action, payload, shape):
    role = sorted(policy.ALLOWED[action])[0]
    text = DEEP if shape == "top" else '{"%s": %s}' % (next(iter(payload)), DEEP)
    response = await module_client.request(method, path, content=text.encode(),
                                           headers=bearer(module_tokens[role]) | {"content-type": "application/json"})
    problem(response, 400, "body", "nested")
    row = await audit_row(module_pool, response)
    assert (row["action"], row["outcome"], row["status"]) == (action, "invalid", 400)


async def test_a_streamed_upload_is_not_read_by_the_screen(client, tokens):
    # POST /feeds streams its body to a file against its own cap: the screen leaves it alone
    # even when it is labelled JSON (the route answers for it).
    response = await client.post("/feeds", content=DEEP.encode(),
                                 headers=bearer(tokens["school"]) | {"content-type": "application/json"})
    assert response.status_code != 500 and "nested" not in response.text, response.text


@pytest.mark.parametrize("text, expected", [
    (b'{}', 1),
    (b'{"a": [1, {"b": []}]}', 4),
    (b'{"a": "[[[[{{{{"}', 1),            # brackets inside strings do not count
    (b'{"a": "\\"[[[["}', 1),              # nor after an escaped quote
    (DEEP.encode(), 1000),
])
def test_depth(text, expected):
    assert boundary.depth(text) == expected


@SHARED
@pytest.mark.parametrize("method, path, action, payload", CALLS)
async def test_every_response_is_no_store(module_client, module_tokens, method, path, action, payload):
    client, tokens = module_client, module_tokens
    allowed = sorted(policy.ALLOWED[action])[0]
    denied = next((r for r in ROLES if not policy.allowed(action, r)), None)
    for headers in (bearer(tokens[allowed]), bearer(tokens[denied]) if denied else None, {}):
        if headers is None:
            continue
        response = await client.request(method, path, json=payload, headers=headers)
        assert response.headers.get("cache-control") == "no-store", (response.status_code, response.headers)


async def test_errors_and_public_routes_are_no_store_too(client, tokens):
    practitioner = bearer(tokens["practitioner"])
    for response in (
        await client.get(SEARCH + "Ellis", headers=practitioner),                 # 200 with results
        await client.get("/children/search?surname=Ellis", headers=practitioner),  # 400
        await client.get(f"/children/{ANY}?reason=service_delivery", headers=practitioner),  # 404
        await client.get("/no-such-route", headers=practitioner),
        await client.get("/health"),
    ):
        assert response.headers.get("cache-control") == "no-store", response.status_code


async def test_a_connection_lost_at_transaction_exit_is_a_503(client, tokens, conn):
    # The backend is terminated inside the request's transaction; asyncpg then finds the
    # connection closed when the transaction exits.
    await conn.execute("""
        CREATE FUNCTION test_lose_connection() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5); RETURN NEW; END $$;
        CREATE TRIGGER test_lose_connection BEFORE INSERT ON audit_events FOR EACH ROW
            WHEN (NEW.action = 'child.search') EXECUTE FUNCTION test_lose_connection();
    """)
    headers = bearer(tokens["practitioner"])
    problem(await client.get(SEARCH + "Ellis", headers=headers), 503)
    await conn.execute("DROP TRIGGER test_lose_connection ON audit_events")
    assert (await client.get(SEARCH + "Ellis", headers=headers)).status_code == 200   # the pool recovers


async def test_a_transaction_whose_backend_was_terminated_is_unavailable(pool, conn):
    with pytest.raises(errors.Unavailable):
        async with db.transaction(pool) as work:
            await work.execute("SELECT 1")
            await conn.execute("SELECT pg_terminate_backend($1)", work.get_server_pid())
            for _ in range(100):                 # until the client has seen the socket close
                if work.is_closed():
                    break
                await asyncio.sleep(0.02)
    async with db.transaction(pool) as work:
        assert await work.fetchval("SELECT 1") == 1


@pytest.mark.parametrize("translated", [False, True], ids=["raw", "translated"])
@pytest.mark.parametrize("enter, raised", [
    (db.transaction, errors.Unavailable),
    (db.connection, errors.Unavailable),
    (db.acquire, asyncpg.exceptions.InternalClientError),    # the feed worker's: it reconnects by itself
])
async def test_a_connection_the_driver_finds_broken_is_unavailable_and_replaced(pool, enter, raised, translated):
    # What a failover once left in the pool: asyncpg refused the next statement on a
    # connection whose protocol was part-way through an operation cut off (the message is
    # the driver's own). The request is a 503, and that connection is not handed out again,
    # also when the work's own domain function translated the error already.
    with pytest.raises(errors.Unavailable if translated else raised):
        async with enter(pool) as work:
            pid = work.get_server_pid()
            with db.translate_errors() if translated else contextlib.nullcontext():
                raise asyncpg.exceptions.InternalClientError("cannot switch to state 13; another operation (2) "
                                                             "is in progress")
    pids = set()
    for _ in range(pool.get_size() + 1):
        async with enter(pool) as work:
            assert await work.fetchval("SELECT 1") == 1
            pids.add(work.get_server_pid())
    assert pid not in pids


def test_a_programming_error_is_not_taken_for_a_lost_connection():
    assert not db.connection_lost(asyncpg.InterfaceError("the server expects 2 arguments for this query, 1 was passed"))
    assert db.connection_lost(asyncpg.InterfaceError("cannot call Transaction.__aexit__(): the underlying connection "
                                                     "is closed"))
    assert db.connection_lost(asyncpg.exceptions.InternalClientError(
        'cannot switch to "idle" state; protocol is in the "failed" state'))
    assert db.connection_lost(asyncpg.exceptions.InternalClientError("not connected"))
    assert not db.connection_lost(asyncpg.exceptions.InternalClientError("PoolConnectionHolder.release() called on a "
                                                                         "free connection holder"))


@pytest.mark.parametrize("action", sorted(policy.ALLOWED))
def test_every_refusal_reads_as_words(action):
    text = policy.refusal(action, "school")
    assert action in policy.PHRASES
    assert re.fullmatch(r"your role \(school\) may not [a-z][a-zA-Z' -]+[a-z]", text), text
    assert action not in text


@SHARED
@pytest.mark.parametrize("method, path, action, payload", [c for c in CALLS if set(ROLES) - policy.ALLOWED[c[2]]])
async def test_a_403_names_the_role_and_what_it_may_not_do(module_client, module_tokens, method, path, action,
                                                           payload):
    role = next(r for r in ROLES if not policy.allowed(action, r))
    response = await module_client.request(method, path, json=payload, headers=bearer(module_tokens[role]))
    detail = f"your role ({role}) may not {policy.PHRASES[action]}"
    if answered_as(path) == "text/html":   # a page says the same on its error page
        assert response.status_code == 403
        assert "Y" + detail[1:] in " ".join(Page(response.text).by_id("main-content").text.split())
        return
    problem(response, 403, detail=detail)


def test_no_module_takes_a_pooled_connection_but_through_db():
    # pool.acquire() would put a connection the driver found broken back in the pool, to
    # be handed out again and again (its LIFO queue gives the last one back first).
    root = Path(db.__file__).resolve().parents[1]
    direct = [str(path.relative_to(root)) for package in ("index", "api", "cli")
              for path in sorted((root / package).rglob("*.py"))
              if path.name != "db.py" and re.search(r"(?<!\bdb)\.acquire\(", path.read_text())]
    assert direct == []
