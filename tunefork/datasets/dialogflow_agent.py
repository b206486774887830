"""Checks across the files of a Dialogflow ES agent's upload, after each file is read
(:mod:`tunefork.datasets.dialogflow`).

The files that hold neither training phrases nor entries (``agent.json``, ``package.json``, each intent's
definition with its responses, each entity's settings) are said in one line, not one warning each (14 lines on
every upload of a small agent, and again in every inspection: a new user's review).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from tunefork.datasets.dialogflow import ENTRIES_FILE, PHRASES_FILE, settings_not_read
from tunefork.datasets.results import ItemIssue, ParsedItems
from tunefork.wording import plural


def _is_settings(name: str, parsed: ParsedItems) -> bool:
    """True for an agent's file read as settings: neither training phrases nor entries."""
    return any(issue.reason == settings_not_read(name) for issue in parsed.warnings)


def _named(files: list[tuple[str, ParsedItems]], pattern: re.Pattern[str]) -> list[tuple[str, ParsedItems]]:
    """The files whose name (without its folder) matches ``pattern``."""
    return [(name, parsed) for name, parsed in files if pattern.match(PurePosixPath(name).name)]


def _summarize_settings(files: list[tuple[str, ParsedItems]]) -> None:
    """One line for the agent's files that hold neither training phrases nor entries, instead of one each."""
    settings = [(name, parsed) for name, parsed in files if _is_settings(name, parsed)]
    if not settings:
        return
    for name, parsed in settings:
        parsed.warnings = [issue for issue in parsed.warnings if issue.reason != settings_not_read(name)]
    intents = plural(sum(1 for _, parsed in _named(files, PHRASES_FILE) if parsed.records), "intent")
    entities = plural(sum(1 for _, parsed in _named(files, ENTRIES_FILE) if parsed.records), "entity", "entities")
    read = f"the training phrases of {intents} and the entries of {entities}"
    said = (f"Dialogflow agent: read {read}; its {plural(len(settings), 'other file')} (agent settings, intents' "
            "definitions with their responses) are not used, but for an entity's isRegexp setting")  # fmt: skip
    first, parsed = settings[0]
    parsed.warnings.append(ItemIssue(first, said))


def check_dialogflow_agent(files: list[tuple[str, ParsedItems]]) -> None:
    """The checks across an agent's files (see the module), when the upload holds training phrases or entries."""
    if not any(_named(files, pattern) for pattern in (PHRASES_FILE, ENTRIES_FILE)):
        return
    _summarize_settings(files)
