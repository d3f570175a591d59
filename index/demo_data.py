"""Synthetic demo data for the index: local authorities, organisations and children.

Pure and deterministic: no I/O, no database; the stdlib ``random`` module seeded
from ``seed``, and a fixed ``today`` (default 1 September 2026). Children are
produced household by household from an iterator, so a million of them never sit
in memory at once.

Identifiers are made to pass ``matching.identifiers``: UPNs (permanent and a few
temporary, with former temporary UPNs), ULNs for ages 14+, NHS numbers always in
the 999 test range and unique, postcodes in each LA's postcode districts. Phone
numbers come only from Ofcom's drama ranges and e-mail addresses only use
example.org (organisations) and example.com (carers).

NHS numbers: the 999 range holds only 909,091 valid numbers (one prefix in eleven
has check digit 10 and is never issued). Up to ~880,000 children every child gets
one; above that a share of children (spread evenly, like children not yet traced
to an NHS number) gets ``nhs_number=None`` so that the numbers stay unique and in
the test range.
"""

from __future__ import annotations

import random
import re
import unicodedata
from bisect import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterator, Sequence

from matching.identifiers import LA_CODES, nhs_check_digit, upn_check_letter

from index import demo_names as N

__all__ = [
    "DemoLA", "DemoOrg", "DemoCarer", "DemoInvolvement", "DemoChild", "generate",
    "DEFAULT_TODAY", "ORG_KINDS", "SENSITIVE_KINDS", "INDICATORS", "school_year_group",
    "NHS_TEST_RANGE_CAPACITY",
]

DEFAULT_TODAY = date(2026, 9, 1)

ORG_KINDS = (
    "school", "gp", "health_visiting", "social_care", "youth_justice", "connexions",
    "sexual_health", "mental_health", "substance_misuse",
)
SENSITIVE_KINDS = ("sexual_health", "mental_health", "substance_misuse")
INDICATORS = ("has_information", "taking_action", "assessment_completed", "lead_professional")

# Valid NHS numbers in 999 000 0000 - 999 999 9999 (prefixes whose check digit is not 10).
NHS_TEST_RANGE_CAPACITY = 909_091
_NHS_SAFE_LIMIT = int(NHS_TEST_RANGE_CAPACITY * 0.97)

# Letters allowed in a temporary UPN's 13th position (no I, O, S).
_UPN_TEMP_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


# ---------------------------------------------------------------------------
# Public records
# ---------------------------------------------------------------------------

@dataclass(slots=True)
class DemoLA:
    code: str
    name: str


@dataclass(slots=True)
class DemoOrg:
    code: str
    kind: str
    name: str
    la_code: str
    urn: str | None
    laestab: str | None
    ods_code: str | None
    phone: str
    email: str
    address_line1: str
    town: str
    postcode: str


@dataclass(slots=True)
class DemoCarer:
    forename: str
    surname: str
    relationship: str
    parental_responsibility: bool
    phone: str | None
    email: str | None


@dataclass(slots=True)
class DemoInvolvement:
    org_code: str
    contact_name: str
    contact_phone: str
    contact_email: str
    start_date: date
    end_date: date | None
    indicators: list[str]


@dataclass(slots=True)
class DemoChild:
    index: int
    household: int
    forename: str
    middle_names: str | None
    surname: str
    preferred_forename: str | None
    preferred_surname: str | None
    former_surnames: list[str]
    sex: str
    dob: date
    address_line1: str | None
    address_line2: str | None
    town: str | None
    postcode: str | None
    address_state: str
    la_code: str
    upn: str | None
    former_upns: list[str]
    uln: str | None
    nhs_number: str | None
    carers: list[DemoCarer]
    involvements: list[DemoInvolvement]
    twin_of: int | None


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

class _Weighted:
    """Weighted choice by bisect over precomputed cumulative weights."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs: Sequence[tuple[object, float]]):
        items, cum, total = [], [], 0.0
        for item, weight in pairs:
            if weight <= 0:
                continue
            total += weight
            items.append(item)
            cum.append(total)
        if not items:
            raise ValueError("no items with positive weight")
        self.items = items
        self.cum = cum
        self.total = total

    def pick(self, rnd) -> object:
        return self.items[bisect(self.cum, rnd() * self.total)]


_slug_cache: dict[str, str] = {}


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _slug(text: str) -> str:
    """'St Mary's C of E Primary School' -> 'st-marys-c-of-e-primary-school'."""
    s = _ascii(text).lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def _local(text: str) -> str:
    """E-mail local-part fragment for a name: 'O'Brien' -> 'obrien', 'Zoë' -> 'zoe'."""
    got = _slug_cache.get(text)
    if got is None:
        got = re.sub(r"[^a-z0-9]+", "", _ascii(text).lower())
        _slug_cache[text] = got
    return got


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def school_year_group(dob: date, today: date) -> int:
    """National curriculum year group on `today` (0 = reception, 13 = year 13).

    Negative: not yet in reception; above 13: past school age."""
    academic_year = today.year if (today.month, today.day) >= (9, 1) else today.year - 1
    cohort = dob.year + 1 if dob.month >= 9 else dob.year
    return academic_year - cohort - 4


def _coprime_multiplier(rng: random.Random, modulus: int, factors: tuple[int, ...]) -> int:
    while True:
        a = rng.randrange(modulus // 3, modulus - 1)
        if all(a % f for f in factors):
            return a


class _NhsAllocator:
    """Unique NHS numbers in the 999 test range: an affine permutation of the
    10**6 nine-digit prefixes 999000000..999999999, skipping never-issued ones."""

    __slots__ = ("a", "b", "i")

    def __init__(self, rng: random.Random):
        self.a = _coprime_multiplier(rng, 10**6, (2, 5))
        self.b = rng.randrange(10**6)
        self.i = 0

    def next(self) -> str | None:
        a, b, i = self.a, self.b, self.i
        while i < 1_000_000:
            first9 = "999%06d" % ((a * i + b) % 1_000_000)
            i += 1
            check = nhs_check_digit(first9)
            if check is not None:
                self.i = i
                return first9 + str(check)
        self.i = i
        return None


class _UlnAllocator:
    """Unique ULNs: an affine permutation of the 9-digit prefixes 100000000..999999999,
    with the last digit that makes the weighted sum (10..1) = 10 mod 11."""

    __slots__ = ("a", "b", "i")

    _MOD = 900_000_000

    def __init__(self, rng: random.Random):
        self.a = _coprime_multiplier(rng, self._MOD, (2, 3, 5))
        self.b = rng.randrange(self._MOD)
        self.i = 0

    def next(self) -> str:
        a, b, i, mod = self.a, self.b, self.i, self._MOD
        while True:
            prefix = "%09d" % (100_000_000 + (a * i + b) % mod)
            i += 1
            total = 0
            w = 10
            for c in prefix:
                total += (ord(c) - 48) * w
                w -= 1
            last = (10 - total) % 11
            if last != 10:
                self.i = i
                return prefix + str(last)


class _UpnAllocator:
    """Unique UPNs: a serial counter per (LA, establishment, year, temporary)."""

    __slots__ = ("counters",)

    def __init__(self):
        self.counters: dict[tuple[str, str, int, bool], int] = {}

    def next(self, la: str, estab: str, yy: int, temporary: bool) -> str:
        counters = self.counters
        cap = 100 * 23 if temporary else 999
        while True:
            key = (la, estab, yy, temporary)
            c = counters.get(key, 0)
            if c < cap:
                break
            estab = "%04d" % ((int(estab) + 1) % 10_000)  # full: next establishment number
        counters[key] = c + 1
        if temporary:
            body = "%s%s%02d%02d%s" % (la, estab, yy, c // 23, _UPN_TEMP_LETTERS[c % 23])
        else:
            body = "%s%s%02d%03d" % (la, estab, yy, c + 1)
        return upn_check_letter(body) + body


# ---------------------------------------------------------------------------
# Internal world model
# ---------------------------------------------------------------------------

@dataclass(slots=True)
class _Street:
    name: str
    locality: str
    post_town: str
    postcodes: tuple[str, ...]
    max_no: int


@dataclass(slots=True)
class _School:
    code: str
    estab: str
    phase: str           # 'primary' | 'secondary'
    town: str
    contact: tuple[str, str, str]


@dataclass(slots=True)
class _LAModel:
    code: str
    name: str
    share: float
    phone_prefix: str
    urban: bool
    towns: list[tuple[str, str, float, tuple[str, ...]]]
    streets: list[_Street]
    town_streets: dict[str, list[_Street]]
    primaries: list[_School]
    secondaries: list[_School]
    town_primaries: dict[str, list[_School]]
    town_secondaries: dict[str, list[_School]]
    gps: list[str]
    town_gps: dict[str, list[str]]
    services: dict[str, str]   # kind -> org code


_HOUSEHOLD_SIZES = _Weighted([(1, 22), (2, 40), (3, 23), (4, 15)])
_CARER_SETUPS = _Weighted([
    ("two_parents", 58), ("single_mother", 24), ("single_father", 3),
    ("mother_stepfather", 6), ("father_stepmother", 1.5), ("foster", 2),
    ("kinship", 3), ("other_carer", 2.5),
])
_ADDRESS_STATES = _Weighted([
    ("known", 96.5), ("last_known", 2.4), ("no_fixed_abode", 0.6), ("left_england", 0.5),
])

_P_TWIN_BIRTH = 0.015
_P_SIMILAR_TWIN_NAMES = 0.25
_P_HYPHENATED = 0.03
_P_PREFERRED_FORENAME = 0.05
_P_NOT_SPECIFIED = 0.001

_SERVICE_NAMES = {
    "health_visiting": ("HV", "{la} Health Visiting Service"),
    "social_care": ("CSC", "{la} Children's Social Care"),
    "youth_justice": ("YJ", "{la} Youth Justice Service"),
    "connexions": ("CX", "{la} Connexions"),
    "sexual_health": ("SH", "{la} Young People's Sexual Health Service"),
    "mental_health": ("MH", "{la} Child and Adolescent Mental Health Service"),
    "substance_misuse": ("SM", "{la} Young People's Substance Misuse Service"),
}
_SERVICE_MAILBOX = "team"


class _World:
    def __init__(self, n_children: int, seed: int, today: date):
        self.n = n_children
        self.seed = seed
        self.today = today
        self.today_ord = today.toordinal()
        rng = random.Random(f"isindex-demo-orgs:{seed}")
        self.rng = rng
        rnd = rng.random

        self.boys = _Weighted(N.BOY_FORENAMES)
        self.girls = _Weighted(N.GIRL_FORENAMES)
        self.group_boys = {g: _Weighted(v) for g, v in N.GROUP_BOY_FORENAMES.items()}
        self.group_girls = {g: _Weighted(v) for g, v in N.GROUP_GIRL_FORENAMES.items()}
        self.adult_f = _Weighted(N.ADULT_FEMALE_FORENAMES)
        self.adult_m = _Weighted(N.ADULT_MALE_FORENAMES)
        self.surnames = _Weighted([((s, g), w) for s, w, g in N.SURNAMES])
        self.street_types = _Weighted(N.STREET_TYPES)

        total_w = sum(la["weight"] for la in N.LOCAL_AUTHORITIES)
        self.las: list[DemoLA] = []
        self.orgs: list[DemoOrg] = []
        self.models: list[_LAModel] = []
        self.contacts: dict[str, list[tuple[str, str, str]]] = {}

        n_schools_total = n_children / 400
        n_gps_total = n_children / 1500
        est_households = max(1.0, n_children / 1.9)
        urn = 100_000 + rng.randrange(20_000)

        for spec in N.LOCAL_AUTHORITIES:
            code = spec["code"]
            if code not in LA_CODES:
                raise ValueError(f"demo LA code {code} is not in LA_CODES")
            share = spec["weight"] / total_w
            towns = list(spec["towns"])
            town_w = _Weighted([(t, t[2]) for t in towns])
            la = _LAModel(code=code, name=spec["name"], share=share,
                          phone_prefix=spec["phone"],
                          urban=code in ("330", "341", "302"),
                          towns=towns, streets=[], town_streets={}, primaries=[],
                          secondaries=[], town_primaries={}, town_secondaries={},
                          gps=[], town_gps={}, services={})
            self.las.append(DemoLA(code=code, name=spec["name"]))
            self.models.append(la)

            # Streets: about 12 households per street, each with 1-3 postcodes.
            n_streets = max(6 * len(towns), round(est_households * share / 12))
            tw_total = sum(t[2] for t in towns)
            for locality, post_town, tw, outwards in towns:
                k = max(3, round(n_streets * tw / tw_total))
                seen: set[str] = set()
                lst: list[_Street] = []
                for _ in range(k):
                    for _try in range(6):
                        name = f"{rng.choice(N.STREET_WORDS)} {self.street_types.pick(rnd)}"
                        if name not in seen:
                            break
                    seen.add(name)
                    n_pc = 1 + (rnd() < 0.4) + (rnd() < 0.15)
                    pcs = tuple(self._postcode(rng, outwards) for _ in range(n_pc))
                    lst.append(_Street(name, locality, post_town, pcs, rng.randint(8, 160)))
                la.town_streets[locality] = lst
                la.streets.extend(lst)

            # Schools: ~n/400 overall, at least one primary and one secondary per LA.
            n_sch = max(2, round(n_schools_total * share))
            n_sec = max(1, round(n_sch * 0.18))
            n_pri = max(1, n_sch - n_sec)
            names_used: set[str] = set()
            for phase, count, first_estab in (("primary", n_pri, 2001), ("secondary", n_sec, 4001)):
                for i in range(count):
                    urn += rng.randint(1, 40)
                    estab = _estab_number(first_estab, i)
                    town = town_w.pick(rnd)
                    name = self._school_name(rng, phase, town, names_used)
                    laestab = code + estab
                    street = rng.choice(la.town_streets[town[0]])
                    phone = self._phone(rng, la.phone_prefix)
                    email = f"office@{_slug(name)}.example.org"
                    org = DemoOrg(code=laestab, kind="school", name=name, la_code=code,
                                  urn=str(urn), laestab=laestab, ods_code=None,
                                  phone=phone, email=email,
                                  address_line1=f"{rng.randint(1, street.max_no)} {street.name}",
                                  town=street.post_town, postcode=street.postcodes[0])
                    self.orgs.append(org)
                    dsl = f"{self._adult_name(rng)}"
                    school = _School(code=laestab, estab=estab, phase=phase, town=town[0],
                                     contact=(dsl, phone, email))
                    self.contacts[laestab] = [school.contact]
                    if phase == "primary":
                        la.primaries.append(school)
                        la.town_primaries.setdefault(town[0], []).append(school)
                    else:
                        la.secondaries.append(school)
                        la.town_secondaries.setdefault(town[0], []).append(school)

            # GP practices: ~n/1500 overall, at least one per LA.
            n_gp = max(1, round(n_gps_total * share))
            prefixes = N.GP_ODS_PREFIX[code]
            gp_names: set[str] = set()
            for i in range(n_gp):
                prefix = prefixes[(i // 999) % len(prefixes)]
                ods = f"{prefix}{(i % 999) + 1:03d}"
                town = town_w.pick(rnd)
                name = self._gp_name(rng, town, gp_names)
                street = rng.choice(la.town_streets[town[0]])
                phone = self._phone(rng, la.phone_prefix)
                slug = _slug(name)
                email = f"office@{slug}.example.org"
                self.orgs.append(DemoOrg(
                    code=ods, kind="gp", name=name, la_code=code, urn=None, laestab=None,
                    ods_code=ods, phone=phone, email=email,
                    address_line1=f"{rng.randint(1, street.max_no)} {street.name}",
                    town=street.post_town, postcode=street.postcodes[0]))
                gps = []
                for _ in range(rng.randint(2, 6)):
                    fn, sn = self._adult_parts(rng)
                    gps.append((f"Dr {fn} {sn}", phone, f"{_local(fn)}.{_local(sn)}@{slug}.example.org"))
                self.contacts[ods] = gps
                la.gps.append(ods)
                la.town_gps.setdefault(town[0], []).append(ods)

            # One organisation of each other kind per LA, with a pool of practitioners.
            main_town = towns[0]
            pool_size = max(3, min(60, round(n_children * share / 3000)))
            for kind, (prefix, pattern) in _SERVICE_NAMES.items():
                org_code = f"{prefix}{code}"
                name = pattern.format(la=spec["name"])
                slug = _slug(name)
                street = rng.choice(la.town_streets[main_town[0]])
                phone = self._phone(rng, la.phone_prefix)
                self.orgs.append(DemoOrg(
                    code=org_code, kind=kind, name=name, la_code=code, urn=None,
                    laestab=None, ods_code=None, phone=phone,
                    email=f"{_SERVICE_MAILBOX}@{slug}.example.org",
                    address_line1=f"{rng.randint(1, street.max_no)} {street.name}",
                    town=street.post_town, postcode=street.postcodes[0]))
                pool = []
                for _ in range(pool_size):
                    fn, sn = self._adult_parts(rng)
                    pool.append((f"{fn} {sn}", self._phone(rng, la.phone_prefix),
                                 f"{_local(fn)}.{_local(sn)}@{slug}.example.org"))
                self.contacts[org_code] = pool
                la.services[kind] = org_code

        self.la_pick = _Weighted([(m, m.share) for m in self.models])
        self.other_la_codes = sorted(LA_CODES)

    # -- small generators -------------------------------------------------

    @staticmethod
    def _postcode(rng: random.Random, outwards: Sequence[str]) -> str:
        letters = N.POSTCODE_INWARD_LETTERS
        return (f"{rng.choice(outwards)} {rng.randrange(10)}"
                f"{letters[rng.randrange(len(letters))]}{letters[rng.randrange(len(letters))]}")

    @staticmethod
    def _phone(rng: random.Random, prefix: str) -> str:
        return f"{prefix}{rng.randrange(1000):03d}"

    def _adult_parts(self, rng: random.Random) -> tuple[str, str]:
        fn = (self.adult_f if rng.random() < 0.7 else self.adult_m).pick(rng.random)
        sn = self.surnames.pick(rng.random)[0]
        return fn, sn

    def _adult_name(self, rng: random.Random) -> str:
        fn, sn = self._adult_parts(rng)
        return f"{fn} {sn}"

    @staticmethod
    def _unique_name(make, locality: str, used: set[str]) -> str:
        """Draw names from make() until one is unused; qualify with the locality after 10 tries."""
        for attempt in range(20):
            name = make()
            if attempt >= 10:
                name = f"{name} ({locality})"
            if name not in used:
                used.add(name)
                return name
        name = f"{name} {len(used)}"
        used.add(name)
        return name

    @staticmethod
    def _school_name(rng: random.Random, phase: str, town: tuple, used: set[str]) -> str:
        locality = town[0]

        def make() -> str:
            r = rng.random()
            place = rng.choice(N.PLACE_WORDS)
            saint = rng.choice(N.SAINTS)
            if phase == "primary":
                if r < 0.35:
                    return f"{place} Primary School"
                if r < 0.5:
                    return f"{saint} Church of England Primary School"
                if r < 0.6:
                    return f"{saint} Catholic Primary School"
                if r < 0.7:
                    return f"{place} Infant and Junior School"
                if r < 0.85:
                    return f"{place} Primary Academy"
                return f"{locality} {place} Community Primary School"
            if r < 0.3:
                return f"{place} Academy"
            if r < 0.5:
                return f"{locality} High School"
            if r < 0.62:
                return f"{saint} Catholic High School"
            if r < 0.75:
                return f"{place} School"
            if r < 0.9:
                return f"{place} Community College"
            return f"{locality} {place} Academy"

        return _World._unique_name(make, locality, used)

    @staticmethod
    def _gp_name(rng: random.Random, town: tuple, used: set[str]) -> str:
        locality = town[0]

        def make() -> str:
            r = rng.random()
            place = rng.choice(N.PLACE_WORDS)
            if r < 0.3:
                return f"{place} Medical Centre"
            if r < 0.55:
                return f"{place} Surgery"
            if r < 0.7:
                return f"The {place} Practice"
            if r < 0.85:
                return f"{locality} {place} Health Centre"
            return f"{rng.choice(N.STREET_WORDS)} Road Surgery"

        return _World._unique_name(make, locality, used)

    # -- children ----------------------------------------------------------

    def children(self) -> Iterator[DemoChild]:
        return _ChildStream(self).run()


def _estab_number(first: int, i: int) -> str:
    """4-digit establishment numbers: 2001.. for primaries, 4001.. for secondaries,
    spilling into other blocks for very large runs."""
    blocks = ((2001, 2999), (3001, 3999), (7001, 7999)) if first == 2001 else \
        ((4001, 4999), (5401, 5999), (6001, 6999))
    for lo, hi in blocks:
        if i <= hi - lo:
            return "%04d" % (lo + i)
        i -= hi - lo + 1
    raise ValueError("too many schools in one LA")


class _ChildStream:
    """Generates children household by household."""

    def __init__(self, world: _World):
        self.w = world
        seed = world.seed
        self.rng = random.Random(f"isindex-demo-children:{seed}")
        id_rng = random.Random(f"isindex-demo-ids:{seed}")
        self.nhs = _NhsAllocator(id_rng)
        self.uln = _UlnAllocator(id_rng)
        self.upn = _UpnAllocator()
        n = world.n
        self.p_no_nhs = 0.0 if n <= _NHS_SAFE_LIMIT else 1.0 - _NHS_SAFE_LIMIT / n
        today = world.today
        self.today = today
        self.today_ord = today.toordinal()
        self.earliest_dob_ord = (_years_before(today, 18) + timedelta(days=1)).toordinal()
        self.window = self.today_ord - self.earliest_dob_ord
        self.academic_year = today.year if (today.month, today.day) >= (9, 1) else today.year - 1

    # -- top level -----------------------------------------------------------

    def run(self) -> Iterator[DemoChild]:
        n = self.w.n
        index = 0
        household = 0
        while index < n:
            kids = self._household(household, index, n - index)
            index += len(kids)
            household += 1
            yield from kids

    # -- a household -------------------------------------------------------------

    def _household(self, hh: int, first_index: int, remaining: int) -> list[DemoChild]:
        w = self.w
        rng = self.rng
        rnd = rng.random
        randint = rng.randint
        today_ord = self.today_ord

        la: _LAModel = w.la_pick.pick(rnd)
        k = min(remaining, _HOUSEHOLD_SIZES.pick(rnd))

        # Birth events (singletons or twins) and dates of birth.
        events: list[int] = []
        c = 0
        while c < k:
            if k - c >= 2 and rnd() < _P_TWIN_BIRTH:
                events.append(2)
                c += 2
            else:
                events.append(1)
                c += 1
        gaps = [int(rng.triangular(380, 2600, 800)) for _ in range(len(events) - 1)]
        span = sum(gaps)
        window = self.window
        # Place the birth sequence so that each child's age is uniform over 0-17:
        # the youngest's age is uniform over [-span, window]; births outside the
        # window (not yet born, or already adults) are dropped from the household.
        offset = randint(-span, window)      # age in days of the youngest
        dob_ords = []
        kept = []
        o = today_ord - offset - span
        for i, ev in enumerate(events):
            if self.earliest_dob_ord <= o <= today_ord:
                dob_ords.append(o)
                kept.append(ev)
            if i < len(gaps):
                o += gaps[i]
        if not kept:                         # keep at least the youngest birth
            dob_ords = [today_ord - randint(0, window)]
            kept = [events[-1]]
        events = kept

        # Address.
        state = _ADDRESS_STATES.pick(rnd)
        street = la.streets[int(rnd() * len(la.streets))]
        town_name = street.locality
        if state == "no_fixed_abode":
            line1 = line2 = post_town = postcode = None
        else:
            number = randint(1, street.max_no)
            postcode = street.postcodes[int(rnd() * len(street.postcodes))]
            post_town = street.post_town
            r = rnd()
            if r < 0.15:
                line1 = f"Flat {randint(1, 24)}"
                line2 = f"{number} {street.name}"
            elif r < 0.21 and not la.urban:
                line1 = N.HOUSE_NAMES[int(rnd() * len(N.HOUSE_NAMES))]
                line2 = street.name
            else:
                line1 = f"{number} {street.name}"
                line2 = street.locality if street.locality != post_town else None

        # Names and carers.
        (father_sn, group) = w.surnames.pick(rnd)
        mother_sn = father_sn
        if rnd() < 0.3:
            mother_sn = w.surnames.pick(rnd)[0]
        child_sn = father_sn
        if rnd() < _P_HYPHENATED:
            other = mother_sn if mother_sn != father_sn else w.surnames.pick(rnd)[0]
            if other != father_sn and "-" not in father_sn and "-" not in other:
                child_sn = f"{father_sn}-{other}"
        former_sn: list[str] = []
        preferred_sn = None
        setup = _CARER_SETUPS.pick(rnd)
        adult_f, adult_m = w.adult_f, w.adult_m
        carers: list[tuple[str, str, str, bool]] = []
        if setup == "two_parents":
            mum = ("PAM", adult_f.pick(rnd), mother_sn, True)
            dad = ("PAF", adult_m.pick(rnd), father_sn, rnd() < 0.97)
            carers = [mum, dad] if rnd() < 0.8 else [dad, mum]
        elif setup == "single_mother":
            if rnd() < 0.35 and mother_sn != father_sn:
                child_sn = mother_sn
            carers = [("PAM", adult_f.pick(rnd), mother_sn, True)]
        elif setup == "single_father":
            carers = [("PAF", adult_m.pick(rnd), father_sn, True)]
        elif setup == "mother_stepfather":
            step_sn = w.surnames.pick(rnd)[0]
            r = rnd()
            mum_sn = step_sn if r < 0.4 else (child_sn if r < 0.7 else mother_sn)
            carers = [("PAM", adult_f.pick(rnd), mum_sn, True),
                      ("STF", adult_m.pick(rnd), step_sn, rnd() < 0.15)]
            if step_sn != child_sn:
                r = rnd()
                if r < 0.3:              # changed to the stepfather's surname
                    former_sn = [child_sn]
                    child_sn = step_sn
                    if rnd() < 0.3:
                        preferred_sn = former_sn[0]
                elif r < 0.5:            # uses it without a legal change
                    preferred_sn = step_sn
        elif setup == "father_stepmother":
            carers = [("PAF", adult_m.pick(rnd), father_sn, True),
                      ("STM", adult_f.pick(rnd), father_sn if rnd() < 0.6 else mother_sn,
                       rnd() < 0.1)]
        elif setup == "foster":
            foster_sn = w.surnames.pick(rnd)[0]
            carers = [("FOM", adult_f.pick(rnd), foster_sn, False)]
            if rnd() < 0.6:
                carers.append(("FOF", adult_m.pick(rnd), foster_sn, False))
        elif setup == "kinship":
            if rnd() < 0.6:
                gran_sn = child_sn if rnd() < 0.5 else w.surnames.pick(rnd)[0]
                carers = [("REL", adult_f.pick(rnd), gran_sn, rnd() < 0.5)]
                if rnd() < 0.4:
                    carers.append(("REL", adult_m.pick(rnd), gran_sn, rnd() < 0.3))
            else:
                sn = child_sn if rnd() < 0.4 else w.surnames.pick(rnd)[0]
                carers = [("FAM", (adult_f if rnd() < 0.7 else adult_m).pick(rnd), sn,
                           rnd() < 0.3)]
        else:
            carers = [("CAR", (adult_f if rnd() < 0.8 else adult_m).pick(rnd),
                       w.surnames.pick(rnd)[0], False)]
        if not former_sn and rnd() < 0.004 and mother_sn != child_sn:
            former_sn = [child_sn]       # took the mother's surname
            child_sn = mother_sn
        carer_rows = []
        for rel, fn, sn, pr in carers:
            phone = f"07700 900{randint(0, 999):03d}" if rnd() < 0.8 else (
                f"{la.phone_prefix}{randint(0, 999):03d}" if rnd() < 0.4 else None)
            email = None
            if rnd() < 0.55:
                r = rnd()
                if r < 0.5:
                    email = f"{_local(fn)}.{_local(sn)}@example.com"
                elif r < 0.8:
                    email = f"{_local(fn)}{_local(sn)}{randint(1, 99)}@example.com"
                else:
                    email = f"{_local(fn)[0]}{_local(sn)}@example.com"
            carer_rows.append((fn, sn, rel, pr, phone, email))

        # Household services: GP, schools, social care, moves.
        gp_list = la.town_gps.get(town_name) or la.gps
        gp = gp_list[int(rnd() * len(gp_list))]
        pri_list = la.town_primaries.get(town_name) or la.primaries
        primary = pri_list[int(rnd() * len(pri_list))]
        sec_list = la.town_secondaries.get(town_name) or la.secondaries
        secondary = sec_list[int(rnd() * len(sec_list))]
        moved_ord = today_ord - randint(30, 3650) if rnd() < 0.25 else None
        moved_from_la = moved_ord is not None and rnd() < 0.3
        csc = rnd() < 0.03
        csc_start = today_ord - randint(0, 1400)
        csc_end = None
        if csc and rnd() < 0.25:
            csc_end = csc_start + randint(30, 700)
            if csc_end >= today_ord:
                csc_end = None
        csc_ind = [i for i, p in (("has_information", 0.5), ("taking_action", 0.6),
                                  ("assessment_completed", 0.4), ("lead_professional", 0.45))
                   if rnd() < p] if csc else []

        # Children.
        used_names: set[str] = set()
        kids: list[DemoChild] = []
        index = first_index
        for ev_i, ev in enumerate(events):
            dob_ord = dob_ords[ev_i]
            if ev == 2:
                sexes = self._twin_sexes()
                names = self._twin_names(sexes, group, used_names)
            else:
                sx = self._sex()
                sexes = (sx,)
                names = (self._forename(sx, group, used_names),)
            first_of_event = index
            for j in range(ev):
                twin_of = None if ev == 1 else (first_of_event + 1 - j)
                kids.append(self._child(
                    index, hh, la, names[j], sexes[j], dob_ord, child_sn, preferred_sn,
                    former_sn, state, line1, line2, post_town, postcode, carer_rows,
                    gp, primary, secondary, moved_ord, moved_from_la, csc, csc_start,
                    csc_end, csc_ind, twin_of, group))
                index += 1
        return kids

    # -- names ----------------------------------------------------------------------

    def _sex(self) -> str:
        r = self.rng.random()
        if r < _P_NOT_SPECIFIED:
            return "not_specified"
        return "male" if r < 0.512 else "female"

    def _twin_sexes(self) -> tuple[str, str]:
        rnd = self.rng.random
        if rnd() < 0.65:
            s = "male" if rnd() < 0.5 else "female"
            return (s, s)
        return ("male", "female") if rnd() < 0.5 else ("female", "male")

    def _forename(self, sex: str, group: str, used: set[str]) -> str:
        w = self.w
        rnd = self.rng.random
        if sex == "not_specified":
            sex = "male" if rnd() < 0.5 else "female"
        if sex == "male":
            general, special = w.boys, w.group_boys.get(group)
        else:
            general, special = w.girls, w.group_girls.get(group)
        name = ""
        for _ in range(8):
            table = special if special is not None and rnd() < 0.75 else general
            name = table.pick(rnd)
            if name not in used:
                break
        used.add(name)
        return name

    def _twin_names(self, sexes: tuple[str, str], group: str, used: set[str]) -> tuple[str, str]:
        rng = self.rng
        if sexes[0] == sexes[1] and rng.random() < _P_SIMILAR_TWIN_NAMES:
            pairs = N.SIMILAR_BOY_PAIRS if sexes[0] == "male" else N.SIMILAR_GIRL_PAIRS
            a, b = pairs[int(rng.random() * len(pairs))]
            if a not in used and b not in used:
                used.add(a)
                used.add(b)
                return (a, b) if rng.random() < 0.5 else (b, a)
        first = self._forename(sexes[0], group, used)
        second = self._forename(sexes[1], group, used)
        for _ in range(8):
            if second != first:
                break
            second = self._forename(sexes[1], group, used)
        if second == first:               # pathological: force a different name
            second = next(n for n, _w in (N.GIRL_FORENAMES if sexes[1] == "female"
                                          else N.BOY_FORENAMES) if n != first)
        return first, second

    # -- a child ---------------------------------------------------------------------

    def _child(self, index, hh, la: _LAModel, forename, sex, dob_ord, surname, preferred_sn,
               former_sn, state, line1, line2, town, postcode, carer_rows, gp, primary,
               secondary, moved_ord, moved_from_la, csc, csc_start, csc_end, csc_ind,
               twin_of, group) -> DemoChild:
        w = self.w
        rng = self.rng
        rnd = rng.random
        randint = rng.randint
        today_ord = self.today_ord
        dob = date.fromordinal(dob_ord)
        age_days = today_ord - dob_ord
        today = self.today
        age = today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))

        # Middle and preferred names.
        r = rnd()
        middle = None
        if r < 0.78:
            table = w.boys if sex == "male" else (w.girls if sex == "female" else
                                                 (w.boys if rnd() < 0.5 else w.girls))
            m1 = table.pick(rnd)
            if m1 == forename:
                m1 = table.pick(rnd)
            if m1 != forename:
                middle = m1
                if r < 0.08:
                    m2 = table.pick(rnd)
                    if m2 != m1 and m2 != forename:
                        middle = f"{m1} {m2}"
        preferred = None
        if rnd() < _P_PREFERRED_FORENAME:
            nicks = N.NICKNAMES.get(forename)
            r = rnd()
            if nicks and r < 0.75:
                preferred = nicks[int(rnd() * len(nicks))]
            elif middle and r < 0.9:
                preferred = middle.split(" ")[0]
            else:
                table = w.boys if sex == "male" else w.girls
                preferred = table.pick(rnd)
            if preferred == forename:
                preferred = None

        # Identifiers.
        cohort = dob.year + 1 if dob.month >= 9 else dob.year
        year_group = self.academic_year - cohort - 4
        school_age = 0 <= year_group <= 13
        upn = None
        former_upns: list[str] = []
        if school_age:
            entry_year = cohort + 4
            if rnd() < 0.05:
                entry_year = randint(entry_year, self.academic_year)
            yy = entry_year % 100
            if (moved_from_la and moved_ord > date(entry_year, 9, 1).toordinal()) or rnd() < 0.02:
                upn_la = w.other_la_codes[int(rnd() * len(w.other_la_codes))]
                estab = "%04d" % randint(2000, 2999)
            else:
                upn_la = la.code
                estab = primary.estab
            r = rnd()
            if r < 0.01:
                upn = self.upn.next(upn_la, estab, yy, True)
            else:
                upn = self.upn.next(upn_la, estab, yy, False)
                if r < 0.03:
                    former_upns = [self.upn.next(upn_la, estab, yy, True)]
        uln = self.uln.next() if age >= 14 else None
        if self.p_no_nhs and rnd() < self.p_no_nhs:
            nhs = None
        else:
            nhs = self.nhs.next()

        carers = [DemoCarer(fn, sn, rel, pr, ph, em) for fn, sn, rel, pr, ph, em in carer_rows]

        # Involvements.
        contacts = w.contacts
        inv: list[DemoInvolvement] = []

        # GP (always).
        gp_start = dob_ord + randint(7, 60)
        if moved_ord is not None and moved_ord > gp_start:
            if rnd() < 0.4:
                others = la.gps
                old = others[int(rnd() * len(others))]
                if old != gp:
                    oc = contacts[old][int(rnd() * len(contacts[old]))]
                    inv.append(DemoInvolvement(old, oc[0], oc[1], oc[2],
                                               date.fromordinal(gp_start),
                                               date.fromordinal(moved_ord - 1), []))
            gp_start = moved_ord
        if gp_start > today_ord:
            gp_start = today_ord
        gc = contacts[gp]
        gc = gc[int(rnd() * len(gc))]
        inv.append(DemoInvolvement(gp, gc[0], gc[1], gc[2], date.fromordinal(gp_start), None,
                                   ["has_information"] if rnd() < 0.01 else []))

        # School.
        if school_age and not (year_group >= 12 and rnd() < 0.25) and rnd() > 0.01:
            school = primary if year_group <= 6 else secondary
            phase_year = cohort + 4 if year_group <= 6 else cohort + 11
            start = date(phase_year, 9, randint(1, 6)).toordinal()
            if year_group >= 7 and rnd() < 0.5 and not (moved_from_la and moved_ord > start):
                pc = primary.contact
                p_end = date(phase_year, 7, randint(15, 24)).toordinal()
                p_start = date(cohort + 4, 9, randint(1, 6)).toordinal()
                inv.append(DemoInvolvement(primary.code, pc[0], pc[1], pc[2],
                                           date.fromordinal(p_start),
                                           date.fromordinal(p_end), []))
            if moved_ord is not None and moved_ord > start:
                if rnd() < 0.5 and not moved_from_la:
                    same = la.primaries if year_group <= 6 else la.secondaries
                    old = same[int(rnd() * len(same))]
                    end = moved_ord - randint(1, 40)
                    if old.code != school.code and end > start:
                        oc = old.contact
                        inv.append(DemoInvolvement(old.code, oc[0], oc[1], oc[2],
                                                   date.fromordinal(start),
                                                   date.fromordinal(end), []))
                start = moved_ord
            if start > today_ord:
                start = today_ord
            ind: list[str] = []
            r = rnd()
            if r < 0.02:
                ind = ["has_information", "assessment_completed", "lead_professional"]
            elif r < 0.05:
                ind = ["has_information"]
            elif r < 0.055:
                ind = ["taking_action"]
            sc = school.contact
            inv.append(DemoInvolvement(school.code, sc[0], sc[1], sc[2],
                                       date.fromordinal(start), None, ind))

        services = la.services

        # Health visiting (under 5s).
        if age < 5 and rnd() < 0.18:
            code = services["health_visiting"]
            start = min(dob_ord + randint(10, 16), today_ord)
            r = rnd()
            ind = (["has_information"] if r < 0.2 else
                   ["assessment_completed", "lead_professional"] if r < 0.25 else [])
            inv.append(self._service(code, start, None, ind))

        # Children's social care (whole household).
        if csc:
            start = max(csc_start, dob_ord)
            end = csc_end if (csc_end is not None and csc_end > start) else None
            inv.append(self._service(services["social_care"], start, end, list(csc_ind)))

        # Youth justice (10+).
        if age >= 10 and rnd() < 0.0225:
            lo = max(dob_ord + 3653, today_ord - 1100)
            start = randint(lo, today_ord) if lo <= today_ord else today_ord
            end = None
            if rnd() < 0.4 and start + 60 < today_ord:
                end = randint(start + 30, today_ord - 1)
            inv.append(self._service(services["youth_justice"], start, end,
                                     ["taking_action"] if rnd() < 0.5 else []))

        # Connexions (13+).
        if age >= 13:
            lo = dob_ord + 4749
            if rnd() < 0.3 and lo <= today_ord:
                inv.append(self._service(services["connexions"], randint(lo, today_ord), None,
                                         ["has_information"] if rnd() < 0.05 else []))
            for kind in ("sexual_health", "mental_health", "substance_misuse"):
                if rnd() < 0.004:
                    lo2 = max(lo, today_ord - 730)
                    start = randint(lo2, today_ord) if lo2 <= today_ord else today_ord
                    end = None
                    if rnd() < 0.3 and start + 60 < today_ord:
                        end = randint(start + 30, today_ord - 1)
                    inv.append(self._service(services[kind], start, end,
                                             ["has_information"] if rnd() < 0.3 else []))

        return DemoChild(
            index=index, household=hh, forename=forename, middle_names=middle,
            surname=surname, preferred_forename=preferred, preferred_surname=preferred_sn,
            former_surnames=list(former_sn), sex=sex, dob=dob,
            address_line1=line1, address_line2=line2, town=town, postcode=postcode,
            address_state=state, la_code=la.code, upn=upn, former_upns=former_upns,
            uln=uln, nhs_number=nhs, carers=carers, involvements=inv, twin_of=twin_of)

    def _service(self, code: str, start_ord: int, end_ord: int | None,
                 indicators: list[str]) -> DemoInvolvement:
        pool = self.w.contacts[code]
        c = pool[int(self.rng.random() * len(pool))]
        return DemoInvolvement(code, c[0], c[1], c[2], date.fromordinal(start_ord),
                               None if end_ord is None else date.fromordinal(end_ord),
                               indicators)


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------

def generate(n_children: int, *, seed: int = 1, today: date | None = None
             ) -> tuple[list[DemoLA], list[DemoOrg], Iterator[DemoChild]]:
    """Local authorities, organisations (complete lists) and a stream of
    `n_children` children aged 0-17 on `today` (default 1 September 2026).

    Deterministic for (n_children, seed, today). Children come household by
    household (siblings and twins are consecutive and share `household`)."""
    if n_children < 0:
        raise ValueError("n_children must be >= 0")
    if today is None:
        today = DEFAULT_TODAY
    world = _World(n_children, seed, today)
    return list(world.las), list(world.orgs), world.children()
