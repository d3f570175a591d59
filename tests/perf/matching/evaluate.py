"""Quality of a set of decisions against the synthetic truth, at the model's own thresholds.

- precision among auto-links: correct auto-links / auto-links;
- recall counting review items: true matches that were auto-linked correctly or have
  the true record among their review candidates / all true matches;
- review rate: review decisions / incoming rows;
- twin merges: auto-links joining a never-link pair (twins, same-name same-day children).
"""

from __future__ import annotations

import csv
from pathlib import Path


def read_truth(directory: Path) -> tuple[dict[str, str | None], set[frozenset[str]]]:
    with open(directory / "truth.csv", newline="", encoding="utf-8") as f:
        truth = {r["incoming_record_id"]: (r["existing_record_id"] or None) for r in csv.DictReader(f)}
    with open(directory / "twins.csv", newline="", encoding="utf-8") as f:
        never = {frozenset((r["record_id_a"], r["record_id_b"])) for r in csv.DictReader(f)}
    return truth, never


def score(decisions: list[dict[str, str]], truth: dict[str, str | None], never: set[frozenset[str]]) -> dict:
    """decisions: rows with incoming_record_id, existing_record_id, decision, candidates."""
    tp = fp = found = review = twin_merges = auto = 0
    for d in decisions:
        rid, kind = d["incoming_record_id"], d["decision"]
        true = truth.get(rid)
        if kind == "auto":
            auto += 1
            if d["existing_record_id"] == true:
                tp += 1
                found += 1
            else:
                fp += 1
                got = d["existing_record_id"]
                if frozenset((rid, got)) in never or (true is not None and frozenset((true, got)) in never):
                    twin_merges += 1
        elif kind == "review":
            review += 1
            candidates = {c.rsplit(":", 1)[0] for c in d["candidates"].split(";") if c}
            if true is not None and true in candidates:
                found += 1
    n_true = sum(1 for v in truth.values() if v is not None)
    n = len(decisions)
    precision = tp / auto if auto else 1.0
    recall_auto = tp / n_true if n_true else 1.0
    return {
        "incoming": n, "true_matches": n_true, "auto": auto, "review": review, "new": n - auto - review,
        "auto_correct": tp, "auto_wrong": fp,
        "precision_auto": round(precision, 6),
        "recall_auto": round(recall_auto, 6),
        "recall_with_review": round(found / n_true, 6) if n_true else 1.0,
        "f1_auto": round(2 * precision * recall_auto / (precision + recall_auto), 6) if tp else 0.0,
        "review_rate": round(review / n, 6) if n else 0.0,
        "twin_merges": twin_merges,
    }


def read_decisions(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def blocking_recall(directory: Path, incoming_ids: list[str], existing_ids: list[str], left, right) -> dict:
    """Share of true pairs among the blocked pairs (left[k], right[k]: existing and
    incoming rows), overall and per truth.csv kind (two errors or more together)."""
    with open(directory / "truth.csv", newline="", encoding="utf-8") as f:
        truth = {r["incoming_record_id"]: (r["existing_record_id"], r.get("kind", "")) for r in csv.DictReader(f)}
    where = {rid: k for k, rid in enumerate(existing_ids)}
    pairs = set(zip(right.tolist(), left.tolist()))
    total: dict[str, int] = {}
    found: dict[str, int] = {}
    for k, rid in enumerate(incoming_ids):
        true, kind = truth.get(rid, ("", ""))
        if not true:
            continue
        hit = (k, where[true]) in pairs
        for key in ["all"] + (["two errors" if "+" in kind else kind] if kind else []):
            total[key] = total.get(key, 0) + 1
            found[key] = found.get(key, 0) + hit
    return {key: round(found[key] / total[key], 5) for key in sorted(total) if total[key]}
