"""Practitioner routes: search and view a child."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Request, get

from api import params
from api.audited import Audited
from index import children, connexions, errors, policy, retention, shielding
from index.records import ChildRecord, SearchHit
from matching import identifiers, schemes

# Query parameter -> the identifier schemes it searches.
IDENTIFIER_PARAMS = {s.name: list(s.searches) for s in schemes.SCHEMES}
CHECKERS = {s.name: s.check for s in schemes.SCHEMES}
NAME_PARAMS = ("surname", "dob", "forename", "postcode")


class SearchResults(msgspec.Struct):
    results: list[SearchHit]
    count: int
    request_id: str


def _identifier_query(given: dict[str, str | None]) -> tuple[str, str] | None:
    named = [key for key in IDENTIFIER_PARAMS if given.get(key) is not None]
    if not named:
        return None
    if len(named) > 1:
        raise errors.Invalid("search by one identifier at a time", field=named[1])
    extra = sorted(k for k in NAME_PARAMS if given.get(k) is not None)
    if extra:
        raise errors.Invalid("search by an identifier or by names and date of birth, not both", field=extra[0])
    key = named[0]
    checked = CHECKERS[key](given[key])
    if not checked.valid:
        raise errors.Invalid(checked.error or "not valid", field=key)
    return key, checked.value


def _name_query(surname: str | None, dob: str | None, forename: str | None, postcode: str | None) -> children.NameQuery:
    surname = (surname or "").strip()
    if not surname or not (dob or "").strip():
        missing = "surname" if not surname else "dob"
        raise errors.Invalid(
            "a search needs a surname and a date of birth, or one identifier "
            f"({', '.join(IDENTIFIER_PARAMS)})",
            field=missing,
        )
    if len(surname) < 2:
        raise errors.Invalid("at least two characters", field="surname")
    born = params.date(dob, "dob")
    postcode = (postcode or "").strip() or None
    if postcode is not None:
        checked = identifiers.check_postcode(postcode)
        if not checked.valid:
            raise errors.Invalid(checked.error or "not a UK postcode", field="postcode")
        postcode = checked.value
    forename = (forename or "").strip() or None
    return children.NameQuery(surname=surname, dob=born, forename=forename, postcode=postcode)


@get("/children/search", opt={"action": "child.search"}, summary="Find a child")
async def search(request: Request, audit: Audited, reason: params.Reason, case_ref: params.CaseRef = None,
                 surname: params.Surname = None, dob: params.DateOfBirth = None, forename: params.Text = None,
                 postcode: params.Text = None, upn: params.Text = None, former_upn: params.Text = None,
                 uln: params.Text = None, nhs_number: params.Text = None) -> SearchResults:
    """Fuzzy search by surname and date of birth (forename and postcode optional), or
    by one identifier (upn, former_upn, uln or nhs_number). A reason is required;
    results are ranked, at most 20."""
    audit.reason, audit.case_ref = reason, params.case_ref(case_ref)
    hits = await find(request, audit, {"upn": upn, "former_upn": former_upn, "uln": uln, "nhs_number": nhs_number,
                                       "surname": surname, "dob": dob, "forename": forename, "postcode": postcode})
    return SearchResults(results=hits, count=len(hits), request_id=str(request.scope["state"]["request_id"]))


async def find(request: Request, audit: Audited, given: dict[str, str | None]) -> list[SearchHit]:
    """A search's work, for the JSON route and its page alike (audit.reason and
    audit.case_ref set): the query checked, the hits as policy shows them to the caller."""
    by_identifier = _identifier_query(given)
    who = audit.who
    if by_identifier is not None:
        key, value = by_identifier
        audit.query = {key: value}
        conn = await audit.begin()
        hits = await children.search_by_identifier(conn, IDENTIFIER_PARAMS[key], value)
    else:
        q = _name_query(given.get("surname"), given.get("dob"), given.get("forename"), given.get("postcode"))
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
    return hits

@get("/children/{child_id:str}", opt={"action": "child.view"}, summary="View a child's record")
async def view(request: Request, child_id: params.PathId, audit: Audited, reason: params.Reason,
               case_ref: params.CaseRef = None) -> ChildRecord:
    """The child's identifiers, names, address, carers, involved services with their
    contacts and dates, and indicators with the contact of whoever set each one."""
    audit.reason, audit.case_ref = reason, params.case_ref(case_ref)
    return await open_record(request, audit, child_id)


async def open_record(request: Request, audit: Audited, child_id: uuid.UUID) -> ChildRecord:
    """A view's work, for the JSON route and its page alike (audit.reason and
    audit.case_ref set): the record as policy shows it to the caller, after the
    retention guard, with an emergency view's investigation opened."""
    who = audit.who
    conn = await audit.begin()
    record = await children.view(conn, child_id)
    if record is None:
        raise errors.NotFound("no child with this index id", field="child_id")
    retention.guard_view(who, record, audit.reason)   # an archived child
    if audit.reason == "emergency" and not policy.sees_everything(who, record):
        # Succeeds for any practitioner; the owning LA reviews it within the set time.
        await shielding.open_investigation(
            conn, who, kind="emergency_view", child_id=child_id, la_code=record.owning_la,
            request_id=request.scope["state"]["request_id"], due_hours=request.app.state.emergency_review_hours)
    audit.children = [record.id]
    return policy.visible_child(who, record)
