"""Dialogflow ES agent exports (the console's "Export as ZIP"): training phrases and entity entries.

- ``intents/<intent>_usersays_<language>.json``: a list of training phrases ``{"data": [{"text", "meta", "alias"}],
  "isTemplate"}``. The parts' texts joined are the example; a part with an entity ``meta`` (``@car_type``) is a span
  of that entity, a system entity's (``@sys.date``) of its parameter (``alias``: ``date``); ``@sys.ignore`` marks no
  span, and a phrase with an annotated part of no text is rejected. The intent is the file's name before
  ``_usersays_``, spaces written as ``_`` (with a warning); the ``Default Fallback Intent``'s phrases are
  out-of-scope examples (``none``). Template phrases (``isTemplate``: ``@car_type:car_type`` placeholders, not
  values) are rejected, each with why. Ids ``<prefix>phrase-<k>``, ``line`` the phrase's number in the list. A file
  that cannot be read (not valid JSON, or not a list) refuses the whole upload, naming the file, line and intent:
  all the intent's phrases would be lost.
- ``entities/<entity>_entries_<language>.json``: a list of ``{"value", "synonyms"}``: one lookup of the entity's
  values and synonyms and one synonym record per value with synonyms, as a Lex slot type (a composite entity's,
  whose entries name other entities, is skipped with a warning). A regular-expression entity (``"isRegexp": true``
  in its settings file ``entities/<entity>.json`` beside it) gives one regex record a value instead, as Rasa's
  ``- regex:`` blocks do; a pattern tunefork cannot run is rejected with why.
- The agent's other files (``agent.json``, ``package.json``, an intent's definition ``intents/<intent>.json`` with
  its responses, an entity's settings ``entities/<entity>.json``, read only for ``isRegexp``) give no records: an
  agent's zip uploads as it is, and says them in one line (:mod:`tunefork.datasets.dialogflow_agent`); such a file
  uploaded alone is skipped with a warning. Every JSON file inside an agent (beside its ``intents``/``entities``
  folders, or in them) is read as part of it, whatever keys it holds: one without the keys a format is told by was
  a broken Lex slot type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from tunefork.datasets.results import ItemIssue, ParsedItems
from tunefork.datasets.spans import read_json_document, reject
from tunefork.datasets.utterance_records import example_record, lookup_records, string_list, value_entries
from tunefork.errors import UploadRejectedError
from tunefork.language.user_regex import regex_problem

DIALOGFLOW_FORMAT = "dialogflow-es"
PHRASES_FILE = re.compile(r"^(?P<name>.+)_usersays_[A-Za-z-]+\.json$")
ENTRIES_FILE = re.compile(r"^(?P<name>.+)_entries_[A-Za-z-]+\.json$")
_SETTINGS_KEYS = ('"webhookUsed"', '"isEnum"', '"automatedExpansion"', '"supportedLanguages"')
"""Keys of an agent's other files: an intent's and an entity's settings, ``agent.json``."""
_INTENTS_FOLDER = "intents"
_ENTITIES_FOLDER = "entities"  # a folder's name: not the project kind of the same name
_AGENT_FOLDERS = (_INTENTS_FOLDER, _ENTITIES_FOLDER)
"""The folders of an agent's export that hold its training phrases and entity entries."""
_REFERENCE = re.compile(r"@[\w.-]+:\w")
"""An entry that names another entity (``@sys.color:color``): a composite entity's."""
FALLBACK_INTENT = "default fallback intent"
"""Dialogflow's intent for what the agent does not handle: its phrases are out of scope."""


_AGENT_DATA_FOLDERS: ContextVar[dict[Path, bool] | None] = ContextVar("tunefork_agent_data_folders", default=None)
"""Within :func:`agent_folders_read_once`: :func:`_holds_agent_data` of each folder listed so far."""


@contextmanager
def agent_folders_read_once() -> Iterator[None]:
    """Within this block (one upload's import, whose files do not change meanwhile), each folder is listed once to
    tell whether it holds an agent's data: 3,000 plain JSON files in one folder took 9.7 s to detect, the folder
    listed again for each."""
    token = _AGENT_DATA_FOLDERS.set({})
    try:
        yield
    finally:
        _AGENT_DATA_FOLDERS.reset(token)


def _holds_agent_data(folder: Path) -> bool:
    """True when ``folder`` holds a training phrases (``_usersays_``) or entity entries (``_entries_``) file."""
    known = _AGENT_DATA_FOLDERS.get()
    if known is not None and folder in known:
        return known[folder]
    try:
        found = any(PHRASES_FILE.match(entry.name) or ENTRIES_FILE.match(entry.name) for entry in folder.iterdir())
    except OSError:  # no such folder
        found = False
    if known is not None:
        known[folder] = found
    return found


def _in_agent(path: Path) -> bool:
    """True for a file beside an agent's training phrases or entries (an intent's or entity's settings), or beside
    the ``intents`` or ``entities`` folder holding them (``agent.json``)."""
    folder = path.parent
    return _holds_agent_data(folder) or any(_holds_agent_data(folder / name) for name in _AGENT_FOLDERS)


def is_dialogflow_file(path: Path, head: str) -> bool:
    """True for a file of a Dialogflow ES agent export (see the module docs): by its name, by its first characters,
    or for any JSON file inside an agent (:func:`_in_agent`), whatever keys it holds."""
    if PHRASES_FILE.match(path.name) or ENTRIES_FILE.match(path.name):
        return True
    if path.suffix.lower() != ".json":
        return False
    if path.name == "package.json" and head.lstrip().startswith("{") and '"version"' in head and len(head) < 100:
        return True  # an agent's package.json is {"version": "1.0.0"}
    return any(key in head for key in _SETTINGS_KEYS) or _in_agent(path)


def parse_dialogflow_json(path: Path, display_name: str, id_prefix: str = "") -> ParsedItems:
    """One file of a Dialogflow ES agent export -> example records (training phrases), lookup and synonym records
    (entity entries), or nothing with a warning (the agent's settings files)."""
    if phrases := PHRASES_FILE.match(path.name):
        return _parse_phrases(path, display_name, id_prefix, phrases["name"])
    if entries := ENTRIES_FILE.match(path.name):
        return _parse_entries(path, display_name, id_prefix, entries["name"])
    return ParsedItems(warnings=[ItemIssue(display_name, settings_not_read(display_name))])


def settings_not_read(display_name: str) -> str:
    """The warning of an agent's file that holds neither training phrases nor entries (``agent.json``, an intent's
    definition...); an agent's upload says them in one line instead (:mod:`tunefork.datasets.dialogflow_agent`)."""
    return f"ignored {display_name}: a Dialogflow agent's settings, not training phrases or entity entries"


def intent_label(name: str) -> str:
    """The intent an agent's intent ``name`` is read as: ``none`` for the fallback intent, spaces as ``_``."""
    return "none" if name.strip().lower() == FALLBACK_INTENT else "_".join(name.split())


def _intent_name(name: str, parsed: ParsedItems, display_name: str) -> str:
    """:func:`intent_label` of a training phrases file's intent ``name``, with a warning when its spaces become
    ``_``."""
    intent = intent_label(name)
    if intent not in (name, "none"):
        said = f"{display_name}: intent '{name}' is read as '{intent}' (an intent name holds no spaces)"
        parsed.warnings.append(ItemIssue(display_name, said))
    return intent


def _span_label(part: dict[str, Any]) -> str | None:
    """The entity a phrase part is a span of (``@sys.*``: its parameter, ``alias``), or ``None`` for plain text."""
    meta = part.get("meta")
    if not isinstance(meta, str) or not meta.startswith("@") or meta == "@sys.ignore":
        return None
    alias = part.get("alias")
    if meta.startswith("@sys.") and isinstance(alias, str) and alias.strip():
        return alias.strip()
    return meta[1:]


def _phrase(data: Any) -> tuple[str, list[dict[str, Any]]] | str:
    """The text and spans of a training phrase's ``data`` parts, or why they are unusable."""
    if not isinstance(data, list) or not data:
        return 'expected "data": a list of parts {"text", "meta"}'
    text, spans = "", []
    for part in data:
        if not isinstance(part, dict) or not isinstance(part.get("text"), str):
            return 'expected "data": a list of parts {"text", "meta"}'
        piece, label = part["text"], _span_label(part)
        core = piece.strip()
        if label is not None and not core:  # "hours at " + ""@branch was read as "hours at", its entity dropped
            return f"a part annotated {part['meta']} has no text: give it the entity's value, or remove the part"
        if label is None:
            text += piece
            continue
        start = len(text) + len(piece) - len(piece.lstrip())
        spans.append({"start": start, "end": start + len(core), "label": label, "value": core})
        text += piece
    shift = len(text) - len(text.lstrip())
    return text.strip(), [{**span, "start": span["start"] - shift, "end": span["end"] - shift} for span in spans]


def _unreadable_phrases(parsed: ParsedItems, name: str) -> UploadRejectedError:
    """The refusal of an upload whose training phrases file of intent ``name`` cannot be read (why: the last
    rejection in ``parsed``): rejected as one item, it dropped all the intent's phrases while the upload counted one
    rejection and passed --max-rejected (a new user's review)."""
    said = parsed.rejections[-1].reason
    return UploadRejectedError(
        f"{said}; the training phrases of intent '{name}' cannot be read, so the upload was refused rather than "
        "train the agent without them: fix the file and upload the agent again.",
        parsed.rejections,
    )


def _parse_phrases(path: Path, display_name: str, prefix: str, name: str) -> ParsedItems:
    document, parsed = read_json_document(path, display_name)
    if not isinstance(document, list):
        if document is not None or not parsed.rejections:  # valid JSON, not a list (else its error is rejected)
            reject(parsed, display_name, 1, "expected a list of training phrases (Dialogflow's _usersays_ file)")
        raise _unreadable_phrases(parsed, name)
    intent = _intent_name(name, parsed, display_name)
    for number, phrase in enumerate(document, start=1):
        phrase = phrase if isinstance(phrase, dict) else {}
        if phrase.get("isTemplate"):
            reason = ("template phrase not read: it holds @entity:parameter placeholders, not values; write it as an "
                      "example with a value")  # fmt: skip
            reject(parsed, display_name, number, reason, "phrase")
            continue
        outcome = _phrase(phrase.get("data"))
        if isinstance(outcome, str):
            reject(parsed, display_name, number, outcome, "phrase")
            continue
        text, spans = outcome
        record = example_record(text, intent, spans, f"{prefix}phrase-{number}", number)
        if isinstance(record, str):
            reject(parsed, display_name, number, record, "phrase")
        else:
            parsed.records.append(record)
    return parsed


def _parse_entries(path: Path, display_name: str, prefix: str, name: str) -> ParsedItems:
    document, parsed = read_json_document(path, display_name)
    if parsed.rejections and document is None:
        return parsed
    entries = document if isinstance(document, list) else []
    pairs = [(e.get("value"), string_list(e.get("synonyms") or [])) for e in entries if isinstance(e, dict)]
    composite = [value for value, _ in pairs if isinstance(value, str) and _REFERENCE.search(value)]
    if composite:  # "@sys.color:color @product:product" is no value to look up (a code review)
        reason = (f"entity '{'_'.join(name.split())}' is a composite entity ({composite[0]}): its entries name other "
                  "entities, not values; annotate its values in the training phrases instead")  # fmt: skip
        parsed.warnings.append(ItemIssue(display_name, f"ignored {display_name}: {reason}"))
        return parsed
    if not pairs or len(pairs) != len(entries):
        reject(parsed, display_name, 1, """expected a list of entries {"value", "synonyms"} (an _entries_ file)""")
        return parsed
    entity = "_".join(name.split())
    if _is_regex_entity(path, name):
        _regex_records(parsed, display_name, prefix, entity, [value for value, _ in pairs])
        return parsed
    outcome = value_entries(pairs)
    if isinstance(outcome, str):
        reject(parsed, display_name, 1, f"entity '{entity}': {outcome}")
        return parsed
    values, skipped = outcome
    parsed.records.extend(lookup_records(entity, values, f"{prefix}entity", 1))
    parsed.warnings += [ItemIssue(display_name, f"{display_name}: entity '{entity}': {note}") for note in skipped]
    return parsed


def _is_regex_entity(path: Path, name: str) -> bool:
    """True when the settings file beside an entity's entries (``<name>.json``) marks it a regular expression."""
    settings = path.with_name(f"{name}.json")
    try:
        return settings.is_file() and json.loads(settings.read_text(encoding="utf-8-sig")).get("isRegexp") is True
    except (OSError, ValueError, AttributeError):
        return False  # unreadable settings: the entries are read as values, as before


def _regex_records(parsed: ParsedItems, display_name: str, prefix: str, entity: str, patterns: list[Any]) -> None:
    """One regex record of ``entity`` per usable pattern (an entry's value), each unusable one rejected."""
    for number, pattern in enumerate(patterns, start=1):
        if not isinstance(pattern, str) or not pattern.strip():
            reject(parsed, display_name, number, f"entity '{entity}': entry {number} has no pattern", "entry")
        elif problem := regex_problem(pattern):
            reject(parsed, display_name, number, f"entity '{entity}': {problem}", "entry")
        else:
            record = {"id": f"{prefix}entity-{entity}-{number}", "type": "regex", "name": entity, "pattern": pattern}
            parsed.records.append({**record, "line": number})
