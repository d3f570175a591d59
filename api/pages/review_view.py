"""What the review pages show of an item: its queue row, and the incoming record beside
each candidate child, one row per field, each candidate's cell with the engine's
explanation of that field (the comparison's level in words and its weight in bits).

Plain functions over index.review's Structs: the pages show nothing the JSON list does not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from index.review import Candidate, DecidedItem, Incoming, ItemState, ReviewItem

# Why the engine sent a record to review (matching/decide.py, and `unlinked` from a split).
REASON_LABELS = {
    "below_auto": "Not a certain match",
    "twins_guard": "Could be a twin",
    "names_and_date_only": "Only names and date of birth agree",
    "identifier_conflict": "Identifiers conflict",
    "date_of_birth_differs": "Dates of birth differ",
    "close_candidates": "More than one close match",
    "shielded_candidate": "A candidate is shielded",
    "candidate_in_review": "A candidate is in review itself",
    "same_feed_candidate": "A candidate came in the same feed",
    "same_existing_record": "Two records matched one child",
    "cannot_create": "A new child cannot be created from it",
    "unlinked": "Unlinked from its child",
}
STATUS_LABELS = {"open": "Open", "linked": "Linked to a child", "new": "New child created",
                 "not_matched": "None of the candidates: new child created"}
SEX_LABELS = {"M": "Male", "F": "Female", "U": "Not specified", "male": "Male", "female": "Female",
              "not_specified": "Not specified"}

# A comparison's level in words (matching/compare.py's labels); by (comparison, level)
# where one label means different things, else by level.
LEVEL_WORDS = {
    ("forename", "alternate"): "preferred or middle name",
    ("surname", "alternate"): "former, preferred or hyphenated part",
    ("address", "postcode"): "same postcode",
    ("address", "line"): "same address line",
    "exact": "agrees exactly",
    "agree": "agrees",
    "variant": "a known variant",
    "jaro_winkler_0.92": "very similar",
    "jaro_winkler_0.9": "very similar",
    "jaro_winkler_0.88": "similar",
    "jaro_winkler_0.7": "similar",
    "initial": "only the initial agrees",
    "disagree": "differs",
    "else": "differs",
    "conflict": "conflicts",
    "day_month_swapped": "day and month swapped",
    "one_digit": "one digit differs",
    "within_month": "within a month",
    "line_postcode_and_carer": "same address, postcode and carer",
    "line_and_postcode": "same address and postcode",
    "similar_line_and_postcode": "similar address, same postcode",
    "similar_line": "similar address line",
    "carer": "same carer",
    "sector": "same postcode sector",
    "district_or_town": "same district or town",
    "one_edit": "one character differs",
    "two_edits": "two characters differ",
}

# The table's rows: (label, the incoming record's value, a candidate's value, the
# comparison that explains the row, if any). The household comparison (address) covers
# the postcode too; the UPN comparison covers former UPNs.
Row = tuple[str, Callable[[Incoming], str | None], Callable[[Candidate], str | None], str | None]


def _name(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


def _date(value: dt.date | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def _address(*parts: str | None) -> str:
    return ", ".join(p for p in parts if p)


def _ids(c: Candidate, scheme: str) -> str:
    return ", ".join(i.value for i in c.identifiers if i.scheme == scheme)


ROWS: list[Row] = [
    ("First name", lambda r: r.forename, lambda c: c.forename, "forename"),
    ("Middle names", lambda r: r.middle_names, lambda c: c.middle_names, "middle_names"),
    ("Last name", lambda r: r.surname, lambda c: c.surname, "surname"),
    ("Preferred name", lambda r: _name(r.preferred_forename, r.preferred_surname),
     lambda c: _name(c.preferred_forename, c.preferred_surname), None),
    ("Former last names", lambda r: r.former_surname, lambda c: ", ".join(c.former_surnames), None),
    ("Date of birth", lambda r: _date(r.dob), lambda c: _date(c.dob), "dob"),
    ("Sex", lambda r: SEX_LABELS.get(r.gender or "", r.gender), lambda c: SEX_LABELS.get(c.sex, c.sex), "sex"),
    ("Address", lambda r: _address(r.address_line1, r.address_line2, r.town),
     lambda c: _address(c.address_line1, c.address_line2, c.town), "address"),
    ("Postcode", lambda r: r.postcode, lambda c: c.postcode, None),
    ("UPN", lambda r: r.upn, lambda c: _ids(c, "upn"), "upn"),
    ("Former UPN", lambda r: r.former_upn, lambda c: _ids(c, "former_upn"), None),
    ("NHS number", lambda r: r.nhs_number, lambda c: _ids(c, "nhs_number"), "nhs_number"),
    ("ULN", lambda r: r.uln, lambda c: _ids(c, "uln"), "uln"),
]
HIDDEN_WHEN_SHIELDED = {"Address", "Postcode", "UPN", "Former UPN", "NHS number", "ULN"}


def weight(bits: float) -> str:
    """A weight as the pages write it: signed, one decimal, a true minus sign."""
    return f"{bits:+.1f}".replace("-", "\u2212")


def explained(comparison: str, level: str, bits: float) -> dict:
    words = LEVEL_WORDS.get((comparison, level)) or LEVEL_WORDS.get(level) or level.replace("_", " ")
    colour = "green" if bits > 0 else "red" if bits < 0 else "grey"
    return {"words": words, "weight": weight(bits), "colour": colour}


def queue_row(item: ReviewItem) -> dict:
    """One open item in the queue: when, where from, why, and its best candidate's weight."""
    top = max((c.match_weight for c in item.candidates), default=None)
    return {"href": f"/manage/review/{item.id}", "received": item.created_at.strftime("%-d %B %Y %H:%M"),
            "source": item.record.source_name, "reasons": reasons(item.reasons),
            "candidates": len(item.candidates), "top": weight(top) if top is not None else None}


def decided_row(item: DecidedItem) -> dict:
    return {"href": f"/manage/review/{item.id}", "decided": item.decided_at.strftime("%-d %B %Y %H:%M"),
            "source": item.source_name, "outcome": STATUS_LABELS.get(item.status, item.status)}


def reasons(keys: list[str]) -> list[str]:
    return [REASON_LABELS.get(k, k.replace("_", " ")) for k in keys]


def table(record: Incoming, candidates: list[Candidate]) -> list[dict]:
    """The side-by-side rows; a comparison the rows do not name gets a row of its own."""
    by_candidate = [{f.comparison: f for f in c.explanation} for c in candidates]
    rows = []
    for label, incoming, candidate, comparison in ROWS:
        cells = []
        for c, explanation in zip(candidates, by_candidate):
            hidden = c.notice is not None and label in HIDDEN_WHEN_SHIELDED
            found = explanation.get(comparison) if comparison else None
            cells.append({"value": "Not shown (shielded)" if hidden else candidate(c) or "",
                          "explained": explained(found.comparison, found.level, found.bits) if found else None})
        rows.append({"label": label, "incoming": incoming(record) or "", "cells": cells})
    named = {r[3] for r in ROWS}
    for other in dict.fromkeys(f.comparison for c in candidates for f in c.explanation if f.comparison not in named):
        cells = [{"value": "", "explained": explained(x[other].comparison, x[other].level, x[other].bits)
                  if other in x else None} for x in by_candidate]
        rows.append({"label": other.replace("_", " ").capitalize(), "incoming": "", "cells": cells})
    return rows


def item_view(state: ItemState) -> dict:
    item = state.item
    return {
        "id": item.id, "status": state.status, "status_label": STATUS_LABELS.get(state.status, state.status),
        "received": item.created_at.strftime("%-d %B %Y %H:%M"), "source": item.record.source_name,
        "record_key": item.record.record_key, "reasons": reasons(item.reasons), "shielded": item.shielded,
        "decided_at": state.decided_at.strftime("%-d %B %Y %H:%M") if state.decided_at else None,
        "decided_child_id": state.decided_child_id, "linked_child_id": state.linked_child_id,
        "split": state.split, "source_record_id": item.record.source_record_id,
        "candidates": [{"child_id": c.child_id, "rank": c.rank, "weight": weight(c.match_weight),
                        "ruled_out": c.ruled_out, "notice": c.notice} for c in item.candidates],
        "rows": table(item.record, item.candidates),
        "any_ruled_out": any(c.ruled_out for c in item.candidates),
        "choosable": [c for c in item.candidates if not c.ruled_out],
    }
