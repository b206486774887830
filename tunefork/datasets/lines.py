"""Decode text uploads line by line from bytes, so one bad line is rejected without losing the file."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from tunefork.datasets.results import ItemIssue

_SNIFF_BYTES = 8192
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass
class TextLines:
    """Decoded lines of a text file as ``(line_number, text)``; undecodable lines become rejections."""

    lines: list[tuple[int, str]]
    rejections: list[ItemIssue]


def looks_like_text(path: Path) -> bool:
    """True when ``path`` starts like a text file: a UTF-16 BOM, or no NUL byte in its first 8 KiB."""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    return head.startswith(_UTF16_BOMS) or b"\x00" not in head


def read_text_lines(path: Path, display_name: str) -> TextLines:
    """Read ``path`` as UTF-8 (BOM optional; UTF-16 with a BOM is decoded whole) line by line.

    Line numbers start at 1 and count every line, blank ones included. A line that is not valid
    UTF-8 becomes an :class:`ItemIssue` naming ``display_name`` and the line number. Trailing
    ``\\r`` (Windows line ends) is removed; nothing else is stripped.
    """
    data = path.read_bytes()
    if data.startswith(_UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            issue = ItemIssue(
                display_name, f"{display_name}: not valid UTF-16 text despite its byte-order mark ({exc})"
            )
            return TextLines([], [issue])
        raw_lines = [line.encode("utf-8") for line in text.replace("\r\n", "\n").split("\n")]
    else:
        raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    if raw_lines and raw_lines[0].startswith(codecs.BOM_UTF8):
        raw_lines[0] = raw_lines[0][len(codecs.BOM_UTF8) :]
    lines: list[tuple[int, str]] = []
    rejections: list[ItemIssue] = []
    for number, raw in enumerate(raw_lines, start=1):
        raw = raw.removesuffix(b"\r")
        try:
            lines.append((number, raw.decode("utf-8")))
        except UnicodeDecodeError as exc:
            reason = (
                f"{display_name} line {number}: not valid UTF-8 (bad byte at column {exc.start + 1}); save as UTF-8"
            )
            rejections.append(ItemIssue(display_name, reason, number))
    return TextLines(lines, rejections)
