"""Word alignment and WER counts agree with jiwer exactly; term recall and edge cases."""

from __future__ import annotations

import jiwer
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunefork.evaluation.alignment import AlignedPair, align_words, count_ops
from tunefork.evaluation.metrics import score_corpus, score_utterance, term_false_alarms
from tunefork.evaluation.normalizer import EnglishNormalizer, IdentityNormalizer

raw = IdentityNormalizer()
english = EnglishNormalizer()

_WORDS = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=14)
_PAIRS = st.tuples(_WORDS, _WORDS)


def _jiwer_counts(refs: list[list[str]], hyps: list[list[str]]) -> tuple[int, int, int, float]:
    """jiwer's (S, D, I, WER) for word lists already normalized (joined with single spaces)."""
    out = jiwer.process_words([" ".join(r) for r in refs], [" ".join(h) for h in hyps])
    return out.substitutions, out.deletions, out.insertions, out.wer


@settings(max_examples=400, deadline=None)
@given(_PAIRS)
def test_single_utterance_counts_equal_jiwer(pair: tuple[list[str], list[str]]) -> None:
    ref, hyp = pair
    score = score_utterance("u", " ".join(ref), " ".join(hyp), raw)
    expected = _jiwer_counts([ref], [hyp])
    assert (score.substitutions, score.deletions, score.insertions) == expected[:3]
    assert score.wer == pytest.approx(expected[3])


@settings(max_examples=150, deadline=None)
@given(st.lists(_PAIRS, min_size=1, max_size=8))
def test_corpus_counts_equal_jiwer(pairs: list[tuple[list[str], list[str]]]) -> None:
    refs, hyps = [r for r, _ in pairs], [h for _, h in pairs]
    triples = [(str(k), " ".join(r), " ".join(h)) for k, (r, h) in enumerate(pairs)]
    corpus = score_corpus(triples, normalizer=raw)
    expected = _jiwer_counts(refs, hyps)
    assert (corpus.substitutions, corpus.deletions, corpus.insertions) == expected[:3]
    assert corpus.wer == pytest.approx(expected[3])
    assert corpus.words == sum(len(r) for r in refs)


_MESSY = st.lists(
    st.sampled_from(["Five", "5", "five,", "don't", "Don't!", "a", "A.", "25", "twenty-five"]), max_size=10
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_MESSY, _MESSY), min_size=1, max_size=5))
def test_corpus_counts_equal_jiwer_on_normalized_strings(pairs: list[tuple[list[str], list[str]]]) -> None:
    triples = [(str(k), " ".join(r), " ".join(h)) for k, (r, h) in enumerate(pairs)]
    corpus = score_corpus(triples, normalizer=english)
    out = jiwer.process_words([english(r) for _, r, _ in triples], [english(h) for _, _, h in triples])
    assert (corpus.substitutions, corpus.deletions, corpus.insertions) == (
        out.substitutions,
        out.deletions,
        out.insertions,
    )
    assert corpus.wer == pytest.approx(out.wer)


@settings(max_examples=400, deadline=None)
@given(_PAIRS)
def test_alignment_reconstructs_both_sides(pair: tuple[list[str], list[str]]) -> None:
    ref, hyp = pair
    alignment = align_words(ref, hyp)
    assert [p.ref for p in alignment if p.ref is not None] == ref
    assert [p.hyp for p in alignment if p.hyp is not None] == hyp
    for p in alignment:
        assert (p.op == "equal") == (p.ref is not None and p.ref == p.hyp)
        assert (p.op == "insert") == (p.ref is None)
        assert (p.op == "delete") == (p.hyp is None)


@settings(max_examples=200, deadline=None)
@given(_PAIRS)
def test_alignment_matches_jiwer_chunks(pair: tuple[list[str], list[str]]) -> None:
    """Not only the counts: the same words are paired as jiwer pairs them."""
    ref, hyp = pair
    chunks = jiwer.process_words(" ".join(ref), " ".join(hyp)).alignments[0]
    expected: list[AlignedPair] = []
    for c in chunks:
        if c.type == "insert":
            expected += [AlignedPair("insert", None, w) for w in hyp[c.hyp_start_idx : c.hyp_end_idx]]
        elif c.type == "delete":
            expected += [AlignedPair("delete", w, None) for w in ref[c.ref_start_idx : c.ref_end_idx]]
        else:
            pairs = zip(ref[c.ref_start_idx : c.ref_end_idx], hyp[c.hyp_start_idx : c.hyp_end_idx], strict=True)
            expected += [AlignedPair(c.type, r, h) for r, h in pairs]
    assert align_words(ref, hyp) == expected


def test_normalized_strings_agree_with_jiwer() -> None:
    ref, hyp = "I paid $25 in 2024, didn't I?", "i paid twenty five dollars in twenty twenty-four did i"
    score = score_utterance("u", ref, hyp, english)
    out = jiwer.process_words(english(ref), english(hyp))
    assert (score.substitutions, score.deletions, score.insertions) == (
        out.substitutions,
        out.deletions,
        out.insertions,
    )
    assert score.errors == 1  # didn't -> did
    assert score.words == len(english(ref).split())


def test_count_ops_and_known_alignment() -> None:
    alignment = align_words(["the", "cat", "sat", "on", "the", "mat"], ["the", "cat", "sat", "on", "a", "mat", "today"])
    assert count_ops(alignment) == {"equal": 5, "substitute": 1, "delete": 0, "insert": 1}


def test_corpus_wer_is_pooled_not_averaged() -> None:
    corpus = score_corpus([("a", "one", "two"), ("b", "w w w w w w w w w", "w w w w w w w w w")], normalizer=raw)
    assert corpus.wer == pytest.approx(1 / 10)
    assert (corpus.sentences, corpus.sentence_errors, corpus.sentence_error_rate) == (2, 1, 0.5)


def test_raw_wer_differs_from_normalized() -> None:
    corpus = score_corpus([("a", "Hello, world. It's 25", "hello world it's twenty five")], normalizer=english)
    assert corpus.wer == 0.0
    assert corpus.raw_wer == pytest.approx(5 / 4)  # raw: 4 substitutions (case, punctuation, digits) + 1 insertion


def test_empty_reference_edge_cases() -> None:
    silent = score_utterance("s", "", "", english)
    assert (silent.words, silent.errors, silent.wer) == (0, 0, 0.0)
    inserted = score_utterance("i", "  ", "uh oh", english)
    assert (inserted.words, inserted.insertions, inserted.wer) == (0, 2, 2.0)
    assert score_corpus([], normalizer=english).wer == 0.0
    assert score_corpus([("i", "", "uh oh")], normalizer=english).wer == 2.0
    deleted = score_utterance("d", "hello there", "", english)
    assert (deleted.deletions, deleted.wer) == (2, 1.0)


def test_term_recall_single_and_multi_word() -> None:
    utterances = [
        ("1", "Deploy to Kubernetes via Azure DevOps.", "deploy to kubernetes via azure dev ops"),
        ("2", "kubernetes again", "cooper netties again"),
        ("3", "Azure DevOps, then Kubernetes!", "AZURE devops then kubernetes"),
    ]
    corpus = score_corpus(utterances, terms=["Kubernetes", "Azure DevOps", "kubernetes"], normalizer=english)
    # kubernetes: 3 occurrences, 2 hits (utt 2 substituted); azure devops: 2 occurrences, 1 hit (utt 1 split)
    assert (corpus.term_hits, corpus.term_total) == (3, 5)
    assert corpus.term_recall == pytest.approx(3 / 5)
    assert corpus.terms == {"azure devops": [1, 2], "kubernetes": [2, 3]}


def test_term_recall_substituted_and_split_positions_not_counted() -> None:
    corpus = score_corpus([("1", "new york city", "new big york city")], terms=["new york"], normalizer=english)
    assert (corpus.term_hits, corpus.term_total) == (0, 1)
    corpus = score_corpus([("1", "i love new york", "i love new yolk")], terms=["new york"], normalizer=english)
    assert (corpus.term_hits, corpus.term_total) == (0, 1)


def test_term_recall_normalizes_terms_and_counts_repeats() -> None:
    corpus = score_corpus([("1", "R2-D2 met R2-D2", "r two d two met r2 d2")], terms=["r2-d2"], normalizer=english)
    assert (corpus.term_hits, corpus.term_total) == (2, 2)


def test_a_term_in_the_possessive_is_an_occurrence() -> None:
    """'Markarian's Chain' was 'Terms the references never say: Markarian' (a speech review)."""
    utterances = [
        ("1", "Markarian's Chain is up", "markarian's chain is up"),
        ("2", "Markarian's chain", "mark aryans"),
    ]
    corpus = score_corpus(utterances, terms=["Markarian"], normalizer=english)
    assert (corpus.term_hits, corpus.term_total) == (1, 2)


def test_term_recall_none_without_terms_or_occurrences() -> None:
    triples = [("1", "hello world", "hello world")]
    assert score_corpus(triples, normalizer=english).term_recall is None
    no_occurrence = score_corpus(triples, terms=["kubernetes"], normalizer=english)
    assert (no_occurrence.term_recall, no_occurrence.term_total, no_occurrence.term_hits) == (None, 0, 0)


def test_term_false_alarms_count_terms_written_beyond_the_reference() -> None:
    triples = [
        ("a", "we open again at nine", "we open a gabapentin"),
        ("b", "ask doctor okafor", "ask doctor okafor"),  # said: not an alarm
        ("c", "okay for tuesday", "Okafor Tuesday and Okafor"),
        ("d", "the yaw damper", "the yaw damper yaw damper"),
    ]
    alarms = term_false_alarms(triples, ["Gabapentin", "Okafor", "yaw damper", "meloxicam"])
    assert alarms == {"gabapentin": ["a"], "okafor": ["c", "c"], "yaw damper": ["d"]}
    assert term_false_alarms(triples, []) == {}
