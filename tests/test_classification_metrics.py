"""Intent metrics agree with scikit-learn; misclassified rows, OOS scores, thresholds and plots."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from tunefork.evaluation.classification import (
    DEFAULT_THRESHOLDS,
    classification_report,
    misclassified,
    out_of_scope_report,
    plot_confusion_matrix,
    plot_learning_curve,
    plot_threshold_curve,
    threshold_curve,
)

OOS = "out_of_scope"
_LABELS = st.sampled_from(["book", "cancel", "greet", "weather", OOS])
_PAIRS = st.lists(st.tuples(_LABELS, _LABELS), min_size=1, max_size=40)


def _sklearn(call, *args, **kwargs):
    """A scikit-learn metric with its zero-division warnings silenced (0 is the value we compare)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(*args, **kwargs)


@settings(max_examples=300, deadline=None)
@given(_PAIRS)
def test_report_equals_sklearn(pairs: list[tuple[str, str]]) -> None:
    gold, predicted = [g for g, _ in pairs], [p for _, p in pairs]
    report = classification_report(gold, predicted)
    labels = report["confusion"]["labels"]
    assert labels == sorted(set(gold) | set(predicted))
    assert report["count"] == len(gold)
    assert report["accuracy"] == round(_sklearn(accuracy_score, gold, predicted), 4)
    # macro F1 over the gold labels (a label only predicted would add an F1 of 0 whatever the rest)
    macro = _sklearn(f1_score, gold, predicted, labels=sorted(set(gold)), average="macro", zero_division=0)
    assert report["macro_f1"] == round(macro, 4)
    precision, recall, f1, support = _sklearn(
        precision_recall_fscore_support, gold, predicted, labels=labels, zero_division=0
    )
    for k, label in enumerate(labels):
        row = report["per_label"][label]
        assert (row["precision"], row["recall"], row["f1"]) == tuple(
            round(float(v[k]), 4) for v in (precision, recall, f1)
        )
        assert row["support"] == support[k]
    assert report["confusion"]["matrix"] == _sklearn(confusion_matrix, gold, predicted, labels=labels).tolist()


def test_report_with_given_labels_keeps_order_and_adds_unseen() -> None:
    report = classification_report(["b", "a", "c"], ["b", "c", "c"], labels=["c", "z"])
    assert report["confusion"]["labels"] == ["c", "z", "a", "b"]
    assert report["per_label"]["z"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0, "predicted": 0}
    assert report["confusion"]["matrix"] == [[1, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]
    # a label no item has does not dilute macro F1
    assert report["macro_f1"] == round(f1_score(["b", "a", "c"], ["b", "c", "c"], average="macro"), 4)


def test_empty_report() -> None:
    report = classification_report([], [])
    assert report == {
        "accuracy": 0.0,
        "macro_f1": 0.0,
        "per_label": {},
        "confusion": {"labels": [], "matrix": []},
        "count": 0,
    }


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError):
        classification_report(["a"], [])


def test_misclassified_confident_mistakes_first() -> None:
    rows = misclassified(
        ["1", "2", "3", "4", "5"],
        ["hi", "book it", "rain?", "cancel", "hmm"],
        ["greet", "book", "weather", "cancel", OOS],
        ["greet", "cancel", "greet", "cancel", "book"],
        [0.99, 0.4, 0.9, 0.8, 0.4],
    )
    assert [row["id"] for row in rows] == ["3", "2", "5"]
    assert rows[0] == {
        "id": "3",
        "text": "rain?",
        "intent": "weather",
        "predicted": "greet",
        "confused_with": "greet",
        "confidence": 0.9,
    }


def test_out_of_scope_report_edge_cases() -> None:
    assert out_of_scope_report([True, False, True, False], [True, True, False, False]) == {
        "precision": 0.5,
        "recall": 0.5,
        "f1": 0.5,
        "support": 2,
        "predicted": 2,
    }
    nothing_predicted = out_of_scope_report([True, False], [False, False])
    assert nothing_predicted == {"precision": None, "recall": 0.0, "f1": 0.0, "support": 1, "predicted": 0}
    no_gold = out_of_scope_report([False, False], [True, False])
    assert no_gold == {"precision": 0.0, "recall": None, "f1": 0.0, "support": 0, "predicted": 1}
    assert out_of_scope_report([False], [False]) == {
        "precision": None,
        "recall": None,
        "f1": None,
        "support": 0,
        "predicted": 0,
    }
    assert out_of_scope_report([], [])["f1"] is None


_SCORED = st.lists(
    st.tuples(st.floats(0, 1), _LABELS, _LABELS),  # (confidence, top label, gold label)
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(_SCORED)
def test_threshold_curve_coverage_is_monotonic(scored: list[tuple[float, str, str]]) -> None:
    confidences, top, gold = (list(column) for column in zip(*scored, strict=True))
    curve = threshold_curve(confidences, top, gold)
    assert [row["threshold"] for row in curve] == list(DEFAULT_THRESHOLDS)
    assert DEFAULT_THRESHOLDS[0] == 0.0 and DEFAULT_THRESHOLDS[-1] == 1.0 and len(DEFAULT_THRESHOLDS) == 21
    coverage = [row["in_scope_coverage"] for row in curve]
    if all(label == OOS for label in gold):
        assert coverage == [None] * len(curve)
    else:
        assert coverage == sorted(coverage, reverse=True)
    recalls = [row["oos_recall"] for row in curve]
    if OOS in gold:
        assert recalls == sorted(recalls)
    for row in curve:
        assert 0.0 <= row["accuracy"] <= 1.0


def test_threshold_curve_rows() -> None:
    confidences = [0.9, 0.3, 0.6, 0.2]
    top = ["book", "greet", "book", "cancel"]
    gold = ["book", OOS, "cancel", OOS]
    row = threshold_curve(confidences, top, gold, thresholds=[0.5])[0]
    assert row == {
        "threshold": 0.5,
        "accuracy": 0.75,
        "in_scope_coverage": 1.0,
        "oos_precision": 1.0,
        "oos_recall": 1.0,
    }
    start = threshold_curve(confidences, top, gold, thresholds=[0.0])[0]
    assert start["accuracy"] == 0.25 and start["oos_precision"] is None and start["oos_recall"] == 0.0
    # a model with a background class: an item whose background share outweighs its top label is out of
    # scope at every threshold, as the model decides
    shares = [0.05, 0.6, 0.1, 0.1]
    start = threshold_curve(confidences, top, gold, thresholds=[0.0], background=shares)[0]
    assert (start["accuracy"], start["oos_precision"], start["oos_recall"]) == (0.5, 1.0, 0.5)
    assert threshold_curve(confidences, top, gold, thresholds=[0.5], background=shares)[0] == row


def _is_png(path: Path) -> bool:
    data = path.read_bytes()
    return data.startswith(b"\x89PNG") and len(data) > 1000


def test_plots_render_png(tmp_path: Path) -> None:
    labels = [f"intent_{k:02d}" for k in range(30)]
    rng = np.random.default_rng(1)
    gold = rng.choice(labels, 300).tolist()
    predicted = [g if rng.random() < 0.7 else rng.choice(labels) for g in gold]
    report = classification_report(gold, predicted)
    small = classification_report(["a", "b", "b"], ["a", "b", "a"])
    curve = threshold_curve([0.9, 0.3, 0.6], ["a", "b", "a"], ["a", OOS, "b"])
    points = [
        {"fraction": f, "train_size": int(f * 200), "metrics": {"accuracy": 0.5 + f / 3, "macro_f1": 0.4 + f / 3}}
        for f in (0.25, 0.5, 1.0)
    ]
    plots = {
        "big": plot_confusion_matrix(report["confusion"]["labels"], report["confusion"]["matrix"]),
        "small": plot_confusion_matrix(small["confusion"]["labels"], small["confusion"]["matrix"]),
        "threshold": plot_threshold_curve(curve),
        "learning": plot_learning_curve(points),
        "empty_learning": plot_learning_curve([]),
        "empty_confusion": plot_confusion_matrix([], []),
    }
    for name, png in plots.items():
        (tmp_path / f"{name}.png").write_bytes(png)
        assert _is_png(tmp_path / f"{name}.png"), name


def test_a_model_that_knows_no_concept_is_compared_with_chance_not_called_beaten() -> None:
    """An image model at chance was 'more accurate than efficientnet-lite0 by 25 points (significant)', the studio
    saying "Deploy it" (a review): against a base, the commonest test concept is the bar."""
    from tunefork.vision.scoring import ImageEvaluationResult, ModelImageScores

    def scores(model_id: str | None, accuracy: float) -> ModelImageScores:
        per_concept = {"circle": {"support": 6}, "square": {"support": 3}, "triangle": {"support": 3}}
        return ModelImageScores("v1" if model_id else "base", model_id, accuracy, 0.0, per_concept, None, None, [])

    difference = {"accuracy_delta": 0.5, "ci95": [0.2, 0.8], "significant": True}
    at_chance = ImageEvaluationResult("test", 12, [scores(None, 0.0), scores("1", 0.5)], difference)
    assert at_chance.winner() is None and at_chance.verdict() == (
        "base knows none of the test concepts; v1 reaches 50.0%, no better than chance: image accuracy 50.0% on 12 "
        "items, at least 28.6% (one-sided 95% bound), against 50.0% for answering 'circle' to every item."
    )
    good = ImageEvaluationResult("test", 12, [scores(None, 0.0), scores("1", 1.0)], difference)
    assert good.winner() == 1 and good.verdict().startswith(  # what a gate passed it by (a language review)
        "base knows none of the test concepts; v1 reaches 100.0%, better than chance: image accuracy 100.0% on 12 "
    )


def test_labels_written_two_ways_and_bio_tags_are_told_apart_from_labels_of_their_own() -> None:
    """A code review: E-MAIL and U-BOOT read as BIO tags; an intent 'product' and an entity 'PRODUCT' pooled."""
    from tunefork.evaluation.labels import label_variants, tag_prefix_warning

    assert label_variants(["leaf spot", "leaf_spot", "Circle", "circle", "brulure", "brûlure", "x"]) == [
        (["Circle", "circle"], "case"),
        (["brulure", "brûlure"], "case, accents or separators"),
        (["leaf spot", "leaf_spot"], "case, accents or separators"),
    ]
    assert tag_prefix_warning(["E-MAIL", "U-BOOT", "S-CLASS"]) is None  # labels of their own
    assert tag_prefix_warning(["B-PRODUCT", "I-PRODUCT"]).startswith("labels 'B-PRODUCT', 'I-PRODUCT' look like BIO")
    assert tag_prefix_warning(["B-DRUG", "DRUG"]).startswith("label 'B-DRUG' looks like a BIO tag")
