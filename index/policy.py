"""Who may do what, and who may see which fields: the single place for both.

Routes declare an action; `ALLOWED` says which roles may perform it (anything not
listed is denied). `visible_child` trims a child record to what the principal may
see; the privacy rules (shielding, sensitive services) live here.
"""

from __future__ import annotations

import msgspec

from index.auth import Principal
from index.records import ChildRecord, Involvement, SearchHit

# action -> roles allowed. A route whose action is missing here is denied to everyone.
ALLOWED: dict[str, frozenset[str]] = {
    "me.read": frozenset({"practitioner", "school", "la_data_manager", "auditor", "admin"}),
    "child.search": frozenset({"practitioner", "la_data_manager"}),
    "child.view": frozenset({"practitioner", "la_data_manager"}),
    "involvement.register": frozenset({"practitioner"}),
    "involvement.end": frozenset({"practitioner"}),
    "indicator.set": frozenset({"practitioner"}),
    "indicator.clear": frozenset({"practitioner"}),
    "audit.read": frozenset({"auditor"}),
    # Census feeds: a school submits its own; its LA's data managers may follow them too.
    "feed.submit": frozenset({"school"}),
    "feed.read": frozenset({"school", "la_data_manager"}),
    # LA review: the owning LA's data managers only (index.review checks the LA).
    "review.list": frozenset({"la_data_manager"}),
    "review.decide": frozenset({"la_data_manager"}),
    "review.reverse": frozenset({"la_data_manager"}),
    "link.unlink": frozenset({"la_data_manager"}),
}

SENSITIVE_NOTICE = "a sensitive service is involved: contact the local authority"
SHIELDED_NOTICE = "this record is shielded: contact the local authority"


def allowed(action: str, role: str) -> bool:
    return role in ALLOWED.get(action, frozenset())


def sees_everything(principal: Principal, child: ChildRecord) -> bool:
    """The owning LA's data managers see the whole record."""
    return principal.role == "la_data_manager" and principal.la_code == child.owning_la


def visible_child(principal: Principal, child: ChildRecord) -> ChildRecord:
    """The child record as this principal may see it."""
    if sees_everything(principal, child):
        return child
    if child.shielded:
        # Name, sex, date of birth and index id only.
        return ChildRecord(
            id=child.id,
            forename=child.forename,
            surname=child.surname,
            preferred_forename=child.preferred_forename,
            preferred_surname=child.preferred_surname,
            sex=child.sex,
            dob=child.dob,
            owning_la=child.owning_la,
            shielded=True,
            notice=SHIELDED_NOTICE,
        )
    involvements = [_visible_involvement(principal, inv) for inv in child.involvements]
    return msgspec.structs.replace(child, involvements=involvements)


def _visible_involvement(principal: Principal, inv: Involvement) -> Involvement:
    if not inv.organisation.sensitive or inv.organisation.code == principal.org_code:
        return inv
    # Neither the organisation nor its contacts: the LA brokers contact.
    return Involvement(
        id=inv.id,
        organisation=None,
        contact=None,
        start_date=inv.start_date,
        end_date=inv.end_date,
        indicators=[],
        notice=SENSITIVE_NOTICE,
    )


def visible_hits(
    principal: Principal, hits: list[SearchHit], *, used_hidden_field: bool, limit: int
) -> list[SearchHit]:
    """Search results as this principal may see them.

    A search that used a hidden field (postcode) never returns a shielded child, so
    that a search cannot confirm where one lives; otherwise a shielded child shows
    name, sex and date of birth only.
    """
    shown = []
    for hit in hits:
        if hit.shielded:
            if used_hidden_field:
                continue
            hit = msgspec.structs.replace(hit, town=None, postcode_district=None)
        shown.append(hit)
    return shown[:limit]


# Why a user searches or views. Every search and view names one.
REASONS = (
    "safeguarding_concern",
    "service_delivery",
    "emergency",
    "data_quality",
    "child_protection_enquiry",
    "serious_case_review",
    "child_death_review",
)
# A case reference: 3-24 of A-Z, 0-9, '/' and '-', with at least one digit (no free text).
CASE_REF = r"^(?=[A-Z/-]*[0-9])[A-Z0-9][A-Z0-9/-]{2,23}$"
