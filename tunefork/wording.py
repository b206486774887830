"""Small wording helpers every surface shares (the CLI, the studio, the report files)."""

from __future__ import annotations

import re

_LINE_ID = re.compile(r"(?:(?P<file>.+)-)?line-(?P<number>\d+)")
"""A text item's id: ``line-<n>``, prefixed with ``<file>-`` when its upload held several text files."""


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 item``, ``2 items``, ``0 items`` (``nouns`` for an irregular plural)."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def a_or_an(word: str) -> str:
    """``a speech``, ``an image``: the word with its indefinite article (by its first letter)."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def item_name(item_id: str) -> str:
    """An item id as a sentence names it: ``line-42`` reads ``line 42``, ``calls-line-7`` (a line of ``calls.txt``
    in an upload of several files) ``line 7 of calls``; other ids stay as they are (the JSON keeps every id)."""
    found = _LINE_ID.fullmatch(item_id)
    if found is None:
        return item_id
    of_file = f" of {found['file']}" if found["file"] else ""
    return f"line {found['number']}{of_file}"
