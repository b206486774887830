"""Typos corrected toward the words an intent classifier trained on, before it reads a request.

Users type ``diesle hours please`` and ``the qahsqai needs a servce``; a classifier that learned ``diesel`` and
``qashqai`` from the training examples sees unknown words there (the sentence encoder splits a misspelt word into
pieces unlike the word's). A word is corrected only when it is unknown (in none of the training texts, not an
English word of the bundled encoder's vocabulary, not such a word with a plural, possessive or apostrophe-less
ending: ``dads``, ``whats``, ``dont``) and exactly one training word is nearest to it, within one edit for words
under eight letters and two for longer ones: a letter dropped, added or swapped with the next is one edit, a letter
changed one if its key neighbours the meant one's (``pice`` is not ``pipe``), two otherwise. Words under four
letters are left alone, and so is a word that is a training word with two or more letters more around it
(``uninstall`` is not a typo of ``install``). Without the encoder's package nothing is corrected. The request a
user sees and the entities found in it are never changed; only the intent classifier reads the corrected text.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from tunefork.errors import TuneforkError
from tunefork.language.embeddings import BUNDLED_ENCODER, model_location
from tunefork.store.artifacts import atomic_write_json

if TYPE_CHECKING:
    from collections.abc import Iterable

    import numpy as np

    from tunefork.language.base import IntentScore
    from tunefork.language.intent_calibration import IntentModel

VOCABULARY_FILE = "vocabulary.json"
MIN_LENGTH = 4
"""Shorter words are never corrected (``im``, ``u``, ``pls``: too many words lie one edit away)."""
LONG_WORD = 8
"""Words of this length or more may be two edits from their correction; shorter ones one."""
MAX_TARGET_LENGTH = 30
"""Longer training words are never corrections (their deleted forms are many; such words are codes or noise)."""
KNOWN_ENDINGS = ("s", "es", "nt", "re", "ve", "ll")
"""A known word with one of these endings is a word too (plurals, possessives and contractions typed without their
apostrophe)."""
_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def english_words() -> frozenset[str] | None:
    """Whole lower-case words of the bundled MiniLM encoder's vocabulary (about 22,000); ``None`` when its package
    is not installed (then nothing is corrected: without them, everyday words would be "corrected" to training
    words, ``hook`` to ``book``)."""
    try:
        vocabulary = Path(model_location(BUNDLED_ENCODER)) / "vocab.txt"
    except TuneforkError:
        return None
    if not vocabulary.is_file():
        return None
    words = vocabulary.read_text(encoding="utf-8").split("\n")
    return frozenset(word for word in words if word.isalpha() and word.islower())


_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, frozenset[str]]:
    """Each letter's neighbours on a QWERTY keyboard (same row and the rows above and below, one key apart)."""
    position = {key: (row, column) for row, keys in enumerate(_KEYBOARD_ROWS) for column, key in enumerate(keys)}
    return {
        key: frozenset(
            other for other, (r, c) in position.items() if other != key and abs(r - row) <= 1 and abs(c - column) <= 1
        )
        for key, (row, column) in position.items()
    }


_NEIGHBOURS = _keyboard_neighbours()


def _substitution(typed: str, meant: str) -> int:
    """A letter typed for its keyboard neighbour costs one edit, for any other letter two."""
    if typed == meant:
        return 0
    return 1 if typed in _NEIGHBOURS.get(meant, ()) else 2


def edit_distance(first: str, second: str, limit: int) -> int:
    """Edits from typed ``first`` to meant ``second``: a letter dropped, added, or swapped with its neighbour cost one,
    a letter changed one when the keys are neighbours on a keyboard and two otherwise; ``limit + 1`` as soon as the
    distance must exceed ``limit``."""
    if abs(len(first) - len(second)) > limit:
        return limit + 1
    before: list[int] | None = None
    previous = list(range(len(second) + 1))
    for i in range(1, len(first) + 1):
        current = [i] + [0] * len(second)
        for j in range(1, len(second) + 1):
            changed = previous[j - 1] + _substitution(first[i - 1], second[j - 1])
            current[j] = min(previous[j] + 1, current[j - 1] + 1, changed)
            swapped = i > 1 and j > 1 and first[i - 1] == second[j - 2] and first[i - 2] == second[j - 1]
            if swapped and before is not None:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def _deletions(word: str, most: int) -> set[str]:
    """``word`` and every form of it with up to ``most`` letters deleted."""
    forms, frontier = {word}, {word}
    for _ in range(most):
        frontier = {form[:i] + form[i + 1 :] for form in frontier for i in range(len(form))}
        forms |= frontier
    return forms


def _affixed(typed: str, word: str) -> bool:
    """True when one word is the other with two or more letters more around it (``uninstall`` and ``install``,
    ``rebooking`` and ``booking``): a prefix or suffix that changes the meaning, not a typo."""
    shorter, longer = sorted((typed, word), key=len)
    return len(longer) - len(shorter) >= 2 and shorter in longer


def _cased_like(word: str, model: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if model[:1].isupper() else word


class TypoCorrector:
    """Corrects unknown words toward the training vocabulary (see the module's docstring)."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(words)
        english = english_words()
        self.enabled = english is not None
        self._known = self.words | (english or frozenset())
        self._by_deletion: dict[str, set[str]] = {}
        targets = [word for word in self.words if MIN_LENGTH - 1 <= len(word) <= MAX_TARGET_LENGTH]
        self._longest = max(map(len, targets), default=0)
        for target in targets:
            for shorter in _deletions(target, 2):
                self._by_deletion.setdefault(shorter, set()).add(target)

    @classmethod
    def from_texts(cls, texts: list[str]) -> TypoCorrector:
        """A corrector that knows the words of ``texts`` (the classifier's training texts)."""
        return cls(word.lower() for text in texts for word in _WORD.findall(text))

    def _known_word(self, word: str) -> bool:
        return word in self._known or any(
            word.endswith(ending) and word[: -len(ending)] in self._known for ending in KNOWN_ENDINGS
        )

    def correction(self, word: str) -> str | None:
        """The training word ``word`` is a typo of (lower case), or ``None`` when it is known, too short, or has no
        single nearest training word within its limit (two at the same distance leave it as typed)."""
        lower = word.lower()
        if not self.enabled or len(lower) < MIN_LENGTH or self._known_word(lower):
            return None
        return self._nearest(lower)

    def _nearest(self, word: str) -> str | None:
        limit = 1 if len(word) < LONG_WORD else 2
        if len(word) > self._longest + limit:  # no training word is near (and its deleted forms would be many)
            return None
        # a word within `limit` edits shares a form with `limit` letters or fewer deleted (both sides): candidates
        candidates = {target for shorter in _deletions(word, limit) for target in self._by_deletion.get(shorter, ())}
        scored = sorted(
            (distance, target)
            for target in candidates
            if (distance := edit_distance(word, target, limit)) <= limit and not _affixed(word, target)
        )
        if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]):
            return None
        return scored[0][1]

    def correct(self, text: str) -> str:
        """``text`` with each unknown word replaced by its correction, keeping its capitals."""

        def replace(match: re.Match[str]) -> str:
            fixed = self.correction(match.group(0))
            return match.group(0) if fixed is None else _cased_like(fixed, match.group(0))

        return _WORD.sub(replace, text)

    def save(self, folder: Path) -> None:
        """Write the vocabulary into ``folder``."""
        atomic_write_json(folder / VOCABULARY_FILE, {"words": sorted(self.words)})

    @classmethod
    def load(cls, folder: Path) -> TypoCorrector | None:
        """The corrector saved in ``folder``; ``None`` for a model trained before correction existed."""
        path = folder / VOCABULARY_FILE
        if not path.is_file():
            return None
        return cls(json.loads(path.read_text(encoding="utf-8"))["words"])


class CorrectedIntents:
    """An intent classifier that reads requests with their typos corrected (:class:`TypoCorrector`)."""

    def __init__(self, classifier: IntentModel, corrector: TypoCorrector) -> None:
        self.classifier, self.corrector = classifier, corrector

    @property
    def labels(self) -> list[str]:
        """The classifier's intents."""
        return self.classifier.labels

    @property
    def threshold(self) -> float:
        """The classifier's out-of-scope threshold."""
        return self.classifier.threshold

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """The classifier's probabilities of the corrected texts."""
        return self.classifier.probabilities([self.corrector.correct(text) for text in texts])

    def rank(self, texts: list[str]) -> list[list[IntentScore]]:
        """The classifier's ranking of the corrected texts."""
        return self.classifier.rank([self.corrector.correct(text) for text in texts])

    def save(self, folder: Path) -> None:
        """Write the classifier and the vocabulary into ``folder``."""
        self.classifier.save(folder)
        self.corrector.save(folder)
