"""Utterances (language projects): example sentences with intents and entities, synonyms, regexes, lookups.

Accepted files, recognised by extension, else by content (:func:`utterance_format`):

- Rasa NLU YAML (``.yml``/``.yaml``): an ``nlu:`` list of ``- intent: name`` blocks whose
  ``examples: |`` hold ``- text`` lines, entities annotated as ``[text](entity)``,
  ``[text](entity:value)`` or ``[text]{"entity": "e", "value": "v"}`` (``role``/``group`` read as the entity
  alone, with one warning naming them);
  ``- synonym: value``, ``- regex: name`` and ``- lookup: name`` blocks list their surface forms,
  patterns and elements the same way. Other top-level sections (stories, rules) are ignored.
- Amazon Lex slot types (``.json``): V1 ``{"name", "enumerationValues": [{"value", "synonyms"}]}`` or
  V2 ``{"slotTypeName", "slotTypeValues": [{"sampleValue": {"value"}, "synonyms": [{"value"}]}]}``,
  alone, in a list or under ``"slotTypes"``. Each becomes a lookup (values and synonyms) and one
  synonym record per value with synonyms. The intents of a bot export (their sample utterances hold
  ``{slot}`` placeholders, not values) are rejected, each named.
- LUIS app and CLU project exports (``.json``) and JSON lines of texts with intents (``.jsonl``): see
  :mod:`tunefork.datasets.json_utterances`.
- Dialogflow ES agent exports (a zip of ``intents/*_usersays_*.json`` training phrases and
  ``entities/*_entries_*.json`` entries): see :mod:`tunefork.datasets.dialogflow`.
- CSV (``.csv``) with a ``text,intent`` (or ``text,label``; ``utterance``, ``sentence``, ``example`` or ``query`` for
  ``text``) header, after Excel's ``sep=,`` line if any; other
  columns are not read (one warning names them), and rows of empty cells are skipped. CSV carries no slots:
  ``[text](entity)`` markup in a text is read as its plain text, with a warning.

Records (annotations removed from the text; entity offsets index the cleaned text):

- ``{"id", "type": "example", "text", "intent", "entities": [{"start", "end", "label", "value"}], "line"}``
  (``value``: the annotated canonical value, else the annotated text);
- ``{"id", "type": "synonym", "value", "synonyms": [...], "line"}``;
- ``{"id", "type": "regex", "name", "pattern", "line"}`` (one per pattern);
- ``{"id", "type": "lookup", "name", "elements": [...], "line"}``.

Ids are ``<prefix>line-<n>`` (for a synonym or lookup block, the line of its ``- synonym:`` key).
Lex records have ids ``<prefix>slot-<k>`` (lookup) and ``<prefix>slot-<k>-value-<j>`` (synonym), and
their ``line`` is the slot type's number in the file, counting from 1; LUIS and CLU examples
``<prefix>utterance-<k>``, their ``line`` the utterance's number.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from tunefork.datasets.csv_rows import csv_rows, unclosed_quote
from tunefork.datasets.dialogflow import DIALOGFLOW_FORMAT, is_dialogflow_file, parse_dialogflow_json
from tunefork.datasets.dialogflow_agent import check_dialogflow_agent
from tunefork.datasets.documents import DocumentError, compose_yaml
from tunefork.datasets.json_utterances import (
    AZURE_FORMAT,
    JSONL_FORMAT,
    is_azure_export,
    parse_azure_json,
    parse_utterance_jsonl,
)
from tunefork.datasets.lines import read_text_lines, text_encoding
from tunefork.datasets.results import ItemIssue, ParsedItems
from tunefork.datasets.spans import (
    label_problem,
    read_json_document,
    read_numbered_text,
    reject,
    reject_repeats,
    span_surfaces,
    text_key,
)
from tunefork.datasets.utterance_records import example_record, lookup_records, string_list, unique_texts, value_entries
from tunefork.language.user_regex import regex_problem

RASA_FORMAT = "rasa-nlu-yaml"
LEX_FORMAT = "lex-slot-types-json"
CSV_FORMAT = "utterances-csv"
ACCEPTED_TEXT = (
    "Rasa NLU YAML, Lex slot type JSON (V1 or V2), a LUIS or CLU export (JSON), a Dialogflow ES agent export, CSV "
    """with a 'text,intent' header, or JSON lines {"text", "intent"}"""
)

_BLOCK_KINDS = ("intent", "synonym", "regex", "lookup")
_RASA_OTHER_SECTIONS = frozenset({"stories", "rules", "responses", "intents", "slots", "forms", "actions",
                                  "pipeline", "policies", "recipe", "session_config", "e2e_actions"})  # fmt: skip
"""Top-level keys of a Rasa project's other files (domain, config, stories, rules): skipped with a warning (each
was a rejected item, failing --max-rejected on a project zip: a formats review)."""
_ANNOTATION = re.compile(r"\[(?P<surface>[^\[\]]*)\](?:\((?P<short>[^()]*)\)|\{(?P<json>[^{}]*)\})")
_JSON_ANNOTATION_KEYS = frozenset({"entity", "value", "role", "group"})
_CSV_INTENT_COLUMNS = ("intent", "label")
_CSV_TEXT_COLUMNS = ("text", "utterance", "sentence", "example", "query")
"""Header names of the text column (the first present read): `utterance,intent` was refused (a formats review)."""


# --- recognising the format ----------------------------------------------------------------------------


def _head_text(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(4096)
    return head.decode(text_encoding(head), errors="replace").lstrip("\ufeff")


def _csv_columns(header_line: str) -> list[str]:
    """The columns a header line names, split at commas, semicolons or tabs (the CSV reader names another
    delimiter than a comma, with what to do)."""
    return [column.strip().lower() for column in re.split(r"[,;\t]", header_line)]


def _is_csv_header(columns: list[str]) -> bool:
    return any(name in columns for name in _CSV_TEXT_COLUMNS) and any(name in columns for name in _CSV_INTENT_COLUMNS)


def utterance_format(path: Path) -> str | None:
    """The utterances format of ``path`` (:data:`RASA_FORMAT`, :data:`LEX_FORMAT`, :data:`CSV_FORMAT`,
    :data:`JSONL_FORMAT`, :data:`AZURE_FORMAT`) or None."""
    suffix = path.suffix.lower()
    by_suffix = {".yml": RASA_FORMAT, ".yaml": RASA_FORMAT, ".json": LEX_FORMAT, ".csv": CSV_FORMAT, ".tsv": CSV_FORMAT,
                 ".jsonl": JSONL_FORMAT}  # fmt: skip
    head = _head_text(path).lstrip()
    if suffix in (".json", "") and head.startswith("{") and is_azure_export(head):
        return AZURE_FORMAT
    if is_dialogflow_file(path, head):  # an agent's agent.json read as a broken Lex file (a formats review)
        return DIALOGFLOW_FORMAT
    if suffix in by_suffix:
        return by_suffix[suffix]
    if head.startswith(("{", "[")):
        return LEX_FORMAT
    if re.search(r"(?m)^(nlu|version)\s*:", head):
        return RASA_FORMAT
    if head and _is_csv_header(_csv_columns(head.splitlines()[0])):
        return CSV_FORMAT
    return None


# --- Rasa annotations ----------------------------------------------------------------------------------


def _malformed(part: str) -> str | None:
    if "[" in part or "]" in part:
        return f"malformed annotation brackets in '{part.strip()}': write [text](entity) or [text]{{\"entity\": ...}}"
    return None


def _annotation_label(match: re.Match[str]) -> tuple[str, str | None]:
    """``(entity, value or None)`` of one annotation; raises ValueError with the reason when it is bad."""
    if match["short"] is not None:
        entity, _, value = match["short"].partition(":")
        if ":" in match["short"] and not value.strip():
            raise ValueError(f"empty entity value in '{match.group(0)}'")
        explicit = value.strip() or None
    else:
        try:
            data = json.loads("{" + match["json"] + "}")
        except json.JSONDecodeError:
            raise ValueError(f"annotation '{match.group(0)}' is not valid JSON") from None
        if unknown := sorted(set(data) - _JSON_ANNOTATION_KEYS):
            raise ValueError(f"annotation '{match.group(0)}' has unknown keys: {', '.join(unknown)}")
        entity, explicit = data.get("entity"), data.get("value")
        if isinstance(explicit, int | float) and not isinstance(explicit, bool):  # {"value": 2}: the value "2"
            explicit = str(explicit)
        if explicit is not None and not (isinstance(explicit, str) and explicit.strip()):
            raise ValueError(f"annotation '{match.group(0)}': \"value\" must be a non-empty string")
    if problem := label_problem(entity, f"entity in '{match.group(0)}'"):
        raise ValueError(problem)
    return entity, explicit


def parse_rasa_example(example: str) -> tuple[str, list[dict[str, Any]]]:
    """Remove Rasa entity annotations from ``example``: ``(clean text, entities with offsets into it)``.

    Raises ValueError with the reason when brackets are malformed or an annotation is invalid.
    Entities are ``{"start", "end", "label", "value"}``; offsets are not checked against tokens here.
    """
    pieces: list[str] = []
    entities: list[dict[str, Any]] = []
    length = position = 0
    for match in _ANNOTATION.finditer(example):
        before = example[position : match.start()]
        if problem := _malformed(before):
            raise ValueError(problem)
        surface = match["surface"]
        if not surface.strip():
            raise ValueError(f"empty annotated text in '{match.group(0)}'")
        if example[match.end() : match.end() + 1] in ("{", "("):  # [two berth](boat_class){"entity": ...}
            raise ValueError(f"'{match.group(0)}' is followed by a second annotation: give a span one, "
                             "[text](entity) or [text]{\"entity\": ..., \"value\": ...}")  # fmt: skip
        label, value = _annotation_label(match)
        start = length + len(before)
        entities.append({"start": start, "end": start + len(surface), "label": label, "value": value or surface})
        pieces += [before, surface]
        length = start + len(surface)
        position = match.end()
    if problem := _malformed(example[position:]):
        raise ValueError(problem)
    return "".join(pieces) + example[position:], entities


def rasa_markup(text: str, entities: list[dict[str, Any]]) -> str:
    """``text`` with its ``entities`` (``start``, ``end``, ``label``, optional ``value``) written as Rasa annotations,
    the inverse of :func:`parse_rasa_example`: ``[spin](class_type)``, or ``[Spin]{"entity": ..., "value": ...}``
    when the value is not the surface. An entity overlapping an earlier one is left out."""
    pieces, position = [], 0
    for entity in sorted(entities, key=lambda e: (int(e["start"]), -int(e["end"]))):
        start, end, label = int(entity["start"]), int(entity["end"]), str(entity["label"])
        if start < position or not text[start:end].strip():
            continue
        surface, value = text[start:end], entity.get("value")
        if value and value != surface:
            annotation = json.dumps({"entity": label, "value": value}, ensure_ascii=False)
            pieces += [text[position:start], f"[{surface}]{annotation}"]
        else:
            pieces += [text[position:start], f"[{surface}]({label})"]
        position = end
    return "".join(pieces) + text[position:]


# --- Rasa YAML -----------------------------------------------------------------------------------------


def _mapping(node: yaml.Node) -> dict[str, yaml.Node]:
    return {str(key.value): value for key, value in node.value if isinstance(key, yaml.ScalarNode)}


def _example_lines(node: yaml.Node) -> list[tuple[int, str]]:
    """``(line, text)`` of each entry of an ``examples`` value: a ``- text`` block or a list of ``text:``."""
    if isinstance(node, yaml.ScalarNode):
        first = node.start_mark.line + 2 if node.style == "|" else node.start_mark.line + 1
        step = 1 if node.style == "|" else 0
        return [(first + i * step, line) for i, line in enumerate(str(node.value).split("\n"))]
    entries = []
    for item in node.value if isinstance(node, yaml.SequenceNode) else []:
        if isinstance(item, yaml.MappingNode):
            item = _mapping(item).get("text", item)
        if isinstance(item, yaml.ScalarNode):
            entries.append((item.start_mark.line + 1, "- " + str(item.value)))
    return entries


def _listed(lines: list[tuple[int, str]], parsed: ParsedItems, name: str) -> list[tuple[int, str]]:
    """The ``- entry`` lines as ``(line, entry stripped)``; other non-blank lines are rejected."""
    entries = []
    for number, line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("-"):
            reject(parsed, name, number, f"expected a '- example' line, got '{stripped}'")
            continue
        entries.append((number, stripped[1:].strip()))
    return entries


class _RasaBlocks:
    """Turns the blocks of a Rasa ``nlu:`` list into records of one file."""

    def __init__(self, parsed: ParsedItems, name: str, prefix: str) -> None:
        self.parsed, self.name, self.prefix = parsed, name, prefix
        self.roles: dict[str, set[str]] = {}
        """Entity -> the roles and groups its annotations carry (read as the entity alone)."""
        self.first_role_line: int | None = None

    def note_roles(self, entry: str, line: int) -> None:
        """Remember the ``role`` and ``group`` of the annotations of ``entry`` (an accepted example)."""
        for match in _ANNOTATION.finditer(entry):
            data = json.loads("{" + match["json"] + "}") if match["json"] is not None else {}
            tags = [str(data[key]) for key in ("role", "group") if data.get(key) is not None]
            if tags:
                self.roles.setdefault(str(data.get("entity")), set()).update(tags)
                self.first_role_line = self.first_role_line or line

    def role_warning(self) -> None:
        """One warning for the roles and groups read as their entity alone (they were dropped without a word)."""
        if not self.roles:
            return
        shown = "; ".join(f"{entity}: {', '.join(sorted(tags))}" for entity, tags in sorted(self.roles.items()))
        reason = (f"{self.name} line {self.first_role_line}: entity roles and groups are not learned ({shown}); "
                  "each annotation was read as its entity alone (to tell them apart, give them entities of their "
                  "own, e.g. [London](origin_city))")  # fmt: skip
        self.parsed.warnings.append(ItemIssue(self.name, reason, self.first_role_line))

    def block(self, node: yaml.Node) -> None:
        number = node.start_mark.line + 1
        fields = _mapping(node) if isinstance(node, yaml.MappingNode) else {}
        kind = next((k for k in _BLOCK_KINDS if k in fields), None)
        if kind is None:
            reject(self.parsed, self.name, number, "expected '- intent:', '- synonym:', '- regex:' or '- lookup:'")
            return
        title = fields[kind].value if isinstance(fields[kind], yaml.ScalarNode) else None
        if kind == "synonym":
            problem = None if isinstance(title, str) and title.strip() else "empty synonym value"
        else:
            problem = label_problem(title, f"{kind} name")
        if problem:
            reject(self.parsed, self.name, number, problem)
            return
        entries = _listed(_example_lines(fields["examples"]), self.parsed, self.name) if "examples" in fields else []
        if not entries:
            reject(self.parsed, self.name, number, f"{kind} '{title}' has no examples")
            return
        getattr(self, kind)(" ".join(str(title).split()), entries, number)

    def intent(self, intent: str, entries: list[tuple[int, str]], number: int) -> None:
        for line, entry in entries:
            try:
                text, entities = parse_rasa_example(" ".join(entry.split()))
            except ValueError as exc:
                reject(self.parsed, self.name, line, str(exc))
                continue
            outcome = example_record(text, intent, entities, f"{self.prefix}line-{line}", line)
            if isinstance(outcome, str):
                reject(self.parsed, self.name, line, outcome)
            else:
                self.parsed.records.append(outcome)
                self.note_roles(entry, line)

    def synonym(self, value: str, entries: list[tuple[int, str]], number: int) -> None:
        record = {"id": f"{self.prefix}line-{number}", "type": "synonym", "value": value}
        self.parsed.records.append({**record, "synonyms": unique_texts([e for _, e in entries]), "line": number})

    def regex(self, name: str, entries: list[tuple[int, str]], number: int) -> None:
        for line, pattern in entries:
            if problem := regex_problem(pattern):
                reject(self.parsed, self.name, line, problem)
                continue
            record = {"id": f"{self.prefix}line-{line}", "type": "regex", "name": name, "pattern": pattern}
            self.parsed.records.append({**record, "line": line})

    def lookup(self, name: str, entries: list[tuple[int, str]], number: int) -> None:
        record = {"id": f"{self.prefix}line-{number}", "type": "lookup", "name": name}
        self.parsed.records.append({**record, "elements": unique_texts([e for _, e in entries]), "line": number})


def _rasa_nlu(text: str, parsed: ParsedItems, name: str) -> yaml.SequenceNode | None:
    """The ``nlu:`` list node of a Rasa file, or None after rejecting the file with the reason."""
    try:
        root = compose_yaml(text)
    except DocumentError as exc:
        reject(parsed, name, exc.line, str(exc))
        return None
    sections = _mapping(root) if isinstance(root, yaml.MappingNode) else {}
    nlu = sections.get("nlu")
    if nlu is None and (other := sorted(set(sections) & _RASA_OTHER_SECTIONS)):
        # a Rasa project's domain, config, stories or rules file beside nlu.yml: not training data, not an error
        reason = f"ignored {name}: a Rasa file without an 'nlu:' section ({', '.join(other)})"
        parsed.warnings.append(ItemIssue(name, reason))
        return None
    if not isinstance(nlu, yaml.SequenceNode):
        reject(parsed, name, 1, "not a Rasa NLU file: expected an 'nlu:' list of '- intent:' blocks")
        return None
    for key, _ in root.value:
        section = str(key.value)
        if section not in ("version", "nlu"):
            number = key.start_mark.line + 1
            parsed.warnings.append(ItemIssue(name, f"{name} line {number}: ignored section '{section}'", number))
    return nlu


def parse_rasa_yaml(path: Path, display_name: str, id_prefix: str = "") -> ParsedItems:
    """A Rasa NLU YAML file -> example, synonym, regex and lookup records."""
    text, rejections = read_numbered_text(path, display_name)
    parsed = ParsedItems(rejections=rejections)
    nlu = _rasa_nlu(text, parsed, display_name)
    blocks = _RasaBlocks(parsed, display_name, id_prefix)
    for node in nlu.value if nlu is not None else []:
        blocks.block(node)
    blocks.role_warning()
    return parsed


# --- Lex slot types ------------------------------------------------------------------------------------


def _lex_values(slot: dict[str, Any]) -> tuple[list[tuple[str, list[str]]], list[str]] | str:
    """``([(value, synonyms)], skipped)`` of a V1 or V2 slot type, or the reason it is unusable.

    A value that is not a non-empty string is skipped (``skipped`` says which), so one blank entry of an export
    does not cost the others; a slot type left with no value is refused.
    """
    if "slotTypeValues" in slot:
        raw = slot["slotTypeValues"]
        entries = [
            (
                (entry.get("sampleValue") or {}).get("value"),
                string_list([s.get("value") if isinstance(s, dict) else s for s in entry.get("synonyms") or []]),
            )
            for entry in (raw if isinstance(raw, list) else [])
            if isinstance(entry, dict)
        ]
    else:
        raw = slot.get("enumerationValues")
        entries = [
            (entry.get("value"), string_list(entry.get("synonyms") or []))
            for entry in (raw if isinstance(raw, list) else [])
            if isinstance(entry, dict)
        ]
    if not entries or len(entries) != len(raw):
        return "expected 'enumerationValues' (V1) or 'slotTypeValues' (V2): a non-empty list of value objects"
    return value_entries(entries)


def _lex_body(data: Any) -> Any:
    """A Lex export without the V1 console export's ``{"metadata": ..., "resource": ...}`` wrapper."""
    if isinstance(data, dict) and isinstance(data.get("resource"), dict) and "metadata" in data:
        return data["resource"]
    return data


def _lex_slot_types(data: Any) -> list[Any] | None:
    """The slot types of a Lex export (:func:`_lex_body`): one, a list, or ``{"slotTypes": [...]}``; none (``[]``)
    in a bot export (or a V2 ``Intent.json``) without ``slotTypes``."""
    if _lex_intents(data) and not (isinstance(data, dict) and isinstance(data.get("slotTypes"), list)):
        return []
    if isinstance(data, dict) and isinstance(data.get("slotTypes"), list):
        return data["slotTypes"]
    if isinstance(data, list):
        return data
    return [data] if isinstance(data, dict) else None


def _lex_records(slot: Any, number: int, prefix: str) -> tuple[list[dict[str, Any]], list[str]] | str:
    """The lookup and synonym records of one slot type and the values skipped, or why it is refused."""
    if not isinstance(slot, dict):
        return "expected a slot type object"
    name = slot.get("slotTypeName", slot.get("name"))
    if problem := label_problem(name, "slot type name ('name' or 'slotTypeName')"):
        return problem
    outcome = _lex_values(slot)
    if isinstance(outcome, str):
        return outcome
    values, skipped = outcome
    return lookup_records(name, values, f"{prefix}slot-{number}", number), [
        f"slot type '{name}': {note}" for note in skipped
    ]


def _lex_intents(data: Any) -> list[Any]:
    """The intents of a Lex bot export (:func:`_lex_body`; V1 ``intents``), or a V2 ``Intent.json`` as a list of
    one."""
    if isinstance(data, dict) and isinstance(data.get("intents"), list):
        return data["intents"]
    return [data] if isinstance(data, dict) and ("sampleUtterances" in data or "intentName" in data) else []


def _unread_intents(parsed: ParsedItems, display_name: str, intents: list[Any]) -> None:
    """Each intent of a Lex bot export rejected with why: its sample utterances hold ``{slot}`` placeholders,
    not values, and were dropped without a word (only the bot's slot types were read)."""
    for number, intent in enumerate(intents, start=1):
        intent = intent if isinstance(intent, dict) else {}
        name = intent.get("name") or intent.get("intentName") or f"number {number}"
        samples = intent.get("sampleUtterances")
        many = isinstance(samples, list) and len(samples) != 1
        count = f" ({len(samples)} sample utterance{'s' if many else ''})" if isinstance(samples, list) else ""
        reason = (f"Lex intent '{name}'{count} not read: tunefork reads the slot types of a Lex export, and its "
                  "sample utterances hold {slot} placeholders, not values; write them with values as Rasa NLU YAML "
                  "(- i want a [large](size) pizza) or CSV 'text,intent' and upload that")  # fmt: skip
        reject(parsed, display_name, number, reason, "intent")


def parse_lex_json(path: Path, display_name: str, id_prefix: str = "") -> ParsedItems:
    """Lex V1/V2 slot type JSON -> one lookup per slot type and one synonym record per value with synonyms; the
    intents of a bot export are rejected, each with why (:func:`_unread_intents`)."""
    document, parsed = read_json_document(path, display_name)
    if parsed.rejections and document is None:
        return parsed
    document = _lex_body(document)
    intents = _lex_intents(document)
    _unread_intents(parsed, display_name, intents)
    slot_types = _lex_slot_types(document)
    if intents and not slot_types:
        return parsed  # a bot export without slot types, or a V2 Intent.json: nothing else to read
    if not slot_types:
        reject(parsed, display_name, 1, 'expected a Lex slot type, a list of them or {"slotTypes": [...]}')
        return parsed
    for number, slot in enumerate(slot_types, start=1):
        outcome = _lex_records(slot, number, id_prefix)
        if isinstance(outcome, str):
            reject(parsed, display_name, number, outcome, "slot type")
            continue
        records, skipped = outcome
        parsed.records.extend(records)
        parsed.warnings += [ItemIssue(display_name, f"{display_name} slot type {number}: {n}", number) for n in skipped]
    return parsed


# --- CSV -----------------------------------------------------------------------------------------------


_CSV_SLOTS_WARNING = (
    "slot markup {markup} read as plain text ('{text}'): CSV carries no slots; "
    "to train slots, upload the examples as Rasa NLU YAML (- book a [suv](car_type) now)"
)
_CSV_UNREAD_COLUMNS = (
    "column(s) {named} not read: only '{text}' and '{intent}' are; to train slots, upload the examples as Rasa NLU "
    "YAML (- book a [suv](car_type) now)"
)
_DELIMITERS = {";": "semicolons (';')", "\t": "tabs", "|": "bars ('|')"}


def _delimiter_hint(header: list[str] | str) -> str:
    """A hint when the header line is a valid header split by another delimiter than the comma."""
    line = ",".join(header) if isinstance(header, list) else ""
    for delimiter, words in _DELIMITERS.items():
        if delimiter in line and _is_csv_header(_csv_columns(line.replace(",", " ").replace(delimiter, ","))):
            return f"; this file is separated by {words}: save it as comma-separated CSV"
    return ""


def parse_utterance_csv(path: Path, display_name: str, id_prefix: str = "") -> ParsedItems:
    """CSV with a ``text,intent`` (or ``text,label``) header -> example records without entities."""
    decoded = read_text_lines(path, display_name)
    parsed = ParsedItems(rejections=list(decoded.rejections))
    rows = csv_rows(decoded.lines)
    header_line, header = next(rows, (1, []))
    if isinstance(header, list) and header[:1] == ["sep="]:  # Excel's "sep=," line names the delimiter
        header_line, header = next(rows, (header_line + 1, []))
    columns = [c.strip().lower() for c in header] if isinstance(header, list) else []
    if not _is_csv_header(columns):
        found = ",".join(header) if isinstance(header, list) else str(header)
        found = found if len(found) <= 60 else found[:57] + "..."
        problem = f"expected a header line 'text,intent' (or 'text,label'), found '{found}'"
        reject(parsed, display_name, header_line, problem + _delimiter_hint(header))
        return parsed
    text_at = columns.index(next(c for c in _CSV_TEXT_COLUMNS if c in columns))
    intent_at = columns.index(next(c for c in _CSV_INTENT_COLUMNS if c in columns))
    if unread := [name.strip() for at, name in enumerate(header) if at not in (text_at, intent_at) and name.strip()]:
        named = ", ".join(f"'{name}'" for name in unread)  # an "entities" column was dropped without a word
        said = _CSV_UNREAD_COLUMNS.format(named=named, text=header[text_at].strip(), intent=header[intent_at].strip())
        parsed.warnings.append(ItemIssue(display_name, f"{display_name} line {header_line}: {said}", header_line))
    for number, row in rows:
        if isinstance(row, str):
            reject(parsed, display_name, number, row)
            continue
        if not any(field.strip() for field in row):  # Excel's rows of empty cells (",,,"), like blank lines
            continue
        if len(row) != len(columns):
            hint = unclosed_quote(row)
            if not hint and len(row) > len(columns):
                hint = '; quote a text that holds a comma: "hi, how are you",greet'
            reject(parsed, display_name, number, f"expected {len(columns)} fields, got {len(row)}{hint}")
            continue
        if [field.strip().lower() for field in row] == columns:
            reject(parsed, display_name, number, "the header line again (files joined?), not an example")
            continue
        text = " ".join(row[text_at].split())
        if markup := [match.group(0) for match in _ANNOTATION.finditer(text)]:
            text = " ".join(_ANNOTATION.sub(lambda match: match["surface"], text).split())
        outcome = example_record(text, row[intent_at].strip(), [], f"{id_prefix}line-{number}", number)
        if isinstance(outcome, str):
            reject(parsed, display_name, number, outcome)
            continue
        parsed.records.append(outcome)
        if markup:
            issue = f"{display_name} line {number}: {_CSV_SLOTS_WARNING.format(markup=', '.join(markup), text=text)}"
            parsed.warnings.append(ItemIssue(display_name, issue, number))
    return parsed


# --- dispatch and cross-file checks --------------------------------------------------------------------


_PARSERS = {RASA_FORMAT: parse_rasa_yaml, LEX_FORMAT: parse_lex_json, CSV_FORMAT: parse_utterance_csv,
            JSONL_FORMAT: parse_utterance_jsonl, AZURE_FORMAT: parse_azure_json,
            DIALOGFLOW_FORMAT: parse_dialogflow_json}  # fmt: skip


def utterances_format_name(path: Path) -> str:
    """Source format name of one utterances file (``unknown`` when not recognised)."""
    return utterance_format(path) or "unknown"


def parse_utterances(path: Path, display_name: str, id_prefix: str = "") -> ParsedItems:
    """Parse one utterances file in whichever accepted format it is; an unknown file is rejected whole."""
    found = utterance_format(path)
    if found is None:
        parsed = ParsedItems()
        reason = f"{display_name}: not a recognised utterances file; accepted: {ACCEPTED_TEXT}"
        parsed.rejections.append(ItemIssue(display_name, reason))
        return parsed
    return _PARSERS[found](path, display_name, id_prefix)


def _difference(first: dict[str, Any], later: dict[str, Any]) -> str:
    if first["intent"] != later["intent"]:
        return f"a different intent ('{first['intent']}' there, '{later['intent']}' here)"
    return "different entities"


_EXAMPLE_UNIT = re.compile(r"(?P<unit>phrase|utterance)-\d+$")
"""The end of the id of a Dialogflow training phrase or a LUIS or CLU utterance: what their rejections count."""


def _example_position(file_name: str, record: dict[str, Any]) -> str:
    """Where an example came from, as its file's other rejections say: ``phrase N`` of a Dialogflow file,
    ``utterance N`` of a LUIS or CLU export, else ``line N`` (a phrases file was one line: 'line 16: duplicate of
    line 1', beside 'phrase 11: empty text', a new user's review)."""
    found = _EXAMPLE_UNIT.search(record["id"])
    return f"{file_name} {found['unit'] if found else 'line'} {record['line']}"


def check_utterance_repeats(files: list[tuple[str, ParsedItems]]) -> None:
    """Reject examples repeated across the upload: same intent and entities -> duplicate, else a conflict."""

    def key_of(record: dict[str, Any]) -> tuple[str, Any] | None:
        if record["type"] != "example":
            return None
        labels = (record["intent"], span_surfaces(record["text"], record["entities"], "value"))
        return text_key(record["text"]), labels

    reject_repeats(files, key_of, _difference, position=_example_position)


def check_utterance_upload(files: list[tuple[str, ParsedItems]]) -> None:
    """The checks across an upload's files: repeated examples (:func:`check_utterance_repeats`), then a Dialogflow
    agent's (:func:`check_dialogflow_agent`)."""
    check_utterance_repeats(files)
    check_dialogflow_agent(files)
