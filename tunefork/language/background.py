"""Negative text for the out-of-scope (background) class of intent classifiers.

An intent classifier that only knows its intents spreads every input over them, so "what's the capital of
France" comes back as some intent with high confidence. Training an explicit background class fixes most of
that. Its examples are, in this order of preference:

- the out-of-scope examples the user uploaded (real requests the bot is not built for);
- the shipped general English sentences (:func:`tunefork.language.general_text.general_texts`);
- sentences made from the intents' own vocabulary that match no intent: general sentences whose content
  words are swapped for words of the training examples (``the kitchen window gets a lot of ibuprofen``).
  They teach the classifier that a domain word alone does not make a request in scope;
- near-domain requests (:mod:`tunefork.language.near_domain`): everyday assistant requests and requests about
  the business around the bot, filled with the intents' words (``how many calories does a ibuprofen have``,
  ``wake me up at 7pm``, ``are you hiring any ibuprofen staff``). They teach it that a
  request of another kind stays out of scope when it borrows the project's words.

Everything is deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tunefork.language.content_words import MIN_WORD_LENGTH, STOPWORDS, WORD, domain_words
from tunefork.language.general_text import general_texts
from tunefork.language.near_domain import near_domain_requests

SWAPS_PER_SENTENCE = 2
GENERATED_SHARE = 0.5
"""Sentences made from the intents' vocabulary, as a share of the general sentences."""
NEAR_DOMAIN_SHARE = 0.5
"""Near-domain requests (:mod:`tunefork.language.near_domain`), as a share of the general sentences."""


@dataclass
class BackgroundTexts:
    """The background class's examples, by source."""

    uploaded: list[str] = field(default_factory=list)
    general: list[str] = field(default_factory=list)
    generated: list[str] = field(default_factory=list)
    near_domain: list[str] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        """Every background example (uploaded first)."""
        return self.uploaded + self.general + self.generated + self.near_domain

    def describe(self) -> str:
        """What the class learned from, in words (for the model card)."""
        parts = [
            f"{len(self.uploaded)} uploaded out-of-scope examples" if self.uploaded else "",
            f"{len(self.general)} shipped general sentences" if self.general else "",
            f"{len(self.generated)} sentences made from the intents' vocabulary" if self.generated else "",
            f"{len(self.near_domain)} near-domain requests" if self.near_domain else "",
        ]
        return ", ".join(part for part in parts if part)


def vocabulary_sentences(frames: list[str], words: list[str], count: int, seed: int) -> list[str]:
    """``count`` sentences: ``frames`` with up to two content words replaced by ``words`` (seeded)."""
    if not words or not frames:
        return []
    rng = random.Random(seed)
    sentences: list[str] = []
    for _ in range(count):
        frame = rng.choice(frames)
        slots = [m for m in WORD.finditer(frame) if len(m.group()) >= MIN_WORD_LENGTH and m.group().lower()
                 not in STOPWORDS]  # fmt: skip
        if not slots:
            continue
        chosen = sorted(rng.sample(slots, min(SWAPS_PER_SENTENCE, len(slots))), key=lambda m: m.start())
        pieces, cursor = [], 0
        for match in chosen:
            pieces += [frame[cursor : match.start()], rng.choice(words)]
            cursor = match.end()
        sentences.append("".join(pieces) + frame[cursor:])
    return sentences


def background_texts(examples: list[tuple[str, str]], uploaded: list[str], seed: int = 0) -> BackgroundTexts:
    """The background class's examples for ``(text, intent)`` ``examples`` (see the module docs).

    Texts that are also intent examples (compared lower-cased) are left out, so the class never contradicts
    an example.
    """
    general = general_texts()
    texts = [text for text, _ in examples]
    generated = vocabulary_sentences(general, domain_words(texts), round(GENERATED_SHARE * len(general)), seed)
    near_domain = near_domain_requests(examples, round(NEAR_DOMAIN_SHARE * len(general)), seed)
    in_scope = {text.strip().lower() for text in texts}
    seen: set[str] = set(in_scope)

    def fresh(texts: list[str]) -> list[str]:
        kept = []
        for text in texts:
            key = text.strip().lower()
            if key and key not in seen:
                seen.add(key)
                kept.append(text)
        return kept

    return BackgroundTexts(
        uploaded=fresh(uploaded), general=fresh(general), generated=fresh(generated), near_domain=fresh(near_domain)
    )
