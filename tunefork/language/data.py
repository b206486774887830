"""Training material of a language or entities project, gathered from canonical dataset records.

Records come from the ``utterances`` (examples, synonyms, regexes, lookups), ``annotated-text`` (texts
with spans) and ``patterns`` (spaCy Matcher / EntityRuler patterns) dataset kinds, as written by the
importers in :mod:`tunefork.datasets`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tunefork.evaluation.labels import label_variants, tag_prefix_warning
from tunefork.language.base import OUT_OF_SCOPE_NAMES

Span = tuple[int, int, str]


@dataclass
class AnnotatedText:
    """A text with its entity spans (character offsets); an empty list is a negative example."""

    text: str
    spans: list[Span] = field(default_factory=list)


@dataclass
class LanguageTrainingData:
    """What a language trainer learns from."""

    intent_examples: list[tuple[str, str]] = field(default_factory=list)
    """``(text, intent)`` of in-scope examples."""
    out_of_scope_texts: list[str] = field(default_factory=list)
    """Examples labelled with an out-of-scope name (``out_of_scope``, ``oos``, ``none``...): threshold tuning."""
    entity_texts: list[AnnotatedText] = field(default_factory=list)
    """Texts with entity spans: utterance examples (slots) and annotated text."""
    synonyms: dict[str, str] = field(default_factory=dict)
    """Lower-cased surface form -> canonical value."""
    regexes: list[tuple[str, str]] = field(default_factory=list)
    """``(entity name, pattern)``."""
    lookups: dict[str, list[str]] = field(default_factory=dict)
    """Entity name -> elements."""
    patterns: list[dict[str, Any]] = field(default_factory=list)
    """EntityRuler patterns ``{"label", "pattern", "id"?}``."""
    duplicates: int = 0
    """Examples and annotated texts left out as the same item of an earlier dataset (same text, intent and spans,
    wherever it sits in each): a file uploaded twice, or an example also in a reviewed log export, would otherwise
    sit on both sides of every cross-validation split (matched by line id, 24 of 32 were trained twice: a review).
    An upload rejects such repeats inside one dataset."""
    conflicts: list[str] = field(default_factory=list)
    """Texts labelled one way in a dataset and another way in a later one (another intent, other spans): an
    import rejects such repeats inside one upload, training gets both versions (a review's corrected dataset was
    trained beside its uncorrected copy without a word)."""
    _seen: set[tuple[Any, ...]] = field(default_factory=set, repr=False)
    _labelled: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = field(default_factory=dict, repr=False)

    def _is_duplicate(self, record: dict[str, Any], intent: str, spans: list[Span]) -> bool:
        text = " ".join(record["text"].split())
        # spans by their words, as the text is compared with its spaces collapsed ("book a  suv" is "book a suv")
        labels = (intent, tuple((" ".join(record["text"][start:end].split()), label) for start, end, label in spans))
        first = self._labelled.setdefault(text, labels)
        if first != labels and text not in self.conflicts:
            self.conflicts.append(text)
        key = (text, *labels)  # not the id: a log export's line-7 is a reviewed file's line-2
        if key in self._seen:
            self.duplicates += 1
            return True
        self._seen.add(key)
        return False

    def add_record(self, kind: str, record: dict[str, Any]) -> None:
        """Add one canonical record of a dataset of ``kind`` (an earlier dataset's same item is counted, not added)."""
        record_type = record.get("type", "example")
        if kind == "annotated-text":
            spans = _spans(record.get("spans", []))
            if not self._is_duplicate(record, "", spans):
                self.entity_texts.append(AnnotatedText(record["text"], spans))
        elif kind == "patterns":
            pattern = {"label": record["label"], "pattern": record["pattern"]}
            if record.get("pattern_id"):
                pattern["id"] = record["pattern_id"]
            self.patterns.append(pattern)
        elif record_type == "example":
            self._add_example(record)
        elif record_type == "synonym":
            for surface in record["synonyms"]:
                self.synonyms[surface.lower()] = record["value"]
        elif record_type == "regex":
            self.regexes.append((record["name"], record["pattern"]))
        elif record_type == "lookup":
            self.lookups.setdefault(record["name"], []).extend(record["elements"])

    def _add_example(self, record: dict[str, Any]) -> None:
        text, intent = record["text"], record.get("intent") or ""
        if self._is_duplicate(record, intent, _spans(record.get("entities", []))):
            return
        if intent.lower() in OUT_OF_SCOPE_NAMES:
            self.out_of_scope_texts.append(text)
        elif intent:
            self.intent_examples.append((text, intent))
        entities = record.get("entities", [])
        self.entity_texts.append(AnnotatedText(text, _spans(entities)))
        for entity in entities:
            surface = text[entity["start"] : entity["end"]]
            if entity.get("value") and entity["value"] != surface:
                self.synonyms[surface.lower()] = entity["value"]

    @property
    def intents(self) -> list[str]:
        """The in-scope intents, sorted."""
        return sorted({intent for _, intent in self.intent_examples})

    @property
    def entity_labels(self) -> list[str]:
        """Labels annotated in the texts, sorted."""
        return sorted({label for item in self.entity_texts for _, _, label in item.spans})

    def has_entities(self) -> bool:
        """True when some text carries a span (a statistical recognizer can be trained)."""
        return any(item.spans for item in self.entity_texts)

    def warnings(self) -> list[str]:
        """What a user should know about the data before it trains (kept on the card): items in two datasets,
        texts labelled differently in two, labels that differ only in case."""
        warnings: list[str] = []
        if self.duplicates:
            warnings.append(
                f"{self.duplicates} training item(s) are the same items in more than one dataset (the same file "
                "uploaded twice, or examples also in an exported log?): each is trained on once, so cross-validation "
                "does not see them on both sides of a split."
            )
        if self.conflicts:
            warnings.append(
                f"{len(self.conflicts)} training text(s) are labelled differently in two datasets (another intent or "
                f"other spans), such as '{self.conflicts[0]}': both versions are trained on. Train on one of them (a "
                "corrected dataset beside its uncorrected copy?)."
            )
        variants = [*label_variants(self.intents), *label_variants(self.entity_labels)]  # they never compete
        for names, what in variants:
            warnings.append(
                f"labels {' and '.join(repr(name) for name in names)} differ only in {what}: they are trained as "
                "different labels. Write them alike in the data if they are one."
            )
        tagged = tag_prefix_warning(self.entity_labels)
        return warnings + ([tagged[0].upper() + tagged[1:]] if tagged else [])

    def untrainable_reason(self) -> str | None:
        """Why no model can be trained on this material, or ``None`` (synonyms alone find nothing)."""
        if not (self.intent_examples or self.has_entities() or self.patterns or self.lookups or self.regexes):
            return "they hold no intent examples, entity spans or rules (patterns, lookups, regexes)."
        if len(self.intents) == 1:
            return (
                f"their examples name one intent, '{self.intents[0]}': an intent classifier needs at least two "
                "(out-of-scope examples do not count as one)."
            )
        return None

    def kinds(self) -> list[str]:
        """Which kinds of material are present, in a stable order."""
        present = {
            "intent_examples": self.intent_examples,
            "out_of_scope_examples": self.out_of_scope_texts,
            "entity_spans": self.has_entities(),
            "synonyms": self.synonyms,
            "regexes": self.regexes,
            "lookups": self.lookups,
            "patterns": self.patterns,
        }
        return [kind for kind, items in present.items() if items]

    def summary(self) -> dict[str, Any]:
        """Counts for the model card."""
        return {
            "intent_examples": len(self.intent_examples),
            "intents": len(self.intents),
            "out_of_scope_examples": len(self.out_of_scope_texts),
            "entity_texts": sum(1 for item in self.entity_texts if item.spans),
            "duplicates_left_out": self.duplicates,
            "entity_labels": self.entity_labels,
            "synonyms": len(self.synonyms),
            "regexes": len(self.regexes),
            "lookups": {name: len(elements) for name, elements in self.lookups.items()},
            "patterns": len(self.patterns),
        }


def _spans(items: list[dict[str, Any]]) -> list[Span]:
    return sorted((int(s["start"]), int(s["end"]), str(s["label"])) for s in items)
