"""Match weights from comparison levels, and the per-field explanation of each."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.compare import COMPARISONS, Comparison
from matching.model import Model
from matching.table import MISSING, Table


@dataclass
class Frequencies:
    """How often each value occurs, for term-frequency adjustment, per comparison."""
    counts: dict[str, np.ndarray]   # comparison -> count per code
    total: dict[str, int]

    @classmethod
    def of(cls, *tables: Table, comparisons: tuple[Comparison, ...] = COMPARISONS) -> Frequencies:
        counts, total = {}, {}
        for c in comparisons:
            if not c.tf:
                continue
            values = [t[value][t[value] != MISSING] for t in tables for _, value in c.tf]
            size = max((int(v.max()) for v in values if len(v)), default=0) + 1
            counts[c.name] = sum((np.bincount(v, minlength=size) for v in values), np.zeros(size, np.int64))
            total[c.name] = sum(len(v) for v in values)
        return cls(counts, total)

    def frequency(self, name: str, codes: np.ndarray) -> np.ndarray:
        count = self.counts[name]
        known = (codes >= 0) & (codes < len(count))
        found = np.where(known, count[np.where(known, codes, 0)], 1)
        return np.maximum(found, 1) / max(self.total[name], 1)


class Scorer:
    def __init__(self, model: Model, n_existing: int, frequencies: Frequencies) -> None:
        self.model = model
        self.comparisons = model.comparisons
        self.table = model.weight_table()
        self.prior = model.prior_bits(n_existing)
        self.freq = frequencies

    def contributions(self, levels: np.ndarray, L: Table, R: Table, li: np.ndarray,
                      ri: np.ndarray) -> np.ndarray:
        """Bits per pair and comparison, term-frequency adjustment included."""
        k = np.arange(levels.shape[1])
        bits = self.table.astype(np.float32)[k[None, :], levels]
        for j, c in enumerate(self.comparisons):
            exact = levels[:, j] == c.tf_level
            if not c.tf or not exact.any():
                continue
            pl, pr = li[exact], ri[exact]
            tf = np.zeros(len(pl))
            for match_l, value_l in c.tf:   # the commonest agreeing value: the least evidence
                for match_r, _ in c.tf:
                    agree = (L[match_l][pl] == R[match_r][pr]) & (L[match_l][pl] != MISSING)
                    tf = np.where(agree, np.maximum(tf, self.freq.frequency(c.name, L[value_l][pl])), tf)
            adjust = np.log2(self.model.level_u(c.name, c.tf_level) / np.maximum(tf, 1e-12))
            adjusted = bits[exact, j] + np.clip(adjust, -self.model.tf_max_bits, self.model.tf_max_bits)
            # Agreeing exactly on a common name is never weaker than any weaker level.
            weaker = self.table[j, c.tf_level + 1:]
            bits[exact, j] = np.maximum(adjusted, weaker.max(initial=0.0))
        return bits

    def weights(self, contributions: np.ndarray) -> np.ndarray:
        return self.prior + contributions.sum(axis=1, dtype=np.float64)


def explain(levels_row: np.ndarray, bits_row: np.ndarray,
            comparisons: tuple[Comparison, ...] = COMPARISONS) -> list[tuple[str, str, float]]:
    """(comparison, level label, bits) for one pair; 'no data' where a side is empty."""
    out = []
    for c, level, b in zip(comparisons, levels_row, bits_row):
        label = "no data" if level == 0 else c.levels[level - 1]
        out.append((c.name, label, round(float(b), 2)))
    return out
