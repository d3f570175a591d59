"""The requests the API tests make, held to the OpenAPI document: every query parameter of
a request the service accepted must be documented for its route (checked when the session
ends, by tests/api/conftest.py)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

# (method, path, query parameter names, status) of each request through the `client` fixture.
SEEN: list[tuple[str, str, tuple[str, ...], int]] = []


async def record(response) -> None:
    """An httpx response hook."""
    request = response.request
    # The web pages and their assets are not part of the API's document.
    if response.headers.get("content-type", "").startswith("text/html") or request.url.path.startswith("/assets/"):
        return
    names = tuple(name for name, _ in parse_qsl(request.url.query.decode(), keep_blank_values=True))
    SEEN.append((request.method.lower(), request.url.path, names, response.status_code))


def _template(doc: dict, method: str, path: str) -> str | None:
    """The document's path template that a concrete path falls under (static paths first)."""
    if path in doc["paths"] and method in doc["paths"][path]:
        return path
    for template, operations in doc["paths"].items():
        pattern = "^" + re.sub(r"{\w+}", "[^/]+", template) + "$"
        if method in operations and re.match(pattern, path):
            return template
    return None


def undocumented(doc: dict, seen: list[tuple[str, str, tuple[str, ...], int]]) -> list[str]:
    """Each accepted request's query parameter (or route) that the document does not list."""
    out = []
    for method, path, names, status in seen:
        if not 200 <= status < 300:
            continue
        template = _template(doc, method, path)
        if template is None:
            if not path.startswith("/schema"):
                out.append(f"{method.upper()} {path}: no such operation in the document")
            continue
        documented = {p["name"] for p in doc["paths"][template][method].get("parameters", []) if p["in"] == "query"}
        out += [f"{method.upper()} {template}: query parameter {n!r} is not documented" for n in names
                if n not in documented]
    return sorted(set(out))
