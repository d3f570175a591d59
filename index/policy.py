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
    # Misuse alerts (index.misuse): the auditors read and close them.
    "alert.read": frozenset({"auditor"}),
    "alert.close": frozenset({"auditor"}),
    # Census feeds: a school submits its own; its LA's data managers may follow them too.
    "feed.submit": frozenset({"school", "la_data_manager"}),   # an LA's data managers: its own system's feed
    "feed.read": frozenset({"school", "la_data_manager"}),
    "feed.list": frozenset({"school", "la_data_manager"}),
    # LA review: the owning LA's data managers only (index.review checks the LA).
    "review.list": frozenset({"la_data_manager"}),
    "review.decide": frozenset({"la_data_manager"}),
    "review.reverse": frozenset({"la_data_manager"}),
    "link.unlink": frozenset({"la_data_manager"}),
    # Subject access export: the owning LA's data managers (api/routes/sar.py checks the LA).
    "child.sar": frozenset({"la_data_manager"}),
    # Retention: a death or the consent to keep until 25 (index.retention checks the LA).
    "child.retention": frozenset({"la_data_manager"}),
    # Transfers between LAs: the owning LA asks, the receiving LA decides, the owning LA
    # may withdraw (index.transfers checks which LA).
    "transfer.request": frozenset({"la_data_manager"}),
    "transfer.read": frozenset({"la_data_manager"}),
    "transfer.decide": frozenset({"la_data_manager"}),
    "transfer.withdraw": frozenset({"la_data_manager"}),
    # Access history and notifications: the owning LA's data managers (index.access).
    "child.access_history": frozenset({"la_data_manager"}),
    "access.digest": frozenset({"la_data_manager"}),
    # Shielding: the owning LA's data managers (index.shielding checks the LA). The
    # override needs the child_protection capability as well (checked there too).
    "child.shield": frozenset({"la_data_manager"}),
    "child.override": frozenset({"practitioner", "la_data_manager"}),
    "investigation.read": frozenset({"la_data_manager"}),
    "investigation.close": frozenset({"la_data_manager"}),
    # Connexions opt-out: the owning LA, or a school involved with the child.
    "connexions.opt_out": frozenset({"la_data_manager", "school"}),
}

# action -> what a refused role may not do, as words: "your role (school) may not read feeds".
PHRASES: dict[str, str] = {
    "me.read": "see its own account",
    "child.search": "search for children",
    "child.view": "view a child's record",
    "involvement.register": "register an involvement",
    "involvement.end": "end an involvement",
    "indicator.set": "set an indicator",
    "indicator.clear": "clear an indicator",
    "audit.read": "read the audit log",
    "alert.read": "read misuse alerts",
    "alert.close": "close misuse alerts",
    "feed.submit": "submit feeds",
    "feed.read": "read feeds",
    "feed.list": "list feeds",
    "review.list": "list the review queue",
    "review.decide": "decide review items",
    "review.reverse": "reverse review decisions",
    "link.unlink": "unlink source records",
    "child.sar": "export a subject access request",
    "child.retention": "record retention facts",
    "transfer.request": "ask for a transfer",
    "transfer.read": "read transfers",
    "transfer.decide": "accept or decline transfers",
    "transfer.withdraw": "withdraw transfers",
    "child.access_history": "read a child's access history",
    "access.digest": "read access notifications",
    "child.shield": "shield or unshield children",
    "child.override": "override a shield",
    "investigation.read": "read investigations",
    "investigation.close": "close investigations",
    "connexions.opt_out": "record a Connexions opt-out",
}


def refusal(action: str, role: str) -> str:
    """The 403 text for a role refused an action."""
    return f"your role ({role}) may not {PHRASES.get(action, 'use this route')}"


SENSITIVE_NOTICE = "a sensitive service is involved: contact the local authority"
SHIELDED_NOTICE = "this record is shielded: contact the local authority"
CONNEXIONS_NOTICE = "a Connexions opt-out is recorded: name and address only"
OVERRIDE_NOTICE = ("shield override: this one view is recorded and the owning local authority will "
                   "investigate it; the record stays shielded")


def allowed(action: str, role: str) -> bool:
    return role in ALLOWED.get(action, frozenset())


def managed_la(principal: Principal) -> str | None:
    """The local authority whose records this principal manages: a data manager's own
    LA; None for every other role, and for a data manager with no LA."""
    return principal.la_code if principal.role == "la_data_manager" and principal.la_code else None


def manages(principal: Principal, la_code: str | None) -> bool:
    """The LA-scope rule: the principal is a data manager of this LA (a child's owning
    LA, a review item's, a feed's, an investigation's). Every check of "the owning LA's
    data managers" is this one."""
    own = managed_la(principal)
    return own is not None and own == la_code


def sees_everything(principal: Principal, child: ChildRecord) -> bool:
    """The owning LA's data managers see the whole record."""
    return manages(principal, child.owning_la)


def visible_child(principal: Principal, child: ChildRecord, *, override: bool = False) -> ChildRecord:
    """The child record as this principal may see it. `override`: the one full view of a
    shielded record granted by index.shielding.check_override."""
    if sees_everything(principal, child):
        return child
    if child.shielded and not override:
        # Name, sex, date of birth and index id only.
        return _reduced(child, notice=SHIELDED_NOTICE, sex=child.sex, dob=child.dob, shielded=True)
    if child.connexions_opt_out and principal.org_kind == "connexions":
        # Name and address only (a parent's or a 16+ pupil's request).
        return _reduced(child, notice=CONNEXIONS_NOTICE, sex=None, dob=None, address=child.address,
                        connexions_opt_out=True)
    involvements = [_visible_involvement(principal, inv) for inv in child.involvements]
    shown = msgspec.structs.replace(child, involvements=involvements, shield_reason=None)
    if override:
        shown = msgspec.structs.replace(shown, notice=OVERRIDE_NOTICE)
    return shown


def _reduced(child: ChildRecord, *, notice: str, **kept) -> ChildRecord:
    """Names, index id and owning LA, plus the fields in `kept`; nothing else."""
    return ChildRecord(id=child.id, forename=child.forename, surname=child.surname,
                       preferred_forename=child.preferred_forename, preferred_surname=child.preferred_surname,
                       owning_la=child.owning_la, notice=notice, **{"shielded": False, **kept})


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


NAME_FIELDS = ("forename", "middle_names", "surname", "reading")   # "reading": how the query was read


def visible_hits(
    principal: Principal, hits: list[SearchHit], *, used_hidden_field: bool, limit: int,
    connexions_opted_out: frozenset = frozenset(),
) -> list[SearchHit]:
    """Search results as this principal may see them.

    A search that used a hidden field (postcode, an identifier) never returns a
    shielded child, so that a search cannot confirm where one lives nor that an
    identifier is theirs; otherwise a shielded child shows name, sex and date of birth
    only. A Connexions user sees name and town only of a child with a Connexions
    opt-out (`connexions_opted_out`: those children's ids). A hit's per-field
    explanation keeps only the fields the hit shows.
    """
    connexions = principal.org_kind == "connexions"
    shown = []
    for hit in hits:
        if hit.shielded:
            if used_hidden_field:
                continue
            hit = msgspec.structs.replace(hit, town=None, postcode_district=None,
                                          match=[m for m in hit.match if m.field in NAME_FIELDS + ("dob",)])
        elif connexions and hit.id in connexions_opted_out:
            # How the date of birth agreed would tell what it is.
            hit = msgspec.structs.replace(hit, sex=None, dob=None,
                                          match=[m for m in hit.match if m.field in NAME_FIELDS])
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
    "subject_access_request",
)
# A case reference: 3-24 of A-Z, 0-9, '/' and '-', with at least one digit (no free text).
CASE_REF = r"^(?=[A-Z/-]*[0-9])[A-Z0-9][A-Z0-9/-]{2,23}$"
