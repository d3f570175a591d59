"""Blocking rules, as data: which pairs are worth comparing at all.

A rule is a tuple of key parts; a part names one column, or several alternative
columns (a UPN meets a former UPN). Two records share a block when every part agrees.
Every block is capped on the existing side: an oversized block is skipped, counted and
reported rather than silently dropped or allowed to blow up memory.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

import numpy as np

from matching import schemes
from matching.table import MISSING, Table


@dataclass(frozen=True)
class Rule:
    name: str
    parts: tuple[tuple[str, ...], ...]   # each part: alternative columns


RULES: tuple[Rule, ...] = (
    # One per identifier comparison of matching/schemes.py: upn (a UPN or a former UPN), nhs_number, uln.
    *(Rule(name, (tuple(s.name for s in group),)) for name, group in schemes.comparisons().items()),
    # The date of birth (day and month either way round) with any surname's sound.
    Rule("dob_unordered_surnames_sound", (("dob_unordered",),
                                          ("surname_sound", "preferred_surname_sound", "former_surname_sound"))),
    # Either name with the date of birth: also meets forename and surname swapped.
    Rule("dob_name", (("dob",), ("forename", "surname"))),
    Rule("postcode_initial", (("pc_unit",), ("initial",))),
    # Both names' sounds with two of the three parts of the date of birth: a date wrong in
    # any one part. (One rule on the year alone gave a third of all pairs, at a million
    # children, and missed a wrong year.)
    Rule("sounds_year_month", (("forename_sound",), ("surname_sound",), ("year",), ("month",))),
    Rule("sounds_year_day", (("forename_sound",), ("surname_sound",), ("year",), ("day",))),
    Rule("sounds_month_day", (("forename_sound",), ("surname_sound",), ("month",), ("day",))),
    Rule("postcode_surname_sound", (("pc_unit",), ("surname_sound",))),
    Rule("dob_postcode", (("dob",), ("pc_unit",))),
)
# Wider rules for smaller data sets, or data whose fields are corrupted independently
# (FEBRL): at a million children some of them make blocks too big to be worth it.
EXTRA: tuple[Rule, ...] = (
    # The census rules before 2026-12 (a model or settings file may still name them).
    Rule("dob_surname_sound", (("dob",), ("surname_sound", "preferred_surname_sound", "former_surname_sound"))),
    Rule("dob_unordered_surname_sound", (("dob_unordered",), ("surname_sound",))),
    Rule("sounds_year", (("forename_sound",), ("surname_sound",), ("year",))),
    Rule("forename_surname", (("forename",), ("surname",))),
    Rule("names_unordered", (("names_unordered",),)),
    Rule("forename", (("forename",),)),
    Rule("surname", (("surname",),)),
    Rule("dob", (("dob",),)),
    Rule("postcode", (("pc_unit",),)),
    Rule("house_number_street", (("house_number",), ("street",))),
    Rule("postcode_house_number", (("pc_unit",), ("house_number",))),
    Rule("town_street", (("town",), ("street",))),
)
LIBRARY: dict[str, Rule] = {r.name: r for r in RULES + EXTRA}
DEFAULT_CAP = 500


def select(names) -> tuple[Rule, ...]:
    """The named rules, in the order given; ValueError naming any unknown one."""
    unknown = [n for n in names if n not in LIBRARY]
    if unknown:
        raise ValueError(f"unknown blocking rule(s) {', '.join(unknown)}; known: {', '.join(LIBRARY)}")
    return tuple(LIBRARY[n] for n in names)


@dataclass
class Blocked:
    left: np.ndarray                 # row numbers in the existing table
    right: np.ndarray                # row numbers in the incoming table
    pairs_by_rule: dict[str, int] = field(default_factory=dict)
    capped_blocks: dict[str, int] = field(default_factory=dict)   # blocks skipped per rule
    capped_pairs: dict[str, int] = field(default_factory=dict)    # pairs they would have given


_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))


def column(table: Table, name: str) -> np.ndarray:
    """A key column; the day/month-unordered date is derived here, the rest by the table."""
    if name == "dob_unordered":
        dob = table["dob"]
        y, m, d = table["year"], table["month"], table["day"]
        key = y.astype(np.int64) * 10000 + np.minimum(m, d) * 100 + np.maximum(m, d)
        return np.where(dob == MISSING, MISSING, key)
    if name == "names_unordered":   # forename and surname either way round
        f, s = table["forename"].astype(np.int64), table["surname"].astype(np.int64)
        key = np.minimum(f, s) * (len(table.vocabs.names) + 1) + np.maximum(f, s)
        return np.where((f == MISSING) | (s == MISSING), MISSING, key)
    return table[name].astype(np.int64)


def _keys(table: Table, rule: Rule) -> tuple[np.ndarray, np.ndarray]:
    """(row, key) for every combination of the rule's alternatives with no part missing.
    Keys are 64-bit mixes: a collision only adds a pair to compare, never hides one."""
    rows = np.arange(len(table), dtype=np.int64)
    combos = [(rows, np.zeros(len(table), dtype=np.uint64))]
    for k, part in enumerate(rule.parts):
        grown = []
        for names in part:
            col = column(table, names)
            for r, key in combos:
                v = col[r]
                ok = v != MISSING
                mixed = (key[ok] ^ (v[ok].astype(np.uint64) + np.uint64(k + 1))) * _MIX[k % 3]
                grown.append((r[ok], mixed))
        combos = grown
    if len(combos) == 1:
        return combos[0]
    # Alternatives can give one row the same key twice (surname sound = former surname
    # sound); keep it once so that it is neither paired nor counted twice.
    r = np.concatenate([c[0] for c in combos])
    key = np.concatenate([c[1] for c in combos])
    order = np.lexsort((r, key))
    r, key = r[order], key[order]
    first = np.ones(len(r), dtype=bool)
    first[1:] = (r[1:] != r[:-1]) | (key[1:] != key[:-1])
    return r[first], key[first]


def _join(lrows, lkeys, rrows, rkeys, cap: int):
    order = np.argsort(lkeys, kind="stable")
    lrows, lkeys = lrows[order], lkeys[order]
    start = np.searchsorted(lkeys, rkeys, side="left")
    stop = np.searchsorted(lkeys, rkeys, side="right")
    size = stop - start
    over = size > cap
    capped_keys = np.unique(rkeys[over])
    capped_pairs = int(size[over].sum())
    size = np.where(over, 0, size)
    right = np.repeat(rrows, size)
    offsets = np.repeat(start - np.cumsum(size) + size, size) + np.arange(int(size.sum()))
    return lrows[offsets], right, len(capped_keys), capped_pairs


def block(existing: Table, incoming: Table, rules: tuple[Rule, ...] = RULES, *,
          cap: int = DEFAULT_CAP) -> Blocked:
    """Candidate pairs (existing row, incoming row) from every rule, each pair once."""
    lefts, rights = [], []
    out = Blocked(np.zeros(0, np.int64), np.zeros(0, np.int64))
    for rule in rules:
        lrows, lkeys = _keys(existing, rule)
        rrows, rkeys = _keys(incoming, rule)
        left, right, n_capped, n_capped_pairs = _join(lrows, lkeys, rrows, rkeys, cap)
        lefts.append(left)
        rights.append(right)
        out.pairs_by_rule[rule.name] = len(left)
        out.capped_blocks[rule.name] = n_capped
        out.capped_pairs[rule.name] = n_capped_pairs
    left = np.concatenate(lefts) if lefts else np.zeros(0, np.int64)
    right = np.concatenate(rights) if rights else np.zeros(0, np.int64)
    pair = np.unique(right * max(len(existing), 1) + left)
    out.left, out.right = pair % max(len(existing), 1), pair // max(len(existing), 1)
    return out


def block_within(table: Table, rules: tuple[Rule, ...] = RULES, *, cap: int = DEFAULT_CAP) -> Blocked:
    """The pairs of block(table, table) between two rows, each once, as (earlier row,
    later row), in order of the later row: a batch's rows against each other. Each rule's keys are made once, and
    only the pairs of a block after each row are made, not both orders and the row with
    itself. A block of more than `cap` rows is skipped, as block skips it."""
    lefts, rights = [], []
    out = Blocked(np.zeros(0, np.int64), np.zeros(0, np.int64))
    for rule in rules:
        rows, keys = _keys(table, rule)
        order = np.argsort(keys, kind="stable")
        rows, keys = rows[order], keys[order]
        end = np.searchsorted(keys, keys, side="right")
        size = end - np.searchsorted(keys, keys, side="left")
        over = size > cap
        later = np.where(over, 0, end - np.arange(len(keys)) - 1)   # the rows after this one in its block
        first = np.repeat(np.arange(len(keys)), later)
        second = first + 1 + np.arange(int(later.sum())) - np.repeat(np.cumsum(later) - later, later)
        a, b = rows[first], rows[second]
        lefts.append(np.minimum(a, b))
        rights.append(np.maximum(a, b))
        out.pairs_by_rule[rule.name] = len(first)
        out.capped_blocks[rule.name] = len(np.unique(keys[over]))
        out.capped_pairs[rule.name] = int((size[over] - 1).sum()) // 2   # each skipped block's s(s-1)/2
    left = np.concatenate(lefts) if lefts else np.zeros(0, np.int64)
    right = np.concatenate(rights) if rights else np.zeros(0, np.int64)
    n = max(len(table), 1)
    pair = np.unique(right * n + left)
    out.left, out.right = pair % n, pair // n
    return out


def record_keys(table: Table, row: int, rules: tuple[Rule, ...] = RULES) -> list[tuple[str, str]]:
    """(rule, key) pairs of one record as readable strings, for storage in an index table.
    Two records share a string key exactly when they share the rule's block."""
    return all_record_keys(table.subset([row]), rules)[0]


def all_record_keys(table: Table, rules: tuple[Rule, ...] = RULES) -> list[list[tuple[str, str]]]:
    """record_keys of every row (each column decoded once, not once per row)."""
    n = len(table)
    keys: list[set[tuple[str, str]]] = [set() for _ in range(n)]
    decoded: dict[str, list[str | None]] = {}
    for rule in rules:
        parts = []
        for part in rule.parts:
            for name in part:
                if name not in decoded:
                    decoded[name] = _decoded(table, name)
            parts.append([decoded[name] for name in part])
        for i in range(n):
            combos = [""]
            for alternatives in parts:
                values = sorted({col[i] for col in alternatives} - {None})
                if not values:
                    break
                combos = [c + "|" + v if c else v for c in combos for v in values] if combos != [""] else values
            else:
                keys[i].update((rule.name, c) for c in combos)
    return [sorted(k) for k in keys]


_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _text_hash(text: str) -> np.uint64:
    return np.uint64(int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little"))


def _mix(key: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Fold one part's hash into a key (splitmix64's finaliser over key ^ value)."""
    with np.errstate(over="ignore"):
        z = (key ^ value) * _M1
        z = (z ^ (z >> np.uint64(31))) * _M2
        return z ^ (z >> np.uint64(29))


_MASK = (1 << 64) - 1
SMALL = 16   # rows up to which stored_keys works in plain Python (a search's few readings)


def _mix_int(key: int, value: int) -> int:
    """_mix on Python ints (the same splitmix64 finaliser, modulo 2**64)."""
    z = ((key ^ value) * int(_M1)) & _MASK
    z = ((z ^ (z >> 31)) * int(_M2)) & _MASK
    return z ^ (z >> 29)


def _stored_keys_small(table: Table, rules: tuple[Rule, ...]) -> tuple[np.ndarray, np.ndarray]:
    """stored_keys for a few rows, without numpy's per-call cost: the same keys."""
    texts: dict[str, list[str | None]] = {}
    found: set[tuple[int, int]] = set()
    for rule in rules:
        for name in (n for part in rule.parts for n in part):
            if name not in texts:
                texts[name] = [_readable(table, name, int(v)) for v in column(table, name).tolist()]
        for i in range(len(table)):
            keys = [int(_text_hash(rule.name))]
            for part in rule.parts:
                keys = [_mix_int(k, int(_text_hash(t))) for t in (texts[n][i] for n in part) if t is not None
                        for k in keys]
            found.update((i, k) for k in keys)
    pairs = sorted(found)
    rows = np.array([i for i, _ in pairs], dtype=np.int64)
    return rows, np.array([k for _, k in pairs], dtype=np.uint64).view(np.int64)


def stored_keys(table: Table, rules: tuple[Rule, ...] = RULES) -> tuple[np.ndarray, np.ndarray]:
    """(row, key) for every stored blocking key of every row: key is a signed 64-bit hash
    of the rule and the readable parts of one record_keys entry, so two records share a
    stored key exactly when they share a readable key (up to a 64-bit hash collision,
    which only adds a pair to compare). Each row's keys are distinct. Vectorised: every
    distinct column value is decoded and hashed once."""
    if len(table) <= SMALL:
        return _stored_keys_small(table, rules)
    hashed: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def part_hash(name: str) -> tuple[np.ndarray, np.ndarray]:
        if name not in hashed:
            uniq, inverse = np.unique(column(table, name), return_inverse=True)
            texts = [_readable(table, name, int(v)) for v in uniq]
            h = np.array([_text_hash(t) if t is not None else 0 for t in texts], dtype=np.uint64)
            ok = np.array([t is not None for t in texts], dtype=bool)
            hashed[name] = (h[inverse.reshape(-1)], ok[inverse.reshape(-1)])
        return hashed[name]

    n = len(table)
    all_rows, all_keys = [np.zeros(0, np.int64)], [np.zeros(0, np.uint64)]
    for rule in rules:
        combos = [(np.arange(n, dtype=np.int64), np.full(n, _text_hash(rule.name), dtype=np.uint64))]
        for part in rule.parts:
            grown = []
            for name in part:
                h, ok = part_hash(name)
                for r, key in combos:
                    keep = ok[r]
                    grown.append((r[keep], _mix(key[keep], h[r[keep]])))
            combos = grown
        all_rows += [c[0] for c in combos]
        all_keys += [c[1] for c in combos]
    rows, keys = np.concatenate(all_rows), np.concatenate(all_keys)
    order = np.lexsort((keys, rows))
    rows, keys = rows[order], keys[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (keys[1:] != keys[:-1])
    return rows[first], keys[first].view(np.int64)


def _decoded(table: Table, name: str) -> list[str | None]:
    """_readable for every row of one key column, each distinct value decoded once."""
    uniq, inverse = np.unique(column(table, name), return_inverse=True)
    strings = [_readable(table, name, int(v)) for v in uniq]
    return [strings[k] for k in inverse.tolist()]


def _readable(table: Table, name: str, value: int) -> str | None:
    """The readable form of one key column's value (a code, a date ordinal, ...)."""
    if value == MISSING:
        return None
    v = table.vocabs
    if name == "dob":
        return datetime.date.fromordinal(value).isoformat()
    if name in ("dob_unordered", "year", "month", "day"):
        return str(value)
    if name == "names_unordered":
        size = len(v.names) + 1
        # Alphabetical, not by code: codes depend on the order a run first met the names.
        return "|".join(sorted((v.names.values[value // size], v.names.values[value % size])))
    if name == "initial":
        return chr(value)
    if name.endswith("_sound"):
        return v.sounds.values[value]
    if name in schemes.BY_NAME:
        return v.ids.values[value].split(":", 1)[1]
    if name in ("pc_unit", "town"):
        return v.places.values[value]
    if name in ("house_number", "street", "line2"):
        return v.lines.values[value]
    return v.names.values[value]
