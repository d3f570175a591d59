"""The built wheel, installed without the source tree, is a working service.

`pip install .` (not `-e`) installs only what pyproject.toml packages: a sub-package or
data file left out works in the editable install the other tests use and fails only
after a real install. So the wheel is built from a copy of the tree, installed with
--no-deps into a fresh venv that sees the test venv's third-party packages (through a
directory of links that leaves out this project's own packages) but never the source
tree, and `isindex serve --demo` is run from a temp dir until a practitioner search
answers 200.
"""

from __future__ import annotations

import http.client
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

from tests.processes import free_port, stop

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
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=300)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, timeout=300, cwd=base)
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


def _get(port: int, path: str, token: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _stop_postgres(data_dir: Path) -> None:
    """Stop an embedded PostgreSQL the server left running (fast shutdown, by its pid)."""
    for pid_file in data_dir.rglob("postmaster.pid"):
        try:
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGINT)
        except (ValueError, IndexError, OSError):
            continue
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except OSError:
                break
            time.sleep(0.1)


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
                    _get(port, "/health")   # any answer: the server is up
                    token = found.group(1)
                    break
                except OSError:
                    pass
            time.sleep(0.5)
        assert token, f"no practitioner token printed, or no answer on port {port}:\n{output[-3000:]}"
        # The README's first search: the demo always holds this child.
        query = urllib.parse.urlencode({"surname": "Elis", "forename": "Hally", "dob": "2019-09-03",
                                        "reason": "safeguarding_concern"})
        status, body = _get(port, f"/children/search?{query}", token)
        assert status == 200, body[:2000]
        assert json.loads(body)["results"], "the demo child of the README's search is not found"
        status, body = _get(port, "/schema/openapi.json")
        assert status == 200, f"GET /schema/openapi.json: {status} {body[:500]!r}"
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=60) == 0, (tmp_path / "serve.log").read_text()[-3000:]
    finally:
        stop(server, signal.SIGINT)
        _stop_postgres(data_dir)
        log.close()
