"""What every speech engine shares: the transcript types and the model protocol.

A speech model takes canonical audio (16 kHz mono float32 samples, as :func:`tunefork.audio.read_audio`
returns them) and gives back a :class:`Transcript` with word timings and confidences. Adding an engine
means writing one class with a ``name`` and a ``transcribe`` method and one entry in
:mod:`tunefork.speech.registry`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

SAMPLE_RATE = 16_000
"""Rate of the samples every engine expects (the canonical rate of :mod:`tunefork.audio`)."""


@dataclass
class Word:
    """One recognized word: display text, start and end in seconds, confidence in [0, 1].

    ``replaced`` is set when a correction after recognition wrote this word: the words it replaced.
    """

    text: str
    start: float
    end: float
    confidence: float
    replaced: str | None = None


@dataclass
class Transcript:
    """What a model heard in one utterance: the text, its words with timings, the audio length."""

    text: str
    words: list[Word] = field(default_factory=list)
    duration: float = 0.0
    model: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form: ``{"text", "words": [{"text", "start", "end", "confidence"}], ...}``.

        A corrected word also has ``"replaced"`` (what it replaced).
        """
        data = asdict(self)
        for word in data["words"]:
            if word["replaced"] is None:
                del word["replaced"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        """Rebuild a transcript from :meth:`to_dict` output."""
        return cls(
            text=data["text"],
            words=[Word(**word) for word in data.get("words", [])],
            duration=float(data.get("duration", 0.0)),
            model=data.get("model", ""),
        )


@runtime_checkable
class SpeechModel(Protocol):
    """A loaded speech recognizer.

    ``transcribe`` takes 16 kHz mono float32 samples in [-1, 1] and must be safe to call again and
    again from one thread after another (engines serialize calls with a lock).
    """

    name: str

    def transcribe(self, samples: np.ndarray) -> Transcript:
        """Recognize one utterance."""
        ...


def duration_of(samples: np.ndarray) -> float:
    """Length in seconds of canonical 16 kHz samples."""
    return len(samples) / SAMPLE_RATE


def as_canonical_samples(samples: np.ndarray) -> np.ndarray:
    """Check and return ``samples`` as a contiguous 1-D float32 array (raise ``ValueError`` otherwise)."""
    array = np.ascontiguousarray(samples, dtype=np.float32)
    if array.ndim != 1:
        raise ValueError(f"expected 1-D mono samples at {SAMPLE_RATE} Hz, got an array of shape {array.shape}")
    return array


def tidy_words(words: Iterable[Word], duration: float) -> list[Word]:
    """Clamp word times into ``[0, duration]``, keep them in order and confidences in ``[0, 1]``.

    Decoders occasionally give a word ending before it starts or overlapping its predecessor's
    start by a frame; downstream code (alignments, subtitles) relies on ordered, in-range times.
    """
    tidy: list[Word] = []
    previous_start = 0.0
    for word in words:
        start = min(max(float(word.start), previous_start, 0.0), duration)
        end = min(max(float(word.end), start), duration)
        confidence = min(max(float(word.confidence), 0.0), 1.0)
        tidy.append(Word(word.text, round(start, 3), round(end, 3), round(confidence, 4), word.replaced))
        previous_start = start
    return tidy
