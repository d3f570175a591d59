"""The Fellegi-Sunter model: m and u per comparison level, a prior, thresholds.

Saved as versioned JSON. A pair's match weight is the prior's log-odds plus, for each
comparison, log2(m / u) of its level (level 0, no data, adds nothing). An exact name
agreement is weighted by how common the name is (term frequency), within bounds.
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

import msgspec
import numpy as np

from matching import blocking, compare
from matching.compare import COMPARISONS

FORMAT = "isindex-match-model/1"


class Level(msgspec.Struct, forbid_unknown_fields=True):
    label: str
    m: float
    u: float


class Field(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    levels: list[Level]


class Thresholds(msgspec.Struct, forbid_unknown_fields=True):
    auto: float = 0.999       # match probability at or above which a pair may be linked automatically
    review: float = 0.05      # at or above which a person looks at it
    margin: float = 3.0       # two auto-band candidates within this many bits of each other: review
    possible: float = 0.0001  # a practitioner search shows a child at or above this (graded "possible")


class Rules(msgspec.Struct, forbid_unknown_fields=True):
    # Children's records keep it on; a data set with no households of children (FEBRL)
    # may turn it off in its own model.
    twins_guard: bool = True


class Settings(msgspec.Struct, forbid_unknown_fields=True):
    """What a model compares and blocks on, and its decision settings: the input to
    training, as data. The defaults are the census settings of the shipped model."""
    comparisons: list[str] = msgspec.field(default_factory=lambda: [c.name for c in COMPARISONS])
    blocking: list[str] = msgspec.field(default_factory=lambda: [r.name for r in blocking.RULES])
    thresholds: Thresholds = msgspec.field(default_factory=Thresholds)
    rules: Rules = msgspec.field(default_factory=Rules)

    def check(self) -> None:
        compare.select(self.comparisons)
        blocking.select(self.blocking)
        if not self.comparisons or not self.blocking:
            raise ValueError("settings need at least one comparison and one blocking rule")


def load_settings(path: str | Path) -> Settings:
    try:
        settings = msgspec.json.decode(Path(path).read_bytes(), type=Settings)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ValueError(f"cannot read settings {path}: {exc}") from None
    settings.check()
    return settings


class Model(msgspec.Struct, forbid_unknown_fields=True):
    format: str
    version: str
    # Share of incoming records expected to have a match among the existing ones; the
    # prior for one pair is this divided by the number of existing records.
    match_rate: float
    fields: list[Field]              # the comparisons used, by name, in order
    thresholds: Thresholds = msgspec.field(default_factory=Thresholds)
    rules: Rules = msgspec.field(default_factory=Rules)
    blocking: list[str] = msgspec.field(default_factory=lambda: [r.name for r in blocking.RULES])
    tf_max_bits: float = 4.0    # term-frequency adjustment is clipped to +/- this many bits
    trained_on: dict[str, str | int | float] = {}

    @property
    def comparisons(self) -> tuple[compare.Comparison, ...]:
        return compare.select([f.name for f in self.fields])

    @property
    def blocking_rules(self) -> tuple[blocking.Rule, ...]:
        return blocking.select(self.blocking)

    def check(self) -> None:
        comparisons = self.comparisons      # ValueError naming an unknown comparison
        for c, f in zip(comparisons, self.fields):
            if [lv.label for lv in f.levels] != list(c.levels):
                raise ValueError(f"the model's levels for {f.name} do not match this version of the matcher")
        self.blocking_rules
        if not 0 < self.match_rate <= 1:
            raise ValueError("match_rate must be in (0, 1]")
        for f in self.fields:
            for lv in f.levels:
                if not (0 < lv.m <= 1 and 0 < lv.u <= 1):
                    raise ValueError(f"{f.name}/{lv.label}: m and u must be in (0, 1]")
        t = self.thresholds
        if not 0 < t.possible <= t.review <= t.auto < 1:
            raise ValueError("thresholds: need 0 < possible <= review <= auto < 1")

    def weight_table(self) -> np.ndarray:
        """Bits per (comparison, level); level 0 (no data) is 0. Shape (comparisons, max levels + 1).
        Padding past a comparison's last level is never indexed."""
        width = max(len(f.levels) for f in self.fields) + 1
        table = np.zeros((len(self.fields), width), dtype=np.float64)
        for k, f in enumerate(self.fields):
            for j, lv in enumerate(f.levels, start=1):
                table[k, j] = math.log2(lv.m / lv.u)
        return table

    def level_u(self, name: str, level: int) -> float:
        return next(f for f in self.fields if f.name == name).levels[level - 1].u

    def prior_bits(self, n_existing: int) -> float:
        p = min(self.match_rate / max(n_existing, 1), 0.5)
        return math.log2(p / (1 - p))


def probability(weight: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp2(-np.asarray(weight, dtype=np.float64)))


def bits(p: float) -> float:
    return math.log2(p / (1 - p))


def load(path: str | Path | None = None) -> Model:
    """A model file, or the default model shipped with the package."""
    try:
        if path is None:
            data = resources.files("matching").joinpath("data", "default_model.json").read_bytes()
        else:
            data = Path(path).read_bytes()
        model = msgspec.json.decode(data, type=Model)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ValueError(f"cannot read model {path or 'default'}: {exc}") from None
    if model.format != FORMAT:
        raise ValueError(f"model format {model.format!r} is not {FORMAT!r}")
    model.check()
    return model


def dump(model: Model) -> bytes:
    return msgspec.json.format(msgspec.json.encode(model), indent=2) + b"\n"


def untrained(version: str = "untrained", settings: Settings | None = None) -> Model:
    """Starting values for training: plausible m and u, refined by the data."""
    settings = settings or Settings()
    fields = []
    for c in compare.select(settings.comparisons):
        n = len(c.levels)
        m = [0.9 * 0.5 ** k for k in range(n)]
        u = [0.001 * 8 ** k for k in range(n)]
        m = [x / sum(m) for x in m]
        u = [x / sum(u) for x in u]
        fields.append(Field(c.name, [Level(label, mi, ui) for label, mi, ui in zip(c.levels, m, u)]))
    return Model(format=FORMAT, version=version, match_rate=0.9, fields=fields, thresholds=settings.thresholds,
                 rules=settings.rules, blocking=list(settings.blocking))
