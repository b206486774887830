"""Word error rate per utterance and per corpus, sentence error rate and recall of domain terms.

Conventions:

* Corpus WER is ``(S + D + I) / N`` summed over all utterances, never a mean of per-utterance WERs.
* An empty reference (``N == 0``) follows jiwer: WER is ``0.0`` when there are no insertions and
  otherwise the number of insertions (a count, not a fraction, so it can exceed 1). This applies to an
  utterance and to a corpus whose references are all empty.
* A sentence (utterance) is in error when it has at least one substitution, deletion or insertion.
* Term recall counts every occurrence of a listed term in the normalized references; an occurrence
  is a hit when each of its words is aligned ``equal`` and no hypothesis word is inserted between
  them, i.e. the hypothesis contains the term at that position, spelled the same after normalization.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from tunefork.evaluation.alignment import AlignedPair, align_words
from tunefork.evaluation.normalizer import IdentityNormalizer, Normalizer, get_normalizer

__all__ = [
    "CorpusScore",
    "UtteranceScore",
    "error_rate",
    "score_corpus",
    "score_utterance",
    "term_occurrences",
]


def error_rate(errors: int, words: int) -> float:
    """``errors / words``; with no reference words, the number of errors (jiwer's convention)."""
    return errors / words if words else float(errors)


class _ErrorCounts:
    """``errors`` and ``hits`` derived from the S/D/I and word counts of a score."""

    words: int
    substitutions: int
    deletions: int
    insertions: int

    @property
    def errors(self) -> int:
        """Substitutions + deletions + insertions."""
        return self.substitutions + self.deletions + self.insertions

    @property
    def hits(self) -> int:
        """Reference words recognised correctly."""
        return self.words - self.substitutions - self.deletions


@dataclass(frozen=True)
class UtteranceScore(_ErrorCounts):
    """Alignment and error counts of one utterance (raw strings kept for reports)."""

    id: str
    reference: str
    hypothesis: str
    normalized_reference: str
    normalized_hypothesis: str
    alignment: list[AlignedPair]
    words: int
    substitutions: int
    deletions: int
    insertions: int

    @property
    def wer(self) -> float:
        """Word error rate of this utterance (see module docstring for an empty reference)."""
        return error_rate(self.errors, self.words)


def _counts(alignment: Sequence[AlignedPair]) -> tuple[int, int, int]:
    """(substitutions, deletions, insertions) of an alignment."""
    subs = dels = ins = 0
    for pair in alignment:
        if pair.op == "substitute":
            subs += 1
        elif pair.op == "delete":
            dels += 1
        elif pair.op == "insert":
            ins += 1
    return subs, dels, ins


def score_utterance(
    id: str,
    reference: str,
    hypothesis: str,
    normalizer: Normalizer | None = None,
) -> UtteranceScore:
    """Normalize both sides with the same normalizer, align the words and count S, D and I."""
    normalize = normalizer or get_normalizer()
    ref_text, hyp_text = normalize(reference), normalize(hypothesis)
    ref_words, hyp_words = ref_text.split(), hyp_text.split()
    alignment = align_words(ref_words, hyp_words)
    subs, dels, ins = _counts(alignment)
    return UtteranceScore(
        id=id,
        reference=reference,
        hypothesis=hypothesis,
        normalized_reference=ref_text,
        normalized_hypothesis=hyp_text,
        alignment=alignment,
        words=len(ref_words),
        substitutions=subs,
        deletions=dels,
        insertions=ins,
    )


@dataclass(frozen=True)
class CorpusScore(_ErrorCounts):
    """Corpus-level counts and rates; ``utterances`` keeps the per-utterance scores they came from."""

    words: int
    substitutions: int
    deletions: int
    insertions: int
    wer: float
    sentences: int
    sentence_errors: int
    sentence_error_rate: float
    raw_wer: float
    term_recall: float | None
    term_hits: int
    term_total: int
    utterances: list[UtteranceScore] = field(default_factory=list, repr=False)
    terms: dict[str, list[int]] = field(default_factory=dict)
    """Each term that occurs in the references (normalized) -> ``[hits, occurrences]``."""
    unsaid_terms: dict[str, int] = field(default_factory=dict)
    """Each term the hypotheses write more often than their references say it -> how many times more
    (:func:`term_false_alarms`): on general speech, the side effect of a customization."""

    @property
    def term_false_alarms(self) -> int:
        """Term occurrences written where the references do not say them."""
        return sum(self.unsaid_terms.values())


def _term_index(terms: Iterable[str], normalizer: Normalizer) -> dict[str, list[tuple[str, ...]]]:
    """Normalized, de-duplicated terms grouped by their first word."""
    index: dict[str, list[tuple[str, ...]]] = {}
    seen: set[tuple[str, ...]] = set()
    for term in terms:
        words = tuple(normalizer(term).split())
        if words and words not in seen:
            seen.add(words)
            index.setdefault(words[0], []).append(words)
    return index


def _reference_hits(alignment: Sequence[AlignedPair]) -> tuple[list[bool], list[bool]]:
    """Per reference word: aligned ``equal``?, and is a hypothesis word inserted right after it?"""
    equal: list[bool] = []
    inserted_after: list[bool] = []
    for pair in alignment:
        if pair.op == "insert":
            if inserted_after:
                inserted_after[-1] = True
            continue
        equal.append(pair.op == "equal")
        inserted_after.append(False)
    return equal, inserted_after


def _term_matches(words: list[str], index: dict[str, list[tuple[str, ...]]]) -> Iterator[tuple[int, tuple[str, ...]]]:
    """``(start, term)`` of each indexed term occurring in ``words`` (looked up by each word: long lists stay cheap),
    a possessive's ``'s`` aside (``Markarian's Chain`` says the term ``Markarian``: a review's recall left it out)."""
    words = [word[:-2] if word.endswith("'s") and len(word) > 2 else word for word in words]
    for start, word in enumerate(words):
        for term in index.get(word, ()):
            if tuple(words[start : start + len(term)]) == term:
                yield start, term


def term_occurrences(utterance: UtteranceScore, index: dict[str, list[tuple[str, ...]]]) -> dict[str, list[int]]:
    """Each indexed term occurring in one utterance's normalized reference -> ``[hits, occurrences]``."""
    equal, inserted_after = _reference_hits(utterance.alignment)
    counts: dict[str, list[int]] = {}
    for start, term in _term_matches(utterance.normalized_reference.split(), index):
        end = start + len(term)
        count = counts.setdefault(" ".join(term), [0, 0])
        count[1] += 1
        if all(equal[start:end]) and not any(inserted_after[start : end - 1]):
            count[0] += 1
    return counts


def term_false_alarms(
    utterances: Iterable[UtteranceScore | tuple[str, str, str]], terms: list[str], normalizer: Normalizer | None = None
) -> dict[str, list[str]]:
    """Terms the hypotheses write more often than their references say them -> the ids of those utterances.

    On general speech every such occurrence is a side effect of customization: a domain word written over
    ordinary words ("open again at nine" -> "open a gabapentin"). Counted on the normalized texts, per
    utterance: an utterance whose hypothesis holds a term twice and whose reference holds it once counts once.
    """
    normalize = normalizer or get_normalizer()
    scored = [u if isinstance(u, UtteranceScore) else score_utterance(*u, normalize) for u in utterances]
    return _unsaid(scored, _term_index(terms, normalize))


def _unsaid(scored: list[UtteranceScore], index: dict[str, list[tuple[str, ...]]]) -> dict[str, list[str]]:
    """:func:`term_false_alarms` of scored utterances and an index of normalized terms."""
    alarms: dict[str, list[str]] = {}
    for utterance in scored:
        said = Counter(term for _, term in _term_matches(utterance.normalized_reference.split(), index))
        written = Counter(term for _, term in _term_matches(utterance.normalized_hypothesis.split(), index))
        for term, count in written.items():
            if count > said[term]:
                alarms.setdefault(" ".join(term), []).extend([utterance.id] * (count - said[term]))
    return dict(sorted(alarms.items()))


def _raw_errors(utterance: UtteranceScore, raw: Normalizer) -> tuple[int, int]:
    """(errors, words) of an utterance scored without normalization."""
    raw_score = score_utterance(utterance.id, utterance.reference, utterance.hypothesis, raw)
    return raw_score.errors, raw_score.words


def score_corpus(
    utterances: Iterable[UtteranceScore | tuple[str, str, str]],
    terms: list[str] | None = None,
    normalizer: Normalizer | None = None,
) -> CorpusScore:
    """Corpus WER, S/D/I, sentence error rate, raw WER and term recall.

    ``utterances`` are :class:`UtteranceScore` objects (already scored with ``normalizer``) or
    ``(id, reference, hypothesis)`` triples, which are scored here. ``normalizer`` (default: the
    default normalizer) also normalizes ``terms``. ``raw_wer`` re-aligns the raw strings split on
    whitespace only. ``term_recall`` is None when no terms are given or none occurs in the references.
    """
    normalize = normalizer or get_normalizer()
    scored = [u if isinstance(u, UtteranceScore) else score_utterance(*u, normalize) for u in utterances]
    raw = IdentityNormalizer()
    raw_errors = raw_words = 0
    for utterance in scored:
        errors, words = _raw_errors(utterance, raw)
        raw_errors += errors
        raw_words += words
    term_counts: dict[str, list[int]] = {}
    unsaid: dict[str, int] = {}
    if terms:
        index = _term_index(terms, normalize)
        unsaid = {term: len(ids) for term, ids in _unsaid(scored, index).items()}
        for utterance in scored:
            for term, (hits, total) in term_occurrences(utterance, index).items():
                count = term_counts.setdefault(term, [0, 0])
                count[0] += hits
                count[1] += total
    term_hits = sum(hits for hits, _ in term_counts.values())
    term_total = sum(total for _, total in term_counts.values())
    words = sum(u.words for u in scored)
    subs = sum(u.substitutions for u in scored)
    dels = sum(u.deletions for u in scored)
    ins = sum(u.insertions for u in scored)
    sentence_errors = sum(1 for u in scored if u.errors)
    return CorpusScore(
        words=words,
        substitutions=subs,
        deletions=dels,
        insertions=ins,
        wer=error_rate(subs + dels + ins, words),
        sentences=len(scored),
        sentence_errors=sentence_errors,
        sentence_error_rate=sentence_errors / len(scored) if scored else 0.0,
        raw_wer=error_rate(raw_errors, raw_words),
        term_recall=term_hits / term_total if term_total else None,
        term_hits=term_hits,
        term_total=term_total,
        utterances=scored,
        terms=dict(sorted(term_counts.items())),
        unsaid_terms=unsaid,
    )
