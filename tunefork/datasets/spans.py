"""Shared checks of the language dataset formats: labels, character spans, repeats and JSON lines.

Used by :mod:`tunefork.datasets.utterance_formats`, :mod:`tunefork.datasets.annotated_text` and
:mod:`tunefork.datasets.rule_patterns`. A *label* (intent, entity, span or pattern label) is a
non-empty string without whitespace. A *span* is ``{"start", "end", "label"}`` with integer character
offsets into its text that start and end on token boundaries of spaCy's English tokenizer (so a model
can learn it); spans of one text may not overlap. Two items are *the same text* when their texts are
equal after lower-casing and collapsing whitespace (:func:`text_key`): the same text with the same
labels is a duplicate, with other labels a conflict; either way the later item is rejected.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Hashable, Iterator, Sequence
from pathlib import Path
from typing import Any

from tunefork.datasets.documents import DocumentError, load_json
from tunefork.datasets.lines import read_text_lines
from tunefork.datasets.results import ItemIssue, ParsedItems
from tunefork.language.pipelines import blank_english
from tunefork.wording import plural

RepeatKey = Callable[[dict[str, Any]], tuple[str, Hashable] | None]
"""``record -> (what makes two items the same, their labels)``, or None for records never compared."""


MAX_ITEM_CHARACTERS = 100_000
"""Longest text of one item (an example, an annotated text); split longer documents."""


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be one item (empty, or over :data:`MAX_ITEM_CHARACTERS`), or None."""
    if not text.strip():
        return "empty text"
    if len(text) > MAX_ITEM_CHARACTERS:
        return (
            f"the text is {len(text):,} characters long, over the {MAX_ITEM_CHARACTERS:,}-character limit of one item"
        )
    return None


def text_key(text: str) -> str:
    """``text`` lower-cased with whitespace collapsed: how two items are recognised as the same text."""
    return " ".join(text.lower().split())


def is_label(value: Any) -> bool:
    """True when ``value`` is a usable label: a non-empty string without whitespace."""
    return isinstance(value, str) and bool(value) and not any(c.isspace() for c in value)


def label_problem(value: Any, what: str = "label") -> str | None:
    """Why ``value`` is not a usable label (``what`` names it in the reason), or None when it is."""
    if is_label(value):
        return None
    if value is None or value == "":
        return f"missing {what}"
    return f"{what} must be a non-empty string without spaces (got {json.dumps(value, ensure_ascii=False)})"


def _is_offset(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(text: str, span: dict[str, Any]) -> str:
    return f"{span['start']}-{span['end']} '{text[span['start'] : span['end']]}'"


def _units_hint(text: str) -> str:
    """For a text holding characters JavaScript counts as two (emoji): how offsets are counted here (an entities
    review's annotator counted UTF-16 units, and every span after an emoji was off)."""
    wide = sum(1 for character in text if ord(character) > 0xFFFF)
    if not wide:
        return ""
    return (f"; offsets count characters (Unicode code points), and this text holds {plural(wide, 'character')} "
            "(an emoji...) that JavaScript tools count as two: convert their offsets")  # fmt: skip


def _one_span_problem(text: str, start: Any, end: Any, label: Any) -> str | None:
    if not (_is_offset(start) and _is_offset(end)):
        shown = json.dumps([start, end], ensure_ascii=False)
        return f"span offsets must be integers (got start and end {shown})"
    if start < 0 or end > len(text):
        return f"span from {start} to {end} is outside the text (characters 0 to {len(text)}){_units_hint(text)}"
    if start >= end:
        return f"span {start}-{end}: start must be before end"
    return label_problem(label, f"span {start}-{end} label")


def check_spans(text: str, spans: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], str | None]:
    """Validate ``spans`` (dicts with ``start``, ``end``, ``label``; other keys kept) against ``text``.

    Returns the spans sorted by ``(start, end)`` and None, or ``([], reason)`` for the first problem:
    offsets that are not integers, outside the text or not increasing, a bad label, a span that does
    not start and end on token boundaries, or two overlapping spans.
    """
    for span in spans:
        if problem := _one_span_problem(text, span.get("start"), span.get("end"), span.get("label")):
            return [], problem
    if not spans:
        return [], None
    doc = blank_english()(text)
    for span in spans:
        if doc.char_span(span["start"], span["end"]) is None:
            return [], f"span {_shown(text, span)} does not start and end on token boundaries{_units_hint(text)}"
    ordered = sorted(spans, key=lambda s: (s["start"], s["end"]))
    for before, after in itertools.pairwise(ordered):
        if after["start"] < before["end"]:
            return [], f"spans {_shown(text, before)} and {_shown(text, after)} overlap"
    return ordered, None


def _key_or_value(value: Any) -> Any:
    return text_key(value) if isinstance(value, str) else value


def span_surfaces(text: str, spans: Sequence[dict[str, Any]], *keys: str) -> tuple[tuple[Any, ...], ...]:
    """Each span as ``(its text, label, *other keys)``, texts and string values compared by :func:`text_key`."""
    return tuple(
        (text_key(text[s["start"] : s["end"]]), s["label"], *(_key_or_value(s.get(k)) for k in keys)) for s in spans
    )


def line_position(file_name: str, record: dict[str, Any]) -> str:
    """``"<file> line <n>"``: where a record came from, for rejection reasons."""
    return f"{file_name} line {record['line']}"


def reject_repeats(
    files: list[tuple[str, ParsedItems]],
    key_of: RepeatKey,
    difference: Callable[[dict[str, Any], dict[str, Any]], str],
    *,
    noun: str = "text",
    position: Callable[[str, dict[str, Any]], str] = line_position,
) -> None:
    """Reject, in upload order, items that repeat an earlier one (across all ``(file name, parsed)`` pairs).

    ``key_of(record)`` gives ``(key, labels)``. An item whose key was seen before is moved from the
    records to the rejections as ``duplicate of line N`` when its labels are equal, or as ``same
    <noun> as line N but <difference(earlier, later)>`` when they differ. Lines of another file are
    named with the file.
    """
    seen: dict[str, tuple[str, dict[str, Any], Hashable]] = {}
    for name, parsed in files:
        kept = []
        for record in parsed.records:
            keyed = key_of(record)
            if keyed is None or keyed[0] not in seen:
                if keyed is not None:
                    seen[keyed[0]] = (name, record, keyed[1])
                kept.append(record)
                continue
            first_name, first, first_labels = seen[keyed[0]]
            where = position(first_name, first)
            if first_name == name:
                where = where.removeprefix(f"{name} ")
            if keyed[1] == first_labels:
                what = f"duplicate of {where}"
            else:
                what = f"same {noun} as {where} but {difference(first, record)}; {where} is kept: keep the right one"
            parsed.rejections.append(ItemIssue(name, f"{position(name, record)}: {what}", record["line"]))
        parsed.records[:] = kept


def read_numbered_text(path: Path, display_name: str) -> tuple[str, list[ItemIssue]]:
    """The whole text of ``path`` with line numbers kept: a line that is not UTF-8 is rejected and left blank."""
    decoded = read_text_lines(path, display_name)
    by_number = dict(decoded.lines)
    last = max(by_number, default=0)
    text = "\n".join(by_number.get(n, "") for n in range(1, last + 1))
    return text, list(decoded.rejections)


def read_json_document(path: Path, display_name: str) -> tuple[Any, ParsedItems]:
    """The JSON document in ``path`` and the items parsed so far: lines that are not UTF-8, or the whole file
    rejected at the line of its JSON error (the document is then ``None``)."""
    text, rejections = read_numbered_text(path, display_name)
    parsed = ParsedItems(rejections=rejections)
    try:
        return load_json(text), parsed
    except DocumentError as exc:
        reject(parsed, display_name, exc.line, str(exc))
        return None, parsed


def read_json_lines(path: Path, display_name: str, parsed: ParsedItems) -> Iterator[tuple[int, Any]]:
    """Yield ``(line number, value)`` of each non-blank JSON line; bad lines become rejections in ``parsed``."""
    decoded = read_text_lines(path, display_name)
    parsed.rejections.extend(decoded.rejections)
    for number, line in decoded.lines:
        if not line.strip():
            continue
        try:
            value = load_json(line)
        except DocumentError as exc:
            reject(parsed, display_name, number, str(exc))
            continue
        yield number, value


def reject(parsed: ParsedItems, display_name: str, number: int, problem: str, unit: str = "line") -> None:
    """Add a rejection ``"<file> <unit> <number>: <problem>"`` to ``parsed``."""
    parsed.rejections.append(ItemIssue(display_name, f"{display_name} {unit} {number}: {problem}", number))
