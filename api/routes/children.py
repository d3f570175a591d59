"""Practitioner routes: search and view a child."""

from __future__ import annotations

import msgspec
from litestar.params import FromPath
from litestar import Request, get

from api import audited, params
from index import children, connexions, errors, policy, retention, shielding
from index.records import ChildRecord, SearchHit
from matching import identifiers

# Query parameter -> the identifier schemes it searches.
IDENTIFIER_PARAMS = {
    "upn": ["upn", "former_upn"],
    "former_upn": ["former_upn", "upn"],
    "uln": ["uln"],
    "nhs_number": ["nhs_number"],
}
CHECKERS = {
    "upn": identifiers.check_upn,
    "former_upn": identifiers.check_upn,
    "uln": identifiers.check_uln,
    "nhs_number": identifiers.check_nhs_number,
}
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
async def search(request: Request) -> SearchResults:
    """Fuzzy search by surname and date of birth (forename and postcode optional), or
    by one identifier. A reason is required; results are ranked, at most 20."""
    given = params.only(request, SEARCH_PARAMS)
    reason, case_ref = params.reason(given)
    by_identifier = _identifier_query(given)
    who = audited.principal_of(request)
    if by_identifier is not None:
        key, value = by_identifier
        query: dict = {key: value}
        find = lambda conn: children.search_by_identifier(conn, IDENTIFIER_PARAMS[key], value)  # noqa: E731
    else:
        q = _name_query(given)
        query = {k: v for k, v in msgspec.to_builtins(q).items() if v is not None}
        find = lambda conn: children.search_by_name(conn, q, request.app.state.model)  # noqa: E731

    async def work(conn) -> list[SearchHit]:
        hits = await find(conn)
        restricted = (frozenset(await connexions.opted_out(conn, [h.id for h in hits]))
                      if who.org_kind == "connexions" and hits else frozenset())
        # Postcodes and identifiers are hidden fields of a shielded record.
        hidden = "postcode" in query or by_identifier is not None
        return policy.visible_hits(who, hits, used_hidden_field=hidden, limit=children.MAX_RESULTS,
                                   connexions_opted_out=restricted)

    hits = await audited.run(
        request,
        "child.search",
        work,
        lambda found: [h.id for h in found],
        reason=reason,
        case_ref=case_ref,
        query=query,
    )
    return SearchResults(results=hits, count=len(hits), request_id=str(request.scope["state"]["request_id"]))


@get("/children/{child_id:str}", opt={"action": "child.view"}, summary="View a child's record")
async def view(request: Request, child_id: FromPath[str]) -> ChildRecord:
    """The child's identifiers, names, address, carers, involved services with their
    contacts and dates, and indicators with the contact of whoever set each one."""
    given = params.only(request, {"reason", "case_ref"})
    reason, case_ref = params.reason(given)
    cid = params.index_id(child_id)
    who = audited.principal_of(request)

    async def work(conn):
        record = await children.view(conn, cid)
        if record is None:
            raise errors.NotFound("no child with this index id", field="child_id")
        retention.guard_view(who, record, reason)   # an archived child
        if reason == "emergency" and not policy.sees_everything(who, record):
            # Succeeds for any practitioner; the owning LA reviews it within the set time.
            await shielding.open_investigation(
                conn, who, kind="emergency_view", child_id=cid, la_code=record.owning_la,
                request_id=request.scope["state"]["request_id"], due_hours=request.app.state.emergency_review_hours)
        return policy.visible_child(who, record)

    return await audited.run(
        request, "child.view", work, lambda rec: [rec.id], reason=reason, case_ref=case_ref,
        query={"child_id": str(cid)}, about=cid,
    )
