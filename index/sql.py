"""Plain SQL files in index/sql/, read once.

`load(name)` is a file holding one statement. `queries(module)` is a file of named
statements, a block each, as procrastinate keeps its SQL:

    -- list_items --
    -- Open items of an LA, oldest first (comment lines under the name describe it).
    SELECT ...

A block runs from its name line to the next one; the comment lines right under the
name are left out of the statement, comments further down are kept. Lines before the
first name may only be comments (the file's header). A name given twice is an error,
and so is a name with no statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources

_NAME = re.compile(r"^--\s+([a-z_][a-z0-9_]*)\s+--\s*$")


@cache
def load(name: str) -> str:
    return _read(name)


def _read(name: str) -> str:
    return resources.files("index").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


class Queries(Mapping[str, str]):
    """The named statements of one file; an unknown name is a KeyError naming the file."""

    def __init__(self, file: str, statements: dict[str, str]):
        self.file = file
        self._statements = statements

    def __getitem__(self, name: str) -> str:
        try:
            return self._statements[name]
        except KeyError:
            raise KeyError(f"no query {name!r} in {self.file}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._statements)

    def __len__(self) -> int:
        return len(self._statements)


@cache
def queries(module: str) -> Queries:
    """The named statements of index/sql/<module>.sql."""
    file = f"index/sql/{module}.sql"
    return Queries(file, parse(_read(module), file))


def parse(text: str, file: str) -> dict[str, str]:
    """name -> statement for each `-- name --` block of text (file names it in errors)."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    describing = False
    for number, line in enumerate(text.splitlines(), start=1):
        m = _NAME.match(line)
        if m:
            name = m.group(1)
            if name in blocks:
                raise ValueError(f"{file}:{number}: query {name!r} is named twice")
            current = blocks[name] = []
            describing = True
            continue
        comment = line.lstrip().startswith("--")
        if current is None:
            if line.strip() and not comment:
                raise ValueError(f"{file}:{number}: a statement before the first '-- name --' line")
            continue
        if describing and (comment or not line.strip()):
            continue
        describing = False
        current.append(line.rstrip())
    statements = {}
    for name, lines in blocks.items():
        statement = "\n".join(lines).strip("\n")
        if not statement.strip():
            raise ValueError(f"{file}: query {name!r} has no statement")
        statements[name] = statement
    return statements
