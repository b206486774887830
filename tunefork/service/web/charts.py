"""Small inline SVG charts for the studio pages (no script, no external asset): histograms and bar lists."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from tunefork.datasets.histogram import histogram_bins

WIDTH = 520
BAR_COLOR = "#3b6fd8"
AXIS_COLOR = "#8a94a6"
TEXT_COLOR = "#374151"


def _label(text: str, x: float, y: float, anchor: str = "middle", size: int = 12, weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'font-weight="{weight}" fill="{TEXT_COLOR}">{escape(text)}</text>'
    )


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
    binned = histogram_bins(values, bins, integer)
    start, step, counts, count = binned.start, binned.step, binned.counts, len(binned.counts)
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
