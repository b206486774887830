"""Encode a short utterance in a window its own size, not Whisper's full 30 s.

faster-whisper pads every window's mel features with zeros to 3000 frames (30 s), and Whisper's encoder costs
about the square of the frames it sees: a 3.6 s request spent 0.3 of its 0.5 CPU s encoding 26 s of padding.
CTranslate2 accepts fewer frames (its shape check was relaxed in 2023, OpenNMT/CTranslate2 pull request 1446;
the 4.x that faster-whisper 1.x needs has it), so :class:`ShortWindow` cuts the padding off a window to the
audio it holds plus :data:`MARGIN_FRAMES`, at least :data:`MIN_WINDOW_FRAMES`, rounded up to whole seconds (so
the windows of concurrent short requests have one shape and are batched together). A window full of audio
(long recordings) is encoded as before; only the padding of the last one is cut.

Measured with Whisper tiny.en on the first 120 guard sentences (four espeak-ng voices) and the 40 held-out
pharmacy sentences (Scottish voice), decoded as :class:`~tunefork.speech.whisper_engine.WhisperEngine` does
(``bench/whisper_decoding.py``, tables in ``bench/RESULTS.md``): general WER 19.5% -> 17.1-17.4% and domain WER
71.9% -> 62.7-69.6% (the domain clips often fall back to sampled decoding, so that figure moves between runs;
both differences significant in a paired bootstrap in one run), with 2.5 times less CPU per clip (0.60 -> 0.24 s).
A 15 s floor scored 17.7% / 64.9%, a 6 s floor 17.2% / 66.0% with more transcripts changed. Shorter windows are a
known accuracy risk (Whisper was trained on 30 s ones), so the 10 s floor keeps the encoder near what it saw.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

FULL_WINDOW_FRAMES = 3000
"""Mel frames of Whisper's 30 s window (100 a second)."""
MIN_WINDOW_FRAMES = 1000
"""Fewest frames a window is cut to (10 s)."""
MARGIN_FRAMES = 200
"""Frames of padding kept after the audio (2 s)."""
STEP_FRAMES = 100
"""Window sizes are whole seconds."""


def content_frames(features: np.ndarray) -> int:
    """Frames of ``features`` (``(..., mels, frames)``) before the zero padding faster-whisper appends.

    A frame of audio is never all zeros: log-mel features are normalized so that even digital silence is
    negative (about -1.5), so only padding frames are exactly 0 in every mel band.
    """
    frames = features.reshape(-1, features.shape[-1])
    sounding = np.flatnonzero(np.any(frames != 0, axis=0))
    return int(sounding[-1]) + 1 if len(sounding) else 0


def window_frames(content: int) -> int:
    """Frames of the window that encodes ``content`` frames of audio (at most the full 30 s)."""
    wanted = max(MIN_WINDOW_FRAMES, content + MARGIN_FRAMES)
    return min(FULL_WINDOW_FRAMES, -(-wanted // STEP_FRAMES) * STEP_FRAMES)


def cut_to_window(features: np.ndarray) -> np.ndarray:
    """``features`` (one window or a batch, padded to 30 s) cut to :func:`window_frames` of the longest audio."""
    frames = window_frames(content_frames(features))
    return np.ascontiguousarray(features[..., :frames]) if frames < features.shape[-1] else features


class ShortWindow:
    """``WhisperModel.encode`` that encodes a padded window cut to :func:`window_frames` of its audio."""

    def __init__(self, encode: Callable[[np.ndarray], Any]) -> None:
        self._encode = encode

    def __call__(self, features: np.ndarray) -> Any:
        """The encoder output of ``features`` (one window's mel spectrogram, padded to 30 s)."""
        return self._encode(cut_to_window(np.asarray(features)))
