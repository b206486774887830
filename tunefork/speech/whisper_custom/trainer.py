"""Train a custom Whisper model from related text, pronunciations and audio; load it back.

``train`` writes into an empty ``output_dir``:

* ``display_forms.json``: the ``[display, spoken]`` pairs the loaded model rewrites;
* ``terms.json``: the mined terms and phrases (for reports and reuse);
* ``ct2/``: the fine-tuned CTranslate2 int8 model, only when audio was given *and* a fine-tuned
  checkpoint beat the base model on the held-out clips.

and returns an ``engine_config`` whose paths are relative to that folder:

==================  =========================================================================
key                 meaning
==================  =========================================================================
``format``          1
``base_model``      base model name (``whisper-tiny.en``)
``model_dir``       ``"ct2"`` or ``None`` (serve the base model's weights)
``hotwords``        the faster-whisper hotwords string (``""``: biasing off)
``display_forms``   ``"display_forms.json"``
``phonetic_terms``  ``"terms.json"`` or ``None``: terms (and display forms) to correct toward after recognition
``two_pass``        decode without the hotwords first, keep the prompted pass only where it brings a term
                    (:mod:`.selection`; absent: True)
``merge_check_sound``  the prompted pass wins only where the plain words sound like the term it brings (absent:
                    True; False: wherever it brings a term, :func:`.selection.merge_passes`)
``term_rescoring``  pick the hotword-prompted beam's best hypothesis after a per-token bonus for complete
                    hotword items (:mod:`.trie`; absent: False)
``term_bonus``      that bonus, in log-probability per term token
``term_beam_size``  beam size and n-best size of the rescored decoding
``second_pass_confidence``  the second pass runs only where a span that sounds like a term holds a plain word
                    less probable than this (absent or None: wherever a span sounds like a term)
``compute_type``    faster-whisper compute type when serving (``int8``)
``beam_size``       beam size when serving (5)
==================  =========================================================================

Options (``TrainingParameters.options``), all optional:

=============================  =======  =================================================================
option                         default  meaning
=============================  =======  =================================================================
``hotwords``                   True     bias decoding toward mined terms and display forms
``max_hotword_tokens``         auto     tokens of ranked terms on top of the display forms: 223 without
                                       fine-tuning, 64 with it (223 in all at most)
``rank_by_base``               True     rank terms by how often the base model misses them in context
``ranking_budget_s``           60       seconds the in-context ranking may take at most
``term_report_budget_s``       60       seconds the custom model may take to transcribe the ranking's
                                       sentences after training, for the per-term report (0: no report)
``phonetic_correction``        auto     rewrite spans that sound like a term to the term (:mod:`.phonetic`);
                                       auto: on with the base's weights, chosen on held-out clips with
                                       fine-tuned ones (:mod:`.decoding_choice`)
``rewrite_everyday_phrases``   False    also rewrite pronunciation entries whose spoken form is everyday
                                       English ("Nguyen<TAB>win") wherever it is heard
                                       (:mod:`tunefork.speech.everyday_phrases`); False: those display
                                       forms are hotwords only (and learned from related text)
``two_pass``                   True     hotwords change an utterance only where they bring a term the plain
                                       decoding heard (:mod:`.selection`); False: always decode with them
``merge_check_sound``          auto     the two-pass merge takes the prompted pass only where the plain
                                       words sound like the term it brings; auto: on with the base model's
                                       weights, chosen on held-out clips with fine-tuned ones: the setting
                                       of both options with the fewest held-out word errors, a tie to the
                                       safest while held-out WER is at most 5% (:mod:`.decoding_choice`)
``term_rescoring``             False    rescore the n-best hypotheses of the hotword-prompted decoding with a
                                       prefix trie of the hotword items' tokens (:mod:`.trie`)
``term_bonus``                 1.0      log-probability added per token of a complete hotword item then
``term_beam_size``             10       beam size (and n-best size) of that rescored decoding
``second_pass_confidence``     none     decode a second time only where a span that sounds like a term holds
                                       a plain word less probable than this (none: wherever one sounds so)
``synthesize_text``            auto     also fine-tune on related text spoken by espeak-ng voices; auto:
                                       when there is related text and under 200 recorded clips (none
                                       included), unless ``TUNEFORK_WHISPER_SYNTHESIS=off``
``synthesis_voices``           8 vcs    espeak-ng voices for that (:data:`.augment.DEFAULT_SYNTHESIS_VOICES`:
                                       US, British, Lancashire, West Midlands, New York accents, male and
                                       female), three per sentence (more with a rare term), speed, pitch, reverb varied
``synthesis_term_clips``       9        clips each mined term and display form is spoken in at least, voices
                                       allowing: sentences holding a rare term get more voices
                                       (:func:`.augment.term_extra_voices`; 0 or 3: none extra)
``synthesis_max_sentences``    150      sentences of related text synthesized at most
``synthesis_budget_s``         90       seconds synthesis may take (it stops cleanly between clips)
``synthesis_cache_dir``        none     reuse synthesized clips across runs (else a temporary folder)
``augment``                    True     noise / speed / gain augmentation of training audio
``prompt_fraction``            0.3      share of training examples with the hotwords prompt
``batch_size``                 8        fine-tuning batch size
``learning_rate``              3e-5     AdamW learning rate (chosen for the few dozen steps a budget allows)
``held_out``                   auto     clips held out for checkpoint selection (about 12%)
``time_budget_s``              540      fine-tuning stops after this many seconds (None: no limit)
``run_budget_s``               480      the whole training run's seconds: fine-tuning gets at most what
                                       is left after ranking and synthesis, less twice what the ranking
                                       took, for the term report (:func:`term_report_reserve`; the report
                                       gets what is left; None: only ``time_budget_s``); with the default guard
                                       check's 120 s after it, a default run stays under 10 minutes
``quantization``               int8     CTranslate2 type of the written model
``mixed_precision``            auto     ``bf16`` autocast when the CPU supports it, or ``none``
``threads``                    none     torch CPU threads (default: torch's choice)
=============================  =======  =================================================================

``synthesize_text`` is on by default when there is related text and little or no recorded audio (under
:data:`SMALL_DATA_CLIPS` clips): the synthesized clips carry the related text's vocabulary into fine-tuning,
which a text-only project then gets too (bench/RESULTS.md, issue 17: both benchmark domains). That makes a
default text-only training take minutes instead of about two: the run is bounded by the budgets above
(ranking 60 s, synthesis 90 s, fine-tuning what is left of ``run_budget_s`` 480 s after what the term report is
expected to take, twice the ranking's time and at most 60 s), and the card states them (``contributions.budget``).
``TUNEFORK_WHISPER_SYNTHESIS=off`` makes auto mean off (the test suite sets it; an explicit ``synthesize_text``
wins). Noise augmentation (white, pink or brown noise at 5-25 dB SNR, half the clips each epoch, :mod:`.augment`)
applies to recorded and synthesized clips alike.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tunefork.audio import SILENT_PEAK, read_audio
from tunefork.engines.contract import TrainedComponents, TrainingParameters
from tunefork.errors import TuneforkError
from tunefork.progress import ProgressCallback
from tunefork.speech.base import SpeechModel
from tunefork.speech.customization import TrainingData, clips_left_out
from tunefork.speech.synthesis import Voice
from tunefork.speech.vocabulary import baseline_vocabulary
from tunefork.speech.whisper_custom.augment import (
    DEFAULT_SYNTHESIS_VOICES,
    TERM_CLIPS,
    AugmentConfig,
    Synthesized,
    synthesis_plan,
    synthesize_sentences,
    term_extra_voices,
)
from tunefork.speech.whisper_custom.biasing import (
    DEFAULT_MAX_TOKENS,
    FINETUNED_MAX_TOKENS,
    Hotwords,
    build_hotwords,
    rank_items,
)
from tunefork.speech.whisper_custom.decoding_choice import (
    SETTINGS,
    UNMEASURED,
    UNMEASURED_RULE,
    HeldoutRecorder,
    choose_setting,
)
from tunefork.speech.whisper_custom.display_forms import DisplayFormRewriter, split_everyday
from tunefork.speech.whisper_custom.finetune import LEARNING_RATE
from tunefork.speech.whisper_custom.model import (
    CustomWhisperModel,
    DecodingStages,
    base_model_location,
    token_counter,
)
from tunefork.speech.whisper_custom.phonetic import PhoneticCorrector
from tunefork.speech.whisper_custom.ranking import (
    RANKING_VOICE,
    context_sentences,
    term_misses,
    term_report,
    transcribe_in_context,
)
from tunefork.speech.whisper_custom.terms import MinedTerms, mine_terms
from tunefork.speech.whisper_custom.trie import DEFAULT_TERM_BEAM_SIZE, DEFAULT_TERM_BONUS
from tunefork.speech.whisper_engine import WhisperEngine, resolve_model_dir

FORMAT_VERSION = 1
DEFAULT_EPOCHS = 5
DEFAULT_TIME_BUDGET_S = 540.0
DEFAULT_SYNTHESIS_BUDGET_S = 90.0
DEFAULT_RUN_BUDGET_S = 480.0
"""The trainer's share of a default 10-minute run; the general-speech guard check after it takes up to 120 s."""
SMALL_DATA_CLIPS = 200
"""With fewer recorded clips than this (none included), related text is synthesized by default (``synthesize_text``)."""
SYNTHESIS_ENV = "TUNEFORK_WHISPER_SYNTHESIS"
"""Environment variable: ``off`` makes ``synthesize_text`` auto mean off (``auto``, the default: see above)."""
MODEL_DIR = "ct2"
DISPLAY_FORMS_FILE = "display_forms.json"
TERMS_FILE = "terms.json"
WORK_DIR = ".work"


@dataclass
class WhisperOptions:
    """Parsed and checked ``TrainingParameters.options`` (see the module docstring)."""

    hotwords: bool = True
    max_hotword_tokens: int | None = None
    rank_by_base: bool = True
    ranking_budget_s: float = 60.0
    term_report_budget_s: float = 60.0
    phonetic_correction: bool | None = None
    rewrite_everyday_phrases: bool = False
    two_pass: bool = True
    merge_check_sound: bool | None = None
    term_rescoring: bool = False
    term_bonus: float = DEFAULT_TERM_BONUS
    term_beam_size: int = DEFAULT_TERM_BEAM_SIZE
    second_pass_confidence: float | None = None
    synthesize_text: bool | None = None
    synthesis_voices: tuple[str, ...] = DEFAULT_SYNTHESIS_VOICES
    synthesis_term_clips: int = TERM_CLIPS
    synthesis_max_sentences: int = 150
    synthesis_budget_s: float | None = DEFAULT_SYNTHESIS_BUDGET_S
    synthesis_cache_dir: str | None = None
    augment: bool = True
    prompt_fraction: float = 0.3
    batch_size: int = 8
    learning_rate: float = LEARNING_RATE
    held_out: int | None = None
    time_budget_s: float | None = DEFAULT_TIME_BUDGET_S
    run_budget_s: float | None = DEFAULT_RUN_BUDGET_S
    quantization: str = "int8"
    mixed_precision: str = "auto"
    threads: int | None = None

    @classmethod
    def parse(cls, options: dict[str, Any]) -> WhisperOptions:
        """Options from a plain dict; unknown keys or wrong types raise :class:`TuneforkError`."""
        unknown = sorted(set(options) - set(_OPTION_TYPES))
        if unknown:
            raise TuneforkError(f"unknown whisper training option(s) {unknown}; known: {sorted(_OPTION_TYPES)}")
        parsed = cls()
        for key, value in options.items():
            try:
                setattr(parsed, key, None if value is None and key in _NULLABLE else _OPTION_TYPES[key](value))
            except (TypeError, ValueError) as exc:
                raise TuneforkError(f"whisper training option {key}={value!r} is not valid: {exc}") from exc
        if "run_budget_s" in options and "time_budget_s" not in options:  # --time-budget: the run's alone bounds
            parsed.time_budget_s = None  # fine-tuning (540 s of its own capped a longer run's)
        if parsed.batch_size < 1 or not 0.0 <= parsed.prompt_fraction <= 1.0:
            raise TuneforkError("batch_size must be at least 1 and prompt_fraction between 0 and 1")
        if not parsed.synthesis_voices:
            raise TuneforkError("synthesis_voices must name at least one espeak-ng voice")
        return parsed


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


def _as_auto_bool(value: Any) -> bool | None:
    return None if str(value).strip().lower() == "auto" else _as_bool(value)


def _as_voices(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(str(v).strip() for v in items if str(v).strip())


_OPTION_TYPES: dict[str, Any] = {
    "hotwords": _as_bool,
    "max_hotword_tokens": int,
    "rank_by_base": _as_bool,
    "ranking_budget_s": float,
    "term_report_budget_s": float,
    "phonetic_correction": _as_auto_bool,
    "rewrite_everyday_phrases": _as_bool,
    "two_pass": _as_bool,
    "merge_check_sound": _as_auto_bool,
    "term_rescoring": _as_bool,
    "term_bonus": float,
    "term_beam_size": int,
    "second_pass_confidence": float,
    "synthesize_text": _as_bool,
    "synthesis_voices": _as_voices,
    "synthesis_term_clips": int,
    "synthesis_max_sentences": int,
    "synthesis_budget_s": float,
    "synthesis_cache_dir": str,
    "augment": _as_bool,
    "prompt_fraction": float,
    "batch_size": int,
    "learning_rate": float,
    "held_out": int,
    "time_budget_s": float,
    "run_budget_s": float,
    "quantization": str,
    "mixed_precision": str,
    "threads": int,
}
_NULLABLE = {
    "merge_check_sound",
    "phonetic_correction",
    "second_pass_confidence",
    "synthesize_text",
    "synthesis_budget_s",
    "max_hotword_tokens",
    "synthesis_cache_dir",
    "held_out",
    "time_budget_s",
    "run_budget_s",
    "threads",
}


class _Progress:
    """Maps the phases of training onto one ``progress(done, total, description)`` counter."""

    def __init__(self, callback: ProgressCallback, total: int) -> None:
        self.callback = callback
        self.total = max(total, 1)
        self.done = 0

    def advance(self, description: str, to: int | None = None) -> None:
        self.done = min(self.total, self.done + 1 if to is None else to)
        self.callback(self.done, self.total, description)


def _load_clips(pairs: list[tuple[Path, str]], source: str) -> tuple[list[Any], list[str]]:
    """Read ``(wav, transcript)`` pairs as fine-tuning clips; unusable ones become reasons."""
    from tunefork.speech.whisper_custom.finetune import MAX_CLIP_SECONDS, Clip

    clips, rejected = [], []
    for path, text in pairs:
        name = Path(path).name
        if not text or not text.strip():
            rejected.append(f"{name}: empty transcript")
            continue
        try:
            samples = read_audio(Path(path)).samples
        except (TuneforkError, OSError) as exc:
            rejected.append(f"{name}: {exc}")
            continue
        if len(samples) / 16_000 > MAX_CLIP_SECONDS:
            rejected.append(f"{name}: longer than {MAX_CLIP_SECONDS:.0f} s (Whisper's window; split it in sentences)")
            continue
        if not len(samples) or float(np.abs(samples).max()) < SILENT_PEAK:  # it taught a review's model to write
            rejected.append(f"{name}: silent (no speech to learn its transcript from)")  # that text on any silence
            continue
        clips.append(Clip(samples=samples, text=text.strip(), source=source))
    return clips, rejected


def left_out_warning(rejected: list[str], total: int) -> str | None:
    """The recorded clips fine-tuning left out (:func:`~tunefork.speech.customization.clips_left_out`)."""
    said = clips_left_out(rejected, total, "were not fine-tuned on")
    return said and f"{said} (the first 20 on the card, contributions.utterances.rejected)."


def merge_checks_sound(option: bool | None, fine_tuned: bool) -> bool:
    """``merge_check_sound`` while fine-tuning: ``option`` when given; auto (None): with the base's weights only.

    Held-out checkpoints are scored with the merge that brings most terms; a fine-tuned model's served setting is
    then chosen on its held-out clips (:func:`_choose_decoding`). A model fine-tuned for a few dozen steps has heard
    the terms but often writes them as words that do not sound like them: the check kept those words on 24 of 237
    pharmacy term occurrences (``bench/RESULTS.md``, issue 17). The base model's prompt pulls general speech toward
    the terms, so it keeps the check.
    """
    return option if option is not None else not fine_tuned


def _heldout_evaluator(
    name: str,
    hotwords: str,
    rewriter: DisplayFormRewriter,
    base_dir: str,
    options: WhisperOptions,
    beam_size: int = 5,
) -> HeldoutRecorder:
    """The fine-tuner's ``evaluate(ct2_dir, clips)``, yielding each clip's ``(word errors, reference words)`` with the
    model served as :func:`load` will before the decoding is chosen (any weights but ``base_dir``'s are fine-tuned:
    :func:`merge_checks_sound`; no phonetic correction); the model is loaded at the first clip asked for, each clip
    decoded only when asked for, and its passes kept for :func:`.decoding_choice.choose_setting`."""

    def make_model(model_dir: str) -> CustomWhisperModel:
        return CustomWhisperModel(
            name,
            model_dir,
            hotwords=hotwords,
            rewriter=rewriter,
            beam_size=beam_size,
            two_pass=options.two_pass,
            merge_check_sound=merge_checks_sound(options.merge_check_sound, Path(model_dir) != Path(base_dir)),
        )

    return HeldoutRecorder(make_model)


def _choose_decoding(
    output_dir: Path,
    engine_config: dict[str, Any],
    options: WhisperOptions,
    heldout: list[tuple[DecodingStages, str]],
    heldout_wer: float | None,
) -> dict[str, Any]:
    """Set the fine-tuned model's merge check and phonetic correction in ``engine_config`` (those the options leave
    auto) by its held-out clips (:mod:`.decoding_choice`); return what was measured and chosen."""
    allowed = [
        setting
        for setting in SETTINGS
        if options.merge_check_sound in (None, setting.merge_check_sound)
        and options.phonetic_correction in (None, setting.phonetic_correction)
    ]
    if heldout and heldout_wer is not None:
        model = load(output_dir, {"name": "held-out", "engine_config": engine_config})
        setting, summary = choose_setting(model, heldout, model.corrector, allowed, heldout_wer)
    else:
        setting = next((s for s in allowed if s == UNMEASURED), allowed[-1])
        summary = {"chosen": setting.to_dict(), "heldout_clips": 0, "rule": "no held-out clips: " + UNMEASURED_RULE}
    engine_config["merge_check_sound"] = setting.merge_check_sound
    engine_config["phonetic_terms"] = TERMS_FILE if setting.phonetic_correction else None
    return summary


def _synthesis_sentences(sentences: list[str], limit: int, seed: int) -> list[str]:
    unique = list(dict.fromkeys(s.strip() for s in sentences if s.strip()))
    if len(unique) <= limit:
        return unique
    picked = np.random.default_rng(seed).choice(len(unique), size=limit, replace=False)
    return [unique[i] for i in sorted(picked)]


def train(
    base_model: str,
    data: TrainingData,
    parameters: TrainingParameters,
    output_dir: Path,
    progress: ProgressCallback,
) -> TrainedComponents:
    """Customize Whisper ``base_model`` with ``data`` into ``output_dir`` (see the module docstring)."""
    started = time.monotonic()
    options = WhisperOptions.parse(dict(parameters.options))
    if not data.kinds():
        raise TuneforkError("no usable training data: give related text, a pronunciation file or audio")
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    base_dir = resolve_model_dir(base_model_location(base_model), base_model)
    count_tokens = token_counter(base_dir)

    rewritten, everyday = (
        (list(data.pronunciations), []) if options.rewrite_everyday_phrases else split_everyday(data.pronunciations)
    )
    rewriter = DisplayFormRewriter(rewritten)
    # Each distinct sentence counts once, whether it came as related text, a transcript or both.
    sentences = list(dict.fromkeys(s.strip() for s in [*data.related_text, *(t for _, t in data.utterances)]))
    mined = mine_terms([s for s in sentences if s], baseline_vocabulary(base_model), count_tokens)
    displays = list(dict.fromkeys(display.strip() for display, _ in data.pronunciations if display.strip()))
    _write_json(output_dir / DISPLAY_FORMS_FILE, [[r.display, " ".join(r.spoken)] for r in rewriter.rewrites])
    _write_json(
        output_dir / TERMS_FILE,
        {"words": [t.to_dict() for t in mined.words], "phrases": [t.to_dict() for t in mined.phrases]},
    )

    synth_sentences = (
        _synthesis_sentences(data.related_text, options.synthesis_max_sentences, parameters.seed)
        if _synthesis_on(options, data) and data.related_text
        else []
    )
    epochs = parameters.epochs if parameters.epochs is not None else DEFAULT_EPOCHS
    if epochs < 0:
        raise TuneforkError(f"epochs must be 0 or more, not {epochs}")
    fine_tuning = epochs > 0 and bool(data.utterances or synth_sentences)
    cap = options.max_hotword_tokens
    if cap is None:
        cap = FINETUNED_MAX_TOKENS if fine_tuning else DEFAULT_MAX_TOKENS
    if not options.hotwords:
        cap = 0
    report_terms = [*(term.text for term in mined.words), *displays]
    ranking = (
        _rank_terms(base_dir, base_model, report_terms, sentences, options, output_dir)
        if (cap > 0 and options.rank_by_base) or options.term_report_budget_s > 0
        else {}
    )
    ranking_misses = ranking.get("misses") if cap > 0 and options.rank_by_base else None
    ranking["used_for_ranking"] = ranking_misses is not None
    required, ranked = rank_items(mined, displays, ranking_misses)
    hotwords = build_hotwords(ranked, count_tokens, cap, required=required)
    voices = options.synthesis_voices
    extra = term_extra_voices(synth_sentences, report_terms, len(voices), term_clips=options.synthesis_term_clips)
    plan = synthesis_plan(synth_sentences, voices, seed=parameters.seed, extra=extra)
    n_synth = len(plan)
    steps = epochs * -(-(len(data.utterances) + n_synth) // options.batch_size)
    tracker = _Progress(progress, 2 + n_synth + steps)
    tracker.advance(f"mined {len(mined.words)} terms, {len(mined.phrases)} phrases; {len(rewriter)} display forms")

    synthesis = _synthesize(plan, options, output_dir, tracker)
    synthesized = synthesis.pairs
    finetune_summary, model_dir, heldout = None, None, []
    clips, rejected = _load_clips(list(data.utterances), "audio")
    left_out = left_out_warning(rejected, len(data.utterances)) if epochs > 0 else None  # fine-tuning reads clips
    synth_clips, synth_rejected = _load_clips(synthesized, "synthesized")
    rejected += synth_rejected
    if data.utterances and not clips:
        raise TuneforkError(f"none of the {len(data.utterances)} audio clips is usable: {'; '.join(rejected[:3])}")
    all_clips = clips + synth_clips
    if all_clips and epochs > 0:
        budget = finetune_budget(options, time.monotonic() - started, term_report_reserve(options, ranking))
        finetune_summary, model_dir, heldout = _finetune(
            base_dir, all_clips, epochs, options, budget, parameters.seed, output_dir, hotwords, rewriter, tracker
        )
    engine_config = {
        "format": FORMAT_VERSION,
        "base_model": base_model,
        "model_dir": model_dir,
        "hotwords": hotwords.text,
        "display_forms": DISPLAY_FORMS_FILE,
        "phonetic_terms": TERMS_FILE if options.phonetic_correction is not False else None,
        "two_pass": options.two_pass,
        "merge_check_sound": merge_checks_sound(options.merge_check_sound, fine_tuned=model_dir is not None),
        "term_rescoring": options.term_rescoring,
        "term_bonus": options.term_bonus,
        "term_beam_size": options.term_beam_size,
        "second_pass_confidence": options.second_pass_confidence,
        "compute_type": "int8",
        "beam_size": 5,
    }
    if model_dir is not None:
        chosen = next(r for r in finetune_summary["history"] if r["epoch"] == finetune_summary["chosen_epoch"])
        decoding = _choose_decoding(output_dir, engine_config, options, heldout, chosen["heldout_wer"])
        finetune_summary["decoding"] = decoding
    tracker.advance("custom Whisper model written; transcribing the terms in context with it")
    report_budget = options.term_report_budget_s
    if options.run_budget_s:  # what the run has left, at least what fine-tuning kept back for the report
        left = options.run_budget_s - (time.monotonic() - started)
        report_budget = min(report_budget, max(term_report_reserve(options, ranking), left))
    report = _term_report(output_dir, engine_config, report_terms, ranking, options, report_budget)
    shutil.rmtree(output_dir / WORK_DIR, ignore_errors=True)
    tracker.advance("custom Whisper model written", to=tracker.total)
    contributions = _contributions(
        data,
        mined,
        hotwords,
        cap,
        rewriter,
        displays,
        ranking,
        clips,
        rejected,
        synthesis,
        options,
        finetune_summary,
        started,
    )
    contributions["term_report"] = report
    contributions["pronunciations"]["everyday_not_rewritten"] = [{"display": d, "spoken": s} for d, s in everyday]
    warnings = [everyday_phrases_warning(everyday)] if everyday else []
    warnings += [left_out] if left_out else []
    if warning := short_fine_tuning_warning(finetune_summary, options.batch_size):
        warnings.append(warning)
    return TrainedComponents(engine_config=engine_config, contributions=contributions, warnings=warnings)


def everyday_phrases_warning(everyday: list[tuple[str, str]]) -> str:
    """A warning naming the pronunciation entries not rewritten everywhere: their spoken form is everyday English."""
    named = ", ".join(f"{display} = '{spoken}'" for display, spoken in everyday[:5])
    more = f" and {len(everyday) - 5} more" if len(everyday) > 5 else ""
    entries = "entry has" if len(everyday) == 1 else "entries have"
    return (
        f"{len(everyday)} pronunciation {entries} an everyday phrase as spoken form ({named}{more}): written over "
        "every such phrase the model hears, they would change ordinary speech, so they are not rewritten: the model "
        "writes them from its hotwords and the related text it learned, where the words around call for them. "
        "Train with --rewrite-everyday-phrases (REST rewriteEverydayPhrases) to rewrite them wherever they are heard."
    )


def short_fine_tuning_warning(finetune: dict[str, Any] | None, batch_size: int) -> str | None:
    """A warning when the time budget stopped fine-tuning before one pass over its clips: such a model is mostly
    the base's weights with the decode-time helpers (a reviewer's whisper-base run got 1 step on a shared machine)."""
    if not finetune or not finetune.get("stopped_by_time_budget"):
        return None
    per_epoch = -(-finetune["train_clips"] // batch_size)
    if finetune["steps"] >= per_epoch:
        return None
    return (
        f"fine-tuning was stopped by its time budget after {finetune['steps']} of the {per_epoch} steps of one pass "
        f"over its {finetune['train_clips']} clips: the model is mostly its base's weights with decode-time term "
        "helpers, which write terms over ordinary words more often. Train on a quieter machine, or give it more time "
        "(model train --time-budget SECONDS; REST timeBudget)."
    )


def _rank_terms(
    base_dir: str, base_model: str, terms: list[str], sentences: list[str], options: WhisperOptions, output_dir: Path
) -> dict[str, Any]:
    """How often the base model misses each term in context, timed, with the transcripts it came from.

    ``terms`` are the mined terms, then the display forms (scored for the per-term report when the budget
    leaves time); ranking uses the mined terms' shares (:func:`.biasing.rank_items`).
    """
    if options.ranking_budget_s <= 0 or not terms:
        return {}
    from tunefork.speech.synthesis import require_tools

    started = time.monotonic()
    try:
        require_tools()
    except TuneforkError as exc:
        return {"skipped": str(exc)}
    engine = WhisperEngine(base_dir, name=base_model)
    transcripts = transcribe_in_context(
        context_sentences(terms, sentences), engine, _synthesis_cache(options, output_dir), options.ranking_budget_s
    )
    misses = term_misses(terms, transcripts)
    return {"misses": misses, "transcripts": transcripts, "seconds": round(time.monotonic() - started, 1)}


def _term_report(
    output_dir: Path,
    engine_config: dict[str, Any],
    terms: list[str],
    ranking: dict[str, Any],
    options: WhisperOptions,
    budget_s: float,
) -> dict[str, Any]:
    """Which terms training improved: the ranking's sentences (same cached audio) transcribed by the served model
    within ``budget_s``.

    The sentences are related text, i.e. training material: the report says what the model learned, not
    how it does on unseen speech (that is the test set's job).
    """
    base_transcripts: dict[str, str] = ranking.get("transcripts", {})
    if options.term_report_budget_s <= 0:
        return {"skipped": "term_report_budget_s is 0"}
    if not base_transcripts:
        return {"skipped": ranking.get("skipped", "no term occurs in the related text, or the ranking did not run")}
    started = time.monotonic()
    served = load(output_dir, {"name": "custom", "engine_config": engine_config})
    custom = transcribe_in_context(list(base_transcripts), served, _synthesis_cache(options, output_dir), budget_s)
    both = {sentence: base_transcripts[sentence] for sentence in custom}
    report = term_report(term_misses(terms, both), term_misses(terms, custom))
    return {
        "sentences": len(custom),
        "sentences_planned": len(base_transcripts),
        "voice": RANKING_VOICE.label,
        "source": "related-text sentences (training material), spoken by espeak-ng",
        "seconds": round(time.monotonic() - started, 1),
        "budget_s": round(budget_s, 1),
        "stopped_by_budget": len(custom) < len(base_transcripts),
        **report,
    }


def _synthesis_cache(options: WhisperOptions, output_dir: Path) -> Path:
    return Path(options.synthesis_cache_dir) if options.synthesis_cache_dir else output_dir / WORK_DIR / "synth"


def _synthesis_on(options: WhisperOptions, data: TrainingData) -> bool:
    """``synthesize_text`` as given, else auto: related text and under :data:`SMALL_DATA_CLIPS` recorded clips."""
    if options.synthesize_text is not None:
        return options.synthesize_text
    setting = os.environ.get(SYNTHESIS_ENV, "auto").strip().lower() or "auto"
    if setting not in {"auto", "off"}:
        raise TuneforkError(f"{SYNTHESIS_ENV}={setting!r}: give auto or off")
    return setting == "auto" and bool(data.related_text) and len(data.utterances) < SMALL_DATA_CLIPS


def _synthesize(
    plan: list[tuple[str, Voice]], options: WhisperOptions, output_dir: Path, tracker: _Progress
) -> Synthesized:
    base = tracker.done
    return synthesize_sentences(
        plan,
        _synthesis_cache(options, output_dir),
        options.synthesis_budget_s,
        lambda done, total: tracker.advance(f"synthesizing related text {done}/{total}", to=base + done),
    )


def term_report_reserve(options: WhisperOptions, ranking: dict[str, Any]) -> float:
    """Seconds fine-tuning keeps back for the term report: twice what the ranking took (the report transcribes the
    ranking's sentences again, from cached audio, with a model that may decode each twice), at most
    ``term_report_budget_s``; 0 when no report will run (no ranking transcripts).

    Measured (``bench/RESULTS.md``, issue 17): ranking 20 s, report 18.9 s on pharmacy, where keeping back the whole
    60 s budget left 41 s of the run unused. The report then gets what the run has left, at least this.
    """
    if options.term_report_budget_s <= 0 or not ranking.get("transcripts"):
        return 0.0
    return min(options.term_report_budget_s, 2.0 * float(ranking.get("seconds", options.term_report_budget_s)))


def finetune_budget(options: WhisperOptions, elapsed_s: float, report_reserve_s: float) -> float | None:
    """Seconds fine-tuning may take: ``time_budget_s``, cut to what ``run_budget_s`` leaves after ``elapsed_s``.

    ``report_reserve_s`` is kept back for the term report after fine-tuning (:func:`term_report_reserve`). At least
    30 s are always given, so a slow start still trains a little (the untrained base competes as epoch 0 and wins
    if that is too little).
    """
    limits = [options.time_budget_s] if options.time_budget_s else []
    if options.run_budget_s:
        limits.append(max(30.0, options.run_budget_s - elapsed_s - report_reserve_s))
    return min(limits) if limits else None


def _finetune(
    base_dir: str,
    clips: list[Any],
    epochs: int,
    options: WhisperOptions,
    time_budget_s: float | None,
    seed: int,
    output_dir: Path,
    hotwords: Hotwords,
    rewriter: DisplayFormRewriter,
    tracker: _Progress,
) -> tuple[dict[str, Any], str | None, list[tuple[DecodingStages, str]]]:
    """Fine-tune, keep the best checkpoint as :data:`MODEL_DIR`; return the summary, that folder (None when the base
    won) and the chosen checkpoint's held-out passes with their references."""
    from tunefork.speech.whisper_custom.finetune import FinetuneConfig, Finetuner

    config = FinetuneConfig(
        epochs=epochs,
        batch_size=options.batch_size,
        learning_rate=options.learning_rate,
        held_out=options.held_out,
        time_budget_s=time_budget_s,
        prompt_fraction=options.prompt_fraction,
        augment=AugmentConfig() if options.augment else AugmentConfig.off(),
        seed=seed,
        quantization=options.quantization,
        mixed_precision=options.mixed_precision,
        threads=options.threads,
    )
    base = tracker.done
    recorder = _heldout_evaluator("held-out", hotwords.text, rewriter, base_dir, options)
    finetuner = Finetuner(
        base_dir,
        clips,
        config,
        output_dir / WORK_DIR,
        recorder,
        hotwords=hotwords.text,
        progress=lambda done, total, description: tracker.advance(description, to=base + done),
    )
    result = finetuner.run()
    model_dir, heldout = None, []
    if result.model_dir is not None:
        heldout = recorder.decoded.get(str(result.model_dir), [])
        shutil.move(str(result.model_dir), str(output_dir / MODEL_DIR))
        model_dir = MODEL_DIR
    summary = result.to_dict()
    summary["model_dir"] = model_dir
    summary["epochs_requested"] = epochs
    summary["augmentation"] = options.augment
    summary["prompt_fraction"] = options.prompt_fraction
    summary["learning_rate"] = options.learning_rate
    summary["batch_size"] = options.batch_size
    summary["time_budget_s"] = None if time_budget_s is None else round(time_budget_s, 1)
    return summary, model_dir, heldout


def _contributions(
    data: TrainingData,
    mined: MinedTerms,
    hotwords: Hotwords,
    cap: int,
    rewriter: DisplayFormRewriter,
    displays: list[str],
    ranking: dict[str, Any],
    clips: list[Any],
    rejected: list[str],
    synthesis: Synthesized,
    options: WhisperOptions,
    finetune: dict[str, Any] | None,
    started: float,
) -> dict[str, Any]:
    in_hotwords = {item.lower() for item in hotwords.items}
    return {
        "related_text": {
            "sentences": len(data.related_text),
            "terms_mined": len(mined.words),
            "phrases_mined": len(mined.phrases),
            "terms": [t.text for t in mined.words[:50]],
            "phrases": [t.text for t in mined.phrases[:20]],
            "synthesized_clips": len(synthesis.pairs),
            "synthesis_seconds": round(synthesis.seconds, 1),
            "synthesis_planned_clips": synthesis.planned,
            "synthesis_term_clips": options.synthesis_term_clips,
            "synthesis_budget_s": options.synthesis_budget_s,
            "synthesis_stopped_by_budget": synthesis.stopped_by_budget,
            "synthesis_voices": list(options.synthesis_voices),
        },
        "pronunciations": {
            "entries": len(data.pronunciations),
            "rewrites": len(rewriter),
            "display_forms_in_hotwords": sum(1 for d in displays if d.lower() in in_hotwords),
        },
        "hotwords": {**hotwords.to_dict(), "max_tokens": cap, "ranking": _ranking_summary(ranking)},
        "utterances": {
            "clips": len(data.utterances),
            "usable": len(clips),
            "rejected": rejected[:20],
            "fine_tune": finetune,
        },
        "training_seconds": round(time.monotonic() - started, 1),
        "budget": _budget(options, ranking, synthesis, finetune),
    }


def _budget(
    options: WhisperOptions, ranking: dict[str, Any], synthesis: Synthesized, finetune: dict[str, Any] | None
) -> dict[str, Any]:
    """The time budgets this run was given and what each phase took: the card's statement of the run's bound."""
    phases = {
        "ranking": (ranking.get("seconds", 0.0), options.ranking_budget_s),
        "synthesis": (synthesis.seconds, options.synthesis_budget_s),
        "fine-tuning": (finetune["seconds"], finetune["time_budget_s"]) if finetune else (0.0, None),
    }
    parts = [
        f"{name} {used:.0f} s" + (f" (budget {limit:.0f} s)" if limit else "") for name, (used, limit) in phases.items()
    ]
    if finetune and finetune.get("stopped_by_time_budget"):  # "epoch 1/5" was all the progress ever said
        asked = f" of the {finetune['epochs_requested']} epochs asked" if finetune.get("epochs_requested") else ""
        steps = finetune["steps"]
        parts[-1] += f", stopped by it after {steps} step{'s' if steps != 1 else ''}{asked}"
    return {
        "run_budget_s": options.run_budget_s,
        "ranking_budget_s": options.ranking_budget_s,
        "synthesis_budget_s": options.synthesis_budget_s,
        "fine_tuning_budget_s": phases["fine-tuning"][1],
        "term_report_budget_s": options.term_report_budget_s,
        "term_report_reserve_s": round(term_report_reserve(options, ranking), 1),
        "summary": f"Time budget: {', '.join(parts)}, term report up to {options.term_report_budget_s:.0f} s"
        + (f"; the trainer's run budget is {options.run_budget_s:.0f} s." if options.run_budget_s else "."),
    }


def _ranking_summary(ranking: dict[str, Any]) -> dict[str, Any]:
    misses: dict[str, float] = ranking.get("misses", {})
    return {
        "terms_tried": len(misses),
        "missed_by_base": sorted(term for term, miss in misses.items() if miss > 0),
        "heard_by_base": sorted(term for term, miss in misses.items() if miss == 0),
        "seconds": ranking.get("seconds", 0.0),
        "used_for_ranking": ranking.get("used_for_ranking", False),
        **({"skipped": ranking["skipped"]} if "skipped" in ranking else {}),
    }


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _read_json(artifact_dir: Path, name: str) -> Any:
    try:
        return json.loads((artifact_dir / name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TuneforkError(f"{artifact_dir}: cannot read {name}: {exc}") from exc


def load(artifact_dir: Path, card: dict[str, Any]) -> SpeechModel:
    """The served model of a custom Whisper artifact: weights, hotwords and display forms.

    ``card`` is the ``model.json`` card; its ``engine_config`` (or the card itself when it has no
    such key) is what :func:`train` returned; ``card["name"]`` names the model.
    """
    artifact_dir = Path(artifact_dir)
    config = card.get("engine_config", card)
    if config.get("format") != FORMAT_VERSION:
        raise TuneforkError(f"{artifact_dir}: unsupported whisper engine_config format {config.get('format')!r}")
    if config.get("model_dir"):
        model_path = artifact_dir / config["model_dir"]
        if not (model_path / "model.bin").is_file():
            raise TuneforkError(f"{artifact_dir}: the fine-tuned model {config['model_dir']}/model.bin is missing")
        location = str(model_path)
    else:
        location = base_model_location(config["base_model"])
    pairs: list[tuple[str, str]] = []
    if config.get("display_forms"):
        pairs = [(display, spoken) for display, spoken in _read_json(artifact_dir, config["display_forms"])]
    corrector = None
    if config.get("phonetic_terms"):
        mined = _read_json(artifact_dir, config["phonetic_terms"])
        terms = [term["text"] for term in [*mined["words"], *mined["phrases"]]]
        corrector = PhoneticCorrector(terms, pairs)
    return CustomWhisperModel(
        name=card.get("name") or artifact_dir.name,
        model_path_or_id=location,
        hotwords=config.get("hotwords") or None,
        rewriter=DisplayFormRewriter(pairs),
        corrector=corrector,
        compute_type=config.get("compute_type", "int8"),
        beam_size=int(config.get("beam_size", 5)),
        two_pass=bool(config.get("two_pass", True)),
        merge_check_sound=bool(config.get("merge_check_sound", True)),
        term_rescoring=bool(config.get("term_rescoring", False)),
        term_bonus=float(config.get("term_bonus", DEFAULT_TERM_BONUS)),
        second_pass_confidence=config.get("second_pass_confidence"),
        term_beam_size=int(config.get("term_beam_size", DEFAULT_TERM_BEAM_SIZE)),
    )
