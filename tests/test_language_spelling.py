"""Typos in requests corrected toward the training vocabulary before the intent classifier reads them."""

from __future__ import annotations

import numpy as np

from tunefork.language.intents import load_intent_model, train_intents
from tunefork.language.spelling import VOCABULARY_FILE, CorrectedIntents, TypoCorrector, edit_distance

TRAIN = [
    ("what are the diesel pump hours", "fuel_hours"),
    ("when does the diesel pump open", "fuel_hours"),
    ("is the fuel dock open on sunday", "fuel_hours"),
    ("book my qashqai in for a service", "book_service"),
    ("can you service my qashqai next week", "book_service"),
    ("i need a service booked for friday", "book_service"),
    ("how much is a new bilge pump", "price"),
    ("price of impellers for a yanmar", "price"),
    ("what do you charge for a bilge pump", "price"),
]


def test_edit_distance_counts_swaps_and_keyboard_neighbours_as_one_edit() -> None:
    assert edit_distance("diesle", "diesel", 2) == 1  # neighbouring letters swapped
    assert edit_distance("impelers", "impellers", 2) == 1  # a letter dropped
    assert edit_distance("servicw", "service", 2) == 1  # w beside e on the keyboard
    assert edit_distance("pice", "pipe", 2) == 2  # c and p are far apart
    assert edit_distance("pump", "qashqai", 2) == 3  # past the limit: limit + 1


def test_unknown_words_are_corrected_toward_training_words_and_keep_their_capitals() -> None:
    corrector = TypoCorrector.from_texts([text for text, _ in TRAIN])
    assert corrector.correct("Diesle hours please") == "Diesel hours please"
    assert corrector.correct("the QAHSQAI needs a servce") == "the QASHQAI needs a service"
    assert corrector.correct("new bildge pump, impelers too") == "new bilge pump, impellers too"


def test_known_short_ambiguous_and_far_words_are_left_as_typed() -> None:
    corrector = TypoCorrector.from_texts(["price of a pipe", "the dock opens at nine", "pump hours"])
    assert corrector.correct("whats my dads boat worth") == "whats my dads boat worth"  # English, with endings
    assert corrector.correct("i dont think so") == "i dont think so"
    assert corrector.correct("pmp") == "pmp"  # under four letters
    assert corrector.correct("rough pice") == "rough price"  # price: one letter dropped
    assert TypoCorrector.from_texts(["a pipe"]).correct("rough pice") == "rough pice"  # pipe: c is not p's neighbour
    ambiguous = TypoCorrector.from_texts(["the lamb", "the lame"])
    assert ambiguous.correction("lamx") is None  # two training words one edit away: no guess


def test_the_classifier_reads_corrected_requests_and_keeps_its_corrector_when_saved(tmp_path) -> None:
    model, _ = train_intents(TRAIN, features="tfidf")
    assert isinstance(model, CorrectedIntents)
    typed, meant = ["diesle pmp hours", "my qahsqai needs a servce"], ["diesel pmp hours", "my qashqai needs a service"]
    np.testing.assert_allclose(model.probabilities(typed), model.classifier.probabilities(meant))
    assert not np.allclose(model.classifier.probabilities(typed), model.classifier.probabilities(meant))
    model.save(tmp_path)
    loaded = load_intent_model(tmp_path)
    np.testing.assert_allclose(loaded.probabilities(typed), model.probabilities(typed))
    assert [ranking[0].name for ranking in loaded.rank(typed)] == ["fuel_hours", "book_service"]


def test_a_model_saved_before_correction_existed_loads_without_it(tmp_path) -> None:
    model, _ = train_intents(TRAIN, features="tfidf")
    model.save(tmp_path)
    (tmp_path / VOCABULARY_FILE).unlink()
    loaded = load_intent_model(tmp_path)
    assert not isinstance(loaded, CorrectedIntents)
    np.testing.assert_allclose(loaded.probabilities(["diesle hours"]), model.classifier.probabilities(["diesle hours"]))


def test_words_longer_than_any_correction_are_left_as_typed() -> None:
    """Unknown words are looked up by their forms with letters deleted; words past 30 letters (codes, noise: a
    2,000-letter word has 2 million such forms) are neither corrections nor corrected."""
    corrector = TypoCorrector.from_texts(["a" * 5000 + " diesel"])
    assert corrector.correct("a" * 4999) == "a" * 4999 and corrector.correct("y" * 1999) == "y" * 1999
    assert corrector.correct("a" * 5000 + " diesle") == "a" * 5000 + " diesel"


def test_a_prefix_or_suffix_that_changes_the_meaning_is_not_a_typo() -> None:
    """`uninstall` was read as `install` (two letters added), which flips the request's intent (a code review)."""
    corrector = TypoCorrector.from_texts(["install the app", "subscribe me", "activate my card", "a booking"])
    for word in ("uninstall", "unsubscribe", "deactivate", "rebooking", "Zürich", "Grüße"):
        assert corrector.correct(word) == word
    assert corrector.correct("subscibe me") == "subscribe me"


def test_without_the_english_vocabulary_nothing_is_corrected(monkeypatch) -> None:
    """Everyday words would be "corrected" to training words (`hook` to `book`) without the encoder's vocabulary."""
    from tunefork.language import spelling

    monkeypatch.setattr(spelling, "english_words", lambda: None)
    corrector = TypoCorrector.from_texts(["book a table"])
    assert corrector.correct("hook a tabel") == "hook a tabel"
