"""GET /metrics: Prometheus text format. This process's request latency and counts
(api/observe.py), and what the database knows, read at scrape time (index/metrics.py).

Public like /health: it carries counts, ages, route templates and LA codes, never a
person. With ISINDEX_METRICS_TOKEN set, a scrape must send `Authorization: Bearer
<that token>` (Prometheus: `authorization: {credentials: ...}`); deployments may also
restrict the path at their proxy. When the database cannot be read within
SCRAPE_DB_SECONDS the scrape still answers: the database's figures are left out and
`isindex_database_up` is 0.
"""

from __future__ import annotations

import asyncio
import secrets

from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from prometheus_client import generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from api import observe
from api.errors import PROBLEM
from api.openapi import Problem
from api.security import bearer
from api.state import pool_of
from index import db, errors
from index import metrics as figures

SCRAPE_DB_SECONDS = 5.0
MEDIA_TYPE = "text/plain; version=0.0.4"    # what generate_latest writes; Litestar adds "; charset=utf-8"


class _Scrape:
    """One scrape's metric families: this process's, then the database's."""

    def __init__(self, snapshot: figures.Snapshot | None) -> None:
        self.snapshot = snapshot

    def collect(self):
        yield from observe.request_families()
        yield GaugeMetricFamily("isindex_database_up", "1 when this scrape read the database's figures, else 0.",
                                value=0 if self.snapshot is None else 1)
        if self.snapshot is not None:
            yield from families(self.snapshot)


def families(s: figures.Snapshot):
    """The database's figures as metric families."""
    queue = GaugeMetricFamily("isindex_feed_queue_jobs", "Feeds waiting for a worker (queued) or being processed.",
                              labels=["status"])
    queue.add_metric(["queued"], s.queue.queued)
    queue.add_metric(["processing"], s.queue.processing)
    yield queue
    yield GaugeMetricFamily("isindex_feed_queue_oldest_job_age_seconds",
                            "How long the oldest queued feed has waited (0 when none waits).",
                            value=s.queue.oldest_queued_seconds or 0)
    workers = GaugeMetricFamily("isindex_feed_workers", "Feed workers beating in the database, by state.",
                                labels=["status"])
    for status in ("ok", "stalled"):
        workers.add_metric([status], sum(1 for w in s.workers if w.status == status))
    yield workers
    backlog = GaugeMetricFamily("isindex_review_open_items", "Open LA review items, per LA.", labels=["la_code"])
    oldest = GaugeMetricFamily("isindex_review_oldest_open_item_age_seconds",
                               "Age of each LA's oldest open review item.", labels=["la_code"])
    for item in s.review:
        backlog.add_metric([item.la_code], item.open_items)
        oldest.add_metric([item.la_code], item.oldest_seconds)
    yield backlog
    yield oldest
    yield CounterMetricFamily("isindex_feed_rows_processed", "Census rows processed by feed workers, all feeds.",
                              value=s.rows_processed)
    outcomes = CounterMetricFamily("isindex_feed_row_outcomes", "Processed census rows by what became of them.",
                                   labels=["outcome"])
    for outcome, n in s.row_outcomes.items():
        outcomes.add_metric([outcome], n)
    yield outcomes
    yield GaugeMetricFamily("isindex_schema_migrations_pending", "Migrations this code has that the database lacks.",
                            value=s.migrations_pending)
    yield GaugeMetricFamily("isindex_audit_chain_lag_events", "Audit events not yet in the hash chain.",
                            value=s.chain_lag.unchained)
    yield GaugeMetricFamily("isindex_audit_chain_lag_seconds",
                            "Age of the oldest audit event not yet in the hash chain (0 when none).",
                            value=s.chain_lag.oldest_seconds or 0)


async def read_snapshot(pool) -> figures.Snapshot | None:
    """The database's figures, or None when it cannot give them in time."""
    try:
        async with asyncio.timeout(SCRAPE_DB_SECONDS):
            async with db.connection(pool) as conn:
                return await figures.snapshot(conn)
    except (errors.Unavailable, TimeoutError):
        return None


@get("/metrics", opt={"public": True}, media_type=MEDIA_TYPE,
     summary="Prometheus metrics: request latency and counts, feed queue, review backlog, feed rows",
     description="Prometheus text format. Counts and ages only. When `ISINDEX_METRICS_TOKEN` is set, "
                 "send it as `Authorization: Bearer ...`.",
     responses={401: ResponseSpec(data_container=Problem, media_type=PROBLEM, generate_examples=False,
                                  description="ISINDEX_METRICS_TOKEN is set and the request does not carry it.")})
async def metrics(request: Request) -> Response[bytes]:
    expected = getattr(request.app.state, "metrics_token", None)
    if expected is not None:
        given = bearer(request) or ""
        if not secrets.compare_digest(given.encode(), expected.encode()):
            raise errors.Unauthenticated("send the metrics token as Authorization: Bearer")
    snapshot = await read_snapshot(pool_of(request.app))
    return Response(generate_latest(_Scrape(snapshot)), media_type=MEDIA_TYPE)
