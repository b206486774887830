"""A loaded language model: intents (optional), an entity recognizer (optional) and rule entities."""

from __future__ import annotations

import threading
import unicodedata
from typing import TYPE_CHECKING

import numpy as np

from tunefork.language.base import Entity, IntentScore, Parse
from tunefork.language.intent_calibration import IntentModel, out_of_scope_flags
from tunefork.language.rules import EntityRules, merge_entities, yield_to_known

if TYPE_CHECKING:
    from collections.abc import Collection

    from tunefork.language.recognizers import Recognizer


class SpacyLanguageModel:
    """Parses utterances: ranks intents, decides out of scope, finds and resolves entities.

    ``output_labels`` limits the recognizer's entities to those labels (a slot model trained without
    rehearsal keeps only its slots); ``None`` keeps every label. The recognizer's spans of ``base_labels`` are a
    base model's own predictions, learned from no data of the user's (their source is ``base``, and log exports
    leave them out). Safe to share between threads.
    """

    def __init__(
        self,
        name: str,
        intents: IntentModel | None = None,
        recognizer: Recognizer | None = None,
        rules: EntityRules | None = None,
        output_labels: Collection[str] | None = None,
        base_labels: Collection[str] = (),
    ) -> None:
        self.name = name
        self.intents, self.recognizer = intents, recognizer
        self.rules = rules or EntityRules()
        self.output_labels = set(output_labels) if output_labels is not None else None
        self.base_labels = frozenset(base_labels)
        self._lock = threading.Lock()

    @property
    def entity_labels(self) -> list[str]:
        """Every label this model can output (recognizer and rules)."""
        labels = set(self.recognizer.labels) if self.recognizer is not None else set()
        if self.output_labels is not None:
            labels &= self.output_labels
        labels |= {p["label"] for p in self.rules.patterns} | set(self.rules.lookups)
        labels |= {name for name, _ in self.rules.regexes}
        return sorted(labels)

    def parse(self, text: str) -> Parse:
        """Understand one utterance."""
        return self.parse_batch([text])[0]

    def parse_batch(self, texts: list[str]) -> list[Parse]:
        """Understand many utterances at once (faster than one by one, same results)."""
        with self._lock:
            rankings: list[list[IntentScore]] = self.intents.rank(texts) if self.intents else [[] for _ in texts]
            found = self._recognize(texts)
            matched = [self.rules.match(text) for text in texts]
            known = [self.rules.known_values(text) for text in texts]
        threshold = self.intents.threshold if self.intents else None
        parses = []
        for text, ranking, entities, rules, values in zip(texts, rankings, found, matched, known, strict=True):
            merged = merge_entities(self.rules.resolve(yield_to_known(entities, values)), rules)
            confidences = np.array([[score.confidence for score in ranking]])
            out_of_scope = bool(ranking) and bool(out_of_scope_flags(confidences, threshold or 0.0)[0])
            parses.append(Parse(text, ranking, out_of_scope, merged, threshold))
        return parses

    def _recognize(self, texts: list[str]) -> list[list[Entity]]:
        if self.recognizer is None:
            return [[] for _ in texts]
        keep = self.output_labels
        return [
            [Entity(s, e, label, text[s:e], text[s:e], "base" if label in self.base_labels else "model")
             for s, e, label in self._whole_words(text, spans) if keep is None or label in keep]
            for text, spans in zip(texts, self.recognizer.predict(texts), strict=True)
        ]  # fmt: skip

    def _whole_words(self, text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """The user's labels' spans made whole over hyphenated words (:func:`hyphenated_whole`), unless that would
        run into another span; the base model's own spans only lose a dangling hyphen."""
        whole = []
        for index, (start, end, label) in enumerate(spans):
            grown = hyphenated_whole(text, start, end, label, grow=label not in self.base_labels)
            others = spans[:index] + spans[index + 1 :]
            clash = any(grown[0] < other_end and other_start < grown[1] for other_start, other_end, _ in others)
            whole.append((start, end, label) if clash else grown)
        return whole


HYPHENS = "-\u2010\u2011"
"""Characters that join the parts of one word (``Fed-Ex``, ``CMA-CGM``): spaCy splits them into three tokens."""


def hyphenated_whole(text: str, start: int, end: int, label: str, grow: bool = True) -> tuple[int, int, str]:
    """A recognizer's span with a hyphen at an edge made whole: a span that ends in a hyphen inside a hyphenated word
    (``Fed-`` of ``Fed-Ex``: a review's carriers) goes on to the word's end, one that starts with one goes back to
    its start, and a hyphen left dangling at an edge is dropped. Spans ending at a word's hyphen (``Paris`` of
    ``Paris-based``) are left as they are; without ``grow`` a dangling hyphen is only dropped."""

    def letter(position: int) -> bool:  # a letter, a digit or an accent written apart (decomposed)
        return text[position].isalnum() or unicodedata.category(text[position]).startswith("M")

    def joined(position: int) -> bool:  # a hyphen between two letters or digits
        return (
            0 < position < len(text) - 1
            and text[position] in HYPHENS
            and letter(position - 1)
            and (letter(position + 1))
        )

    if grow and end - start > 1 and joined(end - 1):
        while end < len(text) and (letter(end) or joined(end)):
            end += 1
    if grow and end - start > 1 and joined(start):
        while start > 0 and (letter(start - 1) or joined(start - 1)):
            start -= 1
    while end - start > 1 and text[end - 1] in HYPHENS:
        end -= 1
    while end - start > 1 and text[start] in HYPHENS:
        start += 1
    return start, end, label
