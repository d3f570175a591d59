"""Driver errors of a lost connection, as a failover produces them, become Unavailable at
the database boundary; the same classes without a lost connection behind them are bugs
and go on as they are."""

import asyncio
import contextlib

import asyncpg
import pytest

from index import db, errors
from index.feeds import supervisor


def chained(exc: BaseException, cause: BaseException | None) -> BaseException:
    exc.__context__ = cause
    return exc


LOST = [
    chained(asyncpg.exceptions.InternalClientError("release() called on a free connection holder"),
            ConnectionResetError(104, "reset")),
    chained(asyncpg.InterfaceError("cannot perform operation"), asyncpg.ConnectionDoesNotExistError("lost")),
    asyncpg.InterfaceError("connection is closed"),
    asyncpg.TargetServerAttributeNotMatched("None of the hosts match"),
    ConnectionRefusedError(111, "refused"),
]
BUGS = [
    asyncpg.exceptions.InternalClientError("pool connection inactivity timer already exists"),
    asyncpg.InterfaceError("the server expects 2 arguments, 1 was passed"),
]


def raise_(exc):
    raise exc


@pytest.mark.parametrize("exc", LOST, ids=lambda e: type(e).__name__)
def test_a_lost_connection_is_unavailable(exc):
    with pytest.raises(errors.Unavailable):
        with db.translate_errors():
            raise_(exc)


@pytest.mark.parametrize("exc", BUGS, ids=lambda e: type(e).__name__)
def test_the_same_classes_without_a_lost_connection_go_on(exc):
    with pytest.raises(type(exc)):
        with db.translate_errors():
            raise_(exc)


@pytest.mark.parametrize("exc, retried", [*((e, True) for e in LOST), (BUGS[0], False)],
                         ids=lambda e: type(e).__name__ if isinstance(e, BaseException) else str(e))
def test_a_feed_whose_connection_was_lost_is_retried_not_failed(exc, retried):
    worker = supervisor.Supervisor(None, "postgresql://unused", model=None, max_bytes=1, kind="worker")
    worker._failed("00000000-0000-0000-0000-000000000001", exc)
    assert (not worker.failed) is retried


@pytest.mark.parametrize("exc", [
    ConnectionRefusedError(111, "refused"),                     # lost: the session reconnects
    asyncpg.exceptions.InternalClientError("cannot switch to state 13; another operation (2) is in progress"),
    RuntimeError("a bug"),
], ids=lambda e: type(e).__name__)
async def test_the_heartbeat_goes_on_after_a_beat_fails(exc):
    # The loop beats for the worker's whole life: one beat's error, a lost or broken
    # connection or a bug, must not end it (the worker's feeds would look abandoned).
    worker = supervisor.Supervisor(None, "postgresql://unused", model=None, max_bytes=1, kind="worker")
    worker.heartbeat = worker.heartbeat * 0        # the loop's shortest pause (0.3 s)
    worker.connected = True
    beats = []

    async def beat():
        beats.append(len(beats))
        if len(beats) == 1:
            raise exc

    worker._beat = beat
    loop = asyncio.create_task(worker._beat_loop())
    try:
        for _ in range(60):
            if len(beats) >= 2 or loop.done():
                break
            await asyncio.sleep(0.05)
        assert len(beats) >= 2 and not loop.done()
    finally:
        loop.cancel()


async def test_stop_if_cancelled_raises_only_once_a_cancel_was_asked():
    # What a loop checks before its pause: Python 3.11's wait_for can swallow a cancel (it
    # returns the result when the awaited work ends as the cancel comes), but the task still
    # counts the cancel asked of it. Here the cancel is swallowed by hand, as wait_for does.
    async def one_round(cancel: bool):
        if cancel:
            asyncio.current_task().cancel()
            try:
                await asyncio.sleep(0)
            except asyncio.CancelledError:
                pass                    # swallowed: the task goes on, its cancel still counted
        with contextlib.suppress(asyncio.CancelledError) if cancel else contextlib.nullcontext():
            db.stop_if_cancelled()
            return "went on"
        return "stopped"

    assert await asyncio.create_task(one_round(False)) == "went on"
    assert await asyncio.create_task(one_round(True)) == "stopped"
