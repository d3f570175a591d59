"""Unsupervised training: u from random pairs, m by expectation maximisation.

No labels are used. m for a comparison is estimated only from training blocks that do
not block on that comparison's own field (blocking on date of birth says nothing about
how often true matches agree on it). The match rate comes from the expected number
of matches in the date-of-birth blocks divided by that rule's estimated recall.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import structlog

from matching import blocking, compare, schemes
from matching.compare import COMPARISONS, Comparison
from matching.model import FORMAT, Field, Level, Model, Settings, Thresholds
from matching.table import Table

log = structlog.get_logger()


@dataclass(frozen=True)
class TrainingRule:
    rule: blocking.Rule
    fixed: tuple[str, ...]      # comparisons whose m this rule cannot estimate


# The identifiers block: any scheme of matching/schemes.py that trains (UPN, former UPN,
# NHS number; not ULN), fixing its comparison's m.
_TRAINS = tuple(s for s in schemes.matched() if s.matching.trains)
TRAINING_RULES = (
    TrainingRule(blocking.Rule("identifiers", (tuple(s.name for s in _TRAINS),)),
                 tuple(dict.fromkeys(s.matching.comparison for s in _TRAINS))),
    TrainingRule(blocking.Rule("dob", (("dob",),)), ("dob",)),
    TrainingRule(blocking.Rule("names", (("forename",), ("surname",))), ("forename", "surname")),
)
SMOOTHING = 1.0
M_FLOOR = 0.005   # a level never seen among matches still gets this share: bounded evidence


def _sample_rows(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    return np.sort(rng.choice(n, size=size, replace=False)) if n > size else np.arange(n)


def estimate_u(L: Table, R: Table, *, pairs: int, rng: np.random.Generator,
               comparisons: tuple[Comparison, ...] = COMPARISONS) -> list[np.ndarray]:
    li = rng.integers(0, len(L), size=pairs)
    ri = rng.integers(0, len(R), size=pairs)
    if L is R:
        keep = li != ri
        li, ri = li[keep], ri[keep]
    levels = compare.compare(L, R, li, ri, comparisons)
    return [_proportions(levels[:, k], len(c.levels)) for k, c in enumerate(comparisons)]


def _proportions(col: np.ndarray, n_levels: int) -> np.ndarray:
    counts = np.bincount(col, minlength=n_levels + 1)[1:].astype(np.float64) + SMOOTHING
    return counts / counts.sum()


def _patterns(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(levels) == 0:
        return levels, np.zeros(0)
    patterns, counts = np.unique(levels, axis=0, return_counts=True)
    return patterns, counts.astype(np.float64)


def expectation_maximisation(patterns: np.ndarray, counts: np.ndarray, m: list[np.ndarray],
                             u: list[np.ndarray], fixed: set[int], *, iterations: int = 50,
                             tolerance: float = 1e-5) -> tuple[list[np.ndarray], float, np.ndarray]:
    """m per comparison (fixed ones untouched), the share of matches, and posteriors."""
    m = [x.copy() for x in m]
    lam = 0.5
    posterior = np.zeros(len(patterns))
    for _ in range(iterations):
        log_ratio = np.full(len(patterns), np.log(lam / (1 - lam)))
        for k in range(len(m)):
            if k in fixed:
                continue
            lv = patterns[:, k]
            seen = lv > 0
            log_ratio[seen] += np.log(m[k][lv[seen] - 1]) - np.log(u[k][lv[seen] - 1])
        posterior = 1.0 / (1.0 + np.exp(-np.clip(log_ratio, -700, 700)))
        weighted = posterior * counts
        new_lam = float(np.clip(weighted.sum() / counts.sum(), 1e-9, 1 - 1e-9))
        change = abs(new_lam - lam)
        for k in range(len(m)):
            if k in fixed:
                continue
            lv = patterns[:, k]
            seen = lv > 0
            mass = np.bincount(lv[seen] - 1, weights=weighted[seen], minlength=len(m[k]))
            if mass.sum() <= 0:
                continue
            new_m = np.maximum(mass / mass.sum(), M_FLOOR)
            new_m /= new_m.sum()
            change = max(change, float(np.abs(new_m - m[k]).max()))
            m[k] = new_m
        lam = new_lam
        if change < tolerance:
            break
    return m, lam, posterior


def train(L: Table, R: Table, *, version: str | None = None, seed: int = 1, u_pairs: int = 2_000_000,
          sample: int = 20_000, cap: int = blocking.DEFAULT_CAP, thresholds: Thresholds | None = None,
          settings: Settings | None = None) -> Model:
    """A model for linking records like R against records like L (R may be L itself),
    comparing and blocking as `settings` say (the census settings by default)."""
    if len(L) < 2 or len(R) < 1:
        raise ValueError("training needs at least two existing records and one incoming record")
    settings = settings or Settings()
    settings.check()
    comparisons = compare.select(settings.comparisons)
    rng = np.random.default_rng(seed)
    u = estimate_u(L, R, pairs=u_pairs, rng=rng, comparisons=comparisons)
    # Start from "true matches mostly agree exactly".
    m = [np.array([0.9] + [0.1 / (len(c.levels) - 1)] * (len(c.levels) - 1)) for c in comparisons]
    estimates: dict[int, list[np.ndarray]] = {k: [] for k in range(len(comparisons))}
    expected: dict[str, float] = {}
    rows = _sample_rows(len(R), sample, rng)
    sub = R.subset(rows) if len(rows) < len(R) else R
    names = [c.name for c in comparisons]
    for training in TRAINING_RULES:
        blocked = blocking.block(L, sub, (training.rule,), cap=cap)
        left, right = blocked.left, blocked.right
        if L is R:  # linking a file to itself: a record is not its own candidate
            keep = left != rows[right]
            left, right = left[keep], right[keep]
        levels = compare.compare(L, sub, left, right, comparisons)
        if len(levels) == 0:
            log.info("em_skipped", rule=training.rule.name, reason="no pairs")
            continue
        patterns, counts = _patterns(levels)
        fixed = {names.index(f) for f in training.fixed if f in names}
        new_m, lam, posterior = expectation_maximisation(patterns, counts, m, u, fixed)
        expected[training.rule.name] = float((posterior * counts).sum())
        log.info("em_done", rule=training.rule.name, pairs=len(levels), patterns=len(patterns), share=round(lam, 5))
        for k in range(len(comparisons)):
            if k not in fixed:
                estimates[k].append(new_m[k])
    for k in range(len(comparisons)):
        if estimates[k]:
            m[k] = np.mean(estimates[k], axis=0)
    match_rate = _match_rate(expected, m, names, len(sub))
    fields = [Field(c.name, [Level(label, float(mi), float(ui)) for label, mi, ui in zip(c.levels, m[k], u[k])])
              for k, c in enumerate(comparisons)]
    model = Model(
        format=FORMAT, version=version or f"trained-{datetime.date.today().isoformat()}",
        match_rate=max(match_rate, 1e-6), fields=fields, thresholds=thresholds or settings.thresholds,
        rules=settings.rules, blocking=list(settings.blocking),
        trained_on={"existing": len(L), "incoming": len(R), "sample": len(sub), "u_pairs": u_pairs, "seed": seed},
    )
    model.check()
    return model


def _match_rate(expected: dict[str, float], m: list[np.ndarray], names: list[str], n: int) -> float:
    """Expected matches in a training block divided by that block's recall (the m of
    exact agreement on the blocked field), per incoming record: date of birth first."""
    for rule, field in (("dob", "dob"), ("names", "forename")):
        if rule in expected and field in names:
            recall = float(m[names.index(field)][0])
            if rule == "names" and "surname" in names:
                recall *= float(m[names.index("surname")][0])
            return min(expected[rule] / max(recall, 1e-6) / max(n, 1), 1.0)
    return 0.5
