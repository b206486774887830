"""Training audio: TTS synthesis of related text and on-the-fly noise/speed/gain augmentation.

Synthesis speaks related-text sentences with several espeak-ng voices (accents and voice variants),
each clip at a speed, pitch and room reverb drawn from :data:`SYNTHESIS_SPEEDS`, :data:`SYNTHESIS_PITCHES`
and :data:`SYNTHESIS_REVERBS` with a seeded generator (:func:`tunefork.speech.synthesis.synthesize_cached`:
clips are cached by text, voice and those settings, so a second training run reuses them), which turns
text-only material into (audio, transcript) pairs the fine-tuner can learn spellings from. A time budget
stops synthesis between clips.

Augmentation is applied to each training clip each epoch with a seeded generator, so every epoch sees
a different version: coloured noise (white, pink or brown) at a random signal-to-noise ratio, a
speed change (which also shifts pitch, like ``sox speed``) and a gain change. The base model's errors
on noisy clips were the largest left after fine-tuning on clean audio; noise the test set does not
use still teaches the encoder to ignore noise in general.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from tunefork.speech.synthesis import Voice, synthesize_cached

DEFAULT_SYNTHESIS_VOICES = (
    "en-us",
    "en-gb",
    "en-us+f3",
    "en-gb+m3",
    "en-gb-x-gbclan",
    "en-gb-x-gbcwmd+f2",
    "en-us-nyc",
    "en-us+m5",
)
"""espeak-ng voices used to speak related text: American, British, Lancashire, West Midlands and New York
accents, male and female variants. The demo's and the benchmark's test voices (``en-gb-scotland``, ``en-029``,
``en-gb-x-rp``) are not among them."""
VOICES_PER_SENTENCE = 3
"""Voices that speak each sentence (taken in turn from the list)."""
TERM_CLIPS = 9
"""Clips each term of the related text is spoken in, at least, as far as the voices allow: a sentence holding a
term that few sentences hold is spoken by more voices (:func:`term_extra_voices`). With three voices a sentence,
a term in one sentence was heard in 3 clips an epoch; on pharmacy those were the terms the fine-tuned model
missed most (bench/RESULTS.md, issue 17)."""
SYNTHESIS_SPEEDS = (140, 160, 180)
"""espeak-ng speeds (words per minute) a synthesized clip is spoken at."""
SYNTHESIS_PITCHES = (35, 50, 65)
"""espeak-ng pitches (0-99) a synthesized clip is spoken at."""
SYNTHESIS_REVERBS = (0, 0, 40)
"""sox reverberance (percent; 0: dry) a synthesized clip is spoken with."""
NOISE_COLOURS = ("white", "pink", "brown")


@dataclass(frozen=True)
class AugmentConfig:
    """How training clips are perturbed; probabilities are per clip per epoch."""

    noise_probability: float = 0.5
    snr_db: tuple[float, float] = (5.0, 25.0)
    speed_probability: float = 0.3
    speeds: tuple[float, ...] = (0.9, 0.95, 1.05, 1.1)
    gain_db: tuple[float, float] = (-6.0, 6.0)

    @classmethod
    def off(cls) -> AugmentConfig:
        """No augmentation at all."""
        return cls(noise_probability=0.0, speed_probability=0.0, gain_db=(0.0, 0.0))


def coloured_noise(length: int, colour: str, rng: np.random.Generator) -> np.ndarray:
    """Unit-power noise: ``white`` (flat), ``pink`` (1/f power) or ``brown`` (1/f^2 power)."""
    white = rng.standard_normal(length)
    if colour == "white" or length < 2:
        noise = white
    else:
        spectrum = np.fft.rfft(white)
        freqs = np.fft.rfftfreq(length)
        freqs[0] = freqs[1]
        exponent = 0.5 if colour == "pink" else 1.0
        noise = np.fft.irfft(spectrum / freqs**exponent, n=length)
    power = float(np.mean(noise**2)) or 1.0
    return (noise / np.sqrt(power)).astype(np.float32)


def add_noise(samples: np.ndarray, snr_db: float, colour: str, rng: np.random.Generator) -> np.ndarray:
    """``samples`` with ``colour`` noise mixed in at ``snr_db`` (relative to the clip's mean power)."""
    signal_power = float(np.mean(samples**2)) or 1e-10
    noise = coloured_noise(len(samples), colour, rng) * np.sqrt(signal_power / 10 ** (snr_db / 10))
    return np.clip(samples + noise, -1.0, 1.0).astype(np.float32)


def change_speed(samples: np.ndarray, factor: float) -> np.ndarray:
    """Play ``samples`` ``factor`` times faster (shorter and higher), by resampling."""
    numerator, denominator = round(1000 / factor), 1000
    divisor = gcd(numerator, denominator)
    return resample_poly(samples, numerator // divisor, denominator // divisor).astype(np.float32)


def augment(samples: np.ndarray, config: AugmentConfig, rng: np.random.Generator) -> np.ndarray:
    """One random perturbation of a clip (speed, then gain, then noise), as configured."""
    out = samples
    if config.speed_probability and rng.random() < config.speed_probability:
        out = change_speed(out, float(rng.choice(config.speeds)))
    low, high = config.gain_db
    if high > low:
        out = out * np.float32(10 ** (rng.uniform(low, high) / 20))
        peak = float(np.max(np.abs(out))) if len(out) else 0.0
        if peak > 0.99:
            out = out * np.float32(0.99 / peak)
    if config.noise_probability and rng.random() < config.noise_probability:
        out = add_noise(out, float(rng.uniform(*config.snr_db)), str(rng.choice(NOISE_COLOURS)), rng)
    return np.asarray(out, dtype=np.float32)


def term_extra_voices(
    sentences: Sequence[str],
    terms: Sequence[str],
    voices: int,
    per_sentence: int = VOICES_PER_SENTENCE,
    term_clips: int = TERM_CLIPS,
) -> list[int]:
    """Extra voices per sentence so that each of ``terms`` is spoken in about ``term_clips`` clips.

    A term held by ``n`` of the sentences wants ``ceil(term_clips / n)`` voices in each of them; a sentence
    gets what its rarest term wants beyond ``per_sentence``, at most ``voices - per_sentence`` (each voice
    speaks a sentence once). Terms match whole words, case-insensitively.
    """
    patterns = [re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE) for term in dict.fromkeys(terms)]
    holders = [[index for index, sentence in enumerate(sentences) if p.search(sentence)] for p in patterns]
    wanted = [0] * len(sentences)
    for held_by in holders:
        for index in held_by:
            wanted[index] = max(wanted[index], -(-term_clips // len(held_by)))
    room = max(0, voices - per_sentence)
    return [min(room, max(0, want - per_sentence)) for want in wanted]


def synthesis_plan(
    sentences: Sequence[str],
    voices: Sequence[str],
    per_sentence: int = VOICES_PER_SENTENCE,
    seed: int = 0,
    extra: Sequence[int] | None = None,
) -> list[tuple[str, Voice]]:
    """``(sentence, voice)`` pairs: each sentence in ``per_sentence`` voices (in turn); speed, pitch, reverb seeded.

    Then, for each sentence ``i``, ``extra[i]`` more clips in the voices that follow its own in the turn
    (:func:`term_extra_voices`), after every sentence's first clips, so a synthesis budget cuts extras first.
    """
    rng = np.random.default_rng(seed)
    count = min(per_sentence, len(voices))
    clips = [(index, per_sentence * index + offset) for index in range(len(sentences)) for offset in range(count)]
    clips += [(index, per_sentence * index + count + k) for index, more in enumerate(extra or []) for k in range(more)]
    plan = []
    for index, turn in clips:
        speed, pitch = int(rng.choice(SYNTHESIS_SPEEDS)), int(rng.choice(SYNTHESIS_PITCHES))
        voice = Voice(voices[turn % len(voices)], speed=speed, pitch=pitch, reverb=int(rng.choice(SYNTHESIS_REVERBS)))
        plan.append((sentences[index], voice))
    return plan


@dataclass
class Synthesized:
    """What :func:`synthesize_sentences` made: ``(wav, text)`` pairs and whether the budget stopped it."""

    pairs: list[tuple[Path, str]]
    planned: int
    seconds: float
    stopped_by_budget: bool


def synthesize_sentences(
    plan: Sequence[tuple[str, Voice]],
    cache_dir: Path,
    budget_s: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Synthesized:
    """Speak each planned ``(sentence, voice)`` into ``cache_dir`` (reused when already there).

    Before each clip the elapsed time is checked against ``budget_s`` (None: no limit); when it is
    spent, synthesis stops and only complete clips are returned (each clip is written under a
    temporary name and renamed into place). ``progress(done, total)`` is called after each clip.
    Raises :class:`~tunefork.errors.TuneforkError` when espeak-ng or sox is missing.
    """
    started = time.monotonic()
    cache_dir.mkdir(parents=True, exist_ok=True)
    pairs: list[tuple[Path, str]] = []
    for sentence, voice in plan:
        if budget_s is not None and time.monotonic() - started >= budget_s:
            return Synthesized(pairs, len(plan), time.monotonic() - started, stopped_by_budget=True)
        pairs.append((synthesize_cached(sentence, cache_dir, voice), sentence))
        if progress is not None:
            progress(len(pairs), len(plan))
    return Synthesized(pairs, len(plan), time.monotonic() - started, stopped_by_budget=False)
