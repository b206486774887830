"""CMU PocketSphinx 5 speech recognition: small, fast, and adaptable (language model, lexicon, MAP).

The bundled base model is the US English acoustic model, 3-gram language model and CMU dictionary
that ship with the ``pocketsphinx`` wheel. A trained model swaps in its own ``hmm`` directory,
``lm`` and ``dict`` files (and may pass any other decoder option, such as ``mllr`` or ``lw``).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import numpy as np

from tunefork.errors import TuneforkError
from tunefork.speech.base import Transcript, Word, as_canonical_samples, duration_of, tidy_words

FRAMES_PER_SECOND = 100
"""PocketSphinx's default frame rate (``-frate 100``): word times are frame indices / 100."""

_VARIANT = re.compile(r"\(\d+\)$")


def bundled_model_dir() -> Path:
    """Folder holding the bundled ``en-us/`` acoustic model, ``en-us.lm.bin`` and ``cmudict-en-us.dict``."""
    import pocketsphinx

    return Path(pocketsphinx.get_model_path()) / "en-us"


def bundled_paths() -> dict[str, str]:
    """Paths of the bundled acoustic model (``hmm``), language model (``lm``) and dictionary (``dict``)."""
    root = bundled_model_dir()
    return {
        "hmm": str(root / "en-us"),
        "lm": str(root / "en-us.lm.bin"),
        "dict": str(root / "cmudict-en-us.dict"),
    }


def is_filler(word: str) -> bool:
    """True for sentence markers, silence and noise tokens (``<s>``, ``</s>``, ``<sil>``, ``[NOISE]``, ``++UH++``)."""
    return word.startswith(("<", "[", "+")) or word == ""


def strip_variant(word: str) -> str:
    """Drop a pronunciation-variant suffix: ``the(2)`` -> ``the``."""
    return _VARIANT.sub("", word)


def to_int16_bytes(samples: np.ndarray) -> bytes:
    """Float samples in [-1, 1] as little-endian 16-bit PCM bytes, as PocketSphinx wants them."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()


class SphinxEngine:
    """A PocketSphinx decoder (n-gram search over a full utterance, posterior word confidences).

    ``hmm``, ``lm`` and ``dict`` default to the bundled US English model. ``decoder_options`` are
    further PocketSphinx configuration parameters (``mllr``, ``lw``, ``beam``...). The decoder's own
    log is silenced. Calls are serialized with a lock: one decoder decodes one utterance at a time.
    """

    engine = "sphinx"

    def __init__(
        self,
        name: str,
        hmm: str | Path | None = None,
        lm: str | Path | None = None,
        dict: str | Path | None = None,  # PocketSphinx's own parameter name (shadows the builtin here)
        **decoder_options: Any,
    ) -> None:
        import pocketsphinx

        defaults = bundled_paths()
        self.name = name
        self.hmm = str(hmm or defaults["hmm"])
        self.lm = str(lm or defaults["lm"])
        self.dict = str(dict or defaults["dict"])
        for label, path in (("acoustic model", self.hmm), ("language model", self.lm), ("dictionary", self.dict)):
            if not Path(path).exists():
                raise TuneforkError(f"PocketSphinx {label} not found: {path}")
        pocketsphinx.set_loglevel("FATAL")
        config = {"hmm": self.hmm, "lm": self.lm, "dict": self.dict, "loglevel": "FATAL", **decoder_options}
        try:
            self._decoder = pocketsphinx.Decoder(**config)
        except (RuntimeError, ValueError) as exc:
            raise TuneforkError(f"could not load PocketSphinx model {name!r}: {exc}") from exc
        self._frame_rate = int(self._decoder.config["frate"] or FRAMES_PER_SECOND)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SphinxEngine(name={self.name!r}, hmm={self.hmm!r})"

    def transcribe(self, samples: np.ndarray) -> Transcript:
        """Recognize 16 kHz mono float32 samples as one utterance (batch cepstral mean normalization)."""
        audio = as_canonical_samples(samples)
        duration = duration_of(audio)
        if len(audio) == 0:
            return Transcript(text="", words=[], duration=0.0, model=self.name)
        pcm = to_int16_bytes(audio)
        with self._lock:
            decoder = self._decoder
            decoder.start_utt()
            try:
                decoder.process_raw(pcm, no_search=False, full_utt=True)
            finally:
                decoder.end_utt()
            # seg() is None when the decoder found no hypothesis at all (audio a few milliseconds long)
            segments = [(seg.word, seg.start_frame, seg.end_frame, seg.prob) for seg in decoder.seg() or ()]
        words = [
            # end_frame is inclusive; the Python binding gives ``prob`` as a linear posterior already
            Word(strip_variant(word), start / self._frame_rate, (end + 1) / self._frame_rate, prob)
            for word, start, end, prob in segments
            if not is_filler(word)
        ]
        words = tidy_words(words, duration)
        return Transcript(text=" ".join(w.text for w in words), words=words, duration=duration, model=self.name)
