"""Comparisons with levels, as data (Splink-style), computed over arrays of pairs.

A pair is (row i of table L, row j of table R). Each comparison maps every pair to a
level: 0 means no data on one side (it adds no weight), 1.. are its labels from
strongest to weakest; the last label is the catch-all. One function serves one pair
and a million pairs alike.

LIBRARY holds every comparison; a model names the ones it uses. COMPARISONS is the
census set, used by the shipped model: one household comparison, because a sibling
shares address, postcode and carers. Data whose address parts are recorded and
corrupted independently (FEBRL) can use the address-part comparisons instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from matching import schemes, variants
from matching.table import MISSING, Table, permanent


@dataclass(frozen=True)
class Comparison:
    name: str
    levels: tuple[str, ...]          # labels, strongest first; level k is levels[k - 1]
    # Exact agreement is weighted by how common the agreeing value is: (column that
    # agrees, column whose value frequency counts) for each place the value can sit.
    tf: tuple[tuple[str, str], ...] = ()
    tf_level: int = 1                # the level that term frequency adjusts


JW_TIERS = (0.92, 0.88)
PART_TIERS = (0.9, 0.7)     # address parts: street, second line, town

CENSUS: tuple[Comparison, ...] = (
    Comparison("forename", ("exact", "variant", "alternate", "jaro_winkler_0.92", "jaro_winkler_0.88",
                            "initial", "else"), tf=(("forename", "forename"),)),
    Comparison("middle_names", ("agree", "disagree")),
    Comparison("surname", ("exact", "alternate", "variant", "jaro_winkler_0.92", "jaro_winkler_0.88", "else"),
               tf=(("surname", "surname"),)),
    Comparison("dob", ("exact", "day_month_swapped", "one_digit", "within_month", "else")),
    # One household comparison: address line, postcode and carers are correlated (a
    # sibling shares all three), so they are levels of one comparison, never summed.
    Comparison("address", ("line_postcode_and_carer", "line_and_postcode", "similar_line_and_postcode",
                           "postcode", "line", "similar_line", "carer", "sector", "district_or_town", "else"),
               tf=(("carer1", "carer1_forename"), ("carer2", "carer2_forename")), tf_level=7),
    Comparison("sex", ("agree", "disagree")),
    # One per identifier comparison of matching/schemes.py (upn, nhs_number, uln): agree,
    # conflict, and else when a scheme has temporary values (only permanent ones conflict).
    *(Comparison(name, ("agree", "conflict", "else") if group[0].temporary else ("agree", "conflict"))
      for name, group in schemes.comparisons().items()),
)
COMPARISONS = CENSUS
_PARTS = ("exact", "jaro_winkler_0.9", "jaro_winkler_0.7", "else")
ADDRESS_PARTS: tuple[Comparison, ...] = (
    Comparison("house_number", ("agree", "disagree"), tf=(("house_number", "house_number"),)),
    Comparison("street", _PARTS, tf=(("street", "street"),)),
    Comparison("address_line2", _PARTS, tf=(("line2", "line2"),)),
    Comparison("town", _PARTS, tf=(("town", "town"),)),
    Comparison("postcode", ("exact", "one_edit", "two_edits", "else"), tf=(("pc_unit", "pc_unit"),)),
)
# Forename and surname written the wrong way round (exactly, or with a typo as well).
NAMES_SWAPPED = Comparison("names_swapped", ("swapped", f"swapped_jaro_winkler_{JW_TIERS[1]}", "not_swapped"))
LIBRARY: dict[str, Comparison] = {c.name: c for c in CENSUS + ADDRESS_PARTS + (NAMES_SWAPPED,)}
BY_NAME = LIBRARY


def select(names) -> tuple[Comparison, ...]:
    """The named comparisons, in the order given; ValueError naming any unknown one."""
    unknown = [n for n in names if n not in LIBRARY]
    if unknown:
        raise ValueError(f"unknown comparison(s) {', '.join(unknown)}; known: {', '.join(LIBRARY)}")
    if len(set(names)) != len(names):
        raise ValueError("a comparison is named twice")
    return tuple(LIBRARY[n] for n in names)


def level_of(name: str, label: str) -> int:
    return LIBRARY[name].levels.index(label) + 1


def _present(*cols: np.ndarray) -> np.ndarray:
    out = cols[0] != MISSING
    for col in cols[1:]:
        out &= col != MISSING
    return out


def _eq(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a == b) & (a != MISSING)


def _assign(levels: np.ndarray, mask: np.ndarray, level: int) -> None:
    """Set `level` where mask holds and no stronger level is set yet."""
    levels[mask & (levels == 0)] = level


class Distinct:
    """The distinct (a, b) code pairs among the pairs where both sides are known, so
    that string work (Jaro-Winkler, variant lookups) runs once per distinct pair."""

    def __init__(self, vocab: list[str], a: np.ndarray, b: np.ndarray) -> None:
        self.vocab, self.n = vocab, len(a)
        self.ok = _present(a, b)
        width = len(vocab) + 1
        uniq, self.inverse = np.unique(a[self.ok].astype(np.int64) * width + b[self.ok], return_inverse=True)
        self.a, self.b = uniq // width, uniq % width

    def spread(self, values: np.ndarray, fill=0) -> np.ndarray:
        out = np.full(self.n, fill, dtype=values.dtype)
        out[self.ok] = values[self.inverse]
        return out

    def jaro_winkler(self) -> np.ndarray:
        if len(self.a) == 0:
            return np.zeros(self.n, dtype=np.float32)
        scores = process.cpdist([self.vocab[i] for i in self.a], [self.vocab[i] for i in self.b],
                                scorer=JaroWinkler.normalized_similarity, dtype=np.float32,
                                workers=-1 if len(self.a) > 20_000 else 1)   # threads cost more than a small batch
        return self.spread(scores)

    def variants(self, table: variants.Variants, listed: np.ndarray) -> np.ndarray:
        """listed[code]: whether the name is in the table at all (most pairs need no lookup)."""
        check = (self.a != self.b) & (listed[self.a] == 1) & (listed[self.b] == 1) if len(self.a) \
            else np.zeros(0, bool)
        found = np.zeros(len(self.a), dtype=bool)
        found[check] = [table.are_variants(self.vocab[x], self.vocab[y])
                        for x, y in zip(self.a[check], self.b[check])]
        return self.spread(found, False)


def jaro_winkler(vocab: list[str], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return Distinct(vocab, a, b).jaro_winkler()


def _any_equal(L: Table, R: Table, li, ri, left: tuple[str, ...], right: tuple[str, ...]) -> np.ndarray:
    out = np.zeros(len(li), dtype=bool)
    for x in left:
        lx = L[x][li]
        for y in right:
            out |= _eq(lx, R[y][ri])
    return out


def _variant_levels(L: Table, kind: str, distinct: Distinct) -> np.ndarray:
    table = variants.load(kind)
    names = L.vocabs.names.values
    listed = L.vocabs.per_name(f"listed:{kind}", lambda code: int(bool(table.groups(names[code]))), fill=0)
    return distinct.variants(table, listed)


FORENAMES = ("forename", "preferred_forename", "middle1", "middle2")
SURNAMES = ("surname", "preferred_surname", "former_surname", "surname_part1", "surname_part2")


def _first_words(L: Table) -> np.ndarray:
    """Per name code: the code of its first word when it has more than one ("amy louise"
    -> "amy"), else MISSING."""
    names = L.vocabs.names

    def first(code: int) -> int:
        words = names.values[code].split()
        return names.code(words[0]) if len(words) > 1 else MISSING
    return L.vocabs.per_name("first_word", first)


def names_crossed(L: Table, R: Table, li, ri) -> np.ndarray:
    """Forename and surname written the wrong way round on one side."""
    return (_eq(L["forename"][li], R["surname"][ri]) & _eq(L["surname"][li], R["forename"][ri]))


def forename_slip(L: Table, R: Table, li, ri, seen: np.ndarray | None = None) -> np.ndarray:
    """Pairs whose forenames are one slip of the keyboard apart: Damerau-Levenshtein
    distance 1, or 2 for names of six letters or more, or for names of four letters or
    more when one of them is no one's name (seen[code]: how many records carry the
    forename; "Qaroh" for Aaron is a slip, "Lola" for Lily another girl). Both at least
    three letters. A forename field holding two names is read by its first ("Tler" is a
    slip of "Tyler Dafydd")."""
    first = _first_words(L)
    a, b = _first_or_whole(first, L["forename"][li]), _first_or_whole(first, R["forename"][ri])
    distinct = Distinct(L.vocabs.names.values, a, b)
    if not len(distinct.a):
        return np.zeros(len(li), dtype=bool)
    values = distinct.vocab
    if seen is None:
        unseen = np.zeros(len(distinct.a), dtype=bool)
    else:
        def rare(codes: np.ndarray) -> np.ndarray:
            inside = codes < len(seen)
            return ~inside | (seen[np.where(inside, codes, 0)] <= UNSEEN_NAME)
        unseen = rare(distinct.a) | rare(distinct.b)
    ok = np.fromiter((_slip(values[x], values[y], u) for x, y, u in zip(distinct.a, distinct.b, unseen)),
                     dtype=bool, count=len(distinct.a))
    return distinct.spread(ok, False)


def _first_or_whole(first: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Each name code's first word (per _first_words), or the code itself."""
    words = first[codes]   # MISSING picks the fill, MISSING
    return np.where(words != MISSING, words, codes)


# A forename carried by at most this many records (the mistyped one among them) is no
# one's name, for forename_slip.
UNSEEN_NAME = 1


def _slip(x: str, y: str, unseen: bool = False) -> bool:
    if x == y or min(len(x), len(y)) < 3:
        return False
    shorter = min(len(x), len(y))
    allowed = 2 if shorter >= 6 or (unseen and shorter >= 4) else 1
    return DamerauLevenshtein.distance(x, y, score_cutoff=allowed + 1) <= allowed


def forename_is_middle(L: Table, R: Table, li, ri) -> np.ndarray:
    """Pairs where one side's forename is one of the other side's middle names."""
    middles = ("middle1", "middle2")
    return _any_equal(L, R, li, ri, ("forename",), middles) | _any_equal(L, R, li, ri, middles, ("forename",))


def forename(L: Table, R: Table, li, ri) -> np.ndarray:
    """exact, variant (listed), alternate (one side's forename is the other's middle or
    preferred name, or the first word of a forename field holding two names, or the
    names are the wrong way round), Jaro-Winkler tiers, initial, else."""
    a, b = L["forename"][li], R["forename"][ri]
    distinct = Distinct(L.vocabs.names.values, a, b)
    levels = np.zeros(len(li), dtype=np.int8)
    _assign(levels, _eq(a, b), 1)
    _assign(levels, _variant_levels(L, "forename", distinct), 2)
    others = FORENAMES[1:]
    first = _first_words(L)
    fa, fb = first[a], first[b]
    swapped = (_any_equal(L, R, li, ri, ("forename",), others) | _any_equal(L, R, li, ri, others, ("forename",))
               | _eq(L["preferred_forename"][li], R["preferred_forename"][ri])
               | _eq(fa, b) | _eq(a, fb) | _eq(fa, fb) | names_crossed(L, R, li, ri))
    _assign(levels, _present(a, b) & swapped, 3)
    jw = distinct.jaro_winkler()
    _assign(levels, jw >= JW_TIERS[0], 4)
    _assign(levels, jw >= JW_TIERS[1], 5)
    _assign(levels, _eq(L["initial"][li], R["initial"][ri]), 6)
    _assign(levels, _present(a, b), 7)
    return levels


def middle_names(L: Table, R: Table, li, ri) -> np.ndarray:
    """Agree when any middle name is shared; no data unless both sides have one."""
    has = _present(L["middle1"][li], R["middle1"][ri])
    agree = _any_equal(L, R, li, ri, ("middle1", "middle2"), ("middle1", "middle2"))
    return np.where(has, np.where(agree, 1, 2), 0).astype(np.int8)


def surname(L: Table, R: Table, li, ri) -> np.ndarray:
    a, b = L["surname"][li], R["surname"][ri]
    distinct = Distinct(L.vocabs.names.values, a, b)
    levels = np.zeros(len(li), dtype=np.int8)
    _assign(levels, _eq(a, b), 1)
    alternate = np.zeros(len(li), dtype=bool)
    for x in SURNAMES:
        for y in SURNAMES:
            if not x == y == "former_surname":   # two children who once shared a surname: no evidence
                alternate |= _eq(L[x][li], R[y][ri])
    alternate |= names_crossed(L, R, li, ri)
    _assign(levels, _present(a, b) & alternate, 2)
    _assign(levels, _variant_levels(L, "surname", distinct), 3)
    jw = distinct.jaro_winkler()
    _assign(levels, jw >= JW_TIERS[0], 4)
    _assign(levels, jw >= JW_TIERS[1], 5)
    _assign(levels, _present(a, b), 6)
    return levels


_DIGIT_PLACES = [10 ** k for k in range(8)]


def dob(L: Table, R: Table, li, ri) -> np.ndarray:
    a, b = L["dob"][li], R["dob"][ri]
    ya, ma, da = L["year"][li], L["month"][li], L["day"][li]
    yb, mb, db = R["year"][ri], R["month"][ri], R["day"][ri]
    ok = _present(a, b)
    levels = np.zeros(len(li), dtype=np.int8)
    _assign(levels, ok & (a == b), 1)
    _assign(levels, ok & (ya == yb) & (ma == db) & (da == mb), 2)
    na = ya * 10000 + ma * 100 + da
    nb = yb * 10000 + mb * 100 + db
    digits_differ = np.zeros(len(li), dtype=np.int8)
    for place in _DIGIT_PLACES:
        digits_differ += (na // place) % 10 != (nb // place) % 10
    _assign(levels, ok & (digits_differ == 1), 3)
    _assign(levels, ok & ((np.abs(a - b) <= 1) | ((ya == yb) & (ma == mb))), 4)
    _assign(levels, ok, 5)
    return levels


def address(L: Table, R: Table, li, ri) -> np.ndarray:
    """The household: address line and postcode, and carers' full names (a carer's
    surname is left out: it agrees whenever the child's does)."""
    la, ra = L["address"][li], R["address"][ri]
    lp, rp = L["pc_unit"][li], R["pc_unit"][ri]
    has = ((la != MISSING) | (lp != MISSING)) & ((ra != MISSING) | (rp != MISSING))
    has_carers = _present(L["carer1_surname"][li], R["carer1_surname"][ri])
    carer = _any_equal(L, R, li, ri, ("carer1", "carer2"), ("carer1", "carer2"))
    same_pc = _eq(lp, rp)
    same_line = _eq(la, ra)
    levels = np.zeros(len(li), dtype=np.int8)
    _assign(levels, has & same_line & same_pc & carer, 1)
    _assign(levels, has & same_line & same_pc, 2)
    similar = jaro_winkler(L.vocabs.lines.values, la, ra) >= JW_TIERS[0]
    _assign(levels, similar & same_pc, 3)
    _assign(levels, same_pc, 4)
    _assign(levels, has & same_line, 5)
    _assign(levels, similar, 6)
    _assign(levels, carer, 7)
    _assign(levels, _eq(L["pc_sector"][li], R["pc_sector"][ri]), 8)
    _assign(levels, _eq(L["pc_district"][li], R["pc_district"][ri]) | (has & _eq(L["town"][li], R["town"][ri])), 9)
    _assign(levels, has | has_carers, 10)
    return levels


def sex(L: Table, R: Table, li, ri) -> np.ndarray:
    a, b = L["sex"][li], R["sex"][ri]
    ok = (a != 0) & (b != 0)
    return np.where(ok, np.where(a == b, 1, 2), 0).astype(np.int8)


def _with_temporary(columns: tuple[str, ...]):
    """A UPN's comparison: agree when any of the columns (UPN, former UPN) agree on
    either side; conflict when the first column's values differ and both are permanent;
    else when they differ otherwise."""
    first = columns[0]

    def compare(L: Table, R: Table, li, ri) -> np.ndarray:
        a, b = L[first][li], R[first][ri]
        agree = _any_equal(L, R, li, ri, columns, columns)
        both_permanent = L[permanent(first)][li] & R[permanent(first)][ri]
        levels = np.zeros(len(li), dtype=np.int8)
        _assign(levels, agree, 1)
        _assign(levels, _present(a, b) & both_permanent & (a != b), 2)
        _assign(levels, _present(a, b), 3)
        return levels
    return compare


def _identifier(column: str):
    def compare(L: Table, R: Table, li, ri) -> np.ndarray:
        a, b = L[column][li], R[column][ri]
        return np.where(_present(a, b), np.where(a == b, 1, 2), 0).astype(np.int8)
    return compare


def _identifier_function(group: tuple[schemes.Scheme, ...]):
    if group[0].temporary:
        return _with_temporary(tuple(s.name for s in group))
    if len(group) > 1:
        raise ValueError(f"schemes {', '.join(s.name for s in group)} share a comparison: only a scheme "
                         "with temporary values (a UPN) is compared with others")
    return _identifier(group[0].name)


def house_number(L: Table, R: Table, li, ri) -> np.ndarray:
    a, b = L["house_number"][li], R["house_number"][ri]
    return np.where(_present(a, b), np.where(a == b, 1, 2), 0).astype(np.int8)


def _part(column: str, vocab: str):
    """exact, Jaro-Winkler tiers, else: for one address part held as codes in a vocabulary."""
    def compare(L: Table, R: Table, li, ri) -> np.ndarray:
        a, b = L[column][li], R[column][ri]
        levels = np.zeros(len(li), dtype=np.int8)
        _assign(levels, _eq(a, b), 1)
        jw = jaro_winkler(getattr(L.vocabs, vocab).values, a, b)
        _assign(levels, jw >= PART_TIERS[0], 2)
        _assign(levels, jw >= PART_TIERS[1], 3)
        _assign(levels, _present(a, b), 4)
        return levels
    return compare


def postcode(L: Table, R: Table, li, ri) -> np.ndarray:
    """The postcode as written (any country): exact, one or two edits (Damerau-Levenshtein), else."""
    a, b = L["pc_unit"][li], R["pc_unit"][ri]
    distinct = Distinct(L.vocabs.places.values, a, b)
    levels = np.zeros(len(li), dtype=np.int8)
    _assign(levels, _eq(a, b), 1)
    if len(distinct.a):
        values = distinct.vocab
        edits = np.fromiter((DamerauLevenshtein.distance(values[x], values[y], score_cutoff=3)
                             for x, y in zip(distinct.a, distinct.b)), dtype=np.int8, count=len(distinct.a))
        edits = distinct.spread(edits, 9)
        _assign(levels, edits == 1, 2)
        _assign(levels, edits == 2, 3)
    _assign(levels, _present(a, b), 4)
    return levels


def names_swapped(L: Table, R: Table, li, ri) -> np.ndarray:
    lf, ls, rf, rs = L["forename"][li], L["surname"][li], R["forename"][ri], R["surname"][ri]
    names = L.vocabs.names.values
    levels = np.zeros(len(li), dtype=np.int8)
    _assign(levels, _eq(lf, rs) & _eq(ls, rf), 1)
    similar = (jaro_winkler(names, lf, rs) >= JW_TIERS[1]) & (jaro_winkler(names, ls, rf) >= JW_TIERS[1])
    _assign(levels, similar, 2)
    _assign(levels, _present(lf, ls, rf, rs), 3)
    return levels


FUNCTIONS = {
    "forename": forename, "middle_names": middle_names, "surname": surname, "dob": dob, "address": address,
    "sex": sex, **{name: _identifier_function(group) for name, group in schemes.comparisons().items()},
    "house_number": house_number, "street": _part("street", "lines"), "address_line2": _part("line2", "lines"),
    "town": _part("town", "places"), "postcode": postcode, "names_swapped": names_swapped,
}


def compare(L: Table, R: Table, li: np.ndarray, ri: np.ndarray,
            comparisons: tuple[Comparison, ...] = COMPARISONS) -> np.ndarray:
    """Levels of every comparison for pairs (li[k], ri[k]): shape (pairs, comparisons)."""
    li = np.asarray(li, dtype=np.int64)
    ri = np.asarray(ri, dtype=np.int64)
    out = np.empty((len(li), len(comparisons)), dtype=np.int8)
    for k, comparison in enumerate(comparisons):
        out[:, k] = FUNCTIONS[comparison.name](L, R, li, ri)
    return out
