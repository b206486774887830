"""JSON and YAML documents read with bounds: nesting depth, node count, and no YAML aliases.

A 9 KB YAML file whose aliases (``*name``) repeat an anchored list hundreds of times expands to
millions of items; deeply nested brackets make recursive parsers overflow the stack. Uploads are data,
so neither construct has a use here: YAML anchors and aliases are refused, nesting is capped at
:data:`MAX_DEPTH` levels and a document at :data:`MAX_NODES` nodes. The YAML checks run on the parser's
event stream (iterative, linear) before the document is composed into nodes.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

MAX_DEPTH = 64
"""Deepest nesting of lists and mappings a document may have."""
MAX_NODES = 2_000_000
"""Most scalars, lists and mappings one YAML document may hold."""


class DocumentError(ValueError):
    """Why a document cannot be read, and the line (1-based) where the problem is, when known."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


def load_json(text: str) -> Any:
    """Parse JSON text; raises :class:`DocumentError` for invalid JSON or nesting too deep to read."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        said = exc.msg.removesuffix(" at")  # "Unterminated string starting at" + " at column 10" read "at at"
        raise DocumentError(f"not valid JSON ({said} at column {exc.colno})", exc.lineno) from None
    except RecursionError:
        raise DocumentError("JSON nested too deeply to read") from None


def _check_events(text: str) -> None:
    depth = nodes = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark else 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise DocumentError("YAML anchors and aliases (&name, *name) are not supported; write the items out", line)
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise DocumentError(f"YAML nested deeper than {MAX_DEPTH} levels", line)
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            depth -= 1
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_NODES:
                raise DocumentError(f"YAML document of more than {MAX_NODES:,} items", line)


def compose_yaml(text: str) -> yaml.Node | None:
    """The node tree of a YAML document (SafeLoader), after the checks of the module docs.

    Raises :class:`DocumentError` naming the line of the first problem, invalid YAML included.
    """
    try:
        _check_events(text)
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise DocumentError(f"not valid YAML ({problem})", mark.line + 1 if mark else 1) from None
