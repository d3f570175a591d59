"""index.feeds.threads.beside: the work's result, with the statements run meanwhile; an
error of the statements goes on only once the thread has ended."""

import threading
import time

import pytest

from index.feeds import threads


async def test_the_work_runs_in_a_thread_beside_the_statements():
    seen = []

    def work():
        seen.append(threading.current_thread() is threading.main_thread())
        return 42

    async def statements():
        seen.append("statements")

    assert await threads.beside(work, statements()) == 42
    assert await threads.beside(work) == 42
    assert seen.count(False) == 2 and "statements" in seen


async def test_an_error_of_the_statements_waits_for_the_thread():
    ended = []

    def work():
        time.sleep(0.2)
        ended.append(True)

    async def statements():
        raise ConnectionError("lost")

    with pytest.raises(ConnectionError):
        await threads.beside(work, statements())
    assert ended == [True]


async def test_without_a_thread_the_statements_then_the_work_here():
    seen = []

    def work():
        seen.append(("work", threading.current_thread() is threading.main_thread()))
        return 42

    async def statements():
        seen.append("statements")

    assert await threads.beside(work, statements(), thread=False) == 42
    assert seen == ["statements", ("work", True)]

    async def failing():
        raise ConnectionError("lost")

    with pytest.raises(ConnectionError):
        await threads.beside(work, failing(), thread=False)
    assert len(seen) == 2          # the work was not done after the statements failed
