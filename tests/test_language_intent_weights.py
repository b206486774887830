"""Rarer intents weighted up in the linear intent head, kept only when cross-validation says so (issue 12)."""

from __future__ import annotations

import numpy as np
import pytest

from tunefork.cli.model import _intent_choices
from tunefork.language.intents import (
    BACKGROUND_WEIGHT,
    INTENT_WEIGHT_CAP,
    WEIGHTED,
    _sample_weights,
    intent_weights,
    train_intents,
)
from tunefork.language.sample_data import intent_examples


def test_balanced_intents_all_weigh_one() -> None:
    gold = np.repeat(np.arange(4), 12)
    assert np.array_equal(intent_weights(gold), np.ones(len(gold)))


def test_rarer_intents_weigh_the_square_root_of_their_rarity_and_never_more_than_the_cap() -> None:
    gold = np.array([0] * 400 + [1] * 100 + [2] * 4 + [3])
    weights = intent_weights(gold)
    assert weights[gold == 0] == pytest.approx(1.0)  # the largest intent keeps weight 1
    assert weights[gold == 1] == pytest.approx(2.0)  # a quarter of its size: sqrt(4)
    assert weights[gold == 2] == pytest.approx(10.0) and weights[gold == 3] == pytest.approx(INTENT_WEIGHT_CAP)
    assert weights.max() <= INTENT_WEIGHT_CAP


def test_background_shares_twice_an_average_intents_weight() -> None:
    intent = np.array([1.0, 1.0, 3.0, 3.0])
    weights = _sample_weights(intent, intents=2, negatives=8)
    assert np.array_equal(weights[:4], intent)
    assert weights[4:].sum() == pytest.approx(BACKGROUND_WEIGHT * intent.sum() / 2)
    assert np.array_equal(_sample_weights(intent, intents=2, negatives=0), intent)


def _examples(per_intent: dict[str, int]) -> list[tuple[str, str]]:
    pool = [(e["text"], e["intent"]) for e in intent_examples(30, 0)]
    return [pair for intent, count in per_intent.items() for pair in [p for p in pool if p[1] == intent][:count]]


def test_balanced_data_cross_validates_no_weighted_head() -> None:
    _, report = train_intents(
        _examples(dict.fromkeys(["refill_prescription", "check_order_status"], 8)), features="tfidf"
    )
    assert report.cv_folds == {"tfidf": 5} and report.intent_weights is None


def test_unbalanced_data_cross_validates_the_weighted_head_on_the_same_folds_and_says_which_won() -> None:
    counts = {"refill_prescription": 24, "check_order_status": 6, "set_temperature": 6}
    model, report = train_intents(_examples(counts), features="tfidf")
    plain, weighted = report.cv_accuracy["tfidf"], report.cv_accuracy[f"tfidf {WEIGHTED}"]
    assert report.cv_folds == {"tfidf": 5, f"tfidf {WEIGHTED}": 5} and report.chosen == "tfidf"
    losses = report.cv_log_loss
    won = weighted > plain or (weighted == plain and losses[f"tfidf {WEIGHTED}"] < losses["tfidf"])
    assert (report.intent_weights is not None) == won
    assert model.labels == sorted(counts)


def test_the_model_summary_names_the_intent_weights() -> None:
    intents = {
        "chosen": "combined", "folds": 5, "cv_accuracy": {"combined": 0.97, "combined weighted": 0.975},
        "intent_weights": "rarer intents weighted up by sqrt(largest intent / intent)",
    }  # fmt: skip
    lines = _intent_choices(intents)
    assert "combined weighted 97.5%" in lines[0]
    assert lines[1] == "Intent weights: rarer intents weighted up by sqrt(largest intent / intent)."
