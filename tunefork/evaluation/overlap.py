"""Train/test overlap: test items whose audio or normalized transcript also occurs in training data.

An overlapping test item inflates the measured gain of a model trained on it, so evaluations warn
loudly (or callers refuse) when any is found.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tunefork.evaluation.normalizer import Normalizer, get_normalizer
from tunefork.wording import item_name

__all__ = [
    "OverlapFinding",
    "find_overlap",
    "item_fingerprints",
    "overlap_warning",
    "shared_findings",
    "shared_items_note",
]

MatchKind = Literal["audio", "file", "text"]


@dataclass(frozen=True)
class OverlapFinding:
    """Test item ``test_id`` also occurs in training dataset ``dataset`` (by audio hash or by text).

    ``match`` is "audio" when the audio SHA-256 is identical (reported in preference to a text match)
    and "text" when only the normalized transcripts are equal. ``training_id`` names the first
    matching training record (None when it has no id).
    """

    test_id: str
    dataset: str
    match: MatchKind
    training_id: str | None = None


Fingerprint = tuple[str | None, str, str, str]
"""An item as overlaps compare it: ``(id or None, what its hash is of: "audio", "file" or "", that hash, its
normalized text's hash or "")``, computed once a dataset (:func:`item_fingerprints`) and compared with any other."""
_HASHED = {"audio_sha256": "audio", "sha256": "file"}
"""Record keys holding a content hash, and what the hash is of."""


def item_fingerprints(
    records: Sequence[Mapping[str, Any]],
    normalizer: Normalizer | None = None,
    min_text_words: int = 1,
    hashes: Sequence[str] = tuple(_HASHED),
) -> list[Fingerprint]:
    """Each record's :data:`Fingerprint`: the first of its ``hashes`` it holds (an audio's or an image file's SHA-256)
    and its text after ``normalizer`` (default: the default normalizer), hashed; a text of fewer than
    ``min_text_words`` normalized words (by default: an empty one) gets none and never matches."""
    normalize = normalizer or get_normalizer()
    prints: list[Fingerprint] = []
    for record in records:
        key = next((key for key in hashes if record.get(key)), None)
        file_hash = str(record[key]).lower() if key else ""
        text = normalize(str(record.get("text") or ""))
        text_hash = hashlib.sha256(text.encode()).hexdigest()[:24] if len(text.split()) >= min_text_words else ""
        item_id = None if record.get("id") is None else str(record["id"])
        prints.append((item_id, _HASHED.get(key or "", ""), file_hash, text_hash))
    return prints


def _index(prints: Sequence[Fingerprint]) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """Maps file hash -> first id and text hash -> first id of ``prints``."""
    files = {file_hash: item_id for item_id, _, file_hash, _ in reversed(prints) if file_hash}
    texts = {text_hash: item_id for item_id, _, _, text_hash in reversed(prints) if text_hash}
    return files, texts


def _finding(
    position: int, fingerprint: Fingerprint, dataset: str, index: tuple[dict[str, str | None], dict[str, str | None]]
) -> OverlapFinding | None:
    """How the item at ``position`` (its id, else that position) occurs in ``dataset``: the same file in preference
    to the same text; ``None`` when it does not."""
    item_id, kind, file_hash, text_hash = fingerprint
    files, texts = index
    found_id = item_id if item_id is not None else str(position)
    if file_hash in files:
        return OverlapFinding(found_id, dataset, kind, files[file_hash])  # type: ignore[arg-type]
    if text_hash in texts:
        return OverlapFinding(found_id, dataset, "text", texts[text_hash])
    return None


def find_overlap(
    test_records: Sequence[Mapping[str, Any]],
    training_sets: list[tuple[str, list[dict]]],
    normalizer: Normalizer | None = None,
    min_text_words: int = 1,
) -> list[OverlapFinding]:
    """Every (test item, training dataset) pair that shares an audio hash or a normalized transcript.

    Records are dicts with optional ``"id"``, ``"audio_sha256"`` and ``"text"``. Transcripts are
    compared after ``normalizer`` (default: the default normalizer); transcripts with fewer than
    ``min_text_words`` normalized words (by default: empty ones) never match. At most one finding is
    reported per test item and training dataset, audio in preference to text.
    """
    normalize = normalizer or get_normalizer()
    audio = ("audio_sha256",)
    tested = item_fingerprints(test_records, normalize, min_text_words, audio)
    indexes = [(name, _index(item_fingerprints(records, normalize, min_text_words, audio)))
               for name, records in training_sets]  # fmt: skip
    return [
        finding
        for position, fingerprint in enumerate(tested)
        for name, index in indexes
        if (finding := _finding(position, fingerprint, name, index)) is not None
    ]


def _match_counts(dataset: str, counts: Counter[str]) -> str:
    """``"name: 2 by identical audio, 1 by identical normalized text"``, leaving out kinds that never matched."""
    kinds = (("audio", "audio"), ("file", "file"), ("text", "normalized text"))
    parts = [f"{counts[kind]} by identical {what}" for kind, what in kinds]
    return f"{dataset}: " + ", ".join(part for part in parts if not part.startswith("0 "))


def _example(finding: OverlapFinding, side: str = "test ") -> str:
    """``test line 8 (line 3 of 'train')``: both files have a line 8 (a review read the wrong one)."""
    where = (
        f"{item_name(finding.training_id)} of '{finding.dataset}'" if finding.training_id else f"'{finding.dataset}'"
    )
    return f"{side}{item_name(finding.test_id)} ({where})"


def shared_findings(mine: Sequence[Fingerprint], theirs: Sequence[Fingerprint], dataset: str) -> list[OverlapFinding]:
    """One finding for each of ``mine`` whose file or normalized text is one of ``theirs`` (dataset ``dataset``),
    the same file in preference."""
    index = _index(theirs)
    return [
        finding
        for position, fingerprint in enumerate(mine)
        if (finding := _finding(position, fingerprint, dataset, index)) is not None
    ]


def shared_items_note(findings: Sequence[OverlapFinding], total: int) -> str | None:
    """What a dataset's inspection says of its ``findings`` against one other dataset (``total``: its items), or
    ``None``: either could be the test set, so neither side is called the training data."""
    if not findings:
        return None
    counts = Counter(finding.match for finding in findings)
    examples = ", ".join(_example(finding, side="") for finding in findings[:3])
    return (
        f"{len(findings)} of {total} items also occur in {_match_counts(repr(findings[0].dataset), counts)}; e.g. "
        f"{examples}{', ...' if len(findings) > 3 else ''}. Never test a model on one of these datasets after "
        "training it on the other: it would be scored on items it learned."
    )


def overlap_warning(findings: Sequence[OverlapFinding], test_total: int | None = None) -> str | None:
    """One loud warning line summarising ``findings``; None when there are none. Its example items are named as
    a sentence names them (``line 4``, see :func:`~tunefork.wording.item_name`), each with where training holds it.

    ``test_total`` (the number of test items) adds "N of M" to the message.
    """
    if not findings:
        return None
    items = len({finding.test_id for finding in findings})
    of_total = f" of {test_total}" if test_total is not None else ""
    per_set: dict[str, Counter[str]] = {}
    for finding in findings:
        per_set.setdefault(finding.dataset, Counter())[finding.match] += 1
    details = "; ".join(_match_counts(name, counts) for name, counts in per_set.items())
    first = {}  # each test item's first finding, in test order (not sorted as text: line 10, 100)
    for finding in findings:
        first.setdefault(finding.test_id, finding)
    examples = ", ".join(_example(finding) for finding in list(first.values())[:3])
    more = ", ..." if items > 3 else ""
    return (
        f"TRAIN/TEST OVERLAP: {items}{of_total} test item(s) also occur in training data ({details}); "
        f"e.g. {examples}{more}. The measured gain is likely inflated: remove these items from the test "
        "set or evaluate on data the model never saw."
    )
