"""How the CLI shows one model answer in a table cell: a parse's intent and entities, an image's decision."""

from __future__ import annotations


def entities_cell(result: dict) -> str:
    """The entities a parse found: ``Sarah Smith (PERSON), Paris (GPE)``."""
    return ", ".join(f"{e.get('text')} ({e.get('label')})" for e in result.get("entities") or [])


def decision_cell(result: dict) -> str:
    """The concepts an image classification decided, with their scores ("none of these" when none)."""
    scores = {concept.get("name"): concept.get("score") for concept in result.get("concepts") or []}
    decided = [f"{name} ({scores[name]:.0%})" if isinstance(scores.get(name), float) else str(name)
               for name in result.get("decision") or []]  # fmt: skip
    return ", ".join(decided) or "none of these"


def _percent(value: object) -> str:
    return f" ({value:.0%})" if isinstance(value, int | float) else ""


def intent_cell(result: dict) -> str:
    """The answered intent and its confidence, as a parse returned them. Out of scope, that confidence is 1 minus
    the best intent's, which follows it: ``out_of_scope (88%); top: book_flight (12%)``."""
    if not result.get("intent"):
        return ""
    cell = result["intent"] + _percent(result.get("confidence"))
    ranking = result.get("intents") or []
    if result.get("out_of_scope") and ranking and isinstance(ranking[0], dict):
        cell += f"; top: {ranking[0].get('name')}{_percent(ranking[0].get('confidence'))}"
    return cell
