"""The demo as a new user meets it: its school's token can submit a census, and
`serve --demo` says where the data lives."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from index import db, demo
from index.config import Settings
from tests.api.conftest import bearer


@pytest.fixture
async def demo_tokens(pool):
    async with pool.acquire() as conn:
        await demo.load(conn, n_children=200, seed=5)
        return await demo.issue_tokens(conn, days=1)


@pytest.fixture
async def demo_client(database_url, demo_tokens):
    app = create_app(database_url, pool_min=1, pool_max=4)
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def test_the_demo_schools_token_can_submit_a_census(demo_client, demo_tokens, conn):
    body = ("record_id,forename,surname,dob,gender,postcode\n"
            "P1,Amelia,Testwood,2015-03-14,F,PE1 1AA\n").encode()
    response = await demo_client.post("/feeds", content=body,
                                      headers={**bearer(demo_tokens["school"]), "Content-Type": "text/csv"})
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    # The LA's own system is a feed source too (the demo children's records come from it).
    kinds = {r["kind"] for r in await conn.fetch("SELECT DISTINCT kind FROM organisations WHERE feed_source")}
    assert {"school", "gp", "local_authority"} <= kinds


@pytest.mark.parametrize("database_url, data_dir, expected, absent", [
    (None, "/srv/isindex", "/srv/isindex (embedded PostgreSQL cluster in /srv/isindex/pg, database isindex", None),
    ("postgresql://app:s3cret@db.example.org:5433/isx", "/unused", "database isx on db.example.org:5433", "s3cret"),
    ("postgresql://localhost/isx", "/unused", "database isx on localhost:5432", None),
    ("postgresql://app:s3cret@db1:5433,db2/isx?target_session_attrs=read-write", "/unused",
     "database isx on db1:5433,db2:5432 (DATABASE_URL)", "s3cret"),
])
def test_serve_demo_says_where_the_data_lives(database_url, data_dir, expected, absent):
    settings = Settings(database_url=database_url, data_dir=Path(data_dir), token_days=1, max_body_bytes=1024,
                        pool_min=1, pool_max=1)
    said = db.location(settings)
    assert expected in said
    assert absent is None or absent not in said


async def test_each_demo_role_has_a_one_time_sign_in_link(demo_client, demo_tokens, pool):
    async with pool.acquire() as conn:
        links = await demo.issue_links(conn)
    assert set(links) == set(demo_tokens)
    for token in links.values():
        opened = await demo_client.get(f"/sign-in/link/{token}", follow_redirects=False)
        first = await demo_client.post(f"/sign-in/link/{token}", follow_redirects=False)
        again = await demo_client.post(f"/sign-in/link/{token}", follow_redirects=False)
        assert (opened.status_code, first.status_code, again.status_code) == (200, 303, 401)


@pytest.mark.parametrize("host, port, url", [
    ("127.0.0.1", 8000, "http://127.0.0.1:8000"),
    ("0.0.0.0", 8080, "http://127.0.0.1:8080"),
    ("::1", 8000, "http://[::1]:8000"),
    ("::", 8000, "http://127.0.0.1:8000"),
    ("isindex.example.org", 443, "http://isindex.example.org:443"),
])
def test_serve_demo_prints_links_to_where_it_listens(host, port, url):
    from argparse import Namespace

    from cli import service

    assert service._base_url(Namespace(host=host, port=port)) == url
