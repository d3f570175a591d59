"""serve's own feed worker (api/feed_worker.py) is a child process, not a task on the
API's event loop: it beats under the id /health reports, from another pid, at a lower
priority and on half of the CPUs (its database sessions too), and the app's shutdown stops it cleanly (its row goes)."""

import asyncio
import os

from litestar.testing import AsyncTestClient

from api import feed_worker
from api.app import create_app
from index import priority


async def test_serve_own_feed_worker_is_a_child_process_stopped_with_the_app(database_url, pool):
    app = create_app(database_url, pool_min=1, pool_max=4, feed_worker=True)
    async with AsyncTestClient(app=app) as client:
        for _ in range(300):
            r = await client.get("/health")
            if r.json()["worker"] == "ok":
                break
            await asyncio.sleep(0.1)
        assert r.status_code == 200 and r.json()["worker"] == "ok", r.text
        own = app.state.feed_worker
        async with pool.acquire() as conn:
            row = await conn.fetchrow("SELECT kind, pid FROM feed_workers WHERE id = $1", own.id)
        assert (row["kind"], row["pid"]) == ("serve", own.proc.pid) and own.proc.pid != os.getpid()
        assert os.getpriority(os.PRIO_PROCESS, own.proc.pid) >= os.getpriority(os.PRIO_PROCESS, 0) + 1
        # in serve's session (one autogroup: its nice ranks it below serve), not serve's process group
        assert os.getsid(own.proc.pid) == os.getsid(0) and os.getpgid(own.proc.pid) == own.proc.pid
        async with pool.acquire() as conn:     # its database sessions are lowered too, the app's are not
            backends = [r["pid"] for r in await conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = current_database()")]
            mine = conn.get_server_pid()
        lowered = {pid for pid in backends if os.getpriority(os.PRIO_PROCESS, pid) == feed_worker.NICE}
        assert lowered and mine not in lowered
        for pid in lowered:         # and their scheduler groups, where Linux has autogroup
            if os.path.exists(f"/proc/{pid}/autogroup"):
                with open(f"/proc/{pid}/autogroup") as f:
                    assert f.read().split()[-1] == str(feed_worker.NICE)
        # on the upper half of serve's CPUs (one of 2), its sessions too; the app's sessions anywhere
        everywhere = os.sched_getaffinity(0)
        half = priority.worker_cpus(everywhere)
        assert half is None or len(half) == len(everywhere) // 2
        threads = [int(tid) for tid in os.listdir(f"/proc/{own.proc.pid}/task")]   # numpy's BLAS thread among them
        assert {tid: os.sched_getaffinity(tid) for tid in threads} == dict.fromkeys(threads, half or everywhere)
        assert all(os.getpriority(os.PRIO_PROCESS, tid) == feed_worker.NICE for tid in threads)
        assert all(os.sched_getaffinity(pid) == (half or everywhere) for pid in lowered)
        assert os.sched_getaffinity(mine) == everywhere
    assert own.proc.returncode in (0, 143), "stopped by SIGTERM, cleanly"
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM feed_workers") == 0


async def test_the_task_ends_when_the_child_exits_so_health_says_dead():
    worker = feed_worker.ChildWorker("postgresql://nobody@127.0.0.1:1/none", model_path=None, max_bytes=1024)
    worker.command = lambda: ["/bin/sh", "-c", "exit 3"]
    worker.start()
    assert await asyncio.wait_for(worker.task, 30) == 3
    await worker.stop()
