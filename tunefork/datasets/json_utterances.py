"""Utterances as JSON from other tools: LUIS app and CLU project exports, and JSON lines of texts with intents.

- LUIS (``{"luis_schema_version", "utterances": [{"text", "intent", "entities": [{"entity", "startPos",
  "endPos"}]}]}``, ``endPos`` inclusive) and CLU (``{"assets": {"utterances": [{"text", "intent", "entities":
  [{"category", "offset", "length"}]}]}}``): their labelled utterances, entities included (LUIS's ``None``
  intent is out of scope, as ``none`` is everywhere). Ids ``<prefix>utterance-<k>``, ``line`` the utterance's
  number in the list.
- JSON lines (``.jsonl``) ``{"text", "intent"}``, or ``"label"`` as a string or a list of one (Doccano's text
  classification export): intents only, like CSV. Ids ``<prefix>line-<n>``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tunefork.datasets.results import ParsedItems
from tunefork.datasets.spans import read_json_document, read_json_lines, reject
from tunefork.datasets.utterance_records import example_record

AZURE_FORMAT = "luis-clu-json"
JSONL_FORMAT = "utterances-jsonl"
_AZURE_KEYS = ('"luis_schema_version"', '"projectFileVersion"')


def is_azure_export(head: str) -> bool:
    """True when the start of a JSON file names a LUIS app or a CLU project."""
    return any(key in head for key in _AZURE_KEYS)


def _azure_utterances(document: Any) -> list[Any] | None:
    """The labelled utterances of a LUIS app export (``utterances``) or a CLU project export
    (``assets.utterances``), or None for any other JSON."""
    if not isinstance(document, dict):
        return None
    assets = document.get("assets")
    found = assets.get("utterances") if isinstance(assets, dict) else document.get("utterances")
    return found if isinstance(found, list) else None


def _azure_entity(entity: Any) -> dict[str, Any]:
    """A LUIS (``entity``, ``startPos``, inclusive ``endPos``) or CLU (``category``, ``offset``, ``length``) entity
    as ``{"start", "end", "label"}`` (bad values are left for the span checks to name)."""
    if not isinstance(entity, dict):
        return {"start": None, "end": None, "label": None}
    if "category" in entity:
        start, length = entity.get("offset"), entity.get("length")
        end = start + length if isinstance(start, int) and isinstance(length, int) else None
        return {"start": start, "end": end, "label": entity["category"]}
    start, last = entity.get("startPos"), entity.get("endPos")
    return {"start": start, "end": last + 1 if isinstance(last, int) else None, "label": entity.get("entity")}


def _parse_azure_utterances(utterances: list[Any], parsed: ParsedItems, name: str, prefix: str) -> ParsedItems:
    """LUIS or CLU utterances -> example records; an utterance's number in the list is its ``line``."""
    for number, utterance in enumerate(utterances, start=1):
        if not isinstance(utterance, dict) or not isinstance(utterance.get("text"), str):
            reject(parsed, name, number, 'expected {"text", "intent", "entities"}', "utterance")
            continue
        entities = [_azure_entity(e) for e in utterance.get("entities") or []]
        outcome = example_record(utterance["text"], utterance.get("intent"), entities, f"{prefix}utterance-{number}",
                                 number)  # fmt: skip
        if isinstance(outcome, str):
            reject(parsed, name, number, outcome, "utterance")
        else:
            parsed.records.append(outcome)
    return parsed


def parse_azure_json(path: Path, display_name: str, id_prefix: str = "") -> ParsedItems:
    """A LUIS app or CLU project export -> example records with their entities (see the module)."""
    document, parsed = read_json_document(path, display_name)
    if parsed.rejections and document is None:
        return parsed
    utterances = _azure_utterances(document)
    if utterances is None:
        reject(parsed, display_name, 1, 'no utterances: expected "utterances" (LUIS) or "assets": {"utterances"} (CLU)')
        return parsed
    return _parse_azure_utterances(utterances, parsed, display_name, id_prefix)


def _jsonl_intent(value: dict[str, Any]) -> Any:
    """The intent of a JSON line: ``intent``, or ``label`` as a string or a list of one (Doccano's text
    classification export); anything else is returned for :func:`example_record` to name."""
    intent = value.get("intent", value.get("label"))
    return intent[0] if isinstance(intent, list) and len(intent) == 1 and isinstance(intent[0], str) else intent


def parse_utterance_jsonl(path: Path, display_name: str, id_prefix: str = "") -> ParsedItems:
    """JSON lines ``{"text", "intent"}`` (or ``"label"``, Doccano's text classification export) -> example records
    without entities."""
    parsed = ParsedItems()
    for number, value in read_json_lines(path, display_name, parsed):
        if not isinstance(value, dict) or not isinstance(value.get("text"), str):
            reject(parsed, display_name, number, 'expected a JSON object {"text": ..., "intent": ...}')
            continue
        intent = _jsonl_intent(value)
        if isinstance(intent, list):
            problem = (f"label {json.dumps(intent, ensure_ascii=False)[:80]}: one intent per text (entity spans "
                       "belong in an annotated-text dataset of an entities project)")  # fmt: skip
            reject(parsed, display_name, number, problem)
            continue
        outcome = example_record(" ".join(value["text"].split()), intent, [], f"{id_prefix}line-{number}", number)
        if isinstance(outcome, str):
            reject(parsed, display_name, number, outcome)
        else:
            parsed.records.append(outcome)
    return parsed
