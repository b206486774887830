"""Checks across the files of a Dialogflow ES agent's upload, after each file is read
(:mod:`tunefork.datasets.dialogflow`).

- Each intent of the agent (a definition ``intents/<intent>.json`` or a training phrases file) left with no
  phrase in the upload gets a warning naming it: its phrases file is missing, empty, or all its phrases were
  rejected, and it is not learned (it was dropped without a word). Dialogflow's fallback intent is left out: it
  usually has no phrases.
- The files that hold neither training phrases nor entries (``agent.json``, ``package.json``, each intent's
  definition with its responses, each entity's settings) are said in one line, not one warning each (14 lines on
  every upload of a small agent, and again in every inspection: a new user's review).

Files are told by their names (relative to the upload): a file in the folder of training phrases files is an
intent's definition.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from tunefork.datasets.dialogflow import ENTRIES_FILE, PHRASES_FILE, intent_label, settings_not_read
from tunefork.datasets.results import ItemIssue, ParsedItems
from tunefork.wording import plural


def _is_settings(name: str, parsed: ParsedItems) -> bool:
    """True for an agent's file read as settings: neither training phrases nor entries."""
    return any(issue.reason == settings_not_read(name) for issue in parsed.warnings)


def _named(files: list[tuple[str, ParsedItems]], pattern: re.Pattern[str]) -> list[tuple[str, ParsedItems]]:
    """The files whose name (without its folder) matches ``pattern``."""
    return [(name, parsed) for name, parsed in files if pattern.match(PurePosixPath(name).name)]


def _intent_files(files: list[tuple[str, ParsedItems]]) -> dict[str, tuple[str, ParsedItems]]:
    """Intent -> the file that says most about it: its training phrases file, else its definition."""
    phrases = _named(files, PHRASES_FILE)
    folders = {PurePosixPath(name).parent for name, _ in phrases}
    intents = {intent_label(PHRASES_FILE.match(PurePosixPath(name).name)["name"]): (name, parsed)
               for name, parsed in phrases}  # fmt: skip
    for name, parsed in files:
        if PurePosixPath(name).parent in folders and _is_settings(name, parsed):
            intents.setdefault(intent_label(PurePosixPath(name).stem), (name, parsed))
    return intents


def _warn_intents_without_phrases(files: list[tuple[str, ParsedItems]]) -> None:
    """A warning for each intent of the agent with no training phrase left in the upload (see the module)."""
    learned = {record["intent"] for _, parsed in files for record in parsed.records if record["type"] == "example"}
    for intent, (name, parsed) in sorted(_intent_files(files).items()):
        if intent in learned or intent == "none":
            continue
        if not PHRASES_FILE.match(PurePosixPath(name).name):
            why = f"no {PurePosixPath(name).stem}_usersays_<language>.json file beside {name}"
        elif parsed.rejections:
            why = f"all its phrases in {name} were rejected"
        else:
            why = f"its file {name} holds none"
        said = f"intent '{intent}' has no training phrases ({why}): it is not learned; add phrases to it, or delete it"
        parsed.warnings.append(ItemIssue(name, f"{name}: {said}"))


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
    _warn_intents_without_phrases(files)  # before the settings files' warnings, which tell definitions, are said
    _summarize_settings(files)
