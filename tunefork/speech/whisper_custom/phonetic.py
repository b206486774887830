"""Phonetic term correction after recognition: hypothesis spans that sound like a domain term become it.

Whisper often writes an unfamiliar term as ordinary words that sound like it ("hydro chloro thigh a
zide", "and em ell"). :class:`PhoneticCorrector` turns each span of one to :data:`MAX_SPAN_WORDS`
hypothesis words into ARPAbet phones (the CMU dictionary bundled with pocketsphinx, and the bundled
g2p model for words it lacks, :mod:`tunefork.speech.sphinx_custom.g2p`) and compares them with the
phones of every domain term (for a pronunciation entry, the phones of its spoken form). A span whose
phone edit distance to a term, divided by the term's length, is at most :data:`MAX_DISTANCE` is
replaced by the term; overlapping candidates are resolved best first. Terms shorter than
:data:`MIN_TERM_PHONES` phones are never used (too many ordinary words sound like them).

The threshold was tuned on base Whisper tiny.en transcripts of the first 120 guard clips and the 40
held-out pharmacy clips (``bench/RESULTS.md``): up to 0.35 no guard transcript changed, at 0.4
eleven did ("carry me" -> "Marie Curie"); 0.3 keeps a margin.
Each replaced word carries what it replaced in :attr:`tunefork.speech.base.Word.replaced`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from tunefork.speech.base import Transcript, Word
from tunefork.speech.sphinx_custom.g2p import shared_g2p, spelling
from tunefork.speech.sphinx_custom.lexicon import base_dictionary
from tunefork.speech.vocabulary import baseline_dictionary_path
from tunefork.speech.whisper_custom.display_forms import DisplayFormRewriter

MAX_SPAN_WORDS = 5
"""Longest run of hypothesis words compared with a term."""
MAX_DISTANCE = 0.3
"""Largest phone edit distance per term phone that still counts as the term."""
MIN_TERM_PHONES = 5
"""Terms with fewer phones are not corrected toward."""

_EDGE = "\"'“”‘’.,!?;:()[]"
_WORD = re.compile(r"[a-z']+")


@lru_cache(maxsize=20_000)
def word_phones(word: str) -> tuple[str, ...]:
    """ARPAbet phones of one word: the CMU dictionary's first pronunciation, else the g2p model's."""
    key = word.lower().strip(_EDGE)
    entries = base_dictionary(baseline_dictionary_path()).get(key)
    if entries:
        return tuple(entries[0])
    letters = spelling(key)
    return tuple(shared_g2p().phones(letters)) if letters else ()


def text_phones(text: str) -> tuple[str, ...]:
    """Phones of every word of ``text``, in order."""
    return tuple(phone for word in _WORD.findall(text.lower()) for phone in word_phones(word))


def edit_distance(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """Levenshtein distance between two phone sequences."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class PhoneticTerm:
    """A term to correct toward: its display text and the phones it is spoken with."""

    text: str
    phones: tuple[str, ...]


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


class PhoneticCorrector:
    """Replaces hypothesis spans that sound like a domain term (see the module docstring)."""

    def __init__(self, terms: Iterable[str], pronunciations: Iterable[tuple[str, str]] = ()) -> None:
        pronunciations = list(pronunciations)
        spoken: dict[str, str] = {}
        for display, said in pronunciations:
            spoken.setdefault(display.strip(), said)
        # A term holding a display form is written with it ("bravecto chews" mined before phrases kept capitals).
        display = DisplayFormRewriter(pronunciations).rewrite_text
        found: dict[str, PhoneticTerm] = {}
        for text in [*spoken, *(display(term) for term in terms)]:
            text = text.strip()
            phones = text_phones(spoken.get(text, text))
            if text and text.lower() not in found and len(phones) >= MIN_TERM_PHONES:
                found[text.lower()] = PhoneticTerm(text, phones)
        self.terms = list(found.values())

    def __len__(self) -> int:
        return len(self.terms)

    def _best(self, span: list[Word]) -> tuple[float, PhoneticTerm] | None:
        joined = " ".join(word.text for word in span)
        phones = text_phones(joined)
        if not phones:
            return None
        best: tuple[float, PhoneticTerm] | None = None
        for term in self.terms:
            if abs(len(phones) - len(term.phones)) > MAX_DISTANCE * len(term.phones):
                continue
            distance = edit_distance(phones, term.phones) / len(term.phones)
            if distance <= MAX_DISTANCE and (best is None or distance < best[0]):
                best = (distance, term)
        if best is None or _key(joined) == _key(best[1].text):
            return None  # already the term (or nothing close): leave it
        return best

    def correct_words(self, words: list[Word]) -> list[Word]:
        """``words`` with each span that sounds like a term merged into one word spelling the term."""
        if not self.terms:
            return list(words)
        candidates = []
        for start in range(len(words)):
            for end in range(start + 1, min(start + MAX_SPAN_WORDS, len(words)) + 1):
                found = self._best(words[start:end])
                if found is not None:
                    candidates.append((found[0], -(end - start), start, end, found[1]))
        taken = [False] * len(words)
        chosen: dict[int, tuple[int, PhoneticTerm]] = {}
        for _, _, start, end, term in sorted(candidates, key=lambda c: c[:3]):
            if not any(taken[start:end]):
                taken[start:end] = [True] * (end - start)
                chosen[start] = (end, term)
        result: list[Word] = []
        i = 0
        while i < len(words):
            if i not in chosen:
                result.append(words[i])
                i += 1
                continue
            end, term = chosen[i]
            span = words[i:end]
            text = span[0].text[: len(span[0].text) - len(span[0].text.lstrip(_EDGE))]
            text += term.text + span[-1].text[len(span[-1].text.rstrip(_EDGE)) :]
            replaced = " ".join(word.text for word in span)
            confidence = min(word.confidence for word in span)
            result.append(Word(text, span[0].start, span[-1].end, confidence, replaced=replaced))
            i = end
        return result

    def apply(self, transcript: Transcript) -> Transcript:
        """A copy of ``transcript`` with spans corrected; the text is rebuilt from the words if any changed."""
        words = self.correct_words(transcript.words)
        if all(word.replaced is None for word in words):
            return transcript
        return Transcript(
            text=" ".join(word.text for word in words),
            words=words,
            duration=transcript.duration,
            model=transcript.model,
        )
