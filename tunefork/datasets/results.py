"""Outcome of an import: counts, per-item rejections and warnings, conversions and the content hash."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ItemIssue:
    """Why one item was rejected (or accepted with a warning): ``item`` names it, ``reason`` explains."""

    item: str
    reason: str
    line: int | None = None


@dataclass
class ImportResult:
    """Summary of one import, stored as ``import.json`` next to the canonical manifest."""

    kind: str
    source_format: str
    accepted: int
    rejections: list[ItemIssue]
    warnings: list[ItemIssue]
    conversions: dict[str, int]
    """Counts of conversions by kind, e.g. ``{"resampled": 3, "downmixed": 1}``."""
    content_hash: str
    item_conversions: dict[str, list[str]] = field(default_factory=dict)
    """Per item id, the conversions made (``["resampled 44100 Hz to 16000 Hz"]``); only items with some."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (what ``import.json`` holds)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportResult:
        """Inverse of :meth:`to_dict` (unknown keys ignored)."""
        return cls(
            kind=data["kind"],
            source_format=data["source_format"],
            accepted=int(data["accepted"]),
            rejections=[ItemIssue(**issue) for issue in data.get("rejections", [])],
            warnings=[ItemIssue(**issue) for issue in data.get("warnings", [])],
            conversions=dict(data.get("conversions", {})),
            content_hash=data.get("content_hash", ""),
            item_conversions={k: list(v) for k, v in data.get("item_conversions", {}).items()},
        )


def count_conversions(item_conversions: dict[str, list[str]]) -> dict[str, int]:
    """Count conversions by their first word: ``"resampled 44100 Hz to 16000 Hz"`` counts as ``resampled``."""
    counts = Counter(text.split(maxsplit=1)[0] for texts in item_conversions.values() for text in texts if text)
    return dict(sorted(counts.items()))


@dataclass
class ParsedItems:
    """Canonical records parsed from one source file, with the lines refused and warnings."""

    records: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[ItemIssue] = field(default_factory=list)
    warnings: list[ItemIssue] = field(default_factory=list)

    def extend(self, other: ParsedItems) -> None:
        """Append ``other``'s records, rejections and warnings."""
        self.records.extend(other.records)
        self.rejections.extend(other.rejections)
        self.warnings.extend(other.warnings)
