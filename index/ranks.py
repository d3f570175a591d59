"""Survivorship ranks: which source kind's values a child prefers when its linked
sources disagree and no value has more sources behind it (index.feeds.survivorship).

Lower ranks win. They are kept in table `source_kind_ranks` (migration 0013) and set
with `isindex survivorship set KIND RANK`; a change applies to each child the next time
one of its records comes in.
"""

from __future__ import annotations

import asyncpg
import msgspec

from index import errors, organisations

KINDS = organisations.KINDS      # every organisation kind has a rank
LOWEST, HIGHEST = 1, 100


class Rank(msgspec.Struct, frozen=True):
    kind: str
    rank: int


async def ranks(conn: asyncpg.Connection) -> list[Rank]:
    """Every kind's rank, best first (a kind with the same rank as another ties with it)."""
    rows = await conn.fetch("SELECT kind, rank FROM source_kind_ranks ORDER BY rank, kind")
    return [Rank(r["kind"], r["rank"]) for r in rows]


async def set_rank(conn: asyncpg.Connection, kind: str, rank: int) -> Rank:
    if kind not in KINDS:
        raise errors.Invalid(f"must be one of {', '.join(KINDS)}", field="kind")
    if not LOWEST <= rank <= HIGHEST:
        raise errors.Invalid(f"must be a whole number from {LOWEST} to {HIGHEST}", field="rank")
    await conn.execute(
        "INSERT INTO source_kind_ranks (kind, rank) VALUES ($1, $2) ON CONFLICT (kind) DO UPDATE SET rank = $2",
        kind, rank)
    return Rank(kind, rank)
