"""Term-aware n-best rescoring: a prefix trie of the hotword items' token sequences.

faster-whisper has no logits hook and CTranslate2's ``Whisper.generate`` (4.x) offers none either
(``num_hypotheses``, ``return_scores``, ``return_logits_vocab``, no callback or logits processor), so
the biasing happens after the beam search: the decoder returns its ``num_hypotheses`` best finished
hypotheses with their scores, and :func:`rescore` picks the one whose score plus a bonus per token of
*complete* term paths is highest (:class:`TermTrie`). A hypothesis that spells only the first tokens of
a term (" hydro" of " hydrochlorothiazide") earns nothing, as NeMo's word boosting retracts the bonus
of a path that breaks off; a term glued into a longer word earns nothing either.

:class:`TermRescoring` stands in for the CTranslate2 model inside faster-whisper's ``WhisperModel``
(like :class:`tunefork.speech.batching.BatchingWhisper`), so timestamps, word timings and the
temperature fallback stay faster-whisper's: it rescores beam-search calls made while a trie is active
(:meth:`TermRescoring.active`, set per transcription by the custom model) and passes every other call
through. The chosen hypothesis keeps its own score, so faster-whisper's log-probability check judges
the words it gets. Sampling calls (the fallback at temperature > 0) are not rescored.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_TERM_BONUS = 1.0
"""Log-probability added per token of a complete term path (tuned on the pharmacy domain, ``bench/RESULTS.md``:
0.5, 1, 2 and 4 gave the same transcripts at beam 5)."""
DEFAULT_TERM_BEAM_SIZE = 10
"""Beam size (and n-best size) of the rescored searches, tuned on the pharmacy domain's quick bench with 30 s
encoder windows: rescoring changed 3 of 67 beams at beam 5 (term recall 22.2% -> 27.8%) and 9 at beam 10
(33.3%). With the short windows since, it changed 3 of 73 (pharmacy) and 22 of 56 (maintenance) at beam 10
and term recall did not move (``bench/RESULTS.md``), hence the option is off by default."""

_END = -1


class TermTrie:
    """Token sequences of terms in a prefix trie; :meth:`matches` finds complete term paths in a hypothesis.

    ``token_text(id)`` gives a token's text (with its leading space); ids it maps to ``None`` (special and
    timestamp tokens) separate words. A match must end where a word ends (the next token does not start
    with a letter or digit) and start where one starts (a leading space, or after a non-text token or a
    token that does not end in a letter or digit).
    """

    def __init__(self, sequences: Iterable[Sequence[int]], token_text: Callable[[int], str | None]) -> None:
        self._root: dict[int, Any] = {}
        self._text = token_text
        self.size = 0
        for sequence in sequences:
            if not sequence:
                continue
            node = self._root
            for token in sequence:
                node = node.setdefault(token, {})
            if _END not in node:
                node[_END] = True
                self.size += 1

    @classmethod
    def from_items(
        cls, items: Iterable[str], encode: Callable[[str], list[int]], token_text: Callable[[int], str | None]
    ) -> TermTrie:
        """The trie of ``items`` as the tokenizer spells them (:func:`spellings`: with and without a leading
        space, as written, capitalized and lowercase)."""
        return cls((encode(text) for item in items for text in spellings(item)), token_text)

    @classmethod
    def for_tokenizer(cls, items: Iterable[str], tokenizer: Any) -> TermTrie:
        """The trie of ``items`` in the tokens of a Whisper ``tokenizers.Tokenizer`` (special and timestamp
        tokens, from ``<|endoftext|>`` on, have no text)."""
        text_tokens = tokenizer.token_to_id("<|endoftext|>")

        @functools.cache
        def token_text(token: int) -> str | None:
            return tokenizer.decode([token]) if token < text_tokens else None

        def encode(text: str) -> list[int]:
            return tokenizer.encode(text, add_special_tokens=False).ids

        return cls.from_items(items, encode, token_text)

    def __len__(self) -> int:
        return self.size

    def matches(self, tokens: Sequence[int]) -> list[tuple[int, int]]:
        """``(start, end)`` of every complete term path in ``tokens``, left to right, longest first, no overlap."""
        found: list[tuple[int, int]] = []
        start = 0
        while start < len(tokens):
            end = self._longest(tokens, start) if self._starts_word(tokens, start) else None
            if end is None:
                start += 1
            else:
                found.append((start, end))
                start = end
        return found

    def boosted_tokens(self, tokens: Sequence[int]) -> int:
        """How many tokens of ``tokens`` lie on complete term paths, each distinct path counted once.

        Counting a path once keeps a list-continuing hallucination ("omeprazole, omeprazole, ...", which
        a hotword prompt invites) from gaining a bonus per repetition."""
        paths = {tuple(tokens[start:end]) for start, end in self.matches(tokens)}
        return sum(len(path) for path in paths)

    def _longest(self, tokens: Sequence[int], start: int) -> int | None:
        node, best = self._root, None
        for index in range(start, len(tokens)):
            node = node.get(tokens[index])
            if node is None:
                break
            if _END in node and self._ends_word(tokens, index + 1):
                best = index + 1
        return best

    def _starts_word(self, tokens: Sequence[int], index: int) -> bool:
        text = self._text(tokens[index])
        if not text or text[0].isspace() or index == 0:
            return bool(text)
        previous = self._text(tokens[index - 1])
        return not previous or not previous[-1].isalnum()

    def _ends_word(self, tokens: Sequence[int], index: int) -> bool:
        if index >= len(tokens):
            return True
        text = self._text(tokens[index])
        return not text or not text[0].isalnum()


def spellings(item: str) -> list[str]:
    """The ways a hotword item may appear in Whisper's output: as written, capitalized and lowercase, each
    with a leading space (inside a sentence) and without (after a timestamp or punctuation)."""
    item = item.strip()
    if not item:
        return []
    forms = dict.fromkeys([item, item[0].upper() + item[1:], item.lower()])
    return [prefix + form for form in forms for prefix in (" ", "")]


@dataclass(frozen=True)
class Hypothesis:
    """One finished beam-search hypothesis: its token ids and CTranslate2's length-normalized score."""

    tokens: Sequence[int]
    score: float


def rescored(hypothesis: Hypothesis, trie: TermTrie, bonus: float, length_penalty: float = 1.0) -> float:
    """The hypothesis' score with ``bonus`` added to its summed log-probability per token on a complete term
    path, normalized by length as the beam search normalizes (``score = logprob / length ** length_penalty``)."""
    norm = max(len(hypothesis.tokens), 1) ** length_penalty
    return hypothesis.score + bonus * trie.boosted_tokens(hypothesis.tokens) / norm


def rescore(hypotheses: Sequence[Hypothesis], trie: TermTrie, bonus: float, length_penalty: float = 1.0) -> int:
    """Index of the best hypothesis after :func:`rescored` (the first of equals: the decoder's order breaks ties)."""
    scores = [rescored(h, trie, bonus, length_penalty) for h in hypotheses]
    return max(range(len(scores)), key=lambda i: (scores[i], -i))


@dataclass
class Rescorer:
    """A trie and its bonus; ``searches`` counts the beam searches rescored, ``changed`` those whose best
    hypothesis was not the decoder's first (statistics for benchmarks, not locked)."""

    trie: TermTrie
    bonus: float = DEFAULT_TERM_BONUS
    beam_size: int | None = DEFAULT_TERM_BEAM_SIZE
    """Beam size of the rescored searches (None: the decoder's); a wider beam finishes more hypotheses."""
    searches: int = 0
    changed: int = 0


@dataclass
class RescoredResult:
    """The parts of a ``WhisperGenerationResult`` faster-whisper reads, holding the rescored best first."""

    sequences_ids: list[list[int]]
    sequences: list[list[str]]
    scores: list[float]
    no_speech_prob: float


_ACTIVE: contextvars.ContextVar[Rescorer | None] = contextvars.ContextVar("term_rescorer", default=None)


class TermRescoring:
    """A ``ctranslate2.models.Whisper`` (or a wrapper of one) whose beam searches are rescored while a trie is active.

    Anything else (``encode``, ``align``, sampling, attributes) is the wrapped model's.
    """

    def __init__(self, model: Any) -> None:
        self.model = model

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    @staticmethod
    @contextlib.contextmanager
    def active(rescorer: Rescorer | None) -> Iterator[None]:
        """Rescore this thread's beam searches with ``rescorer`` inside the block (``None``: not at all)."""
        token = _ACTIVE.set(rescorer)
        try:
            yield
        finally:
            _ACTIVE.reset(token)

    def generate(self, encoder_output: Any, prompts: list[list[int]], **options: Any) -> list[Any]:
        """The wrapped ``generate``; a beam search under an active trie returns its rescored best hypothesis."""
        rescorer = _ACTIVE.get()
        if rescorer is None or not len(rescorer.trie) or "sampling_topk" in options:
            return self.model.generate(encoder_output, prompts, **options)
        beam = rescorer.beam_size or int(options.get("beam_size", 5))
        if beam < 2:
            return self.model.generate(encoder_output, prompts, **options)
        options = {**options, "beam_size": beam, "num_hypotheses": beam, "return_scores": True}
        length_penalty = float(options.get("length_penalty", 1.0))
        results = []
        for result in self.model.generate(encoder_output, prompts, **options):
            pairs = zip(result.sequences_ids, result.scores, strict=True)
            hypotheses = [Hypothesis(ids, score) for ids, score in pairs]
            best = rescore(hypotheses, rescorer.trie, rescorer.bonus, length_penalty)
            rescorer.searches += 1
            rescorer.changed += best != 0
            results.append(
                RescoredResult(
                    sequences_ids=[result.sequences_ids[best]],
                    sequences=[result.sequences[best]],
                    scores=[result.scores[best]],
                    no_speech_prob=result.no_speech_prob,
                )
            )
        return results
