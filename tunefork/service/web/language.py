"""The evaluation result of language and entity models, shaped for the studio's page.

A language result (``result["type"] == "language"``, see
:meth:`tunefork.evaluation.language_scoring.LanguageEvaluationResult.to_json`) holds per model the
headline figures, per-label scores, the confusion matrix and threshold curve (intents), misclassified
examples and entity errors; with two models on entity data, the forgetting check. These helpers turn
it into table rows (with the data the page's filters and sorting read), the plots of the report
folder, a verdict in plain words and the next step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FORGETTING_ALERT = 0.9
"""A base label keeping less than this share of its F1 is flagged as forgotten."""
MIN_POINTS = 0.5
"""Differences of the headline figure below this many points are called a tie."""


@dataclass
class LanguageView:
    """What the language evaluation page shows, beyond the headline table."""

    intent_labels: list[dict[str, Any]] = field(default_factory=list)
    entity_labels: list[dict[str, Any]] = field(default_factory=list)
    misclassified: list[dict[str, Any]] = field(default_factory=list)
    entity_errors: list[dict[str, Any]] = field(default_factory=list)
    forgetting: list[dict[str, Any]] = field(default_factory=list)
    plots: list[dict[str, str]] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)


def headline(result: dict[str, Any]) -> tuple[str, list[float | None]]:
    """``(metric name, value per model)``: intent accuracy for utterances, entity F1 for annotated text."""
    models = result.get("models") or []
    if result.get("kind") == "utterances":
        values = [m.get("accuracy") for m in models]
        if any(v is not None for v in values):
            return "intent accuracy", values
        return "slot entity F1", [(m.get("entities") or {}).get("f1") for m in models]
    return "entity F1", [m.get("f1") for m in models]


def label_rows(per_label: list[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """One row per label over the models' ``per_label`` dicts, most frequent in the test data first."""
    labels: dict[str, int] = {}
    for scores in per_label:
        for label, row in (scores or {}).items():
            labels[label] = max(labels.get(label, 0), int(row.get("support") or 0))
    rows = []
    ordered = sorted(labels, key=lambda label: (-labels[label], label))
    for order, label in enumerate(ordered):
        cells = [(scores or {}).get(label) for scores in per_label]
        f1 = [cell.get("f1") if cell else None for cell in cells]
        delta = f1[1] - f1[0] if len(f1) == 2 and None not in f1 else None
        tags = ["in-test" if labels[label] else "not-in-test"]
        if delta is not None and delta > 0:
            tags.append("better")
        elif delta is not None and delta < 0:
            tags.append("worse")
        rows.append(
            {"label": label, "support": labels[label], "cells": cells, "delta": delta, "order": order, "tags": tags}
        )
    return rows


def _misclassified(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for index, scores in enumerate(models):
        for row in (scores.get("intents") or {}).get("misclassified") or []:
            tags = [f"m{index}"]
            if row["intent"] == "out_of_scope":
                tags.append("missed-oos")
            elif row["predicted"] == "out_of_scope":
                tags.append("false-oos")
            else:
                tags.append("confused")
            rows.append({**row, "model": index, "tags": tags, "order": len(rows)})
    return rows


def _entity_errors(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for index, scores in enumerate(models):
        for row in (scores.get("entities") or {}).get("errors") or []:
            tags = [f"m{index}"] + [kind for kind in ("missed", "spurious", "wrong_label") if row.get(kind)]
            count = sum(len(row.get(kind) or []) for kind in ("missed", "spurious", "wrong_label"))
            rows.append({**row, "model": index, "tags": tags, "count": count, "order": len(rows)})
    return rows


def _forgetting(forgetting: dict[str, Any] | None) -> tuple[list[dict[str, Any]], list[str]]:
    rows, forgotten = [], []
    for where in ("test", "general"):
        for label, row in ((forgetting or {}).get(where) or {}).items():
            retained = row.get("retained")
            lost = retained is not None and retained < FORGETTING_ALERT
            rows.append({"where": where, "label": label, **row, "lost": lost})
            if lost:
                forgotten.append(f"{label} ({where})")
    return rows, forgotten


def language_view(result: dict[str, Any], files: list[str]) -> LanguageView:
    """The rows and plots of a language evaluation page (``files``: the report folder's file names)."""
    models = result.get("models") or []
    view = LanguageView()
    if result.get("kind") == "utterances":
        view.intent_labels = label_rows([(m.get("intents") or {}).get("per_label") for m in models])
        view.misclassified = _misclassified(models)
    view.entity_labels = label_rows([(m.get("entities") or {}).get("per_label") for m in models])
    view.entity_errors = _entity_errors(models)
    view.forgetting, view.forgotten = _forgetting(result.get("forgetting"))
    for index, scores in enumerate(models, start=1):
        for stem, title in (("confusion", "Confusion matrix"), ("threshold", "Out-of-scope threshold curve")):
            name = f"{stem}_model{index}.png"
            if name in files:
                view.plots.append({"file": name, "title": f"{title}: {'AB'[index - 1]} · {scores.get('name')}"})
    return view


def language_verdict(result: dict[str, Any]) -> str | None:
    """The difference of the headline figure in plain words (no significance test exists for it here)."""
    models = result.get("models") or []
    metric, values = headline(result)
    if len(models) == 2 and values[0] is None and values[1] is not None:
        return f"{models[0]['name']} has no {metric}; {models[1]['name']} reaches {100 * values[1]:.1f}%."
    if len(models) != 2 or None in values:
        return None
    delta = 100 * (values[1] - values[0])
    if abs(delta) < MIN_POINTS:
        return f"Both models have the same {metric} on {result.get('items')} items."
    better = models[1]["name"] if delta > 0 else models[0]["name"]
    return f"{better} is better by {abs(delta):.1f} points of {metric} on {result.get('items')} items."


def language_next_step(result: dict[str, Any]) -> tuple[str, str, str]:
    """``(tab, title, explanation)`` after a language evaluation: forgetting first, then the headline figure."""
    models = result.get("models") or []
    if len(models) < 2:
        return "evaluation", "Compare with the base model", "Evaluate the base and your model side by side."
    _, forgotten = _forgetting(result.get("forgetting"))
    second = models[1]["name"]
    if forgotten:
        return (
            "training",
            "Train again with rehearsal",
            f"{second} lost much of what the base model found: {', '.join(forgotten[:4])}. "
            "Train with rehearsal on, or annotate those labels too.",
        )
    metric, values = headline(result)
    if None not in values and values[1] > values[0]:
        return "deployment", f"Deploy {second}", f"It has the higher {metric}: create an endpoint for it."
    if values[1] is not None and (values[0] is None or values[1] > values[0]):
        return "deployment", f"Deploy {second}", f"The base model cannot do this task ({metric} n/a); {second} can."
    return "training", "Improve the data", f"{second} does not beat the base here: add examples of weak labels."
