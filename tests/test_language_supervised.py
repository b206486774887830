"""The supervised intent encoder (top layers fine-tuned to classify) and when ``auto`` tries it (issue 12)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tunefork.language import intent_supervised
from tunefork.language.intent_calibration import out_of_scope_flags
from tunefork.language.intent_contrastive import LowerLayerStates
from tunefork.language.intents import (
    CONTRASTIVE_LIMIT_VARIABLE,
    HELD_OUT,
    SUPERVISED_MINIMUM_VARIABLE,
    _tried,
    load_intent_model,
    supervised_minimum,
    train_intents,
)
from tunefork.language.sample_data import intent_examples

INTENTS = ("refill_prescription", "check_order_status", "set_temperature")
TRAIN = [(e["text"], e["intent"]) for e in intent_examples(6, 0) if e["intent"] in INTENTS]
TEST = [(e["text"], e["intent"]) for e in intent_examples(4, 1) if e["intent"] in INTENTS]


@pytest.fixture
def few_steps(monkeypatch) -> None:
    monkeypatch.setattr(intent_supervised, "MIN_STEPS", 8)  # enough to exercise the path (the default trains longer)


def test_steps_are_two_passes_over_the_texts_and_never_fewer_than_the_minimum() -> None:
    assert intent_supervised.training_steps(5274) == 330  # ATIS: 4,634 examples and 640 background texts
    assert intent_supervised.training_steps(100) == intent_supervised.MIN_STEPS


def test_fine_tuning_separates_the_classes(few_steps) -> None:
    texts = [text for text, _ in TRAIN]
    gold = np.array([INTENTS.index(intent) for _, intent in TRAIN])
    states = LowerLayerStates(texts)

    def margin(vectors: np.ndarray) -> float:  # mean cosine within an intent minus across intents
        cosine, same = vectors @ vectors.T, gold[:, None] == gold[None, :]
        return float(cosine[same & ~np.eye(len(gold), dtype=bool)].mean() - cosine[~same].mean())

    before = margin(states.embed(states.top_layers()))
    tuned = intent_supervised.fine_tune_classifying(states, np.arange(len(texts)), gold, len(INTENTS), seed=0)
    assert margin(states.embed(tuned)) > before


def test_auto_tries_supervised_above_the_contrastive_limit_only(monkeypatch) -> None:
    monkeypatch.delenv(SUPERVISED_MINIMUM_VARIABLE)  # conftest sets it high for the rest of the suite
    monkeypatch.setenv(CONTRASTIVE_LIMIT_VARIABLE, "300")
    assert supervised_minimum() == 301
    assert _tried("contrastive", 300) and not _tried("supervised", 300)
    assert _tried("supervised", 301) and not _tried("contrastive", 301)
    assert _tried("combined", 5) and _tried("combined", 5000)
    monkeypatch.setenv(SUPERVISED_MINIMUM_VARIABLE, "12")
    assert supervised_minimum() == 12


@pytest.mark.slow
def test_auto_compares_every_candidate_on_the_held_out_fold_and_supervised_reloads(
    monkeypatch, few_steps, tmp_path: Path
) -> None:
    monkeypatch.setenv(SUPERVISED_MINIMUM_VARIABLE, "0")
    _, report = train_intents(TRAIN)
    assert report.folds == 0 and report.cv_folds == dict.fromkeys(["embeddings", "tfidf", "combined", "supervised"], 0)
    assert set(report.cv_accuracy) == set(report.cv_folds) and report.chosen in report.cv_accuracy
    forced, forced_report = train_intents(TRAIN, features="supervised")
    assert forced_report.chosen == "supervised" and f"measured on {HELD_OUT}" in forced_report.threshold_source
    probabilities = forced.probabilities([text for text, _ in TEST])
    predicted = [forced.labels[row.argmax()] for row in probabilities]
    assert sum(p == gold for p, (_, gold) in zip(predicted, TEST, strict=True)) >= 0.8 * len(TEST)
    forced.save(tmp_path / "intents")
    assert (tmp_path / "intents" / "encoder").is_dir()
    loaded = load_intent_model(tmp_path / "intents")
    sample = [text for text, _ in TEST[:3]] + ["what's the capital of France"]
    assert loaded.probabilities(sample) == pytest.approx(forced.probabilities(sample), abs=1e-5)
    assert out_of_scope_flags(loaded.probabilities(sample[-1:]), loaded.threshold)[0]
