"""The Litestar application."""

from __future__ import annotations

from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin

from api import errors, logs
from api.routes import audit, children, involvements, meta
from api.security import authorize
from index import db

ROUTES = [
    meta.health,
    meta.me,
    children.search,
    children.view,
    involvements.register,
    involvements.end,
    involvements.set_indicator,
    involvements.clear_indicator,
    audit.query,
]


def request_id_header(app):
    """Echo the request id (the audit log's key) in an X-Request-ID response header."""

    async def middleware(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                rid = scope.get("state", {}).get("request_id")
                if rid is not None:
                    message.setdefault("headers", [])
                    message["headers"] = [*message["headers"], (b"x-request-id", str(rid).encode())]
            await send(message)

        await app(scope, receive, send_with_id)

    return middleware


def create_app(database_url: str, *, max_body_bytes: int = 64 * 1024, pool_min: int = 2, pool_max: int = 20) -> Litestar:
    """An app bound to one database; the pool opens at start-up and closes at shutdown."""

    @asynccontextmanager
    async def lifespan(app: Litestar):
        app.state.pool = await db.create_pool(database_url, min_size=pool_min, max_size=pool_max)
        try:
            yield
        finally:
            await app.state.pool.close()

    openapi = OpenAPIConfig(
        title="isindex",
        version="0.1.0",
        description="A children's services information-sharing index: who is involved, and whom to call.",
        render_plugins=[JsonRenderPlugin(), SwaggerRenderPlugin()],
        openapi_router=Router(path="/schema", route_handlers=[], opt={"public": True}),
    )
    logs.configure()
    return Litestar(
        route_handlers=ROUTES,
        guards=[authorize],
        exception_handlers=errors.HANDLERS,
        lifespan=[lifespan],
        openapi_config=openapi,
        middleware=[request_id_header],
        request_max_body_size=max_body_bytes,
        debug=False,
    )


def from_env() -> Litestar:
    """App factory for `uvicorn --factory` (used by `isindex serve --workers N`)."""
    import os

    from index import config

    settings = config.load()
    return create_app(os.environ["ISINDEX_RESOLVED_DATABASE_URL"], max_body_bytes=settings.max_body_bytes,
                      pool_min=settings.pool_min, pool_max=settings.pool_max)
