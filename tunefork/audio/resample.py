"""Resample a stream of samples block by block, with the same result as resampling the whole signal.

:class:`StreamResampler` gives what :func:`scipy.signal.resample_poly` gives on the complete signal
(same filter, same output length, up to float rounding), while holding only one block and a little
context at a time, so memory follows the canonical output instead of the source.

How: with ``up/down`` in lowest terms, output sample ``n`` sits at input position ``n * down / up`` and
depends on inputs within ``half_len / up`` samples of it. A segment that starts at an input index that
is a multiple of ``down`` maps onto whole output samples, so each segment is resampled with
``context`` true neighbours on both sides (a multiple of ``down``) and only its own outputs are kept.
The signal's real edges see zeros, exactly as ``resample_poly`` pads them.
"""

from __future__ import annotations

import math

import numpy as np

BLOCK_SAMPLES = 1 << 16
"""Input samples resampled per step (rounded up to a multiple of ``down``)."""


class StreamResampler:
    """Feed mono float32 blocks at ``source_rate``; get blocks at ``target_rate`` back (see module docs)."""

    def __init__(self, source_rate: int, target_rate: int) -> None:
        from scipy.signal import firwin

        divisor = math.gcd(source_rate, target_rate)
        self.up, self.down = target_rate // divisor, source_rate // divisor
        max_rate = max(self.up, self.down)
        half_len = 10 * max_rate  # resample_poly's own filter design
        self._filter = firwin(2 * half_len + 1, 1.0 / max_rate, window=("kaiser", 5.0)).astype(np.float32)
        reach = math.ceil(half_len / self.up) + 1
        self.context = self._multiple_of_down(reach)
        self.segment = self._multiple_of_down(max(BLOCK_SAMPLES, self.context))
        self._history = np.zeros(0, dtype=np.float32)
        self._pending: list[np.ndarray] = []
        self._pending_samples = 0

    def _multiple_of_down(self, samples: int) -> int:
        return self.down * math.ceil(samples / self.down)

    def _resample(self, signal: np.ndarray) -> np.ndarray:
        from scipy.signal import resample_poly

        return resample_poly(signal, self.up, self.down, window=self._filter.copy()).astype(np.float32)

    def feed(self, block: np.ndarray) -> np.ndarray:
        """Take the next input samples; return the output samples that are now final (maybe none)."""
        self._pending.append(np.asarray(block, dtype=np.float32))
        self._pending_samples += len(block)
        if self._pending_samples < self.segment + self.context:
            return np.zeros(0, dtype=np.float32)
        pending = np.concatenate(self._pending)
        outputs = []
        start = 0
        while len(pending) - start >= self.segment + self.context:
            window = np.concatenate((self._history, pending[start : start + self.segment + self.context]))
            skip = len(self._history) * self.up // self.down
            outputs.append(self._resample(window)[skip : skip + self.segment * self.up // self.down])
            self._history = pending[start + self.segment - self.context : start + self.segment]
            start += self.segment
        rest = pending[start:]
        self._pending, self._pending_samples = [rest], len(rest)
        return np.concatenate(outputs)

    def finish(self) -> np.ndarray:
        """The remaining output samples, once the input has ended."""
        pending = np.concatenate(self._pending) if self._pending else np.zeros(0, dtype=np.float32)
        self._pending, self._pending_samples = [], 0
        if len(pending) == 0:
            return np.zeros(0, dtype=np.float32)
        skip = len(self._history) * self.up // self.down
        return self._resample(np.concatenate((self._history, pending)))[skip:]
