"""Service routes: health, the probes (live, ready), and who am I.

/health/live answers while the process runs its event loop (no database). /health/ready
answers 200 only when this process can do its work: the database is reachable, its
schema is current (no pending migration), and, when this process runs a feed worker,
that worker beats. A process that runs no worker does not wait for one elsewhere: an API
replica that cannot process feeds still serves searches, so a missing `isindex worker`
shows in /health (503) and in /metrics (`isindex_feed_workers`), not by taking every
replica out of service.
"""

from __future__ import annotations

import time

import msgspec
from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec

from api import audited
from api.state import pool_of
from index import db, errors, migrate
from index.feeds import liveness


class Health(msgspec.Struct):
    status: str                             # ok | unhealthy
    database: str                           # ok | unreachable
    worker: str                             # this process's feed worker: ok | starting | stalled | dead | off
    queue: str                              # ok | stalled (a feed has waited longer than ISINDEX_QUEUE_MAX_AGE)
    problems: list[str]                     # what is unhealthy, one line each
    workers: list[liveness.Worker] = []     # every feed worker that beats in the database
    queued: liveness.Queue | None = None


class Live(msgspec.Struct):
    status: str                             # ok


class Ready(msgspec.Struct):
    status: str                             # ready | not_ready
    problems: list[str]                     # why not ready, one line each


class Me(msgspec.Struct):
    user_id: str
    name: str
    role: str
    organisation: str
    la_code: str | None


@get("/health", opt={"public": True},
     summary="Database, feed workers and feed queue; 503 names what is unhealthy",
     responses={503: ResponseSpec(data_container=Health, description="a part is unhealthy: see problems")})
async def health(request: Request) -> Response[Health]:
    app = request.app
    own = getattr(app.state, "feed_worker", None)
    try:
        async with db.connection(pool_of(app)) as conn:
            facts = await liveness.facts(conn)
    except errors.Unavailable:
        body = Health(status="unhealthy", database="unreachable", worker="off" if own is None else "unknown",
                      queue="unknown", problems=["database: not reachable"])
        return Response(body, status_code=503)
    problems = []
    worker = "off"
    if own is not None:
        mine = [w for w in facts.workers if w.id == str(own.id)]
        worker = _own_state(own, mine[0] if mine else None)
        if worker in ("stalled", "dead"):
            problems.append(f"worker {own.id} (this process): {worker}")
    for w in facts.workers:
        if w.status != "ok" and (own is None or w.id != str(own.id)):
            problems.append(f"worker {w.id} ({w.kind}): no heartbeat for {w.seconds_since_beat} s "
                            f"(timeout {w.timeout_seconds} s)")
    oldest = facts.queue.oldest_queued_seconds
    queue = "stalled" if oldest is not None and oldest > app.state.queue_max_age else "ok"
    if queue == "stalled":
        problems.append(f"queue: the oldest queued feed has waited {oldest} s (limit {app.state.queue_max_age} s)")
    body = Health(status="unhealthy" if problems else "ok", database="ok", worker=worker, queue=queue,
                  problems=problems, workers=facts.workers, queued=facts.queue)
    return Response(body, status_code=503 if problems else 200)


@get("/health/live", opt={"public": True}, summary="Liveness: the process answers (no database)")
async def live() -> Live:
    return Live(status="ok")


@get("/health/ready", opt={"public": True},
     summary="Readiness: database reachable, schema current, this process's feed worker beating",
     responses={503: ResponseSpec(data_container=Ready, description="not ready: see problems")})
async def ready(request: Request) -> Response[Ready]:
    own = getattr(request.app.state, "feed_worker", None)
    problems = []
    try:
        async with db.connection(pool_of(request.app)) as conn:
            behind = await migrate.pending(conn)
            beating = (await liveness.facts(conn)).workers if own is not None else []
    except errors.Unavailable:
        return Response(Ready(status="not_ready", problems=["database: not reachable"]), status_code=503)
    mine = [w for w in beating if w.id == str(own.id)]
    if behind:
        problems.append(f"schema: {len(behind)} migration(s) pending; run `isindex migrate`")
    if own is not None and (state := _own_state(own, mine[0] if mine else None)) != "ok":
        problems.append(f"worker {own.id} (this process): {state}")
    return Response(Ready(status="not_ready" if problems else "ready", problems=problems),
                    status_code=503 if problems else 200)


def _own_state(own, row: liveness.Worker | None) -> str:
    """This process's worker: dead when its task ended, stalled when its beat is late."""
    if own.task is not None and own.task.done():
        return "dead"
    if row is None:
        # Not beaten yet: starting (or never connected, once a timeout has passed).
        return "starting" if time.monotonic() - own.started <= own.timeout_s else "stalled"
    return row.status


@get("/me", opt={"action": "me.read"}, summary="The caller's own account")
async def me(request: Request) -> Me:
    who = audited.principal_of(request)
    return Me(user_id=str(who.user_id), name=who.name, role=who.role, organisation=who.org_code, la_code=who.la_code)
