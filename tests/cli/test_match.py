import csv
import json

import pytest

from cli import main as cli
from tests.factories import nhs_number, upn

HEADER = "record_id,forename,surname,dob,gender,postcode,address_line1,upn,nhs_number,carer1_forename,carer1_surname"


def write(path, lines):
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def files(tmp_path):
    existing = write(tmp_path / "existing.csv", [
        f"E1,Amelia,Testwood,2015-03-14,F,PE1 1AA,12 Mill Lane,{upn(serial=1)},{nhs_number(1)},Sarah,Testwood",
        f"E2,Olivia,Testwood,2015-03-14,F,PE1 1AA,12 Mill Lane,{upn(serial=2)},,Sarah,Testwood",
        f"E3,Noah,Fenwick,2012-07-03,M,CB2 1AA,1 Hills Road,,{nhs_number(3)},Jo,Fenwick",
    ])
    incoming = write(tmp_path / "incoming.csv", [
        f"S1,Amelia,Testwood,14/03/2015,F,PE1 1AA,12 Mill Lane,{upn(serial=1)},,Sarah,Testwood",
        "S2,Ava,Testwood,2015-03-14,F,PE1 1AA,12 Mill Lane,,,Sarah,Testwood",
        "S3,Zachary,Quill,2009-11-30,M,TR1 1AA,1 Far Away,,,Jo,Quill",
        "S4,Bad,Date,2015-02-30,F,,,,,,",
    ])
    return existing, incoming


def test_match_files_writes_one_decision_per_good_row(files, tmp_path, capsys):
    out = tmp_path / "decisions.csv"
    explain = tmp_path / "explain.jsonl"
    assert cli.main(["match-files", *files, "--out", str(out), "--explain", str(explain), "--json"]) == 0
    captured = capsys.readouterr()
    assert "row 5, column dob: no such date" in captured.err
    assert "2015-02-30" not in captured.err                    # personal data is not echoed
    summary = json.loads(captured.out)
    assert summary["rejected_rows"] == {"existing": 0, "incoming": 1}
    with open(out, newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == ("incoming_record_id", "existing_record_id", "decision", "match_weight",
                                            "match_probability", "candidates")
        rows = {r["incoming_record_id"]: r for r in reader}
    assert set(rows) == {"S1", "S2", "S3"}
    assert (rows["S1"]["decision"], rows["S1"]["existing_record_id"]) == ("auto", "E1")
    assert rows["S2"]["decision"] != "auto"                     # a twin nobody has seen yet
    assert (rows["S3"]["decision"], rows["S3"]["existing_record_id"]) == ("new", "")
    assert 0 <= float(rows["S1"]["match_probability"]) <= 1
    lines = [json.loads(line) for line in explain.read_text().splitlines()]
    assert {f["comparison"] for f in lines[0]["fields"]} >= {"forename", "surname", "dob", "address", "upn"}


@pytest.mark.parametrize("args, message", [
    (["match-files", "missing.csv", "missing.csv", "--out", "x.csv"], "cannot read missing.csv"),
    (["match-files", "EXISTING", "INCOMING", "--out", "x.csv", "--model", "nope.json"], "cannot read model"),
])
def test_match_files_bad_arguments(files, args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = [files[0] if a == "EXISTING" else files[1] if a == "INCOMING" else a for a in args]
    with pytest.raises(SystemExit) as exc:
        cli.main(args)
    assert message in str(exc.value)


def test_unknown_column_rejects_the_file(tmp_path, files):
    bad = tmp_path / "bad.csv"
    bad.write_text("record_id,forename,surname,dob,sen_need\n1,A,B,2015-01-01,x\n")
    with pytest.raises(SystemExit) as exc:
        cli.main(["match-files", files[0], str(bad), "--out", str(tmp_path / "o.csv")])
    assert "unknown column(s) sen_need" in str(exc.value)


def test_model_train_writes_a_loadable_model(files, tmp_path):
    from matching import model
    out = tmp_path / "model.json"
    assert cli.main(["model", "train", *files, "--out", str(out), "--version", "t1"]) == 0
    trained = model.load(out)
    assert trained.version == "t1"


def test_an_unwritable_output_names_the_file_and_leaves_nothing_behind(files, tmp_path):
    out = tmp_path / "decisions.csv"
    with pytest.raises(SystemExit) as exc:
        cli.main(["match-files", *files, "--out", str(out), "--explain", str(tmp_path / "missing" / "e.jsonl")])
    assert "cannot write" in str(exc.value) and "e.jsonl" in str(exc.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decisions.csv", "existing.csv", "incoming.csv"]
    assert out.read_text().startswith("incoming_record_id,")   # complete, not half-written


def test_model_train_with_settings(files, tmp_path):
    from matching import model
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"comparisons": ["forename", "surname", "dob", "street", "postcode"],
                                    "blocking": ["dob", "postcode"]}))
    out = tmp_path / "model.json"
    assert cli.main(["model", "train", *files, "--out", str(out), "--settings", str(settings)]) == 0
    trained = model.load(out)
    assert [f.name for f in trained.fields] == ["forename", "surname", "dob", "street", "postcode"]
    assert trained.blocking == ["dob", "postcode"]
    decisions = tmp_path / "d.csv"
    assert cli.main(["match-files", *files, "--out", str(decisions), "--model", str(out)]) == 0


def test_model_train_refuses_bad_settings(files, tmp_path):
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"comparisons": ["forename", "horoscope"]}))
    with pytest.raises(SystemExit) as exc:
        cli.main(["model", "train", *files, "--out", str(tmp_path / "m.json"), "--settings", str(settings)])
    assert "unknown comparison(s) horoscope" in str(exc.value)
    assert not (tmp_path / "m.json").exists()
