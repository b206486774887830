"""What every language model shares: the parse result and the model protocol.

A language model takes one utterance and returns a :class:`Parse`: the intents ranked by calibrated
confidence, whether the utterance is out of scope (none of the trained intents), and the entities found,
each with character offsets, label, surface text and canonical value (synonyms resolved).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

from tunefork.evaluation.labels import OUT_OF_SCOPE, OUT_OF_SCOPE_NAMES

__all__ = ["OUT_OF_SCOPE", "OUT_OF_SCOPE_NAMES", "Entity", "IntentScore", "LanguageModel", "Parse"]


@dataclass(frozen=True)
class IntentScore:
    """One intent and its calibrated confidence in [0, 1]."""

    name: str
    confidence: float


@dataclass(frozen=True)
class Entity:
    """One entity: ``text[start:end]`` carries ``label``; ``value`` is its canonical form (synonyms resolved)."""

    start: int
    end: int
    label: str
    text: str
    value: str
    source: str = "model"
    """What found it: ``model`` (the statistical recognizer), ``base`` (a base model's recognizer, for the labels a
    custom model keeps from it, learned from no data of the user's), ``lookup``, ``regex`` or ``pattern``."""

    @property
    def span(self) -> tuple[int, int, str]:
        """``(start, end, label)``, what span metrics compare."""
        return self.start, self.end, self.label


@dataclass
class Parse:
    """The understanding of one utterance."""

    text: str
    intents: list[IntentScore] = field(default_factory=list)
    """Every trained intent, best first (empty for models without intents). With an out-of-scope (background)
    class their confidences sum to less than 1: the rest is the background's."""
    out_of_scope: bool = False
    """True when the best confidence is under the model's threshold or under the background's: none of the
    trained intents."""
    entities: list[Entity] = field(default_factory=list)
    threshold: float | None = None

    @property
    def intent(self) -> str | None:
        """The decided intent: the best one, :data:`OUT_OF_SCOPE`, or ``None`` for models without intents."""
        if not self.intents:
            return None
        return OUT_OF_SCOPE if self.out_of_scope else self.intents[0].name

    @property
    def top_confidence(self) -> float:
        """The best-ranked intent's confidence, whatever was decided (0 without intents): what the threshold
        compares."""
        return self.intents[0].confidence if self.intents else 0.0

    @property
    def background(self) -> float:
        """The out-of-scope (background) class's probability: what the intents' confidences leave (0 without
        intents or without a background class)."""
        return max(0.0, 1.0 - sum(score.confidence for score in self.intents)) if self.intents else 0.0

    @property
    def confidence(self) -> float:
        """The confidence of the decided :attr:`intent` (0 without intents).

        In scope, the best intent's. Out of scope, the probability the model gives to "not the best intent": the
        share of the ranking's confidence left to the other intents and the background, ``1 - top_confidence``
        (never the best in-scope intent's own confidence, which would read as sure of an answer it did not give).
        """
        if not self.intents:
            return 0.0
        return 1.0 - self.top_confidence if self.out_of_scope else self.top_confidence

    def to_json(self, top: int = 10) -> dict[str, Any]:
        """Plain JSON: the decided intent and its :attr:`confidence`, the ``top`` ranking (each intent's own
        confidence), ``out_of_scope`` and the entities."""
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "intents": [{"name": i.name, "confidence": round(i.confidence, 4)} for i in self.intents[:top]],
            "out_of_scope": self.out_of_scope,
            "threshold": self.threshold,
            "entities": [asdict(e) for e in self.entities],
        }


@runtime_checkable
class LanguageModel(Protocol):
    """A loaded language model; ``parse_batch`` must give the same parses as ``parse`` one by one."""

    name: str

    @property
    def entity_labels(self) -> list[str]: ...

    def parse(self, text: str) -> Parse: ...

    def parse_batch(self, texts: list[str]) -> list[Parse]: ...
