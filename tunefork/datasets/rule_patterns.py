"""Rule patterns (language and entity projects): spaCy EntityRuler / Matcher patterns as JSON lines.

Each line is ``{"label": "GADGET", "pattern": [{"LOWER": "pixel"}, {"IS_DIGIT": true}]}`` (a token
pattern, checked with spaCy's ``Matcher(validate=True)``) or ``{"label": ..., "pattern": "Pixel 8"}``
(a phrase pattern), with an optional string ``"id"``. ``REGEX`` predicates must be accepted by RE2, the
linear-time engine they are matched with (:mod:`tunefork.language.user_regex`).

Records: ``{"id", "label", "pattern", "line"}`` plus ``"pattern_id"`` when the line has an ``"id"``;
ids are ``<prefix>line-<n>``. The same pattern twice is a duplicate; with another label or id, a conflict.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tunefork.datasets.results import ParsedItems
from tunefork.datasets.spans import label_problem, read_json_lines, reject, reject_repeats
from tunefork.language.pipelines import blank_english
from tunefork.language.user_regex import linear_token_pattern, token_regex_problem

PATTERNS_FORMAT = "spacy-patterns-jsonl"


def _spacy_message(exc: Exception) -> str:
    """spaCy's validation errors on one line: ``[0 -> LOWERR] Extra inputs are not permitted``."""
    details = [line[2:].replace("[pattern -> ", "[token ") for line in str(exc).splitlines() if line.startswith("- [")]
    return "; ".join(details) or str(exc).splitlines()[0]


ANALYSED_ATTRIBUTES = frozenset(
    {"POS", "TAG", "MORPH", "LEMMA", "DEP", "HEAD", "SENT_START", "IS_SENT_START", "ENT_TYPE", "ENT_IOB", "ENT_ID",
     "ENT_KB_ID"}
)  # fmt: skip
"""Token attributes set by a tagger, parser or recognizer: patterns run on spaCy's tokenizer alone, where they
are unset (spaCy raised E155 at training and labelling, after the upload had accepted them)."""


def token_pattern_problem(pattern: list[Any]) -> str | None:
    """Why spaCy's Matcher refuses the token pattern ``pattern``, or None when it accepts it."""
    from spacy.matcher import Matcher

    if not pattern:
        return "empty token pattern (a list of token objects is expected)"
    if not all(isinstance(token, dict) for token in pattern):
        return "a token pattern must be a list of JSON objects, one per token"
    for number, token in enumerate(pattern):
        if analysed := sorted(str(key).upper() for key in token if str(key).upper() in ANALYSED_ATTRIBUTES):
            return (f"[token {number}] {analysed[0]} needs a tagger, parser or recognizer, and patterns are matched "
                    "on spaCy's tokenizer alone: match on ORTH, TEXT, LOWER, SHAPE, LENGTH, LIKE_NUM, IS_... "
                    "or REGEX instead")  # fmt: skip
        if problem := token_regex_problem(token):
            return f"invalid token pattern: [token {number}] {problem}"
    try:
        Matcher(blank_english().vocab, validate=True).add("PATTERN", [linear_token_pattern(pattern)])
    except (ValueError, TypeError, KeyError, re.error) as exc:
        return f"invalid token pattern: {_spacy_message(exc)}"
    return None


def _pattern_problem(value: Any) -> str | None:
    if not isinstance(value, dict):
        return 'expected a JSON object {"label": ..., "pattern": ...}'
    if problem := label_problem(value.get("label")):
        return problem
    if "id" in value and not (isinstance(value["id"], str) and value["id"].strip()):
        return '"id" must be a non-empty string'
    pattern = value.get("pattern")
    if isinstance(pattern, str):
        return None if pattern.strip() else "empty phrase pattern"
    if isinstance(pattern, list):
        return token_pattern_problem(pattern)
    return 'missing "pattern": a phrase (string) or a token pattern (list of objects)'


def parse_patterns(path: Path, display_name: str, id_prefix: str = "") -> ParsedItems:
    """JSON lines of spaCy patterns -> ``{"id", "label", "pattern", "line"}`` (+ ``"pattern_id"``)."""
    parsed = ParsedItems()
    for number, value in read_json_lines(path, display_name, parsed):
        if problem := _pattern_problem(value):
            reject(parsed, display_name, number, problem)
            continue
        record = {"id": f"{id_prefix}line-{number}", "label": value["label"], "pattern": value["pattern"]}
        if "id" in value:
            record["pattern_id"] = value["id"]
        record["line"] = number
        parsed.records.append(record)
    return parsed


def _difference(first: dict[str, Any], later: dict[str, Any]) -> str:
    if first["label"] != later["label"]:
        return f"a different label ('{first['label']}' there, '{later['label']}' here)"
    return f"a different id ('{first.get('pattern_id', '')}' there, '{later.get('pattern_id', '')}' here)"


def check_pattern_repeats(files: list[tuple[str, ParsedItems]]) -> None:
    """Reject patterns repeated across the upload (same label and id: duplicate; otherwise a conflict)."""
    reject_repeats(
        files,
        lambda r: (json.dumps(r["pattern"], sort_keys=True), (r["label"], r.get("pattern_id"))),
        _difference,
        noun="pattern",
    )
