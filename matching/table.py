"""Records prepared for matching, held column by column.

Every field is normalised once per distinct value (names, postcodes and dates repeat
heavily) and stored as an integer code into a vocabulary shared by the tables being
compared, so that comparisons and blocking run as numpy array operations. A single
record is a table of one row: the point path and the bulk path share this code.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import jellyfish
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from matching import identifiers, normalise, schemes
from matching.census import CensusRow

MISSING = -1


class Vocab:
    """Strings to dense integer codes; '' and None are MISSING."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.values: list[str] = []

    def code(self, value: str | None) -> int:
        if not value:
            return MISSING
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        return code

    def __len__(self) -> int:
        return len(self.values)


@dataclass
class Vocabs:
    """The vocabularies shared by every table in one comparison run."""
    names: Vocab = field(default_factory=Vocab)        # folded forenames and surnames
    full_names: Vocab = field(default_factory=Vocab)   # carers' "forename surname"
    places: Vocab = field(default_factory=Vocab)       # postcode units, sectors, districts, towns
    lines: Vocab = field(default_factory=Vocab)        # folded address lines
    ids: Vocab = field(default_factory=Vocab)          # identifier values, prefixed by scheme
    sounds: Vocab = field(default_factory=Vocab)       # phonetic codes
    _fold: dict[str, str] = field(default_factory=dict)
    _postcode: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    _sound: dict[int, int] = field(default_factory=dict)
    _per_name: dict[str, np.ndarray] = field(default_factory=dict)

    def fold(self, text: str | None) -> str:
        if not text:
            return ""
        folded = self._fold.get(text)
        if folded is None:
            folded = self._fold[text] = normalise.fold(text)
        return folded

    def name(self, text: str | None) -> int:
        return self.names.code(self.fold(text))

    def postcode(self, text: str | None) -> tuple[int, int, int]:
        """(unit, sector, district) codes. A non-UK postcode keeps only its unit."""
        if not text:
            return MISSING, MISSING, MISSING
        got = self._postcode.get(text)
        if got is None:
            parts = identifiers.postcode_parts(text)
            if parts is None:
                got = (self.places.code("?" + "".join(text.split()).upper()), MISSING, MISSING)
            else:
                got = (self.places.code(parts.unit), self.places.code(parts.sector),
                       self.places.code(parts.district))
            self._postcode[text] = got
        return got

    def sound(self, name_code: int) -> int:
        """Phonetic code (metaphone) of a name code, as a code in `sounds`."""
        if name_code == MISSING:
            return MISSING
        got = self._sound.get(name_code)
        if got is None:
            text = self.names.values[name_code].replace(" ", "")
            got = self._sound[name_code] = self.sounds.code(jellyfish.metaphone(text) or text)
        return got


    def per_name(self, key: str, fn, fill: int = MISSING) -> np.ndarray:
        """fn(code) for every code in `names`, as an array indexed by code, with `fill` as
        the last element so that MISSING (-1) picks it. Cached under `key` and extended
        only for names added since: each name is worked on once per run."""
        have = self._per_name.get(key)
        done = 0 if have is None else len(have) - 1
        if have is None or done < len(self.names):
            new = np.fromiter((fn(code) for code in range(done, len(self.names))), dtype=np.int64,
                              count=len(self.names) - done)
            head = have[:-1] if have is not None else np.zeros(0, np.int64)
            have = self._per_name[key] = np.concatenate([head, new, [fill]])
        return have


def permanent(scheme: str) -> str:
    """The column saying whether a scheme's value is permanent ("upn_permanent")."""
    return f"{scheme}_permanent"


# The schemes whose permanence is compared: the first of each comparison with temporary values (UPN).
_PERMANENT = tuple(group[0].name for group in schemes.comparisons().values() if group[0].temporary)

# Column names of a Table, with their dtype. Name codes index Vocabs.names.
COLUMNS: dict[str, type] = {
    "forename": np.int32, "preferred_forename": np.int32, "middle1": np.int32, "middle2": np.int32,
    "surname": np.int32, "preferred_surname": np.int32, "former_surname": np.int32,
    "surname_part1": np.int32, "surname_part2": np.int32,
    "dob": np.int32, "sex": np.int8,
    "address": np.int32, "house_number": np.int32, "street": np.int32, "line2": np.int32, "town": np.int32, "pc_unit": np.int32, "pc_sector": np.int32, "pc_district": np.int32,
    # Each identifier scheme (matching/schemes.py), and whether a UPN is permanent.
    **{s.name: np.int32 for s in schemes.matched()},
    **{permanent(name): np.bool_ for name in _PERMANENT},
    "carer1": np.int32, "carer1_forename": np.int32, "carer1_surname": np.int32,
    "carer2": np.int32, "carer2_forename": np.int32, "carer2_surname": np.int32,
}
_SEX = {"M": 1, "F": 2}


class Table:
    """Prepared records: `ids[i]` is row i's record id; each column is a numpy array."""

    def __init__(self, vocabs: Vocabs, ids: list[str], columns: dict[str, np.ndarray]) -> None:
        self.vocabs = vocabs
        self.ids = ids
        self.cols = columns
        self._derived: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, rows) -> Table:
        """The given rows, in that order, sharing this table's vocabularies."""
        rows = np.asarray(rows, dtype=np.int64)
        return Table(self.vocabs, [self.ids[i] for i in rows], {k: v[rows] for k, v in self.cols.items()})

    @classmethod
    def concat(cls, vocabs: Vocabs, tables: list[Table]) -> Table:
        """Tables built in parts (sharing `vocabs`), as one."""
        if not tables:
            return build(vocabs, [])
        return cls(vocabs, [i for t in tables for i in t.ids],
                   {k: np.concatenate([t.cols[k] for t in tables]) for k in COLUMNS})

    def __getitem__(self, name: str) -> np.ndarray:
        col = self.cols.get(name)
        if col is not None:
            return col
        if name not in self._derived:
            self._derived[name] = self._derive(name)
        return self._derived[name]

    def _derive(self, name: str) -> np.ndarray:
        dob = self.cols["dob"]
        if name in ("year", "month", "day"):
            known = dob != MISSING
            days = np.where(known, dob - _EPOCH_ORDINAL, 0).astype("datetime64[D]")
            if name == "year":
                part = days.astype("datetime64[Y]").astype(np.int64) + 1970
            elif name == "month":
                part = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
            else:
                part = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
            return np.where(known, part, MISSING).astype(np.int32)
        if name.endswith("_sound"):
            sounds = self.vocabs.per_name("sound", self.vocabs.sound)
            return sounds[self.cols[name.removesuffix("_sound")]].astype(np.int32)
        if name == "initial":   # first letter of the forename, as a character code
            values = self.vocabs.names.values
            initials = self.vocabs.per_name("initial", lambda code: ord(values[code][0]))
            return initials[self.cols["forename"]].astype(np.int32)
        raise KeyError(name)


_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()


def _ordinal(value: str) -> int:
    try:
        return normalise.parse_date(value).toordinal() if value else MISSING
    except ValueError:
        return MISSING


OTHER_ID = "?"   # the one code shared by identifiers left out of the vocabulary (known_ids_only)


def _identifiers(vocabs: Vocabs, scheme: str, values, known_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(code, permanent) per row for valid identifiers; invalid ones are never used for matching."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = values.to_pylist()
    if not any(values):   # none given (a search's candidates, most carers' columns)
        return np.full(len(values), MISSING, dtype=np.int64), np.zeros(len(values), dtype=bool)
    normalised, valid, temporary = identifiers.check_many(scheme, values)
    code = _coder(vocabs.ids, known_only)
    codes = np.fromiter((code(f"{scheme}:{v}") if ok else MISSING for v, ok in zip(normalised, valid)),
                        dtype=np.int64, count=len(normalised))
    return codes, valid & ~temporary


def _coder(vocab: Vocab, known_only: bool):
    """vocab.code, or (known_only) the code of a value already in vocab and otherwise
    the one code shared by every value left out."""
    if not known_only:
        return vocab.code
    other = vocab.code(OTHER_ID)
    return lambda value: vocab.codes.get(value, other)


Source = dict[str, "list[str] | pa.Array | pa.ChunkedArray"]


def columns_of(rows: Iterable[CensusRow | dict]) -> Source:
    """Census columns (strings, '' when empty) from parsed rows or from plain dicts."""
    rows = list(rows)
    if not rows:
        return {"record_id": []}
    if not isinstance(rows[0], dict):
        from matching.census_columns import rows_to_columns

        return rows_to_columns(rows)
    names = {k for r in rows[:1] for k in r}
    return {name: [str(r.get(name) or "") for r in rows] for name in names}


SMALL = 4096   # rows below which a plain dict beats Arrow's per-call overhead


def _map(values, fn, width: int = 1) -> np.ndarray:
    """fn over the distinct values only, spread back to every row (via Arrow's dictionary
    encoding; a dict for a small list, as a search's candidates are)."""
    if isinstance(values, list) and len(values) < SMALL:
        done: dict = {}
        mapped = [done[v] if v in done else done.setdefault(v, fn(v)) for v in (x or "" for x in values)]
        if not mapped:
            return np.zeros(0, dtype=np.int64) if width == 1 else np.zeros((0, width), dtype=np.int64)
        if width == 1:
            return np.array(mapped, dtype=np.int64)
        out = np.empty((len(mapped), width), dtype=object)
        out[:] = mapped
        return out
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(values, type=pa.string())
    encoded = pc.dictionary_encode(pc.fill_null(values, ""))
    mapped = [fn(v) for v in encoded.dictionary.to_pylist()]
    table = np.array(mapped, dtype=object if width > 1 else np.int64).reshape(len(mapped), width) \
        if mapped else np.zeros((0, width), dtype=np.int64)
    out = table[encoded.indices.to_numpy(zero_copy_only=False)]
    return out[:, 0] if width == 1 else out


def build(vocabs: Vocabs, rows: Iterable[CensusRow | dict] | None = None, *, source: Source | None = None,
          known_ids_only: bool = False) -> Table:
    """A Table from parsed census rows, from dicts with the census column names (carer
    columns flattened; dob an ISO or UK date string or ''), or from a column source.

    known_ids_only: identifiers (and carers' full names) not already in the vocabulary
    all get one code that equals no other record's, instead of a code each. For a table that is only ever
    compared with tables built before it (the index's candidates for a batch of incoming
    records): equal identifiers still agree and different ones still conflict, and a
    million candidates' identifiers are not all kept in memory. Such a table's
    identifiers cannot be used for blocking keys."""
    if source is None:
        source = columns_of(rows or [])
    n = len(source["record_id"])
    blank = [""] * n

    def col(name: str):
        return source.get(name, blank)

    fold, names = vocabs.fold, vocabs.names
    data: dict[str, np.ndarray] = {}
    data["forename"] = _map(col("forename"), vocabs.name)
    middles = _map(col("middle_names"), lambda v: tuple((fold(v).split() + ["", ""])[:2]), 2)
    data["middle1"] = _map(list(middles[:, 0]), names.code) if n else np.zeros(0, np.int64)
    data["middle2"] = _map(list(middles[:, 1]), names.code) if n else np.zeros(0, np.int64)
    data["preferred_forename"] = _map(col("preferred_forename"), vocabs.name)
    data["surname"] = _map(col("surname"), vocabs.name)
    parts = _map(col("surname"), lambda v: _parts(names, fold(v)), 2).astype(np.int64)
    data["surname_part1"], data["surname_part2"] = parts[:, 0], parts[:, 1]
    data["preferred_surname"] = _map(col("preferred_surname"), vocabs.name)
    data["former_surname"] = _map(col("former_surname"), vocabs.name)
    data["dob"] = _map(col("dob"), _ordinal)
    data["sex"] = _map(col("gender"), lambda v: _SEX.get(v.strip().upper()[:1], 0))
    pcs = _map(col("postcode"), vocabs.postcode, 3).astype(np.int64)
    data["pc_unit"], data["pc_sector"], data["pc_district"] = pcs[:, 0], pcs[:, 1], pcs[:, 2]
    # Address lines are folded with a cache of this build's own: they rarely repeat from
    # table to table, and a shared cache would keep every address ever seen.
    folded_lines: dict[str, str] = {}

    def lines(text: str) -> str:
        got = folded_lines.get(text)
        if got is None:
            got = folded_lines[text] = normalise.fold(text)
        return got

    data["address"] = _map(_joined(col("address_line1"), col("address_line2")), lambda v: vocabs.lines.code(lines(v)))
    # The parts of the address, for data that records and corrupts them separately.
    number_street = _map(col("address_line1"), lambda v: _number_and_street(vocabs.lines, lines(v)), 2)
    data["house_number"] = number_street[:, 0].astype(np.int64) if n else np.zeros(0, np.int64)
    data["street"] = number_street[:, 1].astype(np.int64) if n else np.zeros(0, np.int64)
    data["line2"] = _map(col("address_line2"), lambda v: vocabs.lines.code(lines(v)))
    data["town"] = _map(col("town"), lambda v: vocabs.places.code(fold(v)))
    for scheme in schemes.matched():
        codes, is_permanent = _identifiers(vocabs, scheme.checked_as, col(scheme.name), known_ids_only)
        data[scheme.name] = codes
        if scheme.name in _PERMANENT:
            data[permanent(scheme.name)] = is_permanent
    carers = {}
    for i in (1, 2):
        carers[i] = (_map(col(f"carer{i}_forename"), vocabs.name), _map(col(f"carer{i}_surname"), vocabs.name))
    # A carer without a surname is no carer; the second moves up when the first is absent.
    move_up = (carers[1][1] == MISSING) & (carers[2][1] != MISSING)
    for k in (0, 1):
        first, second = carers[1][k].copy(), carers[2][k].copy()
        first[move_up], second[move_up] = carers[2][k][move_up], MISSING
        carers[1], carers[2] = (carers[1][:k] + (first,) + carers[1][k + 1:],
                                carers[2][:k] + (second,) + carers[2][k + 1:])
    for i in (1, 2):
        fore, sur = carers[i]
        fore = np.where(sur == MISSING, MISSING, fore)
        data[f"carer{i}_forename"], data[f"carer{i}_surname"] = fore, sur
        data[f"carer{i}"] = _full_names(vocabs, fore, sur, known_ids_only)
    ids = source["record_id"]
    ids = ids.to_pylist() if isinstance(ids, (pa.Array, pa.ChunkedArray)) else list(ids)
    columns = {k: np.asarray(data[k], dtype=COLUMNS[k]) for k in COLUMNS}
    return Table(vocabs, ids, columns)


def _joined(a, b) -> pa.Array | list[str]:
    """Address lines 1 and 2 as one string (a second line is often a locality or a flat)."""
    if isinstance(a, list) and isinstance(b, list) and len(a) < SMALL:
        return [f"{x or ''} {y or ''}".strip() for x, y in zip(a, b)]
    a, b = (x if isinstance(x, (pa.Array, pa.ChunkedArray)) else pa.array(x, type=pa.string()) for x in (a, b))
    return pc.utf8_trim_whitespace(pc.binary_join_element_wise(pc.fill_null(a, ""), pc.fill_null(b, ""), " "))


_NUMBER = re.compile(r"(\d+[a-z]?)\b\s*(.*)")


def _number_and_street(lines: Vocab, line: str) -> tuple[int, int]:
    """(house number, rest of the line) codes: "12a high street" -> ("12a", "high street")."""
    found = _NUMBER.fullmatch(line)
    if found is None:
        return MISSING, lines.code(line)
    number, street = found.groups()
    return lines.code(number), lines.code(street)


def _parts(names: Vocab, surname: str) -> tuple[int, int]:
    parts = surname.split()
    return (names.code(parts[0]), names.code(parts[-1])) if len(parts) > 1 else (MISSING, MISSING)


def _full_names(vocabs: Vocabs, fore: np.ndarray, sur: np.ndarray, known_only: bool = False) -> np.ndarray:
    """Codes of "forename surname" where both are known (known_only: as for identifiers)."""
    both = (fore != MISSING) & (sur != MISSING)
    out = np.full(len(fore), MISSING, dtype=np.int64)
    if both.any():
        size = len(vocabs.names) + 1
        key = fore[both].astype(np.int64) * size + sur[both]
        uniq, inverse = np.unique(key, return_inverse=True)
        values = vocabs.names.values
        code = _coder(vocabs.full_names, known_only)
        codes = np.array([code(f"{values[k // size]} {values[k % size]}") for k in uniq])
        out[both] = codes[inverse]
    return out
