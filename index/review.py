"""LA review: the owning LA's data managers settle what the matching engine could not.

A review item is an incoming source record with its candidate children, side by side,
each with the engine's per-field explanation. Only a data manager of the item's LA
(`review_items.la_code`) sees or decides it; to anyone else it does not exist (404).
Every function takes the connection first; the caller owns the transaction and writes
the audit event (each result names every child it touched in `children()`).

Decisions on an open item:

- **link** to one of its candidates: a current link (method `manual`) from the source
  record to that child; the child's record is re-derived from its linked records and
  the source's involvement is ensured (unless the source is the LA itself).
- **new**: a new child is created from the source record, owned by the item's LA, and
  linked to it. If a candidate was shielded (`review_items.shielded`) the new child is
  created *shielded*: a record that might be a shielded child, or a twin living with
  one, must never become a new visible record.
- **not_this_child**: remembered in `not_matches`, so the engine never proposes the
  pair again. With a `child_id`, only that candidate is ruled out and the item stays
  open while other candidates remain; without one, every candidate is ruled out. Once
  no candidate is left the record is none of them: a new child is created as for
  **new** and the item is closed as `not_matched`.

`reverse` undoes the last thing done to an item:

- a decided item (linked, new, not_matched): the link the decision made is ended
  (links are never deleted: `unlinked_at`/`unlinked_by` are set), the `not_matches`
  rows it recorded with the decision are removed, and the item is open again. A child the decision created
  is left in place, with no linked record. Refused (409) if that link was since ended
  by a split: the split's own item is the one to decide or reverse.
- an open item with candidates ruled out one at a time: the latest rule-out is removed
  (reverse again for the one before).
- an open item opened by a split (`unlink`): the split is undone, the record is linked
  to the same child again (a new link row, so the history shows both) and the item is
  closed as `linked`.

`one` is an item in any status for its page (with what was decided and the record's
current link); `recently_decided` lists the LA's latest decisions without any child's
details, where a data manager finds one to reverse.

`unlink` (a split) ends a source record's current link and opens a review item for it
(reason `unlinked`, no candidates) so that the record is not lost; the child must be
owned by the manager's LA.

Ending a link re-derives the child from its remaining linked records: identifiers that
only the unlinked record gave (from its source) are removed from the child, and the
source's census involvement is ended when no other record of that source is linked.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import asyncpg
import msgspec

from index import errors, policy, registry, sql
from index.auth import Principal
from index.feeds import apply
from index.records import IdentifierValue as Identifier
from matching import schemes
from matching.census import Carer, CensusRow

SQL = sql.queries("review")

ACTIONS = ("link", "new", "not_this_child")


class FieldWeight(msgspec.Struct):
    """One comparison of the pair: its level and the weight it gave, in bits."""
    comparison: str
    level: str
    bits: float


class Incoming(msgspec.Struct, kw_only=True):
    """The source record under review, as the source sent it."""
    source_record_id: uuid.UUID
    source: str                      # organisation code
    source_name: str
    record_key: str
    forename: str | None
    middle_names: str | None
    surname: str | None
    preferred_forename: str | None
    preferred_surname: str | None
    former_surname: str | None
    dob: dt.date | None
    gender: str | None
    address_line1: str | None
    address_line2: str | None
    town: str | None
    postcode: str | None
    upn: str | None
    former_upn: str | None
    uln: str | None
    nhs_number: str | None
    updated_at: dt.datetime


class Candidate(msgspec.Struct, kw_only=True):
    """A candidate child as the item's LA may see it, with the engine's explanation."""
    child_id: uuid.UUID
    rank: int
    match_weight: float
    ruled_out: bool                  # a data manager said "not this child"
    forename: str
    middle_names: str | None
    surname: str
    preferred_forename: str | None
    preferred_surname: str | None
    former_surnames: list[str]
    sex: str
    dob: dt.date
    owning_la: str
    shielded: bool
    address_line1: str | None = None
    address_line2: str | None = None
    town: str | None = None
    postcode: str | None = None
    identifiers: list[Identifier] = []
    explanation: list[FieldWeight] = []
    notice: str | None = None


class ReviewItem(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    la_code: str
    reasons: list[str]
    shielded: bool                   # a shielded child is among the candidates
    created_at: dt.datetime
    feed_id: uuid.UUID | None
    record: Incoming
    candidates: list[Candidate]


class ItemState(msgspec.Struct, kw_only=True):
    """One review item in any status, for its page: the item as the queue shows it, and
    what was decided on it."""
    item: ReviewItem
    status: str                      # open, linked, new, not_matched
    decided_at: dt.datetime | None
    decided_child_id: uuid.UUID | None
    linked_child_id: uuid.UUID | None   # the record's current link, whoever made it
    split: bool                      # opened by unlinking the record (reverse links it again)

    def children(self) -> list[uuid.UUID]:
        ids = {c.child_id for c in self.item.candidates}
        ids |= {c for c in (self.decided_child_id, self.linked_child_id) if c}
        return sorted(ids)


class DecidedItem(msgspec.Struct, kw_only=True):
    """A decided item as a list of decisions shows it: no child's details."""
    id: uuid.UUID
    status: str
    decided_at: dt.datetime
    source_name: str


class Decided(msgspec.Struct, kw_only=True):
    review_id: uuid.UUID
    action: str
    status: str                      # the item's status now ('open' if candidates remain)
    source_record_id: uuid.UUID
    child_id: uuid.UUID | None       # the child the record is now linked to
    created: bool                    # child_id is a child this decision created
    ruled_out: list[uuid.UUID]       # candidates this decision ruled out

    def children(self) -> list[uuid.UUID]:
        return sorted(set(self.ruled_out) | ({self.child_id} if self.child_id else set()))


class Reversed(msgspec.Struct, kw_only=True):
    review_id: uuid.UUID
    status: str                      # the item's status now
    source_record_id: uuid.UUID
    unlinked_child_id: uuid.UUID | None   # the link ended by the reversal
    linked_child_id: uuid.UUID | None     # the link restored by undoing a split
    restored: list[uuid.UUID]             # candidates no longer ruled out

    def children(self) -> list[uuid.UUID]:
        ids = set(self.restored) | {c for c in (self.unlinked_child_id, self.linked_child_id) if c}
        return sorted(ids)


class Unlinked(msgspec.Struct, kw_only=True):
    source_record_id: uuid.UUID
    child_id: uuid.UUID              # the child the record was linked to
    review_id: uuid.UUID             # the review item opened for the record

    def children(self) -> list[uuid.UUID]:
        return [self.child_id]


# --- listing -----------------------------------------------------------------------------


async def list_open(conn: asyncpg.Connection, la_code: str | None, *, limit: int,
                    after: uuid.UUID | None = None) -> list[ReviewItem]:
    """Open items of the LA (every LA if None: the command line), oldest first, each with
    its candidates in rank order. Page with `after`, the id of the last item seen.

    A shielded candidate owned by another LA than the item's shows only its names, sex,
    date of birth and id (policy.visible_child's rule for a shielded child)."""
    since = None
    if after is not None:
        since = await conn.fetchval(SQL["item_created_at"], after, la_code)
        if since is None:
            raise errors.Invalid("not a review item of your LA", field="after")
    rows = await conn.fetch(SQL["items"], la_code, since, after, limit)
    return await _assemble(conn, rows)


async def _assemble(conn: asyncpg.Connection, rows: list) -> list[ReviewItem]:
    """Items from their rows (the columns of SQL `items`), each with its candidates."""
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    cand_rows = await conn.fetch(SQL["candidates"], ids)
    idents: dict[uuid.UUID, list[Identifier]] = {}
    for r in await conn.fetch(SQL["identifiers"], sorted({c["id"] for c in cand_rows})):
        idents.setdefault(r["child_id"], []).append(Identifier(r["scheme"], r["value"], r["valid"]))
    la_of = {r["id"]: r["la_code"] for r in rows}
    by_item: dict[uuid.UUID, list[Candidate]] = {}
    for c in cand_rows:
        by_item.setdefault(c["review_id"], []).append(_candidate(c, idents.get(c["id"], []), la_of[c["review_id"]]))
    out = []
    for r in rows:
        record = Incoming(**{f: r[f] for f in Incoming.__struct_fields__})
        out.append(ReviewItem(id=r["id"], la_code=r["la_code"], reasons=list(r["reasons"]), shielded=r["shielded"],
                              created_at=r["created_at"], feed_id=r["feed_id"], record=record,
                              candidates=by_item.get(r["id"], [])))
    return out


async def one(conn: asyncpg.Connection, who: Principal, review_id: uuid.UUID) -> ItemState:
    """One item of the caller's LA, open or decided; any other is not found (as `decide`)."""
    la = policy.managed_la(who)
    if la is None:
        raise errors.Forbidden("your account has no LA to review")
    row = await conn.fetchrow(SQL["one_item"], review_id, la)
    if row is None:
        raise errors.NotFound("no review item with this id in your LA", field="review_id")
    [item] = await _assemble(conn, [row])
    return ItemState(item=item, status=row["status"], decided_at=row["decided_at"],
                     decided_child_id=row["decided_child_id"], linked_child_id=row["linked_child_id"],
                     split=row["split"])


async def recently_decided(conn: asyncpg.Connection, la_code: str, *, limit: int) -> list[DecidedItem]:
    """The LA's latest decisions, newest first (the queue page lists them, to reverse one)."""
    return [DecidedItem(**dict(r)) for r in await conn.fetch(SQL["decided_items"], la_code, limit)]


def _candidate(c, identifiers: list[Identifier], viewer_la: str) -> Candidate:
    explanation = [FieldWeight(str(x[0]), str(x[1]), float(x[2])) for x in json.loads(c["explanation"])]
    base = dict(child_id=c["id"], rank=c["rank"], match_weight=c["match_weight"], ruled_out=c["ruled_out"],
                forename=c["forename"], middle_names=c["middle_names"], surname=c["surname"],
                preferred_forename=c["preferred_forename"], preferred_surname=c["preferred_surname"],
                former_surnames=list(c["former_surnames"]), sex=c["sex"], dob=c["dob"], owning_la=c["owning_la"],
                shielded=c["shielded"], explanation=explanation)
    if c["shielded"] and c["owning_la"] != viewer_la:
        return Candidate(**base, notice=policy.SHIELDED_NOTICE)
    return Candidate(**base, address_line1=c["address_line1"], address_line2=c["address_line2"], town=c["town"],
                     postcode=c["postcode"], identifiers=identifiers)


# --- deciding ----------------------------------------------------------------------------


async def _item(conn: asyncpg.Connection, who: Principal, review_id: uuid.UUID):
    """The item, locked; not found unless the caller is a data manager of its LA."""
    item = await conn.fetchrow(SQL["item"], review_id)
    if item is None or not policy.manages(who, item["la_code"]):
        raise errors.NotFound("no review item with this id in your LA", field="review_id")
    return item


async def decide(conn: asyncpg.Connection, who: Principal, review_id: uuid.UUID, *, action: str,
                 child_id: uuid.UUID | None = None) -> Decided:
    """Link, new or not_this_child on an open item (see the module docstring)."""
    if action not in ACTIONS:
        raise errors.Invalid(f"must be one of: {', '.join(ACTIONS)}", field="action")
    item = await _item(conn, who, review_id)
    if item["status"] != "open":
        raise errors.Conflict(f"this review item is already decided ({item['status']}); reverse it to decide again")
    candidates = [r["child_id"] for r in await conn.fetch(SQL["candidate_ids"], review_id)]
    ruled = {r["child_id"] for r in await conn.fetch(SQL["ruled_out_ids"], item["source_record_id"])}
    if action in ("link", "not_this_child") and child_id is not None and child_id not in candidates:
        raise errors.Invalid("not one of this review item's candidates", field="child_id")
    # One time for the decision and the rule-outs it records: reverse finds them by it.
    at = await conn.fetchval(SQL["clock"])
    result = Decided(review_id=review_id, action=action, status="open", source_record_id=item["source_record_id"],
                     child_id=None, created=False, ruled_out=[])

    if action == "link":
        if child_id is None:
            raise errors.Invalid("name the candidate to link to", field="child_id")
        if child_id in ruled:
            raise errors.Invalid("this candidate was ruled out as not this child; reverse that first",
                                 field="child_id")
        await _link(conn, who, item, child_id)
        result.child_id, result.status = child_id, "linked"
    elif action == "new":
        if child_id is not None:
            raise errors.Invalid("only for link and not_this_child", field="child_id")
        result.child_id, result.created, result.status = await _create(conn, who, item), True, "new"
    else:
        if child_id is not None and child_id in ruled:
            raise errors.Conflict("this candidate is already ruled out as not this child")
        result.ruled_out = [child_id] if child_id is not None else [c for c in candidates if c not in ruled]
        await conn.executemany(SQL["rule_out"],
                               [(item["source_record_id"], c, who.user_id, review_id, at) for c in result.ruled_out])
        if any(c not in ruled and c not in result.ruled_out for c in candidates):
            return result           # other candidates remain: the item stays open
        result.child_id, result.created, result.status = await _create(conn, who, item), True, "not_matched"
    await conn.execute(SQL["decide_item"], review_id, result.status, who.user_id, result.child_id, at)
    return result


async def _link(conn: asyncpg.Connection, who: Principal, item, child_id: uuid.UUID) -> None:
    current = await conn.fetchval(SQL["current_link"], item["source_record_id"])
    if current is not None:
        raise errors.Conflict("this source record is already linked to a child")
    weight = await conn.fetchval(SQL["candidate_weight"], item["id"], child_id)
    await apply.link(conn, item["source_record_id"], child_id, method="manual", weight=weight, model_version=None,
                     feed_id=None, user_id=who.user_id, review_id=item["id"])
    await apply.refresh_children(conn, [child_id])
    if item["source_kind"] != "local_authority":
        await apply.ensure_involvements(conn, item["source_org_id"], [child_id], dt.date.today())


async def _create(conn: asyncpg.Connection, who: Principal, item) -> uuid.UUID:
    """A new child from the source record, owned by the item's LA, linked to it."""
    sr = await conn.fetchrow(SQL["source_record"], item["source_record_id"])
    if not sr["forename"] or not sr["surname"] or sr["dob"] is None:
        raise errors.Invalid("the source record has no name or date of birth: it cannot create a child",
                             field="action")
    carers = tuple(Carer(r["forename"], r["surname"], r["relationship"], r["parental_responsibility"], r["phone"])
                   for r in await conn.fetch(SQL["source_record_carers"], item["source_record_id"]))
    row = CensusRow(row=0, record_id=sr["record_key"], carers=carers,
                    **{f: sr[f] for f in CensusRow.__struct_fields__ if f not in ("row", "record_id", "carers")})
    why_not = apply.can_create(row)
    if why_not is not None:
        raise errors.Invalid(f"the source record cannot create a child: {why_not}", field="action")
    child = apply.new_child(row, item["la_code"])
    if item["shielded"]:
        child = msgspec.structs.replace(child, shielded=True)
    child_id = await registry.create_child(conn, child, source_org_id=item["source_org_id"])
    await _link(conn, who, item, child_id)
    return child_id


# --- reversing and splitting ----------------------------------------------------------------

async def reverse(conn: asyncpg.Connection, who: Principal, review_id: uuid.UUID) -> Reversed:
    """Undo the last thing done to the item (see the module docstring)."""
    item = await _item(conn, who, review_id)
    sid = item["source_record_id"]
    result = Reversed(review_id=review_id, status=item["status"], source_record_id=sid, unlinked_child_id=None,
                      linked_child_id=None, restored=[])
    if item["status"] != "open":
        link = await conn.fetchrow(SQL["decision_link"], review_id)
        if link is None:
            raise errors.Conflict("the link this decision made was since ended by a split: "
                                  "decide or reverse the review item the split opened")
        other = await conn.fetchval(SQL["other_open_item"], sid, review_id)
        if other is not None:
            raise errors.Conflict(f"the source record has another open review item ({other})")
        await _end_link(conn, who, link["id"], link["child_id"], sid, item["source_org_id"], item["source_kind"])
        result.restored = await _unrule(conn, review_id, item["decided_at"])
        await conn.execute(SQL["reopen_item"], review_id)
        result.status, result.unlinked_child_id = "open", link["child_id"]
        return result
    if item["split_link_id"] is not None:
        former = await conn.fetchval(SQL["split_link_child"], item["split_link_id"])
        if former is None:
            raise errors.Conflict("the link this split ended no longer exists")
        await _link(conn, who, item, former)
        await conn.execute(SQL["relink_item"], review_id, who.user_id, former)
        result.status, result.linked_child_id = "linked", former
        return result
    result.restored = await _unrule(conn, review_id)
    if not result.restored:
        raise errors.Conflict("this review item is open with no decision to reverse")
    return result


async def _unrule(conn: asyncpg.Connection, review_id: uuid.UUID,
                 at: dt.datetime | None = None) -> list[uuid.UUID]:
    """Remove the item's rule-outs made at `at` (its decision's transaction), or else its
    latest ones (an open item's rule-outs are undone one request at a time)."""
    rows = await conn.fetch(SQL["unrule"], review_id, at)
    return sorted(r["child_id"] for r in rows)


async def unlink(conn: asyncpg.Connection, who: Principal, source_record_id: uuid.UUID) -> Unlinked:
    """A split: end the record's current link and open a review item for it."""
    sr = await conn.fetchrow(SQL["source_record_org"], source_record_id)
    missing = errors.NotFound("no linked source record with this id in your LA", field="source_record_id")
    if sr is None:
        raise missing
    link = await conn.fetchrow(SQL["current_link_for_split"], source_record_id)
    if link is None:
        if policy.manages(who, sr["la_code"]):
            raise errors.Conflict("this source record is not linked to a child")
        raise missing
    if not policy.manages(who, link["owning_la"]):
        raise missing
    await _end_link(conn, who, link["id"], link["child_id"], source_record_id, sr["source_org_id"], sr["kind"])
    review_id = await conn.fetchval(SQL["open_split_item"],
                                    source_record_id, link["owning_la"], link["shielded"], link["id"])
    return Unlinked(source_record_id=source_record_id, child_id=link["child_id"], review_id=review_id)


async def _end_link(conn: asyncpg.Connection, who: Principal, link_id: int, child_id: uuid.UUID,
                    source_record_id: uuid.UUID, org_id: int, org_kind: str) -> None:
    """End one link (history kept) and re-derive the child from its remaining links."""
    await conn.execute(SQL["end_link"], link_id, who.user_id)
    await _drop_identifiers(conn, child_id, source_record_id, org_id)
    same_source = await conn.fetchval(SQL["same_source_linked"], child_id, org_id)
    if org_kind != "local_authority" and not same_source:
        await conn.execute(SQL["end_census_involvement"], child_id, org_id, who.user_id)
    await apply.refresh_children(conn, [child_id])


async def _drop_identifiers(conn: asyncpg.Connection, child_id: uuid.UUID, source_record_id: uuid.UUID,
                            org_id: int) -> None:
    """Identifiers the unlinked record gave the child, that no linked record still gives."""
    given: set[tuple[str, str]] = set()
    kept: set[tuple[str, str]] = set()
    for r in await conn.fetch(SQL["identifier_sources"], child_id, source_record_id):
        pairs = {(scheme, value) for scheme, _, value, _, _ in registry.identifiers_of(
            {name: r[name] for name in schemes.NAMES})}
        (given if r["id"] == source_record_id else kept).update(pairs)
    gone = sorted(given - kept)
    if gone:
        await conn.execute(SQL["drop_identifiers"], child_id, org_id, [g[0] for g in gone], [g[1] for g in gone])
