"""Cross-validation folds that hold an intent's near-duplicate examples out together (issue 12)."""

from __future__ import annotations

import numpy as np

from tunefork.language.intent_folds import WHOLE_GROUPS, grouped_folds, held_out_units, phrasing_groups
from tunefork.language.intents import _splits

PHRASINGS = {
    "refund": [
        ["i want a refund for my order", "i want a refund for my last order", "i want a refund for my shoes order"],
        ["give me my money back", "please give me my money back now", "give me my money back please"],
        ["how do refunds work", "how do refunds work here", "how do refunds work for gifts"],
    ],
    "track": [
        ["where is my parcel", "where is my parcel today", "where is my parcel now"],
        ["track order 1234", "track order 5678", "track order 9012 please"],
        ["when will the courier arrive", "when will the courier arrive tomorrow", "when does the courier arrive"],
    ],
}


def _data() -> tuple[list[str], np.ndarray, list[list[int]]]:
    """The hand-made examples, their intents and the positions of each phrasing."""
    texts: list[str] = []
    gold: list[int] = []
    phrasings: list[list[int]] = []
    for intent, groups in enumerate(PHRASINGS.values()):
        for group in groups:
            phrasings.append(list(range(len(texts), len(texts) + len(group))))
            texts += group
            gold += [intent] * len(group)
    return texts, np.array(gold), phrasings


def _with_background(texts: list[str], gold: np.ndarray, count: int = 20) -> tuple[list[str], np.ndarray]:
    background = [f"unrelated sentence number {i} about the weather" for i in range(count)]
    return texts + background, np.concatenate([gold, np.full(count, gold.max() + 1)])


def test_phrasing_groups_recover_the_hand_made_phrasings() -> None:
    texts, gold, phrasings = _data()
    all_texts, all_gold = _with_background(texts, gold)
    groups = phrasing_groups(all_texts, all_gold, intents=2)
    assert sorted(sorted(np.flatnonzero(groups == g).tolist()) for g in np.unique(groups[: len(texts)])) == phrasings
    assert len(np.unique(groups[len(texts) :])) == 20  # background texts: one group each


def test_no_group_spans_two_intents() -> None:
    texts = ["cancel my order", "cancel my order please", "cancel my booking", "cancel my booking please"]
    gold = np.array([0, 0, 1, 1])  # the same wording in two intents
    for intent_texts in (texts, texts * 2):
        intent_gold = np.resize(gold, len(intent_texts))
        groups = phrasing_groups(intent_texts, intent_gold, intents=2)
        for group in np.unique(groups):
            assert len(set(intent_gold[groups == group])) == 1


def test_folds_hold_whole_groups_together_and_stay_stratified() -> None:
    texts, gold, _ = _data()
    all_texts, all_gold = _with_background(texts, gold)
    groups = phrasing_groups(all_texts, all_gold, intents=2)
    for seed in range(4):
        units = held_out_units(groups, all_gold, seed)
        whole = [u for u in np.unique(units[: len(texts)]) if (units == u).sum() > 1]
        assert len(whole) == 2 * int(np.floor(WHOLE_GROUPS * 3 + 0.5))  # a seeded share of each intent's 3 groups
        splits = grouped_folds(all_texts, all_gold, 2, 3, seed)
        assert splits is not None and len(splits) == 3
        tests = [set(test.tolist()) for _, test in splits]
        assert sorted(i for test in tests for i in test) == list(range(len(all_texts)))  # a partition
        for train, test in splits:
            assert not set(train) & set(test)
            for unit in whole:
                members = set(np.flatnonzero(units == unit).tolist())
                assert members <= set(test.tolist()) or not members & set(test.tolist())
            for label in range(3):  # every intent (9 examples) and the background in every fold
                assert (all_gold[test] == label).any() and (all_gold[train] == label).any()
        background = [int((all_gold[test] == 2).sum()) for _, test in splits]
        assert max(background) - min(background) <= 1  # background texts spread one by one


def test_tiny_intents_keep_single_examples_and_every_text_in_one_fold() -> None:
    texts = ["cancel it", "cancel it now", "cancel it today", "book a table", "what time is it"]
    gold = np.array([0, 0, 0, 1, 2])  # one intent in one group (split up), two single-example intents
    assert np.array_equal(phrasing_groups(texts, gold, intents=3), np.arange(5))
    splits = _splits(texts, gold, 3, 3, seed=0)
    assert len(splits) == 3 and sorted(np.concatenate([test for _, test in splits]).tolist()) == list(range(5))
    assert all((gold[test] == 0).sum() == 1 for _, test in splits)  # the 3-example intent in every fold


def test_two_examples_an_intent_go_to_different_folds() -> None:
    texts = ["cancel it", "cancel it now", "book a table", "book a table for two", "pay the bill", "pay my bill"]
    gold = np.array([0, 0, 1, 1, 2, 2])
    for seed in range(5):
        for _, test in _splits(texts, gold, 3, 2, seed):
            assert np.array_equal(np.bincount(gold[test], minlength=3), [1, 1, 1])


def test_text_without_words_is_a_group_of_its_own() -> None:
    texts = ["?!", "...", "where is my parcel", "where is my parcel now", "track it", "track it now", "!!"]
    gold = np.array([0, 0, 0, 0, 1, 1, 1])
    groups = phrasing_groups(texts, gold, intents=2)
    assert len(np.unique(groups[:4])) == 3 and groups[2] == groups[3]  # empty TF-IDF rows: similar to nothing
    assert groups[6] != groups[4] == groups[5]
    assert np.array_equal(phrasing_groups(["?!", "...", "!!"], np.array([0, 0, 1]), 2), np.arange(3))  # no words
    assert grouped_folds(texts, gold, 2, 2, seed=0) is not None


def test_stratified_folds_when_grouping_would_leave_a_fold_empty() -> None:
    texts = ["reset my password", "reset my password now", "reset my password please", "unlock my account",
             "unlock my account now", "what is my balance"]  # fmt: skip
    gold = np.array([0, 0, 0, 0, 0, 1])  # 5 folds; no background class
    assert any(grouped_folds(texts, gold, 2, 5, seed) is None for seed in range(10))  # 3-group whole: 4 units
    for seed in range(10):
        splits = _splits(texts, gold, 2, 5, seed)
        assert len(splits) == 5 and all(len(test) for _, test in splits)
