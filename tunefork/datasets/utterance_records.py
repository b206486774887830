"""The canonical records of an utterances dataset, whatever file format they came from: examples, and a value list
(a Lex slot type, a Dialogflow entity) as one lookup and a synonym record per value with synonyms."""

from __future__ import annotations

import json
from typing import Any

from tunefork.datasets.spans import check_spans, label_problem, text_problem


def example_record(
    text: str, intent: str, entities: list[dict[str, Any]], record_id: str, number: int
) -> dict[str, Any] | str:
    """The canonical example record, or the reason it is rejected (empty text, bad intent or spans)."""
    if problem := text_problem(text) or label_problem(intent, "intent"):
        return problem
    ordered, problem = check_spans(text, entities)
    if problem:
        return problem
    return {"id": record_id, "type": "example", "text": text, "intent": intent, "entities": ordered, "line": number}


def unique_texts(values: list[str]) -> list[str]:
    """``values`` with whitespace collapsed, without empty ones and repeats, in order."""
    return list(dict.fromkeys(" ".join(v.split()) for v in values if v.strip()))


def string_list(values: Any) -> list[str] | None:
    """``values`` when it is a list of strings, else ``None``."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return None
    return list(values)


def value_entries(entries: list[tuple[Any, list[str] | None]]) -> tuple[list[tuple[str, list[str]]], list[str]] | str:
    """``([(value, synonyms)], skipped)`` of a value list's ``(value, synonyms)`` entries (synonyms ``None`` when
    they were not strings), or the reason it is unusable.

    A value that is not a non-empty string is skipped (``skipped`` says which), so one blank entry of an export
    does not cost the others; a list left with no value is refused.
    """
    values, skipped = [], []
    for position, (value, synonyms) in enumerate(entries, start=1):
        if not (isinstance(value, str) and value.strip()):
            skipped.append(f"value {position} skipped: a value must be a non-empty string (got {json.dumps(value)})")
            continue
        if synonyms is None:
            skipped.append(f"value {position} '{value}' skipped: its synonyms must be strings")
            continue
        clean = " ".join(value.split())
        values.append((clean, [s for s in unique_texts(synonyms) if s != clean]))
    if not values:
        return f"no usable value: {'; '.join(skipped)}"
    return values, skipped


def lookup_records(name: str, values: list[tuple[str, list[str]]], record_id: str, number: int) -> list[dict[str, Any]]:
    """One lookup record ``name`` of every value and synonym, and a synonym record per value with synonyms."""
    elements = unique_texts([item for value, synonyms in values for item in (value, *synonyms)])
    records = [{"id": record_id, "type": "lookup", "name": name, "elements": elements, "line": number}]
    for index, (value, synonyms) in enumerate(values, start=1):
        if synonyms:
            records.append({"id": f"{record_id}-value-{index}", "type": "synonym", "value": value,
                            "synonyms": synonyms, "line": number})  # fmt: skip
    return records
