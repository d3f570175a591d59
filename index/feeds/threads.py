"""Pure work in a thread beside the statements one connection runs meanwhile: how a feed's
Python and PostgreSQL overlap (index.feeds.process) without a second connection."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def beside(work: Callable[[], T], meanwhile: Awaitable[object] | None = None, *, thread: bool = True) -> T:
    """work() in a thread while `meanwhile` (statements on the connection) runs; work's
    result. The thread ends before any error of the statements goes on, so nothing the
    caller unwinds is still being read by it. thread=False: the statements, then work()
    here (work too small to be worth a thread)."""
    if not thread:
        if meanwhile is not None:
            await meanwhile
        return work()
    running = asyncio.ensure_future(asyncio.to_thread(work))
    try:
        if meanwhile is not None:
            await meanwhile
    finally:
        got = await running
    return got
