"""The synthetic identity-matching data set (tests/perf/matching/synthetic.py)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date, datetime

import pytest

from matching.identifiers import check_nhs_number, check_uln, check_upn
from tests.perf.matching.synthetic import COLUMNS, build, generate_files, write

ID_COLUMNS = ("upn", "former_upn", "uln", "nhs_number")
KINDS = {
    "clean", "typo_forename", "typo_surname", "nickname", "preferred_as_forename",
    "surname_change", "hyphen_part", "dob_swap", "dob_digit", "dob_off_by_one", "moved",
    "missing_fields", "temp_to_permanent_upn", "new_temp_upn", "new_child",
    "new_sibling_of_existing", "new_twin_of_existing", "common_name_same_dob",
}


@pytest.fixture(scope="module")
def data():
    return build(2000, 300, seed=1)


def dob(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date() if "/" in text else date.fromisoformat(text)


def by_id(data) -> dict[str, dict[str, str]]:
    return {row["record_id"]: row for row in data.existing + data.incoming}


def test_sizes_and_columns(data):
    assert len(data.existing) == 2000 and len(data.incoming) == 300
    assert all(tuple(row) == COLUMNS for row in data.existing + data.incoming)
    matched = sum(1 for e in data.truth.values() if e)
    assert matched == 270
    assert set(data.kinds) == set(data.truth) == {r["record_id"] for r in data.incoming}


def test_deterministic(data):
    again = build(2000, 300, seed=1)
    assert again.existing == data.existing and again.incoming == data.incoming
    assert again.truth == data.truth and again.kinds == data.kinds
    assert again.never_link == data.never_link
    assert build(2000, 300, seed=2).incoming != data.incoming


def test_truth_ids_exist_and_used_once(data):
    existing_ids = {r["record_id"] for r in data.existing}
    assert len(existing_ids) == len(data.existing)
    used = [e for e in data.truth.values() if e is not None]
    assert set(used) <= existing_ids
    assert max(Counter(used).values()) == 1


def test_never_link_pairs_share_dob_and_surname(data):
    rows = by_id(data)
    assert len(data.never_link) >= 10
    assert len(set(data.never_link)) == len(data.never_link)
    for a, b in data.never_link:
        assert a in rows and b in rows and a != b
        assert data.truth.get(a) != b and data.truth.get(b) != a
        assert dob(rows[a]["dob"]) == dob(rows[b]["dob"])
        assert rows[a]["surname"] == rows[b]["surname"]


def test_new_twins_differ_only_in_forename(data):
    rows = by_id(data)
    pairs = [(a, b) for a, b in data.never_link if data.kinds.get(a) == "new_twin_of_existing"]
    assert pairs
    for a, b in pairs:
        assert rows[a]["forename"] != rows[b]["forename"]
        if rows[a]["address_line1"] and rows[b]["address_line1"]:
            assert rows[a]["address_line1"] == rows[b]["address_line1"]


def test_identifiers_valid(data):
    checks = {"upn": check_upn, "former_upn": check_upn, "uln": check_uln, "nhs_number": check_nhs_number}
    for row in data.existing + data.incoming:
        for col, check in checks.items():
            if row[col]:
                assert check(row[col]).valid, (col, row[col])
        if row["former_upn"]:
            assert check_upn(row["former_upn"]).temporary


def test_matched_pairs_never_contradict(data):
    existing = {r["record_id"]: r for r in data.existing}
    for row in data.incoming:
        eid = data.truth[row["record_id"]]
        if eid is None:
            continue
        old = existing[eid]
        for col in ("nhs_number", "uln"):
            if row[col] and old[col]:
                assert row[col] == old[col]
        a, b = check_upn(row["upn"]), check_upn(old["upn"])
        if row["upn"] and old["upn"] and not a.temporary and not b.temporary:
            assert row["upn"] == old["upn"]


def test_identifiers_belong_to_one_child(data):
    """An identifier value never appears on two different children, so new children's
    identifiers never collide with existing ones."""
    owner: dict[str, str] = {}
    for row in data.existing:
        for col in ID_COLUMNS:
            if row[col]:
                assert owner.setdefault(row[col], row["record_id"]) == row["record_id"]
    seen_new: set[str] = set()
    for row in data.incoming:
        child = data.truth[row["record_id"]] or row["record_id"]
        for col in ID_COLUMNS:
            value = row[col]
            if not value:
                continue
            if data.truth[row["record_id"]] is None:
                assert value not in owner and value not in seen_new
                seen_new.add(value)
            else:
                assert owner.get(value, child) == child


def test_all_kinds_present(data):
    parts = Counter(p for kind in data.kinds.values() for p in kind.split("+"))
    assert set(parts) == KINDS
    assert parts["clean"] / len(data.incoming) > 0.5
    assert data.meta["existing_common_name_same_dob_pairs"] >= 1


def test_dmy_dates_parse_and_match_swaps(data):
    existing = {r["record_id"]: r for r in data.existing}
    for row in data.incoming:
        d = dob(row["dob"])
        eid = data.truth[row["record_id"]]
        if eid and data.kinds[row["record_id"]] == "dob_swap":
            old = dob(existing[eid]["dob"])
            assert (d.year, d.month, d.day) == (old.year, old.day, old.month)


def test_files(data, tmp_path):
    write(data, tmp_path / "a")
    meta = generate_files(2000, 300, tmp_path / "b", seed=1)
    for name in ("existing.csv", "incoming.csv", "truth.csv", "twins.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    for name in ("existing.csv", "incoming.csv"):
        with open(tmp_path / "a" / name, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f))
        assert header == list(COLUMNS)
    with open(tmp_path / "a" / "truth.csv", newline="", encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    assert list(truth[0]) == ["incoming_record_id", "existing_record_id", "kind"]
    assert {t["incoming_record_id"]: t["existing_record_id"] or None for t in truth} == data.truth
    assert (tmp_path / "a" / "twins.csv").read_text().splitlines()[0] == "record_id_a,record_id_b"
    written = json.loads((tmp_path / "a" / "meta.json").read_text())
    assert written["counts_per_kind"] == meta["counts_per_kind"]
    assert written["seed"] == 1 and written["n_incoming"] == 300


def test_rejects_bad_sizes():
    with pytest.raises(ValueError):
        build(10, 11)
