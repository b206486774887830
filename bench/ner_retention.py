"""Base-label retention on general text after teaching spaCy's NER a new label (issue 12).

An entities model is trained on generated sentences that annotate only GADGET (``gadget_ner_examples``,
``annotated_only=("GADGET",)``), then the base model and the trained one parse the general sentences that
rehearsal never sees (``side_effect_texts()``: the last 80 guard sentences and the 80 general sentences,
where the evaluation's forgetting check looks). Each base label's F1 against the base model's own
predictions there is its retention (the base model scores 100% by definition). GADGET F1 and PERSON, ORG
and GPE retention on held-out gadget sentences (other gadget and person names) show what the new label and
the annotated-context labels do.

Systems:

- ``previous``: the recognizer fine-tuned with rehearsal on the first 160 guard sentences, used alone (the
  default before this benchmark);
- ``+generated``: the same with the generated rehearsal sentences (:mod:`tunefork.language.rehearsal_text`),
  as many as training sentences, up to 200 (the engine's rule);
- ``default``: what ``tunefork`` trains now (the engine's ``train`` and ``load``): the ``+generated``
  recognizer for the user's labels and the frozen base NER for the base labels.

    .venv/bin/python bench/ner_retention.py                 # 500 and 40 training sentences
    .venv/bin/python bench/ner_retention.py --sizes 40 --json /tmp/retention.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tunefork.engines.contract import TrainingParameters
from tunefork.evaluation.spans import span_scores
from tunefork.language import trainer
from tunefork.language.data import AnnotatedText, LanguageTrainingData
from tunefork.language.entities import train_recognizer
from tunefork.language.general_text import rehearsal_texts, side_effect_texts
from tunefork.language.pipelines import load_pipeline
from tunefork.language.recognizers import Recognizer, SpacyRecognizer
from tunefork.language.rehearsal_text import rehearsal_sentences
from tunefork.language.sample_data import BASE_LABELS, GADGET_LABEL, gadget_ner_examples
from tunefork.progress import no_progress

BASE_MODEL = "en-core-web-sm"
TEST_SENTENCES, TRAIN_SEED, TEST_SEED = 300, 0, 1


def _items(records: list[dict[str, Any]]) -> list[AnnotatedText]:
    return [AnnotatedText(r["text"], sorted((s["start"], s["end"], s["label"]) for s in r["spans"])) for r in records]


def _recognizers(train: list[AnnotatedText], scratch: Path) -> dict[str, tuple[Recognizer, float]]:
    """Each system's recognizer for ``train`` and its training seconds."""
    systems: dict[str, tuple[Recognizer, float]] = {}
    shipped = rehearsal_texts(trainer.DEFAULT_REHEARSAL_TEXTS)
    for name, extra in (
        ("previous", shipped),
        ("+generated", shipped + rehearsal_sentences(min(trainer.GENERATED_REHEARSAL_TEXTS, len(train)))),
    ):
        started = time.perf_counter()
        nlp, _ = train_recognizer(BASE_MODEL, train, extra_texts=extra)
        systems[name] = (SpacyRecognizer(nlp), time.perf_counter() - started)
    data = LanguageTrainingData(entity_texts=train)
    parameters = TrainingParameters(options={"rehearsal": True, "base_labels_in_output": True, "label_check": False})
    started = time.perf_counter()
    components = trainer.train(BASE_MODEL, data, parameters, scratch, no_progress)
    seconds = time.perf_counter() - started
    model = trainer.load(scratch, {"name": "default", "engine_config": components.engine_config})
    assert model.recognizer is not None
    systems["default"] = (model.recognizer, seconds)
    return systems


def run_size(size: int) -> dict[str, Any]:
    """Train each system on ``size`` GADGET-only sentences; score retention and the new label."""
    train = _items(gadget_ner_examples(size, TRAIN_SEED, names="train", annotated_only=(GADGET_LABEL,)))
    test = _items(gadget_ner_examples(TEST_SENTENCES, TEST_SEED, names="test"))
    general = side_effect_texts()
    base = SpacyRecognizer(load_pipeline(BASE_MODEL))
    reference = base.predict(general)
    base_test = span_scores([t.spans for t in test], base.predict([t.text for t in test]))["per_label"]
    with tempfile.TemporaryDirectory() as scratch:
        systems = _recognizers(train, Path(scratch))
        rows = {}
        for name, (recognizer, seconds) in systems.items():
            kept = span_scores(reference, recognizer.predict(general))["per_label"]
            scored = span_scores([t.spans for t in test], recognizer.predict([t.text for t in test]))["per_label"]
            rows[name] = {
                "general": {label: {"f1": row["f1"], "support": row["support"]} for label, row in kept.items()},
                "new_label_f1": scored.get(GADGET_LABEL, {}).get("f1", 0.0),
                "test_retained": {
                    label: scored.get(label, {}).get("f1", 0.0) / base_test[label]["f1"] for label in BASE_LABELS
                },
                "seconds": round(seconds, 1),
            }
            print(f"[{time.strftime('%H:%M:%S')}] {size} sentences, {name}: {json.dumps(rows[name])}", file=sys.stderr)
    return {"train_sentences": size, "general_sentences": len(general), "systems": rows}


def print_table(results: list[dict[str, Any]]) -> None:
    """One row per training size and system: retention of each base label found in the general sentences."""
    labels = sorted(
        {label for r in results for s in r["systems"].values() for label, row in s["general"].items() if row["support"]}
    )
    rows = [system for result in results for system in result["systems"].values()]
    support = {label: max(row["general"].get(label, {}).get("support", 0) for row in rows) for label in labels}
    print("| train sentences | system | " + " | ".join(f"{label} ({support[label]})" for label in labels)
          + f" | {GADGET_LABEL} F1 (held out) | PERSON / ORG / GPE kept (held out) | train s |")  # fmt: skip
    print("|---|---|" + "---:|" * len(labels) + "---:|---|---:|")
    for result in results:
        for name, row in result["systems"].items():
            cells = [f"{100 * row['general'].get(label, {}).get('f1', 0.0):.1f}%" for label in labels]
            test = " / ".join(f"{100 * row['test_retained'][label]:.1f}%" for label in BASE_LABELS)
            print(f"| {result['train_sentences']} | {name} | " + " | ".join(cells)
                  + f" | {100 * row['new_label_f1']:.1f} | {test} | {row['seconds']:.0f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="500,40", help="comma-separated numbers of GADGET training sentences")
    parser.add_argument("--json", type=Path, default=None, help="also write every number here")
    args = parser.parse_args()
    results = [run_size(int(size)) for size in args.sizes.split(",")]
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
