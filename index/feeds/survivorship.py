"""Survivorship: which of its linked source records' values a child shows.

Pure: no I/O (index.feeds.apply reads the records and writes the result). The rules,
for each of forename, middle names, surname, preferred forename, preferred surname,
sex and date of birth:

1. A missing value never blanks a present one: only records that give a value take
   part, and when none does the child keeps the value it has. (Sex 'U' is missing.)
2. The value the most linked sources agree on wins. Values are compared normalised
   (names folded: case, accents, punctuation; postcodes formatted); a source counts
   once however many of its records are linked to the child.
3. Among values with as many sources behind them, the one given by the best-ranked
   source kind wins: table `source_kind_ranks`, lower first (as shipped:
   local_authority 1, school 2, gp 3, every other kind 4; a kind not in the table
   ranks after all of them).
4. Still tied: the value of the most recently updated record.

The address is chosen whole, never assembled from parts of different addresses: the
records are grouped by postcode (a record with a first line but no postcode joins
the postcode group holding the same first line, else forms a group of its own), the
group is chosen by rules 2-4, and each part (first line, second line, town, postcode)
is then chosen among that group's records by rules 1-4. A part none of them gives is
kept from the child's current address when that is the same place (same postcode,
or the same first line when no postcode is known), else left empty: a move to a new
postcode does not keep the old house's first line. A child of no fixed abode keeps
no address whatever its records say (only the LA changes that state).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from matching import normalise

NAME_FIELDS = ("forename", "middle_names", "surname", "preferred_forename", "preferred_surname")
ADDRESS_FIELDS = ("address_line1", "address_line2", "town", "postcode")
FIELDS = (*NAME_FIELDS, "sex", "dob", *ADDRESS_FIELDS)
LIMITS = {"forename": 100, "middle_names": 200, "surname": 100, "preferred_forename": 100,
          "preferred_surname": 100, "address_line1": 100, "address_line2": 100, "town": 60, "postcode": 9}
UNRANKED = 100
EARLIEST_DOB = dt.date(1990, 1, 2)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True, slots=True)
class Record:
    """One linked source record's values (sex 'male'/'female' or None; postcode a valid,
    formatted postcode or None), its source, that source kind's rank and when it was
    last updated."""
    source: int
    rank: int = UNRANKED
    updated_at: dt.datetime = _EPOCH
    values: Mapping[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            value = value.strip()[:LIMITS.get(name, 200)] or None
        if name == "sex" and value not in ("male", "female"):
            return None
        if name == "dob" and (value is None or value < EARLIEST_DOB):
            return None
        return value


def _key(name: str, value: Any) -> Any:
    """The value as compared between sources."""
    if isinstance(value, str) and name != "postcode":
        return normalise.fold(value) or value.lower()
    return value


def _strength(records: list[Record]) -> tuple[int, int, dt.datetime]:
    """(sources agreeing, -best rank, latest update): the larger wins."""
    return (len({r.source for r in records}), -min(r.rank for r in records), max(r.updated_at for r in records))


def _best(records: list[Record]) -> Record:
    """The group's best record: best rank, then most recent."""
    return max(records, key=lambda r: (-r.rank, r.updated_at))


def _groups(records: Iterable[Record], name: str) -> dict[Any, list[Record]]:
    groups: dict[Any, list[Record]] = {}
    for r in records:
        value = r.get(name)
        if value is not None:
            groups.setdefault(_key(name, value), []).append(r)
    return groups


def _winner(groups: dict[Any, list[Record]]) -> list[Record] | None:
    if not groups:
        return None
    # Equal in everything: the first key in sorted order (max keeps the first of equals),
    # so that the choice never depends on the order the records were read in.
    return max(sorted(groups.items(), key=lambda kv: str(kv[0])), key=lambda kv: _strength(kv[1]))[1]


def pick(records: Iterable[Record], name: str) -> Any:
    """The surviving value of one field among these records, None if none gives one."""
    records = list(records)
    present = {value for r in records if (value := r.get(name)) is not None}
    if len(present) <= 1:             # nothing to choose between (most children): no folding
        return next(iter(present), None)
    group = _winner(_groups(records, name))
    return None if group is None else _best(group).get(name)


def _address_groups(records: list[Record]) -> dict[Any, list[Record]]:
    groups: dict[Any, list[Record]] = {}
    lines: dict[str, Any] = {}        # folded first line -> the postcode group holding it
    line_only = any(r.get("postcode") is None and r.get("address_line1") is not None for r in records)
    for r in records:
        postcode = r.get("postcode")
        if postcode is not None:
            groups.setdefault(("postcode", postcode), []).append(r)
            line = r.get("address_line1")
            if line is not None and line_only:
                lines.setdefault(_key("address_line1", line), ("postcode", postcode))
    for r in records:
        line = r.get("address_line1")
        if r.get("postcode") is None and line is not None:
            folded = _key("address_line1", line)
            groups.setdefault(lines.get(folded, ("line", folded)), []).append(r)
    return groups


def _same_line(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and (a == b or _key("address_line1", a) == _key("address_line1", b))


def address(current: Mapping[str, Any], records: list[Record]) -> dict[str, Any]:
    """The surviving address (ADDRESS_FIELDS) given the child's current one."""
    kept = {name: current.get(name) for name in ADDRESS_FIELDS}
    if current.get("address_state") == "no_fixed_abode":
        return kept
    group = _winner(_address_groups(records))
    if group is None:
        return kept
    chosen = {name: pick(group, name) for name in ADDRESS_FIELDS}
    if chosen["postcode"] is not None:
        same_place = chosen["postcode"] == current.get("postcode")
    else:
        same_place = _same_line(current.get("address_line1"), chosen["address_line1"])
    return {name: chosen[name] if chosen[name] is not None else (kept[name] if same_place else None)
            for name in ADDRESS_FIELDS}


def derive(current: Mapping[str, Any], records: list[Record]) -> dict[str, Any]:
    """The child's surviving values (FIELDS) from its current ones and its linked records."""
    out = {}
    for name in (*NAME_FIELDS, "sex", "dob"):
        value = pick(records, name)
        out[name] = current.get(name) if value is None else value
    out.update(address(current, records))
    return out
