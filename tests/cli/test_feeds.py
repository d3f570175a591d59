"""The feed commands on a real database, run in this process (tests.processes.isindex_here); the
test of their log lines runs them as a user does, in processes of their own."""

import csv
import json

import pytest

from tests.perf.matching import synthetic
from tests import processes
from tests.processes import isindex_here as isindex

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def census(tmp_path_factory):
    """A small synthetic census: existing children and a second feed about them."""
    out = tmp_path_factory.mktemp("census")
    synthetic.generate_files(1500, 300, out, seed=7)
    return out


@pytest.fixture
def registered(database_url):
    isindex(database_url, "la", "add", "--code", "873", "--name", "Cambridgeshire")
    isindex(database_url, "source", "add", "--code", "LASYS", "--kind", "local_authority", "--name", "EMS",
            "--la", "873")
    isindex(database_url, "source", "add", "--code", "SCH1", "--kind", "school", "--name", "Mill Lane Primary",
            "--la", "873")
    return database_url


def read_links(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_feed_load_and_links_export(registered, census, tmp_path):
    url = registered
    first = isindex(url, "feed", "load", str(census / "existing.csv"), "--source", "LASYS", "--json")
    summary = json.loads(first.stdout)
    assert summary["status"] == "done" and summary["rows"] == 1500
    # Distinct children: nearly all new; twins and look-alikes may wait in review, none linked wrongly.
    assert summary["new"] + summary["review"] == 1500 and summary["new"] > 1400
    second = isindex(url, "feed", "load", str(census / "incoming.csv"), "--source", "SCH1")
    assert "rows" in second.stdout
    again = isindex(url, "feed", "load", str(census / "incoming.csv"), "--source", "SCH1")
    assert "submitted before" in again.stdout
    out = tmp_path / "links.csv"
    isindex(url, "links", "export", str(out))
    rows = read_links(out)
    assert list(rows[0]) == ["source", "record_key", "child_id", "decision", "match_weight"]
    assert len(rows) == 1800
    kinds = {r["decision"] for r in rows}
    assert kinds <= {"auto", "new", "review", "manual"}
    assert all((r["child_id"] == "") == (r["decision"] == "review") for r in rows)
    assert sum(r["decision"] == "auto" for r in rows if r["source"] == "SCH1") > 200


@pytest.mark.parametrize("content, message", [
    ("record_id,forename,surname,dob,sen_need\n1,A,B,2015-01-01,x\n", "unknown column(s) sen_need"),
    ("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><CTfile/>", "DOCTYPE"),
    ("<?xml version='1.0'?><CTfile><Header><CTfversion>12.0</CTfversion></Header></CTfile>", "version"),
])
def test_a_bad_file_is_rejected_with_a_clear_error(registered, tmp_path, content, message):
    bad = tmp_path / "bad"
    bad.write_text(content)
    done = isindex(registered, "feed", "load", str(bad), "--source", "SCH1", check=False)
    assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr


def test_bad_arguments_are_named(registered, tmp_path):
    done = isindex(registered, "feed", "load", str(tmp_path / "missing.csv"), "--source", "SCH1", check=False)
    assert done.returncode != 0 and "cannot read" in done.stderr
    f = tmp_path / "x.csv"
    f.write_text("record_id,forename,surname,dob\n1,A,B,2015-01-01\n")
    done = isindex(registered, "feed", "load", str(f), "--source", "NOPE", check=False)
    assert done.returncode != 0 and "no feed source NOPE" in done.stderr
    done = isindex(registered, "source", "add", "--code", "X1", "--kind", "bakery", "--name", "n", "--la", "873",
                   check=False)
    assert done.returncode != 0 and "kind must be one of" in done.stderr


@pytest.mark.parametrize("rows, says", [(1, "1 row:"), (2, "2 rows:")])
def test_feed_load_counts_in_words_and_logs_plain_text_unless_json(registered, tmp_path, rows, says):
    f = tmp_path / "few.csv"
    f.write_text("record_id,forename,surname,dob\n"
                 + "".join(f"R{i},Ada,Quennell{'ab'[i]},2016-03-1{i}\n" for i in range(rows)))
    # Processes of their own: structlog is configured once per process (plain text or JSON).
    done = processes.isindex(registered, "feed", "load", str(f), "--source", "SCH1")
    assert says in done.stdout and "1 rows" not in done.stdout
    assert len(done.stdout.splitlines()) == 1, done.stdout           # the summary alone
    assert done.stderr and not [line for line in done.stderr.splitlines() if line.lstrip().startswith("{")]
    assert "isindex: feed_done feed_id=" in done.stderr
    f.write_text(f.read_text() + "R9,Bo,Quennellc,2016-04-09\n")
    again = processes.isindex(registered, "feed", "load", str(f), "--source", "SCH1", "--json")
    assert json.loads(again.stdout)["rows"] == rows + 1              # stdout: one JSON object
    logged = [json.loads(line) for line in again.stderr.splitlines()]  # stderr: JSON lines only
    assert "feed_done" in [e["event"] for e in logged]


@pytest.mark.parametrize(("value", "message"), [
    ("20", "must be between 0 and 19"),
    ("-1", "must be between 0 and 19"),
    ("low", "'low' is not a whole number"),
])
def test_worker_nice_out_of_range_is_refused_by_name(database_url, value, message):
    done = isindex(database_url, "worker", "--drain", "--nice", value, check=False)
    assert done.returncode == 2 and "--nice" in done.stderr and message in done.stderr
