"""ATIS with 10 examples per intent: the default intent classifier alone, scored on all 893 test utterances.

A quick check of the few-shot intent target without the full ``bench/language.py`` run (no workflow, no
slots): for each seed, ``sample_per_intent(train_dev, 10, seed)`` trains ``train_intents`` with its defaults
(out-of-scope background class included) and every test utterance is scored: accuracy with the out-of-scope
decision applied (a flagged utterance is wrong: ATIS has no out-of-scope test items) and top-1 accuracy.

    .venv/bin/python bench/atis_few_shot.py --cache /tmp/atis --seeds 0,1,2,3,4
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from atis import ensure_atis, read_atis, sample_per_intent

from tunefork.language.intent_calibration import out_of_scope_flags
from tunefork.language.intents import train_intents

PER_INTENT = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, required=True, help="folder ATIS is installed into (pip --target)")
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated sampling seeds")
    args = parser.parse_args()
    folder = ensure_atis(args.cache)
    train, test = read_atis(folder / "train_dev"), read_atis(folder / "test")
    gold = np.array([u.intent for u in test])
    print("| seed | examples | features | accuracy (threshold applied) | top-1 | flagged out of scope | train s | "
          "train CPU s | cross-validated accuracy (same folds) |")  # fmt: skip
    print("|---|---:|---|---:|---:|---:|---:|---:|---|")
    accuracies, top1s = [], []
    for seed in (int(s) for s in args.seeds.split(",")):
        sample = sample_per_intent(train, PER_INTENT, seed)
        started, cpu = time.perf_counter(), time.process_time()
        model, report = train_intents([(u.text, u.intent) for u in sample], seed=seed)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        probabilities = model.probabilities([u.text for u in test])
        flagged = out_of_scope_flags(probabilities, model.threshold)
        cv = ", ".join(f"{kind} {value:.3f}" for kind, value in report.cv_accuracy.items())
        top = np.array(model.labels)[probabilities.argmax(axis=1)]
        accuracies.append(float(np.mean((top == gold) & ~flagged)))
        top1s.append(float(np.mean(top == gold)))
        print(f"| {seed} | {len(sample)} | {report.chosen} | {100 * accuracies[-1]:.1f}% | {100 * top1s[-1]:.1f}% | "
              f"{int(flagged.sum())} | {seconds:.0f} | {cpu:.0f} | {cv} |", flush=True)  # fmt: skip
    print(f"| mean | | | {100 * statistics.mean(accuracies):.1f}% | {100 * statistics.mean(top1s):.1f}% | | | | |")


if __name__ == "__main__":
    main()
