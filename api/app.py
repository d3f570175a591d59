"""The Litestar application."""

from __future__ import annotations

from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide

from api import audited, boundary, errors, logs, observe, openapi, signin
from api.feed_worker import ChildWorker
from api.pages import census as census_pages
from api.pages import children as children_pages
from api.pages import manage_cases, manage_children, manage_reports
from api.pages import oversight as oversight_pages
from api.pages import involvements as involvement_pages
from api.pages import override as override_pages
from api.pages import review as review_pages
from api.pages import render
from api.routes import audit, children, feeds, involvements, meta, review, shielding
from api.routes import access, transfers
from api.routes import metrics as metrics_routes
from api.routes import oidc as oidc_routes
from api.routes import signin as signin_routes
from api.routes import retention as retention_routes
from api.routes import misuse as misuse_routes
from api.routes import sar as sar_routes
from api.security import authorize
from index import db

ROUTES = [
    meta.health,
    meta.live,
    meta.ready,
    metrics_routes.metrics,
    meta.me,
    children.search,
    children.view,
    involvements.register,
    involvements.end,
    involvements.set_indicator,
    involvements.clear_indicator,
    audit.query,
    misuse_routes.list_alerts,
    misuse_routes.close_alert,
    review.list_items,
    review.decide,
    review.reverse,
    review.unlink,
    sar_routes.export,
    feeds.submit,
    feeds.list_feeds,
    feeds.status,
    transfers.request_transfer,
    transfers.list_transfers,
    transfers.accept,
    transfers.decline,
    transfers.withdraw,
    access.history,
    access.digest,
    *shielding.ROUTES,
    retention_routes.record,
    *signin_routes.ROUTES,
    *oidc_routes.ROUTES,
    *children_pages.ROUTES,   # pages: the same actions as their JSON twins
    *manage_children.ROUTES,
    *manage_cases.ROUTES,
    *manage_reports.ROUTES,
    *census_pages.ROUTES,
    *oversight_pages.ROUTES,
    *involvement_pages.ROUTES,
    *override_pages.ROUTES,
    *review_pages.ROUTES,
]


async def no_store(message, scope) -> None:
    """A before_send hook: Cache-Control: no-store on every response, errors and unknown
    routes too, so that no cache keeps a child's record."""
    if message["type"] == "http.response.start":
        kept = [h for h in message.get("headers", []) if bytes(h[0]).lower() != b"cache-control"]
        message["headers"] = [*kept, (b"cache-control", b"no-store")]


def create_app(database_url: str, *, max_body_bytes: int = 64 * 1024, pool_min: int = 2, pool_max: int = 20,
               feed_max_bytes: int = 200 * 1024 * 1024, feed_keep_days: int = 90,
               feed_worker: bool = False, model_path: str | None = None,
               emergency_review_hours: int = 72, override_review_hours: int = 120,
               queue_max_age: int = 900, session_idle_minutes: int = 15, oidc=None,
               audit_chainer: bool = True, metrics_token: str | None = None) -> Litestar:
    """An app bound to one database; the pool opens at start-up and closes at shutdown.
    With feed_worker, a child process works the feed queue in the background (and
    /health reports it as this process's worker); queue_max_age: /health fails when a feed
    waits longer. With audit_chainer, it chains committed audit events in the background
    (index.audit_chain)."""
    from index import audit_chain
    from matching import model as mmodel

    match_model = mmodel.load(model_path)   # a bad model file stops start-up, not the first search

    @asynccontextmanager
    async def lifespan(app: Litestar):
        # The database is read at each start-up, not fixed when the app is built: the tests
        # build one app and point it at a fresh database per test (building is the slow part).
        database_url = app.state.database_url
        app.state.pool = await db.create_pool(database_url, min_size=pool_min, max_size=pool_max)
        app.state.feed_max_bytes, app.state.feed_keep_days = feed_max_bytes, feed_keep_days
        # How soon the owning LA must review an emergency view, and a shield override.
        app.state.emergency_review_hours = emergency_review_hours
        app.state.override_review_hours = override_review_hours
        app.state.queue_max_age = queue_max_age
        app.state.session_idle_minutes = session_idle_minutes   # a browser session ends unused this long
        app.state.oidc = oidc   # an index.oidc.Provider: single sign-on for the pages, else None
        app.state.model = match_model   # practitioner search scores with the feeds' model
        app.state.metrics_token = metrics_token
        # The feed worker runs in a child process (api/feed_worker.py), never on this loop.
        app.state.feed_worker = ChildWorker(database_url, model_path=model_path,
                                            max_bytes=feed_max_bytes).start() if feed_worker else None
        app.state.audit_chainer = audit_chain.start(database_url) if audit_chainer else None
        try:
            yield
        finally:
            await audit_chain.stop(app.state.audit_chainer)
            if app.state.feed_worker is not None:
                await app.state.feed_worker.stop()
            await app.state.pool.close()

    logs.configure()
    for handler in ROUTES:   # the bearer token and the problem responses, in the document
        openapi.describe(handler)
    app = Litestar(
        route_handlers=[*ROUTES, openapi.assets(), render.assets()],
        guards=[authorize, boundary.screen],
        dependencies={"audit": Provide(audited.provide)},   # every route's audited transaction
        exception_handlers={**errors.HANDLERS, **signin.HANDLERS},
        lifespan=[lifespan],
        state=State({"database_url": database_url}),
        openapi_config=openapi.config(),
        template_config=render.config(),
        before_send=[no_store],
        request_max_body_size=max_body_bytes,
        debug=False,
        # The service's lines are structlog's JSON (api.logs, api.observe). Litestar's default
        # would also put the standard library's root logger on stderr in a text format of its
        # own (httpx's INFO line for each request, URLs and all); left alone, only warnings
        # and errors from libraries reach stderr.
        logging_config=None,
    )
    # Outside Litestar's exception handling: unknown routes and errors get an id, a log line, a count.
    app.asgi_handler = observe.instrument(app.asgi_handler)
    return app


def from_env() -> Litestar:
    """App factory for `uvicorn --factory` (used by `isindex serve --workers N`)."""
    import os

    from index import audit_chain, config, oidc

    settings = config.load()
    return create_app(os.environ["ISINDEX_RESOLVED_DATABASE_URL"], max_body_bytes=settings.max_body_bytes,
                      pool_min=settings.pool_min, pool_max=settings.pool_max, feed_max_bytes=settings.feed_max_bytes,
                      feed_keep_days=settings.feed_keep_days, model_path=settings.model_path,
                      emergency_review_hours=settings.emergency_review_hours,
                      override_review_hours=settings.override_review_hours,
                      queue_max_age=settings.queue_max_age,
                      session_idle_minutes=settings.session_idle_minutes,
                      oidc=oidc.Provider(settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret,
                                         settings.oidc_claim, settings.public_url) if settings.oidc_issuer else None,
                      metrics_token=settings.metrics_token,
                      feed_worker=settings.feed_worker,
                      audit_chainer=audit_chain.enabled())
