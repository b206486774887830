"""Rewrite spoken forms recognized in a transcript to their display forms (pronunciation files).

An Azure-style pronunciation file pairs a display form with how it is said (``INR<TAB>i n r``,
``metoprolol<TAB>meh toe pro lol``). Whisper writes what it hears, so the spoken form has to be
turned back into the display form after decoding. The rules:

* matching is case-insensitive and word-boundary aware: ``i n r`` matches "I N R" and "i-n-r" but
  not the inside of "spin run"; the words of a spoken form may be separated by spaces, hyphens or
  commas ("I, N, R");
* a display form that is not all lowercase is also matched as written in another case or split ("bravecto",
  "inr", "kt 450" become "Bravecto", "INR", "KT-450"): Whisper copies a lowercase spelling from the hotwords or
  the text around it, and the user asked for this one (a pronunciation entry's own spoken form wins where both
  match);
* at each position the longest spoken form wins ("oh mep ra zole" before "oh"), scanning left to right;
* the transcript text and its word list are rewritten by the same rules: the words of a multi-word
  spoken form are merged into one word spanning their timings, with the lowest confidence of the
  parts; punctuation around the match ("R." at the end of a sentence) is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tunefork.speech.base import Transcript, Word
from tunefork.speech.everyday_phrases import is_everyday_phrase

_SEPARATOR = r"(?:[\s,]*[\s\-][\s,]*|,\s*)"
"""Between two words of a spoken form: spaces, a hyphen, or a comma (with optional spaces)."""
_EDGE_PUNCTUATION = "\"'“”‘’«»()[]{}.,;:!?…"


def spoken_tokens(spoken: str) -> tuple[str, ...]:
    """The lowercase words of a spoken form (hyphens split words, other punctuation is dropped)."""
    cleaned = re.sub(r"[^\w\s'-]", " ", spoken.lower()).replace("-", " ")
    return tuple(word.strip("'") for word in cleaned.split() if word.strip("'"))


@dataclass(frozen=True)
class Rewrite:
    """One pronunciation entry: the display form and the tokens of its spoken form."""

    display: str
    spoken: tuple[str, ...]


class DisplayFormRewriter:
    """Rewrites spoken forms to display forms in transcripts (see the module docstring for the rules)."""

    def __init__(self, pronunciations: Iterable[tuple[str, str]]) -> None:
        by_spoken: dict[tuple[str, ...], Rewrite] = {}
        for display, spoken in pronunciations:
            if rewrites_text(display, spoken):
                tokens = spoken_tokens(spoken)
                by_spoken.setdefault(tokens, Rewrite(display.strip(), tokens))  # first entry wins, like a lexicon
        self.rewrites = sorted(by_spoken.values(), key=_longest_first)
        """The pronunciation entries, longest spoken form first (what a trained model stores)."""
        for rewrite in self.rewrites:
            written = spoken_tokens(rewrite.display)
            if written and not rewrite.display.islower():
                by_spoken.setdefault(written, Rewrite(rewrite.display, written))
        self._by_spoken = by_spoken
        self._max_words = max((len(tokens) for tokens in by_spoken), default=0)
        self._pattern = self._compile() if self.rewrites else None

    def __len__(self) -> int:
        return len(self.rewrites)

    def _compile(self) -> re.Pattern[str]:
        matched = sorted(self._by_spoken.values(), key=_longest_first)
        alternatives = [_SEPARATOR.join(re.escape(token) for token in r.spoken) for r in matched]
        return re.compile(r"(?<![\w'])(?:" + "|".join(alternatives) + r")(?![\w'])", re.IGNORECASE)

    def rewrite_text(self, text: str) -> str:
        """``text`` with every spoken form replaced by its display form."""
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._by_spoken[spoken_tokens(m.group(0))].display, text)

    def rewrite_words(self, words: list[Word]) -> list[Word]:
        """``words`` with the words of each spoken form merged into one display-form word."""
        if not self.rewrites:
            return list(words)
        keys = [spoken_tokens(word.text) for word in words]
        result: list[Word] = []
        i = 0
        while i < len(words):
            match = self._match_at(keys, i)
            if match is None:
                result.append(words[i])
                i += 1
                continue
            end, rewrite = match
            first, last = words[i], words[end - 1]
            leading = _leading_punctuation(first.text)
            trailing = _trailing_punctuation(last.text)
            confidence = min(word.confidence for word in words[i:end])
            result.append(Word(leading + rewrite.display + trailing, first.start, last.end, confidence))
            i = end
        return result

    def _match_at(self, keys: list[tuple[str, ...]], start: int) -> tuple[int, Rewrite] | None:
        """The longest spoken form made of whole words starting at word ``start`` (end index, rewrite)."""
        if not keys[start]:
            return None
        tokens: list[str] = []
        best: tuple[int, Rewrite] | None = None
        for end in range(start, len(keys)):
            if not keys[end]:
                break
            tokens.extend(keys[end])
            if len(tokens) > self._max_words:
                break
            rewrite = self._by_spoken.get(tuple(tokens))
            if rewrite is not None:
                best = (end + 1, rewrite)
        return best

    def apply(self, transcript: Transcript) -> Transcript:
        """A copy of ``transcript`` with text and words rewritten."""
        if not self.rewrites:
            return transcript
        return Transcript(
            text=self.rewrite_text(transcript.text),
            words=self.rewrite_words(transcript.words),
            duration=transcript.duration,
            model=transcript.model,
        )


def rewrites_text(display: str, spoken: str) -> bool:
    """True when the entry changes a transcript: not when its spoken form already is its (lowercase) display form."""
    tokens = spoken_tokens(spoken)
    display = display.strip()
    return bool(tokens and display) and not (tokens == spoken_tokens(display) and display.islower())


def split_everyday(pronunciations: Iterable[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The entries to rewrite wherever their spoken form is heard, and those that change a transcript but whose
    spoken form is everyday English (``Nguyen<TAB>win``: :mod:`tunefork.speech.everyday_phrases`), in order."""
    rewritten: list[tuple[str, str]] = []
    everyday: list[tuple[str, str]] = []
    for display, spoken in pronunciations:
        everyday_entry = rewrites_text(display, spoken) and is_everyday_phrase(" ".join(spoken_tokens(spoken)))
        (everyday if everyday_entry else rewritten).append((display, spoken))
    return rewritten, everyday


def _longest_first(rewrite: Rewrite) -> tuple[int, int]:
    return -len(rewrite.spoken), -len(" ".join(rewrite.spoken))


def _leading_punctuation(text: str) -> str:
    stripped = text.lstrip(_EDGE_PUNCTUATION)
    return text[: len(text) - len(stripped)]


def _trailing_punctuation(text: str) -> str:
    stripped = text.rstrip(_EDGE_PUNCTUATION)
    return text[len(stripped) :]
