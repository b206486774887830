"""Rank candidate terms by how badly the base model gets them in context.

A term the base model already writes correctly gains little from a place in the hotword prompt and
costs decoding time; one it misses is what the user customizes for. :func:`base_misses` speaks one
related-text sentence per term with espeak-ng (cached, :func:`tunefork.speech.synthesis.synthesize_cached`),
transcribes it with the base model and scores each term the sentence holds as heard or missed
(term recall of :func:`tunefork.evaluation.metrics.score_corpus`). A time budget bounds the cost;
terms it leaves untried keep their place from the text statistics.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path

from tunefork.audio import read_audio
from tunefork.evaluation.metrics import score_corpus
from tunefork.evaluation.normalizer import get_normalizer
from tunefork.speech.base import SpeechModel
from tunefork.speech.synthesis import Voice, synthesize_cached

RANKING_VOICE = Voice("en-us")
"""The voice that speaks the ranking sentences (a plain voice: the question is the word, not the accent)."""


def _sentence_for(term: str, sentences: Sequence[str]) -> str | None:
    pattern = re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)
    return next((sentence for sentence in sentences if pattern.search(sentence)), None)


def base_misses(
    terms: Sequence[str],
    sentences: Sequence[str],
    model: SpeechModel,
    cache_dir: Path,
    budget_s: float,
) -> dict[str, float]:
    """``{term.lower(): share of its occurrences the base model missed}`` for the terms tried in time.

    Terms are tried in the given order; each sentence is transcribed once and scores every term it
    holds. Synthesis or transcription stops when ``budget_s`` seconds have passed (a budget of 0 tries
    nothing). A term that occurs in no sentence is not scored.
    """
    started = time.monotonic()
    normalize = get_normalizer()
    transcribed: dict[str, str] = {}
    for term in terms:
        if time.monotonic() - started >= budget_s:
            break
        sentence = _sentence_for(term, sentences)
        if sentence is None or sentence in transcribed:
            continue
        samples = read_audio(synthesize_cached(sentence, cache_dir, RANKING_VOICE)).samples
        transcribed[sentence] = model.transcribe(samples).text
    if not transcribed:
        return {}
    triples = [(str(i), reference, hypothesis) for i, (reference, hypothesis) in enumerate(transcribed.items())]
    scored = score_corpus(triples, list(terms)).terms
    misses = {}
    for term in terms:
        counts = scored.get(" ".join(normalize(term).split()))
        if counts and counts[1]:
            misses[term.lower()] = 1.0 - counts[0] / counts[1]
    return misses
