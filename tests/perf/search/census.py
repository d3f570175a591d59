"""An independent census corpus for measuring matching: an LA's messy extract as the
index, and a school census of returning and new children, with the truth.

    python -m tests.perf.search.census --existing 200000 --incoming 20000 --seed 1 --out DIR

Built on the independent search corpus (corpus.py: its own names, households, twins and
errors), not on tests/perf/matching/synthetic.py, which the shipped model was trained
on. Writes the files the matching benchmark reads (tests/perf/matching/bench.py
--data-dir): existing.csv, incoming.csv, truth.csv (incoming_record_id,
existing_record_id, kind), twins.csv (pairs never to be merged) and meta.json.

The existing side is an LA extract with messy names (MESSY: capitals, stray spaces, a
middle name or a nickname in the forename field). Incoming rows (INCOMING shares):
returning children with 0, 1 or 2 errors (ERRORS_PER_ROW) drawn from CENSUS_ERRORS (a
mix unlike the search queries': more moves and surname changes, fewer swapped names),
a school's missing middle names, and new children: a new twin of an existing child (a
third of them with a forename sharing the twin's first two letters), a stranger with
an existing child's forename, surname and date of birth, a new sibling, or a new family.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
from pathlib import Path

from tests.perf.search import corpus

COLUMNS = ("record_id", "forename", "middle_names", "surname", "former_surname", "dob", "gender",
           "address_line1", "town", "postcode", "carer1_forename", "carer1_surname", "carer1_relationship")
MESSY = {"upper_surname": 0.08, "spaces": 0.03, "middle_in_forename": 0.02, "nickname": 0.01}
NICKNAMES = {"Elizabeth": "Beth", "Alexander": "Alex", "Thomas": "Tom", "William": "Will", "Charlotte": "Lottie",
             "Samuel": "Sam", "Benjamin": "Ben", "Katherine": "Kate", "Joseph": "Joe", "Daniel": "Dan"}
INCOMING = {"returning": 0.88, "new_twin": 0.02, "same_name_stranger": 0.015, "new_sibling": 0.04,
            "new_family": 0.045}
ERRORS_PER_ROW = ((0, 0.55), (1, 0.35), (2, 0.10))
CENSUS_ERRORS = {
    "typo_forename": 0.08, "typo_surname": 0.10, "transpose_forename": 0.04, "transpose_surname": 0.05,
    "drop_forename": 0.04, "drop_surname": 0.05, "swap_names": 0.02, "forename_with_middle": 0.04,
    "middle_as_forename": 0.04, "new_surname": 0.06, "previous_surname": 0.03, "hyphen_part": 0.04,
    "mc_mac": 0.02, "apostrophe_space": 0.02, "dob_swap": 0.05, "dob_digit": 0.05, "dob_off_by_one": 0.04,
    "gender_missing": 0.05, "moved": 0.18,
}
P_NO_MIDDLE = 0.30          # schools that do not send middle names
P_FORMER_RECORDED = 0.5     # a changed surname sent with the old one as former_surname


def _carer(seed: int, household: int, surname: str) -> tuple[str, str, str]:
    rng = random.Random(f"carer:{seed}:{household}")
    mother = rng.random() < 0.8
    return (corpus.GIRLS if mother else corpus.BOYS).draw(rng), surname, "PAM" if mother else "PAF"


def _row(c: corpus.Child, record_id: str, carer: tuple[str, str, str], **change) -> dict:
    row = {"record_id": record_id, "forename": c.forename, "middle_names": c.middle_names, "surname": c.surname,
           "former_surname": c.former_surname, "dob": c.dob.isoformat(), "gender": c.gender,
           "address_line1": c.address_line1, "town": c.town, "postcode": c.postcode,
           "carer1_forename": carer[0], "carer1_surname": carer[1], "carer1_relationship": carer[2]}
    row.update(change)
    return row


def _messy(rng: random.Random, row: dict) -> dict:
    kind = rng.choices([*MESSY, "clean"], [*MESSY.values(), 1 - sum(MESSY.values())])[0]
    if kind == "upper_surname":
        row["surname"] = row["surname"].upper()
    elif kind == "spaces":
        row["forename"] = f" {row['forename']}  "
        row["surname"] = row["surname"].replace("-", " - ") + " "
    elif kind == "middle_in_forename" and row["middle_names"]:
        row["forename"], row["middle_names"] = f"{row['forename']} {row['middle_names'].split()[0]}", ""
    elif kind == "nickname" and row["forename"] in NICKNAMES:
        row["forename"] = f"{row['forename']} ({NICKNAMES[row['forename']]})"
    return row


def _with_errors(rng: random.Random, c: corpus.Child, all_surnames: list[str]) -> tuple[dict, list[str]]:
    """The changed fields of a returning child's row, and the errors made."""
    n = rng.choices([k for k, _ in ERRORS_PER_ROW], [w for _, w in ERRORS_PER_ROW])[0]
    change: dict = {}
    made: list[str] = []
    tries = 0
    while len(made) < n and tries < 20:
        tries += 1
        kind = rng.choices(list(CENSUS_ERRORS), list(CENSUS_ERRORS.values()))[0]
        if kind in made:
            continue
        current = corpus.Child(**{**c.__dict__, **{k: v for k, v in change.items() if k in c.__dict__}})
        got = corpus._error(rng, kind, current, all_surnames)
        if got is None:
            continue
        if kind == "moved":
            line1, town, postcode = corpus._address(rng)
            got = {"address_line1": line1, "town": town, "postcode": postcode}
        if kind == "new_surname":
            got["former_surname"] = c.surname if rng.random() < P_FORMER_RECORDED else ""
        if kind == "previous_surname":
            got["former_surname"] = ""
        if kind == "forename_with_middle":
            got["middle_names"] = ""
        change.update(got)
        made.append(kind)
    return change, made


def generate(n_existing: int, n_incoming: int, seed: int):
    pool = corpus.children(n_existing + n_incoming, seed)   # the later ones are the new families
    kids, spare = pool[:n_existing], pool[n_existing:]
    rng = random.Random(f"census:{seed}")
    existing = [_messy(rng, _row(c, c.record_id, _carer(seed, c.household, c.surname))) for c in kids]
    never: set[frozenset[str]] = set()
    by_household: dict[tuple[int, dt.date], list[str]] = {}
    for c in kids:
        by_household.setdefault((c.household, c.dob), []).append(c.record_id)
    for ids in by_household.values():
        never.update(frozenset((a, b)) for a in ids for b in ids if a < b)
    all_surnames = sorted({c.surname for c in kids} | set(corpus.SURNAMES.items))
    order = list(range(n_existing))
    rng.shuffle(order)
    returning = iter(order)
    incoming, truth = [], []
    for k in range(n_incoming):
        rid = f"SC{seed}-{k + 1:07d}"
        kind = rng.choices(list(INCOMING), list(INCOMING.values()))[0]
        if kind == "returning":
            c = kids[next(returning)]
            change, made = _with_errors(rng, c, all_surnames)
            row = _row(c, rid, _carer(seed, c.household, c.surname), **change)
            truth.append((rid, c.record_id, "+".join(made) or "exact"))
        else:
            anchor = kids[rng.randrange(n_existing)]
            carer = _carer(seed, anchor.household, anchor.surname)
            gender = rng.choice("MF")
            if kind == "new_twin":
                forename = corpus._forename(rng, gender, {anchor.forename})
                if rng.random() < 1 / 3:   # a forename sharing the twin's first two letters, when there is one
                    names = [n for n in (corpus.GIRLS if gender == "F" else corpus.BOYS).items
                             if n[:2] == anchor.forename[:2] and n != anchor.forename]
                    forename = rng.choice(names) if names else forename
                c = corpus.Child(rid, anchor.household, forename, corpus._middle(rng, gender, forename),
                                 anchor.surname, "", anchor.dob, gender, anchor.address_line1, anchor.town,
                                 anchor.postcode)
                never.add(frozenset((rid, anchor.record_id)))
            elif kind == "same_name_stranger":
                line1, town, postcode = corpus._address(rng)
                c = corpus.Child(rid, -1, anchor.forename, corpus._middle(rng, anchor.gender, anchor.forename),
                                 anchor.surname, "", anchor.dob, anchor.gender, line1, town, postcode)
                carer = (corpus.GIRLS.draw(rng), anchor.surname, "PAM")
                never.add(frozenset((rid, anchor.record_id)))
            elif kind == "new_sibling":
                forename = corpus._forename(rng, gender, {anchor.forename})
                c = corpus.Child(rid, anchor.household, forename, corpus._middle(rng, gender, forename),
                                 anchor.surname, "", corpus._dob(rng, anchor.dob), gender, anchor.address_line1,
                                 anchor.town, anchor.postcode)
            else:
                c = spare[k % len(spare)]
                carer = _carer(seed, -c.household - 1, c.surname)
            row = _row(c, rid, carer)
            truth.append((rid, "", kind))
        if rng.random() < P_NO_MIDDLE:
            row["middle_names"] = ""
        incoming.append(row)
    return existing, incoming, truth, never


def write_files(n_existing: int, n_incoming: int, directory: Path, seed: int = 1) -> None:
    existing, incoming, truth, never = generate(n_existing, n_incoming, seed)
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in (("existing", existing), ("incoming", incoming)):
        with open(directory / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, COLUMNS)
            w.writeheader()
            w.writerows(rows)
    with open(directory / "truth.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(("incoming_record_id", "existing_record_id", "kind"))
        w.writerows(truth)
    with open(directory / "twins.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(("record_id_a", "record_id_b"))
        w.writerows(sorted(tuple(sorted(p)) for p in never))
    (directory / "meta.json").write_text(json.dumps({
        "generator": "tests.perf.search.census", "existing": n_existing, "incoming": n_incoming, "seed": seed,
        "incoming_shares": INCOMING, "errors_per_row": ERRORS_PER_ROW, "census_errors": CENSUS_ERRORS,
        "messy": MESSY}, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.perf.search.census", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--existing", type=int, default=200_000)
    p.add_argument("--incoming", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    write_files(args.existing, args.incoming, args.out, args.seed)
    print(f"{args.existing} existing, {args.incoming} incoming rows in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
