"""ATIS slots (issue 12): the CRF slot tagger on all the data, and spaCy, CRF and ``auto`` on subsamples.

Default: the CRF (:mod:`tunefork.language.crf_slots`) trains on every ``train_dev`` utterance's slots and
tags the test utterances, duplicates kept (the usual ATIS protocol); no value lookup, no workflow. Compare
with the slot F1 of spaCy's fine-tuned NER in the ``bench/language.py`` table (the last column scores the same
893). ATIS has 4,978 training texts, more than the per-project check looks at, so ``auto`` keeps spaCy's NER
there; this measures what the CRF would give.

``--sizes 200,400``: for each size and seed, that many distinct ``train_dev`` texts are drawn at random, and
the language engine trains a slots-only model from them three times, as in a language project (no
rehearsal, only the project's labels in the output): ``--slot-tagger spacy``, ``crf`` and ``auto`` (which,
from 101 to 500 annotated texts, scores both taggers on one held-out split and keeps the better). Each model
is loaded and parses all 893 test utterances (value lookup included); strict span F1 and the training
seconds are reported.

    .venv/bin/python bench/atis_slots.py --cache /tmp/atis
    .venv/bin/python bench/atis_slots.py --cache /tmp/atis --sizes 200,400 --seeds 0,1 --json /tmp/subsamples.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from atis import AtisUtterance, ensure_atis, read_atis

from tunefork.engines.contract import TrainingParameters
from tunefork.evaluation.spans import span_scores
from tunefork.language.crf_slots import CrfTagger
from tunefork.language.data import AnnotatedText, LanguageTrainingData
from tunefork.language.options import SLOT_TAGGER_CHOICES, engine_options
from tunefork.language.pipelines import load_pipeline
from tunefork.language.trainer import load, train
from tunefork.progress import no_progress

LANGUAGE_PROJECT = {"rehearsal": False, "base_labels_in_output": False}
"""What the language kind sets for its models (``engine_defaults``)."""


def full_crf(train_utterances: list[AtisUtterance], test: list[AtisUtterance]) -> dict[str, Any]:
    """The CRF alone on all of ``train_dev``, scored on the test utterances."""
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        tagger = CrfTagger.train([AnnotatedText(u.text, sorted(u.slots)) for u in train_utterances], Path(scratch))
        seconds = time.perf_counter() - started
        predicted = tagger.predict([u.text for u in test])
    scores = span_scores([sorted(u.slots) for u in test], predicted)
    print("| tagger | train utt. | test utt. (dups kept) | slot P / R / F1 | train s |")
    print("|---|---:|---:|---|---:|")
    print(
        f"| CRF | {len(train_utterances)} | {len(test)} | {100 * scores['precision']:.1f} / "
        f"{100 * scores['recall']:.1f} / {100 * scores['f1']:.1f} | {seconds:.0f} |"
    )
    return {
        "train_utterances": len(train_utterances),
        "test_utterances": len(test),
        "precision": scores["precision"],
        "recall": scores["recall"],
        "f1": scores["f1"],
        "train_seconds": round(seconds, 1),
    }


def subsample(utterances: list[AtisUtterance], size: int, seed: int) -> list[AtisUtterance]:
    """``size`` utterances with distinct texts, drawn at random (a workflow upload rejects repeated texts)."""
    unique = list({u.text: u for u in utterances}.values())
    return random.Random(seed).sample(unique, size)


def train_and_score(sample: list[AtisUtterance], test: list[AtisUtterance], tagger: str, seed: int) -> dict[str, Any]:
    """Train a slots-only language model with ``--slot-tagger tagger`` on ``sample``; score it on ``test``."""
    data = LanguageTrainingData()
    for utterance in sample:
        spans = [{"start": s, "end": e, "label": label} for s, e, label in utterance.slots]
        data.add_record("annotated-text", {"text": utterance.text, "spans": spans})
    options = {**LANGUAGE_PROJECT, **engine_options(slot_tagger=tagger)}
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        components = train("en-core-web-sm", data, TrainingParameters(options=options, seed=seed), Path(folder),
                           no_progress)  # fmt: skip
        seconds = time.perf_counter() - started
        model = load(Path(folder), {"name": tagger, "engine_config": components.engine_config})
        parses = model.parse_batch([u.text for u in test])
    found = [[(e.start, e.end, e.label) for e in parse.entities] for parse in parses]
    scores = span_scores([sorted(u.slots) for u in test], found)
    entities = components.contributions["entities"]
    check = entities.get("label_check") or {}
    return {
        "size": len(sample),
        "annotated": sum(bool(u.slots) for u in sample),
        "seed": seed,
        "system": tagger,
        "tagger": entities["tagger"],
        "check_candidates": check.get("candidates"),
        "held_out": check.get("held_out", 0),
        "weak_labels": len(check.get("weak") or []),
        "precision": scores["precision"],
        "recall": scores["recall"],
        "f1": scores["f1"],
        "train_seconds": round(seconds, 1),
    }


def print_subsamples(rows: list[dict[str, Any]]) -> None:
    """One row per model, then the mean of each size and system."""
    print("| train texts (annotated) | seed | system | tagger trained | held-out F1 spaCy / CRF | test slot F1 (893) | "
          "train s |")  # fmt: skip
    print("|---:|---:|---|---|---|---:|---:|")
    for row in rows:
        candidates = row["check_candidates"] or {}
        held = " / ".join(f"{100 * candidates[t]:.1f}" if t in candidates else "-" for t in ("spacy", "crf"))
        print(
            f"| {row['size']} ({row['annotated']}) | {row['seed']} | {row['system']} | {row['tagger']} | "
            f"{held if row['system'] == 'auto' else '-'} | {100 * row['f1']:.1f} | {row['train_seconds']:.0f} |"
        )
    print()
    print("| train texts | system | mean test slot F1 | mean train s |")
    print("|---:|---|---:|---:|")
    for size in sorted({r["size"] for r in rows}):
        for system in dict.fromkeys(r["system"] for r in rows):
            group = [r for r in rows if r["size"] == size and r["system"] == system]
            if group:
                f1 = sum(r["f1"] for r in group) / len(group)
                seconds = sum(r["train_seconds"] for r in group) / len(group)
                print(f"| {size} | {system} | {100 * f1:.1f} | {seconds:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "tunefork-bench")
    parser.add_argument("--sizes", default="", help="comma-separated subsample sizes (default: the full CRF run)")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds of the subsamples (and of training)")
    parser.add_argument("--systems", default="spacy,crf,auto", help=f"--slot-tagger values: {SLOT_TAGGER_CHOICES}")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    folder = ensure_atis(args.cache)
    train_dev, test = read_atis(folder / "train_dev"), read_atis(folder / "test")
    if not args.sizes:
        figures: Any = full_crf(train_dev, test)
    else:
        load_pipeline("en-core-web-sm")  # spaCy and the base pipeline load once, outside the timed trainings
        figures = []
        for size in [int(s) for s in args.sizes.split(",")]:
            for seed in [int(s) for s in args.seeds.split(",")]:
                sample = subsample(train_dev, size, seed)
                for system in args.systems.split(","):
                    print(f"[{time.strftime('%H:%M:%S')}] {size} seed {seed} {system}...", file=sys.stderr, flush=True)
                    figures.append(train_and_score(sample, test, system, seed))
                    print(json.dumps(figures[-1]), file=sys.stderr, flush=True)
        print_subsamples(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
