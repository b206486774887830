"""Phonetic term correction after recognition: hypothesis spans that sound like a domain term become it.

Whisper often writes an unfamiliar term as ordinary words that sound like it ("hydro chloro thigh a
zide", "and em ell"). :class:`PhoneticCorrector` turns each span of one to :data:`MAX_SPAN_WORDS`
hypothesis words into ARPAbet phones (the CMU dictionary bundled with pocketsphinx, and the bundled
g2p model for words it lacks, :mod:`tunefork.speech.sphinx_custom.g2p`) and compares them with the
phones of every domain term (for a pronunciation entry, the phones of its spoken form; digits are read as in
model numbers, :func:`spoken_numbers`; a span holding digits only becomes a term written with the same digits,
and only when they are written like a model name's, "K-450" but not "at 450"). A span whose
phone edit distance to a term, divided by the term's length, is at most :data:`MAX_DISTANCE` is
replaced by the term; overlapping candidates are resolved best first, the shorter span at equal distance ("milligram
is" -> "milligrams is"). A correction keeps every term its words already spell, inside a longer term ("Siobhan
Galaga" -> "Siobhan Gallagher"), so "metoprolol" never becomes "metformin" and "own 40 milligrams" or "the
gabapentin" never lose a word to the term beside them (both happened before, ``bench/RESULTS.md``). Terms shorter
than :data:`MIN_TERM_PHONES` phones are never used (too many ordinary words sound like them).

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

from num2words import num2words

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


_DIGITS = re.compile(r"\d+")


def _pair(digits: str) -> str:
    """One or two digits as said in a model number: "7" seven, "05" oh five, "50" fifty, "00" hundred."""
    if digits == "00":
        return "hundred"
    if len(digits) == 2 and digits[0] == "0":
        return "oh " + num2words(int(digits[1]))
    return num2words(int(digits)).replace("-", " ")


def spoken_numbers(text: str) -> str:
    """``text`` with each run of digits read as a model number is said ("KT-450" -> "KT- four fifty", "XR7" ->
    "XR seven", "2024" -> "twenty twenty four"): pairs from the right, a leading odd digit alone.

    Phones are looked up for words of letters (:func:`word_phones`), so without this "K-450" sounded like "K" and
    never like the term "KT-450" (said "k t four fifty")."""

    def say(match: re.Match[str]) -> str:
        digits = match.group()
        head = len(digits) % 2
        parts = ([digits[:head]] if head else []) + [digits[i : i + 2] for i in range(head, len(digits), 2)]
        return " " + " ".join(_pair(part) for part in parts) + " "

    return _DIGITS.sub(say, text)


def text_phones(text: str) -> tuple[str, ...]:
    """Phones of every word of ``text``, in order, digits read as in model numbers (:func:`spoken_numbers`)."""
    return tuple(phone for word in _WORD.findall(spoken_numbers(text).lower()) for phone in word_phones(word))


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

    @property
    def digits(self) -> str:
        """The digits the term is written with ("450" of "KT-450")."""
        return _digits(self.text)


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _doubles_a_neighbour(keys: list[str], start: int, end: int, term: PhoneticTerm) -> bool:
    """True when ``term`` begins with the word before ``keys[start:end]`` or ends with the word after it: correcting the
    span would write that word twice ("First" + "Officer Okafor" -> "First First Officer Okafor")."""
    words = _key(term.text).split()
    return bool(words) and ((start > 0 and keys[start - 1] == words[0]) or (end < len(keys) and keys[end] == words[-1]))


def _model_number(word: str, after_a_word: bool) -> bool:
    """True for a word written like part of a model name: digits with letters ("K-450", "XR7") or, after a word of
    the span, a hyphen joining them to it (Whisper's "KT -450")."""
    word = word.strip(_EDGE)
    return (after_a_word and word.startswith("-")) or any(ch.isalpha() for ch in word)


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
        self._spelled = {_key(text) for text in [*spoken, *terms]} - {""}
        """Every term as written (:meth:`_extends_written_terms`)."""

    def __len__(self) -> int:
        return len(self.terms)

    def _extends_written_terms(self, keys: list[str], term: PhoneticTerm) -> bool:
        """True when correcting words with ``keys`` to ``term`` keeps every term they already spell, inside a longer
        term made of it and the span's other words ("Siobhan Galaga" -> "Siobhan Gallagher"): never "metoprolol" ->
        "metformin", "the gabapentin" -> "gabapentin" (a neighbour swallowed), "Bombardier" -> "Bombardier jet" (the
        next word "jet" doubled) or "Okonkwo" -> "Okonkwo"."""
        target = f" {_key(term.text)} "
        for start in range(len(keys)):
            for end in range(start + 1, len(keys) + 1):
                written = f" {' '.join(keys[start:end])} "
                if written.strip() not in self._spelled:
                    continue
                if target == written or written not in target or end - start == len(keys):
                    return False
        return True

    def _best(self, span: list[Word], max_distance: float = MAX_DISTANCE) -> tuple[float, PhoneticTerm] | None:
        joined = " ".join(word.text for word in span)
        phones = text_phones(joined)
        if not phones:
            return None
        digits = _digits(joined)
        if digits and not all(_model_number(word.text, i > 0) for i, word in enumerate(span) if _digits(word.text)):
            return None  # a number on its own ("at 450 degrees") is never corrected
        best: tuple[float, PhoneticTerm] | None = None
        for term in self.terms:
            if digits != term.digits and digits:
                continue  # nor is a number changed ("K-450" may become "KT-450", not "KT-750")
            if abs(len(phones) - len(term.phones)) > max_distance * len(term.phones):
                continue
            distance = edit_distance(phones, term.phones) / len(term.phones)
            if distance <= max_distance and (best is None or distance < best[0]):
                best = (distance, term)
        return best

    def correct_words(
        self, words: list[Word], max_distance: float = MAX_DISTANCE, editable: list[bool] | None = None
    ) -> list[Word]:
        """``words`` with each span that sounds like a term merged into one word spelling the term.

        With ``editable`` (a flag per word) only spans of editable words are corrected; ``max_distance`` is the
        largest phone edit distance per term phone of a correction."""
        if not self.terms:
            return list(words)
        keys = [_key(word.text) for word in words]
        candidates = []
        for start in range(len(words)):
            for end in range(start + 1, min(start + MAX_SPAN_WORDS, len(words)) + 1):
                if editable is not None and not all(editable[start:end]):
                    break
                found = self._best(words[start:end], max_distance)
                if found is None or _doubles_a_neighbour(keys, start, end, found[1]):
                    continue
                if self._extends_written_terms(keys[start:end], found[1]):
                    # At equal distance the shorter span: "milligram is" -> "milligrams is", not "milligrams".
                    candidates.append((found[0], end - start, start, end, found[1]))
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
            text=_rebuilt_text(transcript.text, transcript.words, words),
            words=words,
            duration=transcript.duration,
            model=transcript.model,
        )


def _rebuilt_text(text: str, before: list[Word], after: list[Word]) -> str:
    """``text`` with the characters of each corrected span replaced by its correction and the rest as written (the
    words Whisper writes without a space, "0" ".5", stay "0.5"); the words joined by spaces when ``text`` does not
    hold ``before`` in order."""
    fallback = " ".join(word.text for word in after)
    positions, cursor = [], 0
    for word in before:
        at = text.find(word.text, cursor) if word.text else -1
        if at < 0:
            return fallback
        positions.append((at, at + len(word.text)))
        cursor = at + len(word.text)
    pieces, kept, index = [], 0, 0
    for word in after:
        if index < len(before) and word is before[index]:  # left as it was (a merge's ``replaced`` included)
            index += 1
            continue
        end = index + 1
        while end < len(before) and " ".join(w.text for w in before[index:end]) != word.replaced:
            end += 1
        if end > len(before) or " ".join(w.text for w in before[index:end]) != word.replaced:
            return fallback
        pieces += [text[kept : positions[index][0]], word.text]
        kept, index = positions[end - 1][1], end
    return ("".join(pieces) + text[kept:]).strip()
