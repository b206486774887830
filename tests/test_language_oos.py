"""Out of scope without out-of-scope examples: the background class and the threshold trade-off (issue 12)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tunefork.evaluation.significance import wilson_lower_bound
from tunefork.language.background import background_texts, domain_words
from tunefork.language.intent_calibration import (
    IN_SCOPE_KEEP,
    choose_background_trade_off,
    choose_threshold,
    out_of_scope_flags,
)
from tunefork.language.intents import MIN_UPLOADED_FOR_RECALL, load_intent_model, train_intents
from tunefork.language.model import SpacyLanguageModel
from tunefork.language.sample_data import intent_examples, out_of_scope_examples

TRAIN = [(e["text"], e["intent"]) for e in intent_examples(10, 0)]
IN_SCOPE_TEST = [e["text"] for e in intent_examples(8, 1)]
OUT_OF_SCOPE_TEST = out_of_scope_examples(30, 1)  # templates of their own, not the shipped general sentences


def _rates(model) -> tuple[float, float]:
    """(share of in-scope test texts kept, share of out-of-scope test texts flagged) at the model's decision."""
    kept = 1.0 - out_of_scope_flags(model.probabilities(IN_SCOPE_TEST), model.threshold).mean()
    return float(kept), float(out_of_scope_flags(model.probabilities(OUT_OF_SCOPE_TEST), model.threshold).mean())


STEPS: list[tuple[float, float, str]] = []


@pytest.fixture(scope="module")
def with_background():
    return train_intents(
        TRAIN, features="embeddings", progress=lambda done, total, step: STEPS.append((done, total, step))
    )


def test_training_says_what_it_embeds_before_cross_validating(with_background) -> None:
    """A review watched "intents: embedding examples (0/6)" stand still for minutes, the count of texts unsaid."""
    done, _, first = STEPS[0]
    assert done == 0 and re.match(r"intents: embedding \d+ examples and background texts \(all-", first), first
    assert int(first.split()[2]) > len(TRAIN)
    fractions = [d / t for d, t, _ in STEPS]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(d == 1 and step.startswith("intents: cross-validating embeddings") for d, _, step in STEPS)


def test_background_class_catches_out_of_scope_that_the_threshold_alone_misses(with_background, tmp_path) -> None:
    model, report = with_background
    plain, plain_report = train_intents(TRAIN, features="embeddings", background=False)
    kept, recall = _rates(model)
    _, plain_recall = _rates(plain)
    assert kept >= 0.9 and recall >= 0.8, (kept, recall)
    assert recall >= plain_recall + 0.2, (recall, plain_recall)  # removing the class loses out-of-scope recall
    assert report.background and "general sentences" in report.background and plain_report.background is None
    trade_off = report.trade_off
    assert trade_off["in_scope_kept"] >= IN_SCOPE_KEEP and "95%" in report.threshold_source
    assert trade_off["threshold"] == report.threshold
    model.save(tmp_path / "intents")
    loaded = load_intent_model(tmp_path / "intents")
    assert loaded.probabilities(OUT_OF_SCOPE_TEST[:5]) == pytest.approx(model.probabilities(OUT_OF_SCOPE_TEST[:5]))
    france = loaded.probabilities(["what's the capital of France"])
    assert out_of_scope_flags(france, loaded.threshold)[0]


def test_uploaded_out_of_scope_examples_train_the_class_and_measure_the_trade_off() -> None:
    uploaded = out_of_scope_examples(12, 0)
    negatives = background_texts(TRAIN, uploaded)
    assert negatives.uploaded == uploaded and negatives.general and negatives.generated
    assert not {t.lower() for t, _ in TRAIN} & {t.lower() for t in negatives.texts}
    words = set(domain_words([t for t, _ in TRAIN]))
    assert {"refill", "prescription"} <= words and "please" not in words
    assert any(words & set(text.lower().split()) for text in negatives.generated)
    _, report = train_intents(TRAIN, features="tfidf", out_of_scope_texts=uploaded)
    pooled = len(uploaded) + len(negatives.general) + len(negatives.generated)  # 12 alone would be a coarse recall
    assert "the uploaded out-of-scope examples and the general and vocabulary" in report.threshold_source
    assert report.trade_off["out_of_scope_texts"] == pooled
    many = out_of_scope_examples(MIN_UPLOADED_FOR_RECALL, 0)
    _, report = train_intents(TRAIN, features="tfidf", out_of_scope_texts=many)
    assert "and uploaded out-of-scope examples" in report.threshold_source
    assert report.trade_off["out_of_scope_texts"] == len(many)
    # a given threshold says what it keeps and flags, measured the same way ("given" alone: a language review)
    model, report = train_intents(TRAIN, features="tfidf", out_of_scope_texts=many, threshold=0.5)
    assert model.threshold == 0.5 and report.threshold_source.startswith("the given threshold (--oos-threshold)")
    assert "at 0.500 it keeps " in report.threshold_source and report.trade_off["out_of_scope_recall"] is not None


def test_threshold_keeps_the_stated_share_of_in_scope() -> None:
    rng = np.random.default_rng(0)
    in_scope = rng.dirichlet([8, 1, 1], size=200)
    out_of_scope = rng.dirichlet([1, 1, 1], size=100)
    trade_off = choose_threshold(in_scope, out_of_scope, "synthetic")
    assert trade_off.in_scope_kept >= IN_SCOPE_KEEP
    assert trade_off.out_of_scope_recall == pytest.approx(
        out_of_scope_flags(out_of_scope, trade_off.threshold).mean(), abs=1e-4
    )
    # the best recall any threshold keeping 95% reaches; the chosen one is within its 95% bound, and any lower
    # threshold would fall below that bound (no in-scope example is flagged for a gain within the noise)
    keeping = [t for t in np.linspace(0, 1, 2001) if 1 - out_of_scope_flags(in_scope, t).mean() >= IN_SCOPE_KEEP]
    best = max(out_of_scope_flags(out_of_scope, t).mean() for t in keeping)
    assert trade_off.best_out_of_scope_recall == pytest.approx(best, abs=1e-4)
    floor = wilson_lower_bound(best, len(out_of_scope))
    assert floor <= trade_off.out_of_scope_recall < best
    lower = max(c for c in in_scope.max(axis=1) if c < trade_off.threshold)  # the next lower decision
    assert out_of_scope_flags(out_of_scope, lower).mean() < floor
    assert out_of_scope_flags(np.array([[0.3, 0.2]]), 0.0)[0]  # the background (0.5) beats the best intent


def test_no_threshold_when_it_buys_no_out_of_scope_recall() -> None:
    """Out-of-scope texts the background class already catches: a threshold would only flag in-scope text."""
    rng = np.random.default_rng(1)
    intents = rng.dirichlet([4, 1, 1], size=120) * 0.98  # intents, then the background's 2%
    in_scope = np.hstack([intents, 1 - intents.sum(axis=1, keepdims=True)])
    outside = rng.dirichlet([1, 1, 1], size=300) * 0.1
    out_of_scope = np.hstack([outside, 1 - outside.sum(axis=1, keepdims=True)])
    bias, trade_off = choose_background_trade_off(in_scope, out_of_scope, "synthetic")
    assert bias == 0.0 and trade_off.threshold == 0.0
    assert trade_off.in_scope_kept == 1.0 and trade_off.out_of_scope_recall == 1.0


def test_an_out_of_scope_answer_reports_its_own_confidence_not_the_top_intents(with_background) -> None:
    """/parse's ``confidence`` is the decided answer's: in scope the best intent's, out of scope 1 - that."""
    model = SpacyLanguageModel("nlu", intents=with_background[0])
    outside, inside = model.parse_batch(["what's the capital of France", "please refill my prescription for ibuprofen"])
    assert outside.out_of_scope and not inside.out_of_scope
    assert outside.confidence == pytest.approx(1.0 - outside.intents[0].confidence)
    assert inside.confidence == inside.top_confidence == inside.intents[0].confidence
    answer = outside.to_json()
    assert answer["intent"] == "out_of_scope" and answer["confidence"] == round(outside.confidence, 4)
    assert answer["intents"][0]["confidence"] == round(outside.top_confidence, 4)  # the ranking stays
