"""Is a spoken form everyday English? How often a phrase occurs, by the bundled 3-gram language model.

A pronunciation entry whose spoken form is an everyday phrase (``Allgood<TAB>all good``, ``Nguyen<TAB>win``) cannot
be told from that phrase by its sound: rewriting every "all good" a model hears to "Allgood" writes the name over
ordinary speech ("it's Allgood, thank you"). PocketSphinx's bundled US English 3-gram model gives a phrase's
probability at a word position, P(w1) P(w2 | w1) P(w3 | w1 w2)...; a word it does not know makes the phrase
unheard of.

Measured (log10 of that probability) on the spoken forms of the shipped and benchmark pronunciation files and a
few everyday ones: "win" -3.8, "good enough" -4.6, "okay for" -5.0, "all good" -5.1; then "huh well" -5.6, "x ray"
-5.8, "c t" -6.2, "fair weather" -6.2, "a three twenty" -6.9, "white head" -7.4, "i n r" -8.5, "next guard" -8.7,
"gab a pen tin" -17.8. :data:`EVERYDAY_LOG10_PROBABILITY` sits between the two groups: a phrase above it is heard
about once in 300,000 words of general English or more often.
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import Any

EVERYDAY_LOG10_PROBABILITY = -5.5
"""A spoken form whose probability at a word position is at least 10 ** this is everyday English."""

_LOG_BASE = 1.0001
"""PocketSphinx's language models score in logarithms of this base (its ``LogMath`` default)."""


@cache
def _language_model() -> Any:
    import pocketsphinx

    from tunefork.speech.sphinx_engine import bundled_paths

    return pocketsphinx.NGramModel.readfile(bundled_paths()["lm"])


def phrase_words(spoken: str) -> list[str]:
    """The lowercase words of ``spoken`` as the language model spells them (apostrophes kept, hyphens split)."""
    return [word.strip("'") for word in re.split(r"[^\w']+", spoken.lower().replace("’", "'")) if word.strip("'")]


def phrase_log10_probability(spoken: str) -> float:
    """log10 of the probability that general English says ``spoken`` at a given word position (-inf when empty)."""
    words = phrase_words(spoken)
    if not words:
        return -math.inf
    model = _language_model()
    total = 0
    for index, word in enumerate(words):
        history = words[max(0, index - 2) : index]
        total += model.prob([word, *reversed(history)])
    return total * math.log10(_LOG_BASE)


def is_everyday_phrase(spoken: str) -> bool:
    """True when ``spoken`` is said in everyday English often enough that hearing it says nothing about a term."""
    return phrase_log10_probability(spoken) >= EVERYDAY_LOG10_PROBABILITY
