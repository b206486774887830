"""Small-and-messy language benchmark (issue 12): few examples per intent, typos, synonyms, out of scope.

For each domain of ``bench/small_messy_data.py`` (9-10 intents, 12 training requests per intent with typos and
abbreviations, slot annotations with canonical values; a test set of 6 requests per intent, some with slot
synonyms declared only as synonym blocks, plus 20-22 out-of-scope requests, 25-27% of the test set, written for
this benchmark), one ``language`` project is created in a throw-away workspace, a model is trained through the real
workflow (``create_model`` / ``run_training``), loaded, and every test request is parsed. No out-of-scope
examples are uploaded for training.

Measures: accuracy with the out-of-scope decision applied, closed-set accuracy (in-scope requests, best
intent), out-of-scope recall and precision, in-scope coverage (in-scope requests answered with an intent),
strict slot span F1, and training seconds (the card's ``training_seconds``).

The system compared is whatever ``tunefork`` is importable, with ``--classifier`` as the
``--intent-classifier`` option and ``--slot-tagger`` as the ``--slot-tagger`` option (default: the defaults).
To compare code versions, run it with ``PYTHONPATH`` pointing at each checkout (the RESULTS.md entry names the
commands); it uses only APIs that exist in both (``--slot-tagger`` needs a version that has the option).

    .venv/bin/python bench/small_messy.py --json /tmp/new.json
    PYTHONPATH=/path/to/old/checkout .venv/bin/python bench/small_messy.py --classifier tfidf --json /tmp/naive.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from small_messy_data import DOMAINS, HELD_OUT_DOMAINS, Domain, named_domains, requests, write_rasa

from tunefork.engines.contract import TrainingParameters
from tunefork.evaluation.spans import span_scores
from tunefork.language.options import engine_options
from tunefork.workflows import datasets, projects, training
from tunefork.workflows.models import resolve_model
from tunefork.workspace import Workspace

TRAIN_PER_INTENT, TEST_PER_INTENT = 12, 6
TRAIN_SEED, TEST_SEED = 0, 1


def run_domain(
    workspace: Workspace, scratch: Path, domain: Domain, classifier: str | None, slot_tagger: str | None = None
) -> dict[str, Any]:
    """Train on the domain's messy training requests and score the test requests."""
    train = requests(domain, TRAIN_PER_INTENT, TRAIN_SEED, test=False)
    test = requests(domain, TEST_PER_INTENT, TEST_SEED, test=True, exclude=frozenset(r["text"].lower() for r in train))
    write_rasa(scratch / f"{domain.name}.yml", train, domain, [], synonyms=True)
    projects.create_project(workspace, domain.name, "language")
    dataset = datasets.upload_dataset(workspace, domain.name, scratch / f"{domain.name}.yml", "utterances")
    asked = {"intent_classifier": classifier, "slot_tagger": slot_tagger}
    options = engine_options(**{name: value for name, value in asked.items() if value})
    created = training.create_model(
        workspace, domain.name, "m", "en-core-web-sm", [dataset["id"]], None, TrainingParameters(options=options)
    )
    started = time.perf_counter()
    outcome = training.run_training(workspace, created["id"])
    wall = time.perf_counter() - started
    if outcome.model["status"] != "Succeeded":
        raise SystemExit(f"{domain.name}: training failed: {outcome.model['error']}")
    card = training.model_card(workspace, "m", domain.name)
    model = resolve_model(workspace, "m", domain.name).load()
    oos = list(domain.out_of_scope)
    parses = model.parse_batch([r["text"] for r in test] + oos)
    in_scope, outside = parses[: len(test)], parses[len(test) :]
    right = sum(p.intent == r["intent"] for p, r in zip(in_scope, test, strict=True))
    flagged_out = sum(p.out_of_scope for p in outside)
    flagged_in = sum(p.out_of_scope for p in in_scope)
    gold = [[(e["start"], e["end"], e["label"]) for e in r["entities"]] for r in test]
    found = [[(e.start, e.end, e.label) for e in p.entities] for p in in_scope]
    return {
        "domain": domain.name,
        "intents": len(domain.intents),
        "train": len(train),
        "test_in_scope": len(test),
        "test_out_of_scope": len(oos),
        "accuracy": (right + flagged_out) / (len(test) + len(oos)),
        "closed_set_accuracy": sum(p.intents[0].name == r["intent"] for p, r in zip(in_scope, test, strict=True))
        / len(test),
        "oos_recall": flagged_out / len(oos),
        "oos_precision": flagged_out / (flagged_out + flagged_in) if flagged_out + flagged_in else None,
        "in_scope_coverage": 1 - flagged_in / len(test),
        "slot_f1": span_scores(gold, found)["f1"],
        "training_seconds": card.get("training_seconds", wall),
        "chosen": (card["contributions"].get("intents") or {}).get("chosen"),
        "threshold_source": (card["contributions"].get("intents") or {}).get("threshold_source"),
        "slot_tagger": (card["contributions"].get("entities") or {}).get("tagger", "spacy"),
        "slot_candidates": ((card["contributions"].get("entities") or {}).get("label_check") or {}).get("candidates"),
        "slot_held_out": ((card["contributions"].get("entities") or {}).get("label_check") or {}).get("held_out", 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--classifier", default=None, help="--intent-classifier option (default: the default)")
    parser.add_argument("--slot-tagger", default=None, help="--slot-tagger option (default: the default)")
    parser.add_argument(
        "--domains", default=",".join(d.name for d in DOMAINS),
        help=f"comma-separated domains (default: these; also {', '.join(d.name for d in HELD_OUT_DOMAINS)})",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    args = parser.parse_args()
    chosen = named_domains(args.domains)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Workspace.open(Path(tmp) / "home")
        for domain in chosen:
            print(f"[{time.strftime('%H:%M:%S')}] {domain.name}...", file=sys.stderr, flush=True)
            rows.append(run_domain(workspace, Path(tmp), domain, args.classifier, args.slot_tagger))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        workspace.close()
    keys = ("accuracy", "closed_set_accuracy", "oos_recall", "oos_precision", "in_scope_coverage", "slot_f1")
    mean = {key: sum(r[key] or 0.0 for r in rows) / len(rows) for key in (*keys, "training_seconds")}
    print("| domain | accuracy | closed-set | OOS recall | OOS precision | in-scope kept | slot F1 | train s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in [*rows, {"domain": "mean", **mean}]:
        cells = [f"{100 * row[k]:.1f}%" if row[k] is not None else "n/a" for k in keys]
        print(f"| {row['domain']} | " + " | ".join(cells) + f" | {row['training_seconds']:.0f} |")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "mean": mean}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
