"""Per-label F1 of each entity label, and of each slot tagger: which one to train, which labels fail.

A recognizer trained on a handful of annotations can fail on a label without anything looking wrong: the
model trains, is marked Succeeded, and never finds that label. On small data (up to :data:`MAX_CV_TEXTS`
annotated texts) training therefore also runs a k-fold cross-validation of what a parse does (each candidate
tagger trained exactly as the final one, the user's patterns, lookups and regexes, and the value lookup of the
training folds, merged as a served parse merges them) and scores each
label the user annotated. Where there are several candidates (spaCy's NER and the CRF of
:mod:`tunefork.language.crf_slots` for language projects), the one with the best micro F1 over all the
labels is kept (ties: the first, spaCy). Labels under :data:`WEAK_F1` with the kept tagger are reported by
name with their number of annotations: training prints a warning, the model card records them and
``--gate`` fails.

From :data:`MAX_CV_TEXTS` to :data:`MAX_HELD_OUT_TEXTS` annotated texts, three spaCy folds would cost three
trainings on top of the final one, so the candidates are scored on one held-out split instead: a fifth of
the texts, at least :data:`MIN_HELD_OUT_TEXTS`, drawn so that every label has about a fifth of its texts
(at least one) in it; both candidates train on the rest and are scored on the same texts. This runs only
where the CRF is a candidate (it trains in seconds): ``auto`` in language projects costs one spaCy training
more than spaCy alone (none when the CRF wins, since the final spaCy training is then skipped), or where a
label has fewer than :data:`RARE_LABEL_TEXTS` annotated texts (one spaCy training more: an entities review's
label with 3 examples in 112 texts passed ``--gate`` unchecked). Above :data:`MAX_HELD_OUT_TEXTS`, or with
every label in that many texts, spaCy's NER is trained without a check, and the card says why.
"""

from __future__ import annotations

import random
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from tunefork.evaluation.spans import span_scores
from tunefork.language.base import Entity
from tunefork.language.crf_slots import CrfTagger
from tunefork.language.data import AnnotatedText, Span
from tunefork.language.entities import train_recognizer
from tunefork.language.recognizers import Recognizer, SpacyRecognizer
from tunefork.language.rules import EntityRules, merge_entities, yield_to_known
from tunefork.language.value_lookup import ValueLookup
from tunefork.progress import ProgressCallback, no_progress

CV_FOLDS = 3
MAX_CV_TEXTS = 100
MAX_HELD_OUT_TEXTS = 500
HELD_OUT_SHARE = 5
"""One text in this many (and of each label's texts) is held out."""
MIN_HELD_OUT_TEXTS = 50
WEAK_F1 = 0.5
RARE_LABEL_TEXTS = 30
"""From :data:`MAX_CV_TEXTS` to :data:`MAX_HELD_OUT_TEXTS` texts, a label in fewer texts is checked on a held-out
split even where spaCy's NER is the only candidate."""


@dataclass
class LabelCheck:
    """Per-label F1 of the kept tagger, the labels under :data:`WEAK_F1`, each candidate's F1.

    Cross-validated on ``folds`` folds, or (``held_out`` > 0) scored on that many held-out texts.
    """

    folds: int
    held_out: int = 0
    """Texts of the one held-out split (0: cross-validated)."""
    tagger: str = "spacy"
    """The tagger kept (best cross-validated micro F1)."""
    candidates: dict[str, float] = field(default_factory=dict)
    """Tagger -> cross-validated (or held-out) micro F1 over the annotated labels (with the value lookup)."""
    per_label: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Label -> ``{"f1", "examples"}`` (``examples``: annotated spans of the label in the training data)."""
    weak: list[str] = field(default_factory=list)

    def measure(self) -> str:
        """How the F1 was measured, in words: ``cross-validated`` or ``held-out``."""
        return "held-out" if self.held_out else "cross-validated"

    def warnings(self) -> list[str]:
        """One sentence per weak label, naming it and its number of examples."""
        return [
            f"entity label '{label}' reaches a {self.measure()} F1 of {self.per_label[label]['f1']:.2f} from "
            f"{self.per_label[label]['examples']} annotated examples (under {WEAK_F1}): the model will miss it; "
            "annotate more examples of it, or add a lookup, synonyms or a regex for it."
            for label in self.weak
        ]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON for the model card."""
        return asdict(self)


def check_method(items: list[AnnotatedText], taggers: Sequence[str]) -> str | None:
    """``cv``, ``held-out`` or ``None`` (no check) for the annotated ``items`` and candidate ``taggers``."""
    annotated = sum(bool(item.spans) for item in items)
    if annotated <= MAX_CV_TEXTS:
        return "cv"
    if annotated <= MAX_HELD_OUT_TEXTS and ("crf" in taggers or rarest_label_texts(items) < RARE_LABEL_TEXTS):
        return "held-out"
    return None


def rarest_label_texts(items: list[AnnotatedText]) -> int:
    """How many texts annotate the rarest label (0 without a label)."""
    counts = Counter(label for item in items for label in {span[2] for span in item.spans})
    return min(counts.values(), default=0)


def unchecked_reason(items: list[AnnotatedText]) -> str:
    """Why the labels of ``items`` were not checked (the card's ``label_check.skipped``)."""
    annotated = sum(bool(item.spans) for item in items)
    if annotated > MAX_HELD_OUT_TEXTS:
        return f"{annotated} annotated texts, over the {MAX_HELD_OUT_TEXTS} the per-label check runs on"
    return (
        f"{annotated} annotated texts, every label in {RARE_LABEL_TEXTS} or more (a held-out check runs from "
        f"{MAX_CV_TEXTS + 1} to {MAX_HELD_OUT_TEXTS} texts when a label is rarer)"
    )


def _folds(items: list[AnnotatedText], folds: int, seed: int) -> list[int]:
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    assignment = [0] * len(items)
    for position, index in enumerate(order):
        assignment[index] = position % folds
    return assignment


def held_out_split(items: list[AnnotatedText], seed: int) -> list[int]:
    """0 (train) or 1 (held out) per item: a fifth of the items, at least :data:`MIN_HELD_OUT_TEXTS`, and about a
    fifth of each label's texts (at least one), rarest labels first."""
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    texts_of: dict[str, list[int]] = {}
    for index in order:
        for label in sorted({span[2] for span in items[index].spans}):
            texts_of.setdefault(label, []).append(index)
    chosen: set[int] = set()
    for label in sorted(texts_of, key=lambda name: (len(texts_of[name]), name)):
        wanted = max(1, len(texts_of[label]) // HELD_OUT_SHARE) - sum(i in chosen for i in texts_of[label])
        for index in [i for i in texts_of[label] if i not in chosen][: max(0, wanted)]:
            chosen.add(index)
    size = max(MIN_HELD_OUT_TEXTS, len(items) // HELD_OUT_SHARE)
    for index in order:
        if len(chosen) >= size:
            break
        chosen.add(index)
    return [int(index in chosen) for index in range(len(items))]


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
    rules: EntityRules,
    *,
    rehearsal: bool,
    extra_texts: list[str],
    epochs: int | None,
    taggers: Sequence[str] = ("spacy",),
    held_out: bool = False,
    seed: int = 0,
    progress: ProgressCallback = no_progress,
) -> LabelCheck:
    """Cross-validate each of ``taggers`` with the user's ``rules`` on ``items`` (``held_out``: score them on one
    held-out split instead); keep the best; score its labels.

    Each fold's parse is the served one: the tagger's entities, ``rules``' patterns, lookups and regexes, and the
    value lookup of that fold's training texts (``rules``' own values are replaced by it), merged the same way.
    """
    labels = sorted({label for item in items for _, _, label in item.spans})
    examples = {label: sum(span[2] == label for item in items for span in item.spans) for label in labels}
    assignment = held_out_split(items, seed) if held_out else _folds(items, CV_FOLDS, seed)
    folds = 1 if held_out else CV_FOLDS
    gold: list[list[Span]] = []
    predicted: dict[str, list[list[Span]]] = {tagger: [] for tagger in taggers}
    options = {"rehearsal": rehearsal, "extra_texts": extra_texts, "epochs": epochs, "seed": seed}
    for fold in range(folds):
        test_fold = 1 if held_out else fold
        train = [item for item, k in zip(items, assignment, strict=True) if k != test_fold]
        test = [item for item, k in zip(items, assignment, strict=True) if k == test_fold]
        if not test or not any(item.spans for item in train):
            continue
        progress(fold, folds, f"entities: scoring the labels on {len(test)} held-out texts" if held_out else
                 f"entities: cross-validating the labels, fold {fold + 1} of {folds}")  # fmt: skip
        fold_rules = replace(rules, values=ValueLookup.from_annotations(train, rules.synonyms).entries)
        texts = [item.text for item in test]
        matched = [fold_rules.match(text) for text in texts]
        known = [fold_rules.known_values(text) for text in texts]
        gold += [[span for span in item.spans if span[2] in examples] for item in test]
        for tagger in taggers:
            with tempfile.TemporaryDirectory() as folder:
                recognizer = train_tagger(tagger, base_model, train, Path(folder), **options)
                spans = recognizer.predict(texts)
            for text, found, ruled, values in zip(texts, spans, matched, known, strict=True):
                entities = [Entity(s, e, label, text[s:e], "") for s, e, label in found if label in examples]
                merged = merge_entities(yield_to_known(entities, values), ruled)
                predicted[tagger].append([entity.span for entity in merged if entity.label in examples])
    progress(folds, folds, "entities: labels checked")
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
    held = sum(assignment) if held_out else 0
    return LabelCheck(folds, held, tagger=chosen, candidates=candidates, per_label=per_label, weak=weak)
