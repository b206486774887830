"""Cross-validated F1 of each entity label, and of each slot tagger: which one to train, which labels fail.

A recognizer trained on a handful of annotations can fail on a label without anything looking wrong: the
model trains, is marked Succeeded, and never finds that label. On small data (up to :data:`MAX_CV_TEXTS`
annotated texts) training therefore also runs a k-fold cross-validation of what a parse does (each candidate
tagger trained exactly as the final one, plus the value lookup of the training folds) and scores each
label the user annotated. Where there are several candidates (spaCy's NER and the CRF of
:mod:`tunefork.language.crf_slots` for language projects), the one with the best micro F1 over all the
labels is kept (ties: the first, spaCy). Labels under :data:`WEAK_F1` with the kept tagger are reported by
name with their number of annotations: training prints a warning, the model card records them and
``--gate`` fails.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tunefork.evaluation.spans import span_scores
from tunefork.language.base import Entity
from tunefork.language.crf_slots import CrfTagger
from tunefork.language.data import AnnotatedText, Span
from tunefork.language.entities import train_recognizer
from tunefork.language.recognizers import Recognizer, SpacyRecognizer
from tunefork.language.rules import merge_entities
from tunefork.language.value_lookup import ValueLookup
from tunefork.progress import ProgressCallback, no_progress

CV_FOLDS = 3
MAX_CV_TEXTS = 100
WEAK_F1 = 0.5


@dataclass
class LabelCheck:
    """Per-label cross-validated F1 of the kept tagger, the labels under :data:`WEAK_F1`, each candidate's F1."""

    folds: int
    tagger: str = "spacy"
    """The tagger kept (best cross-validated micro F1)."""
    candidates: dict[str, float] = field(default_factory=dict)
    """Tagger -> cross-validated micro F1 over the annotated labels (with the value lookup)."""
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


def train_tagger(
    tagger: str, base_model: str, items: list[AnnotatedText], folder: Path, **recognizer_options: Any
) -> Recognizer:
    """Train candidate ``tagger`` on ``items`` (the CRF writes its model into ``folder``)."""
    if tagger == "crf":
        return CrfTagger.train(items, folder)
    nlp, _ = train_recognizer(base_model, items, **recognizer_options)
    return SpacyRecognizer(nlp)


def check_labels(
    base_model: str,
    items: list[AnnotatedText],
    synonyms: dict[str, str],
    *,
    rehearsal: bool,
    extra_texts: list[str],
    epochs: int | None,
    taggers: Sequence[str] = ("spacy",),
    seed: int = 0,
    progress: ProgressCallback = no_progress,
) -> LabelCheck:
    """Cross-validate each of ``taggers`` with the value lookup on ``items``; keep the best; score its labels."""
    labels = sorted({label for item in items for _, _, label in item.spans})
    examples = {label: sum(span[2] == label for item in items for span in item.spans) for label in labels}
    assignment = _folds(items, CV_FOLDS, seed)
    gold: list[list[Span]] = []
    predicted: dict[str, list[list[Span]]] = {tagger: [] for tagger in taggers}
    options = {"rehearsal": rehearsal, "extra_texts": extra_texts, "epochs": epochs, "seed": seed}
    for fold in range(CV_FOLDS):
        train = [item for item, k in zip(items, assignment, strict=True) if k != fold]
        test = [item for item, k in zip(items, assignment, strict=True) if k == fold]
        if not test or not any(item.spans for item in train):
            continue
        progress(fold, CV_FOLDS, f"entities: cross-validating the labels, fold {fold + 1} of {CV_FOLDS}")
        lookup = ValueLookup.from_annotations(train, synonyms)
        texts = [item.text for item in test]
        matched = [
            [Entity(s, e, label, text[s:e], v, "lookup") for s, e, label, v in lookup.match(text)] for text in texts
        ]
        gold += [[span for span in item.spans if span[2] in examples] for item in test]
        for tagger in taggers:
            with tempfile.TemporaryDirectory() as folder:
                recognizer = train_tagger(tagger, base_model, train, Path(folder), **options)
                spans = recognizer.predict(texts)
            for text, found, rules in zip(texts, spans, matched, strict=True):
                entities = [Entity(s, e, label, text[s:e], "") for s, e, label in found if label in examples]
                predicted[tagger].append([entity.span for entity in merge_entities(entities, rules)])
    progress(CV_FOLDS, CV_FOLDS, "entities: labels cross-validated")
    scores = {tagger: span_scores(gold, predicted[tagger]) for tagger in taggers}
    chosen = max(taggers, key=lambda tagger: (scores[tagger]["f1"], -taggers.index(tagger)))
    per_label = {
        label: {
            "f1": round(float(scores[chosen]["per_label"].get(label, {}).get("f1", 0.0)), 4),
            "examples": examples[label],
        }
        for label in labels
    }
    weak = [label for label in labels if per_label[label]["f1"] < WEAK_F1]
    candidates = {tagger: round(float(scores[tagger]["f1"]), 4) for tagger in taggers}
    return LabelCheck(folds=CV_FOLDS, tagger=chosen, candidates=candidates, per_label=per_label, weak=weak)
