"""Build faster-whisper ``hotwords`` from mined terms and display forms.

faster-whisper puts the hotwords before the start-of-transcript token as if they were the text of a
previous window (``<|startofprev|> hotwords <|startoftranscript|>``). The decoder then prefers those
spellings, which fixes domain terms, but it also pulls general speech toward them ("law on monday" ->
"alodine monday"): the longer the list, the stronger the pull and the slower each decoding step.
So the list is ranked:

1. display forms of pronunciation files, always: the user named them on purpose (acronyms, model
   names, multi-word display forms). They take a place up to faster-whisper's own limit
   (:data:`PROMPT_MAX_TOKENS`); the few that cannot fit there are still fixed after recognition;
2. the other mined terms, those the base model misses in context first (:mod:`.ranking`), then
   out-of-vocabulary before rare ones, each by count in the training text;
3. phrases that add a word not already listed.

Terms of groups 2 and 3 fill the prompt up to a cap (:data:`DEFAULT_MAX_TOKENS` for the base
weights, :data:`FINETUNED_MAX_TOKENS` for fine-tuned ones; the measurements are documented there),
on top of the display forms: no cap drops a display form.

Items are joined with ", " like a list a person would dictate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from tunefork.speech.whisper_custom.terms import MinedTerms
from tunefork.speech.whisper_engine import PROMPT_MAX_TOKENS

DEFAULT_MAX_TOKENS = PROMPT_MAX_TOKENS
"""Default cap for the base model's weights: faster-whisper's own cap (``max_length // 2 - 1``).

Measured on 20 unseen-voice domain clips and 20 general clips (package docstring): 32, 64, 128
and 223 tokens gave domain WER 70.0, 57.1, 55.8 and 48.8% (base 77.4%) and general WER 21.2, 23.6,
26.9 and 25.0% (base 26.9%): more terms helped and general speech did not get worse."""
FINETUNED_MAX_TOKENS = 64
"""Default cap when the weights are fine-tuned (the prompt is also trained with); display forms come on top.

A model fine-tuned with 64-token hotwords scored 28.6% domain / 9.9% general WER with them and
38.2% / 15.6% without; one fine-tuned with 223-token hotwords 22.1% / 27.4% with them and
46.1% / 24.1% without: a long list made the fine-tuned decoder write domain words into general
speech (the leak the issue describes)."""
UNTRIED_MISS = 0.5
"""Miss share assumed for a term the ranking did not try in context (between heard and missed)."""
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


def rank_items(
    mined: MinedTerms, display_forms: Iterable[str], misses: Mapping[str, float] | None = None
) -> tuple[list[str], list[str]]:
    """``(required, ranked)``: the display forms, then the other candidate hotwords best first.

    Display forms keep their file order and case. The other terms rank by ``misses`` (lowercase term
    -> share of occurrences the base model missed, :func:`.ranking.term_misses` of the base model; an untried term
    counts :data:`UNTRIED_MISS`), then out of vocabulary before rare, then by count in the training
    text. Phrases follow when they add a word. No item appears twice (case-insensitively).
    """
    misses = misses or {}
    required = list(dict.fromkeys(d.strip() for d in display_forms if d.strip()))
    seen = {item.lower() for item in required}
    scored = []
    for order, term in enumerate(mined.words):
        key = term.text.lower()
        if key not in seen:
            seen.add(key)
            miss = misses.get(key, UNTRIED_MISS)
            scored.append(((-miss, term.reason != "oov", -term.count, order), term.text))
    ranked = [text for _, text in sorted(scored)]
    covered = {word for item in [*required, *ranked] for word in item.lower().split()}
    for phrase in mined.phrases:
        words = phrase.text.lower().split()
        if phrase.text.lower() not in seen and any(word not in covered for word in words):
            ranked.append(phrase.text)
            covered.update(words)
    return required, ranked


def build_hotwords(
    items: Iterable[str],
    token_count: TokenCounter,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    required: Iterable[str] = (),
) -> Hotwords:
    """Join the ``required`` items, then ``items`` in order, while the string fits the token limits.

    ``required`` items (display forms) take places up to :data:`PROMPT_MAX_TOKENS`, whatever
    ``max_tokens``; ``items`` then add at most ``max_tokens`` more tokens (the string counted with its
    leading space, never over :data:`PROMPT_MAX_TOKENS` in all). An item that does not fit is
    skipped and a later, shorter one may still be added; with ``max_tokens <= 0`` the hotwords are
    empty (biasing off).
    """
    chosen: list[str] = []
    dropped: list[str] = []
    used = 0

    def add(item: str, limit: int) -> None:
        nonlocal used
        count = token_count(" " + SEPARATOR.join([*chosen, item]))
        if count <= limit:
            chosen.append(item)
            used = count
        else:
            dropped.append(item)

    if max_tokens <= 0:
        return Hotwords(text="", dropped=[*required, *items])
    for item in required:
        add(item, PROMPT_MAX_TOKENS)
    limit = min(used + max_tokens, PROMPT_MAX_TOKENS)
    for item in items:
        add(item, limit)
    return Hotwords(text=SEPARATOR.join(chosen), items=chosen, tokens=used, dropped=dropped)
