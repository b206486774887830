"""Word alignment by Levenshtein dynamic programming, with jiwer's tie-breaking.

jiwer 4 aligns words with ``rapidfuzz.distance.Levenshtein.opcodes``. rapidfuzz first strips the
common prefix and suffix, fills the distance matrix (bit-parallel, Hyyrö 2003) and walks back from
the bottom-right corner preferring, at each cell ``(i, j)`` (``i`` reference words, ``j`` hypothesis
words consumed):

1. a deletion when ``D[i][j] == D[i-1][j] + 1``;
2. otherwise an insertion when ``j > 1`` and ``D[i][j-1] == D[i-1][j-1] - 1``;
3. otherwise the diagonal (an equal pair or a substitution).

:func:`align_words` computes the same matrix with a plain dynamic programme and applies the same
walk, so substitution, deletion and insertion counts equal jiwer's exactly, not only their total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["AlignedPair", "EditOp", "align_words", "count_ops"]

EditOp = Literal["equal", "substitute", "delete", "insert"]


@dataclass(frozen=True, slots=True)
class AlignedPair:
    """One column of an alignment: ``ref`` is None for an insertion, ``hyp`` None for a deletion."""

    op: EditOp
    ref: str | None
    hyp: str | None


def _common_affix(ref: Sequence[str], hyp: Sequence[str]) -> tuple[int, int]:
    """Lengths of the common prefix and of the common suffix of what follows it."""
    limit = min(len(ref), len(hyp))
    prefix = 0
    while prefix < limit and ref[prefix] == hyp[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and ref[-1 - suffix] == hyp[-1 - suffix]:
        suffix += 1
    return prefix, suffix


def _distance_matrix(ref: Sequence[str], hyp: Sequence[str]) -> list[list[int]]:
    """Full Levenshtein matrix ``D[i][j]`` = distance between ``ref[:i]`` and ``hyp[:j]``."""
    previous = list(range(len(hyp) + 1))
    matrix = [previous]
    for i, ref_word in enumerate(ref, start=1):
        current = [i]
        left = i
        for j, hyp_word in enumerate(hyp, start=1):
            best = previous[j - 1] + (ref_word != hyp_word)
            if previous[j] + 1 < best:
                best = previous[j] + 1
            if left + 1 < best:
                best = left + 1
            current.append(best)
            left = best
        matrix.append(current)
        previous = current
    return matrix


def _backtrace(ref: Sequence[str], hyp: Sequence[str]) -> list[AlignedPair]:
    """Alignment of two sequences that share no prefix or suffix, in rapidfuzz's tie-breaking order."""
    matrix = _distance_matrix(ref, hyp)
    i, j = len(ref), len(hyp)
    reversed_pairs: list[AlignedPair] = []
    while i and j:
        if matrix[i][j] == matrix[i - 1][j] + 1:
            i -= 1
            reversed_pairs.append(AlignedPair("delete", ref[i], None))
        elif j > 1 and matrix[i][j - 1] == matrix[i - 1][j - 1] - 1:
            j -= 1
            reversed_pairs.append(AlignedPair("insert", None, hyp[j]))
        else:
            i -= 1
            j -= 1
            op: EditOp = "equal" if ref[i] == hyp[j] else "substitute"
            reversed_pairs.append(AlignedPair(op, ref[i], hyp[j]))
    while i:
        i -= 1
        reversed_pairs.append(AlignedPair("delete", ref[i], None))
    while j:
        j -= 1
        reversed_pairs.append(AlignedPair("insert", None, hyp[j]))
    reversed_pairs.reverse()
    return reversed_pairs


def align_words(ref: Sequence[str], hyp: Sequence[str]) -> list[AlignedPair]:
    """Minimum-edit alignment of reference words to hypothesis words (jiwer-compatible tie-breaking).

    Every reference word appears once (as equal, substitute or delete) and every hypothesis word once
    (as equal, substitute or insert), in order, so both sequences can be read back from the pairs.
    """
    prefix, suffix = _common_affix(ref, hyp)
    head = [AlignedPair("equal", word, word) for word in ref[:prefix]]
    tail = [AlignedPair("equal", word, word) for word in ref[len(ref) - suffix :]]
    middle = _backtrace(ref[prefix : len(ref) - suffix], hyp[prefix : len(hyp) - suffix])
    return head + middle + tail


def count_ops(alignment: Sequence[AlignedPair]) -> dict[str, int]:
    """Counts of each operation: ``{"equal": H, "substitute": S, "delete": D, "insert": I}``."""
    counts = {"equal": 0, "substitute": 0, "delete": 0, "insert": 0}
    for pair in alignment:
        counts[pair.op] += 1
    return counts
