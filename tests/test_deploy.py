"""deploy/: the compose file and the Containerfile say what the systemd units say.

These checks read the files; tests/test_image.py (opt-in: it needs podman and PyPI, and
takes minutes) builds the image and runs compose.yaml's services' commands in it. tests/test_wheel.py runs the units' commands
against a real PostgreSQL from the installed wheel, so a compose service running the
same command as a unit runs a command that works, as the role the unit uses.
"""

from __future__ import annotations

import re

import pytest
import yaml

from tests import deploy_units

DEPLOY = deploy_units.DEPLOY
ISINDEX = "/opt/isindex/.venv/bin/isindex"
UNITS = {"migrate": "isindex-migrate.service", "serve": "isindex.service", "worker": "isindex-worker@.service"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _services(compose: dict, subcommand: str) -> dict[str, dict]:
    return {name: s for name, s in compose["services"].items()
            if s.get("image", "").startswith("isindex") and s["command"][0] == subcommand}


def _role(url: str) -> str:
    found = re.match(r"postgresql://([^:@/]+)[:@]", url)
    assert found, url
    return found.group(1)


def _without_host(argv: list[str]) -> list[str]:
    """argv with --host's value left out: a container listens on all its addresses
    (0.0.0.0, its network is the boundary), a host's unit on loopback behind a proxy."""
    return [w for prev, w in zip(["", *argv], argv) if prev != "--host"]


def _unit_isindex_commands(unit: str) -> list[list[str]]:
    return [argv[1:] for argv in deploy_units.commands(unit) if argv[0] == ISINDEX]


@pytest.mark.parametrize("subcommand, count", [("migrate", 1), ("serve", 2), ("worker", 2)])
def test_compose_runs_the_units_commands(compose, subcommand, count):
    services = _services(compose, subcommand)
    assert len(services) == count, f"{subcommand}: {sorted(services)}"
    (unit_argv,) = [a for a in _unit_isindex_commands(UNITS[subcommand]) if a[0] == subcommand]
    for name, service in services.items():
        assert _without_host(service["command"]) == _without_host(unit_argv), name


@pytest.mark.parametrize("subcommand, role", [("migrate", "isindex_owner"), ("serve", "isindex_app"),
                                              ("worker", "isindex_app")])
def test_each_service_and_unit_connects_as_its_role(compose, subcommand, role):
    for name, service in _services(compose, subcommand).items():
        assert _role(service["environment"]["DATABASE_URL"]) == role, name
    assert _role(deploy_units.unit_env(UNITS[subcommand])["DATABASE_URL"]) == role


def test_the_app_runs_only_after_migrations_and_grants(compose):
    services = compose["services"]
    assert services["postgres"]["image"].split(":")[1].split(".")[0] == "18"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    roles = services["roles"]
    assert roles["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert _role(roles["environment"]["DATABASE_URL"]) == "isindex_owner"
    assert "-f /deploy/roles.sql" in " ".join(roles["command"]) and "./roles.sql:/deploy/roles.sql:ro" in roles["volumes"]
    for name in [*_services(compose, "serve"), *_services(compose, "worker")]:
        assert services[name]["depends_on"] == {"roles": {"condition": "service_completed_successfully"}}, name
        assert services[name]["environment"]["ISINDEX_FEED_WORKER"] == "0", name
    for unit in ("isindex.service", "isindex-worker@.service"):
        assert deploy_units.unit(unit)["Unit"]["Requires"] == ["isindex-migrate.service"], unit
        assert "isindex-migrate.service" in deploy_units.unit(unit)["Unit"]["After"][0].split(), unit


def test_prometheus_scrapes_every_api_replica(compose):
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    targets = sorted(t for group in job["static_configs"] for t in group["targets"])
    assert targets == sorted(f"{name}:8000" for name in _services(compose, "serve"))
    assert "./prometheus.yml:/etc/prometheus/prometheus.yml:ro" in compose["services"]["prometheus"]["volumes"]


@pytest.mark.parametrize("unit", sorted(UNITS.values()))
def test_units_keep_their_hardening(unit):
    service = deploy_units.unit(unit)["Service"]
    assert service["User"] == ["isindex"]
    for key, value in (("NoNewPrivileges", "true"), ("ProtectSystem", "strict"), ("PrivateTmp", "true"),
                       ("ProtectHome", "true")):
        assert service[key] == [value], (unit, key)


def _stages(text: str) -> list[list[str]]:
    """The Containerfile's stages, each a list of instructions (continuation lines joined)."""
    joined = re.sub(r"\\\n", " ", text)
    lines = [ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    stages: list[list[str]] = []
    for line in lines:
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:          # global ARGs (before the first FROM) are read by _base
            stages[-1].append(line)
    return stages


def _base(text: str) -> str:
    """The default of the Containerfile's global ARG BASE."""
    (default,) = re.findall(r"(?m)^ARG BASE=(\S+)$", text)
    return default


def test_the_image_installs_the_wheel_and_runs_as_a_user_without_build_tools():
    text = (DEPLOY / "Containerfile").read_text()
    builder, final = _stages(text)
    assert any("pip wheel" in line for line in builder)
    assert _base(text) == "docker.io/library/python:3.11-slim"
    assert builder[0] == "FROM ${BASE} AS builder" and final[0] == "FROM ${BASE}"
    body = "\n".join(final)
    assert "COPY --from=builder /wheels" in body and "--no-index" in body and "COPY . " not in body
    for tool in ("gcc", "build-essential", "apt-get install", "python3-dev", "libpq-dev", "make "):
        assert tool not in body, tool
    (user,) = [line.split()[1] for line in final if line.upper().startswith("USER ")]
    assert user.split(":")[0] not in ("root", "0")
    assert "/health/live" in body and final[-1] == 'CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]'
    assert 'ENTRYPOINT ["isindex"]' in body
