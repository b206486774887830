"""Train/test overlap by audio hash and by normalized transcript."""

from __future__ import annotations

from tunefork.evaluation.normalizer import EnglishNormalizer
from tunefork.evaluation.overlap import OverlapFinding, find_overlap, overlap_warning

TEST = [
    {"id": "t1", "audio_sha256": "AAA", "text": "Turn on the lights."},
    {"id": "t2", "audio_sha256": "bbb", "text": "I paid $25"},
    {"id": "t3", "audio_sha256": "ccc", "text": "something new"},
    {"id": "t4", "text": ""},
]
TRAIN = [
    ("train-a", [{"id": "a1", "audio_sha256": "aaa", "text": "different words"}, {"id": "a2", "text": ""}]),
    ("train-b", [{"id": "b1", "audio_sha256": "zzz", "text": "i paid twenty-five dollars"}]),
    ("train-c", [{"audio_sha256": "aaa", "text": "turn on the lights"}]),
]


def test_finds_audio_and_text_matches() -> None:
    findings = find_overlap(TEST, TRAIN, EnglishNormalizer())
    assert findings == [
        OverlapFinding("t1", "train-a", "audio", "a1"),
        OverlapFinding("t1", "train-c", "audio", None),
        OverlapFinding("t2", "train-b", "text", "b1"),
    ]


def test_empty_transcripts_never_match_and_clean_sets_pass() -> None:
    assert find_overlap([{"id": "x", "text": ""}], [("t", [{"text": "  "}])]) == []
    assert find_overlap(TEST[2:], TRAIN) == []


def test_min_text_words() -> None:
    test = [{"id": "x", "text": "yes"}]
    train = [("t", [{"text": "Yes!"}])]
    assert len(find_overlap(test, train)) == 1
    assert find_overlap(test, train, min_text_words=2) == []


def test_records_without_id_use_their_position() -> None:
    findings = find_overlap([{"text": "a b"}, {"text": "c d"}], [("t", [{"text": "c d"}])])
    assert [f.test_id for f in findings] == ["1"]


def test_warning_is_loud_and_summarises() -> None:
    assert overlap_warning([]) is None
    message = overlap_warning(find_overlap(TEST, TRAIN), test_total=len(TEST))
    assert message is not None
    assert message.startswith("TRAIN/TEST OVERLAP: 2 of 4 test item(s)")
    assert "train-a: 1 by identical audio" in message
    assert "train-b: 1 by identical normalized text" in message
    assert "e.g. test t1 (a1 of 'train-a'), test t2 (b1 of 'train-b')." in message


def test_warning_names_text_items_by_their_line() -> None:
    test = [{"id": "line-12", "text": "refill my ibuprofen"}, {"id": "calls-line-3", "text": "two tablets daily"}]
    train = [("sentences", [{"id": "line-1", "text": "Refill my ibuprofen."}, {"text": "two tablets daily"}])]
    findings = find_overlap(test, train)
    assert [f.test_id for f in findings] == ["line-12", "calls-line-3"]  # the ids themselves stay
    # in test order, not sorted as text, each with where training holds it (both files had a line 8: a review)
    said = "e.g. test line 12 (line 1 of 'sentences'), test line 3 of calls ('sentences')."
    assert said in overlap_warning(findings)


def test_the_warning_names_items_in_the_test_set_order() -> None:
    """A studio review read "line 10, line 100, line 101...": ids sorted as text."""
    test = [{"id": f"line-{n}", "text": f"phrase number {n}"} for n in (9, 10, 100)]
    train = [("train", [{"text": f"phrase number {n}"} for n in (9, 10, 100)])]
    assert "e.g. test line 9 ('train'), test line 10 ('train'), test line 100 ('train')." in overlap_warning(
        find_overlap(test, train)
    )
