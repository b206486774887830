"""The canonical example record of an utterances dataset, whatever file format it came from."""

from __future__ import annotations

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
