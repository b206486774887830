"""Metrics for entity recognizers: strict span P/R/F1, per-item span errors and label retention.

A span is ``(start, end, label)`` in character offsets of its text (``end`` exclusive).

Conventions, chosen to agree with spaCy's NER scorer (``Scorer.score_spans(examples, "ents")`` and
``spacy.scorer.get_ner_prf``) on the same documents:

* Strict matching: a predicted span is a true positive only when start, end and label all equal a
  gold span of the same item. A boundary or label mismatch is one false positive plus one false
  negative. Spans are sets per item, so a repeated span counts once.
* Precision, recall and F1 are micro-averaged over all spans; F1 is ``2 p r / (p + r)`` as spaCy
  computes it. Values are fractions in [0, 1] rounded to 4 decimals.
* An undefined rate is ``0.0``: spaCy's ``PRFScore`` divides by ``tp + fp + 1e-100``, which gives 0
  for 0/0. One difference: when there is no gold and no predicted span at all, spaCy reports None
  for the overall scores; here they are 0.0 with ``tp = fp = fn = 0`` saying why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tunefork.evaluation.classification import check_lengths

__all__ = ["Span", "label_retention", "span_errors", "span_scores"]

Span = tuple[int, int, str]


@dataclass
class _Counts:
    """True positives, false positives and false negatives of one label or of all spans."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def scores(self) -> dict[str, float]:
        """Precision, recall and F1, rounded, 0.0 when undefined."""
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * ((precision * recall) / (precision + recall)) if precision + recall else 0.0
        return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _count_item(per_label: defaultdict[str, _Counts], gold: set[Span], predicted: set[Span]) -> None:
    """Add one item's true positives, false positives and false negatives to their labels' counts."""
    for _, _, label in gold & predicted:
        per_label[label].tp += 1
    for _, _, label in predicted - gold:
        per_label[label].fp += 1
    for _, _, label in gold - predicted:
        per_label[label].fn += 1


def span_scores(gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]]) -> dict[str, Any]:
    """Strict-match span precision, recall and F1, overall (micro) and per label.

    ``gold[i]`` and ``predicted[i]`` are the spans of item ``i``. Returns ``{precision, recall, f1,
    tp, fp, fn, per_label: {label: {precision, recall, f1, support, predicted}}}`` where ``support``
    counts gold spans and ``predicted`` predicted spans of the label; labels are sorted.
    """
    check_lengths(gold, predicted)
    per_label: defaultdict[str, _Counts] = defaultdict(_Counts)
    for gold_spans, predicted_spans in zip(gold, predicted, strict=True):
        _count_item(per_label, set(map(tuple, gold_spans)), set(map(tuple, predicted_spans)))
    total = _Counts(
        tp=sum(c.tp for c in per_label.values()),
        fp=sum(c.fp for c in per_label.values()),
        fn=sum(c.fn for c in per_label.values()),
    )
    return {
        **total.scores(),
        "tp": total.tp,
        "fp": total.fp,
        "fn": total.fn,
        "per_label": {
            label: {**counts.scores(), "support": counts.tp + counts.fn, "predicted": counts.tp + counts.fp}
            for label, counts in sorted(per_label.items())
        },
    }


def _span_record(text: str, span: Span) -> dict[str, Any]:
    """``{start, end, label, text}`` of one span."""
    start, end, label = span
    return {"start": start, "end": end, "label": label, "text": text[start:end]}


def _relabeled_pairs(gold_only: set[Span], predicted_only: set[Span]) -> list[tuple[Span, Span]]:
    """(gold, predicted) pairs with equal boundaries and different labels, each span used once."""
    unused = sorted(predicted_only)
    pairs = []
    for gold_span in sorted(gold_only):
        match = next((span for span in unused if span[:2] == gold_span[:2]), None)
        if match is not None:
            unused.remove(match)
            pairs.append((gold_span, match))
    return pairs


def _item_errors(text: str, gold: set[Span], predicted: set[Span]) -> dict[str, list[dict[str, Any]]]:
    """Missed, spurious and wrong-label spans of one item, each list sorted by offsets."""
    gold_only, predicted_only = gold - predicted, predicted - gold
    pairs = _relabeled_pairs(gold_only, predicted_only)
    missed = gold_only - {gold_span for gold_span, _ in pairs}
    spurious = predicted_only - {predicted_span for _, predicted_span in pairs}
    return {
        "missed": [_span_record(text, span) for span in sorted(missed)],
        "spurious": [_span_record(text, span) for span in sorted(spurious)],
        "wrong_label": [
            {
                "start": gold_span[0],
                "end": gold_span[1],
                "text": text[gold_span[0] : gold_span[1]],
                "gold_label": gold_span[2],
                "predicted_label": predicted_span[2],
            }
            for gold_span, predicted_span in pairs
        ],
    }


def span_errors(
    ids: Sequence[str],
    texts: Sequence[str],
    gold: Sequence[Sequence[Span]],
    predicted: Sequence[Sequence[Span]],
) -> list[dict[str, Any]]:
    """Per-item span errors, only for items with at least one, in input order.

    Rows ``{id, text, missed, spurious, wrong_label}``. ``missed`` and ``spurious`` hold
    ``{start, end, label, text}``; ``wrong_label`` holds spans whose boundaries match exactly but
    whose label differs, as ``{start, end, text, gold_label, predicted_label}``. A span with
    different boundaries is one missed plus one spurious span (strict matching, as in
    :func:`span_scores`).
    """
    check_lengths(ids, texts, gold, predicted)
    rows = []
    for key, text, gold_spans, predicted_spans in zip(ids, texts, gold, predicted, strict=True):
        errors = _item_errors(text, set(map(tuple, gold_spans)), set(map(tuple, predicted_spans)))
        if any(errors.values()):
            rows.append({"id": key, "text": text, **errors})
    return rows


def label_retention(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]], labels: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Forgetting check: how much of each label's F1 survives further training.

    ``before`` and ``after`` are ``span_scores(...)["per_label"]`` of the old and new model on the same
    evaluation set. Returns ``{label: {f1_before, f1_after, retained, support}}`` with
    ``retained = f1_after / f1_before`` (4 decimals; None when ``f1_before`` is 0). A label missing
    from a dict has F1 0.0; ``support`` comes from ``before`` (else ``after``, else 0).
    """
    result = {}
    for label in labels:
        old, new = before.get(label, {}), after.get(label, {})
        f1_before, f1_after = float(old.get("f1", 0.0)), float(new.get("f1", 0.0))
        result[label] = {
            "f1_before": f1_before,
            "f1_after": f1_after,
            "retained": round(f1_after / f1_before, 4) if f1_before else None,
            "support": old.get("support", new.get("support", 0)),
        }
    return result
