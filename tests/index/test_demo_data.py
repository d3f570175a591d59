"""Tests for the synthetic demo data generator (index.demo_data)."""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from datetime import date

import pytest

from index import demo_names
from index.demo_data import (
    DEFAULT_TODAY, INDICATORS, NHS_TEST_RANGE_CAPACITY, ORG_KINDS, SENSITIVE_KINDS,
    DemoChild, _NhsAllocator, _UlnAllocator, generate, school_year_group,
)
from matching.identifiers import (
    LA_CODES, check_gp_practice, check_nhs_number, check_postcode, check_uln, check_upn,
    check_urn, normalise_postcode,
)

PHONE = re.compile(
    r"(01632 960\d{3}|020 7946 0\d{3}|0121 496 0\d{3}|0151 496 0\d{3}|07700 900\d{3})"
)
ORG_EMAIL = re.compile(r"[a-z0-9.\-]+@[a-z0-9\-]+\.example\.org")
CARER_EMAIL = re.compile(r"[a-z0-9.\-]+@example\.com")
RELATIONSHIPS = {"PAM", "PAF", "STM", "STF", "FOM", "FOF", "CAR", "FAM", "REL"}
ADDRESS_STATES = {"known", "last_known", "no_fixed_abode", "left_england"}


def age_on(dob: date, today: date) -> int:
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


@pytest.fixture(scope="module")
def data10k():
    las, orgs, it = generate(10_000, seed=42)
    return las, orgs, list(it)


@pytest.fixture(scope="module")
def kids100k():
    """100,000 children, generated once for the module's tests of what arises only at scale."""
    return list(generate(100_000, seed=1)[2])


# --- basics ------------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 7, 1000, 10_000])
def test_sizes(n):
    las, orgs, it = generate(n, seed=3)
    kids = list(it)
    assert len(kids) == n
    assert [k.index for k in kids] == list(range(n))
    assert 5 <= len(las) <= 8
    assert orgs


def test_deterministic_for_seed():
    a = generate(1500, seed=11)
    b = generate(1500, seed=11)
    assert a[0] == b[0]
    assert a[1] == b[1]
    assert list(a[2]) == list(b[2])


def test_different_seeds_differ():
    a = list(generate(300, seed=1)[2])
    b = list(generate(300, seed=2)[2])
    assert [(k.forename, k.surname, k.dob) for k in a] != [(k.forename, k.surname, k.dob) for k in b]


def test_consuming_iterator_late_gives_same_children():
    las, orgs, it = generate(400, seed=5)
    generate(999, seed=5)              # another run in between must not disturb it
    assert list(it) == list(generate(400, seed=5)[2])


def test_stream_is_lazy():
    t0 = time.perf_counter()
    las, orgs, it = generate(1_000_000)
    first = next(it)
    assert isinstance(first, DemoChild)
    assert time.perf_counter() - t0 < 5


def test_default_seed_and_today():
    kids = list(generate(200)[2])
    assert all(0 <= age_on(k.dob, DEFAULT_TODAY) <= 17 for k in kids)
    assert kids == list(generate(200, seed=1, today=date(2026, 9, 1))[2])


def test_custom_today():
    today = date(2031, 2, 14)
    kids = list(generate(2000, seed=9, today=today)[2])
    for k in kids:
        assert 0 <= age_on(k.dob, today) <= 17 and k.dob <= today
        for inv in k.involvements:
            assert inv.start_date <= today
            assert inv.end_date is None or inv.end_date <= today


# --- local authorities and organisations -------------------------------------------------

def test_las_are_real_codes(data10k):
    las, _, _ = data10k
    assert len({la.code for la in las}) == len(las)
    for la in las:
        assert la.code in LA_CODES
        assert la.name
    assert {"873", "926", "330", "925", "341", "302"} <= {la.code for la in las}


def test_orgs(data10k):
    las, orgs, _ = data10k
    la_codes = {la.code for la in las}
    codes = [o.code for o in orgs]
    assert len(codes) == len(set(codes)), "org codes must be unique"
    urns = [o.urn for o in orgs if o.urn]
    assert len(urns) == len(set(urns))
    kinds = Counter(o.kind for o in orgs)
    assert set(kinds) == set(ORG_KINDS)
    assert kinds["school"] >= max(2 * len(las), 10_000 // 400 - len(las))
    assert kinds["gp"] >= len(las)
    for o in orgs:
        assert o.la_code in la_codes
        assert PHONE.fullmatch(o.phone), o.phone
        assert ORG_EMAIL.fullmatch(o.email), o.email
        assert o.name and o.address_line1 and o.town
        assert check_postcode(o.postcode).valid and normalise_postcode(o.postcode) == o.postcode
        if o.kind == "school":
            assert check_urn(o.urn).valid
            assert re.fullmatch(r"\d{7}", o.laestab) and o.laestab.startswith(o.la_code)
            assert o.code == o.laestab and o.ods_code is None
        elif o.kind == "gp":
            assert check_gp_practice(o.code).valid and o.ods_code == o.code
            assert o.urn is None and o.laestab is None
        else:
            assert o.urn is None and o.laestab is None and o.ods_code is None
    for la in las:   # each LA: >=2 schools, >=1 GP, one of every other kind
        mine = Counter(o.kind for o in orgs if o.la_code == la.code)
        assert mine["school"] >= 2 and mine["gp"] >= 1
        for kind in ORG_KINDS[2:]:
            assert mine[kind] == 1


def test_org_counts_scale():
    _, orgs, _ = generate(100_000, seed=1)
    kinds = Counter(o.kind for o in orgs)
    assert 230 <= kinds["school"] <= 270
    assert 60 <= kinds["gp"] <= 75


# --- identifiers ---------------------------------------------------------------------------

def test_upns_valid_and_unique(data10k):
    _, _, kids = data10k
    seen = set()
    temporary = 0
    for k in kids:
        yg = school_year_group(k.dob, DEFAULT_TODAY)
        if 0 <= yg <= 13:
            assert k.upn is not None
        else:
            assert k.upn is None and not k.former_upns
        for u in ([k.upn] if k.upn else []) + k.former_upns:
            assert u not in seen
            seen.add(u)
        if k.upn:
            c = check_upn(k.upn)
            assert c.valid, (k.upn, c.error)
            assert c.temporary == k.upn[-1].isalpha()
            temporary += c.temporary
        for u in k.former_upns:
            c = check_upn(u)
            assert c.valid and c.temporary, u
    with_upn = sum(1 for k in kids if k.upn)
    assert 0.003 < temporary / with_upn < 0.03
    assert 0.005 < sum(1 for k in kids if k.former_upns) / with_upn < 0.05


def test_upn_mostly_issued_in_own_la(data10k):
    _, _, kids = data10k
    with_upn = [k for k in kids if k.upn]
    own = sum(1 for k in with_upn if k.upn[1:4] == k.la_code)
    assert own / len(with_upn) > 0.85


def test_nhs_numbers_valid_unique_test_range(data10k):
    _, _, kids = data10k
    numbers = [k.nhs_number for k in kids]
    assert all(numbers), "below the capacity every child has an NHS number"
    assert len(set(numbers)) == len(numbers)
    for n in numbers:
        assert n.startswith("999") and len(n) == 10
        assert check_nhs_number(n).valid, n


def test_ulns_valid_unique_for_14_plus(data10k):
    _, _, kids = data10k
    ulns = []
    for k in kids:
        if age_on(k.dob, DEFAULT_TODAY) >= 14:
            assert k.uln is not None
            assert check_uln(k.uln).valid, k.uln
            assert not check_nhs_number(k.uln).valid
            ulns.append(k.uln)
        else:
            assert k.uln is None
    assert ulns and len(set(ulns)) == len(ulns)


def test_nhs_allocator_whole_test_range():
    import random
    alloc = _NhsAllocator(random.Random(1))
    got = set()
    while (n := alloc.next()) is not None:
        got.add(n)
    assert len(got) == NHS_TEST_RANGE_CAPACITY
    assert alloc.next() is None


def test_uln_allocator_unique_valid():
    import random
    alloc = _UlnAllocator(random.Random(2))
    got = [alloc.next() for _ in range(20_000)]
    assert len(set(got)) == len(got)
    assert all(check_uln(u).valid for u in got)


def test_postcodes_valid_and_in_la_area(data10k):
    las, _, kids = data10k
    outwards = {spec["code"]: {o for town in spec["towns"] for o in town[3]}
                for spec in demo_names.LOCAL_AUTHORITIES}
    for k in kids:
        assert k.address_state in ADDRESS_STATES
        if k.address_state == "no_fixed_abode":
            assert k.address_line1 is None and k.address_line2 is None
            assert k.town is None and k.postcode is None
            continue
        assert k.address_line1 and k.town
        c = check_postcode(k.postcode)
        assert c.valid and normalise_postcode(k.postcode) == k.postcode, k.postcode
        assert k.postcode.split(" ")[0] in outwards[k.la_code]
    states = Counter(k.address_state for k in kids)
    assert states["known"] / len(kids) > 0.9
    assert 0 < states["left_england"] < 0.02 * len(kids)
    assert 0 < states["no_fixed_abode"] < 0.02 * len(kids)


# --- people ----------------------------------------------------------------------------------

def test_children_basic_fields(data10k):
    _, _, kids = data10k
    for k in kids:
        assert k.forename and k.surname
        assert k.sex in ("male", "female", "not_specified")
        assert 0 <= age_on(k.dob, DEFAULT_TODAY) <= 17 and k.dob <= DEFAULT_TODAY
        assert k.preferred_forename != k.forename
        assert k.surname not in k.former_surnames
        assert 1 <= len(k.carers) <= 2
        for c in k.carers:
            assert c.relationship in RELATIONSHIPS
            assert c.forename and c.surname
            assert c.phone is None or PHONE.fullmatch(c.phone), c.phone
            assert c.email is None or CARER_EMAIL.fullmatch(c.email), c.email


def test_households_share_carers_and_address(data10k):
    _, _, kids = data10k
    by_hh = defaultdict(list)
    for k in kids:
        by_hh[k.household].append(k)
    assert max(len(v) for v in by_hh.values()) <= 4
    sizes = Counter(len(v) for v in by_hh.values())
    assert sizes[1] and sizes[2] and sizes[3]
    for members in by_hh.values():
        first = members[0]
        assert [m.index for m in members] == list(range(first.index, first.index + len(members)))
        for m in members[1:]:
            assert m.carers == first.carers
            assert m.carers is not first.carers
            assert (m.la_code, m.postcode, m.address_line1, m.address_state) == \
                (first.la_code, first.postcode, first.address_line1, first.address_state)
        if len(members) > 1:   # siblings have different forenames
            assert len({m.forename for m in members}) == len(members)


def test_twins(data10k):
    _, _, kids = data10k
    twins = [k for k in kids if k.twin_of is not None]
    assert 0.005 < len(twins) / len(kids) < 0.04
    for k in twins:
        t = kids[k.twin_of]
        assert t.twin_of == k.index
        assert t.dob == k.dob and t.surname == k.surname and t.household == k.household
        assert t.carers == k.carers
        assert t.forename != k.forename
        assert (t.address_line1, t.postcode) == (k.address_line1, k.postcode)
    # siblings who are not twins are born at plausible intervals
    by_hh = defaultdict(list)
    for k in kids:
        by_hh[k.household].append(k)
    for members in by_hh.values():
        dobs = sorted({m.dob for m in members})
        assert all((b - a).days >= 300 for a, b in zip(dobs, dobs[1:]))


def test_similar_twin_names_appear(kids100k):
    kids = kids100k
    pairs = {frozenset(p) for p in demo_names.SIMILAR_BOY_PAIRS + demo_names.SIMILAR_GIRL_PAIRS}
    found = sum(1 for k in kids if k.twin_of is not None and k.index < k.twin_of
                and frozenset((k.forename, kids[k.twin_of].forename)) in pairs)
    assert found >= 3


def test_name_realism(data10k):
    _, _, kids = data10k
    n = len(kids)
    surnames = Counter(k.surname for k in kids)
    assert surnames.most_common(1)[0][0] == "Smith"
    assert surnames["Smith"] > surnames["Jones"] > surnames["Nowak"]
    forenames = Counter(k.forename for k in kids)
    assert forenames.most_common(20)[0][1] > 50    # common names collide a lot
    assert 0.015 < sum(1 for k in kids if "-" in k.surname) / n < 0.05
    assert 0.03 < sum(1 for k in kids if k.preferred_forename) / n < 0.08
    assert 0.01 < sum(1 for k in kids if k.former_surnames) / n < 0.04
    assert any(k.preferred_surname for k in kids)
    assert any("'" in k.surname for k in kids)
    assert any(not k.surname.isascii() or not k.forename.isascii() for k in kids)
    sexes = Counter(k.sex for k in kids)
    assert 0.45 < sexes["male"] / n < 0.56 and 0.43 < sexes["female"] / n < 0.55
    assert sexes["not_specified"] < 0.01 * n


def test_same_name_same_dob_different_households(kids100k):
    """A common name born on the same day in different households arises at scale."""
    by_key = defaultdict(set)
    for k in kids100k:
        by_key[(k.forename, k.surname, k.dob)].add(k.household)
    assert sum(1 for v in by_key.values() if len(v) > 1) >= 5


# --- involvements ------------------------------------------------------------------------------

def test_involvements(data10k):
    _, orgs, kids = data10k
    org_by_code = {o.code: o for o in orgs}
    kinds_seen = Counter()
    ended = 0
    for k in kids:
        age = age_on(k.dob, DEFAULT_TODAY)
        yg = school_year_group(k.dob, DEFAULT_TODAY)
        current = [i for i in k.involvements if i.end_date is None]
        assert sum(1 for i in current if org_by_code[i.org_code].kind == "gp") == 1
        assert sum(1 for i in current if org_by_code[i.org_code].kind == "school") <= 1
        for inv in k.involvements:
            org = org_by_code[inv.org_code]           # references an existing org
            kinds_seen[org.kind] += 1
            assert inv.contact_name
            assert PHONE.fullmatch(inv.contact_phone), inv.contact_phone
            assert ORG_EMAIL.fullmatch(inv.contact_email), inv.contact_email
            assert k.dob <= inv.start_date <= DEFAULT_TODAY
            if inv.end_date is not None:
                ended += 1
                assert inv.start_date <= inv.end_date <= DEFAULT_TODAY
            assert set(inv.indicators) <= set(INDICATORS)
            assert len(set(inv.indicators)) == len(inv.indicators)
            if org.kind == "school":
                assert 0 <= yg <= 13, "school involvement only for school-age children"
                assert (inv.contact_phone, inv.contact_email) == (org.phone, org.email)
                if inv.end_date is None:
                    assert org.la_code == k.la_code
            elif org.kind == "health_visiting":
                assert age < 5
            elif org.kind == "youth_justice":
                assert age >= 10
            elif org.kind == "connexions" or org.kind in SENSITIVE_KINDS:
                assert age >= 13
            if org.kind not in ("school", "gp"):
                assert org.la_code == k.la_code
    n = len(kids)
    school_age = sum(1 for k in kids if 0 <= school_year_group(k.dob, DEFAULT_TODAY) <= 13)
    assert kinds_seen["school"] > 0.9 * school_age
    assert 0.02 < kinds_seen["health_visiting"] / n < 0.08
    assert 0.01 < kinds_seen["social_care"] / n < 0.06
    assert 0.002 < kinds_seen["youth_justice"] / n < 0.02
    assert kinds_seen["connexions"] > 0
    assert sum(kinds_seen[s] for s in SENSITIVE_KINDS) > 0
    assert ended > 0.05 * n


def test_sensitive_are_rare_and_13_plus(kids100k):
    kids = kids100k
    sens = [(k, i) for k in kids for i in k.involvements
            if i.org_code[:2] in ("SH", "MH", "SM")]
    assert 0 < len(sens) < 0.01 * len(kids)
    assert all(age_on(k.dob, DEFAULT_TODAY) >= 13 for k, _ in sens)
