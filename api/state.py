"""Application state: the connection pool."""

from __future__ import annotations

import asyncpg
from litestar import Litestar


def pool_of(app: Litestar) -> asyncpg.Pool:
    return app.state.pool
