"""Paired bootstrap: no difference is not significant, a clear one is, and seeds make it repeatable."""

from __future__ import annotations

import numpy as np
import pytest

from tunefork.evaluation.significance import paired_bootstrap


def _corpus(n: int = 300, seed: int = 1) -> tuple[list[int], list[int]]:
    """Random per-utterance error counts and word counts."""
    rng = np.random.default_rng(seed)
    words = rng.integers(5, 25, size=n)
    errors = rng.binomial(words, 0.2)
    return errors.tolist(), words.tolist()


def test_identical_systems_have_zero_delta_and_are_not_significant() -> None:
    errors, words = _corpus()
    result = paired_bootstrap(errors, errors, words, iterations=2000)
    assert result.wer_delta == 0.0
    assert result.ci95 == (0.0, 0.0)
    assert not result.significant


def test_clearly_better_system_is_significant() -> None:
    errors_a, words = _corpus()
    errors_b = [e // 2 for e in errors_a]
    result = paired_bootstrap(errors_a, errors_b, words, iterations=2000)
    expected = (sum(errors_b) - sum(errors_a)) / sum(words)
    assert result.wer_delta == pytest.approx(expected)
    low, high = result.ci95
    assert low < result.wer_delta < high < 0
    assert result.significant


def test_noise_level_difference_is_not_significant() -> None:
    errors_a, words = _corpus()
    errors_b = list(errors_a)
    errors_b[0] += 1
    errors_b[1] -= 1 if errors_b[1] else 0
    errors_b[2] += 1
    result = paired_bootstrap(errors_a, errors_b, words, iterations=2000)
    assert result.ci95[0] <= 0 <= result.ci95[1]
    assert not result.significant


def test_deterministic_for_a_seed() -> None:
    errors_a, words = _corpus()
    errors_b, _ = _corpus(seed=2)
    first = paired_bootstrap(errors_a, errors_b, words, iterations=500, seed=7)
    again = paired_bootstrap(errors_a, errors_b, words, iterations=500, seed=7)
    other = paired_bootstrap(errors_a, errors_b, words, iterations=500, seed=8)
    assert first == again
    assert first.ci95 != other.ci95


def test_large_corpus_is_batched_and_fast() -> None:
    errors, words = _corpus(n=10_000)
    result = paired_bootstrap(errors, [e + 1 for e in errors], words, iterations=1000)
    assert result.significant and result.wer_delta > 0


def test_edge_cases() -> None:
    assert not paired_bootstrap([], [], []).significant
    with pytest.raises(ValueError, match="length"):
        paired_bootstrap([1], [1, 2], [3])
    zero_words = paired_bootstrap([0, 0], [1, 1], [0, 0], iterations=100)
    assert zero_words.wer_delta == 2.0


def test_too_few_items_are_never_significant() -> None:
    """One utterance gave the interval '+84.62 to +84.62' and 'significant' (a speech review)."""
    from tunefork.evaluation.comparison import compare_models
    from tunefork.evaluation.significance import MIN_PAIRED_ITEMS

    one = paired_bootstrap([11], [0], [13], iterations=500)
    assert one.ci95[0] == one.ci95[1] < 0 and not one.significant and one.too_few_items and one.items == 1
    enough = paired_bootstrap([11] * MIN_PAIRED_ITEMS, [0] * MIN_PAIRED_ITEMS, [13] * MIN_PAIRED_ITEMS, 500)
    assert enough.significant and not enough.too_few_items
    result = compare_models({"u1": "the nacelle fire loop"}, {"a": {"u1": "the new cell fire"}, "b": {"u1": (
        "the nacelle fire loop")}})  # fmt: skip
    assert result.verdict() == "Too few utterances (1) to call the difference significant: at least 6 are needed."
    assert result.to_json()["difference"]["items"] == 1
