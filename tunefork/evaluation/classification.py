"""Metrics for intent classifiers: accuracy, per-label P/R/F1, confusion, out-of-scope thresholds, plots.

Conventions (every result is plain JSON-able data):

* Rates are fractions in [0, 1] rounded to 4 decimals, never percentages. A 0/0 rate is ``0.0`` in
  :func:`classification_report` (scikit-learn's ``zero_division=0``); the out-of-scope functions use
  ``None`` instead, because there "undefined" carries information (nothing predicted / no gold OOS).
* Out of scope is an ordinary label: callers pass the string they use (e.g. ``"out_of_scope"``).
* ``macro_f1`` is the unweighted mean F1 over the union of gold and predicted labels, exactly
  scikit-learn's ``f1_score(gold, predicted, average="macro")``; extra ``labels`` without any gold
  or predicted item appear in the tables but do not dilute it.
* A confidence threshold ``t`` turns an item into an out-of-scope prediction when its top
  confidence is strictly below ``t``, so ``t = 0`` keeps everything.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "DEFAULT_THRESHOLDS",
    "classification_report",
    "misclassified",
    "out_of_scope_report",
    "plot_confusion_matrix",
    "plot_learning_curve",
    "plot_threshold_curve",
    "threshold_curve",
]

DEFAULT_THRESHOLDS = tuple(round(step * 0.05, 2) for step in range(21))
ANNOTATE_MAX_LABELS = 25


def _ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` rounded to 4 decimals; 0.0 when the denominator is 0."""
    return round(numerator / denominator, 4) if denominator else 0.0


def _ratio_or_none(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator`` rounded to 4 decimals; None when the denominator is 0."""
    return round(numerator / denominator, 4) if denominator else None


def check_lengths(*columns: Sequence[Any]) -> None:
    """Raise ValueError unless all columns have the same length (shared by the span metrics)."""
    if len({len(column) for column in columns}) > 1:
        raise ValueError(f"inputs differ in length: {[len(column) for column in columns]}")


def _label_order(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None) -> list[str]:
    """``labels`` in the given order, then every other gold or predicted label, sorted."""
    given = list(dict.fromkeys(labels or ()))
    seen = set(given)
    return given + sorted(set(gold).union(predicted) - seen)


def _confusion(gold: Sequence[str], predicted: Sequence[str], order: list[str]) -> list[list[int]]:
    """Counts with gold labels as rows and predicted labels as columns, both in ``order``."""
    index = {label: position for position, label in enumerate(order)}
    matrix = [[0] * len(order) for _ in order]
    for truth, guess in zip(gold, predicted, strict=True):
        matrix[index[truth]][index[guess]] += 1
    return matrix


def _label_scores(tp: int, gold_count: int, predicted_count: int) -> dict[str, Any]:
    """Precision, recall and F1 of one label (unrounded F1 is ``2 tp / (gold + predicted)``), its support and how
    often it was predicted (a precision of 0/0 is stored as 0.0: ``predicted`` tells it from a wrong one)."""
    return {
        "precision": _ratio(tp, predicted_count),
        "recall": _ratio(tp, gold_count),
        "f1": _ratio(2 * tp, gold_count + predicted_count),
        "support": gold_count,
        "predicted": predicted_count,
    }


def classification_report(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] | None = None
) -> dict[str, Any]:
    """Accuracy, macro F1 (over the labels ``gold`` holds), per-label precision/recall/F1/support and the confusion
    matrix.

    ``labels`` fixes the order of ``per_label`` and of the confusion matrix and may add labels no item
    has; labels found in ``gold`` or ``predicted`` but not listed are appended, sorted. Returns
    ``{accuracy, macro_f1, per_label: {label: {precision, recall, f1, support}},
    confusion: {labels, matrix}, count}`` with matrix rows = gold and columns = predicted.
    """
    check_lengths(gold, predicted)
    order = _label_order(gold, predicted, labels)
    gold_counts, predicted_counts = Counter(gold), Counter(predicted)
    hits = Counter(truth for truth, guess in zip(gold, predicted, strict=True) if truth == guess)
    # Macro F1 over the labels the test items carry: a label only predicted (support 0) has F1 0 whatever else
    # happens, so one wrong answer into it cost a model ~19 points of macro F1 on 8 items (a review).
    f1s = [2 * hits[label] / (gold_counts[label] + predicted_counts[label]) for label in sorted(gold_counts)]
    return {
        "accuracy": _ratio(sum(hits.values()), len(gold)),
        "macro_f1": round(float(np.mean(f1s)), 4) if f1s else 0.0,
        "per_label": {
            label: _label_scores(hits[label], gold_counts[label], predicted_counts[label]) for label in order
        },
        "confusion": {"labels": order, "matrix": _confusion(gold, predicted, order)},
        "count": len(gold),
    }


def misclassified(
    ids: Sequence[str],
    texts: Sequence[str],
    gold: Sequence[str],
    predicted: Sequence[str],
    confidences: Sequence[float],
) -> list[dict[str, Any]]:
    """Rows ``{id, text, intent, predicted, confused_with, confidence}`` of the wrong predictions.

    Sorted by confidence, highest first (confident mistakes are the worst); ties keep input order.
    ``confused_with`` repeats the predicted label for readers that group by confusion.
    """
    check_lengths(ids, texts, gold, predicted, confidences)
    rows = [
        {
            "id": key,
            "text": text,
            "intent": truth,
            "predicted": guess,
            "confused_with": guess,
            "confidence": float(confidence),
        }
        for key, text, truth, guess, confidence in zip(ids, texts, gold, predicted, confidences, strict=True)
        if truth != guess
    ]
    return sorted(rows, key=lambda row: -row["confidence"])


def out_of_scope_report(gold_is_oos: Sequence[bool], predicted_oos: Sequence[bool]) -> dict[str, Any]:
    """Detection scores with "out of scope" as the positive class.

    Returns ``{precision, recall, f1, support, predicted}``: ``support`` counts gold OOS items and
    ``predicted`` the items predicted OOS. ``precision`` is None when nothing is predicted OOS,
    ``recall`` None when no item is gold OOS, ``f1`` None only when both are (otherwise
    ``2 tp / (support + predicted)``, so 0.0 when every OOS decision is wrong).
    """
    check_lengths(gold_is_oos, predicted_oos)
    tp = sum(1 for truth, guess in zip(gold_is_oos, predicted_oos, strict=True) if truth and guess)
    support, predicted = sum(map(bool, gold_is_oos)), sum(map(bool, predicted_oos))
    return {
        "precision": _ratio_or_none(tp, predicted),
        "recall": _ratio_or_none(tp, support),
        "f1": _ratio_or_none(2 * tp, support + predicted),
        "support": support,
        "predicted": predicted,
    }


def _apply_threshold(
    confidences: Sequence[float],
    top_labels: Sequence[str],
    threshold: float,
    oos_label: str,
    always_out: Sequence[bool] | None = None,
) -> list[str]:
    """Final predictions: the top label, or ``oos_label`` when its confidence is below ``threshold`` (or the item
    is in ``always_out``: out of scope at any threshold)."""
    flagged = always_out if always_out is not None else [False] * len(confidences)
    return [
        label if confidence >= threshold and not out else oos_label
        for confidence, label, out in zip(confidences, top_labels, flagged, strict=True)
    ]


def _curve_row(gold_labels: Sequence[str], predictions: list[str], threshold: float, oos_label: str) -> dict[str, Any]:
    """One threshold's accuracy, in-scope coverage and OOS precision/recall."""
    gold_oos = [truth == oos_label for truth in gold_labels]
    predicted_oos = [guess == oos_label for guess in predictions]
    in_scope_kept = [not guess for truth, guess in zip(gold_oos, predicted_oos, strict=True) if not truth]
    oos = out_of_scope_report(gold_oos, predicted_oos)
    correct = sum(1 for truth, guess in zip(gold_labels, predictions, strict=True) if truth == guess)
    return {
        "threshold": threshold,
        "accuracy": _ratio(correct, len(gold_labels)),
        "in_scope_coverage": _ratio_or_none(sum(in_scope_kept), len(in_scope_kept)),
        "oos_precision": oos["precision"],
        "oos_recall": oos["recall"],
    }


def threshold_curve(
    confidences: Sequence[float],
    top_labels: Sequence[str],
    gold_labels: Sequence[str],
    oos_label: str = "out_of_scope",
    thresholds: Sequence[float] | None = None,
    background: Sequence[float] | None = None,
) -> list[dict[str, Any]]:
    """How a confidence threshold trades in-scope coverage for out-of-scope detection.

    For each threshold (default 0.0 to 1.0 in 0.05 steps) an item is predicted ``oos_label`` when its
    top confidence is below it, or (``background``: each item's out-of-scope class probability, for models
    with one) when the background outweighs its top label at any threshold, as the model decides. Rows
    ``{threshold, accuracy, in_scope_coverage, oos_precision, oos_recall}``: accuracy over all items (an OOS
    prediction is right only for a gold OOS item), coverage = share of gold in-scope items not predicted OOS
    (None without gold in-scope items), OOS precision/recall as in :func:`out_of_scope_report`.
    """
    check_lengths(confidences, top_labels, gold_labels)
    always_out = None
    if background is not None:
        check_lengths(confidences, background)
        always_out = [share > confidence for share, confidence in zip(background, confidences, strict=True)]
    return [
        _curve_row(
            gold_labels,
            _apply_threshold(confidences, top_labels, threshold, oos_label, always_out),
            threshold,
            oos_label,
        )
        for threshold in (DEFAULT_THRESHOLDS if thresholds is None else thresholds)
    ]


def _new_axes(width: float, height: float) -> tuple[Any, Any]:
    """A constrained-layout figure on the Agg canvas (no pyplot state) and its single axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _png(figure: Any) -> bytes:
    """``figure`` rendered as PNG."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _annotate_cells(axes: Any, matrix: np.ndarray) -> None:
    """Write each non-zero count in its cell, white on dark cells."""
    limit = matrix.max() / 2
    for row, column in zip(*np.nonzero(matrix), strict=True):
        value = matrix[row, column]
        color = "white" if value > limit else "black"
        axes.text(column, row, str(value), ha="center", va="center", fontsize=8, color=color)


def plot_confusion_matrix(labels: Sequence[str], matrix: Sequence[Sequence[int]]) -> bytes:
    """PNG heat map of a confusion matrix (rows gold, columns predicted), sized by the label count.

    Tick labels are rotated so 20+ labels stay readable; counts are written in the cells up to
    25 labels.
    """
    side = max(6.0, 0.4 * len(labels) + 3)
    figure, axes = _new_axes(side + 1, side)
    if not labels:
        _note_no_data(axes)
        return _png(figure)
    counts = np.asarray(matrix, dtype=int).reshape(len(labels), len(labels))
    image = axes.imshow(counts, cmap="Blues", interpolation="nearest", aspect="equal")
    figure.colorbar(image, ax=axes, shrink=0.8, label="Items")
    axes.set_xticks(range(len(labels)), labels, rotation=60, ha="right", rotation_mode="anchor", fontsize=9)
    axes.set_yticks(range(len(labels)), labels, fontsize=9)
    axes.set_xlabel("Predicted label", fontsize=12)
    axes.set_ylabel("Gold label", fontsize=12)
    axes.set_title("Confusion matrix", fontsize=14)
    if len(labels) <= ANNOTATE_MAX_LABELS:
        _annotate_cells(axes, counts)
    return _png(figure)


def _series(rows: Sequence[dict[str, Any]], key: str) -> list[float]:
    """Values of ``key`` across rows, None as NaN (a gap in the line)."""
    return [np.nan if row.get(key) is None else float(row[key]) for row in rows]


def _note_no_data(axes: Any) -> None:
    """Write "no data" in the middle of empty axes."""
    axes.text(0.5, 0.5, "no data", ha="center", va="center", transform=axes.transAxes)


def _finish_axes(axes: Any, has_data: bool) -> None:
    """Shared look of the line plots: grid, legend or a "no data" note."""
    axes.grid(True, alpha=0.3)
    axes.tick_params(labelsize=11)
    if has_data:
        axes.legend(fontsize=11, loc="best")
    else:
        _note_no_data(axes)


def plot_threshold_curve(curve: Sequence[dict[str, Any]]) -> bytes:
    """PNG of accuracy, in-scope coverage and OOS precision/recall against the threshold."""
    figure, axes = _new_axes(9, 5)
    thresholds = _series(curve, "threshold")
    for key, name in (
        ("accuracy", "Accuracy"),
        ("in_scope_coverage", "In-scope coverage"),
        ("oos_precision", "OOS precision"),
        ("oos_recall", "OOS recall"),
    ):
        axes.plot(thresholds, _series(curve, key), marker=".", linewidth=2, label=name)
    axes.set_title("Out-of-scope confidence threshold", fontsize=14)
    axes.set_xlabel("Threshold (top confidence below it → out of scope)", fontsize=12)
    axes.set_ylabel("Rate", fontsize=12)
    axes.set_ylim(-0.02, 1.02)
    _finish_axes(axes, bool(curve))
    return _png(figure)


def plot_learning_curve(points: Sequence[dict[str, Any]]) -> bytes:
    """PNG with one line per metric against the training-set size.

    ``points`` are ``[{"fraction", "train_size", "metrics": {name: value}}]``; a metric missing or
    None at a point leaves a gap.
    """
    figure, axes = _new_axes(9, 5)
    sizes = [point["train_size"] for point in points]
    names = list(dict.fromkeys(name for point in points for name in point["metrics"]))
    for name in names:
        axes.plot(sizes, _series([point["metrics"] for point in points], name), marker="o", linewidth=2, label=name)
    axes.set_title("Learning curve", fontsize=14)
    axes.set_xlabel("Training examples", fontsize=12)
    axes.set_ylabel("Score", fontsize=12)
    _finish_axes(axes, bool(names))
    return _png(figure)


def precision_recall_points(positive: Sequence[bool], scores: Sequence[float], points: int = 50) -> dict[str, Any]:
    """A precision-recall curve of ``scores`` against ``positive`` (at most ``points`` points) and its AP."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    if not any(positive):
        return {"precision": [], "recall": [], "average_precision": None}
    precision, recall, _ = precision_recall_curve(list(positive), list(scores))
    keep = np.unique(np.linspace(0, len(precision) - 1, min(points, len(precision))).round().astype(int))
    return {
        "precision": [round(float(p), 4) for p in precision[keep]],
        "recall": [round(float(r), 4) for r in recall[keep]],
        "average_precision": round(float(average_precision_score(list(positive), list(scores))), 4),
    }


def plot_precision_recall(curves: dict[str, dict[str, Any]]) -> bytes:
    """PNG with one precision-recall line per label (``curves``: label -> :func:`precision_recall_points`)."""
    figure, axes = _new_axes(9, 6)
    drawn = False
    for label, curve in curves.items():
        if curve["recall"]:
            axes.plot(
                curve["recall"], curve["precision"], linewidth=2, label=f"{label} (AP {curve['average_precision']:.2f})"
            )
            drawn = True
    axes.set_title("Precision-recall per concept", fontsize=14)
    axes.set_xlabel("Recall", fontsize=12)
    axes.set_ylabel("Precision", fontsize=12)
    axes.set_xlim(-0.02, 1.02)
    axes.set_ylim(-0.02, 1.02)
    _finish_axes(axes, drawn)
    return _png(figure)
