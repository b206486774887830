"""Train a custom sphinx model from related text, pronunciations and transcribed audio.

Output folder layout (every path in ``engine_config`` is relative to it)::

    pronunciation.dict        CMUdict + domain words (g2p) + display tokens
    language_model.lm.bin     general LM interpolated with the domain LM (when there is text)
    domain_lm.arpa            the domain LM alone, for inspection
    acoustic/                 the MAP-adapted acoustic model (when there is audio)

Engine-specific ``TrainingParameters.options``:

- ``g2p_variants`` (int, default 1): pronunciations g2p proposes per unknown word;
- ``transcripts_as_text`` (bool, default True): acoustic transcripts also train the domain LM
  (Azure uses the transcripts of audio datasets for language adaptation too);
- ``adapt_acoustics`` (bool, default True): MAP-adapt on the audio (False ignores it);
- ``map_passes`` (int, default 1): bw + map_adapt passes, each realigning with the previous result;
- ``verify`` (bool, default True): load the finished model once so a broken artifact fails training.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from tunefork.engines.contract import TrainedComponents, TrainingParameters
from tunefork.errors import TuneforkError
from tunefork.progress import ProgressCallback, no_progress
from tunefork.speech.customization import TrainingData, clips_left_out
from tunefork.speech.registry import BUNDLED_SPHINX
from tunefork.speech.sphinx_custom.adaptation import map_adapt, require_tools
from tunefork.speech.sphinx_custom.language import (
    LM_FILE,
    PronunciationPlan,
    add_pronunciations,
    build_language_model,
    check_weight,
    domain_sentences,
)
from tunefork.speech.sphinx_custom.lexicon import Lexicon
from tunefork.speech.sphinx_custom.model import CONFIG_FORMAT, load_model
from tunefork.speech.sphinx_custom.text import normalized_words
from tunefork.speech.sphinx_engine import bundled_paths

DICT_FILE = "pronunciation.dict"
ACOUSTIC_DIR = "acoustic"
WORK_DIR = ".adaptation-work"


def _scaled(progress: ProgressCallback, start: int, span: int) -> ProgressCallback:
    """A callback mapping a step's own (done, total) onto [start, start + span] of 100."""

    def report(done: int, total: int, description: str) -> None:
        progress(start + (span * done) // max(total, 1), 100, description)

    return report


def _check_inputs(base_model: str, data: TrainingData, options: dict[str, Any]) -> None:
    if base_model != BUNDLED_SPHINX:
        raise TuneforkError(f"sphinx customization starts from {BUNDLED_SPHINX!r}, not {base_model!r}")
    if not data.kinds():
        raise TuneforkError("no training material: add related text, pronunciations or transcribed audio")
    if data.utterances and options.get("adapt_acoustics", True):
        require_tools()  # fail before the language model work when SphinxTrain is missing


def train(
    base_model: str,
    data: TrainingData,
    parameters: TrainingParameters,
    output_dir: Path,
    progress: ProgressCallback = no_progress,
) -> TrainedComponents:
    """Write a custom sphinx model into the empty ``output_dir``; see the module docstring."""
    options = parameters.options or {}
    _check_inputs(base_model, data, options)
    weight = check_weight(parameters.custom_weight)
    adapt = bool(data.utterances) and bool(options.get("adapt_acoustics", True))
    text_span = 45 if adapt else 95
    config: dict[str, Any] = {"format": CONFIG_FORMAT, "hmm": None, "lm": None, "dict": DICT_FILE}

    progress(0, 100, "Building the pronunciation dictionary")
    lexicon = Lexicon.from_file(Path(bundled_paths()["dict"]), int(options.get("g2p_variants", 1)))
    plan = add_pronunciations(data.pronunciations, lexicon)
    transcripts = [normalized_words(text) for _, text in data.utterances]
    use_transcripts = adapt and bool(options.get("transcripts_as_text", True))
    texts = list(data.related_text) + ([text for _, text in data.utterances] if use_transcripts else [])
    contributions = _language(texts, plan, lexicon, weight, output_dir, _scaled(progress, 0, text_span))
    if contributions:
        config["lm"] = LM_FILE
        contributions["related_text"]["transcripts_included"] = len(data.utterances) if use_transcripts else 0
    if data.pronunciations:
        contributions["pronunciations"]["entries"] = len(data.pronunciations)
    transcripts = [words if all(map(lexicon.can_pronounce, words)) else [] for words in transcripts]
    lexicon.write(output_dir / DICT_FILE)
    config["display_forms"] = plan.display_forms

    if data.utterances:
        passes = max(1, int(options.get("map_passes", 1)))
        contributions["utterances"] = _adapt(data, transcripts, output_dir, progress, text_span, adapt, passes)
        if adapt:
            config["hmm"] = ACOUSTIC_DIR
            config["front_end"] = {"fill_digital_silence": True}  # decode as the adaptation audio was prepared
    config["decoder_options"] = {}
    if options.get("verify", True):
        progress(98, 100, "Checking that the custom model loads")
        load_model(output_dir, {"name": "verification", "engine_config": config})
    progress(100, 100, "Custom sphinx model ready")
    left_out = (contributions.get("utterances") or {}).get("left_out") or []
    said = clips_left_out(left_out, len(data.utterances), "were left out of acoustic adaptation")
    warnings = [f"{said}."] if said else []
    return TrainedComponents(engine_config=config, contributions=contributions, warnings=warnings)


def _language(
    texts: list[str],
    plan: PronunciationPlan,
    lexicon: Lexicon,
    weight: float,
    output_dir: Path,
    progress: ProgressCallback,
) -> dict[str, Any]:
    """Build the language model when there is text or a pronunciation; its contribution figures by kind."""
    if not texts and not plan.tokens:
        return {"pronunciations": _pronunciation_figures(plan, [], 0)} if plan.skipped else {}
    known_g2p = list(lexicon.g2p_words)
    sentences, found = domain_sentences(texts, plan)
    figures = build_language_model(sentences, weight, lexicon, output_dir, Path(bundled_paths()["lm"]), progress)
    model_keys = ("custom_weight", "domain_ngrams", "custom_ngrams", "seconds")
    contributions: dict[str, Any] = {
        "language_model": {key: figures.pop(key) for key in model_keys},
        "related_text": {"texts": len(texts), **figures},
    }
    contributions["related_text"]["g2p_words"] = [w for w in lexicon.g2p_words if w not in known_g2p]
    if plan.tokens or plan.skipped:
        contributions["pronunciations"] = _pronunciation_figures(plan, known_g2p, found)
    return contributions


def _pronunciation_figures(plan: PronunciationPlan, g2p_words: list[str], found: int) -> dict[str, Any]:
    return {
        "dictionary_words": plan.tokens,
        "display_forms": plan.display_forms,
        "g2p_words": g2p_words,
        "occurrences_in_text": found,
        "skipped": plan.skipped,
    }


def _adapt(
    data: TrainingData,
    transcripts: list[list[str]],
    output_dir: Path,
    progress: ProgressCallback,
    start: int,
    adapt: bool,
    passes: int = 1,
) -> dict[str, Any]:
    """MAP-adapt on the audio (or record that it was skipped); return its contribution figures."""
    if not adapt:
        return {"method": "none", "utterances": 0, "note": "acoustic adaptation turned off (adapt_acoustics=false)"}
    work = output_dir / WORK_DIR
    started = time.perf_counter()
    try:
        result = map_adapt(
            Path(bundled_paths()["hmm"]),
            output_dir / ACOUSTIC_DIR,
            [(Path(audio), words) for (audio, _), words in zip(data.utterances, transcripts, strict=True)],
            output_dir / DICT_FILE,
            work,
            _scaled(progress, start, 97 - start),
            passes=passes,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {**result.to_dict(), "passes": passes, "seconds": round(time.perf_counter() - started, 2)}
