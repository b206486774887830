"""Quality report of an imported dataset: counts, durations, conversions, duplicates, out-of-vocabulary words.

Language kinds (utterances, annotated text, patterns) are reported by
:mod:`tunefork.datasets.language_inspection` (labels, imbalance, near duplicates, forgetting risk), images
by :mod:`tunefork.datasets.image_inspection` (concepts, duplicates, sizes).

Everything returned is plain JSON-able data; rendering happens in the CLI and the web UI.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

from tunefork.datasets.image_inspection import image_report
from tunefork.datasets.importer import IMPORT_REPORT, MANIFEST
from tunefork.datasets.kinds import AUDIO_KINDS, IMAGE_KINDS, LABELLED_TEXT_KINDS, RELATED_TEXT, check_kind
from tunefork.datasets.language_inspection import language_report
from tunefork.datasets.results import ImportResult
from tunefork.errors import NotFoundError
from tunefork.evaluation.normalizer import EnglishNormalizer
from tunefork.store.artifacts import read_jsonl

LONG_ITEM_SECONDS = 30.0
"""Items longer than this are flagged: Whisper fine-tuning leaves them out (its window is 30 s)."""
SHORT_ITEM_SECONDS = 0.3
"""Items shorter than this are flagged (likely empty or clipped recordings)."""
MAX_WORDS_PER_SECOND = 7.0
"""Faster than this, a transcript probably holds more than the audio says."""

_normalizer = EnglishNormalizer()


def normalize_text(text: str) -> str:
    """The evaluation normalizer (numbers spelled out), so duplicates and OOV words match how WER is scored."""
    return _normalizer(text)


def manifest_path(dataset_dir: Path) -> Path:
    """The ``manifest.jsonl`` of the dataset stored in ``dataset_dir`` (:class:`NotFoundError` when it has none)."""
    path = Path(dataset_dir) / MANIFEST
    if not path.is_file():
        raise NotFoundError(f"{dataset_dir}: no {MANIFEST}; is this an imported dataset folder?")
    return path


def load_manifest(dataset_dir: Path) -> list[dict[str, Any]]:
    """The canonical records of the dataset stored in ``dataset_dir`` (its ``manifest.jsonl``)."""
    return read_jsonl(manifest_path(dataset_dir))


def load_import_result(dataset_dir: Path) -> ImportResult | None:
    """The stored :class:`ImportResult` (``import.json``), or None when the folder has none."""
    path = Path(dataset_dir) / IMPORT_REPORT
    if not path.is_file():
        return None
    return ImportResult.from_dict(json.loads(path.read_text(encoding="utf-8")))


def _duration_stats(records: list[dict[str, Any]]) -> dict[str, Any]:
    durations = [float(r["duration"]) for r in records]
    if not durations:
        return {"total_duration_s": 0.0, "duration_s": {}, "durations": []}
    return {
        "total_duration_s": round(sum(durations), 3),
        "duration_s": {
            "min": round(min(durations), 3),
            "mean": round(statistics.fmean(durations), 3),
            "median": round(statistics.median(durations), 3),
            "max": round(max(durations), 3),
        },
        "durations": [{"id": r["id"], "seconds": float(r["duration"])} for r in records],
    }


def _audio_warnings(records: list[dict[str, Any]]) -> list[dict[str, str]]:
    warnings = []
    for r in records:
        seconds = float(r["duration"])
        if seconds > LONG_ITEM_SECONDS:
            reason = (f"{seconds:.1f} s long, over {LONG_ITEM_SECONDS:g} s: Whisper fine-tuning leaves it out (split "
                      "it in sentences to train on it; evaluations use it whole)")  # fmt: skip
            warnings.append({"item": r["id"], "reason": reason})
        elif seconds < SHORT_ITEM_SECONDS:
            warnings.append({"item": r["id"], "reason": f"only {seconds:.2f} s long; empty or clipped audio?"})
        words = len(normalize_text(r.get("text") or "").split())
        if seconds > 0 and words / seconds > MAX_WORDS_PER_SECOND:
            reason = f"{words} words in {seconds:.1f} s; does the transcript match the audio?"
            warnings.append({"item": r["id"], "reason": reason})
    return warnings


def _oov(counts: Counter[str], vocabulary: set[str] | None, top_n: int) -> dict[str, Any] | None:
    if vocabulary is None:
        return None
    missing = Counter({word: n for word, n in counts.items() if word not in vocabulary})
    total = sum(counts.values())
    return {
        "rate": round(sum(missing.values()) / total, 4) if total else 0.0,
        "tokens": sum(missing.values()),
        "distinct": len(missing),
        "top": [{"word": w, "count": n} for w, n in sorted(missing.items(), key=lambda wn: (-wn[1], wn[0]))[:top_n]],
    }


def _text_stats(items: Iterable[tuple[str, str]], vocabulary: set[str] | None, top_n: int, noun: str) -> dict[str, Any]:
    """Word counts, ``empty_<noun>``, ``duplicate_<noun>`` (by normalized text) and OOV words of ``(id, text)``."""
    counts: Counter[str] = Counter()
    groups: dict[str, list[str]] = defaultdict(list)
    empty = []
    for item_id, text in items:
        normalized = normalize_text(text)
        if not normalized:
            empty.append(item_id)
            continue
        counts.update(normalized.split())
        groups[normalized].append(item_id)
    duplicates = [{"text": text, "ids": ids} for text, ids in groups.items() if len(ids) > 1]
    return {
        "words": sum(counts.values()),
        "distinct_words": len(counts),
        f"empty_{noun}": empty,
        f"duplicate_{noun}": duplicates,
        "oov": _oov(counts, vocabulary, top_n),
    }


def _pronunciation_report(records: list[dict[str, Any]], vocabulary: set[str] | None, top_n: int) -> dict[str, Any]:
    """Entry counts, out-of-vocabulary spoken words, and a warning for each entry whose spoken form is everyday
    English (``everyday_entries``: a Whisper model does not rewrite it wherever it hears it)."""
    from tunefork.speech.whisper_custom.display_forms import split_everyday

    _, everyday = split_everyday((r["display"], r["spoken"]) for r in records)
    everyday_keys = set(everyday)
    everyday_entries = [r for r in records if (r["display"], r["spoken"]) in everyday_keys]
    warnings = [
        {
            "item": r["id"],
            "reason": f"spoken form '{r['spoken']}' is everyday English: a custom Whisper model does not write "
            f"{r['display']} for every '{r['spoken']}' it hears, only where the words around call for it (trained "
            "with --rewrite-everyday-phrases: everywhere)",
        }
        for r in everyday_entries
    ]
    counts: Counter[str] = Counter()
    oov_entries = []
    for r in records:
        words = normalize_text(r["spoken"]).split()
        counts.update(words)
        if vocabulary is not None and (unknown := [w for w in words if w not in vocabulary]):
            oov_entries.append({"id": r["id"], "display": r["display"], "spoken": r["spoken"], "oov_words": unknown})
    return {
        "entries": len(records),
        "distinct_displays": len({r["display"] for r in records}),
        "spoken_words": sum(counts.values()),
        "oov": _oov(counts, vocabulary, top_n),
        "oov_entries": oov_entries,
        "everyday_entries": [{"id": r["id"], "display": r["display"], "spoken": r["spoken"]} for r in everyday_entries],
        "warnings": warnings,
    }


def inspect_dataset(
    dataset_dir: Path,
    kind: str,
    vocabulary: Collection[str] | None = None,
    top_n: int = 20,
    base_labels: Sequence[str] | None = None,
    vocabulary_name: str = "the given vocabulary",
) -> dict[str, Any]:
    """Quality report of the dataset in ``dataset_dir`` (plain JSON-able data).

    Always: ``kind``, ``source_format``, ``items``, ``accepted``, ``rejected``, ``import_warnings``,
    ``warnings``. Speech kinds add ``total_duration_s``, ``duration_s`` (min/mean/median/max),
    ``durations`` (per id), ``conversions`` and ``converted_items``. Kinds with text (acoustic, language,
    structured-text sentences) add ``words``, ``distinct_words``, empty texts, ``duplicates`` (by
    normalized text: lowercase, punctuation stripped) and ``oov`` (``rate``, ``tokens``, ``distinct``,
    ``top`` N words with counts, ``against``: ``vocabulary_name``; None without a ``vocabulary``).
    Pronunciation adds ``entries``, ``oov_entries`` (entries whose spoken words are out of the
    vocabulary) and ``everyday_entries`` (entries whose spoken form is everyday English, each with a
    warning). Language kinds (utterances, annotated-text, patterns) add what :func:`language_report`
    returns; ``base_labels`` (the base model's entity labels) fills their ``forgetting_risk``, and
    ``vocabulary`` is unused.
    """
    check_kind(kind)
    records = load_manifest(dataset_dir)
    result = load_import_result(dataset_dir)
    vocab = {w.lower() for w in vocabulary} if vocabulary is not None else None
    report: dict[str, Any] = {
        "kind": kind,
        "source_format": result.source_format if result else None,
        "items": len(records),
        "accepted": result.accepted if result else len(records),
        "rejected": len(result.rejections) if result else 0,
    }
    warnings: list[dict[str, str]] = []
    if kind in AUDIO_KINDS:
        report.update(_duration_stats(records))
        report["conversions"] = dict(result.conversions) if result else {}
        conversions = result.item_conversions if result else {}
        report["converted_items"] = [{"id": k, "conversions": v} for k, v in conversions.items()]
        warnings.extend(_audio_warnings(records))
    if kind == "acoustic":
        report.update(_text_stats(((r["id"], r.get("text", "")) for r in records), vocab, top_n, "transcripts"))
    elif kind == RELATED_TEXT:
        report["lines"] = len(records)
        report.update(_text_stats(((r["id"], r["text"]) for r in records), vocab, top_n, "lines"))
    elif kind == "pronunciation":
        pronunciations = _pronunciation_report(records, vocab, top_n)
        warnings.extend(pronunciations.pop("warnings"))
        report.update(pronunciations)
    elif kind == "structured-text":
        by_type = Counter(r.get("type") for r in records)
        report.update(sentences=by_type["sentence"], lists=by_type["list"], pronunciations=by_type["pronunciation"])
        sentences = ((r["id"], r["text"]) for r in records if r.get("type") == "sentence")
        report.update(_text_stats(sentences, vocab, top_n, "sentences"))
    elif kind in LABELLED_TEXT_KINDS:
        language = language_report(records, kind, base_labels)
        warnings.extend(language.pop("warnings"))
        report.update(language)
    elif kind in IMAGE_KINDS:
        images = image_report(records)
        warnings.extend(images.pop("warnings"))
        report.update(images)
        report["conversions"] = dict(result.conversions) if result else {}
    if report.get("oov"):
        report["oov"]["against"] = vocabulary_name
    report["import_warnings"] = [w.__dict__ for w in result.warnings] if result else []
    report["warnings"] = warnings
    return report
