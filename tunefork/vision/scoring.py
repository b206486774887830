"""Scoring image classifiers on a held-out ``images`` dataset, one or two side by side.

Per model: accuracy (exact match of the decided concepts; a negative example is right when the answer is
"none of these"), macro F1 with per-concept precision, recall and F1, the confusion matrix (single-label
data), mean average precision of the scores (multi-label data), precision-recall curves per concept, and
the misclassified images with their scores. With two models, a paired bootstrap over images gives the 95%
interval of the accuracy difference; B is called better or worse only when the interval excludes 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tunefork.evaluation.chance import ChanceCheck, commonest_label_check
from tunefork.evaluation.classification import (
    classification_report,
    plot_confusion_matrix,
    plot_precision_recall,
    precision_recall_points,
)
from tunefork.evaluation.result import Headline, ResultTable, md_cell, percent
from tunefork.evaluation.significance import MIN_PAIRED_ITEMS, interval_note, paired_bootstrap
from tunefork.vision.heads import NONE

MAX_SHOWN = 10
"""Misclassified images listed in ``report.md`` per model (``misclassified.jsonl`` has them all)."""


@dataclass
class GoldImage:
    """A test image: its id, file, concepts (empty for a negative example)."""

    id: str
    file: str
    labels: list[str]


@dataclass
class ModelImageScores:
    """One model's figures on the test images."""

    name: str
    model_id: str | None
    accuracy: float
    macro_f1: float
    per_concept: dict[str, dict[str, Any]]
    confusion: dict[str, Any] | None
    mean_average_precision: float | None
    misclassified: list[dict[str, Any]]
    precision_recall: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per concept, the precision-recall curve of its scores and its average precision."""
    correct: list[bool] = field(default_factory=list)
    """Per test image, whether the decision was right (for the bootstrap; not stored)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.name, "modelId": self.model_id, "accuracy": self.accuracy, "macro_f1": self.macro_f1,
            "per_concept": self.per_concept, "confusion": self.confusion,
            "mean_average_precision": self.mean_average_precision, "misclassified": self.misclassified,
            "precision_recall": self.precision_recall,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelImageScores:
        return cls(
            data["model"], data.get("modelId"), data["accuracy"], data["macro_f1"], data["per_concept"],
            data.get("confusion"), data.get("mean_average_precision"), data["misclassified"],
            data.get("precision_recall") or {},
        )  # fmt: skip


def _mean_average_precision(gold: list[GoldImage], concepts: list[str], scores: np.ndarray) -> float | None:
    from sklearn.metrics import average_precision_score

    present = [k for k, c in enumerate(concepts) if any(c in g.labels for g in gold)]
    if not present:
        return None
    truth = np.array([[concepts[k] in g.labels for k in present] for g in gold], dtype=int)
    return round(float(average_precision_score(truth, scores[:, present], average="macro")), 4)


def _per_concept(gold: list[GoldImage], decisions: list[list[str]]) -> tuple[dict[str, dict[str, Any]], float]:
    """Precision, recall and F1 of every concept from sets of decided concepts, and their macro F1."""
    concepts = sorted({c for g in gold for c in g.labels} | {c for d in decisions for c in d})
    table = {}
    for concept in concepts:
        tp = sum(concept in g.labels and concept in d for g, d in zip(gold, decisions, strict=True))
        gold_n = sum(concept in g.labels for g in gold)
        predicted_n = sum(concept in d for d in decisions)
        table[concept] = {
            "precision": round(tp / predicted_n, 4) if predicted_n else 0.0,
            "recall": round(tp / gold_n, 4) if gold_n else 0.0,
            "f1": round(2 * tp / (gold_n + predicted_n), 4) if gold_n + predicted_n else 0.0,
            "support": gold_n,
        }
    carried = [row["f1"] for row in table.values() if row["support"]]  # over the concepts the test images carry
    macro = round(float(np.mean(carried)), 4) if carried else 0.0
    return table, macro


def score_model(
    name: str, model_id: str | None, gold: list[GoldImage], answers: list[dict[str, Any]], concepts: list[str],
    scores: np.ndarray,
) -> ModelImageScores:  # fmt: skip
    """Score one model's ``answers`` (its classifier's JSON per image) and raw ``scores`` on ``gold``."""
    decisions = [sorted(answer["decision"]) for answer in answers]
    correct = [sorted(g.labels) == d for g, d in zip(gold, decisions, strict=True)]
    multi_label = any(len(g.labels) > 1 for g in gold)
    confusion, per_concept, macro = None, {}, 0.0
    if multi_label:
        per_concept, macro = _per_concept(gold, decisions)
    else:
        truth = [g.labels[0] if g.labels else NONE for g in gold]
        guess = [d[0] if d else NONE for d in decisions]
        report = classification_report(truth, guess, sorted(set(truth)))
        per_concept, macro, confusion = report["per_label"], report["macro_f1"], report["confusion"]
    wrong = [
        {"id": g.id, "labels": g.labels, "decision": a["decision"], "concepts": a["concepts"][:5]}
        for g, a, right in zip(gold, answers, correct, strict=True) if not right
    ]  # fmt: skip
    wrong.sort(key=lambda row: -(row["concepts"][0]["score"] if row["concepts"] else 0.0))
    average_precision = _mean_average_precision(gold, concepts, scores) if multi_label and concepts else None
    curves = {c: precision_recall_points([c in g.labels for g in gold], scores[:, k]) for k, c in enumerate(concepts)}
    return ModelImageScores(name, model_id, round(float(np.mean(correct)), 4), macro, per_concept, confusion,
                            average_precision, wrong, curves, correct)  # fmt: skip


@dataclass
class ImageEvaluationResult:
    """One or two image classifiers on one test dataset (the image kind's evaluation result)."""

    dataset: str
    items: int
    models: list[ModelImageScores]
    difference: dict[str, Any] | None = None
    """``{"accuracy_delta", "ci95", "significant"}``: B minus A, from a paired bootstrap over images."""
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        chance = self.chance()
        return {"type": "image", "dataset": self.dataset, "items": self.items,
                "models": [m.to_json() for m in self.models], "difference": self._difference_json(),
                "chance": chance.to_json() if chance else None, "warnings": self.warnings}  # fmt: skip

    def _difference_json(self) -> dict[str, Any] | None:
        """The difference as the verdict reads it, with its ``winner`` (a name or None): against a base that knows
        no concept, the chance check instead of the bootstrap's significance (a client read "significant" and would
        have deployed a model no better than chance, a review), as language evaluations do."""
        if self.difference is None:
            return None
        out = dict(self.difference)
        if (chance := self.chance()) is not None:
            out = {key: value for key, value in out.items() if key not in ("ci95", "significant")}
            out["chance"] = chance.to_json()
        found = self.winner()
        out["winner"] = None if found is None else self.models[found].name
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImageEvaluationResult:
        models = [ModelImageScores.from_json(m) for m in data["models"]]
        return cls(data["dataset"], data["items"], models, data.get("difference"), list(data.get("warnings") or []))

    def headline(self) -> Headline:
        return Headline("accuracy", [m.accuracy for m in self.models])

    def chance(self) -> ChanceCheck | None:
        """Against a base model (which knows none of the project's concepts and is scored wrong on all of them),
        the second model's accuracy against answering the commonest test concept to every image (single-label
        data), else ``None``: a significant win over the base says nothing about a model (see
        :mod:`tunefork.evaluation.chance`)."""
        if len(self.models) != 2 or self.models[0].model_id is not None or self.models[1].model_id is None:
            return None
        if self.models[1].mean_average_precision is not None:  # multi-label: exact match has no commonest label
            return None
        supports = {concept: row["support"] for concept, row in self.models[1].per_concept.items()}
        return commonest_label_check("image", self.models[1].accuracy, supports)

    def winner(self) -> int | None:
        if (chance := self.chance()) is not None:
            return 1 if chance.beaten else None
        if self.difference is None or not self.difference["significant"]:
            return None
        return 1 if self.difference["accuracy_delta"] > 0 else 0

    def verdict(self) -> str | None:
        if self.difference is None:
            return None
        a, b = (m.name for m in self.models)
        if (chance := self.chance()) is not None:
            said = f"{a} knows none of the test concepts; {b} reaches {100 * self.models[1].accuracy:.1f}%"
            return f"{said}, {'better' if chance.beaten else 'no better'} than chance: {chance.sentence()}."
        delta, (low, high) = self.difference["accuracy_delta"], self.difference["ci95"]
        interval = f"95% interval {100 * low:+.1f} to {100 * high:+.1f} points"
        if self.items < MIN_PAIRED_ITEMS:
            return (
                f"Too few test images ({self.items}) to call the difference significant: at least {MIN_PAIRED_ITEMS}."
            )
        if not self.difference["significant"]:
            return f"No significant difference in accuracy between {a} and {b} ({interval})."
        better, worse = (b, a) if delta > 0 else (a, b)
        return f"{better} is more accurate than {worse} by {100 * abs(delta):.1f} points ({interval})."

    def concerns(self) -> list[str]:
        return []

    def table(self) -> ResultTable:
        rows = [("Accuracy", [percent(m.accuracy) for m in self.models]),
                ("Macro F1", [percent(m.macro_f1) for m in self.models])]  # fmt: skip
        if any(m.mean_average_precision is not None for m in self.models):
            rows.append(("mAP", [percent(m.mean_average_precision) for m in self.models]))
        rows.append(("Misclassified", [str(len(m.misclassified)) for m in self.models]))
        intervals = [interval_note(m.name, "accuracy", m.accuracy, self.items) for m in self.models]
        return ResultTable(
            self.dataset, [m.name for m in self.models], rows, [f"{self.items} test images.", *intervals]
        )

    def markdown_details(self) -> list[str]:
        lines: list[str] = []
        for model in self.models:
            header = ["| Concept | Precision | Recall | F1 | Support |", "|---|---|---|---|---|"]
            lines += ["", f"### {md_cell(model.name)}: per concept", "", *header]
            for concept, row in model.per_concept.items():
                lines.append(f"| {md_cell(concept)} | {percent(row['precision'])} | {percent(row['recall'])} | "
                             f"{percent(row['f1'])} | {row['support']} |")  # fmt: skip
            if model.misclassified:
                shown_count = min(len(model.misclassified), MAX_SHOWN)
                lines += ["", f"Misclassified ({len(model.misclassified)}, the {shown_count} most confident):", ""]
                for row in model.misclassified[:MAX_SHOWN]:
                    top = ", ".join(f"{c['name']} {c['score']:.2f}" for c in row["concepts"][:3])
                    gold = ", ".join(row["labels"]) or NONE
                    decided = ", ".join(row["decision"]) or NONE  # what the model answered, beside its top scores
                    scores = f" (scores: {md_cell(top)})" if top else ""
                    lines.append(f"- {md_cell(row['id'])}: {md_cell(gold)} -> {md_cell(decided)}{scores}")
        return lines

    def report_files(self) -> dict[str, bytes | str | list[dict[str, Any]]]:
        files: dict[str, bytes | str | list[dict[str, Any]]] = {
            "misclassified.jsonl": [{"model": m.name, **row} for m in self.models for row in m.misclassified]
        }
        for n, model in enumerate(self.models, start=1):
            if model.confusion and model.confusion["labels"]:
                files[f"confusion_model{n}.png"] = plot_confusion_matrix(
                    model.confusion["labels"], model.confusion["matrix"]
                )
            if model.precision_recall:
                files[f"precision_recall_model{n}.png"] = plot_precision_recall(model.precision_recall)
        return files


def compare(dataset: str, gold: list[GoldImage], models: list[ModelImageScores]) -> ImageEvaluationResult:
    """The result of one or two scored models (the bootstrap interval with two)."""
    difference = None
    if len(models) == 2:
        errors_a, errors_b = ([int(not right) for right in m.correct] for m in models)
        boot = paired_bootstrap(errors_a, errors_b, [1] * len(gold), iterations=5000)
        low, high = -boot.ci95[1], -boot.ci95[0]
        difference = {"accuracy_delta": round(-boot.wer_delta, 4), "ci95": [round(low, 4), round(high, 4)],
                      "significant": boot.significant}  # fmt: skip
    return ImageEvaluationResult(dataset, len(gold), models, difference, _negatives_never_answered(gold, models))


def _negatives_never_answered(gold: list[GoldImage], models: list[ModelImageScores]) -> list[str]:
    """A warning for each model that answered a concept to every negative test image: a model trained without
    negative examples (closed set) always does, and its accuracy counts each of them as an error (an image review
    read 80.6% where 6 of 7 errors were negatives; with --oos-threshold 0.6, 88.9%)."""
    negatives = [index for index, image in enumerate(gold) if not image.labels]
    return [
        f"{model.name} answered a concept to all {len(negatives)} negative test images (none of these): a model "
        "trained without negative examples answers one to every image. Train with a 'none-of-these' folder of "
        "images of none of the concepts, or with --oos-threshold, for it to answer none of these."
        for model in models
        if negatives and not any(model.correct[index] for index in negatives)
    ]
