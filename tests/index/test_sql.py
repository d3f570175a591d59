"""index.sql: named-query files, procrastinate style."""

import re
from importlib import resources
from pathlib import Path

import pytest

from index import sql

TWO = """-- review.sql: the statements of index/review.py

-- first --
-- What the first one does.
-- On two lines.
SELECT 1
  FROM t  -- a comment in the statement stays
 WHERE a = $1

-- second --

SELECT 2;
-- a comment after the statement stays with it

"""


@pytest.mark.parametrize("text, expected", [
    (TWO, {"first": "SELECT 1\n  FROM t  -- a comment in the statement stays\n WHERE a = $1",
           "second": "SELECT 2;\n-- a comment after the statement stays with it"}),
    ("-- only --\nSELECT 1", {"only": "SELECT 1"}),
    ("-- trailing_spaces --   \nSELECT 1   \n  \n", {"trailing_spaces": "SELECT 1"}),
    ("", {}),
    ("-- header only\n", {}),
    ("-- not a name: two words --\n-- a --\nSELECT 1", {"a": "SELECT 1"}),
])
def test_parse(text, expected):
    got = sql.parse(text, "x.sql")
    assert (list(got), got) == (list(expected), expected)


@pytest.mark.parametrize("text, error", [
    ("-- a --\nSELECT 1\n-- a --\nSELECT 2", "x.sql:3: query 'a' is named twice"),
    ("SELECT 0\n-- a --\nSELECT 1", "x.sql:1: a statement before the first '-- name --' line"),
    ("-- a --\n-- described only\n\n-- b --\nSELECT 1", "x.sql: query 'a' has no statement"),
])
def test_parse_refuses(text, error):
    with pytest.raises(ValueError) as e:
        sql.parse(text, "x.sql")
    assert str(e.value) == error


def test_an_unknown_name_is_a_key_error_naming_the_file():
    q = sql.Queries("index/sql/x.sql", {"a": "SELECT 1"})
    assert (q["a"], list(q), len(q), "a" in q, "b" in q) == ("SELECT 1", ["a"], 1, True, False)
    with pytest.raises(KeyError, match=r"no query 'b' in index/sql/x\.sql"):
        q["b"]


def _named_files():
    """The files of index/sql/ with a `-- name --` line (the others hold one statement)."""
    return sorted(f.name[:-4] for f in resources.files("index").joinpath("sql").iterdir()
                  if f.name.endswith(".sql") and any(sql._NAME.match(line) for line in f.read_text().splitlines()))


@pytest.mark.parametrize("module", _named_files())
def test_every_named_file_parses_and_is_read_once(module):
    assert len(sql.queries(module)) > 0
    assert sql.queries(module) is sql.queries(module)


def _users():
    """(module file, query file) for each module of index/ that reads a named-query file."""
    root = resources.files("index")
    for path in sorted(Path(str(root)).rglob("*.py")):
        m = re.search(r'^SQL = sql\.queries\("(\w+)"\)$', path.read_text(), re.M)
        if m:
            yield pytest.param(path, m.group(1), id=m.group(1))


@pytest.mark.parametrize("path, module", list(_users()))
def test_a_module_uses_every_query_of_its_file_and_no_other(path, module):
    used = set(re.findall(r'SQL\["(\w+)"\]', path.read_text()))
    assert used == set(sql.queries(module))
