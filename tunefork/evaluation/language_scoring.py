"""Score language models on a held-out ``utterances`` or ``annotated-text`` dataset, side by side.

For intents (``utterances``): accuracy with the out-of-scope decision applied (what an endpoint answers),
closed-set accuracy (the best-ranked intent of the in-scope items, no threshold: how closed-set benchmarks
such as ATIS are scored), macro F1, per-intent precision/recall/F1, the confusion matrix, misclassified
examples with what they were confused with, out-of-scope precision/recall (gold intents named
``out_of_scope``, ``oos``, ``none``... are out of scope) and the threshold curve. Slots annotated in the
utterances are scored as entities too. For entities: strict span precision/recall/F1 per label (equal to spaCy's
scorer) and overall over the labels the test data annotates (spaCy's scorer also counts predictions of other
labels as false positives), and per-item errors.

With two models (base first, custom second) on entity data, the forgetting check compares each base-model
label's F1 (spaCy's DATE, PERSON... that both output) before and after on the test set, and on the shipped
general English sentences against the base model's own predictions (a fix must not break what worked).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tunefork.evaluation import language_report
from tunefork.evaluation.classification import (
    classification_report,
    misclassified,
    out_of_scope_report,
    threshold_curve,
)
from tunefork.evaluation.labels import OUT_OF_SCOPE, OUT_OF_SCOPE_NAMES
from tunefork.evaluation.result import Headline, ResultTable
from tunefork.evaluation.spans import Span, label_retention, span_errors, span_scores

MAX_LISTED_ERRORS = 200


@dataclass(frozen=True)
class Prediction:
    """One model's answer for one test text, as the scores read it."""

    intent: str | None
    """The decided intent (:data:`OUT_OF_SCOPE` below the threshold), or ``None`` for models without intents."""
    top_intent: str | None
    """The best-ranked intent before the out-of-scope decision (``None`` without intents)."""
    confidence: float
    out_of_scope: bool
    threshold: float | None
    spans: list[Span]
    background: float = 0.0
    """The out-of-scope (background) class's probability: what the intents' confidences leave (0 without one)."""
    values: list[str] = field(default_factory=list)
    """Each span's value (synonyms and known values resolved), in the order of ``spans``; empty: not kept."""


@dataclass
class GoldItem:
    """One test item: text, gold intent (``None`` for annotated text) and gold spans."""

    id: str
    text: str
    intent: str | None
    spans: list[Span]
    values: dict[Span, str] = field(default_factory=dict)
    """The values the test data gives spans explicitly (``[4x4]{"entity": "car_type", "value": "suv"}``)."""


def gold_items(kind: str, records: list[dict[str, Any]]) -> list[GoldItem]:
    """The test items of an ``utterances`` or ``annotated-text`` dataset (rules and synonyms skipped)."""
    items = []
    for record in records:
        if kind == "utterances" and record.get("type", "example") != "example":
            continue
        raw = record.get("spans", record.get("entities", []))
        spans = sorted((int(s["start"]), int(s["end"]), str(s["label"])) for s in raw)
        values = {(int(s["start"]), int(s["end"]), str(s["label"])): str(s["value"]) for s in raw if s.get("value")}
        intent = None
        if kind == "utterances":
            intent = record.get("intent") or ""
            intent = OUT_OF_SCOPE if intent.lower() in OUT_OF_SCOPE_NAMES else intent
        items.append(GoldItem(record["id"], record["text"], intent, spans, values))
    return items


def _intent_scores(items: list[GoldItem], parses: list[Prediction]) -> dict[str, Any] | None:
    if not any(p.top_intent for p in parses):
        return None
    gold = [item.intent or OUT_OF_SCOPE for item in items]
    predicted = [p.intent or OUT_OF_SCOPE for p in parses]
    confidences = [p.confidence for p in parses]
    # The confidence of the decision, as /parse answers it: out of scope is 1 minus the best intent's.
    decided = [1 - p.confidence if p.out_of_scope else p.confidence for p in parses]
    report = classification_report(gold, predicted)
    top = [p.top_intent or OUT_OF_SCOPE for p in parses]
    in_scope = [(g, t) for g, t in zip(gold, top, strict=True) if g != OUT_OF_SCOPE]
    return {
        "accuracy": report["accuracy"],
        "closed_set_accuracy": round(sum(g == t for g, t in in_scope) / len(in_scope), 4) if in_scope else None,
        "macro_f1": report["macro_f1"],
        "per_label": report["per_label"],
        "confusion": report["confusion"],
        "out_of_scope": out_of_scope_report([g == OUT_OF_SCOPE for g in gold], [p.out_of_scope for p in parses]),
        "threshold": parses[0].threshold if parses else None,
        "threshold_curve": threshold_curve(
            confidences, top, gold, OUT_OF_SCOPE, background=[p.background for p in parses]
        ),
        "misclassified": _with_top_intent(
            misclassified([i.id for i in items], [i.text for i in items], gold, predicted, decided), items, parses
        )[:MAX_LISTED_ERRORS],
        "item_correct": [int(g == p) for g, p in zip(gold, predicted, strict=True)],
    }


def _with_top_intent(rows: list[dict[str, Any]], items: list[GoldItem], parses: list[Prediction]) -> list[dict]:
    """Misclassified ``rows`` where the answer was out of scope with the intent ranked first and its confidence
    (``top_intent``, ``top_confidence``): the intent the threshold turned down was only in predictions.jsonl."""
    ranked = {item.id: parse for item, parse in zip(items, parses, strict=True)}
    for row in rows:
        parse = ranked[row["id"]]
        if row["predicted"] == OUT_OF_SCOPE and parse.top_intent:
            row.update(top_intent=parse.top_intent, top_confidence=parse.confidence)
    return rows


def _entity_scores(items: list[GoldItem], parses: list[Prediction]) -> dict[str, Any]:
    """Span scores over the labels the test data annotates: a predicted label it never annotates (a base model's
    DATE on data annotated with the new label only) is listed per label but left out of the overall precision,
    recall and F1, so a model that forgot such labels does not score higher for it (a review's verdict rewarded
    a model that had lost every base label). Test data that annotates nothing is scored on every prediction."""
    gold = [item.spans for item in items]
    predicted = [p.spans for p in parses]
    annotated = {label for spans in gold for *_, label in spans}
    scored = [[span for span in spans if span[2] in annotated] for spans in predicted] if annotated else predicted
    overall = span_scores(gold, scored)
    errors = span_errors([i.id for i in items], [i.text for i in items], gold, scored)
    per_label = span_scores(gold, predicted)["per_label"]
    changed = value_changes(items, parses)
    return {**overall, "per_label": per_label, "errors": errors[:MAX_LISTED_ERRORS],
            "value_changes": changed[:MAX_LISTED_ERRORS]}  # fmt: skip


def _plain_value(value: str) -> str:
    return " ".join(value.casefold().split())


def value_changes(items: list[GoldItem], parses: list[Prediction]) -> list[dict[str, Any]]:
    """Spans found right (boundaries and label) whose value is neither the text as said nor the value the test data
    gives: a synonym's canonical value, or a value the model wrote over another (a review's "pontoon A" answered as
    "pontoon C"); span scores cannot see them, so they are listed to check."""
    rows = []
    for item, parse in zip(items, parses, strict=True):
        gold = set(item.spans)
        for span, value in zip(parse.spans, parse.values, strict=False):
            start, end, label = span
            said = item.text[start:end]
            expected = {_plain_value(said), _plain_value(item.values.get(span, said))}
            if tuple(span) in gold and _plain_value(value) not in expected:
                rows.append({"id": item.id, "text": item.text, "span": said, "label": label, "value": value})
    return rows


@dataclass
class ModelScores:
    """One model's scores on the test items."""

    name: str
    model_id: str | None
    intents: dict[str, Any] | None
    entities: dict[str, Any] | None


@dataclass
class LanguageEvaluationResult:
    """Side-by-side scores of one or two language models on one dataset."""

    dataset: str
    kind: str
    items: int
    models: list[ModelScores]
    forgetting: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    result_type: str = ""
    """The ``type`` its JSON carries: the model family that scored it (set by :mod:`tunefork.kinds`)."""
    notes: list[str] = field(default_factory=list)
    """What this run adds under the table (hypothesis cache use); not stored with the result."""

    def model_json(self, scores: ModelScores) -> dict[str, Any]:
        """One model's JSON: intent figures at the top level for utterances, span figures for entities."""
        out: dict[str, Any] = {"name": scores.name, "modelId": scores.model_id}
        if self.kind == "utterances":
            intents = scores.intents or {}
            out.update(
                accuracy=intents.get("accuracy"),
                closed_set_accuracy=intents.get("closed_set_accuracy"),
                macro_f1=intents.get("macro_f1"),
                out_of_scope=intents.get("out_of_scope"),
                per_label=intents.get("per_label"),
                intents=scores.intents,
                entities=scores.entities,
            )
        else:
            entities = scores.entities or {}
            out.update({key: entities.get(key) for key in ("precision", "recall", "f1", "per_label")})
            out["entities"] = scores.entities
        return out

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (what ``tunefork evaluate --json`` prints and evaluations store)."""
        return {
            "type": self.result_type,
            "dataset": self.dataset,
            "kind": self.kind,
            "items": self.items,
            "models": [self.model_json(m) for m in self.models],
            "difference": language_report.difference(self),
            "forgetting": self.forgetting,
            "warnings": self.warnings,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LanguageEvaluationResult:
        """The result as :meth:`to_json` stored it."""
        models = [ModelScores(m["name"], m.get("modelId"), m.get("intents"), m.get("entities")) for m in data["models"]]
        return cls(
            dataset=data.get("dataset", ""), kind=data["kind"], items=data.get("items", 0), models=models,
            forgetting=data.get("forgetting"), warnings=list(data.get("warnings") or []),
            result_type=data.get("type", ""),
        )  # fmt: skip

    def headline(self) -> Headline:
        """Intent accuracy for utterances (slot F1 for slot-only models), entity F1 for annotated text."""
        return language_report.headline(self)

    def verdict(self) -> str | None:
        """The difference of the headline figure in plain words (a tie under half a point)."""
        return language_report.verdict(self)

    def winner(self) -> int | None:
        """The model with the clearly higher headline figure (or the only one that can do the task)."""
        return language_report.winner(self)

    def concerns(self) -> list[str]:
        """Base labels B kept less than 90% of (the forgetting check), as ``LABEL (test|general)``."""
        return language_report.forgotten(self.forgetting)

    def table(self) -> ResultTable:
        """Intent and entity figures side by side, and the forgetting check."""
        return language_report.table(self)

    def markdown_details(self) -> list[str]:
        """Per-label scores and the first misclassified examples and entity errors."""
        return language_report.markdown_details(self)

    def report_files(self) -> dict[str, bytes | str | list[dict[str, Any]]]:
        """``errors.jsonl`` and, for intents, confusion-matrix and threshold-curve PNGs per model."""
        return language_report.report_files(self)


def score_models(
    dataset: str, kind: str, items: list[GoldItem], parses_by_model: list[tuple[str, str | None, list[Prediction]]]
) -> LanguageEvaluationResult:
    """Score each model's predictions for ``items`` (``(name, model id, predictions)`` in the order given)."""
    models = []
    for name, model_id, parses in parses_by_model:
        intents = _intent_scores(items, parses) if kind == "utterances" else None
        has_gold_spans = any(item.spans for item in items)
        entities = _entity_scores(items, parses) if kind == "annotated-text" or has_gold_spans else None
        models.append(ModelScores(name, model_id, intents, entities))
    result = LanguageEvaluationResult(dataset=dataset, kind=kind, items=len(items), models=models)
    if kind == "utterances" and models and models[0].intents is None and len(models) == 1:
        result.warnings.append(f"Model '{models[0].name}' has no intents: only its entities were scored.")
    for scores, (_, _, parses) in zip(models, parses_by_model, strict=True):
        # A base model beside a language model's slots: its DATE and ORG are no labels a slot model outputs, and
        # "annotate those labels in the test texts" was wrong advice there (a language review).
        slots_beside_a_base = kind == "utterances" and scores.model_id is None
        if scores.entities is not None and not slots_beside_a_base:
            result.warnings += unannotated_label_warning(scores, items, parses)
    return result


def unannotated_label_warning(scores: ModelScores, items: list[GoldItem], parses: list[Prediction]) -> list[str]:
    """A warning when a model predicts labels the test data never annotates (a base model's DATE, GPE... on
    data annotated with the new label only): they are left out of the overall scores, so they are not judged."""
    annotated = {label for item in items for *_, label in item.spans}
    extra = Counter(label for parse in parses for *_, label in parse.spans if label not in annotated)
    if not annotated or not extra:
        return []
    listed = ", ".join(f"{label} {count}" for label, count in extra.most_common(8))
    return [
        f"Model '{scores.name}': {sum(extra.values())} of its predicted entities have labels the test data never "
        f"annotates ({listed}); the overall entity scores leave them out, so they are not judged (the forgetting "
        "check follows base labels on general text). Annotate those labels in the test texts to score them."
    ]


def forgetting_check(
    result: LanguageEvaluationResult,
    base_labels: list[str],
    general_before: list[list[Span]],
    general_after: list[list[Span]],
) -> dict[str, Any] | None:
    """Base labels' F1 before (first model) and after (second model) on the test set and on general text.

    On general text the reference is the first model's own output, so ``f1_before`` is 1.0 by
    definition and ``f1_after`` says how much of the old behaviour survives.
    """
    if len(result.models) != 2 or any(m.entities is None for m in result.models):
        return None
    before, after = result.models[0].entities["per_label"], result.models[1].entities["per_label"]
    gold_labels = [label for label in base_labels if before.get(label, {}).get("support")]
    general = span_scores(general_before, general_after)["per_label"]
    reference = {label: {"f1": 1.0, "support": general.get(label, {}).get("support", 0)} for label in general}
    general_labels = [label for label in base_labels if reference.get(label, {}).get("support")]
    check = {
        "test": label_retention(before, after, gold_labels),
        "general": label_retention(reference, general, general_labels),
        "general_sentences": len(general_before),
    }
    names = [model.name for model in result.models]
    if lost := language_report.forgotten(check, with_f1=True):
        result.warnings.append(
            f"Model '{names[1]}' kept less than {language_report.FORGETTING_ALERT:.0%} of the F1 of '{names[0]}' on "
            f"base labels: {', '.join(lost)}. A base label that training data annotates (a few spans of logs "
            "exported with the base model's entities, say) is learned from those spans in place of the base "
            "model's recognizer: annotate base labels fully or not at all, and keep rehearsal on."
        )
    if not gold_labels and result.kind == "annotated-text":
        # Only entities projects' test data (annotated text) can annotate base-model labels: an intents
        # project's utterances carry its own slot labels, and its models never output the base labels.
        result.warnings.append(
            "The test data annotates no base-model label, so forgetting is measured only on general text "
            "against the base model's own predictions."
        )
    return check
