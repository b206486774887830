"""Decode text uploads line by line from bytes, so one bad line is rejected without losing the file.

Encodings: UTF-8 (byte-order mark optional) and UTF-16 (with a byte-order mark, or without one when the
zero bytes of ASCII text give it away). Each line is checked on its own: a line that is not valid text,
holds a NUL byte or is longer than :data:`MAX_LINE_BYTES` is rejected with its number, and the other
lines are kept. A file over :data:`MAX_TEXT_FILE_BYTES`, or of more than :func:`max_text_lines` lines, is refused
without being split. Lines end with ``\n``, ``\r\n``, or ``\r`` alone in a file without ``\n`` (classic Mac OS).
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from pathlib import Path

from tunefork.config import env_int
from tunefork.datasets.results import ItemIssue

MAX_TEXT_FILE_BYTES = 256 * 2**20
"""Largest text file read (transcript lists, related text, datasets of examples)."""
MAX_LINE_BYTES = 2**20
"""Longest line: one item (a transcript, an example, a JSON record) never needs more."""
MAX_TEXT_LINES = 1_000_000
"""Most lines of one text file, unless ``TUNEFORK_MAX_TEXT_LINES`` says otherwise: an import holds them all with
their records (5 million short lines took 3 GB, within the byte limit: a security review)."""
_SNIFF_BYTES = 8192
_SNIFF_LINE_CHARACTERS = 4096
_SNIFF_SCAN_CHARACTERS = 16 * 2**20
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v\x1b")


@dataclass
class TextLines:
    """Decoded lines of a text file as ``(line_number, text)``; undecodable lines become rejections."""

    lines: list[tuple[int, str]]
    rejections: list[ItemIssue]


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when ``head`` looks like ASCII text in UTF-16 without a BOM, else None."""
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def text_encoding(head: bytes) -> str:
    """The encoding to read a file starting with ``head``: ``utf-16`` (BOM), ``utf-16-le``/``-be`` or ``utf-8``."""
    if head.startswith(_UTF16_BOMS):
        return "utf-16"
    return _utf16_without_bom(head) or "utf-8"


def looks_like_text(path: Path) -> bool:
    """True when ``path`` starts like a text file: UTF-16, or almost no control bytes in its first 8 KiB.

    A stray NUL byte does not make a text file binary, even a short one (that line is rejected when read: a
    two-line file with one was "no text file found", a review); audio, images and compressed data are full of
    control bytes.
    """
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if text_encoding(head) != "utf-8":
        return True
    controls = sum(1 for byte in head if 0 < byte < 0x20 and byte not in _TEXT_CONTROLS)
    return controls * 64 <= len(head) and head.count(0) * 8 <= len(head)


def max_text_lines() -> int:
    """:data:`MAX_TEXT_LINES`, or ``TUNEFORK_MAX_TEXT_LINES`` when set."""
    return env_int("TUNEFORK_MAX_TEXT_LINES", MAX_TEXT_LINES, minimum=1, meaning="a number of lines")


def head_lines(path: Path, count: int) -> list[str]:
    """The starts (4,096 characters at most) of the first ``count`` non-blank lines of a text file, to sniff
    its format; nothing for binary files. A huge line is skipped, not read whole (at most 16 MiB are read).
    """
    if not looks_like_text(path):
        return []
    with path.open("rb") as raw:
        encoding = text_encoding(raw.read(_SNIFF_BYTES))
        raw.seek(0)
        handle = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        lines: list[str] = []
        budget = _SNIFF_SCAN_CHARACTERS
        while len(lines) < count and budget > 0:
            line = handle.readline(_SNIFF_LINE_CHARACTERS)
            if not line:
                break
            budget -= len(line)
            rest = line
            while rest and not rest.endswith("\n") and budget > 0:  # skip the rest of a long line
                rest = handle.readline(1 << 16)
                budget -= len(rest)
            if line.strip():
                lines.append(line.lstrip("\ufeff").rstrip("\r\n"))
    return lines


def _line_problem(raw: bytes) -> str | None:
    if len(raw) > MAX_LINE_BYTES:
        return f"is {len(raw):,} bytes long, over the {MAX_LINE_BYTES:,}-byte limit for one line"
    nul = raw.find(b"\x00")
    if nul >= 0:
        return f"holds a NUL byte at column {nul + 1} (binary data in a text file)"
    return None


def read_text_lines(path: Path, display_name: str) -> TextLines:
    """Read ``path`` line by line in its encoding (see the module docs).

    Line numbers start at 1 and count every line, blank ones included. A line that is not valid
    text becomes an :class:`ItemIssue` naming ``display_name``, the line number and the problem.
    Trailing ``\\r`` (Windows line ends) is removed; nothing else is stripped.
    """
    size = path.stat().st_size
    if size > MAX_TEXT_FILE_BYTES:
        reason = f"{display_name}: {size:,} bytes, over the {MAX_TEXT_FILE_BYTES:,}-byte limit of a text file; split it"
        return TextLines([], [ItemIssue(display_name, reason)])
    data = path.read_bytes()
    encoding = text_encoding(data[:_SNIFF_BYTES])
    if encoding != "utf-8":
        try:
            data = data.decode(encoding).removeprefix("\ufeff").replace("\r\n", "\n").encode("utf-8")
        except UnicodeDecodeError as exc:
            issue = ItemIssue(display_name, f"{display_name}: not valid UTF-16 text ({exc})")
            return TextLines([], [issue])
    if b"\n" not in data and b"\r" in data:  # classic Mac OS line ends: three lines were one item (a review)
        data = data.replace(b"\r", b"\n")
    if (count := data.count(b"\n")) > (limit := max_text_lines()):
        reason = (f"{display_name}: {count:,} lines, over the {limit:,}-line limit of a text file "
                  "(TUNEFORK_MAX_TEXT_LINES); split it into several uploads (datasets add up at training)")  # fmt: skip
        return TextLines([], [ItemIssue(display_name, reason)])
    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    if raw_lines and raw_lines[0].startswith(codecs.BOM_UTF8):
        raw_lines[0] = raw_lines[0][len(codecs.BOM_UTF8) :]
    lines: list[tuple[int, str]] = []
    rejections: list[ItemIssue] = []
    for number, raw in enumerate(raw_lines, start=1):
        raw = raw.removesuffix(b"\r")
        if problem := _line_problem(raw):
            rejections.append(ItemIssue(display_name, f"{display_name} line {number} {problem}", number))
            continue
        try:
            lines.append((number, raw.decode("utf-8")))
        except UnicodeDecodeError as exc:
            reason = (
                f"{display_name} line {number}: not valid UTF-8 (bad byte at column {exc.start + 1}); save as UTF-8"
            )
            rejections.append(ItemIssue(display_name, reason, number))
    return TextLines(lines, rejections)
