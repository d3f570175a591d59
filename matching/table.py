"""Records prepared for matching, held column by column.

Every field is normalised once per distinct value (names, postcodes and dates repeat
heavily) and stored as an integer code into a vocabulary shared by the tables being
compared, so that comparisons and blocking run as numpy array operations. A single
record is a table of one row: the point path and the bulk path share this code.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

import jellyfish
import numpy as np

from matching import identifiers, normalise
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


# Column names of a Table, with their dtype. Name codes index Vocabs.names.
COLUMNS: dict[str, type] = {
    "forename": np.int32, "preferred_forename": np.int32, "middle1": np.int32, "middle2": np.int32,
    "surname": np.int32, "preferred_surname": np.int32, "former_surname": np.int32,
    "surname_part1": np.int32, "surname_part2": np.int32,
    "dob": np.int32, "sex": np.int8,
    "address": np.int32, "town": np.int32, "pc_unit": np.int32, "pc_sector": np.int32, "pc_district": np.int32,
    "upn": np.int32, "upn_permanent": np.bool_, "former_upn": np.int32, "uln": np.int32, "nhs_number": np.int32,
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
            out = np.full(len(self), MISSING, dtype=np.int32)
            known = dob != MISSING
            dates = [datetime.date.fromordinal(int(x)) for x in dob[known]]
            out[known] = [getattr(d, name) for d in dates]
            return out
        if name.endswith("_sound"):
            sound = np.vectorize(self.vocabs.sound, otypes=[np.int32])
            col = self.cols[name.removesuffix("_sound")]
            return sound(col) if len(col) else col.copy()
        raise KeyError(name)


def _ordinal(value: datetime.date | str | None) -> int:
    if not value:
        return MISSING
    if isinstance(value, str):
        try:
            value = normalise.parse_date(value)
        except ValueError:
            return MISSING
    return value.toordinal()


def _identifier(vocabs: Vocabs, scheme: str, raw: str | None) -> tuple[int, bool]:
    """(code, permanent) of a valid identifier; invalid ones are never used for matching."""
    if not raw:
        return MISSING, False
    checked = identifiers.check(scheme, raw)
    if checked is None or not checked.valid:
        return MISSING, False
    return vocabs.ids.code(f"{scheme}:{checked.value}"), not checked.temporary


def build(vocabs: Vocabs, rows: Iterable[CensusRow | dict]) -> Table:
    """A Table from parsed census rows, or from dicts with the census column names
    (carer columns flattened; dob a date, an ISO/UK string or '')."""
    ids: list[str] = []
    data: dict[str, list] = {name: [] for name in COLUMNS}
    fold, name, pc = vocabs.fold, vocabs.name, vocabs.postcode
    for row in rows:
        get = row.get if isinstance(row, dict) else row.__getattribute__
        ids.append(get("record_id"))
        fore = fold(get("forename"))
        middles = fold(get("middle_names")).split()
        data["forename"].append(vocabs.names.code(fore))
        data["preferred_forename"].append(name(get("preferred_forename")))
        data["middle1"].append(vocabs.names.code(middles[0] if middles else ""))
        data["middle2"].append(vocabs.names.code(middles[1] if len(middles) > 1 else ""))
        surname = fold(get("surname"))
        parts = surname.split()
        data["surname"].append(vocabs.names.code(surname))
        data["preferred_surname"].append(name(get("preferred_surname")))
        data["former_surname"].append(name(get("former_surname")))
        data["surname_part1"].append(vocabs.names.code(parts[0] if len(parts) > 1 else ""))
        data["surname_part2"].append(vocabs.names.code(parts[-1] if len(parts) > 1 else ""))
        data["dob"].append(_ordinal(get("dob")))
        data["sex"].append(_SEX.get((get("gender") or "").upper()[:1], 0))
        unit, sector, district = pc(get("postcode"))
        data["pc_unit"].append(unit)
        data["pc_sector"].append(sector)
        data["pc_district"].append(district)
        data["address"].append(vocabs.lines.code(fold(get("address_line1"))))
        data["town"].append(vocabs.places.code(fold(get("town"))))
        upn, permanent = _identifier(vocabs, "upn", get("upn"))
        data["upn"].append(upn)
        data["upn_permanent"].append(permanent)
        data["former_upn"].append(_identifier(vocabs, "upn", get("former_upn"))[0])
        data["uln"].append(_identifier(vocabs, "uln", get("uln"))[0])
        data["nhs_number"].append(_identifier(vocabs, "nhs_number", get("nhs_number"))[0])
        carers = _carers(row)
        for i in (1, 2):
            fore_c, sur_c = carers[i - 1] if len(carers) >= i else ("", "")
            sur_f = fold(sur_c)
            data[f"carer{i}_forename"].append(name(fore_c) if sur_f else MISSING)
            data[f"carer{i}"].append(vocabs.full_names.code(f"{fold(fore_c)} {sur_f}" if fore_c and sur_f else ""))
            data[f"carer{i}_surname"].append(vocabs.names.code(sur_f))
    columns = {k: np.asarray(v, dtype=COLUMNS[k]) for k, v in data.items()}
    return Table(vocabs, ids, columns)


def _carers(row: CensusRow | dict) -> list[tuple[str, str]]:
    if isinstance(row, dict):
        return [(row.get(f"carer{i}_forename") or "", row.get(f"carer{i}_surname") or "") for i in (1, 2)
                if row.get(f"carer{i}_surname")]
    return [(c.forename or "", c.surname or "") for c in row.carers if c.surname]
