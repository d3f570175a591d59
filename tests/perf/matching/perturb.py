"""Rows and perturbations for the synthetic matching data set (see synthetic.py).

Turns `index.demo_data.DemoChild` records into canonical census CSV rows (dicts of
strings, '' = not supplied) and applies the named perturbations to incoming rows.
Every function takes its `random.Random` explicitly, so output is deterministic.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from typing import Callable

from index import demo_names as N
from index.demo_data import DEFAULT_TODAY, DemoChild, school_year_group
from matching.identifiers import UPN_ALPHABET, upn_check_letter

COLUMNS = (
    "record_id", "upn", "former_upn", "uln", "nhs_number", "forename", "middle_names",
    "surname", "preferred_forename", "preferred_surname", "former_surname", "dob", "gender",
    "address_line1", "address_line2", "town", "postcode",
    "carer1_forename", "carer1_surname", "carer1_relationship",
    "carer1_parental_responsibility", "carer1_phone",
    "carer2_forename", "carer2_surname", "carer2_relationship",
    "carer2_parental_responsibility", "carer2_phone",
)

# --- Row-level rates (the design-level shares are in synthetic.py) ------------------
P_RELATIONSHIP_CODE = 0.25      # a row gives carer relationships as CBDS codes (PAM), not words
INCOMING_P_DMY = 0.05           # incoming dob written DD/MM/YYYY instead of YYYY-MM-DD
INCOMING_P_POSTCODE_RAW = 0.05  # incoming postcode lower case without the space
INCOMING_P_ONE_CARER = 0.10     # incoming row keeps only its first carer
INCOMING_P_NO_CARERS = 0.04     # incoming row gives no carers (unlabelled background)
INCOMING_P_PHONE_CHANGED = 0.10  # each incoming carer's phone number changed
P_MOVE_SAME_TOWN = 0.6          # a house move stays in the same town when possible

RELATIONSHIP_WORDS = {
    "PAM": "Mother", "PAF": "Father", "STF": "Stepfather", "STM": "Stepmother",
    "FOM": "Foster carer", "FOF": "Foster carer", "REL": "Grandparent",
    "FAM": "Relative", "CAR": "Carer",
}
GENDER = {"male": "M", "female": "F"}    # anything else: U

# Spelling variants on top of demo_names.NICKNAMES (both used by the 'nickname' kind).
SPELLING_VARIANTS: dict[str, tuple[str, ...]] = {
    "Muhammad": ("Mohammed", "Mohammad", "Mohamed"), "Mohammed": ("Muhammad", "Mohammad"),
    "Mohammad": ("Muhammad", "Mohammed"), "Sophia": ("Sofia",), "Sofia": ("Sophia",),
    "Isabelle": ("Isabel", "Isobel"), "Isabel": ("Isabelle", "Isobel"), "Freddie": ("Freddy",),
    "Elliot": ("Elliott",), "Elliott": ("Elliot",), "Layla": ("Leila", "Laila"),
    "Leila": ("Layla",), "Aisha": ("Ayesha",), "Maya": ("Maia", "Mya"), "Jayden": ("Jaden",),
    "Zachary": ("Zachery",), "Matthew": ("Mathew",), "Katie": ("Katy",), "Lily": ("Lilly",),
    "Lilly": ("Lily",), "Millie": ("Milly",), "Mollie": ("Molly",), "Molly": ("Mollie",),
    "Hollie": ("Holly",), "Holly": ("Hollie",), "Harvey": ("Harvie",),
    "Zoe": ("Zoë",), "Chloe": ("Chloë",), "Ellie": ("Elly",), "Rosie": ("Rosy",),
    "Louie": ("Louis",), "Reuben": ("Ruben",), "Isaac": ("Issac",), "Jakub": ("Jacob",),
}


# --- Names and dates --------------------------------------------------------------

class Picker:
    """Weighted choice from (name, weight) pairs."""

    def __init__(self, pairs):
        self.names = [name for name, _w in pairs]
        self.cum = list(accumulate(w for _n, w in pairs))

    def pick(self, rng: random.Random) -> str:
        return self.names[bisect(self.cum, rng.random() * self.cum[-1])]


BOYS = Picker(N.BOY_FORENAMES)
GIRLS = Picker(N.GIRL_FORENAMES)
GROUP_BOYS = {g: Picker(v) for g, v in N.GROUP_BOY_FORENAMES.items()}
GROUP_GIRLS = {g: Picker(v) for g, v in N.GROUP_GIRL_FORENAMES.items()}
SURNAMES = Picker([(s, w) for s, w, _g in N.SURNAMES])
SURNAME_GROUP = {s: g for s, _w, g in N.SURNAMES}


def age_on(dob: date, today: date = DEFAULT_TODAY) -> int:
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def id_class(dob: date) -> tuple[bool, bool]:
    """(of school age so has a UPN, aged 14+ so has a ULN) in demo_data's rules."""
    return 0 <= school_year_group(dob, DEFAULT_TODAY) <= 13, age_on(dob) >= 14


def forename_for(sex: str, surname: str, rng: random.Random, avoid: set[str]) -> str:
    """A forename for `sex`, from the surname's cultural group table 75% of the time."""
    group = SURNAME_GROUP.get(surname.split("-")[0], "")
    general, special = (BOYS, GROUP_BOYS.get(group)) if sex == "male" else (GIRLS, GROUP_GIRLS.get(group))
    name = ""
    for _ in range(20):
        table = special if special is not None and rng.random() < 0.75 else general
        name = table.pick(rng)
        if name not in avoid:
            return name
    return name + "a" if name + "a" not in avoid else name + "ah"


def name_variants(forename: str) -> tuple[str, ...]:
    return N.NICKNAMES.get(forename, ()) + SPELLING_VARIANTS.get(forename, ())


def typo(name: str, rng: random.Random) -> str:
    """One insertion, deletion, substitution or transposition of a letter."""
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    if len(letters) < 3:
        return name
    op = rng.choice(("insert", "delete", "substitute", "transpose"))
    i = rng.choice(letters)
    ch = chr(97 + rng.randrange(26))
    if op == "transpose" and i + 1 < len(name) and name[i + 1].isalpha() and name[i] != name[i + 1]:
        a, b = (name[i + 1].upper(), name[i].lower()) if i == 0 else (name[i + 1], name[i])
        return name[:i] + a + b + name[i + 2:]
    if op == "insert":
        return (ch.upper() + name[0].lower() + name[1:]) if i == 0 else name[:i] + ch + name[i:]
    if op == "delete" or op == "transpose":
        rest = name[:i] + name[i + 1:]
        return rest[0].upper() + rest[1:] if i == 0 else rest
    return name[:i] + (ch.upper() if i == 0 else ch) + name[i + 1:]


def dob_text(d: date, dmy: bool = False) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}" if dmy else d.isoformat()


# --- Identifiers ------------------------------------------------------------------

class TempUpns:
    """New temporary UPNs that cannot collide with demo_data's: establishment numbers
    9000-9999 (demo_data uses 2000-7999), serial = counter."""

    def __init__(self):
        self.count = 0

    def next(self, la: str, yy: int = DEFAULT_TODAY.year % 100) -> str:
        c = self.count
        self.count += 1
        serial = c % 2300
        estab = 9000 + (c // 2300) % 1000
        body = f"{la}{estab:04d}{yy:02d}{serial // 23:02d}{UPN_ALPHABET[serial % 23]}"
        return upn_check_letter(body) + body


# --- Rows -------------------------------------------------------------------------

def _carer_cells(row: dict[str, str], carers, rng: random.Random) -> None:
    codes = rng.random() < P_RELATIONSHIP_CODE
    for n, c in enumerate(carers[:2], start=1):
        p = f"carer{n}_"
        row[p + "forename"] = c.forename
        row[p + "surname"] = c.surname
        row[p + "relationship"] = c.relationship if codes else RELATIONSHIP_WORDS.get(c.relationship, "Carer")
        row[p + "parental_responsibility"] = "Y" if c.parental_responsibility else "N"
        row[p + "phone"] = c.phone or ""


def child_row(child: DemoChild, rng: random.Random, *, upn: str = "", former_upn: str = "",
              uln: str = "", nhs: str = "", carers=None) -> dict[str, str]:
    """A census row for `child` with the identifiers given (record_id left '')."""
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        upn=upn, former_upn=former_upn, uln=uln, nhs_number=nhs, forename=child.forename,
        middle_names=child.middle_names or "", surname=child.surname,
        preferred_forename=child.preferred_forename or "",
        preferred_surname=child.preferred_surname or "",
        former_surname=child.former_surnames[0] if child.former_surnames else "",
        dob=dob_text(child.dob), gender=GENDER.get(child.sex, "U"),
        address_line1=child.address_line1 or "", address_line2=child.address_line2 or "",
        town=child.town or "", postcode=child.postcode or "")
    _carer_cells(row, child.carers if carers is None else carers, rng)
    return row


def clear_carer(row: dict[str, str], n: int) -> None:
    for key in ("forename", "surname", "relationship", "parental_responsibility", "phone"):
        row[f"carer{n}_{key}"] = ""


def incoming_noise(row: dict[str, str], rng: random.Random) -> None:
    """Unlabelled background differences of a later census: carers, formats."""
    r = rng.random()
    if r < INCOMING_P_NO_CARERS:
        clear_carer(row, 1)
        clear_carer(row, 2)
    elif r < INCOMING_P_NO_CARERS + INCOMING_P_ONE_CARER:
        clear_carer(row, 2)
    for n in (1, 2):
        if row[f"carer{n}_phone"] and rng.random() < INCOMING_P_PHONE_CHANGED:
            row[f"carer{n}_phone"] = f"07700 900{rng.randrange(1000):03d}"
    if rng.random() < INCOMING_P_DMY:
        row["dob"] = dob_text(date.fromisoformat(row["dob"]), dmy=True)
    if row["postcode"] and rng.random() < INCOMING_P_POSTCODE_RAW:
        row["postcode"] = row["postcode"].replace(" ", "").lower()


# --- Perturbations of matched incoming rows ----------------------------------------

class AddressRing:
    """The last `size` household addresses seen, for house moves."""

    def __init__(self, size: int = 2000):
        self.size = size
        self.items: list[tuple[str, str, str, str]] = []
        self.next = 0

    def add(self, child: DemoChild) -> None:
        if not child.postcode:
            return
        item = (child.address_line1 or "", child.address_line2 or "", child.town or "", child.postcode)
        if len(self.items) < self.size:
            self.items.append(item)
        else:
            self.items[self.next] = item
            self.next = (self.next + 1) % self.size

    def move(self, row: dict[str, str], rng: random.Random) -> tuple[str, str, str, str] | None:
        items = [a for a in self.items if a[3] != row["postcode"] and a[0] != row["address_line1"]]
        if not items:
            return None
        if rng.random() < P_MOVE_SAME_TOWN:
            same = [a for a in rng.sample(items, min(30, len(items))) if a[2] == row["town"]]
            if same:
                return same[0]
        return items[int(rng.random() * len(items))]


@dataclass
class Context:
    child: DemoChild
    rng: random.Random
    avoid: set[str]                  # forenames of siblings: never produce one of them
    ring: AddressRing
    temp_upns: TempUpns
    touched: set[str] = field(default_factory=set)   # fields already perturbed


def _typo_forename(row, ctx) -> bool:
    new = typo(row["forename"], ctx.rng)
    if new == row["forename"] or new in ctx.avoid:
        return False
    row["forename"] = new
    return True


def _typo_surname(row, ctx) -> bool:
    new = typo(row["surname"], ctx.rng)
    if new == row["surname"]:
        return False
    row["surname"] = new
    return True


def _nickname(row, ctx) -> bool:
    options = [v for v in name_variants(row["forename"]) if v not in ctx.avoid]
    if not options:
        return False
    row["forename"] = ctx.rng.choice(options)
    return True


def _preferred_as_forename(row, ctx) -> bool:
    pref = row["preferred_forename"]
    if not pref or pref in ctx.avoid:
        return False
    row["forename"], row["preferred_forename"] = pref, ""
    return True


def _surname_change(row, ctx) -> bool:
    old = row["surname"]
    carer_names = [row[k] for k in ("carer1_surname", "carer2_surname") if row[k] and row[k] != old]
    new = ctx.rng.choice(carer_names) if carer_names and ctx.rng.random() < 0.6 else SURNAMES.pick(ctx.rng)
    if new == old:
        return False
    row["surname"], row["former_surname"], row["preferred_surname"] = new, old, ""
    return True


def _hyphen_part(row, ctx) -> bool:
    parts = [p for p in row["surname"].split("-") if p]
    if len(parts) < 2:
        return False
    row["surname"] = ctx.rng.choice(parts)
    return True


def _dob_swap(row, ctx) -> bool:
    d = date.fromisoformat(row["dob"])
    if d.day > 12 or d.day == d.month:
        return False
    swapped = date(d.year, d.day, d.month)
    if swapped > DEFAULT_TODAY:
        return False
    row["dob"] = swapped.isoformat()
    return True


def _dob_digit(row, ctx) -> bool:
    d = date.fromisoformat(row["dob"])
    text = row["dob"]
    for _ in range(30):
        i = ctx.rng.choice((2, 3, 5, 6, 8, 9))
        new_text = text[:i] + str(ctx.rng.randrange(10)) + text[i + 1:]
        try:
            new = date.fromisoformat(new_text)
        except ValueError:
            continue
        if (new != d and new <= DEFAULT_TODAY and abs(new.toordinal() - d.toordinal()) > 1
                and (new.month, new.day) != (d.day, d.month)):
            row["dob"] = new_text
            return True
    return False


def _dob_off_by_one(row, ctx) -> bool:
    d = date.fromisoformat(row["dob"]) + timedelta(days=ctx.rng.choice((-1, 1)))
    if d > DEFAULT_TODAY:
        d -= timedelta(days=2)
    row["dob"] = d.isoformat()
    return True


def _moved(row, ctx) -> bool:
    new = ctx.ring.move(row, ctx.rng)
    if new is None:
        return False
    row["address_line1"], row["address_line2"], row["town"], row["postcode"] = new
    return True


def _missing_fields(row, ctx) -> bool:
    fields = ctx.rng.sample(("gender", "postcode", "carers", "middle_names"), ctx.rng.randint(1, 3))
    for name in fields:
        if name == "carers":
            clear_carer(row, 1)
            clear_carer(row, 2)
        else:
            row[name] = ""
    return True


def _new_temp_upn(row, ctx) -> bool:
    if not ctx.child.upn:
        return False
    row["upn"], row["former_upn"] = ctx.temp_upns.next(ctx.child.la_code), ""
    return True


# name -> (field it touches: at most one perturbation per field, function)
PERTURBATIONS: dict[str, tuple[str, Callable[[dict, Context], bool]]] = {
    "typo_forename": ("forename", _typo_forename),
    "typo_surname": ("surname", _typo_surname),
    "nickname": ("forename", _nickname),
    "preferred_as_forename": ("forename", _preferred_as_forename),
    "surname_change": ("surname", _surname_change),
    "hyphen_part": ("surname", _hyphen_part),
    "dob_swap": ("dob", _dob_swap),
    "dob_digit": ("dob", _dob_digit),
    "dob_off_by_one": ("dob", _dob_off_by_one),
    "moved": ("address", _moved),
    "missing_fields": ("missing", _missing_fields),
    "new_temp_upn": ("upn", _new_temp_upn),
}


def perturb(row: dict[str, str], ctx: Context, names: list[str], limit: int | None = None) -> list[str]:
    """Apply the named perturbations in order, skipping those that do not fit this
    row or touch a field already perturbed, until `limit` applied; return those applied."""
    done: list[str] = []
    for name in names:
        if limit is not None and len(done) >= limit:
            break
        fld, fn = PERTURBATIONS[name]
        if fld not in ctx.touched and fn(row, ctx):
            done.append(name)
            ctx.touched.add(fld)
    return done


def weighted_order(weights: dict[str, float], rng: random.Random) -> list[str]:
    """All names in a random order where heavier names tend to come first
    (Efraimidis-Spirakis keys), so that perturb(..., limit=k) picks k by weight."""
    keys = [(rng.random() ** (1.0 / w), name) for name, w in weights.items() if w > 0]
    return [name for _k, name in sorted(keys, reverse=True)]
