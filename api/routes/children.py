"""Practitioner routes: search and view a child."""

from __future__ import annotations

import msgspec
from litestar.params import FromPath
from litestar import Request, get

from api import params
from api.audited import Audited
from index import children, connexions, errors, policy, retention, shielding
from index.records import ChildRecord, SearchHit
from matching import identifiers, schemes

# Query parameter -> the identifier schemes it searches.
IDENTIFIER_PARAMS = {s.name: list(s.searches) for s in schemes.SCHEMES}
CHECKERS = {s.name: s.check for s in schemes.SCHEMES}
NAME_PARAMS = {"forename", "surname", "dob", "postcode"}
SEARCH_PARAMS = {"reason", "case_ref"} | NAME_PARAMS | set(IDENTIFIER_PARAMS)


class SearchResults(msgspec.Struct):
    results: list[SearchHit]
    count: int
    request_id: str


def _identifier_query(given: dict[str, str]) -> tuple[str, str] | None:
    named = [key for key in IDENTIFIER_PARAMS if key in given]
    if not named:
        return None
    if len(named) > 1:
        raise errors.Invalid("search by one identifier at a time", field=named[1])
    extra = sorted(NAME_PARAMS & given.keys())
    if extra:
        raise errors.Invalid("search by an identifier or by names and date of birth, not both", field=extra[0])
    key = named[0]
    checked = CHECKERS[key](given[key])
    if not checked.valid:
        raise errors.Invalid(checked.error or "not valid", field=key)
    return key, checked.value


def _name_query(given: dict[str, str]) -> children.NameQuery:
    surname = given.get("surname", "").strip()
    if not surname or not given.get("dob", "").strip():
        missing = "surname" if not surname else "dob"
        raise errors.Invalid(
            "a search needs a surname and a date of birth, or one identifier "
            f"({', '.join(IDENTIFIER_PARAMS)})",
            field=missing,
        )
    if len(surname) < 2:
        raise errors.Invalid("at least two characters", field="surname")
    dob = params.date(given["dob"], "dob")
    postcode = given.get("postcode", "").strip() or None
    if postcode is not None:
        checked = identifiers.check_postcode(postcode)
        if not checked.valid:
            raise errors.Invalid(checked.error or "not a UK postcode", field="postcode")
        postcode = checked.value
    forename = given.get("forename", "").strip() or None
    return children.NameQuery(surname=surname, dob=dob, forename=forename, postcode=postcode)


@get("/children/search", opt={"action": "child.search"}, summary="Find a child")
async def search(request: Request, audit: Audited) -> SearchResults:
    """Fuzzy search by surname and date of birth (forename and postcode optional), or
    by one identifier. A reason is required; results are ranked, at most 20."""
    given = params.only(request, SEARCH_PARAMS)
    audit.reason, audit.case_ref = params.reason(given)
    by_identifier = _identifier_query(given)
    who = audit.who
    if by_identifier is not None:
        key, value = by_identifier
        audit.query = {key: value}
        conn = await audit.begin()
        hits = await children.search_by_identifier(conn, IDENTIFIER_PARAMS[key], value)
    else:
        q = _name_query(given)
        audit.query = {k: v for k, v in msgspec.to_builtins(q).items() if v is not None}
        conn = await audit.begin()
        hits = await children.search_by_name(conn, q, request.app.state.model)
    restricted = (frozenset(await connexions.opted_out(conn, [h.id for h in hits]))
                  if who.org_kind == "connexions" and hits else frozenset())
    # Postcodes and identifiers are hidden fields of a shielded record.
    hidden = "postcode" in audit.query or by_identifier is not None
    hits = policy.visible_hits(who, hits, used_hidden_field=hidden, limit=children.MAX_RESULTS,
                               connexions_opted_out=restricted)
    audit.children = [h.id for h in hits]
    return SearchResults(results=hits, count=len(hits), request_id=str(request.scope["state"]["request_id"]))


@get("/children/{child_id:str}", opt={"action": "child.view"}, summary="View a child's record")
async def view(request: Request, child_id: FromPath[str], audit: Audited) -> ChildRecord:
    """The child's identifiers, names, address, carers, involved services with their
    contacts and dates, and indicators with the contact of whoever set each one."""
    given = params.only(request, {"reason", "case_ref"})
    audit.reason, audit.case_ref = params.reason(given)
    cid = params.index_id(child_id)
    audit.query, audit.about = {"child_id": str(cid)}, cid
    who = audit.who
    conn = await audit.begin()
    record = await children.view(conn, cid)
    if record is None:
        raise errors.NotFound("no child with this index id", field="child_id")
    retention.guard_view(who, record, audit.reason)   # an archived child
    if audit.reason == "emergency" and not policy.sees_everything(who, record):
        # Succeeds for any practitioner; the owning LA reviews it within the set time.
        await shielding.open_investigation(
            conn, who, kind="emergency_view", child_id=cid, la_code=record.owning_la,
            request_id=request.scope["state"]["request_id"], due_hours=request.app.state.emergency_review_hours)
    audit.children = [record.id]
    return policy.visible_child(who, record)
