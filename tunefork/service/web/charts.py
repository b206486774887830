"""Small inline SVG charts for the studio pages (no script, no external asset): histograms and bar lists."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

WIDTH = 520
MIN_BINS = 5
BAR_COLOR = "#3b6fd8"
AXIS_COLOR = "#8a94a6"
TEXT_COLOR = "#374151"


def _label(text: str, x: float, y: float, anchor: str = "middle", size: int = 12, weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'font-weight="{weight}" fill="{TEXT_COLOR}">{escape(text)}</text>'
    )


def _nice_step(span: float, target_bins: int) -> float:
    """A round bin width (1, 2 or 5 times a power of ten) giving about ``target_bins`` bins over ``span``."""
    raw = span / max(target_bins, 1)
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= raw)


def histogram(
    values: Sequence[float],
    title: str,
    x_label: str,
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    bins: int = 12,
    height: int = 220,
    integer: bool = False,
) -> Markup:
    """An SVG histogram of ``values`` with round bin edges (whole numbers when ``integer``), counts on top."""
    if not values:
        return Markup("")
    low, high = min(values), max(values)
    step = _nice_step(high - low, bins) if high > low else max(abs(high), 1.0) / 2
    if integer:
        step = max(1.0, float(math.ceil(step))) if high > low else 1.0
    start = math.floor(low / step) * step
    count = max(1, math.ceil((high - start) / step + 1e-9))
    if start + count * step <= high:
        count += 1
    while count < MIN_BINS:  # a few empty bins around narrow data, so one bar is not the whole chart
        if count % 2 and start - step >= min(low, 0):
            start -= step
        count += 1
    counts = [0] * count
    for value in values:
        counts[min(int((value - start) / step + 1e-9), count - 1)] += 1
    left, right, top, bottom = 40, 12, 30, 44
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    peak = max(counts) * 1.1  # headroom for the count above the tallest bar
    bar_w = plot_w / count
    parts = [_label(title, WIDTH / 2, 18, size=13, weight="600")]
    for index, n in enumerate(counts):
        bar_h = plot_h * n / peak if peak else 0
        x, y = left + index * bar_w, top + plot_h - bar_h
        tip = f"{fmt(start + index * step)} to {fmt(start + (index + 1) * step)}: {n}"
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(bar_w - 2, 1):.1f}" height="{bar_h:.1f}" '
            f'fill="{BAR_COLOR}" rx="2"><title>{escape(tip)}</title></rect>'
        )
        if n:
            parts.append(_label(str(n), x + bar_w / 2, y - 4, size=11))
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{AXIS_COLOR}"/>'
    )
    every = max(1, math.ceil((count + 1) / 8))
    for index in range(0, count + 1, every):
        parts.append(_label(fmt(start + index * step), left + index * bar_w, top + plot_h + 16, size=11))
    parts.append(_label(x_label, left + plot_w / 2, height - 8, size=12))
    return _svg(parts, height, title)


def bar_list(
    items: Sequence[tuple[str, float]], title: str, fmt: Callable[[float], str] = lambda v: f"{v:g}"
) -> Markup:
    """Horizontal SVG bars, one per ``(label, value)``, largest first as given."""
    if not items:
        return Markup("")
    row, top, label_w, right = 20, 30, 150, 50
    height = top + row * len(items) + 8
    peak = max(value for _, value in items) or 1
    plot_w = WIDTH - label_w - right
    parts = [_label(title, WIDTH / 2, 18, size=13, weight="600")]
    for index, (label, value) in enumerate(items):
        y = top + index * row
        shown = label if len(label) <= 22 else label[:21] + "…"
        parts.append(_label(shown, label_w - 8, y + 14, anchor="end", size=12))
        width = max(plot_w * value / peak, 1)
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="{row - 6}" fill="{BAR_COLOR}" rx="2">'
            f"<title>{escape(label)}: {escape(fmt(value))}</title></rect>"
        )
        parts.append(_label(fmt(value), label_w + width + 6, y + 14, anchor="start", size=11))
    return _svg(parts, height, title)


def _svg(parts: list[str], height: int, title: str) -> Markup:
    body = "".join(parts)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">{body}</svg>'
    )
