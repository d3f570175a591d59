"""Browser tests: Debian's Chromium driven by Playwright against a real `isindex serve`
(a subprocess, as a user runs it) on a database of the test server, loaded by
`isindex demo`. Playwright's own browser download is not reachable here; .ci/run
installs Debian's `chromium` when it is missing, and it is launched by path.

The modules share one database and server (started once: `isindex demo` and `serve` took
seconds); each module has its own browser, each test its own browser context (its own
cookies), signed in by a fresh one-time link or by single sign-on against the loopback
provider of tests/api/oidc_provider.py."""

from __future__ import annotations

import asyncio
import contextlib
import concurrent.futures
import json
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from index import db, sessions
from tests.api.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider
from tests.conftest import TEMPLATE, _admin
from tests.processes import CLI, free_port, http, stop

CHROMIUM = os.environ.get("ISINDEX_TEST_CHROMIUM", "/usr/bin/chromium")
DEMO_CHILDREN = 300


def _run(coro):
    """A coroutine run to its end in a thread of its own: Playwright's sync API keeps an
    event loop on this thread, where asyncio.run may not start another."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@dataclass
class Site:
    """The running service: its address, its database, and the demo's users by role."""

    url: str
    database_url: str
    provider: Provider
    users: dict[str, str]   # role -> user id

    def sql(self, query: str, *args):
        async def go():
            conn = await asyncpg.connect(self.database_url)
            try:
                return await conn.fetch(query, *args)
            finally:
                await conn.close()
        return _run(go())

    def link(self, role: str) -> str:
        """A fresh one-time sign-in link for the demo user of `role`."""
        async def go():
            conn = await asyncpg.connect(self.database_url)
            try:
                return await sessions.issue_link(conn, uuid.UUID(self.users[role]), hours=1)
            finally:
                await conn.close()
        return f"{self.url}/sign-in/link/{_run(go()).token}"


@contextlib.contextmanager
def running(database_url: str, provider: Provider, children: int = DEMO_CHILDREN):
    """`isindex demo` then `isindex serve` on database_url, as a user runs them; the Site
    while the server runs."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "ISINDEX_OIDC_ISSUER": provider.issuer,
           "ISINDEX_OIDC_CLIENT_ID": CLIENT_ID, "ISINDEX_OIDC_CLIENT_SECRET": CLIENT_SECRET,
           "ISINDEX_OIDC_CLAIM": "email", "ISINDEX_FEED_WORKER": "1"}
    demo = subprocess.run([*CLI, "demo", "--children", str(children), "--json"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stderr[-2000:]
    tokens = json.loads(demo.stdout)["tokens"]
    server = subprocess.Popen([*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"isindex serve did not start (exit {server.poll()})")
            time.sleep(0.2)
        users = {}   # role -> user id, read through the API
        for role, token in tokens.items():
            me = http().get(f"{url}/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
            me.raise_for_status()
            users[role] = me.json()["user_id"]
        yield Site(url=url, database_url=database_url, provider=provider, users=users)
    finally:
        stop(server)


def _healthy(url: str) -> bool:
    try:
        return http().get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="session")
def site(server_url, template_url):
    """One demo site for the browser modules a worker runs (tests/conftest.py sends them all
    to one worker): each test signs in afresh and finds or makes the children it needs."""
    name = "b_" + uuid.uuid4().hex[:16]
    _run(_admin(server_url, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY"))
    try:
        with Provider() as provider, running(db.with_database(server_url, name), provider) as up:
            yield up
    finally:
        _run(_admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def _install_chromium() -> None:
    """Debian's chromium, as .ci/run installs it, for the README's test command on a
    fresh Debian machine (as root); elsewhere, say what is missing."""
    if shutil.which("apt-get") and os.geteuid() == 0:
        for step in (["apt-get", "install", "-y", "-q", "chromium"], ["apt-get", "update", "-q"],
                     ["apt-get", "install", "-y", "-q", "chromium"]):
            subprocess.run(step, capture_output=True, timeout=900)
            if Path(CHROMIUM).exists():
                return
    pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), "
                "or set ISINDEX_TEST_CHROMIUM to a Chromium executable")


@pytest.fixture(scope="module")
def chromium(template_url):
    """The browser, one per module: Playwright's sync API holds an event loop on this
    thread while it runs, so it must stop before the asyncio tests of other directories
    (and start after the template database, whose fixture calls asyncio.run)."""
    if not Path(CHROMIUM).exists():
        _install_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser) -> Page:
    context = chromium.new_context(viewport={"width": 1100, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page: Page, site: Site, role: str) -> None:
    """Open a fresh one-time link, as a newcomer clicks the one `serve --demo` prints."""
    page.goto(site.link(role))
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#signed-in")).to_be_visible()


def sign_out(page: Page, site: Site) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{site.url}/sign-in")
    page.goto(f"{site.url}/")
    assert page.url.startswith(f"{site.url}/sign-in"), page.url


def screenshot(page: Page, name: str) -> None:
    """<name>.png in $ISINDEX_SCREENSHOTS when set (the README's pictures are made with
    ISINDEX_SCREENSHOTS=docs/screenshots), so a test run leaves the tree as it was."""
    shots = os.environ.get("ISINDEX_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"{name}.png"), full_page=True)
