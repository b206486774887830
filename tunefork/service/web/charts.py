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


PASS_COLOR, FAIL_COLOR, LINE_COLOR = "#1f9d55", "#d64545", "#b7791f"


def runs_over_time(
    runs: Sequence[tuple[float, float | None, bool, str]],
    lines: Sequence[tuple[str, float]],
    title: str,
    fmt: Callable[[float], str] = lambda v: f"{v:.3g}",
    height: int = 240,
) -> Markup:
    """A monitor's metric over time: ``(timestamp, value, passed, link)`` points, ``(label, value)`` lines.

    Passing runs are green dots, failing ones red and linked to their report; a run that measured nothing
    (``value`` None) is a red cross on the axis. Threshold lines are dashed and labelled.
    """
    if not runs:
        return Markup("")
    left, right, top, bottom = 48, 90, 30, 40
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    values = [v for _, v, _, _ in runs if v is not None] + [v for _, v in lines]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    span = (high - low) or max(abs(high), 1.0)
    low, high = low - 0.1 * span, high + 0.1 * span
    first, last = runs[0][0], runs[-1][0]
    duration = (last - first) or 1.0

    def x_of(when: float) -> float:
        return left + plot_w * ((when - first) / duration if last > first else 0.5)

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (value - low) / (high - low))

    parts = [_label(title, WIDTH / 2, 18, size=13, weight="600")]
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{AXIS_COLOR}"/>'
    )
    for value in (low, high):
        parts.append(_label(fmt(value), left - 6, y_of(value) + 4, anchor="end", size=11))
    for label, value in lines:
        y = y_of(value)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{LINE_COLOR}" '
                     'stroke-dasharray="5 4"/>')  # fmt: skip
        parts.append(_label(f"{label} {fmt(value)}", left + plot_w + 4, y + 4, anchor="start", size=11))
    for when, value, passed, link in runs:
        x = x_of(when)
        if value is None:
            y = top + plot_h
            cross = (
                f"M{x - 4:.1f} {y - 4:.1f} L{x + 4:.1f} {y + 4:.1f} M{x - 4:.1f} {y + 4:.1f} L{x + 4:.1f} {y - 4:.1f}"
            )
            mark = f'<path d="{cross}" stroke="{FAIL_COLOR}" stroke-width="2"><title>no value</title></path>'
        else:
            color = PASS_COLOR if passed else FAIL_COLOR
            mark = (f'<circle cx="{x:.1f}" cy="{y_of(value):.1f}" r="4" fill="{color}">'
                    f"<title>{escape(fmt(value))}</title></circle>")  # fmt: skip
        parts.append(f'<a href="{escape(link)}">{mark}</a>' if link else mark)
    return _svg(parts, height, title)
