"""The child identifier schemes, described once: the one place a scheme is added.

A scheme's `name` is what `child_identifiers.scheme` stores, and also the census CSV
column, the `source_records` column, the field of a parsed census row and the search
query parameter that carry it. Everything else about it is an attribute here:

- `label`: how people see it (feed warnings, the plain-text subject access export);
- `checked_as`: the checker in `identifiers.SCHEMES` that validates and normalises it
  (a former UPN is a UPN); values of one `checked_as` are the same kind of number, so
  a UPN meets a former UPN in matching;
- `searches`: the schemes a search by its query parameter looks in, itself first;
- `ctf_element`: where a Common Transfer File's Pupil carries it (None: a CTF does not);
- `length`: the length of a valid normalised value;
- `many`: a child may hold several (its former UPNs);
- `summary`: shown in one-line summaries (`isindex review list`; a former UPN is not);
- `matching`: how it counts in matching (None: stored, shown and searched only).

Adding a scheme is an entry in SCHEMES plus a migration (the `child_identifiers.scheme`
CHECK constraint and a `source_records` column); tests/matching/test_schemes.py and
tests/index/test_schemes_db.py name whatever else still lacks it. A scheme with
`matching` changes the census comparisons and blocking rules, so the shipped model
(matching/data/default_model.json) has to be trained again (tests/matching/test_model.py
says so).

Pure: no I/O; imports only matching.identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from matching import identifiers


@dataclass(frozen=True, slots=True)
class Matching:
    """How a scheme's values count in matching (matching/compare.py, blocking.py, decide.py, train.py).

    Its column is compared in the comparison `comparison`, and is a key of the blocking
    rule of that name; schemes sharing a comparison agree when any of their values agree
    (a UPN with a former UPN). The comparison's levels are agree, conflict (different
    values), and, when the first scheme of the comparison has temporary values, else: two
    different values are a conflict only when both are permanent."""
    comparison: str
    # Where the comparison and its blocking rule come among the identifier ones: the shipped
    # model lists them in this order (compare.CENSUS must equal the model's comparisons).
    order: int
    # Two different values hold an auto-link (decide.identifier_conflict).
    conflict_holds: bool
    # A key of the training block that estimates the identifier comparisons' m (train.TRAINING_RULES).
    trains: bool


@dataclass(frozen=True, slots=True)
class Scheme:
    name: str
    label: str
    checked_as: str
    searches: tuple[str, ...]
    ctf_element: str | None
    length: int
    many: bool = False
    summary: bool = True
    temporary: bool = False            # has temporary values (a UPN's last character a letter)
    matching: Matching | None = None

    @property
    def check(self) -> Callable[[str], identifiers.Checked]:
        """Validates and normalises a value: identifiers.check_upn for a UPN or a former UPN."""
        return identifiers.SCHEMES[self.checked_as]


# In the order the census CSV, the search parameters and the database list them.
SCHEMES: tuple[Scheme, ...] = (
    Scheme("upn", "UPN", "upn", ("upn", "former_upn"), "UPN", 13, temporary=True,
           matching=Matching("upn", order=1, conflict_holds=True, trains=True)),
    Scheme("former_upn", "Former UPN", "upn", ("former_upn", "upn"), "BasicDetails/FormerUPN", 13, many=True,
           summary=False, temporary=True, matching=Matching("upn", order=1, conflict_holds=True, trains=True)),
    Scheme("uln", "ULN", "uln", ("uln",), "UniqueLearnerNumber", 10,
           matching=Matching("uln", order=3, conflict_holds=False, trains=False)),
    Scheme("nhs_number", "NHS number", "nhs_number", ("nhs_number",), None, 10,
           matching=Matching("nhs_number", order=2, conflict_holds=True, trains=True)),
)
BY_NAME: dict[str, Scheme] = {s.name: s for s in SCHEMES}
NAMES: tuple[str, ...] = tuple(BY_NAME)


def get(name: str) -> Scheme:
    try:
        return BY_NAME[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown identifier scheme {name!r}; known: {', '.join(NAMES)}") from None


def label(checked_as: str) -> str:
    """The label of the scheme a checker is named after ("UPN" for "upn")."""
    return BY_NAME[checked_as].label


def matched() -> tuple[Scheme, ...]:
    """The schemes that count in matching, in their comparisons' order (then registry order)."""
    return tuple(sorted((s for s in SCHEMES if s.matching is not None), key=lambda s: s.matching.order))


def comparisons() -> dict[str, tuple[Scheme, ...]]:
    """Each identifier comparison's name and the schemes (columns) it compares, in order:
    {"upn": (upn, former_upn), "nhs_number": (nhs_number,), "uln": (uln,)}."""
    out: dict[str, list[Scheme]] = {}
    for s in matched():
        out.setdefault(s.matching.comparison, []).append(s)
    return {name: tuple(group) for name, group in out.items()}
