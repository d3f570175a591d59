"""An independent corpus of English children for measuring practitioner search.

    python -m tests.perf.search.corpus --children 20000 --queries 2000 --seed 1 --out DIR

Written apart from the project's own generators (index/demo_data.py,
tests/perf/matching/synthetic.py and perturb.py), which the default model is tuned on:
its own name lists (names.py) with Zipf-like frequencies in its own order, its own
households, and its own errors. Seeded and deterministic.

Writes into DIR:
- existing.csv: the index, one census row per true child (docs/census-csv.md columns),
  as an LA's own system would send it;
- queries.csv: query_id, true_record_id, error_type, forename, surname, dob, gender,
  postcode: "another service's record" of a true child, each with exactly one labelled
  error (or none), in the shares of ERROR_RATES.

Households: 1-4 children at one address with one surname (10% of households with two
or more children are step-families: one child has another surname), and 3% of
households have a pair of twins (same date of birth, surname and address, different
forenames). 4% of children have a former surname, 5% of households a hyphenated or
double-barrelled surname.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from dataclasses import dataclass, replace
from pathlib import Path

from tests.perf.search import names

# Share of queries with each error type. Each query carries exactly one.
ERROR_RATES: dict[str, float] = {
    "none": 0.10,                    # the record as the index has it
    "typo_forename": 0.05,           # one or two letters substituted (or one inserted)
    "typo_surname": 0.07,
    "transpose_forename": 0.04,      # two adjacent letters swapped
    "transpose_surname": 0.05,
    "drop_forename": 0.04,           # one letter dropped
    "drop_surname": 0.05,
    "swap_names": 0.05,              # forename in the surname field and the other way round
    "surname_in_forename": 0.03,     # the full name ("Amy Clarke") typed into the forename field
    "forename_with_middle": 0.03,    # forename and middle names in the forename field ("Amy Louise")
    "middle_as_forename": 0.04,      # known by a middle name: it stands as the forename
    "new_surname": 0.04,             # a surname the index never saw (family change, adoption)
    "previous_surname": 0.04,        # the former surname the index holds
    "hyphen_part": 0.04,             # one part of a hyphenated or double-barrelled surname
    "mc_mac": 0.03,                  # Mc <-> Mac, or a space after the prefix
    "apostrophe_space": 0.03,        # O'Brien as OBrien / O Brien; De Souza as DeSouza / De-Souza
    "dob_swap": 0.05,                # day and month swapped (day <= 12, day != month)
    "dob_digit": 0.05,               # one digit of the date wrong (a real date; not a swap, not +-1 day)
    "dob_off_by_one": 0.05,          # a day early or late
    "gender_missing": 0.04,          # gender not given
    "moved": 0.08,                   # a different address and postcode
}
ERROR_TYPES = tuple(ERROR_RATES)
# The query field each error type changes (the others equal the truth).
CHANGES: dict[str, frozenset[str]] = {
    "none": frozenset(),
    **{f"{kind}_{field}": frozenset({field}) for kind in ("typo", "transpose", "drop")
       for field in ("forename", "surname")},
    "swap_names": frozenset({"forename", "surname"}),
    "surname_in_forename": frozenset({"forename"}),
    "forename_with_middle": frozenset({"forename"}),
    "middle_as_forename": frozenset({"forename"}),
    "new_surname": frozenset({"surname"}),
    "previous_surname": frozenset({"surname"}),
    "hyphen_part": frozenset({"surname"}),
    "mc_mac": frozenset({"surname"}),
    "apostrophe_space": frozenset({"surname"}),
    "dob_swap": frozenset({"dob"}),
    "dob_digit": frozenset({"dob"}),
    "dob_off_by_one": frozenset({"dob"}),
    "gender_missing": frozenset({"gender"}),
    "moved": frozenset({"postcode"}),
}

HOUSEHOLD_SIZES = ((1, 35), (2, 38), (3, 18), (4, 9))
P_TWINS = 0.03
P_STEP_FAMILY = 0.10
P_FORMER_SURNAME = 0.04
P_HYPHENATED = 0.04
P_DOUBLE_BARRELLED_SPACE = 0.01
P_MC_MAC = 0.03
P_APOSTROPHE = 0.025
P_SPACED = 0.01
MIDDLE_NAMES = ((0, 15), (1, 70), (2, 15))
FIRST_DOB, LAST_DOB = dt.date(2008, 9, 1), dt.date(2026, 8, 31)
INWARD = "ABDEFGHJLNPQRSTUWXYZ"
KEYBOARD = {
    "q": "wa", "w": "qes", "e": "wrd", "r": "etf", "t": "ryg", "y": "tuh", "u": "yij", "i": "uok", "o": "ipl",
    "p": "ol", "a": "qsz", "s": "awdz", "d": "sefx", "f": "drgc", "g": "fthv", "h": "gyjb", "j": "hukn",
    "k": "jilm", "l": "kop", "z": "asx", "x": "zsdc", "c": "xdfv", "v": "cfgb", "b": "vghn", "n": "bhjm",
    "m": "njk",
}
CSV_COLUMNS = ("record_id", "forename", "middle_names", "surname", "former_surname", "dob", "gender",
               "address_line1", "town", "postcode")
QUERY_COLUMNS = ("query_id", "true_record_id", "error_type", "forename", "surname", "dob", "gender", "postcode")


@dataclass(frozen=True)
class Child:
    record_id: str
    household: int
    forename: str
    middle_names: str
    surname: str
    former_surname: str
    dob: dt.date
    gender: str
    address_line1: str
    town: str
    postcode: str


@dataclass(frozen=True)
class Query:
    query_id: str
    true_record_id: str
    error_type: str
    forename: str
    surname: str
    dob: dt.date
    gender: str
    postcode: str


class Zipf:
    """Draws from a list with weight 1/(rank + offset) (Zipf-Mandelbrot), in an order
    fixed by the list's name (see below); `tail` items rank after all of `items`. The offset flattens
    the head: the commonest forename is about 3% of its sex, the commonest surname about
    1% of households (England's commonest, Oliver and Smith, are about 2% and 1%)."""

    def __init__(self, items, order: str, offset: float, tail=()):
        # Shuffled, but names written earlier in a list (names.py puts English ones
        # first) tend to rank higher: the common names are mostly English ones.
        head = list(dict.fromkeys(items))
        rng = random.Random(f"order:{order}")
        key = {name: rng.random() + 2.0 * i / len(head) for i, name in enumerate(head)}
        head.sort(key=key.__getitem__)
        rest = [t for t in dict.fromkeys(tail) if t not in head]
        random.Random(f"order:{order}:tail").shuffle(rest)
        self.items = head + rest
        self.weights = [1.0 / (rank + 1 + offset) for rank in range(len(self.items))]

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.items, self.weights)[0]


GIRLS = Zipf(names.GIRLS, "girls", offset=10)
BOYS = Zipf(names.BOYS, "boys", offset=10)
SURNAMES = Zipf(names.SURNAMES, "surnames", offset=20,
                tail=[head + end for head in names.TAIL_HEADS for end in names.TAIL_ENDS])
MIDDLE = {"F": Zipf(names.MIDDLE_GIRLS, "middle-girls", offset=2), "M": Zipf(names.MIDDLE_BOYS, "middle-boys", offset=2)}


def _surname(rng: random.Random) -> tuple[str, bool]:
    """A household surname, and whether it is hyphenated or double-barrelled."""
    x = rng.random()
    if x < P_MC_MAC:
        return rng.choice(names.MC_MAC), False
    x -= P_MC_MAC
    if x < P_APOSTROPHE:
        return rng.choice(names.APOSTROPHE), False
    x -= P_APOSTROPHE
    if x < P_SPACED:
        return rng.choice(names.SPACED), False
    x -= P_SPACED
    if x < P_HYPHENATED + P_DOUBLE_BARRELLED_SPACE:
        first, second = SURNAMES.draw(rng), SURNAMES.draw(rng)
        while second == first:
            second = SURNAMES.draw(rng)
        return f"{first}{'-' if x < P_HYPHENATED else ' '}{second}", True
    return SURNAMES.draw(rng), False


def _forename(rng: random.Random, gender: str, avoid: set[str]) -> str:
    pool = GIRLS if gender == "F" else BOYS
    name = pool.draw(rng)
    while name in avoid:
        name = pool.draw(rng)
    return name


def _middle(rng: random.Random, gender: str, forename: str) -> str:
    count = rng.choices([n for n, _ in MIDDLE_NAMES], [w for _, w in MIDDLE_NAMES])[0]
    chosen: list[str] = []
    while len(chosen) < count:
        name = MIDDLE[gender].draw(rng) if rng.random() < 0.4 else (GIRLS if gender == "F" else BOYS).draw(rng)
        if name != forename and name not in chosen:
            chosen.append(name)
    return " ".join(chosen)


def _address(rng: random.Random) -> tuple[str, str, str]:
    town, district = rng.choice(names.TOWNS)
    line1 = f"{rng.randint(1, 180)} {rng.choice(names.STREETS)} {rng.choice(names.STREET_KINDS)}"
    postcode = f"{district} {rng.randint(1, 9)}{rng.choice(INWARD)}{rng.choice(INWARD)}"
    return line1, town, postcode


def _dob(rng: random.Random, near: dt.date | None = None) -> dt.date:
    span = (LAST_DOB - FIRST_DOB).days
    while True:
        if near is None:
            day = FIRST_DOB + dt.timedelta(days=rng.randrange(span + 1))
        else:
            gap = rng.randint(300, 6 * 365) * rng.choice((-1, 1))
            day = near + dt.timedelta(days=gap)
        if FIRST_DOB <= day <= LAST_DOB:
            return day


def children(n: int, seed: int) -> list[Child]:
    rng = random.Random(f"children:{seed}")
    out: list[Child] = []
    household = 0
    while len(out) < n:
        household += 1
        size = rng.choices([s for s, _ in HOUSEHOLD_SIZES], [w for _, w in HOUSEHOLD_SIZES])[0]
        surname, _ = _surname(rng)
        line1, town, postcode = _address(rng)
        twins = rng.random() < P_TWINS
        step = size >= 2 and rng.random() < P_STEP_FAMILY
        used: set[str] = set()
        first_dob = _dob(rng)
        dobs = [first_dob] + [_dob(rng, first_dob) for _ in range(size - 1)]
        if twins:
            dobs.append(first_dob)
        for i, dob in enumerate(dobs):
            gender = rng.choice("MF")
            forename = _forename(rng, gender, used)
            used.add(forename)
            own_surname = surname
            if step and i == len(dobs) - 1 and not (twins and i > 0 and dob == first_dob):
                own_surname, _ = _surname(rng)
            former = ""
            if rng.random() < P_FORMER_SURNAME:
                former, _ = _surname(rng)
                while former == own_surname:
                    former, _ = _surname(rng)
            out.append(Child(f"LA{seed}-{len(out) + 1:07d}", household, forename, _middle(rng, gender, forename),
                             own_surname, former, dob, gender, line1, town, postcode))
    return out[:n]


# --- errors: each returns the changed query fields, or None when the child has no such error to make.

def _title(s: str) -> str:
    return s[:1].upper() + s[1:]


def _typo(rng: random.Random, name: str) -> str:
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    out = list(name.lower())
    if rng.random() < 0.2:
        at = rng.randint(1, len(out))
        out.insert(at, rng.choice("abcdefghijklmnopqrstuvwxyz"))
    else:
        for i in rng.sample(letters, 2 if rng.random() < 0.25 and len(letters) >= 5 else 1):
            ch = out[i]
            options = KEYBOARD.get(ch, "aeiou").replace(ch, "") or "e"
            out[i] = rng.choice(options)
    return _title("".join(out))


def _transpose(rng: random.Random, name: str) -> str | None:
    pairs = [i for i in range(len(name) - 1)
             if name[i].isalpha() and name[i + 1].isalpha() and name[i].lower() != name[i + 1].lower()]
    if not pairs:
        return None
    i = rng.choice(pairs)
    s = name.lower()
    return _title(s[:i] + s[i + 1] + s[i] + s[i + 2:])


def _drop(rng: random.Random, name: str) -> str | None:
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    if len(letters) < 4:
        return None
    i = rng.choice(letters[1:])     # the first letter is rarely lost
    s = name.lower()
    return _title(s[:i] + s[i + 1:])


def _mc_mac(rng: random.Random, surname: str) -> str | None:
    for prefix, other in (("Mac", "Mc"), ("Mc", "Mac")):
        if surname.startswith(prefix) and surname[len(prefix):][:1].isupper():
            rest = surname[len(prefix):]
            return rng.choice((other + rest, f"{prefix} {rest}"))
    return None


def _apostrophe_space(rng: random.Random, surname: str) -> str | None:
    if "'" in surname:
        head, tail = surname.split("'", 1)
        return rng.choice((head + tail, f"{head} {tail}"))
    if " " in surname and surname in names.SPACED:
        return rng.choice((surname.replace(" ", ""), surname.replace(" ", "-")))
    return None


def _hyphen_part(rng: random.Random, surname: str) -> str | None:
    if surname in names.SPACED or "'" in surname:
        return None
    parts = surname.replace("-", " ").split()
    return rng.choice(parts) if len(parts) == 2 else None


def _dob_digit(rng: random.Random, dob: dt.date) -> dt.date | None:
    text = dob.isoformat()
    positions = [2, 3, 5, 6, 8, 9]
    for _ in range(40):
        i = rng.choice(positions)
        digit = rng.choice([d for d in "0123456789" if d != text[i]])
        try:
            got = dt.date.fromisoformat(text[:i] + digit + text[i + 1:])
        except ValueError:
            continue
        if abs((got - dob).days) > 1 and got != _swap(dob) and dt.date(2000, 1, 1) <= got <= dt.date(2029, 12, 31):
            return got
    return None


def _swap(dob: dt.date) -> dt.date | None:
    if dob.day > 12 or dob.day == dob.month:
        return None
    return dob.replace(month=dob.day, day=dob.month)


def _error(rng: random.Random, kind: str, c: Child, all_surnames: list[str]) -> dict | None:
    if kind == "none":
        return {}
    if kind.startswith(("typo_", "transpose_", "drop_")):
        how, field = kind.split("_")
        name = getattr(c, field)
        got = {"typo": _typo, "transpose": _transpose, "drop": _drop}[how](rng, name)
        return None if got is None or got.lower() == name.lower() else {field: got}
    if kind == "swap_names":
        return None if c.forename == c.surname else {"forename": c.surname, "surname": c.forename}
    if kind == "surname_in_forename":
        return {"forename": f"{c.forename} {c.surname}"}
    if kind == "forename_with_middle":
        return {"forename": f"{c.forename} {c.middle_names}"} if c.middle_names else None
    if kind == "middle_as_forename":
        return {"forename": c.middle_names.split()[0]} if c.middle_names else None
    if kind == "new_surname":
        new = rng.choice(all_surnames)
        return None if new in (c.surname, c.former_surname) or new in c.surname else {"surname": new}
    if kind == "previous_surname":
        return {"surname": c.former_surname} if c.former_surname else None
    if kind in ("hyphen_part", "mc_mac", "apostrophe_space"):
        got = {"hyphen_part": _hyphen_part, "mc_mac": _mc_mac, "apostrophe_space": _apostrophe_space}[kind](
            rng, c.surname)
        return None if got is None else {"surname": got}
    if kind == "dob_swap":
        got = _swap(c.dob)
        return None if got is None else {"dob": got}
    if kind == "dob_digit":
        got = _dob_digit(rng, c.dob)
        return None if got is None else {"dob": got}
    if kind == "dob_off_by_one":
        return {"dob": c.dob + dt.timedelta(days=rng.choice((-1, 1)))}
    if kind == "gender_missing":
        return {"gender": ""}
    if kind == "moved":
        _, _, postcode = _address(rng)
        return None if postcode == c.postcode else {"postcode": postcode}
    raise ValueError(kind)


def _counts(n: int) -> dict[str, int]:
    """Queries of each type: the shares of ERROR_RATES, rounded by largest remainder."""
    exact = {k: r * n for k, r in ERROR_RATES.items()}
    got = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: got[k] - exact[k])[: n - sum(got.values())]:
        got[k] += 1
    return got


def queries(kids: list[Child], n: int, seed: int) -> list[Query]:
    rng = random.Random(f"queries:{seed}")
    all_surnames = sorted({c.surname for c in kids} | set(SURNAMES.items))
    made: list[Query] = []
    for kind, count in _counts(n).items():
        got = 0
        order = list(range(len(kids)))
        rng.shuffle(order)
        for i in order:
            if got == count:
                break
            c = kids[i]
            change = _error(rng, kind, c, all_surnames)
            if change is None:
                continue
            base = Query("", c.record_id, kind, c.forename, c.surname, c.dob, c.gender, c.postcode)
            made.append(replace(base, **change))
            got += 1
    rng.shuffle(made)
    return [replace(q, query_id=f"Q{seed}-{i + 1:06d}") for i, q in enumerate(made)]


def generate(n_children: int, n_queries: int, seed: int) -> tuple[list[Child], list[Query]]:
    kids = children(n_children, seed)
    return kids, queries(kids, n_queries, seed)


def write(directory: Path, kids: list[Child], qs: list[Query]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "existing.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for c in kids:
            w.writerow([c.dob.isoformat() if col == "dob" else getattr(c, col) for col in CSV_COLUMNS])
    with open(directory / "queries.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(QUERY_COLUMNS)
        for q in qs:
            w.writerow([q.dob.isoformat() if col == "dob" else getattr(q, col) for col in QUERY_COLUMNS])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.perf.search.corpus", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--children", type=int, default=20_000)
    p.add_argument("--queries", type=int, default=2_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    kids, qs = generate(args.children, args.queries, args.seed)
    write(args.out, kids, qs)
    print(f"{len(kids)} children, {len(qs)} queries in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
