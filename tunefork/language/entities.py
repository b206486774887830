"""Fine-tune the spaCy entity recognizer on the user's spans, with rehearsal so base labels are not forgotten.

Fine-tuning a pretrained NER on data that annotates only new labels teaches it that everything else is
"not an entity": PERSON, ORG, GPE... are forgotten (catastrophic forgetting). Rehearsal prevents it the
way spaCy's docs advise ("pseudo-rehearsal"): before training, the base pipeline labels the training
texts, and the extra unlabelled texts, with its own predictions; those spans of base labels that the user
did not annotate themselves and that do not overlap a user span are added to the training annotations.
The recognizer thus keeps being taught its old behaviour while it learns the new labels. The extra texts are
the shipped general sentences set aside for rehearsal plus generated ones dense in dates, times, sums and
counts (:mod:`tunefork.language.rehearsal_text`). Rehearsal alone still drifts (about 75-90% of the base
model's DATE, TIME and CARDINAL predictions kept on unseen general text), so entities models also keep the
frozen base recognizer to answer for the base labels (:class:`tunefork.language.recognizers.WithBaseLabels`).

Training uses a seeded shuffle. Early stopping needs a development split big enough to trust: with at least
:data:`MIN_DEV_TEXTS` texts in a 10% split (500 texts or more), it stops on strict span F1 and keeps the best
epoch's weights; with fewer, a handful of dev texts would stop it on noise (a 4-text split once stopped a
model at F1 0.0), so it trains a fixed number of epochs (:func:`fixed_epochs`, or ``epochs`` when given).
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from tunefork.errors import TuneforkError
from tunefork.evaluation.spans import span_scores
from tunefork.language.data import AnnotatedText
from tunefork.language.pipelines import load_pipeline
from tunefork.language.recognizers import SpacyRecognizer, overlaps
from tunefork.progress import ProgressCallback, no_progress

if TYPE_CHECKING:
    from spacy.language import Language

MAX_EPOCHS = 40
FIXED_EPOCHS = (10, 30)
"""Fewest and most epochs without early stopping (:func:`fixed_epochs`)."""
FIXED_EXAMPLE_UPDATES = 2400
"""Without early stopping, train about this many examples in all (small data gets more epochs)."""
PATIENCE = 5
DROPOUT = 0.2
DEV_SHARE = 10
"""One text in this many goes to the development split."""
MIN_DEV_TEXTS = 50


@dataclass
class RecognizerReport:
    """What entity training did: labels, rehearsal, epochs and development scores."""

    labels: list[str]
    new_labels: list[str]
    rehearsal: bool
    rehearsed_labels: dict[str, int] = field(default_factory=dict)
    """Base label -> spans added by rehearsal."""
    rehearsal_texts: int = 0
    training_texts: int = 0
    dev_texts: int = 0
    epochs: int = 0
    best_epoch: int = 0
    dev_f1: float | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON for the model card."""
        return asdict(self)


def add_rehearsal(
    base: Language, items: list[AnnotatedText], extra_texts: list[str], user_labels: set[str]
) -> tuple[list[AnnotatedText], dict[str, int]]:
    """``items`` with the base model's own spans added, plus ``extra_texts`` labelled by it alone.

    Only base labels the user does not annotate are added, and never over a user span.
    """
    rehearsed = set(base.get_pipe("ner").labels) - user_labels
    predictions = [
        [span for span in spans if span[2] in rehearsed]
        for spans in SpacyRecognizer(base).predict([i.text for i in items] + extra_texts)
    ]
    counts: dict[str, int] = {}
    result = []
    for index, text in enumerate([i.text for i in items] + extra_texts):
        gold = items[index].spans if index < len(items) else []
        added = [span for span in predictions[index] if not overlaps(span, gold)]
        for _, _, label in added:
            counts[label] = counts.get(label, 0) + 1
        result.append(AnnotatedText(text, sorted(gold + added)))
    return result, dict(sorted(counts.items()))


def _examples(nlp: Language, items: list[AnnotatedText]) -> list[Any]:
    from spacy.training import Example

    examples = []
    for item in items:
        doc = nlp.make_doc(item.text)
        examples.append(Example.from_dict(doc, {"entities": [list(span) for span in item.spans]}))
    return examples


def _dev_f1(nlp: Language, dev: list[AnnotatedText]) -> float:
    return span_scores([d.spans for d in dev], SpacyRecognizer(nlp).predict([d.text for d in dev]))["f1"]


def fixed_epochs(texts: int) -> int:
    """Epochs without a dev split: about :data:`FIXED_EXAMPLE_UPDATES` examples seen, within :data:`FIXED_EPOCHS`."""
    low, high = FIXED_EPOCHS
    return max(low, min(high, -(-FIXED_EXAMPLE_UPDATES // max(1, texts))))


def train_recognizer(
    base_model: str,
    items: list[AnnotatedText],
    *,
    rehearsal: bool = True,
    extra_texts: list[str] | None = None,
    epochs: int | None = None,
    seed: int = 0,
    progress: ProgressCallback = no_progress,
) -> tuple[Language, RecognizerReport]:
    """Fine-tune the NER of spaCy base model ``base_model`` on ``items``; returns the pipeline (NER only)."""
    from spacy.util import fix_random_seed, minibatch

    user_labels = {label for item in items for _, _, label in item.spans}
    if not user_labels:
        raise TuneforkError("no entity spans to train on: annotate at least one span.")
    started = time.perf_counter()
    fix_random_seed(seed)
    nlp = load_pipeline(base_model, fresh=True)
    if "ner" not in nlp.pipe_names:
        raise TuneforkError(f"base model {base_model!r} has no entity recognizer to fine-tune.")
    for name in [n for n in nlp.pipe_names if n != "ner"]:
        nlp.remove_pipe(name)
    ner = nlp.get_pipe("ner")
    base_labels = set(ner.labels)
    report = RecognizerReport(labels=[], new_labels=sorted(user_labels - base_labels), rehearsal=rehearsal)
    progress(0, 1, "entities: preparing annotations")
    if rehearsal:
        items, report.rehearsed_labels = add_rehearsal(load_pipeline(base_model), items, extra_texts or [], user_labels)
        report.rehearsal_texts = len(extra_texts or [])
    for label in sorted(user_labels):
        ner.add_label(label)
    report.labels = sorted(set(ner.labels))
    shuffled = list(items)
    random.Random(seed).shuffle(shuffled)
    dev_size = len(shuffled) // DEV_SHARE
    dev = shuffled[:dev_size] if dev_size >= MIN_DEV_TEXTS and not epochs else []
    train = shuffled[len(dev) :]
    report.training_texts, report.dev_texts = len(train), len(dev)
    examples = _examples(nlp, train)
    optimizer = nlp.resume_training()
    max_epochs = epochs or (MAX_EPOCHS if dev else fixed_epochs(len(train)))
    best_f1, best_weights, stale = -1.0, None, 0
    order = random.Random(seed)
    for epoch in range(1, max_epochs + 1):
        order.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=16):
            nlp.update(batch, drop=DROPOUT, sgd=optimizer, losses=losses)
        report.epochs = epoch
        if dev:
            f1 = _dev_f1(nlp, dev)
            if f1 > best_f1:
                best_f1, best_weights, stale, report.best_epoch = f1, ner.to_bytes(), 0, epoch
            else:
                stale += 1
            progress(epoch, max_epochs, f"entities: epoch {epoch}, dev F1 {f1:.3f} (best {best_f1:.3f})")
            if stale >= PATIENCE:
                break
        else:
            report.best_epoch = epoch
            progress(epoch, max_epochs, f"entities: epoch {epoch}, loss {losses.get('ner', 0.0):.1f}")
    if best_weights is not None:
        ner.from_bytes(best_weights)
        report.dev_f1 = round(best_f1, 4)
    progress(max_epochs, max_epochs, "entities: done")
    report.seconds = round(time.perf_counter() - started, 2)
    return nlp, report
