"""The documents say what the code does, and link only to files in the repository.

docs/census-csv.md lists exactly the census columns the reader accepts, with the
required ones marked, and every word it accepts for gender, relationship and
parental responsibility; docs/ctf.md names every CTF element the reader maps; the
examples in both parse without an error; README.md shows the API's indicator codes;
every relative link in README.md and docs/*.md resolves inside the repository; and the
README's concrete commands and its "Using it" walk-through work, as written, on a
database loaded by `isindex demo`.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app

from index.feeds import ctf, parse
from index.involvements import INDICATOR_KINDS
from matching import census, schemes
from tests import processes

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CENSUS = DOCS / "census-csv.md"
CTF = DOCS / "ctf.md"


def _section(path: Path, heading: str) -> str:
    """The text under a '## heading' up to the next heading of that level."""
    text = path.read_text()
    found = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert found, f"{path.name} has no '## {heading}' section"
    return found.group(1)


def _table_rows(text: str) -> list[list[str]]:
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in text.splitlines()
            if line.startswith("|")]
    return rows[2:]   # past the header and its rule


def _documented_columns() -> dict[str, bool]:
    out = {}
    for cells in _table_rows(_section(CENSUS, "Columns")):
        name = re.fullmatch(r"`([a-z0-9_]+)`", cells[0])
        assert name, f"census-csv.md: a column cell should be a `name`, not {cells[0]!r}"
        out[name.group(1)] = cells[1] == "yes"
    return out


def test_census_doc_lists_exactly_the_accepted_columns():
    documented = _documented_columns()
    assert sorted(set(census.COLUMNS) - set(documented)) == [], "accepted by the code, missing from the doc"
    assert sorted(set(documented) - set(census.COLUMNS)) == [], "in the doc, refused by the code"
    assert sorted(c for c, required in documented.items() if required) == sorted(census.REQUIRED)


def _paragraph(label: str) -> str:
    """From '**label**' in 'Accepted values' to the next bold label (or the section's end)."""
    section = _section(CENSUS, "Accepted values")
    found = re.search(rf"\*\*{label}\*\*(.*?)(?=\n\n\*\*|\Z)", section, re.DOTALL)
    assert found, f"census-csv.md 'Accepted values' has no **{label}** paragraph"
    return found.group(1)


@pytest.mark.parametrize("column, label, accepted", [
    ("gender", "Gender", lambda: set(census._GENDER)),
    ("carer1_parental_responsibility", "Parental responsibility", lambda: set(census._YES_NO)),
    ("carer1_relationship", "Relationship",
     lambda: set(census.RELATIONSHIP_WORDS) | {c.lower() for c in census.RELATIONSHIP_CODES}),
])
def test_census_doc_names_every_accepted_word(column, label, accepted):
    """Each value the reader accepts is in the doc, and each value the doc shows is accepted."""
    text = _paragraph(label)
    plain = " ".join(text.casefold().replace("-", " ").split())
    for word in accepted():
        assert re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", plain), \
            f"census-csv.md does not say {column} accepts {word!r}"
    convert = census.CONVERT[column]
    for shown in re.findall(r"`([^`]+)`", text):
        convert(shown)   # ValueError: the doc shows a value the reader refuses
    if column == "carer1_relationship":
        for cells in _table_rows(text):
            code = cells[0].strip("`")
            assert convert(code) == code
            for word in filter(None, (w.strip() for w in cells[2].split(","))):
                assert convert(word) == code, f"census-csv.md says {word!r} is {code}"


def _fenced(path: Path, language: str) -> str:
    found = re.search(rf"^```{language}\n(.*?)^```", path.read_text(), re.MULTILINE | re.DOTALL)
    assert found, f"{path.name} has no ```{language} example"
    return found.group(1)


@pytest.mark.parametrize("path, language, format", [(CENSUS, "csv", "csv"), (CTF, "xml", "ctf")])
def test_examples_parse_cleanly(path, language, format):
    parsed = parse.parse(_fenced(path, language).encode(), format, max_bytes=1 << 20)
    assert parsed.rows and not parsed.errors and not parsed.warnings, (parsed.errors, parsed.warnings)


def _ctf_elements() -> set[str]:
    """Element names in the string constants of ctf.py's functions (paths split on / and .)."""
    tree = ast.parse(Path(ctf.__file__).read_text())
    names = set()
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            continue   # module constants: versions, country and gender codes
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and not re.search(r"\s", sub.value):
                for part in re.split(r"[/.{}]", sub.value):
                    if re.fullmatch(r"[A-Z][A-Za-z0-9]*", part):
                        names.add(part)
    # The identifier elements ctf.py reads are named by the scheme registry.
    names.update(part for s in schemes.SCHEMES if s.ctf_element for part in s.ctf_element.split("/"))
    return names


def test_ctf_doc_names_every_element_the_reader_maps():
    elements = _ctf_elements()
    assert {"UPN", "BasicDetails", "FormerUPN", "Contact", "Relationship", "PostCode"} <= elements
    text = CTF.read_text()
    missing = sorted(e for e in elements if not re.search(rf"(?<![A-Za-z0-9]){e}", text))
    assert missing == [], "read by index/feeds/ctf.py but not named in docs/ctf.md"


def test_readme_shows_the_indicator_codes():
    text = (ROOT / "README.md").read_text()
    for kind in INDICATOR_KINDS:
        assert f"`{kind}`" in text, f"README.md does not show the indicator kind {kind}"


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
MD_PATH = re.compile(r"`([\w./-]+\.md)(?:#[\w-]*)?`")


def _documents() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("document", _documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve_inside_the_repository(document):
    text = document.read_text()
    bad = []
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue   # a URL or a heading of the same document
        path = (document.parent / target.split("#")[0]).resolve()
        if not path.is_relative_to(ROOT) or not path.exists():
            bad.append(target)
    # A .md named in backticks is a reference too: relative to the document or to the repository root.
    for named in MD_PATH.findall(text):
        where = [(document.parent / named).resolve(), (ROOT / named).resolve()]
        if not any(p.is_relative_to(ROOT) and p.exists() for p in where):
            bad.append(named)
    assert bad == [], f"{document.name} refers to files that are not in the repository"


def _readme_block(heading: str, fence: str) -> str:
    text = (ROOT / "README.md").read_text()
    found = re.search(rf"^#+ {re.escape(heading)}\n.*?^```{fence}\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert found, f"README.md has no ```{fence} block under '{heading}'"
    return found.group(1).replace("\\\n", " ")


def _isindex(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return processes.isindex_here(database_url, *args, check=False, cwd=ROOT)


@pytest.fixture
def demo_tokens(database_url) -> dict[str, str]:
    """The database loaded as `isindex demo --children 100` loads it; the demo's tokens by role."""
    done = _isindex(database_url, "demo", "--children", "100", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)["tokens"]


def test_readme_setup_commands_work_on_the_demo_database(database_url, demo_tokens):
    """The concrete `la add` and `org add` lines of "Command line", run after the demo."""
    lines = [line for line in _readme_block("Command line", "").splitlines()
             if line.startswith(("isindex la add", "isindex org add"))]
    assert len(lines) == 2, lines
    for line in lines:
        done = _isindex(database_url, *shlex.split(line)[1:])
        assert done.returncode == 0, f"{line}: {done.stderr[-1000:]}"


def _curl(command: list[str]) -> tuple[str, str, dict[str, str], bytes | None]:
    """(method, url, headers, body) of a `curl -s [-X M] [-H H]... [-d D] URL`."""
    method, headers, body, url, args = None, {}, None, None, iter(command[1:])
    for arg in args:
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, _, value = next(args).partition(":")
            headers[name.strip()] = value.strip()
        elif arg == "-d":
            body = next(args).encode()
        elif arg == "-s":
            continue
        else:
            assert not arg.startswith("-") and url is None, f"unexpected curl argument {arg!r}"
            url = arg
    return method or ("POST" if body is not None else "GET"), url, headers, body


async def test_readme_using_it_walks_through_on_serve_demo(database_url, demo_tokens):
    """Each curl of "Using it" in turn, ids taken from earlier answers as the comments say."""
    block = _readme_block("Using it", "sh")
    used, assigned = set(re.findall(r"\$(\w+)", block)), set(re.findall(r"^(\w+)=", block, re.MULTILINE))
    assert used <= assigned, f"the walk-through uses {sorted(used - assigned)} without saying what they are"
    commands = [shlex.split(line) for line in block.splitlines() if line.strip().startswith("curl ")]
    assert len(commands) >= 8
    ids = {"$TOKEN": demo_tokens["practitioner"], "$AUDITOR_TOKEN": demo_tokens["auditor"]}
    app = create_app(database_url, pool_min=1, pool_max=4)
    async with AsyncTestClient(app=app) as client:
        for command in commands:
            method, url, headers, body = _curl(command)
            for placeholder, value in ids.items():
                url = url.replace(placeholder, value)
                headers = {k: v.replace(placeholder, value) for k, v in headers.items()}
            assert not re.search(r"[A-Z]+_ID|\$", url + str(headers)), f"no value yet for {url} {headers}"
            parts = urlsplit(url)
            assert parts.netloc == "127.0.0.1:8000"
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            response = await client.request(method, path, headers=headers, content=body)
            assert 200 <= response.status_code < 300, f"{method} {path}: {response.text}"
            answer = response.json()
            if parts.path == "/children/search":
                assert answer["results"], f"the README's search finds nobody in the demo: {path}"
                ids["CHILD_ID"] = answer["results"][0]["id"]
            elif method == "POST" and parts.path.endswith("/involvements"):
                ids["INVOLVEMENT_ID"] = answer["id"]
            elif method == "POST" and parts.path.endswith("/indicators"):
                ids["INDICATOR_ID"] = answer["id"]
            elif parts.path == "/audit":
                assert answer["events"], "the auditor's query shows the walk-through's events"
