"""Rule entities and canonical values: lookups, regexes, spaCy patterns and synonyms.

- ``patterns``: spaCy EntityRuler patterns (token patterns or phrase strings), matched on spaCy's English
  tokenizer (attributes that need a tagger or parser, such as POS or DEP, are refused at upload);
- ``lookups``: entity name -> list of elements, matched case-insensitively on whole tokens;
- ``regexes``: ``(entity name, pattern)``, matched with RE2 in linear time (:mod:`tunefork.language.user_regex`)
  and widened to token boundaries; ``REGEX`` predicates of token patterns are matched with RE2 too;
- ``synonyms``: lower-cased surface form -> canonical value (Lex slot synonyms, Rasa synonyms and
  ``[text]{"entity": ..., "value": ...}`` annotations); every entity's ``value`` is resolved through it;
- ``values``: the annotated slot values and their synonyms, matched case-, plural- and typo-tolerantly
  (:mod:`tunefork.language.value_lookup`), so an annotated value is found wherever it appears again; an entity
  without a synonym entry that is one of them as a whole takes its canonical value (a tagged ``Belfast`` or
  ``Belfst`` resolves to an annotated ``belfast``, as a lookup match would).

Statistical predictions win over rules, except where one overlaps a known value (an annotated value, a
synonym, as written up to case and plural, or a lookup element) with another label or other boundaries: the
known value is kept
(:func:`yield_to_known`). Among rules, longer matches win, then patterns over lookups over regexes.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tunefork.errors import TuneforkError
from tunefork.language.base import Entity
from tunefork.language.data import Span
from tunefork.language.pipelines import blank_english
from tunefork.language.user_regex import compile_regex, linear_patterns
from tunefork.language.value_lookup import ValueLookup
from tunefork.store.artifacts import atomic_write_json

RULES_FILE = "rules.json"


@dataclass
class EntityRules:
    """Rule-based entities and synonym resolution (see the module docs)."""

    patterns: list[dict[str, Any]] = field(default_factory=list)
    lookups: dict[str, list[str]] = field(default_factory=dict)
    regexes: list[tuple[str, str]] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)
    values: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Normalized annotated surface -> ``(label, canonical value)`` (a :class:`ValueLookup`'s entries)."""

    @functools.cached_property
    def _values(self) -> ValueLookup:
        return ValueLookup(self.values)

    @functools.cached_property
    def _ruler(self) -> Any:
        import spacy

        nlp = spacy.blank("en")
        if self.patterns:
            nlp.add_pipe("entity_ruler", name="patterns").add_patterns(linear_patterns(self.patterns))
        return self._add_lookups(nlp)

    @functools.cached_property
    def _lookup_ruler(self) -> Any:
        import spacy

        return self._add_lookups(spacy.blank("en"))

    def _add_lookups(self, nlp: Any) -> Any:
        """``nlp`` with an entity ruler of the lookup tables (whole tokens, any case), when there are any."""
        if self.lookups:
            lookup = nlp.add_pipe("entity_ruler", name="lookups", config={"phrase_matcher_attr": "LOWER"})
            lookup.add_patterns(
                [{"label": name, "pattern": element} for name, elements in self.lookups.items() for element in elements]
            )
        return nlp

    @functools.cached_property
    def _compiled(self) -> list[tuple[str, Any]]:
        compiled = []
        for name, pattern in self.regexes:
            try:
                compiled.append((name, compile_regex(pattern)))
            except ValueError as exc:
                raise TuneforkError(f"entity '{name}': {exc}; retrain the model without it") from None
        return compiled

    def is_empty(self) -> bool:
        """True when there is no rule at all (synonyms alone find nothing)."""
        return not (self.patterns or self.lookups or self.regexes or self.values)

    def canonical(self, surface: str, label: str | None = None) -> str:
        """The canonical value of ``surface``: its synonym entry's, else the value of the known slot value it is
        as a whole (case, plural and typos aside, of the same ``label`` when given: ``Belfast`` and ``Belfst``
        resolve to an annotated ``belfast``), else itself."""
        if surface.lower() in self.synonyms:
            return self.synonyms[surface.lower()]
        whole = [match for match in self._values.match(surface) if (match[0], match[1]) == (0, len(surface))]
        if len(whole) == 1 and label in (None, whole[0][2]):
            return whole[0][3]
        return surface

    def match(self, text: str) -> list[Entity]:
        """Entities the rules find in ``text``, without overlaps."""
        found: list[Entity] = []
        if self.patterns or self.lookups:
            doc = self._ruler(text)
            pattern_labels = {p["label"] for p in self.patterns}
            for ent in doc.ents:
                source = "pattern" if ent.label_ in pattern_labels else "lookup"
                found.append(self._entity(text, ent.start_char, ent.end_char, ent.label_, source))
        if self._compiled:
            doc = blank_english()(text)
            for name, regex in self._compiled:
                for hit in regex.finditer(text):
                    span = doc.char_span(hit.start(), hit.end(), alignment_mode="expand")
                    if span is not None and span.text.strip():
                        found.append(self._entity(text, span.start_char, span.end_char, name, "regex"))
        for start, end, label, value in self._values.match(text):
            found.append(Entity(start, end, label, text[start:end], value, "lookup"))
        return merge_entities([], found)

    def known_values(self, text: str) -> list[Span]:
        """Spans of ``text`` that are an annotated value or a synonym as written (case and plural aside), or an
        element of a lookup table (a Lex slot type's values: 'quattro formaggi' lost to a model's 'quattro')."""
        spans = self._values.known_spans(text)
        if self.lookups:
            spans += [(ent.start_char, ent.end_char, ent.label_) for ent in self._lookup_ruler(text).ents]
        return spans

    def _entity(self, text: str, start: int, end: int, label: str, source: str) -> Entity:
        surface = text[start:end]
        return Entity(start, end, label, surface, self.canonical(surface, label), source)

    def resolve(self, entities: list[Entity]) -> list[Entity]:
        """``entities`` with their values resolved through the synonyms."""
        return [Entity(e.start, e.end, e.label, e.text, self.canonical(e.text, e.label), e.source) for e in entities]

    def save(self, folder: Path) -> None:
        """Write ``rules.json`` into ``folder``."""
        atomic_write_json(folder / RULES_FILE, asdict(self))

    @classmethod
    def load(cls, folder: Path) -> EntityRules:
        """Read the rules written by :meth:`save` (empty rules when the file is absent)."""
        path = folder / RULES_FILE
        if not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            patterns=data.get("patterns", []),
            lookups=data.get("lookups", {}),
            regexes=[tuple(item) for item in data.get("regexes", [])],
            synonyms=data.get("synonyms", {}),
            values={key: tuple(entry) for key, entry in data.get("values", {}).items()},
        )


_SOURCE_RANK = {"model": 0, "pattern": 1, "lookup": 2, "regex": 3}


def yield_to_known(found: list[Entity], known: list[Span]) -> list[Entity]:
    """``found`` (the recognizer's entities) without those that overlap a known value but disagree with it.

    A value the user annotated, or declared as a synonym, is a fact about the project: where the recognizer
    tags it with another label or other boundaries (``my new S23`` as one phone, ``Go 15`` as a phone when
    it is an annotated plan), the known value is kept instead (the rules' match, merged after this)."""
    if not known:
        return found
    return [
        entity
        for entity in found
        if not any(entity.start < end and start < entity.end and entity.span != (start, end, label)
                   for start, end, label in known)
    ]  # fmt: skip


def merge_entities(kept: list[Entity], candidates: list[Entity]) -> list[Entity]:
    """``kept`` plus the ``candidates`` that overlap nothing already taken (longest, then by source rank)."""
    taken = list(kept)
    for entity in sorted(candidates, key=lambda e: (-(e.end - e.start), _SOURCE_RANK.get(e.source, 9), e.start)):
        if not any(entity.start < other.end and other.start < entity.end for other in taken):
            taken.append(entity)
    return sorted(taken, key=lambda e: (e.start, e.end))
