"""Train/test overlap: test items whose audio or normalized transcript also occurs in training data.

An overlapping test item inflates the measured gain of a model trained on it, so evaluations warn
loudly (or callers refuse) when any is found.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
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


def _record_id(record: Mapping[str, Any], position: int) -> str:
    """The record's ``id``, or its position when it has none."""
    value = record.get("id")
    return str(value) if value is not None else str(position)


def _training_index(
    records: Iterable[Mapping[str, Any]], normalizer: Normalizer, min_text_words: int
) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """Maps audio hash -> first training id and normalized text -> first training id."""
    by_audio: dict[str, str | None] = {}
    by_text: dict[str, str | None] = {}
    for record in records:
        record_id = None if record.get("id") is None else str(record["id"])
        audio = record.get("audio_sha256")
        if audio:
            by_audio.setdefault(str(audio).lower(), record_id)
        text = normalizer(str(record.get("text") or ""))
        if len(text.split()) >= min_text_words:
            by_text.setdefault(text, record_id)
    return by_audio, by_text


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
    findings: list[OverlapFinding] = []
    indexes = [(name, *_training_index(records, normalize, min_text_words)) for name, records in training_sets]
    for position, record in enumerate(test_records):
        test_id = _record_id(record, position)
        audio = str(record.get("audio_sha256") or "").lower()
        text = normalize(str(record.get("text") or ""))
        for name, by_audio, by_text in indexes:
            if audio and audio in by_audio:
                findings.append(OverlapFinding(test_id, name, "audio", by_audio[audio]))
            elif len(text.split()) >= min_text_words and text in by_text:
                findings.append(OverlapFinding(test_id, name, "text", by_text[text]))
    return findings


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


Fingerprint = tuple[str, str, str]
"""An item as :func:`shared_findings` compares it: ``(id, file or audio hash, normalized text's hash)``, either
hash empty when it has none."""


def item_fingerprints(records: Sequence[Mapping[str, Any]], normalizer: Normalizer | None = None) -> list[Fingerprint]:
    """Each record's :data:`Fingerprint` (its audio's or image file's SHA-256; its text normalized as
    :func:`find_overlap` compares texts, hashed): a dataset is normalized once, then compared with any other."""
    normalize = normalizer or get_normalizer()
    prints = []
    for position, record in enumerate(records):
        file_hash = str(record.get("audio_sha256") or record.get("sha256") or "").lower()
        text = normalize(str(record.get("text") or ""))
        text_hash = hashlib.sha256(text.encode()).hexdigest()[:24] if text.split() else ""
        prints.append((_record_id(record, position), file_hash, text_hash))
    return prints


def shared_findings(mine: Sequence[Fingerprint], theirs: Sequence[Fingerprint], dataset: str) -> list[OverlapFinding]:
    """One finding for each of ``mine`` whose file or normalized text is one of ``theirs`` (dataset ``dataset``),
    the same file in preference; ``"audio"`` or ``"file"`` as the records name their hash."""
    files = {file_hash: item_id for item_id, file_hash, _ in reversed(theirs) if file_hash}
    texts = {text_hash: item_id for item_id, _, text_hash in reversed(theirs) if text_hash}
    findings = []
    for item_id, file_hash, text_hash in mine:
        if file_hash in files:
            findings.append(OverlapFinding(item_id, dataset, "file", files[file_hash]))
        elif text_hash in texts:
            findings.append(OverlapFinding(item_id, dataset, "text", texts[text_hash]))
    return findings


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
