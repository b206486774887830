"""The contrastive (SetFit-style) intent encoder: pairs, training, prediction, saving (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tunefork.language.intent_calibration import out_of_scope_flags
from tunefork.language.intent_contrastive import BATCH_PAIRS, MIN_STEPS, contrastive_pairs
from tunefork.language.intents import load_intent_model, train_intents
from tunefork.language.sample_data import intent_examples

INTENTS = ("refill_prescription", "check_order_status", "set_temperature")
TRAIN = [(e["text"], e["intent"]) for e in intent_examples(5, 0) if e["intent"] in INTENTS]
TEST = [(e["text"], e["intent"]) for e in intent_examples(4, 1) if e["intent"] in INTENTS]


def test_pairs_join_examples_of_one_intent_and_part_the_others() -> None:
    texts = ["a1", "a2", "a3", "b1", "b2", "c1"]
    gold = [0, 0, 0, 1, 1, 2]
    intent_of = dict(zip(texts, gold, strict=True))
    pairs = contrastive_pairs(texts, gold, ["the weather is nice"], seed=0)
    assert len(pairs) >= MIN_STEPS * BATCH_PAIRS  # tiny data gets more rounds, not fewer steps
    for anchor, other, target in pairs:
        if target == 1.0:
            assert other != anchor and intent_of[other] == intent_of[anchor]
        else:
            assert other not in intent_of or intent_of[other] != intent_of[anchor]
    assert any(other == "the weather is nice" for _, other, _ in pairs)
    assert not any(anchor == "c1" and target == 1.0 for anchor, _, target in pairs)  # a lone example: no positive


@pytest.mark.slow
def test_contrastive_encoder_trains_predicts_and_reloads(tmp_path: Path) -> None:
    model, report = train_intents(TRAIN, features="contrastive")
    assert report.chosen == "contrastive" and report.cv_folds == {"contrastive": 2} and report.folds == 2
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
