"""A subject access export as readable plain text: headed sections, dates as
YYYY-MM-DD and times in UTC.

Every field of the export is written out (each struct's fields in turn, an empty one
as "-"), so the text holds everything the JSON does.
"""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from index import sar as s
from matching import schemes

LABELS = {
    "dob": "Date of birth",
    "owning_la": "Owning LA",
    "owning_la_name": "Owning LA name",
    "la_code": "LA",
    "from_la": "From LA",
    "to_la": "To LA",
    **{scheme.name: scheme.label for scheme in schemes.SCHEMES},   # "NHS number", "Former UPN", ...
    "id": "Id",
    "feed_id": "Feed id",
    "review_id": "Review item id",
    "request_id": "Request id",
    "user_id": "User id",
    "org_code": "Organisation code",
    "line1": "Line 1",
    "line2": "Line 2",
    "address_line1": "Address line 1",
    "address_line2": "Address line 2",
}


def _label(name: str) -> str:
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def _value(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return f"{v:.2f}"
    if isinstance(v, s.Actor):
        return f"{v.name} ({v.organisation}, user {v.id})"
    if isinstance(v, s.OrgRef):
        return f"{v.code} {v.name} ({v.kind})"
    if isinstance(v, list):
        return ", ".join(_value(x) for x in v) or "-"
    if isinstance(v, uuid.UUID | int | str):
        return str(v)
    return msgspec.json.encode(v).decode()


def _fields(obj: msgspec.Struct, indent: int, skip: tuple[str, ...] = ()) -> list[str]:
    """'Label: value' for each field of obj, nested structs indented beneath their label."""
    pad = " " * indent
    out = []
    for name in obj.__struct_fields__:
        if name in skip:
            continue
        v = getattr(obj, name)
        if isinstance(v, msgspec.Struct) and not isinstance(v, s.Actor | s.OrgRef):
            out.append(f"{pad}{_label(name)}:")
            out.extend(_fields(v, indent + 2))
        else:
            out.append(f"{pad}{_label(name)}: {_value(v)}")
    return out


def _section(title: str, count: int | None = None) -> list[str]:
    heading = title if count is None else f"{title} ({count})"
    return ["", heading, "-" * len(heading)]


def _items(title: str, items: list, heading, skip: tuple[str, ...] = ()) -> list[str]:
    out = _section(title, len(items))
    if not items:
        out.append("  none")
    for k, item in enumerate(items, start=1):
        out.append(f"  {k}. {heading(item)}")
        out.extend(_fields(item, 5, skip))
    return out


def _child(c: s.Child) -> list[str]:
    out = _section("CHILD")
    out.extend(_fields(c, 2, skip=("former_names", "other")))
    out.append(f"  Former names ({len(c.former_names)}):")
    for f in c.former_names:
        out.append(f"    - {_value(f.forename)} {f.surname}, recorded {_value(f.recorded_at)}")
    if not c.former_names:
        out.append("    none")
    for key in sorted(c.other):
        out.append(f"  {_label(key)}: {_value(c.other[key])}")
    return out


def _involvements(items: list[s.Involvement]) -> list[str]:
    out = _section("INVOLVEMENTS", len(items))
    if not items:
        out.append("  none")
    for k, v in enumerate(items, start=1):
        until = _value(v.end_date) if v.end_date else "ongoing"
        out.append(f"  {k}. {_value(v.organisation)}, {_value(v.start_date)} to {until}")
        out.extend(_fields(v, 5, skip=("indicators",)))
        out.append(f"     Indicators ({len(v.indicators)}):")
        for d in v.indicators:
            state = f"cleared {_value(d.cleared_at)}" if d.cleared_at else "current"
            out.append(f"       - {d.kind}, set {_value(d.set_at)}, {state}")
            out.extend(_fields(d, 9))
        if not v.indicators:
            out.append("       none")
    return out


def _source_records(items: list[s.SourceRecord]) -> list[str]:
    out = _section("SOURCE RECORDS", len(items))
    if not items:
        out.append("  none")
    for k, r in enumerate(items, start=1):
        out.append(f"  {k}. {r.source.code} record {r.record_key}")
        out.extend(_fields(r, 5, skip=("carers", "links")))
        out.append(f"     Carers ({len(r.carers)}):")
        for c in r.carers:
            out.append(f"       - carer {c.position}")
            out.extend(_fields(c, 9, skip=("position",)))
        out.append(f"     Links to this child ({len(r.links)}):")
        for link in r.links:
            state = f"ended {_value(link.unlinked_at)}" if link.unlinked_at else "current"
            out.append(f"       - link {link.id}, {link.method}, linked {_value(link.linked_at)}, {state}")
            out.extend(_fields(link, 9, skip=("id",)))
    return out


def _access(events: list[s.AccessEvent]) -> list[str]:
    out = _section("ACCESS HISTORY", len(events))
    if not events:
        out.append("  none")
    for e in events:
        at = e.at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        if e.user_id:
            who = f"{e.user_name} ({_value(e.role)}, {_value(e.org_code)} {_value(e.organisation)})"
        elif e.via == "cli":
            who = "the command line"
        else:
            who = f"the service ({_value(e.org_code)} {_value(e.organisation)}, no user)"
        out.append(f"  {at}  {e.action}  {e.outcome} ({e.status})  by {who}")
        out.append(f"      reason {_value(e.reason)}, case {_value(e.case_ref)}, via {_value(e.via)}, "
                   f"user {_value(e.user_id)}, organisation {_value(e.org_code)}, request {e.request_id}, "
                   f"event {e.id}")
    return out


def render(sar: s.SubjectAccess) -> str:
    c = sar.child
    out = ["SUBJECT ACCESS EXPORT", "=====================",
           f"Child: {c.forename} {c.surname} (index id {c.id})", f"Generated: {_value(sar.generated_at)}"]
    out += _child(c)
    out += _items("IDENTIFIERS", sar.identifiers, lambda i: f"{_label(i.scheme)} {i.value}")
    out += _items("CARERS", sar.carers, lambda k: f"{_value(k.forename)} {k.surname}")
    out += _section("CONNEXIONS OPT-OUT")
    out += _fields(sar.connexions_opt_out, 2) if sar.connexions_opt_out else ["  none"]
    out += _involvements(sar.involvements)
    out += _source_records(sar.source_records)
    out += _items("REVIEW ITEMS", sar.review_items, lambda r: f"review item {r.id}, {r.source}, {r.status}",
                  skip=("id",))
    out += _items("TRANSFERS", sar.transfers, lambda t: f"{t.from_la} to {t.to_la}, {t.status}")
    out += _items("INVESTIGATIONS", sar.investigations, lambda n: f"{n.kind}, opened {_value(n.opened_at)}")
    out += _access(sar.access_history)
    return "\n".join(out) + "\n"
