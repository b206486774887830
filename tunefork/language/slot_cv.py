"""Cross-validated F1 of each entity label: which labels the model cannot learn from the data it was given.

A recognizer trained on a handful of annotations can fail on a label without anything looking wrong: the
model trains, is marked Succeeded, and never finds that label. On small data (up to :data:`MAX_CV_TEXTS`
annotated texts) training therefore also runs a k-fold cross-validation of what a parse does (the
recognizer trained exactly as the final one, plus the value lookup of the training folds) and scores each
label the user annotated. Labels under :data:`WEAK_F1` are reported by name with their number of
annotations: training prints a warning, the model card records them and ``--gate`` fails.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any

from tunefork.evaluation.spans import span_scores
from tunefork.language.base import Entity
from tunefork.language.data import AnnotatedText
from tunefork.language.entities import predict_spans, train_recognizer
from tunefork.language.rules import merge_entities
from tunefork.language.value_lookup import ValueLookup
from tunefork.progress import ProgressCallback, no_progress

CV_FOLDS = 3
MAX_CV_TEXTS = 100
WEAK_F1 = 0.5


@dataclass
class LabelCheck:
    """Per-label cross-validated F1 and the labels under :data:`WEAK_F1`."""

    folds: int
    per_label: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Label -> ``{"f1", "examples"}`` (``examples``: annotated spans of the label in the training data)."""
    weak: list[str] = field(default_factory=list)

    def warnings(self) -> list[str]:
        """One sentence per weak label, naming it and its number of examples."""
        return [
            f"entity label '{label}' reaches a cross-validated F1 of {self.per_label[label]['f1']:.2f} from "
            f"{self.per_label[label]['examples']} annotated examples (under {WEAK_F1}): the model will miss it; "
            "annotate more examples of it, or add a lookup, synonyms or a regex for it."
            for label in self.weak
        ]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON for the model card."""
        return asdict(self)


def _folds(items: list[AnnotatedText], folds: int, seed: int) -> list[int]:
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    assignment = [0] * len(items)
    for position, index in enumerate(order):
        assignment[index] = position % folds
    return assignment


def check_labels(
    base_model: str,
    items: list[AnnotatedText],
    synonyms: dict[str, str],
    *,
    rehearsal: bool,
    extra_texts: list[str],
    epochs: int | None,
    seed: int = 0,
    progress: ProgressCallback = no_progress,
) -> LabelCheck:
    """Cross-validate the recognizer and value lookup on ``items``; score each annotated label."""
    labels = sorted({label for item in items for _, _, label in item.spans})
    examples = {label: sum(span[2] == label for item in items for span in item.spans) for label in labels}
    assignment = _folds(items, CV_FOLDS, seed)
    gold: list[list[tuple[int, int, str]]] = []
    predicted: list[list[tuple[int, int, str]]] = []
    for fold in range(CV_FOLDS):
        train = [item for item, k in zip(items, assignment, strict=True) if k != fold]
        test = [item for item, k in zip(items, assignment, strict=True) if k == fold]
        if not test or not any(item.spans for item in train):
            continue
        progress(fold, CV_FOLDS, f"entities: cross-validating the labels, fold {fold + 1} of {CV_FOLDS}")
        nlp, _ = train_recognizer(
            base_model, train, rehearsal=rehearsal, extra_texts=extra_texts, epochs=epochs, seed=seed
        )
        lookup = ValueLookup.from_annotations(train, synonyms)
        texts = [item.text for item in test]
        for item, spans in zip(test, predict_spans(nlp, texts), strict=True):
            found = [Entity(s, e, label, item.text[s:e], "") for s, e, label in spans if label in examples]
            matched = [Entity(s, e, label, item.text[s:e], v, "lookup") for s, e, label, v in lookup.match(item.text)]
            gold.append([span for span in item.spans if span[2] in examples])
            predicted.append([entity.span for entity in merge_entities(found, matched)])
    progress(CV_FOLDS, CV_FOLDS, "entities: labels cross-validated")
    scores = span_scores(gold, predicted)["per_label"]
    per_label = {
        label: {"f1": round(float(scores.get(label, {}).get("f1", 0.0)), 4), "examples": examples[label]}
        for label in labels
    }
    weak = [label for label in labels if per_label[label]["f1"] < WEAK_F1]
    return LabelCheck(folds=CV_FOLDS, per_label=per_label, weak=weak)
