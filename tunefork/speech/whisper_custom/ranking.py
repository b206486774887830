"""Rank candidate terms by how badly the base model gets them in context, and report what training changed.

A term the base model already writes correctly gains little from a place in the hotword prompt and
costs decoding time; one it misses is what the user customizes for. :func:`transcribe_in_context`
speaks one related-text sentence per term with espeak-ng (cached,
:func:`tunefork.speech.synthesis.synthesize_cached`) and transcribes it; :func:`term_misses` scores each
term a sentence holds as heard or missed (term recall of :func:`tunefork.evaluation.metrics.score_corpus`).
The trainer runs the two with the base model to rank the hotwords. A time budget bounds the cost; terms
it leaves untried keep their place from the text statistics.

After training, the same sentences (the same cached audio) are transcribed by the custom model as it is
served, and :func:`term_report` says, term by term, what changed: ``improved`` (the custom model hears
more of its occurrences than the base), ``regressed`` (fewer), ``still missed`` (as many, not all) or
``unchanged`` (both hear it every time).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tunefork.audio import read_audio
from tunefork.evaluation.metrics import score_corpus
from tunefork.evaluation.normalizer import get_normalizer
from tunefork.speech.base import SpeechModel
from tunefork.speech.synthesis import Voice, synthesize_cached

RANKING_VOICE = Voice("en-us")
"""The voice that speaks the ranking sentences (a plain voice: the question is the word, not the accent)."""
VERDICTS = ("improved", "regressed", "still missed", "unchanged")
"""What :func:`term_report` says of a term, in the order the report lists them."""


def _sentence_for(term: str, sentences: Sequence[str]) -> str | None:
    pattern = re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)
    return next((sentence for sentence in sentences if pattern.search(sentence)), None)


def context_sentences(terms: Sequence[str], sentences: Sequence[str]) -> list[str]:
    """The first sentence holding each term, in the order of ``terms``, each once (terms in none: skipped)."""
    picked = (_sentence_for(term, sentences) for term in terms)
    return list(dict.fromkeys(sentence for sentence in picked if sentence is not None))


def transcribe_in_context(
    sentences: Sequence[str], model: SpeechModel, cache_dir: Path, budget_s: float
) -> dict[str, str]:
    """``{sentence: hypothesis}`` of ``sentences`` spoken by :data:`RANKING_VOICE`, in order, until ``budget_s``.

    The budget is checked before each sentence (a budget of 0 transcribes nothing); audio is cached in
    ``cache_dir``, so a second model transcribes the same bytes without synthesizing again.
    """
    started = time.monotonic()
    transcribed: dict[str, str] = {}
    for sentence in sentences:
        if time.monotonic() - started >= budget_s:
            break
        samples = read_audio(synthesize_cached(sentence, cache_dir, RANKING_VOICE)).samples
        transcribed[sentence] = model.transcribe(samples).text
    return transcribed


def term_misses(terms: Sequence[str], transcripts: dict[str, str]) -> dict[str, float]:
    """``{term.lower(): share of its occurrences missed}`` in ``{reference: hypothesis}`` (absent terms: not scored)."""
    if not transcripts:
        return {}
    normalize = get_normalizer()
    triples = [(str(i), reference, hypothesis) for i, (reference, hypothesis) in enumerate(transcripts.items())]
    scored = score_corpus(triples, list(terms)).terms
    misses = {}
    for term in terms:
        counts = scored.get(" ".join(normalize(term).split()))
        if counts and counts[1]:
            misses[term.lower()] = 1.0 - counts[0] / counts[1]
    return misses


def verdict(base_miss: float, custom_miss: float) -> str:
    """One of :data:`VERDICTS` for a term the base model missed ``base_miss`` of and the custom ``custom_miss`` of."""
    if custom_miss < base_miss:
        return "improved"
    if custom_miss > base_miss:
        return "regressed"
    return "still missed" if custom_miss > 0 else "unchanged"


def term_report(base: dict[str, float], custom: dict[str, float]) -> dict[str, Any]:
    """Per term scored for both models: its base and custom miss shares and :func:`verdict`; counts by verdict.

    ``base`` and ``custom`` are :func:`term_misses` of the two models on the same sentences; terms scored for
    only one of them are left out. ``terms`` lists the improved first, then regressed, still missed, unchanged.
    """
    rows = [
        {"term": term, "base_missed": round(base[term], 3), "custom_missed": round(custom[term], 3),
         "verdict": verdict(base[term], custom[term])}
        for term in base if term in custom
    ]  # fmt: skip
    rows.sort(key=lambda row: VERDICTS.index(row["verdict"]))
    return {"counts": {name: sum(row["verdict"] == name for row in rows) for name in VERDICTS}, "terms": rows}
