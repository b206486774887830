"""What finds the statistical entities of a language model: spaCy's NER, the base labels kept beside it, or a CRF.

Every recognizer has ``labels`` and ``predict(texts)`` (character spans per text), so the loaded model
(:class:`tunefork.language.model.SpacyLanguageModel`) does not care which one it holds:

- :class:`SpacyRecognizer`: a spaCy pipeline's NER (the base model itself, or one fine-tuned on the user's spans);
- :class:`WithBaseLabels`: a fine-tuned NER for the user's labels, with the base model's own NER answering for
  every other label. Fine-tuning drifts even with rehearsal (a model trained on 500 gadget sentences kept
  only 73-89% of the base model's DATE, TIME and CARDINAL predictions on general text), so an entities model
  keeps a copy of the frozen base recognizer: its base-label spans are the base model's, except where the
  fine-tuned recognizer finds one of the user's labels over them;
- :class:`~tunefork.language.crf_slots.CrfTagger`: a CRF over token features, a candidate for the slots of
  language projects.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Protocol

from tunefork.language.data import Span

if TYPE_CHECKING:
    from spacy.language import Language


class Recognizer(Protocol):
    """Finds entity spans."""

    @property
    def labels(self) -> list[str]:
        """Every label it can output."""
        ...

    def predict(self, texts: list[str]) -> list[list[Span]]:
        """The spans ``(start, end, label)`` found in each text."""
        ...


def overlaps(span: Span, others: Collection[Span]) -> bool:
    """Whether ``span`` shares a character with one of ``others``."""
    return any(span[0] < other[1] and other[0] < span[1] for other in others)


class SpacyRecognizer:
    """The NER of a spaCy pipeline (other components are not run)."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp

    @property
    def labels(self) -> list[str]:
        """The NER's labels."""
        return sorted(self.nlp.get_pipe("ner").labels)

    def predict(self, texts: list[str]) -> list[list[Span]]:
        """Entity spans the NER finds in each text."""
        others = [name for name in self.nlp.pipe_names if name != "ner"]
        docs = self.nlp.pipe(texts, batch_size=64, disable=others)
        return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in docs]


class WithBaseLabels:
    """The fine-tuned recognizer's spans of ``own_labels``, plus the base recognizer's spans of the other labels.

    A base span that overlaps one of the fine-tuned recognizer's own-label spans gives way to it.
    """

    def __init__(self, tuned: Recognizer, base: Recognizer, own_labels: Collection[str]) -> None:
        self.tuned, self.base, self.own_labels = tuned, base, frozenset(own_labels)

    @property
    def labels(self) -> list[str]:
        """The user's labels and the base labels."""
        return sorted(self.own_labels | set(self.base.labels))

    @property
    def base_labels(self) -> list[str]:
        """The labels the base recognizer answers for (every label of it that is not the user's)."""
        return sorted(set(self.base.labels) - self.own_labels)

    def predict(self, texts: list[str]) -> list[list[Span]]:
        """Own-label spans of the fine-tuned recognizer and the base spans that do not overlap them."""
        results = []
        for tuned, base in zip(self.tuned.predict(texts), self.base.predict(texts), strict=True):
            own = [span for span in tuned if span[2] in self.own_labels]
            kept = [span for span in base if span[2] not in self.own_labels and not overlaps(span, own)]
            results.append(sorted(own + kept))
        return results
