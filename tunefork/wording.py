"""Small wording helpers every surface shares (the CLI, the studio, the report files)."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 item``, ``2 items``, ``0 items`` (``nouns`` for an irregular plural)."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def a_or_an(word: str) -> str:
    """``a speech``, ``an image``: the word with its indefinite article (by its first letter)."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"
