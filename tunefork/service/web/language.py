"""The evaluation result of language and entity models, shaped for the studio's page.

A language result (see
:meth:`tunefork.evaluation.language_scoring.LanguageEvaluationResult.to_json`) holds per model the
headline figures, per-label scores, the confusion matrix and threshold curve (intents), misclassified
examples and entity errors; with two models on entity data, the forgetting check. These helpers turn
it into table rows (with the data the page's filters and sorting read) and the plots of the report
folder; the headline, verdict and next step come from the result protocol (:mod:`tunefork.evaluation.result`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tunefork.evaluation.language_report import FORGETTING_ALERT


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
