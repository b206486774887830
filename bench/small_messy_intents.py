"""The small-and-messy domains' intent figures alone: the intent classifier trained directly, no workflow, no slots.

A cheaper check than ``bench/small_messy.py`` when only the intent classifier changes: for each domain of
``bench/small_messy_data.py`` it trains ``train_intents`` with its defaults on exactly the training requests
``bench/small_messy.py`` uploads (no out-of-scope examples), scores the same test requests and out-of-scope
requests, and prints accuracy with the out-of-scope decision, closed-set accuracy, out-of-scope recall and
precision, in-scope kept and the training's CPU seconds, then every out-of-scope request answered with an
intent and every in-scope request flagged, with their top intent and background probabilities.

    .venv/bin/python bench/small_messy_intents.py --domains helpdesk,banking,hotel,delivery,fitness

``--features embeddings`` (or any other candidate of ``train_intents``) trains that one instead of ``auto``; with
``TUNEFORK_INTENT_SMALL_DATA_ENCODER=all-mpnet-base-v2`` the encoder candidates use the larger encoder.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from small_messy import TEST_PER_INTENT, TEST_SEED, TRAIN_PER_INTENT, TRAIN_SEED
from small_messy_data import DOMAINS, HELD_OUT_DOMAINS, Domain, requests

from tunefork.language.intent_calibration import out_of_scope_flags
from tunefork.language.intents import train_intents


def run_domain(domain: Domain, seed: int, features: str = "auto") -> dict:
    """Train the domain's intent classifier (``features``: auto or one candidate) and score its test requests."""
    train = requests(domain, TRAIN_PER_INTENT, TRAIN_SEED, test=False)
    test = requests(domain, TEST_PER_INTENT, TEST_SEED, test=True, exclude=frozenset(r["text"].lower() for r in train))
    cpu = time.process_time()
    model, report = train_intents([(r["text"], r["intent"]) for r in train], features=features, seed=seed)
    cpu = time.process_time() - cpu
    texts = [r["text"] for r in test] + list(domain.out_of_scope)
    probabilities = model.probabilities(texts)
    flags = out_of_scope_flags(probabilities, model.threshold)
    top = np.array(model.labels)[probabilities.argmax(axis=1)]
    n = len(test)
    right = sum(top[i] == r["intent"] and not flags[i] for i, r in enumerate(test))
    flagged_in, flagged_out = int(flags[:n].sum()), int(flags[n:].sum())
    slips = [
        f"{'OOS kept' if i >= n else 'in-scope flagged'}: {texts[i]!r} -> {top[i]} {probabilities[i].max():.2f}, "
        f"background {1 - probabilities[i].sum():.2f}"
        for i in range(len(texts))
        if (i >= n) != bool(flags[i])
    ]
    return {
        "domain": domain.name,
        "chosen": report.chosen,
        "cv_accuracy": report.cv_accuracy,
        "shift_threshold": [round(model.background_bias, 3), round(model.threshold, 3)],
        "accuracy": (right + flagged_out) / len(texts),
        "closed_set_accuracy": float(np.mean([top[i] == r["intent"] for i, r in enumerate(test)])),
        "oos_recall": flagged_out / (len(texts) - n),
        "oos_precision": flagged_out / (flagged_out + flagged_in) if flagged_out + flagged_in else None,
        "in_scope_coverage": 1 - flagged_in / n,
        "train_cpu_s": cpu,
        "background": report.background,
        "slips": slips,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domains", default=",".join(d.name for d in (*DOMAINS, *HELD_OUT_DOMAINS)))
    parser.add_argument("--seed", type=int, default=0, help="training seed (the workflow's default is 0)")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    parser.add_argument("--features", default="auto", help="auto (the default) or one candidate, e.g. embeddings")
    args = parser.parse_args()
    rows = []
    for domain in (d for d in (*DOMAINS, *HELD_OUT_DOMAINS) if d.name in args.domains.split(",")):
        rows.append(run_domain(domain, args.seed, args.features))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    keys = ("accuracy", "closed_set_accuracy", "oos_recall", "oos_precision", "in_scope_coverage")
    print("| domain | features | shift / threshold | accuracy | closed-set | OOS recall | OOS precision "
          "| in-scope kept | train CPU s |")  # fmt: skip
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        cells = [f"{100 * row[k]:.1f}%" if row[k] is not None else "n/a" for k in keys]
        shift, threshold = row["shift_threshold"]
        print(f"| {row['domain']} | {row['chosen']} | {shift} / {threshold} | " + " | ".join(cells)
              + f" | {row['train_cpu_s']:.0f} |")  # fmt: skip
    mean = [sum(r[k] or 0.0 for r in rows) / len(rows) for k in keys]
    print("| mean | | | " + " | ".join(f"{100 * m:.1f}%" for m in mean) + " | |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
