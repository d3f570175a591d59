import json

import msgspec
import pytest

from matching import blocking, compare, linker, model, table, train
from tests.matching.conftest import record

PARTS = ["forename", "surname", "names_swapped", "dob", "house_number", "street", "town", "postcode"]


def test_the_shipped_model_uses_the_census_settings():
    shipped = model.load()
    assert shipped.comparisons == compare.COMPARISONS
    assert shipped.blocking_rules == blocking.RULES


def _edited(tmp_path, edit) -> str:
    data = json.loads(model.dump(model.load()))
    edit(data)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data))
    return str(path)


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["fields"][0].update(name="shoe_size"), "unknown comparison(s) shoe_size"),
    (lambda d: d["fields"][0]["levels"].pop(), "levels for forename do not match"),
    (lambda d: d.update(blocking=["dob", "star_sign"]), "unknown blocking rule(s) star_sign"),
    (lambda d: d.update(format="other/1"), "is not 'isindex-match-model/1'"),
    (lambda d: d.update(match_rate=0), "match_rate"),
])
def test_a_bad_model_file_is_refused_with_a_reason(tmp_path, edit, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        model.load(_edited(tmp_path, edit))


@pytest.mark.parametrize("text, message", [
    ("{", "cannot read settings"),
    ('{"comparisons": ["forename"], "colour": "red"}', "colour"),
    ('{"comparisons": ["forename", "shoe_size"]}', "shoe_size"),
    ('{"blocking": ["nope"]}', "nope"),
    ('{"comparisons": []}', "at least one comparison"),
    ('{"comparisons": ["dob", "dob"]}', "named twice"),
])
def test_bad_settings_are_refused_with_a_reason(tmp_path, text, message):
    path = tmp_path / "s.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        model.load_settings(path)


def _people(n: int, *, swap: bool = False) -> list[dict]:
    """n distinct people; with swap, forename and surname change places and the date is lost."""
    out = []
    for i in range(n):
        fore, sur = f"Fore{chr(97 + i % 26)}{chr(97 + i // 26)}x", f"Sur{chr(97 + i // 26)}{chr(97 + i % 26)}y"
        r = record(record_id=f"r{i}", forename=fore, surname=sur, middle_names="", dob=f"19{50 + i % 40}-0{1 + i % 9}-1{i % 9}",
                   address_line1=f"{i + 1} Street{i}", town=f"Town{i % 7}", postcode=f"{2000 + i}",
                   carer1_forename="", carer1_surname="")
        if swap:
            r.update(forename=sur, surname=fore, dob="")
        out.append(r)
    return out


def test_a_model_trained_with_other_settings_compares_and_blocks_as_they_say():
    settings = model.Settings(comparisons=PARTS, blocking=["dob", "names_unordered", "postcode"],
                              rules=model.Rules(twins_guard=False))
    vocabs = table.Vocabs()
    L, R = table.build(vocabs, _people(300)), table.build(vocabs, _people(300))
    trained = train.train(L, R, settings=settings, u_pairs=50_000)
    assert [f.name for f in trained.fields] == PARTS
    assert trained.blocking == ["dob", "names_unordered", "postcode"]
    assert trained.rules.twins_guard is False
    decoded = msgspec.json.decode(model.dump(trained), type=model.Model)
    decoded.check()
    # A swapped name with no date of birth is blocked by names_unordered and scored on
    # the model's own comparisons.
    swapped = table.build(vocabs, _people(3, swap=True))
    linked = linker.link(L, swapped, trained)
    assert linked.blocked.pairs_by_rule["names_unordered"] == 3
    assert [L.ids[d.existing] for d in linked.decisions] == ["r0", "r1", "r2"]
    labels = dict((name, label) for name, label, _ in linked.explanation(linked.decisions[0]))
    assert list(labels) == PARTS
    assert labels["names_swapped"] == "swapped" and labels["dob"] == "no data"
