"""Language customization: related text and pronunciations -> custom dictionary and interpolated LM.

1. Every pronunciation entry becomes a display token in the dictionary (see :mod:`.lexicon`).
2. Related text (and, by default, acoustic transcripts) is normalized, display/spoken forms are
   replaced by their tokens, and a Witten-Bell trigram model is trained on it (:mod:`.domain_lm`);
   each token also gets a one-word sentence so it is reachable even when the text never uses it.
3. The domain model is mixed with the bundled general model read from its binary trie
   (:mod:`.trie`, :mod:`.interpolate`) at ``custom_weight`` percent and written in PocketSphinx's
   binary format (:mod:`.ngram`).
4. Words of the domain model that CMUdict lacks get g2p pronunciations.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunefork.errors import TuneforkError
from tunefork.progress import ProgressCallback
from tunefork.speech.sphinx_custom.domain_lm import build_domain_lm
from tunefork.speech.sphinx_custom.interpolate import interpolate
from tunefork.speech.sphinx_custom.lexicon import Lexicon, display_token
from tunefork.speech.sphinx_custom.ngram import SENTENCE_END, SENTENCE_START, write_arpa
from tunefork.speech.sphinx_custom.text import PhraseRewriter, normalized_words
from tunefork.speech.sphinx_custom.trie import read_trie_lm
from tunefork.speech.sphinx_custom.trie_writer import write_binary

LM_FILE = "language_model.lm.bin"
DOMAIN_ARPA = "domain_lm.arpa"


@dataclass
class PronunciationPlan:
    """Display tokens from the pronunciation entries."""

    display_forms: dict[str, str] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)
    rewriter: PhraseRewriter = field(default_factory=PhraseRewriter)
    skipped: list[str] = field(default_factory=list)


def add_pronunciations(pairs: list[tuple[str, str]], lexicon: Lexicon) -> PronunciationPlan:
    """Add one dictionary token per ``(display, spoken)`` pair; remember how to map it back and where it occurs."""
    plan = PronunciationPlan()
    for display, spoken in pairs:
        spoken_words = normalized_words(spoken)
        if not spoken_words or not display.strip():
            plan.skipped.append(f"{display!r} -> {spoken!r}: empty display or spoken form")
            continue
        try:
            token = display_token(display)
            pronunciations = lexicon.phrase_pronunciations(spoken_words)
        except TuneforkError as exc:
            plan.skipped.append(f"{display!r} -> {spoken!r}: {exc}")
            continue
        lexicon.add(token, pronunciations)
        if token not in plan.tokens:
            plan.tokens.append(token)
        if display.strip() != token:
            plan.display_forms.setdefault(token, " ".join(display.split()))
        plan.rewriter.add(spoken_words, token)
        plan.rewriter.add(normalized_words(display), token)
    return plan


def domain_sentences(texts: list[str], plan: PronunciationPlan) -> tuple[list[list[str]], int]:
    """Normalized sentences with display tokens in place (plus one per token); and replacements made."""
    sentences: list[list[str]] = []
    replaced = 0
    for text in texts:
        words = normalized_words(text)
        if not words:
            continue
        words, count = plan.rewriter.rewrite(words)
        replaced += count
        sentences.append(words)
    sentences.extend([token] for token in plan.tokens)
    return sentences, replaced


def build_language_model(
    sentences: list[list[str]],
    weight_percent: float,
    lexicon: Lexicon,
    output_dir: Path,
    general_lm: Path,
    progress: ProgressCallback,
) -> dict[str, Any]:
    """Train, mix and write the language model; make its words pronounceable. Returns contribution figures."""
    started = time.perf_counter()
    vocabulary = sorted({word for words in sentences for word in words})
    new_words = [w for w in vocabulary if not lexicon.knows(w)]
    dropped = {w for w in vocabulary if not lexicon.can_pronounce(w)}
    sentences = [kept for kept in ([w for w in words if w not in dropped] for words in sentences) if kept]
    if not sentences:
        raise TuneforkError("the related text has no pronounceable words after normalization")
    domain = build_domain_lm(sentences)
    write_arpa(domain, output_dir / DOMAIN_ARPA)
    words = [w for w in domain.vocab if w not in (SENTENCE_START, SENTENCE_END)]
    progress(2, 5, f"Reading the general language model ({general_lm.name})")
    general = read_trie_lm(general_lm)
    progress(3, 5, f"Interpolating the domain model at {weight_percent:g}% with the general model")
    mixed = interpolate(general, domain, weight_percent / 100.0)
    progress(4, 5, "Writing the custom language model")
    write_binary(mixed, output_dir / LM_FILE)
    general_vocab = set(general.vocab)
    unigrams, bigrams, trigrams = domain.counts
    return {
        "sentences": len(sentences),
        "words": sum(len(s) for s in sentences),
        "domain_ngrams": {"1": unigrams, "2": bigrams, "3": trigrams},
        "custom_ngrams": dict(zip(("1", "2", "3"), mixed.counts, strict=True)),
        "vocabulary_added": sorted(w for w in words if w not in general_vocab),
        "new_dictionary_words": sorted(set(new_words) - dropped),
        "unpronounceable_words": sorted(dropped),
        "custom_weight": weight_percent,
        "seconds": round(time.perf_counter() - started, 2),
    }


def check_weight(value: Any) -> float:
    """``custom_weight`` as a number in [0, 100] (a clear error otherwise)."""
    try:
        weight = float(value)
    except (TypeError, ValueError) as exc:
        raise TuneforkError(f"custom weight must be a number from 0 to 100, got {value!r}") from exc
    if not 0.0 <= weight <= 100.0:
        raise TuneforkError(f"custom weight must be from 0 to 100 percent, got {weight:g}")
    return weight
