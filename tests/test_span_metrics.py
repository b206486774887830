"""Strict span scores agree with spaCy's NER scorer exactly; span errors and label retention."""

from __future__ import annotations

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.scorer import Scorer, get_ner_prf
from spacy.tokens import Doc
from spacy.training import Example

from tunefork.evaluation.spans import Span, label_retention, span_errors, span_scores

nlp = spacy.blank("en")

Item = tuple[str, list[Span], list[Span]]

# (text, gold spans, predicted spans) in character offsets, all token-aligned.
CASES: list[Item] = [
    # exact match, wrong boundaries (too short), wrong label
    (
        "Book a flight from New York to San Francisco tomorrow",
        [(19, 27, "CITY"), (31, 44, "CITY"), (45, 53, "DATE")],
        [(19, 27, "CITY"), (35, 44, "CITY"), (45, 53, "TIME")],
    ),
    # missed span, extra span
    ("Call Alice at noon", [(5, 10, "PERSON")], [(14, 18, "TIME")]),
    # no spans at all
    ("hello there", [], []),
    # gold only
    ("Remind me on Friday", [(13, 19, "DATE")], []),
    # predicted only, boundary too long
    ("Play jazz by Miles Davis", [(13, 24, "PERSON")], [(5, 9, "GENRE"), (10, 24, "PERSON")]),
    # several labels, all right
    ("Send 5 dollars to Bob", [(5, 6, "AMOUNT"), (18, 21, "PERSON")], [(5, 6, "AMOUNT"), (18, 21, "PERSON")]),
]


def _doc(text: str, spans: list[Span]) -> Doc:
    """A blank-English doc of ``text`` with ``spans`` as its entities (set even when empty)."""
    doc = nlp.make_doc(text)
    ents = [doc.char_span(start, end, label=label) for start, end, label in spans]
    assert all(ent is not None for ent in ents), "test spans must be token-aligned"
    doc.ents = ents
    return doc


def _examples(items: list[Item]) -> list[Example]:
    return [Example(_doc(text, predicted), _doc(text, gold)) for text, gold, predicted in items]


def _ours(items: list[Item]) -> dict:
    return span_scores([gold for _, gold, _ in items], [predicted for _, _, predicted in items])


def _assert_equal_to_spacy(items: list[Item]) -> None:
    """Overall and per-type P/R/F of both spaCy scorers equal ours (spaCy's rounded to 4 decimals)."""
    ours = _ours(items)
    examples = _examples(items)
    for theirs in (Scorer.score_spans(examples, "ents"), get_ner_prf(examples)):
        if theirs["ents_p"] is None:  # spaCy: no span anywhere -> None; ours: 0.0 with zero counts
            assert (ours["tp"], ours["fp"], ours["fn"]) == (0, 0, 0)
            assert (ours["precision"], ours["recall"], ours["f1"], ours["per_label"]) == (0.0, 0.0, 0.0, {})
            continue
        assert ours["precision"] == round(theirs["ents_p"], 4)
        assert ours["recall"] == round(theirs["ents_r"], 4)
        assert ours["f1"] == round(theirs["ents_f"], 4)
        per_type = theirs["ents_per_type"]
        assert set(ours["per_label"]) == set(per_type)
        for label, scores in per_type.items():
            mine = ours["per_label"][label]
            assert (mine["precision"], mine["recall"], mine["f1"]) == tuple(
                round(scores[key], 4) for key in ("p", "r", "f")
            )


def test_fixed_cases_equal_spacy() -> None:
    _assert_equal_to_spacy(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case[0][:20])
def test_each_case_equals_spacy(case: Item) -> None:
    _assert_equal_to_spacy([case])


def test_counts_and_per_label_on_fixed_cases() -> None:
    scores = _ours(CASES)
    assert (scores["tp"], scores["fp"], scores["fn"]) == (3, 5, 5)
    assert scores["precision"] == round(3 / 8, 4)
    assert scores["recall"] == round(3 / 8, 4)
    assert scores["per_label"]["CITY"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2, "predicted": 2}
    assert scores["per_label"]["GENRE"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0, "predicted": 1}
    assert scores["per_label"]["DATE"]["support"] == 2 and scores["per_label"]["DATE"]["predicted"] == 0


def test_no_spans_anywhere_is_zero_not_none() -> None:
    scores = span_scores([[], []], [[], []])
    assert scores == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "fp": 0, "fn": 0, "per_label": {}}
    assert get_ner_prf(_examples([("hello there", [], [])]))["ents_p"] is None


def test_spacy_prfscore_gives_zero_for_zero_over_zero() -> None:
    from spacy.scorer import PRFScore

    empty = PRFScore()
    assert (empty.precision, empty.recall, empty.fscore) == (0.0, 0.0, 0.0)


def test_repeated_span_counts_once_and_lists_are_accepted() -> None:
    scores = span_scores([[[0, 3, "A"], [0, 3, "A"]]], [[(0, 3, "A")]])
    assert (scores["tp"], scores["fp"], scores["fn"]) == (1, 0, 0)


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError):
        span_scores([[]], [])


# Property test: random non-overlapping token-aligned entities on one fixed tokenized text.
TEXT = "Please book two tickets from Paris to Rome for Anna and Marco next Monday at nine"
TOKENS = nlp.make_doc(TEXT)
LABELS = ["CITY", "PERSON", "DATE", "NUMBER"]

_SEGMENTS = st.lists(st.tuples(st.integers(1, 3), st.none() | st.sampled_from(LABELS)), max_size=len(TOKENS))


def _token_spans(segments: list[tuple[int, str | None]]) -> list[Span]:
    """Character spans from consecutive token segments (label None = outside), cut at the text end."""
    spans, position = [], 0
    for length, label in segments:
        end = min(position + length, len(TOKENS))
        if position >= end:
            break
        if label is not None:
            spans.append((TOKENS[position].idx, TOKENS[end - 1].idx + len(TOKENS[end - 1]), label))
        position = end
    return spans


_ITEMS = st.lists(
    st.tuples(_SEGMENTS.map(_token_spans), _SEGMENTS.map(_token_spans)).map(lambda pair: (TEXT, *pair)),
    min_size=1,
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(_ITEMS)
def test_random_spans_equal_spacy(items: list[Item]) -> None:
    _assert_equal_to_spacy(items)


def test_span_errors_lists_missed_spurious_and_wrong_label() -> None:
    ids = [str(k) for k in range(len(CASES))]
    texts = [text for text, _, _ in CASES]
    rows = span_errors(ids, texts, [gold for _, gold, _ in CASES], [predicted for _, _, predicted in CASES])
    assert [row["id"] for row in rows] == ["0", "1", "3", "4"]
    first = rows[0]
    assert first["missed"] == [{"start": 31, "end": 44, "label": "CITY", "text": "San Francisco"}]
    assert first["spurious"] == [{"start": 35, "end": 44, "label": "CITY", "text": "Francisco"}]
    assert first["wrong_label"] == [
        {"start": 45, "end": 53, "text": "tomorrow", "gold_label": "DATE", "predicted_label": "TIME"}
    ]
    assert rows[1]["missed"][0]["text"] == "Alice" and rows[1]["spurious"][0]["text"] == "noon"
    assert rows[2]["spurious"] == [] and rows[2]["wrong_label"] == []
    assert [span["text"] for span in rows[3]["spurious"]] == ["jazz", "by Miles Davis"]


def test_span_errors_pairs_each_relabeled_span_once() -> None:
    rows = span_errors(["x"], ["abcdef"], [[(0, 3, "A")]], [[(0, 3, "B"), (0, 3, "C")]])
    assert len(rows[0]["wrong_label"]) == 1
    assert rows[0]["wrong_label"][0]["predicted_label"] == "B"
    assert [span["label"] for span in rows[0]["spurious"]] == ["C"]
    assert rows[0]["missed"] == []


def test_label_retention() -> None:
    before = span_scores([[(0, 3, "A"), (4, 6, "B")]], [[(0, 3, "A"), (4, 6, "B")]])["per_label"]
    after = span_scores([[(0, 3, "A"), (4, 6, "B")]], [[(0, 3, "A"), (4, 5, "B")]])["per_label"]
    retention = label_retention(before, after, ["A", "B", "C"])
    assert retention["A"] == {"f1_before": 1.0, "f1_after": 1.0, "retained": 1.0, "support": 1}
    assert retention["B"] == {"f1_before": 1.0, "f1_after": 0.0, "retained": 0.0, "support": 1}
    assert retention["C"] == {"f1_before": 0.0, "f1_after": 0.0, "retained": None, "support": 0}
    half = label_retention({"A": {"f1": 0.8, "support": 5}}, {"A": {"f1": 0.6, "support": 5}}, ["A"])
    assert half["A"]["retained"] == 0.75
