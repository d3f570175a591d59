"""Writing the engine's outcomes: links, new children, review items, involvements, and
the child's visible record derived from its linked source records.

Survivorship (documented in the README; the rules are index.feeds.survivorship): a
child's names, sex, date of birth and address are chosen field by field (the address
whole) among its linked source records: a missing value never blanks a present one,
the value more sources agree on wins, then the better-ranked source kind
(source_kind_ranks), then the most recent; identifiers are the union of the valid
identifiers of all its linked records; each source's carers are that source's latest.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import asyncpg

from index import registry
from index.feeds import survivorship
from index.feeds.resolve import Outcome
from matching import identifiers, normalise, schemes
from matching.census import CensusRow

SEX = {"M": "male", "F": "female"}
PHONE = re.compile(r"\+?[0-9 ()-]{6,20}")
EARLIEST_DOB = dt.date(1990, 1, 2)


def _cut(value: str | None, limit: int) -> str | None:
    """At most `limit` characters (the child's column holds no more; the source record
    keeps the whole value)."""
    return value[:limit] if value else None


def new_child(row: CensusRow, owning_la: str) -> registry.NewChild:
    """The child a feed row creates. Values the index cannot hold (a postcode that is not
    a UK postcode, a carer with no surname) stay in the source record only; values longer
    than the child's columns are cut to fit (names 100, address lines 100, town 60)."""
    postcode = row.postcode
    if postcode and not identifiers.check_postcode(postcode).valid:
        postcode = None
    carers = [registry.NewCarer(surname=c.surname[:100], forename=_cut(c.forename, 100),
                                relationship=c.relationship or "OTH",
                                parental_responsibility=c.parental_responsibility,
                                phone=c.phone if c.phone and PHONE.fullmatch(c.phone) else None)
              for c in row.carers if c.surname]
    return registry.NewChild(
        forename=row.forename, surname=row.surname,
        sex=SEX.get(row.gender or "", "not_specified"), dob=row.dob, owning_la=owning_la,
        middle_names=row.middle_names, preferred_forename=_cut(row.preferred_forename, 100),
        preferred_surname=_cut(row.preferred_surname, 100),
        former_surnames=[row.former_surname[:100]] if row.former_surname else [],
        address_line1=_cut(row.address_line1, 100), address_line2=_cut(row.address_line2, 100),
        town=_cut(row.town, 60), postcode=postcode,
        **registry.identifier_fields({name: getattr(row, name) for name in schemes.NAMES}), carers=carers)


def can_create(row: CensusRow) -> str | None:
    """Why this row cannot create a child, or None."""
    if row.dob < EARLIEST_DOB:
        return "a date of birth this early is not a child's"
    if len(row.forename) > 100 or len(row.surname) > 100:
        return "a name longer than 100 characters"
    return None


async def link(conn: asyncpg.Connection, source_record_id: uuid.UUID, child_id: uuid.UUID, *, method: str,
               weight: float | None, model_version: str | None, feed_id: uuid.UUID | None,
               user_id: uuid.UUID | None = None, review_id: uuid.UUID | None = None) -> None:
    await conn.execute(
        """INSERT INTO links (source_record_id, child_id, method, match_weight, model_version, feed_id, linked_by,
                              review_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        source_record_id, child_id, method, weight, model_version, feed_id, user_id, review_id)


async def link_many(conn: asyncpg.Connection, links: list[tuple[uuid.UUID, uuid.UUID, str, float | None]], *,
                    model_version: str | None, feed_id: uuid.UUID | None) -> None:
    """Links made by the engine: (source record, child, method, weight) each."""
    if links:
        await conn.copy_records_to_table(
            "links", records=[(sid, child, method, weight, model_version, feed_id) for sid, child, method, weight in links],
            columns=["source_record_id", "child_id", "method", "match_weight", "model_version", "feed_id"])


async def open_reviews(conn: asyncpg.Connection, items: list[tuple[uuid.UUID, Outcome]], la_code: str,
                       feed_id: uuid.UUID | None) -> list[uuid.UUID]:
    """A review item for each (source record, outcome), with its candidates."""
    if not items:
        return []
    got = await conn.fetch(
        """INSERT INTO review_items (source_record_id, la_code, feed_id, reasons, shielded)
           SELECT t.sid, $1, $2, ARRAY(SELECT jsonb_array_elements_text(t.reasons::jsonb)), t.shielded
             FROM unnest($3::uuid[], $4::text[], $5::boolean[]) AS t(sid, reasons, shielded)
           RETURNING id, source_record_id""",
        la_code, feed_id, [sid for sid, _ in items], [json.dumps(sorted(set(o.reasons))) for _, o in items],
        [o.shielded for _, o in items])
    review_of = {r["source_record_id"]: r["id"] for r in got}
    candidates = [(review_of[sid], child, rank, weight, json.dumps(expl))
                  for sid, outcome in items
                  for rank, (child, weight, expl) in enumerate(outcome.candidates, start=1)]
    if candidates:
        await conn.execute(
            """INSERT INTO review_candidates (review_id, child_id, rank, match_weight, explanation)
               SELECT r, c, k, w, e::jsonb FROM unnest($1::uuid[], $2::uuid[], $3::integer[], $4::float8[], $5::text[])
                   AS t(r, c, k, w, e)""",
            *map(list, zip(*candidates)))
    return [review_of[sid] for sid, _ in items]


async def open_review(conn: asyncpg.Connection, source_record_id: uuid.UUID, la_code: str,
                      feed_id: uuid.UUID | None, outcome: Outcome) -> uuid.UUID:
    return (await open_reviews(conn, [(source_record_id, outcome)], la_code, feed_id))[0]


async def ensure_involvements(conn: asyncpg.Connection, org_id: int, child_ids: list[uuid.UUID],
                              start: dt.date) -> None:
    """The source's involvement with each child: created if none is open, else kept."""
    if child_ids:
        await conn.execute(
            """INSERT INTO involvements (child_id, org_id, start_date, source)
               SELECT c, $1, $2, 'census' FROM unnest($3::uuid[]) AS c
               ON CONFLICT (child_id, org_id) WHERE end_date IS NULL DO NOTHING""",
            org_id, start, sorted(set(child_ids)))


async def end_leavers(conn: asyncpg.Connection, org_id: int, feed_id: uuid.UUID, end: dt.date) -> int:
    """A full census: the source's open involvements with children none of whose records
    from this source came in this feed are ended. Nothing is deleted."""
    result = await conn.execute(
        """UPDATE involvements i SET end_date = greatest($3::date, i.start_date)
            WHERE i.org_id = $1 AND i.end_date IS NULL AND i.source = 'census'
              AND NOT EXISTS (
                  SELECT 1 FROM links l JOIN source_records sr ON sr.id = l.source_record_id
                   WHERE l.child_id = i.child_id AND l.unlinked_at IS NULL
                     AND sr.source_org_id = $1 AND sr.last_feed_id = $2)""",
        org_id, feed_id, end)
    return int(result.split()[-1])


LINKED = """
SELECT l.child_id, sr.source_org_id, coalesce(k.rank, $2::integer) AS rank, sr.updated_at, sr.forename,
       sr.middle_names, sr.surname, sr.preferred_forename, sr.preferred_surname, sr.former_surname, sr.gender,
       sr.dob, sr.address_line1, sr.address_line2, sr.town, sr.postcode
  FROM links l JOIN source_records sr ON sr.id = l.source_record_id
  JOIN organisations o ON o.id = sr.source_org_id
  LEFT JOIN source_kind_ranks k ON k.kind = o.kind
 WHERE l.child_id = ANY($1::uuid[]) AND l.unlinked_at IS NULL
"""
CURRENT = """
SELECT id, forename, middle_names, surname, preferred_forename, preferred_surname, sex, dob, address_state,
       address_line1, address_line2, town, postcode,
       array(SELECT f.surname FROM child_former_names f WHERE f.child_id = c.id ORDER BY f.id) AS former
  FROM children c WHERE id = ANY($1::uuid[])
"""
UPDATED = ("forename", "middle_names", "surname", "preferred_forename", "preferred_surname", "sex", "dob",
           "address_line1", "address_line2", "town", "postcode")
UPDATE = """
UPDATE children c SET forename = t.forename, middle_names = t.middle_names, surname = t.surname,
       preferred_forename = t.preferred_forename, preferred_surname = t.preferred_surname, sex = t.sex, dob = t.dob,
       address_line1 = t.address_line1, address_line2 = t.address_line2, town = t.town, postcode = t.postcode,
       updated_at = now()
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::date[],
              $9::text[], $10::text[], $11::text[], $12::text[])
       AS t(id, forename, middle_names, surname, preferred_forename, preferred_surname, sex, dob,
            address_line1, address_line2, town, postcode)
 WHERE c.id = t.id
"""


def _record(r) -> survivorship.Record:
    postcode = r["postcode"] and identifiers.check_postcode(r["postcode"])
    return survivorship.Record(source=r["source_org_id"], rank=r["rank"], updated_at=r["updated_at"], values={
        "forename": r["forename"], "middle_names": r["middle_names"], "surname": r["surname"],
        "preferred_forename": r["preferred_forename"], "preferred_surname": r["preferred_surname"],
        "sex": SEX.get(r["gender"] or ""), "dob": r["dob"], "address_line1": r["address_line1"],
        "address_line2": r["address_line2"], "town": r["town"],
        "postcode": postcode.value if postcode and postcode.valid else None})


def _new_former(former: list[str], surnames: list[str], current: str) -> list[str]:
    """Surnames to add to the child's former names: not already there, not the current one."""
    surnames = [s for s in surnames if s and s != current and s not in former]
    if not surnames:                  # nothing new (most children): no folding
        return []
    seen = {normalise.fold(s) for s in former} | {normalise.fold(current)}
    out = []
    for s in surnames:
        if s and normalise.fold(s) not in seen:
            seen.add(normalise.fold(s))
            out.append(s[:100])
    return out


async def refresh_children(conn: asyncpg.Connection, child_ids: list[uuid.UUID],
                           records: list[uuid.UUID] | None = None) -> None:
    """Re-derive each child's visible record from its linked source records by the
    survivorship rules (index.feeds.survivorship). A surname that changes stays a former
    name (child_former_names), as does each linked record's former surname, so the child
    is still found by it. Identifiers are a union that only grows: with `records` (the
    source records that are new or changed) only theirs are added, the others' being
    there already."""
    if not child_ids:
        return
    ids = sorted(set(child_ids))
    linked: dict[uuid.UUID, list] = {}
    for r in await conn.fetch(LINKED, ids, survivorship.UNRANKED):
        linked.setdefault(r["child_id"], []).append(r)
    changed, former, rows = [], [], []
    for c in await conn.fetch(CURRENT, ids):
        mine = linked.get(c["id"], [])
        new = survivorship.derive(c, [_record(r) for r in mine]) if mine else dict(c)
        if any(new[name] != c[name] for name in survivorship.FIELDS):
            changed.append((c["id"], *(new[name] for name in UPDATED)))
        added = _new_former(list(c["former"]), [c["surname"]] + [r["former_surname"] for r in mine], new["surname"])
        former += [(c["id"], s) for s in added]
        rows += [(c["id"], *row) for row in registry.name_rows(
            new["forename"], new["surname"], new["dob"], preferred_forename=new["preferred_forename"],
            preferred_surname=new["preferred_surname"], former_surnames=[*c["former"], *added])]
    if changed:
        await conn.execute(UPDATE, *map(list, zip(*changed)))
    if former:
        await conn.copy_records_to_table("child_former_names", records=former, columns=["child_id", "surname"])
    await conn.execute("DELETE FROM child_search_names WHERE child_id = ANY($1::uuid[])", ids)
    await conn.copy_records_to_table("child_search_names", records=rows,
                                     columns=["child_id", "kind", "forename_key", "surname_key", "dob"])
    await _union_identifiers(conn, ids, records)


async def _union_identifiers(conn: asyncpg.Connection, ids: list[uuid.UUID], records: list[uuid.UUID] | None) -> None:
    rows = await conn.fetch(
        """SELECT l.child_id, sr.source_org_id, sr.upn, sr.former_upn, sr.uln, sr.nhs_number
             FROM links l JOIN source_records sr ON sr.id = l.source_record_id
            WHERE l.child_id = ANY($1::uuid[]) AND l.unlinked_at IS NULL
              AND ($2::uuid[] IS NULL OR sr.id = ANY($2::uuid[]))""", ids, records)
    values = []
    for r in rows:
        values += [(r["child_id"], *row, r["source_org_id"])
                   for row in registry.identifiers_of({name: r[name] for name in schemes.NAMES})]
    if values:
        await conn.execute(
            """INSERT INTO child_identifiers (child_id, scheme, raw_value, value, valid, temporary, source_org_id)
               SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::boolean[],
                                    $7::integer[])
               ON CONFLICT (child_id, scheme, value) DO NOTHING""", *map(list, zip(*values)))
