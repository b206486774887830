"""Small wording helpers every surface shares (the CLI, the studio, the report files)."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 item``, ``2 items``, ``0 items`` (``nouns`` for an irregular plural)."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"
