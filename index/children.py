"""Children: search (by names and date of birth, or by an identifier) and the record view."""

from __future__ import annotations

import time
import uuid

import asyncpg
import msgspec

from index import candidates, sql
from index.records import ChildRecord, MatchField, SearchHit
from matching import blocking, model as mmodel, normalise, search as msearch, table

MAX_RESULTS = 20

_decode_child = msgspec.json.Decoder(ChildRecord).decode

IDENTIFIER_SEARCH = """
SELECT DISTINCT c.id, c.forename, c.surname, c.preferred_forename, c.preferred_surname,
       c.sex, c.dob, c.town, nullif(split_part(c.postcode, ' ', 1), '') AS postcode_district, c.shielded
  FROM child_identifiers i JOIN children c ON c.id = i.child_id
 WHERE i.scheme = ANY($1::text[]) AND i.value = $2 AND i.valid AND c.archived_at IS NULL
 LIMIT 21
"""


# A search by names and date of birth: the query matching.search scores.
NameQuery = msearch.Query


async def view(conn: asyncpg.Connection, child_id: uuid.UUID) -> ChildRecord | None:
    text = await conn.fetchval(sql.load("child_view"), child_id)
    return None if text is None else _decode_child(text)


async def search_by_name(conn: asyncpg.Connection, q: NameQuery, model: mmodel.Model) -> list[SearchHit]:
    """Children near the query, best first (matching.search): the feeds' candidates,
    model and term frequencies, with a grade and the per-field explanation."""
    vocabs = _vocabs()
    named = msearch.readings(q)
    readings = table.build(vocabs, [row for _, row in named])
    surnames = sorted({k for _, row in named for k in normalise.surname_variants(row["surname"])
                       if row["surname"]})
    found = await candidates.for_query(conn, vocabs, readings, rules=model.blocking_rules,
                                       dobs=msearch.dates(q), surnames=surnames,
                                       near_dates=sorted(set(normalise.near_dates(q.dob))
                                                         | set(normalise.one_digit_dates(q.dob))
                                                         | set(normalise.days_either_side(q.dob))),
                                       forename=normalise.fold(q.forename), surname=normalise.fold(q.surname),
                                       cap=blocking.DEFAULT_CAP)
    if not found.children:
        return []
    names = sorted({vocabs.names.values[c] for col in ("forename", "surname") for c in readings[col].tolist()
                    if c >= 0})
    index = await conn.fetchrow(INDEX_FACTS)
    totals = _TOTALS.get((index["db"], index["started"]))
    if totals is None or totals[1] < time.monotonic():
        totals = _TOTALS[(index["db"], index["started"])] = (await candidates.term_totals(conn),
                                                             time.monotonic() + TOTALS_SECONDS)
    freq = await candidates.frequencies(conn, model.comparisons, found.records, readings, only=names,
                                        totals=totals[0])
    n = index["children"]
    hits = msearch.rank(model, readings, [name for name, _ in named], found.records, found.owner, n, freq,
                        postcode=q.postcode, limit=MAX_RESULTS)
    return [_name_hit(found.children[h.child], h) for h in hits]


# Searches share one set of vocabularies, so that a name is folded, sounded and looked
# up in the variant lists once per process, not once per search; started afresh when it
# has grown past VOCAB_MAX names or places (queries can bring any string).
VOCAB_MAX = 200_000
_shared: list[table.Vocabs] = []


def _vocabs() -> table.Vocabs:
    if not _shared or len(_shared[0].names) > VOCAB_MAX or len(_shared[0].places) > VOCAB_MAX:
        _shared[:] = [table.Vocabs()]
    return _shared[0]


# The index's size for the prior: the planner's estimate once the table is large (a
# count of a million rows per search would cost more than the search); and which
# database this is (its oid and the server's start), for the cache of name totals.
INDEX_FACTS = """
SELECT CASE WHEN reltuples >= 100000 THEN reltuples::bigint ELSE (SELECT count(*) FROM children) END AS children,
       (SELECT oid FROM pg_database WHERE datname = current_database()) AS db,
       pg_postmaster_start_time() AS started
  FROM pg_class WHERE oid = 'children'::regclass
"""
# The name totals of term frequencies (a sum over every name the index holds) change
# only as feeds add names: each process keeps them a minute per database.
TOTALS_SECONDS = 60.0
_TOTALS: dict[tuple, tuple[dict[str, int], float]] = {}


def _name_hit(child: dict, hit: msearch.Hit) -> SearchHit:
    postcode = child["postcode"] or ""
    return SearchHit(
        id=child["id"], score=hit.probability, forename=child["forename"], surname=child["surname"],
        preferred_forename=child["preferred_forename"], preferred_surname=child["preferred_surname"],
        sex=child["gender"], dob=child["dob"], town=child["town"],
        postcode_district=postcode.split(" ")[0] or None, shielded=child["shielded"],
        grade=hit.grade, weight=hit.weight, reading=hit.reading,
        match=[MatchField(f, level, b) for f, level, b in hit.explanation])


async def search_by_identifier(
    conn: asyncpg.Connection, schemes: list[str], value: str
) -> list[SearchHit]:
    rows = await conn.fetch(IDENTIFIER_SEARCH, schemes, value)
    return [SearchHit(**dict(row), score=1.0, grade="certain") for row in rows]
