"""Round histogram bins of an inspection report's values (the studio's charts and the CLI's text histograms)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MIN_BINS = 5


@dataclass(frozen=True)
class Bins:
    """``counts[i]`` values fall in ``[start + i * step, start + (i + 1) * step)``."""

    start: float
    step: float
    counts: list[int]

    def edge(self, index: int) -> float:
        """The lower edge of bin ``index`` (``len(counts)``: the upper edge of the last)."""
        return self.start + index * self.step


def _nice_step(span: float, target_bins: int) -> float:
    """A round bin width (1, 2 or 5 times a power of ten) giving about ``target_bins`` bins over ``span``."""
    raw = span / max(target_bins, 1)
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= raw)


def histogram_bins(values: Sequence[float], bins: int = 12, integer: bool = False) -> Bins:
    """About ``bins`` bins of round width over non-empty ``values`` (whole numbers when ``integer``).

    Narrow data gets a few empty bins around it, so one bar is never the whole chart.
    """
    low, high = min(values), max(values)
    step = _nice_step(high - low, bins) if high > low else max(abs(high), 1.0) / 2
    if integer:
        step = max(1.0, float(math.ceil(step))) if high > low else 1.0
    start = math.floor(low / step) * step
    count = max(1, math.ceil((high - start) / step + 1e-9))
    if start + count * step <= high:
        count += 1
    while count < MIN_BINS:
        if count % 2 and start - step >= min(low, 0):
            start -= step
        count += 1
    counts = [0] * count
    for value in values:
        counts[min(int((value - start) / step + 1e-9), count - 1)] += 1
    return Bins(start, step, counts)
