"""Build faster-whisper ``hotwords`` from mined terms and display forms, capped in tokens.

faster-whisper puts the hotwords before the start-of-transcript token as if they were the text of a
previous window (``<|startofprev|> hotwords <|startoftranscript|>``). The decoder then prefers those
spellings, which fixes domain terms, but it also pulls general speech toward them ("law on monday" ->
"alodine monday"): the longer the list, the stronger the pull and the slower each decoding step.
So the list is ranked and cut at a token cap (:data:`DEFAULT_MAX_TOKENS` for the base weights,
:data:`FINETUNED_MAX_TOKENS` for fine-tuned ones; the measurements are documented there):

1. single words: display forms from pronunciation files (the user named them explicitly) and
   out-of-vocabulary terms, then rare terms, each by count in the training text;
2. phrases that add a word not already listed.

Items are joined with ", " like a list a person would dictate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tunefork.speech.whisper_custom.terms import MinedTerms

DEFAULT_MAX_TOKENS = 223
"""Default cap for the base model's weights: faster-whisper's own cap (``max_length // 2 - 1``).

Measured on 20 unseen-voice domain clips and 20 general clips (package docstring): 32, 64, 128
and 223 tokens gave domain WER 70.0, 57.1, 55.8 and 48.8% (base 77.4%) and general WER 21.2, 23.6,
26.9 and 25.0% (base 26.9%): more terms helped and general speech did not get worse."""
FINETUNED_MAX_TOKENS = 64
"""Default cap when the weights are fine-tuned (the prompt is also trained with).

A model fine-tuned with 64-token hotwords scored 28.6% domain / 9.9% general WER with them and
38.2% / 15.6% without; one fine-tuned with 223-token hotwords 22.1% / 27.4% with them and
46.1% / 24.1% without: a long list made the fine-tuned decoder write domain words into general
speech (the leak the issue describes)."""
SEPARATOR = ", "

TokenCounter = Callable[[str], int]


@dataclass
class Hotwords:
    """The hotwords string, the items it holds, how many tokens it takes and what did not fit."""

    text: str
    items: list[str] = field(default_factory=list)
    tokens: int = 0
    dropped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready summary for the model card."""
        return {"text": self.text, "items": len(self.items), "tokens": self.tokens, "dropped": self.dropped}


def rank_items(mined: MinedTerms, display_forms: Iterable[str]) -> list[str]:
    """Candidate hotwords, best first, without case-insensitive duplicates.

    Single words come first: display forms and out-of-vocabulary terms, then rare terms, each by
    how often they occur in the training text (a display form counts at least once and wins ties:
    the user listed it on purpose). Phrases follow when they add a word.
    """
    counts = {term.text.lower(): term for term in mined.words}
    scored: dict[str, tuple[tuple[int, int, int, int], str]] = {}
    for order, display in enumerate(d.strip() for d in display_forms):
        term = counts.get(display.lower())
        if display and display.lower() not in scored:
            scored[display.lower()] = ((0, -max(term.count if term else 0, 1), 0, order), display)
    for order, term in enumerate(mined.words):
        if term.text.lower() not in scored:
            tier = 0 if term.reason == "oov" else 1
            scored[term.text.lower()] = ((tier, -term.count, 1, order), term.text)
    ranked = [text for _, text in sorted(scored.values())]
    covered = {word for item in ranked for word in item.lower().split()}
    for phrase in mined.phrases:
        words = phrase.text.lower().split()
        if phrase.text.lower() not in scored and any(word not in covered for word in words):
            ranked.append(phrase.text)
            covered.update(words)
    return ranked


def build_hotwords(items: Iterable[str], token_count: TokenCounter, max_tokens: int = DEFAULT_MAX_TOKENS) -> Hotwords:
    """Join ``items`` in order while the string (with its leading space) fits in ``max_tokens`` tokens.

    An item that does not fit is skipped and a later, shorter one may still be added; with
    ``max_tokens <= 0`` the hotwords are empty (biasing off).
    """
    chosen: list[str] = []
    dropped: list[str] = []
    used = 0
    for item in items:
        candidate = SEPARATOR.join([*chosen, item])
        count = token_count(" " + candidate)
        if max_tokens > 0 and count <= max_tokens:
            chosen.append(item)
            used = count
        else:
            dropped.append(item)
    return Hotwords(text=SEPARATOR.join(chosen), items=chosen, tokens=used, dropped=dropped)
