"""The built wheel, installed without the source tree, is a working service.

`pip install .` (not `-e`) installs only what pyproject.toml packages: a sub-package or
data file left out works in the editable install the other tests use and fails only
after a real install. So the wheel is built from a copy of the tree, installed with
--no-deps into a fresh venv that sees the test venv's third-party packages (through a
directory of links that leaves out this project's own packages) but never the source
tree, and `isindex serve --demo` is run from a temp dir until a practitioner search
answers 200.

The same install runs deploy/'s systemd units' command lines (tests/deploy_units.py
reads them): migrations and roles.sql as a non-superuser owner, then serve and a worker
as isindex_app, the least-privilege role, on a PostgreSQL of the test's own.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.parse
import zipfile
from pathlib import Path

import pytest

from index import backup
from tests.processes import free_port, get, post_census, stop, stop_postgres

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parents[1]
OWN = {"api", "index", "matching", "tests"}   # never reachable from the fresh venv except via the wheel
PACKAGE_DATA = (".sql", ".txt", ".json", ".js", ".css", ".png", ".md", ".LICENSE", ".NOTICE", ".woff2", ".woff", ".svg",
                ".ico", ".html")
SKIP_COPY = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis",
                                   ".pytest_cache", ".isindex-data", "out")


def _can_build_offline() -> bool:
    """True when this venv can build the wheel itself (no isolated build env to download)."""
    try:
        setuptools = tuple(int(p) for p in importlib.metadata.version("setuptools").split(".")[:2])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return False
    if setuptools < (69, 0):
        return False
    if setuptools >= (70, 1):   # bdist_wheel is part of setuptools from 70.1
        return True
    try:
        importlib.metadata.version("wheel")
        return True
    except importlib.metadata.PackageNotFoundError:
        return False


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    shutil.copytree(ROOT, src, ignore=SKIP_COPY, symlinks=True)
    command = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(work / "dist")]
    if _can_build_offline():
        command.append("--no-build-isolation")
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    (built,) = (work / "dist").glob("isindex-*.whl")
    return built


def _source_files() -> list[str]:
    """Paths (relative, '/'-separated) of every file the service needs at run time."""
    out = []
    for init in ROOT.glob("*/__init__.py"):
        top = init.parent
        if top.name in ("tests",) or top.name.startswith("."):
            continue
        for path in top.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and (
                    path.suffix == ".py" or path.suffix in PACKAGE_DATA):
                out.append(path.relative_to(ROOT).as_posix())
    return sorted(out)


def test_wheel_holds_every_module_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [f for f in _source_files() if f not in names]
    assert not missing, f"not in the wheel (pyproject.toml packages / package-data): {missing}"
    assert not [n for n in names if n.startswith("tests/")], "tests are not part of the wheel"


def _site_links(target: Path) -> Path:
    """A directory linking to every entry of this venv's site-packages except the project's own."""
    site = Path(sysconfig.get_paths()["purelib"])
    target.mkdir()
    for entry in site.iterdir():
        name = entry.name
        if (name in OWN or name.endswith(".pth") or name.startswith("__editable__")
                or name.lower().startswith("isindex-")):
            continue
        (target / name).symlink_to(entry)
    return target


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("venv")
    env_dir = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=300)
    python = env_dir / "bin" / "python"
    # This venv's pip installs into the new one (--python): a pip of its own took seconds.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, timeout=300, cwd=base)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "zz_test_venv_packages.pth").write_text(f"{_site_links(base / 'deps')}\n")
    return env_dir


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ISINDEX_", "PYTHON", "VIRTUAL_ENV")) and k != "DATABASE_URL"}
    return {**env, **extra}


def test_installed_packages_come_from_the_wheel(venv, tmp_path):
    code = "import api, index, matching, api.routes; print(api.__file__, index.__file__, matching.__file__)"
    done = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, env=_clean_env(), timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    for path in done.stdout.split():
        assert Path(path).resolve().is_relative_to(venv.resolve()), f"{path} is not the installed copy"





def test_serve_demo_answers_a_practitioner_search(venv, tmp_path):
    data_dir, port = tmp_path / "data", free_port()
    log = (tmp_path / "serve.log").open("w+")
    server = subprocess.Popen(
        [str(venv / "bin" / "isindex"), "serve", "--demo", "--demo-children", "200", "--port", str(port)],
        cwd=tmp_path, env=_clean_env(ISINDEX_DATA_DIR=str(data_dir)),
        stdout=log, stderr=subprocess.STDOUT)
    try:
        token, deadline = None, time.monotonic() + 240
        while time.monotonic() < deadline:
            output = (tmp_path / "serve.log").read_text()
            assert server.poll() is None, f"serve exited {server.returncode}:\n{output[-3000:]}"
            found = re.search(r"^\s*practitioner\s+(isx_\S+)\s*$", output, re.MULTILINE)
            if found and "listening on" in output:
                try:
                    get(port, "/health")   # any answer: the server is up
                    token = found.group(1)
                    break
                except OSError:
                    pass
            time.sleep(0.5)
        assert token, f"no practitioner token printed, or no answer on port {port}:\n{output[-3000:]}"
        # The README's first search: the demo always holds this child.
        query = urllib.parse.urlencode({"surname": "Elis", "forename": "Hally", "dob": "2019-09-03",
                                        "reason": "safeguarding_concern"})
        status, body = get(port, f"/children/search?{query}", token)
        assert status == 200, body[:2000]
        assert json.loads(body)["results"], "the demo child of the README's search is not found"
        status, body = get(port, "/schema/openapi.json")
        assert status == 200, f"GET /schema/openapi.json: {status} {body[:500]!r}"
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=60) == 0, (tmp_path / "serve.log").read_text()[-3000:]
    finally:
        stop(server, signal.SIGINT)
        stop_postgres(data_dir)
        log.close()


# -- deploy/'s systemd units, run as they are written, from the installed wheel --------



def _as_role(server_url: str, role: str, database: str) -> str:
    """server_url (the test server's) for role and database, its host and options kept."""
    parts = urllib.parse.urlsplit(server_url)
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit((parts.scheme, f"{role}@{host}", f"/{database}", parts.query, ""))


def _unit_commands(name: str, env: dict[str, str], install: Path, psql: Path, port: int) -> list[list[str]]:
    """The unit's ExecStart lines, ${VAR}s expanded from env, run from this test's install
    dir (where the units' /opt/isindex/ links point) with the wheel's psql for /usr/bin/psql;
    serve's port is a free one instead of 8000. Nothing else is changed."""
    from tests import deploy_units

    out = []
    for argv in deploy_units.commands(name):
        argv = deploy_units.expand(argv, env)
        argv = [str(psql) if w == "/usr/bin/psql" else w.replace(deploy_units.INSTALL, f"{install}/") for w in argv]
        out.append([str(port) if prev == "--port" else w for prev, w in zip(["", *argv], argv)])
    return out


def test_the_systemd_units_commands_run_migrations_as_owner_and_the_service_as_isindex_app(venv, tmp_path):
    from tests import deploy_units
    from tests.processes import own_postgres

    psql, port = backup.tool("psql"), free_port()
    install = tmp_path / "opt-isindex"
    install.mkdir()
    (install / ".venv").symlink_to(venv)
    (install / "deploy").symlink_to(deploy_units.DEPLOY)
    owner_env = deploy_units.unit_env("isindex-migrate.service")
    app_env = deploy_units.unit_env("isindex.service")
    assert deploy_units.unit_env("isindex-worker@.service") == app_env
    owner, app = deploy_units.role_of(owner_env["DATABASE_URL"]), deploy_units.role_of(app_env["DATABASE_URL"])
    assert (owner, app) == ("isindex_owner", "isindex_app")

    with own_postgres("isindex-units-") as server:
        superuser = server.get_uri("postgres")
        for sql in ("CREATE ROLE isindex_owner LOGIN CREATEROLE", "CREATE DATABASE isindex OWNER isindex_owner"):
            subprocess.run([str(psql), superuser, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True, timeout=60)
        owner_env["DATABASE_URL"] = _as_role(superuser, owner, "isindex")
        app_env["DATABASE_URL"] = app_url = _as_role(superuser, app, "isindex")

        migrate = _unit_commands("isindex-migrate.service", owner_env, install, psql, port)
        assert [a[1:] for a in migrate][0] == ["migrate"] and "roles.sql" in migrate[1][-1]
        for argv in migrate:
            done = subprocess.run(argv, env=_clean_env(**owner_env), cwd=tmp_path, capture_output=True, text=True,
                                  timeout=300)
            assert done.returncode == 0, f"{argv}: {done.stderr[-3000:]}"

        def cli(*args: str) -> str:
            done = subprocess.run([str(venv / "bin" / "isindex"), *args], env=_clean_env(**app_env), cwd=tmp_path,
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, f"{args}: {done.stderr[-3000:]}"
            return done.stdout

        # The least-privilege role may not migrate, nor touch the audit log's past.
        refused = subprocess.run([str(psql), app_url, "-v", "ON_ERROR_STOP=1", "-qc",
                                  "CREATE TABLE intruder (x int)"], capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0 and "permission denied" in refused.stderr
        cli("la", "add", "--code", "873", "--name", "Cambridgeshire")
        cli("source", "add", "--code", "SCH1", "--kind", "school", "--name", "Mill Lane Primary", "--la", "873")
        token = json.loads(cli("user", "add", "--name", "Head", "--org", "SCH1", "--role", "school", "--json"))["token"]

        logs = {name: (tmp_path / f"{name}.log").open("w+") for name in ("serve", "worker")}
        (serve_argv,) = _unit_commands("isindex.service", app_env, install, psql, port)
        (worker_argv,) = _unit_commands("isindex-worker@.service", app_env, install, psql, port)
        serve = subprocess.Popen(serve_argv,
                                 env=_clean_env(**app_env), cwd=tmp_path, stdout=logs["serve"], stderr=subprocess.STDOUT)
        worker = None
        try:
            deadline = time.monotonic() + 120
            while True:
                assert serve.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
                try:
                    get(port, "/health")
                    break
                except OSError:
                    assert time.monotonic() < deadline, "serve did not answer"
                    time.sleep(0.5)
            feed = post_census(port, token)

            def status() -> str:
                got, text = get(port, f"/feeds/{feed}", token)
                assert got == 200, text[:2000]
                return json.loads(text)["status"]

            time.sleep(3)     # serve (ISINDEX_FEED_WORKER off with DATABASE_URL) leaves it queued
            assert status() == "queued"
            worker = subprocess.Popen(worker_argv, env=_clean_env(**app_env), cwd=tmp_path,
                                      stdout=logs["worker"], stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 120
            while (state := status()) not in ("done", "failed"):
                assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
                assert time.monotonic() < deadline, f"feed still {state}"
                time.sleep(0.5)
            assert state == "done", (tmp_path / "worker.log").read_text()[-3000:]
            got, text = get(port, "/health")
            kinds = [w["kind"] for w in json.loads(text)["workers"]]
            assert (got, json.loads(text)["worker"], kinds) == (200, "off", ["worker"]), text
            for proc in (worker, serve):     # systemd stops a unit with SIGTERM
                proc.send_signal(signal.SIGTERM)
                assert proc.wait(timeout=60) in (0, 143)
        finally:
            for proc in (serve, worker):
                if proc is not None:
                    stop(proc, signal.SIGINT)
            for f in logs.values():
                f.close()
