"""Recognise a text file uploaded under the wrong dataset kind, to refuse it naming the right kind or format.

Related text (``language``) takes any UTF-8 lines, so without this check a Rasa NLU file, a JSON export or a
pronunciation list uploaded as related text became "sentences" such as ``- intent: greet`` or ``{``. The
importer asks :func:`misfiled` about every text file of an upload before parsing it: a file that is clearly
another format (by the start of its content, never by its name alone) is rejected with a reason that says
what it is and how to upload it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from tunefork.datasets.documents import DocumentError, load_json
from tunefork.datasets.json_utterances import is_azure_export
from tunefork.datasets.lines import head_lines
from tunefork.datasets.scanning import AUDIO_EXTENSIONS
from tunefork.datasets.text_formats import is_spoken_form

SNIFF_LINES = 40
"""Non-blank lines read from the start of a file to recognise it."""

KIND_CONTENTS = {
    "language": "related text (plain sentences, one per line)",
    "pronunciation": "a pronunciation file ('DISPLAY<TAB>spoken form' lines)",
    "structured-text": "Azure structured text",
    "utterances": "utterances (Rasa NLU YAML, Lex slot type JSON or CSV 'text,intent')",
    "annotated-text": "annotated text (JSON lines with entity spans)",
    "patterns": "rule patterns (JSON lines of spaCy patterns)",
}
"""What each text dataset kind holds, as a refusal names it."""

_RASA = re.compile(r"^(nlu\s*:|\s*-\s*(intent|synonym|regex|lookup)\s*:)")
_RASA_MARKDOWN = re.compile(r"^##\s*(intent|synonym|regex|lookup)\s*:")
_BIO_TAG = re.compile(r"^(O|[BIESLU]-\S+)$")
_STRUCTURED = re.compile(r"^@\s*(list\b|speech\s*:\s*phoneticlexicon)", re.IGNORECASE)
_DIALOGFLOW_KEYS = ('"userSays"', '"isTemplate"')
"""Keys of a Dialogflow ES export's training phrases (read as utterances); CX's ``trainingPhrases`` are not read."""
_LEX_KEYS = ('"enumerationValues"', '"slotTypeValues"')
_LANGUAGE_PROJECT = "to a language project (`tunefork project create NAME --kind language`)"


@dataclass(frozen=True)
class FormatHint:
    """What a file is and how to upload it."""

    format: str
    """What the file is, as a sentence says it ("Rasa NLU YAML")."""
    kinds: tuple[str, ...]
    """The dataset kinds that read such a file; none when no kind does (the advice says what to convert it to)."""
    advice: str


def _json_record(line: str) -> dict[str, Any] | None:
    try:
        value = load_json(line)
    except DocumentError:
        return None
    return value if isinstance(value, dict) else None


def _json_hint(lines: list[str]) -> FormatHint | None:
    head = "\n".join(lines)
    if any(key in head for key in _DIALOGFLOW_KEYS):
        advice = f"upload the agent's zip with --kind utterances {_LANGUAGE_PROJECT}"
        return FormatHint("a Dialogflow ES export (intents with training phrases)", ("utterances",), advice)
    if '"trainingPhrases"' in head:
        return FormatHint(
            "a Dialogflow CX export (intents with training phrases)",
            (),
            "tunefork does not read Dialogflow CX exports; write the training phrases as CSV with a 'text,intent' "
            f"header (or as Rasa NLU YAML) and upload that with --kind utterances {_LANGUAGE_PROJECT}",
        )
    if is_azure_export(head):
        advice = f"upload it with --kind utterances {_LANGUAGE_PROJECT}"
        return FormatHint("a LUIS or CLU export", ("utterances",), advice)
    if any(key in head for key in _LEX_KEYS):
        return FormatHint(
            "Amazon Lex slot type JSON", ("utterances",), f"upload it with --kind utterances {_LANGUAGE_PROJECT}"
        )
    record = _json_record(lines[0]) or {}
    if "audio_filepath" in record:
        advice = "upload it with its audio files (a zip or folder) with --kind acoustic to a speech project"
        return FormatHint("a NeMo manifest (audio with transcripts)", ("acoustic",), advice)
    if "text" in record and (record.get("spans") is not None or record.get("entities") is not None):
        advice = "upload it with --kind annotated-text to an entities project"
        return FormatHint("annotated text (JSON lines with entity spans)", ("annotated-text",), advice)
    if "label" in record and "pattern" in record:
        advice = "upload it with --kind patterns to a language or entities project"
        return FormatHint("rule patterns (JSON lines of spaCy patterns)", ("patterns",), advice)
    if record or lines[0].strip() in ("{", "["):
        advice = (
            "tunefork reads JSON as Lex slot types or LUIS/CLU exports (--kind utterances), annotated text (--kind "
            "annotated-text), rule patterns (--kind patterns) or NeMo manifests (--kind acoustic)"
        )
        return FormatHint("JSON", ("utterances", "annotated-text", "patterns", "acoustic"), advice)
    return None


def recognise(path: Path) -> FormatHint | None:
    """What ``path`` clearly is, judged by the start of its content; ``None`` for plain lines of text (or binary)."""
    lines = head_lines(path, SNIFF_LINES)
    if not lines:
        return None
    if lines[0].lstrip().startswith(("{", "[")) and (hint := _json_hint(lines)):
        return hint
    if any(_RASA.match(line) for line in lines):
        advice = (
            f"upload it with --kind utterances {_LANGUAGE_PROJECT}; to use its examples as related text for speech, "
            "write them one per line in a .txt file"
        )
        return FormatHint("Rasa NLU YAML (intents with examples)", ("utterances",), advice)
    if any(_STRUCTURED.match(line) for line in lines):
        return FormatHint(
            "Azure structured text markdown", ("structured-text",), "upload it with --kind structured-text"
        )
    if any(_RASA_MARKDOWN.match(line) for line in lines):
        advice = ("tunefork reads Rasa 2 and 3 YAML: convert it with `rasa data convert nlu -f yaml --data FILE "
                  f"--out nlu.yml` and upload nlu.yml with --kind utterances {_LANGUAGE_PROJECT}")  # fmt: skip
        return FormatHint("Rasa 1 markdown training data (nlu.md)", (), advice)
    tagged = [line.split() for line in lines if line.strip() and not line.startswith("-DOCSTART-")]
    if len(tagged) >= 3 and all(len(cells) >= 2 and _BIO_TAG.match(cells[-1]) for cells in tagged):
        advice = ("convert it with `python -m spacy convert FILE .` (a .spacy file) and upload that with --kind "
                  "annotated-text to an entities project")  # fmt: skip
        return FormatHint("CoNLL / BIO token tags (one token a line)", (), advice)
    columns = [column.strip().lower() for column in re.split(r"[,;\t]", lines[0])]  # the utterances reader names
    if "text" in columns and ("intent" in columns or "label" in columns):  # a delimiter other than a comma
        advice = f"upload it with --kind utterances {_LANGUAGE_PROJECT}"
        return FormatHint("CSV of labelled utterances ('text,intent' header)", ("utterances",), advice)
    pairs = [line.split("\t") for line in lines if not line.lstrip().startswith("#")]  # a comment on top
    if pairs and all(len(pair) == 2 for pair in pairs):
        if all(PurePosixPath(name.strip()).suffix.lower() in AUDIO_EXTENSIONS for name, _ in pairs):
            advice = "upload it together with its audio files (a zip or folder) with --kind acoustic"
            return FormatHint("a transcript list ('name.wav<TAB>transcript' lines)", ("acoustic",), advice)
        if all(display.strip() and is_spoken_form(spoken.strip()) for display, spoken in pairs):
            advice = "upload it with --kind pronunciation"
            return FormatHint("a pronunciation file ('DISPLAY<TAB>spoken form' lines)", ("pronunciation",), advice)
    return None


JSON_LINES_ADVICE = {
    "annotated-text": 'write one {"text", "spans"} object a line, or pre-label raw text with `tunefork dataset label`',
    "patterns": 'write one {"label", "pattern"} object a line',
}
"""The kinds read as JSON lines, and what to write instead of a file laid out otherwise."""


def _json_lines_layout(lines: list[str], kind: str) -> str | None:
    """What a file of a JSON-lines kind is when it is laid out otherwise (each of its lines was rejected with a
    JSON error: a review's array file gave 22 such lines), with what to do; else ``None``."""
    first = lines[0].strip()
    whole = first.replace(" ", "").startswith(("[{", "[["))  # objects or spaCy v2 pairs on one line (JSON-MIN)
    if first == "[" or (first.startswith("[") and not first.endswith("]")) or whole:
        return f"a JSON array, not JSON lines: {JSON_LINES_ADVICE[kind]} (`jq -c '.[]' FILE`)"
    if first == "{":
        return f"pretty-printed JSON, not JSON lines: {JSON_LINES_ADVICE[kind]} (`jq -c . FILE`)"
    if not any(line.lstrip().startswith(("{", "[")) for line in lines):
        return f"plain text, not JSON lines: {JSON_LINES_ADVICE[kind]}"
    return None


def misfiled(path: Path, display_name: str, kind: str) -> str | None:
    """Why ``path`` cannot be a ``kind`` dataset when it is clearly another format (:func:`recognise`), or a
    JSON-lines kind's file laid out otherwise (an array, pretty-printed, plain text), else None."""
    hint = recognise(path)
    if hint is not None and kind not in hint.kinds:
        return f"{display_name} is {hint.format}, not {KIND_CONTENTS.get(kind, kind)}: {hint.advice}"
    lines = head_lines(path, SNIFF_LINES) if kind in JSON_LINES_ADVICE else []
    if lines and (layout := _json_lines_layout(lines, kind)):
        return f"{display_name} is {layout}"
    return None
