"""Annotated text (entity projects): texts with labelled character spans, from JSONL or spaCy DocBin.

Accepted input:

- JSON lines ``{"text": ..., "spans": [{"start", "end", "label"}, ...]}``; a line may use spaCy v2
  training style ``"entities": [[start, end, label], ...]`` instead (also as ``[text, {"entities": ...}]``),
  or Doccano's sequence-labelling export ``"label": [[start, end, label], ...]`` (older Doccano: ``"labels"``;
  Doccano 1.x names the text ``"data"``; its relation export writes ``"entities": [{"start_offset",
  "end_offset", "label"}]``; Prodigy's ``db-out`` lines are read when their ``"answer"`` is ``"accept"``, rejected
  otherwise; Label Studio's tasks, ``{"data": {"text"}, "annotations": [{"result": [...]}]}`` (the last annotation
  not cancelled) or JSON-MIN ``"label": [{"start", "end", "labels": [...]}]``); a line holding none of these but
  another list (``"annotations": [...]``) is
  refused, not read as a text without entities, and so is one holding both ``"spans"`` and another key
  (which one the annotator meant is unknown);
- spaCy ``.spacy`` files (``DocBin``), whose docs' ``ents`` are the spans; a doc whose entity annotation is
  missing (spaCy's "unknown", not "no entity") is refused, since it would teach that its names are not entities.

Records: ``{"id", "text", "spans": [{"start", "end", "label"}], "line"}`` with spans sorted by start.
Ids are ``<prefix>line-<n>`` (``<prefix>doc-<n>`` for DocBin, whose ``line`` is the doc's number,
counting from 1). A record without spans is kept (a negative example). Spans are checked by
:func:`tunefork.datasets.spans.check_spans`; repeats across the upload by :func:`check_annotated_repeats`.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

from tunefork.datasets.results import ParsedItems
from tunefork.datasets.spans import (
    check_spans,
    line_position,
    read_json_lines,
    reject,
    reject_repeats,
    span_surfaces,
    text_problem,
)
from tunefork.language.pipelines import blank_english

DOCBIN_SUFFIX = ".spacy"
MAX_DOCBIN_BYTES = 256 * 2**20
"""Largest a DocBin may be once decompressed (it is zlib data: a small file can expand enormously)."""


def annotated_text_format(path: Path) -> str:
    """Source format name of one annotated-text file: ``spacy-docbin`` or ``spans-jsonl``."""
    return "spacy-docbin" if path.suffix.lower() == DOCBIN_SUFFIX else "spans-jsonl"


SPACY_V2_KEY = "entities"
"""spaCy v2 training data's key (a JSON field, not the project kind of that name)."""
DOCCANO_KEYS = ("label", "labels")
"""Doccano's sequence-labelling export keys (newer and older versions)."""
TRIPLE_KEYS = (SPACY_V2_KEY, *DOCCANO_KEYS)
"""Keys whose value is a list of ``[start, end, label]`` triples."""


def _offsets(span: dict[str, Any]) -> dict[str, Any]:
    """``{"start", "end", "label"}`` of a span object, Doccano's ``start_offset``/``end_offset`` included."""
    return {"start": span.get("start", span.get("start_offset")), "end": span.get("end", span.get("end_offset")),
            "label": span.get("label")}  # fmt: skip


def _label_studio_spans(regions: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str | None]:
    """Label Studio regions (``{"start", "end", "labels": [label]}``) as spans, or why not (an entity takes one
    label)."""
    spans = []
    for region in regions:
        labels = region.get("labels")
        if not (isinstance(labels, list) and len(labels) == 1):
            shown = json.dumps(labels, ensure_ascii=False)
            return [], f"region {region.get('start')}-{region.get('end')} has labels {shown}: an entity takes one label"
        spans.append({"start": region.get("start"), "end": region.get("end"), "label": labels[0]})
    return spans, None


def _label_studio_task(value: dict[str, Any]) -> dict[str, Any]:
    """A Label Studio JSON export task (``{"data": {"text"}, "annotations": [{"result": [...]}]}``) as a line of
    the JSON-MIN shape: its last annotation not cancelled, its ``labels`` regions."""
    kept = [a for a in value["annotations"] if isinstance(a, dict) and not a.get("was_cancelled")]
    results = (kept[-1].get("result") or []) if kept else []
    regions = [r["value"] for r in results if isinstance(r, dict) and r.get("type") == "labels"
               and isinstance(r.get("value"), dict)]  # fmt: skip
    return {"text": value["data"].get("text"), "label": regions}


def _spans_of(value: Any) -> tuple[str | None, Any, str | None]:
    """``(text, raw span dicts, problem)`` of one JSON line in any accepted shape."""
    if isinstance(value, list) and len(value) == 2 and isinstance(value[1], dict):
        value = {"text": value[0], **value[1]}
    if not isinstance(value, dict):
        return None, None, 'expected a JSON object {"text": ..., "spans": [...]}'
    if isinstance(value.get("data"), dict) and isinstance(value.get("annotations"), list):
        value = _label_studio_task(value)
    text = value.get("text", value.get("data"))  # Doccano 1.x: "data"
    if not isinstance(text, str):
        return None, None, 'missing "text" (a string)'
    if value.get("answer", "accept") != "accept":  # Prodigy's db-out keeps what the annotator turned down
        answer = json.dumps(value["answer"], ensure_ascii=False)
        return text, None, f'Prodigy answer {answer}: not an accepted annotation (only "accept" answers are read)'
    given = [key for key in ("spans", *TRIPLE_KEYS) if key in value]
    if len(given) > 1:
        return text, None, f"both {' and '.join(repr(key) for key in given)}: keep the spans in one of them"
    if "spans" in value or (SPACY_V2_KEY in value and _span_objects(value[SPACY_V2_KEY])):
        key = "spans" if "spans" in value else SPACY_V2_KEY
        spans = value[key]
        if not isinstance(spans, list) or not all(isinstance(s, dict) for s in spans):
            return text, None, f'"{key}" must be a list of {{"start", "end", "label"}} objects'
        return text, [_offsets(span) for span in spans], None
    key = next((key for key in TRIPLE_KEYS if key in value), None)
    if key is None:
        unread = next((name for name, field in value.items() if isinstance(field, list)), None)
        if unread is not None:
            advice = 'write the spans as "spans": [{"start", "end", "label"}]'
            return text, None, f'no "spans" or "entities": "{unread}" is not read; {advice}'
        return text, [], None
    triples = value[key]
    if key == "label" and _span_objects(triples) and all("labels" in region for region in triples):
        spans, problem = _label_studio_spans(triples)  # Label Studio's JSON-MIN export
        return text, (None if problem else spans), problem
    if not isinstance(triples, list) or not all(isinstance(t, list) and len(t) == 3 for t in triples):
        return text, None, f'"{key}" must be a list of [start, end, label] triples'
    return text, [{"start": s, "end": e, "label": label} for s, e, label in triples], None


def _span_objects(value: Any) -> bool:
    """True for a non-empty list of span objects (Doccano's relation export) rather than triples."""
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def annotated_record(text: str, raw_spans: list[dict[str, Any]], record_id: str, number: int) -> dict[str, Any] | str:
    """The canonical record of ``text`` and its spans, or the reason it is rejected."""
    if problem := text_problem(text):
        return problem
    spans = [{"start": s.get("start"), "end": s.get("end"), "label": s.get("label")} for s in raw_spans]
    ordered, problem = check_spans(text, spans)
    if problem:
        return problem
    return {"id": record_id, "text": text, "spans": ordered, "line": number}


def parse_annotated_jsonl(path: Path, display_name: str, id_prefix: str = "") -> ParsedItems:
    """JSON lines of texts with spans -> ``{"id", "text", "spans", "line"}`` records."""
    parsed = ParsedItems()
    for number, value in read_json_lines(path, display_name, parsed):
        text, spans, problem = _spans_of(value)
        if problem is None:
            outcome = annotated_record(text, spans, f"{id_prefix}line-{number}", number)
            if isinstance(outcome, dict):
                parsed.records.append(outcome)
                continue
            problem = outcome
        reject(parsed, display_name, number, problem)
    return parsed


def _expanded_size(data: bytes) -> int:
    """How many bytes zlib ``data`` expands to, counted 1 MiB at a time (and no further than the limit + 1)."""
    stream, total, pending = zlib.decompressobj(), 0, data
    while pending and total <= MAX_DOCBIN_BYTES:
        total += len(stream.decompress(pending, 1 << 20))
        pending = stream.unconsumed_tail
    return total


def _missing_annotation(doc: Any) -> str | None:
    """Why ``doc`` cannot be used when some of its tokens have no entity annotation (IOB "missing"), else ``None``."""
    missing = sum(1 for token in doc if token.ent_iob == 0)
    if not missing:
        return None
    return (
        f"entity annotation missing on {missing} of {len(doc)} tokens (spaCy's 'unknown', not 'no entity'): "
        "annotate them, or set the others to 'O' with doc.set_ents(..., default='outside')"
    )


def parse_docbin(path: Path, display_name: str, id_prefix: str = "") -> ParsedItems:
    """A spaCy DocBin file -> one record per doc, its entities as spans (``line`` is the doc number)."""
    from spacy.tokens import DocBin

    parsed = ParsedItems()
    data = path.read_bytes()
    try:
        if _expanded_size(data) > MAX_DOCBIN_BYTES:
            problem = f"expands to more than {MAX_DOCBIN_BYTES // 2**20} MiB (possible decompression bomb)"
            reject(parsed, display_name, 1, f"refused: the DocBin {problem}", "doc")
            return parsed
        docs = list(DocBin().from_bytes(data).get_docs(blank_english().vocab))
    except Exception as exc:  # any failure means the file is not a readable DocBin
        reject(parsed, display_name, 1, f"not a readable spaCy DocBin file ({type(exc).__name__}: {exc})", "doc")
        return parsed
    for number, doc in enumerate(docs, start=1):
        spans = [{"start": e.start_char, "end": e.end_char, "label": e.label_} for e in doc.ents]
        outcome = _missing_annotation(doc) or annotated_record(doc.text, spans, f"{id_prefix}doc-{number}", number)
        if isinstance(outcome, dict):
            parsed.records.append(outcome)
        else:
            reject(parsed, display_name, number, outcome, "doc")
    return parsed


def parse_annotated_text(path: Path, display_name: str, id_prefix: str = "") -> ParsedItems:
    """Parse one annotated-text file: a ``.spacy`` DocBin, otherwise JSON lines."""
    if annotated_text_format(path) == "spacy-docbin":
        return parse_docbin(path, display_name, id_prefix)
    return parse_annotated_jsonl(path, display_name, id_prefix)


def _position(file_name: str, record: dict[str, Any]) -> str:
    if annotated_text_format(Path(file_name)) == "spacy-docbin":
        return f"{file_name} doc {record['line']}"
    return line_position(file_name, record)


def check_annotated_repeats(files: list[tuple[str, ParsedItems]]) -> None:
    """Reject texts repeated across the upload: same spans -> duplicate, other spans -> conflict. Texts differing
    in case are other texts (``Apple`` the firm, ``apple`` the fruit; a review's ``refill Zoloft please`` beside
    ``refill zoloft please`` taught both casings); only spacing is ignored."""
    reject_repeats(
        files,
        lambda r: (" ".join(r["text"].split()), span_surfaces(r["text"], r["spans"])),
        lambda first, later: "different spans",
        position=_position,
    )
