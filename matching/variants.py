"""Nicknames and spelling variants, kept as data in matching/data/*.txt.

Each data line is a group of names taken as equivalent; a name may sit in several
groups, and two names are variants when they share one (Alex is a variant of both
Alexander and Alexandra, which are not variants of each other).
"""

from __future__ import annotations

import functools
from importlib import resources

from matching import normalise


class Variants:
    def __init__(self, groups: list[list[str]]) -> None:
        self._groups: dict[str, frozenset[int]] = {}
        members: dict[str, set[int]] = {}
        for gid, group in enumerate(groups):
            for name in group:
                members.setdefault(name, set()).add(gid)
        self._groups = {name: frozenset(g) for name, g in members.items()}
        self._members = groups

    def groups(self, name: str) -> frozenset[int]:
        return self._groups.get(name, frozenset())

    def are_variants(self, a: str, b: str) -> bool:
        """True when two folded names differ but share a group."""
        return a != b and not self.groups(a).isdisjoint(self.groups(b))

    def equivalents(self, name: str) -> set[str]:
        """Every name sharing a group with `name` (itself excluded)."""
        return {other for g in self.groups(name) for other in self._members[g]} - {name}

    def __len__(self) -> int:
        return len(self._groups)


def parse(text: str) -> list[list[str]]:
    groups = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        names = [normalise.fold(n) for n in line.split(",")]
        if any(not n or " " in n for n in names) or len(names) < 2:
            raise ValueError(f"line {number}: a group is two or more single-word names, comma-separated")
        groups.append(list(dict.fromkeys(names)))
    return groups


@functools.cache
def load(kind: str) -> Variants:
    """The shipped table: kind is 'forename' or 'surname'."""
    if kind not in ("forename", "surname"):
        raise ValueError(f"no variant table {kind!r}")
    text = resources.files("matching").joinpath("data", f"{kind}_variants.txt").read_text("utf-8")
    return Variants(parse(text))
