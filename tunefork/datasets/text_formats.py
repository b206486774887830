"""Line-based text datasets: related text (one utterance per line) and pronunciation files.

Both are read line by line from bytes (UTF-8, BOM optional), so a line that is not UTF-8 is
rejected with its line number and the rest of the file is kept. Blank lines are skipped silently.
Record ids are ``<prefix>line-<n>``; the prefix is empty for single-file uploads.
"""

from __future__ import annotations

import re
from pathlib import Path

from tunefork.datasets.lines import read_text_lines
from tunefork.datasets.results import ItemIssue, ParsedItems

URL_PATTERN = re.compile(r"(?i)\b(?:https?|ftp)://\S+|\bwww\.[\w-]+\.\S+")


def _start(path: Path, display_name: str) -> tuple[ParsedItems, list[tuple[int, str]]]:
    decoded = read_text_lines(path, display_name)
    return ParsedItems(rejections=list(decoded.rejections)), decoded.lines


def parse_related_text(path: Path, display_name: str, id_prefix: str = "") -> ParsedItems:
    """Related text: each non-blank line is an utterance (``{"id", "text", "line"}``); URLs are refused."""
    parsed, lines = _start(path, display_name)
    for number, line in lines:
        text = " ".join(line.split())
        if not text:
            continue
        if match := URL_PATTERN.search(text):
            reason = f"{display_name} line {number}: contains a URL ('{match.group(0)}'); write it as it is spoken"
            parsed.rejections.append(ItemIssue(display_name, reason, number))
            continue
        parsed.records.append({"id": f"{id_prefix}line-{number}", "text": text, "line": number})
    return parsed


def is_spoken_form(text: str) -> bool:
    """True when ``text`` has letters and only letters, spaces and apostrophes (a pronounceable spelling)."""
    return any(c.isalpha() for c in text) and all(c.isalpha() or c in " '’" for c in text)


def _pronunciation_problem(line: str) -> str | None:
    tabs = line.count("\t")
    if tabs == 0:
        return "no TAB between the display form and the spoken form ('DISPLAY<TAB>spoken form')"
    if tabs > 1:
        return "more than one TAB; expected exactly one between the display form and the spoken form"
    display, spoken = (part.strip() for part in line.split("\t"))
    if not display:
        return "empty display form before the TAB"
    if not spoken:
        return "empty spoken form after the TAB"
    if not is_spoken_form(spoken):
        digits = " (write numbers as they are said: 'b twelve', not 'b 12')" if any(c.isdigit() for c in spoken) else ""
        return f"spoken form '{spoken}' may only hold letters, spaces and apostrophes{digits}"
    return None


def parse_pronunciation(path: Path, display_name: str, id_prefix: str = "") -> ParsedItems:
    """Pronunciation file: ``DISPLAY<TAB>spoken form`` lines -> ``{"id", "display", "spoken", "line"}``.

    The display form may contain spaces; the spoken form only letters, spaces and apostrophes.
    Exact repeats of an earlier entry are rejected; one display form may have several spoken forms.
    """
    parsed, lines = _start(path, display_name)
    seen: dict[tuple[str, str], int] = {}
    for number, line in lines:
        if not line.strip():
            continue
        if problem := _pronunciation_problem(line):
            parsed.rejections.append(ItemIssue(display_name, f"{display_name} line {number}: {problem}", number))
            continue
        display, spoken = (" ".join(part.split()) for part in line.split("\t"))
        if (display, spoken) in seen:
            reason = f"{display_name} line {number}: duplicate of line {seen[display, spoken]} ('{display}')"
            parsed.rejections.append(ItemIssue(display_name, reason, number))
            continue
        seen[display, spoken] = number
        parsed.records.append({"id": f"{id_prefix}line-{number}", "display": display, "spoken": spoken, "line": number})
    return parsed
