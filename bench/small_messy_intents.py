"""The small-and-messy domains' intent figures alone: the intent classifier trained directly, no workflow, no slots.

A cheaper check than ``bench/small_messy.py`` when only the intent classifier changes: for each domain of
``bench/small_messy_data.py`` it trains ``train_intents`` with its defaults on exactly the training requests
``bench/small_messy.py`` uploads (no out-of-scope examples), scores the same test requests and out-of-scope
requests, and prints accuracy with the out-of-scope decision, closed-set accuracy, out-of-scope recall and
precision, in-scope kept and the training's CPU seconds, then every out-of-scope request answered with an
intent and every in-scope request flagged, with their top intent and background probabilities.

    .venv/bin/python bench/small_messy_intents.py --domains helpdesk,banking,hotel,delivery,fitness
    .venv/bin/python bench/small_messy_intents.py --merged --domains helpdesk,banking,hotel

``--merged`` trains one project on the chosen domains together (intents named ``domain:intent``; 336 examples from
three domains, a mid-size project: set ``TUNEFORK_INTENT_CONTRASTIVE_MAX_EXAMPLES`` below its size to see the
larger-data candidates) and scores their in-scope test requests only: one domain's out-of-scope requests may be
another's intent, so out-of-scope figures are left out.

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
from small_messy_data import DOMAINS, HELD_OUT_DOMAINS, Domain, named_domains, requests

from tunefork.language.intent_calibration import out_of_scope_flags
from tunefork.language.intents import train_intents


def domain_requests(domain: Domain) -> tuple[list[dict], list[dict]]:
    """The training and test requests ``bench/small_messy.py`` uses for ``domain``."""
    train = requests(domain, TRAIN_PER_INTENT, TRAIN_SEED, test=False)
    test = requests(domain, TEST_PER_INTENT, TEST_SEED, test=True, exclude=frozenset(r["text"].lower() for r in train))
    return train, test


def merged_domain(domains: list[Domain]) -> tuple[str, list[dict], list[dict]]:
    """One project of ``domains`` together: its name, training and test requests (intents ``domain:intent``)."""
    train, test = [], []
    for domain in domains:
        for part, records in zip((train, test), domain_requests(domain), strict=True):
            part += [{**record, "intent": f"{domain.name}:{record['intent']}"} for record in records]
    return "+".join(domain.name for domain in domains), train, test


def run_requests(
    name: str, train: list[dict], test: list[dict], out_of_scope: tuple[str, ...], seed: int, features: str
) -> dict:
    """Train on ``train`` (``features``: auto or one candidate) and score ``test`` and ``out_of_scope``."""
    cpu = time.process_time()
    model, report = train_intents([(r["text"], r["intent"]) for r in train], features=features, seed=seed)
    cpu = time.process_time() - cpu
    texts = [r["text"] for r in test] + list(out_of_scope)
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
        "domain": name,
        "chosen": report.chosen,
        "cv_accuracy": report.cv_accuracy,
        "shift_threshold": [round(model.classifier.background_bias, 3), round(model.threshold, 3)],
        "accuracy": (right + flagged_out) / len(texts),
        "closed_set_accuracy": float(np.mean([top[i] == r["intent"] for i, r in enumerate(test)])),
        "oos_recall": flagged_out / len(out_of_scope) if out_of_scope else None,
        "oos_precision": (
            flagged_out / (flagged_out + flagged_in) if out_of_scope and flagged_out + flagged_in else None
        ),
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
    parser.add_argument("--merged", action="store_true", help="one project of the domains together, in-scope only")
    args = parser.parse_args()
    chosen = named_domains(args.domains)
    if args.merged:
        projects = [(*merged_domain(chosen), ())]
    else:
        projects = [(domain.name, *domain_requests(domain), domain.out_of_scope) for domain in chosen]
    rows = []
    for project in projects:
        rows.append(run_requests(*project, args.seed, args.features))
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
    mean = [[r[k] for r in rows if r[k] is not None] for k in keys]
    print("| mean | | | " + " | ".join(f"{100 * sum(m) / len(m):.1f}%" if m else "n/a" for m in mean) + " | |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
