"""Identity resolution in the index: the index's candidates (index.candidates) and
facts, through matching's one pipeline (matching.pipeline), to a link, a new child or a
review item.

A candidate record with no child to offer (one waiting in review, or one that came in
the same feed) is a candidate of its own that can only send the incoming record to
review: a source's two records are two children by that source's own account, unless a
data manager decides otherwise. Rows of one batch are checked against each other in
memory (within_batch). Scoring and decisions, with every rule that overrides them, are
matching's (matching.decide).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
import numpy as np

from index.candidates import Candidates, frequencies
from index.feeds import threads
from matching import blocking, decide, model as mmodel, pipeline
from matching.score import explain
from matching.table import Table

@dataclass
class Outcome:
    """The engine's answer for one incoming record."""
    decision: str                                   # auto | review | new
    child_id: uuid.UUID | None = None               # the link (auto)
    weight: float | None = None
    reasons: list[str] = field(default_factory=list)
    shielded: bool = False
    # Review candidates, best first: (child id, weight, explanation)
    candidates: list[tuple[uuid.UUID, float, list]] = field(default_factory=list)


async def resolve(conn: asyncpg.Connection, model: mmodel.Model, incoming: Table, cands: Candidates, *,
                  n_children: int, max_candidates: int = 5, same_batch: np.ndarray | None = None,
                  cannot_create: np.ndarray | None = None,
                  alongside: Callable[[], Awaitable[None]] | None = None) -> list[Outcome]:
    """Score each incoming record against its candidates and decide, per child, with
    the index's facts (matching.decide.Facts): which candidates are shielded, which
    have no child to offer (a record waiting in review counts as a child of its own),
    which came in the same feed; per incoming row, same_batch (within_batch) and
    cannot_create. `alongside`: statements for the connection to run meanwhile (the
    scoring runs in a thread: it needs no connection once the name counts are read)."""
    children, record_child = cands.children, cands.record_child
    shielded = np.zeros(len(children), dtype=bool)
    shielded[record_child[cands.shielded]] = True
    same_feed = np.zeros(len(children), dtype=bool)
    if cands.same_feed is not None:
        same_feed[record_child[cands.same_feed]] = True
    facts = decide.Facts(shielded=shielded, pending=np.array([c is None for c in children], dtype=bool),
                         same_feed=same_feed, same_batch=same_batch, cannot_create=cannot_create)
    freq = await frequencies(conn, model.comparisons, cands.existing, incoming)

    def decided() -> list[Outcome]:
        scored = pipeline.score(model, cands.existing, incoming, cands.li, cands.ri, freq, n_existing=n_children)
        decisions, kept = pipeline.decide(model, cands.existing, incoming, scored, child=record_child[cands.li],
                                          facts=facts, max_candidates=max_candidates)
        out = []
        for d in decisions:
            outcome = Outcome(d.decision, weight=d.weight, reasons=list(d.reasons), shielded=d.shielded)
            if d.decision == "auto":
                outcome.child_id = uuid.UUID(children[d.existing])
            elif d.decision == "review":
                outcome.candidates = [
                    (uuid.UUID(children[child]), weight,
                     [list(x) for x in explain(scored.levels[kept[k]], scored.contributions[kept[k]],
                                               model.comparisons)])
                    for (child, weight), k in zip(d.candidates, d.pairs)]
            out.append(outcome)
        return out

    if alongside is None:
        return decided()
    return await threads.beside(decided, alongside())


async def within_batch(conn: asyncpg.Connection, model: mmodel.Model, incoming: Table, *, n_children: int,
                       cap: int) -> asyncio.Future:
    """Rows of one batch that would auto-link to an earlier row of the batch (the batch's
    rows are not in the index yet, so the candidate join cannot see them): as when the
    earlier row came in an earlier batch, the first is resolved and the later one is held
    for review. The name counts are read on the connection; the rest, pure, runs in a
    thread: the future's result is the rows held. The caller awaits it before anything
    else adds to the batch's vocabularies (the candidates' table)."""
    if len(incoming) < 2:
        return _done(np.zeros(len(incoming), dtype=bool))
    freq = await frequencies(conn, model.comparisons, incoming, incoming)

    def near() -> np.ndarray:
        blocked = blocking.block_within(incoming, model.blocking_rules, cap=cap)
        return held_by_earlier(model, incoming, freq, blocked.left, blocked.right, n_existing=n_children)

    return asyncio.ensure_future(asyncio.to_thread(near))


PAIRS = 1_000_000   # pairs scored at a time by held_by_earlier (memory)


def held_by_earlier(model: mmodel.Model, incoming: Table, freq, left: np.ndarray, right: np.ndarray, *,
                    n_existing: int, rows: range | None = None) -> np.ndarray:
    """Pure: per row of `rows` (default every row of incoming), whether an earlier row
    would auto-link with it, from the pairs (left[k] earlier, right[k] later) sorted by
    the later row (blocking.block_within's). The rule of within_batch, and of a first
    load over its whole feed (index.feeds.first_load)."""
    rows = range(len(incoming)) if rows is None else rows
    a, b = np.searchsorted(right, [rows.start, rows.stop])
    held = np.zeros(len(rows), dtype=bool)
    for at in range(a, b, PAIRS):
        li, ri = left[at:min(at + PAIRS, b)], right[at:min(at + PAIRS, b)]
        scored = pipeline.score(model, incoming, incoming, li, ri, freq, n_existing=n_existing)
        held[ri[pipeline.would_link(model, scored)] - rows.start] = True
    return held


def _done(value) -> asyncio.Future:
    got = asyncio.get_running_loop().create_future()
    got.set_result(value)
    return got
