"""Every request's id, access log line and metrics, in one ASGI wrapper around the whole
application (so that unknown routes, refusals and errors are seen too).

The id is made here (a UUID4; a client's X-Request-ID is not trusted, since the audit log
is keyed by it), put in the scope's state where the guards and the audit event read it,
bound to every log line of the request (structlog contextvars) and returned as
X-Request-ID. The access log line names the route's template (`/children/{child_id}`),
never the query string, which carries names; an unknown route is logged by its path's
first segment.
Latency and counts are labelled by template and method, so that no id becomes a label.

The request metrics live in this process. Under `isindex serve --workers N` the N
processes answer on one port, so a scrape reaches any one of them: there they share their
figures through files in PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode,
set up by `serve`), and each scrape sums every process's. What the database knows is read
at scrape time (api/routes/metrics.py).
"""

from __future__ import annotations

import os
import re
import time
import uuid

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client import GCCollector, PlatformCollector, ProcessCollector

log = structlog.get_logger("access")

# Read when prometheus_client is imported, as prometheus_client itself does.
SHARED = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

REGISTRY = CollectorRegistry(auto_describe=True)
if not SHARED:      # one process's own figures mean nothing summed over several
    ProcessCollector(registry=REGISTRY)
    PlatformCollector(registry=REGISTRY)
    GCCollector(registry=REGISTRY)

LATENCY = Histogram(
    "isindex_http_request_duration_seconds", "Time from the request's arrival to the end of its response.",
    ["method", "route"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0))
REQUESTS = Counter(
    "isindex_http_requests", "Requests answered, by route template, method and status code.",
    ["method", "route", "status"], registry=REGISTRY)



def request_families():
    """The request metrics' families: this process's, or every serve process's."""
    if not SHARED:
        return REGISTRY.collect()
    every = CollectorRegistry()
    multiprocess.MultiProcessCollector(every)
    return every.collect()


UNMATCHED = "unmatched"     # the route label of a request no route took (404, 405): never its path
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_CONVERTER = re.compile(r"\{(\w+):\w+\}")


def template(scope) -> str | None:
    """The route's path template with Litestar's converters dropped: `/children/{child_id}`."""
    found = scope.get("path_template")
    return _CONVERTER.sub(r"{\1}", found) if found else None


def unmatched_path(scope) -> str:
    """A path no route took, as logged: its first segment only (`/childrn/*`), since a
    mistyped path can carry a name as well as an id. The query is never in scope["path"]."""
    first, _, rest = scope.get("path", "").lstrip("/").partition("/")
    return "/" + first[:60] + ("/*" if rest else "")


def instrument(app):
    """Wrap an ASGI app (the Litestar app's asgi_handler) with ids, access log and metrics."""

    async def observed(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = uuid.uuid4()
        scope.setdefault("state", {})["request_id"] = rid
        status = 500     # unless a response starts
        tokens = structlog.contextvars.bind_contextvars(request_id=str(rid))

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                kept = [h for h in message.get("headers", []) if bytes(h[0]).lower() != b"x-request-id"]
                message["headers"] = [*kept, (b"x-request-id", str(rid).encode())]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            try:
                _record(scope, status, time.perf_counter() - started)
            finally:
                structlog.contextvars.reset_contextvars(**tokens)

    return observed


def _record(scope, status: int, seconds: float) -> None:
    route = template(scope)
    method = scope.get("method", "")
    method_label = method if method in METHODS else "other"
    LATENCY.labels(method_label, route or UNMATCHED).observe(seconds)
    REQUESTS.labels(method_label, route or UNMATCHED, str(status)).inc()
    principal = scope.get("state", {}).get("principal")
    log.info("request", method=method_label, route=route, path=None if route else unmatched_path(scope),
             status=status, duration_ms=round(seconds * 1000, 1),
             user_id=str(principal.user_id) if principal is not None else None)
