"""Small wording helpers every surface shares (the CLI, the studio, the report files)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

_LINE_ID = re.compile(r"(?:(?P<file>.+)-)?line-(?P<number>\d+)")
"""A text item's id: ``line-<n>``, prefixed with ``<file>-`` when its upload held several text files."""


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 item``, ``2 items``, ``0 items`` (``nouns`` for an irregular plural)."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def joined(words: Iterable[str], last: str = "and") -> str:
    """``speech, language and entities``: words as a sentence lists them (``last``: the word before the last)."""
    words = list(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}" if len(words) > 1 else "".join(words)


def a_or_an(word: str) -> str:
    """``a speech``, ``an image``, ``an 'acoustic'``: the word with its indefinite article (by its first letter,
    quotes aside)."""
    return f"{'an' if word.lstrip(chr(39) + chr(34))[:1].lower() in 'aeiou' else 'a'} {word}"


def item_name(item_id: str) -> str:
    """An item id as a sentence names it: ``line-42`` reads ``line 42``, ``calls-line-7`` (a line of ``calls.txt``
    in an upload of several files) ``line 7 of calls``; other ids stay as they are (the JSON keeps every id)."""
    found = _LINE_ID.fullmatch(item_id)
    if found is None:
        return item_id
    of_file = f" of {found['file']}" if found["file"] else ""
    return f"line {found['number']}{of_file}"


def did_you_mean(ref: str, names: Iterable[str]) -> str:
    """``" Did you mean 'x'?"`` naming up to three ``names`` close to a ``ref`` found nowhere (a typo), or "".

    Names are compared case-folded (a name is looked up as typed, so ``NLU`` misses ``nlu``) and given as they are.
    """
    spelled: dict[str, list[str]] = {}
    for name in sorted(set(names)):
        spelled.setdefault(name.casefold(), []).append(name)
    folded = difflib.get_close_matches(ref.casefold(), list(spelled), n=3, cutoff=0.6)
    close = [name for key in folded for name in spelled[key]][:3]
    quoted = joined((f"'{name}'" for name in close), "or")
    return f" Did you mean {quoted}?" if close else ""
