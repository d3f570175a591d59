"""`isindex match-files` and `isindex model train`: matching without a database."""

from __future__ import annotations

import csv
import json
import sys
import time

from cli import args as types
from cli.files import replacing
from cli.output import print_json

# The matching modules are imported in the commands: numpy, pyarrow and the model are
# slow to import, and every other command would pay for them.

MAX_ERRORS_SHOWN = 50


def _read(path: str, vocabs):
    """A prepared table from a census CSV; row errors go to stderr and the rows are skipped."""
    from matching import census, census_columns, table

    try:
        with open(path, "rb") as f:
            data = f.read()
        source, errors = census_columns.read(data)
    except OSError as exc:
        raise SystemExit(f"isindex: cannot read {path}: {exc.strerror}") from None
    except census.FileError as exc:
        raise SystemExit(f"isindex: {path}: {exc}") from None
    for error in errors[:MAX_ERRORS_SHOWN]:
        print(f"{path}: {error}", file=sys.stderr)
    if len(errors) > MAX_ERRORS_SHOWN:
        print(f"{path}: ... and {len(errors) - MAX_ERRORS_SHOWN} more row errors", file=sys.stderr)
    return table.build(vocabs, source=source), errors


def _model(path: str | None):
    from matching import model

    try:
        return model.load(path)
    except ValueError as exc:
        raise SystemExit(f"isindex: {exc}") from None


def cmd_match_files(args, settings) -> int:
    from matching import linker, table

    mdl = _model(args.model)
    started = time.perf_counter()
    vocabs = table.Vocabs()
    existing, existing_errors = _read(args.existing, vocabs)
    incoming, incoming_errors = _read(args.incoming, vocabs)
    linked = linker.link(existing, incoming, mdl, cap=args.cap)
    rows = linker.decision_rows(linked)
    try:
        with replacing(args.out) as f:
            writer = csv.DictWriter(f, fieldnames=linker.DECISION_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        if args.explain:
            with replacing(args.explain) as f:
                for d, row in zip(linked.decisions, rows):
                    fields = [{"comparison": c, "level": label, "weight": w} for c, label, w in linked.explanation(d)]
                    f.write(json.dumps({"incoming_record_id": row["incoming_record_id"], "decision": d.decision,
                                        "reasons": d.reasons, "fields": fields}) + "\n")
    except OSError as exc:
        raise SystemExit(f"isindex: cannot write {exc.filename}: {exc.strerror}") from None
    summary = {
        "existing": len(existing), "incoming": len(incoming),
        "rejected_rows": {"existing": len(existing_errors), "incoming": len(incoming_errors)},
        **linked.counts(), "candidate_pairs": len(linked.left),
        "capped_blocks": {k: v for k, v in linked.blocked.capped_blocks.items() if v},
        "model": mdl.version, "seconds": round(time.perf_counter() - started, 2),
    }
    if args.json:
        print_json(summary)
    else:
        print(f"{summary['incoming']:,} incoming against {summary['existing']:,} existing: "
              f"{summary['auto']:,} auto, {summary['review']:,} review, {summary['new']:,} new "
              f"({summary['candidate_pairs']:,} pairs compared, {summary['seconds']} s) -> {args.out}",
              file=sys.stderr)
        for rule, n in summary["capped_blocks"].items():
            print(f"warning: {n:,} '{rule}' blocks over the cap of {args.cap} were skipped", file=sys.stderr)
    return 0


def cmd_model_train(args, settings) -> int:
    from matching import model, table, train

    try:
        chosen = model.load_settings(args.settings) if args.settings else model.Settings()
    except ValueError as exc:
        raise SystemExit(f"isindex: {exc}") from None
    vocabs = table.Vocabs()
    existing, _ = _read(args.existing, vocabs)
    incoming = _read(args.incoming, vocabs)[0] if args.incoming else existing
    if len(existing) < 2 or len(incoming) < 1:
        raise SystemExit("isindex: training needs at least two usable records")
    trained = train.train(existing, incoming, version=args.version, seed=args.seed, sample=args.sample,
                          settings=chosen)
    try:
        with replacing(args.out, binary=True) as f:
            f.write(model.dump(trained))
    except OSError as exc:
        raise SystemExit(f"isindex: cannot write {args.out}: {exc.strerror}") from None
    if args.json:
        print_json({"version": trained.version, "match_rate": trained.match_rate, "out": args.out})
    else:
        print(f"model {trained.version} (match rate {trained.match_rate:.3f}) -> {args.out}", file=sys.stderr)
    return 0


def add_parsers(sub) -> None:
    mf = sub.add_parser("match-files", help="link an incoming census CSV to an existing one, without a database")
    mf.add_argument("existing", metavar="EXISTING.csv")
    mf.add_argument("incoming", metavar="INCOMING.csv")
    mf.add_argument("--out", required=True, metavar="DECISIONS.csv")
    mf.add_argument("--model", metavar="MODEL.json", help="a trained model (default: the one shipped)")
    mf.add_argument("--explain", metavar="FILE.jsonl", help="also write each decision's per-field weights")
    mf.add_argument("--cap", type=types.positive, default=500, help="largest block of existing records compared")
    mf.add_argument("--json", action="store_true", help="print the summary as JSON")
    mf.set_defaults(func=cmd_match_files)

    m = sub.add_parser("model", help="matching models").add_subparsers(dest="model_command", required=True,
                                                                       metavar="ACTION")
    mt = m.add_parser("train", help="train a model without labels (u by random pairs, m by EM)")
    mt.add_argument("existing", metavar="EXISTING.csv")
    mt.add_argument("incoming", metavar="INCOMING.csv", nargs="?",
                    help="records to link to EXISTING (default: EXISTING linked to itself)")
    mt.add_argument("--out", required=True, metavar="MODEL.json")
    mt.add_argument("--version", help="version label stored in the model")
    mt.add_argument("--seed", type=int, default=1)
    mt.add_argument("--sample", type=types.positive, default=20_000, help="incoming records used for EM")
    mt.add_argument("--settings", metavar="SETTINGS.json",
                    help="comparisons, blocking rules, thresholds and rules to use (default: the census settings)")
    mt.add_argument("--json", action="store_true")
    mt.set_defaults(func=cmd_model_train)
