"""Reading deploy/'s systemd units and environment files as systemd would, so that a test
runs the very commands the units run (tests/test_wheel.py, tests/test_deploy.py).

Only what the units use is understood: sections, `Key=value` lines (a key given more
than once, ExecStart in a oneshot, keeps every value in order), EnvironmentFile lines of
KEY=value, and `${VAR}` (one word) in a command line.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
INSTALL = "/opt/isindex/"     # where the units expect the venv (.venv) and deploy/ on a host
# The env files the units name, and their examples in deploy/.
ENV_EXAMPLES = {"/etc/isindex/env": "env.example", "/etc/isindex/owner.env": "owner.env.example"}


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    """{section: {key: [values...]}} of deploy/NAME."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in (DEPLOY / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        assert current is not None, f"{name}: {line!r} before any section"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def env_file(path: str) -> dict[str, str]:
    """The KEY=value pairs of the example for an EnvironmentFile path."""
    return example(ENV_EXAMPLES[path])


def example(name: str) -> dict[str, str]:
    """The KEY=value pairs of deploy/NAME (an environment file's example)."""
    out = {}
    for raw in (DEPLOY / name).read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def unit_env(name: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for path in unit(name)["Service"].get("EnvironmentFile", []):
        env.update(env_file(path.lstrip("-")))
    return env


def commands(name: str, key: str = "ExecStart") -> list[list[str]]:
    """The unit's command lines for key, split as systemd splits them ("${VAR}" left as is)."""
    return [shlex.split(line.lstrip("-@:+!")) for line in unit(name)["Service"].get(key, [])]


def expand(argv: list[str], env: dict[str, str]) -> list[str]:
    """systemd's ${VAR} expansion (a whole word each, as the units use it)."""
    return [re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], word) for word in argv]


def role_of(url: str) -> str:
    return urlsplit(url).username or ""
