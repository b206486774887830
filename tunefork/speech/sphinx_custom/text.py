"""Turn related text into the word sequences a recognizer hears, with display-form tokens in place.

Sentences go through the same normalizer evaluation uses (:mod:`tunefork.evaluation.normalizer`):
lowercase, punctuation dropped, numbers spelled out ("25 mg" -> "twenty five mg"), so the language
model is trained on what people say and what WER is scored on. Then every occurrence of a
pronunciation entry's spoken form or display form (as normalized words, longest match first, whole
words only) is replaced by that entry's display token, so the model learns where the token occurs.
"""

from __future__ import annotations

from collections.abc import Iterable

from tunefork.evaluation.normalizer import Normalizer, get_normalizer

MAX_PHRASE = 8
"""Longest phrase (in words) a spoken or display form may have to be rewritten."""


def normalized_words(text: str, normalizer: Normalizer | None = None) -> list[str]:
    """``text`` as normalized, spoken-form words."""
    return (normalizer or get_normalizer())(text).split()


class PhraseRewriter:
    """Replace known phrases (tuples of words) by tokens in word sequences, longest match first."""

    def __init__(self) -> None:
        self._phrases: dict[tuple[str, ...], str] = {}
        self._longest = 0

    def add(self, words: Iterable[str], token: str) -> None:
        """Rewrite ``words`` (a phrase of 1 to :data:`MAX_PHRASE` words) as ``token``; the first token wins."""
        phrase = tuple(words)
        if 0 < len(phrase) <= MAX_PHRASE and phrase not in self._phrases:
            self._phrases[phrase] = token
            self._longest = max(self._longest, len(phrase))

    def __len__(self) -> int:
        return len(self._phrases)

    def rewrite(self, words: list[str]) -> tuple[list[str], int]:
        """``words`` with phrases replaced by their tokens, and how many phrases were found."""
        out: list[str] = []
        replaced = 0
        i = 0
        while i < len(words):
            for size in range(min(self._longest, len(words) - i), 0, -1):
                token = self._phrases.get(tuple(words[i : i + size]))
                if token is not None:
                    out.append(token)
                    replaced += 1
                    i += size
                    break
            else:
                out.append(words[i])
                i += 1
        return out, replaced
