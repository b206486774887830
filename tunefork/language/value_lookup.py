"""Slot values found by lookup: every annotated value and its synonyms, matched whenever they appear again.

A statistical tagger trained on a handful of annotations misses values it has seen (a new context, a typo,
another capitalisation). The lookup runs beside it and finds them: annotated surfaces, their canonical
values and every synonym of those values, matched on whole tokens

- case-insensitively (``ibuprofen`` finds ``Ibuprofen``);
- in the singular or the plural (``lamp`` finds ``lamps``, ``lights`` finds ``light``);
- with one typo in words of :data:`MIN_FUZZY_LENGTH` letters or more (:data:`MIN_FUZZY_WORD` in a value of
  several words; two from :data:`TWO_TYPO_LENGTH`), when the first letter is right, word by word
  (``ibuprofin`` and ``ibuprfoen`` find ``ibuprofen``; short words are left alone, so ``night`` never becomes
  ``light`` and ``pontoon A`` never ``pontoon C``); a value written in one word or two finds the other; a
  typo-tolerant match starts and ends on a word, never on punctuation (``Walgreens,`` finds ``Walgreens``
  without its comma).

Values made of digits only, or shorter than two characters, are left to the tagger (an order number
matched by lookup would only ever find itself). A surface annotated with several labels takes the label
it carries most often.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from tunefork.language.data import AnnotatedText, Span

MIN_FUZZY_LENGTH = 6
MIN_FUZZY_WORD = 5
"""The shortest word of a value of several words that may have a typo (``bildge pump``: its other words agree)."""
TWO_TYPO_LENGTH = 10
MAX_TOKENS = 6
TOKEN = re.compile(r"\w+(?:[-'.]\w+)*|[^\w\s]")


def _is_word(token: str) -> bool:
    return token[0].isalnum() or token[0] == "_"


def _normal(text: str) -> str:
    return " ".join(TOKEN.findall(text.lower()))


_PLURAL_ENDINGS = (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh"), ("s", ""))


def _singular(word: str) -> str:
    """``word`` in the singular, so that it and its plural compare equal: ``passes`` and ``pass`` are ``pass``,
    ``courses`` and ``course`` are ``course`` (a word ending in ``ss`` is already singular)."""
    if word.endswith("ss"):
        return word
    for suffix, replacement in _PLURAL_ENDINGS:
        if word.endswith(suffix) and len(word) - len(suffix) + len(replacement) >= 3:  # "bus" is no plural
            return word[: -len(suffix)] + replacement
    return word


def _plain(text: str) -> str:
    """Lower-cased tokens with the last one in the singular: what plural-tolerant matching compares."""
    tokens = text.split(" ")
    return " ".join([*tokens[:-1], _singular(tokens[-1])])


def within_distance(a: str, b: str, limit: int) -> bool:
    """True when the edit distance of ``a`` and ``b`` is at most ``limit``: insertions, deletions, substitutions
    and swaps of two neighbouring letters (``lapotp`` is one typo from ``laptop``) count one edit each."""
    if abs(len(a) - len(b)) > limit:
        return False
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > limit and min(previous) >= limit:  # no later row can come back under the limit
            return False
        before, previous = previous, current
    return previous[-1] <= limit


@dataclass
class ValueLookup:
    """Label and canonical value of every known surface (lower-cased, tokens joined by single spaces)."""

    entries: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Normalized surface -> ``(label, canonical value)``."""

    def __post_init__(self) -> None:
        self.entries = {key: (str(label), str(value)) for key, (label, value) in self.entries.items()}
        self._plain: dict[str, tuple[str, str]] = {}
        for key, entry in self.entries.items():
            self._plain.setdefault(_plain(key), entry)

    @classmethod
    def from_annotations(cls, items: list[AnnotatedText], synonyms: dict[str, str]) -> ValueLookup:
        """The lookup of the spans in ``items``, with values resolved and extended through ``synonyms``. A value is
        written as most of its annotations write it (the first, on a tie): a review's one ``Amoxicillin`` among
        lower-case ones made every answer ``Amoxicillin``."""
        labels: dict[str, Counter[str]] = {}
        spellings: dict[str, Counter[str]] = {}
        for item in items:
            for start, end, label in item.spans:
                surface = item.text[start:end]
                value = synonyms.get(surface.lower(), surface)
                for key in (_normal(surface), _normal(value)):
                    labels.setdefault(key, Counter())[label] += 1
                    spellings.setdefault(key, Counter())[value] += 1
        values = {key: counts.most_common(1)[0][0] for key, counts in spellings.items()}
        value_labels = {_normal(values[key]): key for key in list(values)}
        for surface, value in synonyms.items():
            source = value_labels.get(_normal(value))
            if source is not None:
                labels.setdefault(_normal(surface), Counter()).update(labels[source])
                values.setdefault(_normal(surface), value)
        entries = {
            key: (counts.most_common(1)[0][0], values[key])
            for key, counts in labels.items()
            if len(key) >= 2 and not key.replace(" ", "").isdigit()
        }
        return cls(entries)

    def is_empty(self) -> bool:
        """True when there is nothing to look up."""
        return not self.entries

    def known_spans(self, text: str) -> list[Span]:
        """Spans of ``text`` that are an annotated value or a synonym as written (case and plural aside)."""
        return [(start, end, label) for start, end, label, _ in self.match(text, typos=False)]

    def match(self, text: str, typos: bool = True) -> list[tuple[int, int, str, str]]:
        """``(start, end, label, value)`` of every match in ``text``: longest first, exact before fuzzy, no overlaps
        (``typos=False``: exact and plural matches only)."""
        if not self.entries:
            return []
        tokens = [(m.start(), m.end(), m.group().lower()) for m in TOKEN.finditer(text)]
        longest = min(MAX_TOKENS, max(key.count(" ") + 1 for key in self.entries))
        found: list[tuple[int, int, str, str]] = []
        taken = [False] * len(tokens)
        for size in range(longest, 0, -1):
            for first in range(len(tokens) - size + 1):
                if any(taken[first : first + size]):
                    continue
                window = tokens[first : first + size]
                fuzzy = typos and _is_word(window[0][2]) and _is_word(window[-1][2])  # "walgreens ,": no typo
                entry = self._find(" ".join(token for _, _, token in window), fuzzy)
                if entry is not None:
                    taken[first : first + size] = [True] * size
                    found.append((tokens[first][0], tokens[first + size - 1][1], *entry))
        return sorted(found)

    def _find(self, window: str, fuzzy: bool) -> tuple[str, str] | None:
        if window in self.entries:
            return self.entries[window]
        if _plain(window) in self._plain:
            return self._plain[_plain(window)]
        if not fuzzy:
            return None
        for key, entry in self.entries.items():
            if _one_typo_apart(key, window):
                return entry
        return None


def _one_typo_apart(key: str, window: str) -> bool:
    """True when ``window`` is ``key`` with typos, word by word: each word that differs may have the typos its
    length allows and keeps its first letter, and a short word must be right (the allowance of the whole window
    made ``pontoon A`` the value ``pontoon C`` and ``next thursday`` ``next tuesday``: a review). A value written
    in one word or two (``boathook``, ``boat hook``) matches the other way."""
    key_words, window_words = key.split(" "), window.split(" ")
    if len(key_words) != len(window_words):
        return _singular(key.replace(" ", "")) == _singular(window.replace(" ", ""))
    changed = [(a, b) for a, b in zip(key_words, window_words, strict=True) if _singular(a) != _singular(b)]
    shortest = MIN_FUZZY_LENGTH if len(key_words) == 1 else MIN_FUZZY_WORD  # the other words confirm the value
    return bool(changed) and all(
        a[0] == b[0] and len(a) >= shortest and within_distance(a, b, 2 if len(a) >= TWO_TYPO_LENGTH else 1)
        for a, b in changed
    )
