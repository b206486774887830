"""ATIS intents: the default intent classifier alone, scored on all 893 test utterances.

A quick check of the ATIS intent targets without the full ``bench/language.py`` run (no workflow, no slots).
For each seed, ``sample_per_intent(train_dev, 10, seed)`` trains ``train_intents`` with its defaults
(out-of-scope background class included); with ``--all-data``, the 4,634 unique ``train_dev`` utterances the
workflow of ``bench/language.py`` trains on (the upload drops repeated texts) train it once a training seed
(``--seeds``, default 0 there: the seed of the background texts and of the fine-tuning). Every
test utterance is scored: accuracy with the out-of-scope decision applied (a flagged utterance is wrong: ATIS
has no out-of-scope test items), top-1 accuracy and the in-scope utterances kept.

    .venv/bin/python bench/atis_few_shot.py --cache /tmp/atis --seeds 0,1,2,3,4
    .venv/bin/python bench/atis_few_shot.py --cache /tmp/atis --all-data
    .venv/bin/python bench/atis_few_shot.py --cache /tmp/atis --all-data --seeds 1,2
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from atis import AtisUtterance, ensure_atis, read_atis, sample_per_intent, upload_order_unique

from tunefork.language.intent_calibration import out_of_scope_flags
from tunefork.language.intents import train_intents

PER_INTENT = 10


def run(train: list[AtisUtterance], test: list[AtisUtterance], seed: int) -> dict:
    """Train the default classifier on ``train`` and score every ``test`` utterance."""
    started, cpu = time.perf_counter(), time.process_time()
    model, report = train_intents([(u.text, u.intent) for u in train], seed=seed)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    probabilities = model.probabilities([u.text for u in test])
    flagged = out_of_scope_flags(probabilities, model.threshold)
    gold = np.array([u.intent for u in test])
    top = np.array(model.labels)[probabilities.argmax(axis=1)]
    shift = model.classifier.background_bias
    return {
        "examples": len(train),
        "chosen": report.chosen,
        "shift_threshold": [round(shift, 3) + 0.0, round(model.threshold, 4)],  # + 0.0: no "-0.0"
        "accuracy": float(np.mean((top == gold) & ~flagged)),
        "top1": float(np.mean(top == gold)),
        "flagged": int(flagged.sum()),
        "flagged_top1_right": int((flagged & (top == gold)).sum()),
        "in_scope_kept": float(1 - flagged.mean()),
        "train_s": seconds,
        "train_cpu_s": cpu,
        "cv_accuracy": report.cv_accuracy,
        "trade_off": report.threshold_source,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, required=True, help="folder ATIS is installed into (pip --target)")
    parser.add_argument(
        "--seeds", default=None, help="comma-separated seeds (default 0,1,2,3,4; with --all-data, training seeds: 0)"
    )
    parser.add_argument("--all-data", action="store_true", help="train on every unique train_dev utterance")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    args = parser.parse_args()
    folder = ensure_atis(args.cache)
    train, test = read_atis(folder / "train_dev"), read_atis(folder / "test")
    seeds = [int(seed) for seed in (args.seeds or ("0" if args.all_data else "0,1,2,3,4")).split(",")]
    if args.all_data:
        unique = upload_order_unique(train)
        runs = [("all" if seeds == [0] else f"all, seed {seed}", unique, seed) for seed in seeds]
    else:
        runs = [(str(seed), sample_per_intent(train, PER_INTENT, seed), seed) for seed in seeds]
    print(
        "| seed | examples | features | shift / threshold | accuracy (threshold applied) | top-1 | in-scope kept "
        "| flagged out of scope (top-1 right) | train s | train CPU s | cross-validated accuracy (same folds) |"
    )
    print("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---|")
    rows = []
    for name, sample, seed in runs:
        row = {"seed": name, **run(sample, test, seed)}
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
        shift, threshold = row["shift_threshold"]
        cv = ", ".join(f"{kind} {value:.3f}" for kind, value in row["cv_accuracy"].items())
        shares = " | ".join(f"{100 * row[key]:.1f}%" for key in ("accuracy", "top1", "in_scope_kept"))
        print(
            f"| {name} | {row['examples']} | {row['chosen']} | {shift} / {threshold} | {shares} | {row['flagged']} "
            f"({row['flagged_top1_right']}) | {row['train_s']:.0f} | {row['train_cpu_s']:.0f} | {cv} |",
            flush=True,
        )
    if len(rows) > 1:
        means = [100 * statistics.mean(r[key] for r in rows) for key in ("accuracy", "top1", "in_scope_kept")]
        print("| mean | | | | " + " | ".join(f"{m:.1f}%" for m in means) + " | | | | |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
