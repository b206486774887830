"""Import an upload into a dataset's canonical form, validating every item.

``import_dataset`` reads a file, folder or zip (zips are checked and unpacked safely into a temporary
folder next to ``destination``, removed afterwards), recognises its format by content, refuses bad
items one by one with a reason naming the file and line, and writes the canonical layout into the
empty staging folder ``destination``:

``manifest.jsonl`` -- one JSON record per accepted item:

- ``acoustic``: ``{"id", "audio": "audio/<id>.wav", "duration", "text", "audio_sha256", "source"}``;
- ``audio``: the same without ``"text"``;
- ``language`` (related text): ``{"id", "text", "line"}``;
- ``pronunciation``: ``{"id", "display", "spoken", "line"}``;
- ``structured-text``: ``{"id", "type": "sentence", "text", "section", "line"}`` (templates expanded),
  ``{"id", "type": "list", "name", "items", "line"}`` and
  ``{"id", "type": "pronunciation", "display", "spoken", "line"}``;
- ``utterances``: ``{"id", "type": "example", "text", "intent", "entities", "line"}``,
  ``{"id", "type": "synonym", "value", "synonyms", "line"}``, ``{"id", "type": "regex", "name",
  "pattern", "line"}`` and ``{"id", "type": "lookup", "name", "elements", "line"}`` (see
  :mod:`tunefork.datasets.utterance_formats`);
- ``annotated-text``: ``{"id", "text", "spans": [{"start", "end", "label"}], "line"}`` (see
  :mod:`tunefork.datasets.annotated_text`);
- ``patterns``: ``{"id", "label", "pattern", "line"}`` plus ``"pattern_id"`` (see
  :mod:`tunefork.datasets.rule_patterns`);
- ``images``: ``{"id", "file": "images/<id><ext>", "labels", "negative", "sha256", "phash", "width",
  "height", "format", "source"}``, the files stored as uploaded (see :mod:`tunefork.datasets.image_formats`).

``audio/<id>.wav`` -- speech kinds only: each item re-encoded to 16 kHz mono 16-bit PCM WAV. ``id`` is
a safe slug of the original file stem (Kaldi: the utterance id), made unique with ``-2``, ``-3``...;
``source`` is the original file name; ``audio_sha256`` hashes the canonical WAV bytes; ``duration`` is
in seconds. Text ids are ``line-<n>`` (``sentence-<n>-<k>``, ``list-<name>``, ``pronunciation-<n>`` for
structured text), prefixed with ``<file>-`` when a folder or zip holds several text files.

``import.json`` -- :meth:`ImportResult.to_dict`: kind, source format, accepted count, rejections and
warnings (``item``, ``reason``, ``line``), conversion counts (``{"resampled": 3, "downmixed": 1}``),
per-item conversions and the content hash (SHA-256 over the sorted manifest records, which carry the
audio hashes: identical uploads give identical hashes).

A whole upload is refused with :class:`UploadRejectedError` when it is unsafe or oversized (see
:mod:`tunefork.datasets.archive`), empty, of an unknown format, or when no item is accepted (the
per-item reasons are attached as ``rejections``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from tunefork.config import UploadLimits
from tunefork.datasets.annotated_text import (
    DOCBIN_SUFFIX,
    annotated_text_format,
    check_annotated_repeats,
    parse_annotated_text,
)
from tunefork.datasets.archive import Upload, opened_upload
from tunefork.datasets.canonical_audio import convert_items
from tunefork.datasets.dialogflow import agent_folders_read_once
from tunefork.datasets.format_hints import misfiled
from tunefork.datasets.hashing import content_hash
from tunefork.datasets.ids import IdAllocator
from tunefork.datasets.image_formats import import_images
from tunefork.datasets.kinds import AUDIO_KINDS, IMAGE_KINDS, RELATED_TEXT, accepted_formats_text, check_kind
from tunefork.datasets.lines import looks_like_text
from tunefork.datasets.results import ImportResult, ItemIssue, ParsedItems, count_conversions
from tunefork.datasets.rule_patterns import PATTERNS_FORMAT, check_pattern_repeats, parse_patterns
from tunefork.datasets.scanning import descend_single_folder, list_files, relative_name
from tunefork.datasets.speech_formats import list_speech_items
from tunefork.datasets.structured_text import parse_structured_text
from tunefork.datasets.text_formats import parse_pronunciation, parse_related_text
from tunefork.datasets.utterance_formats import check_utterance_upload, parse_utterances, utterances_format_name
from tunefork.errors import TuneforkError, UploadRejectedError
from tunefork.progress import ProgressCallback, no_progress
from tunefork.store.artifacts import atomic_write_json, write_jsonl

MANIFEST = "manifest.jsonl"
IMPORT_REPORT = "import.json"

TextParser = Callable[[Path, str, str], ParsedItems]
TEXT_PARSERS: dict[str, tuple[str, TextParser]] = {
    RELATED_TEXT: ("related-text", parse_related_text),
    "pronunciation": ("pronunciation", parse_pronunciation),
    "structured-text": ("structured-text", parse_structured_text),
    "utterances": ("utterances", parse_utterances),
    "annotated-text": ("annotated-text", parse_annotated_text),
    "patterns": (PATTERNS_FORMAT, parse_patterns),
}
FORMAT_NAMES: dict[str, Callable[[Path], str]] = {
    "utterances": utterances_format_name,
    "annotated-text": annotated_text_format,
}
"""Kinds whose source format is told per file (several names are joined with '+')."""
BINARY_SUFFIXES: dict[str, tuple[str, ...]] = {"annotated-text": (DOCBIN_SUFFIX,)}
"""Binary files a text kind reads too, by extension (spaCy DocBin)."""
UploadCheck = Callable[[list[tuple[str, ParsedItems]]], None]
UPLOAD_CHECKS: dict[str, UploadCheck] = {
    "utterances": check_utterance_upload,
    "annotated-text": check_annotated_repeats,
    "patterns": check_pattern_repeats,
}
"""Checks across all files of an upload (duplicates, conflicting labels), run after parsing each file."""


_REASON_FILE = re.compile(r"(?P<file>.+?) (?:line|phrase|entry|intent|utterance|slot type|row) \d+: |(?P<whole>[^:]+):")
"""The file a rejection's reason names first (``my data.csv line 3: ...``, ``intents/Book car_usersays_en.json
phrase 2: ...``, ``a.wav: ...``)."""


def _reason_file(issue: ItemIssue) -> str:
    found = _REASON_FILE.match(issue.reason)
    return (found["file"] or found["whole"]) if found else issue.reason


def in_line_order(issues: list[ItemIssue]) -> list[ItemIssue]:
    """``issues`` by file (files in the order they first appear), then line: checks across a file came after the
    per-line ones ("line 2: duplicate of line 1" after line 10, a review)."""
    files: dict[str, int] = {}
    for issue in issues:
        files.setdefault(_reason_file(issue), len(files))
    return sorted(issues, key=lambda issue: (files[_reason_file(issue)], issue.line or 0))


def _import_speech(
    upload: Upload, kind: str, destination: Path, limits: UploadLimits, progress: ProgressCallback, confine: bool
) -> tuple[str, ParsedItems, dict[str, list[str]]]:
    confine_root = None
    if upload.archived or confine:
        confine_root = upload.root if upload.root.is_dir() else upload.root.parent
    listing = list_speech_items(upload.root, kind, upload.name, confine_root)
    converted = convert_items(listing.items, destination, kind, limits, progress)
    parsed = ParsedItems(
        records=converted.records,
        rejections=listing.rejections + converted.rejections,
        warnings=listing.warnings + converted.warnings,
    )
    return listing.format, parsed, converted.item_conversions


def _import_text(upload: Upload, kind: str) -> tuple[str, ParsedItems]:
    format_name, parse = TEXT_PARSERS[kind]
    root = descend_single_folder(upload.root)
    files = list_files(root)
    binary = BINARY_SUFFIXES.get(kind, ())
    texts = [p for p in files if p.suffix.lower() in binary or looks_like_text(p)]
    if not texts:
        what = "a binary file, not text" if len(files) == 1 else "no text file found"
        raise UploadRejectedError(
            f"{upload.name}: not a recognised {kind} dataset ({what}). Accepted: {accepted_formats_text(kind)}."
        )
    parsed = ParsedItems()
    for path in files:
        if path not in texts:
            name = relative_name(path, root)
            parsed.warnings.append(ItemIssue(name, f"ignored {name}: not a text file"))
    with agent_folders_read_once():
        per_file = _parse_texts(upload, root, texts, kind, parse)
        if check := UPLOAD_CHECKS.get(kind):
            check(per_file)
        for _, items in per_file:
            parsed.extend(items)
        namer = FORMAT_NAMES.get(kind)
        used = {namer(path) for path, (_, items) in zip(texts, per_file, strict=True) if items.records} if namer else ()
    return "+".join(sorted(used)) or format_name, parsed


def _parse_texts(
    upload: Upload, root: Path, texts: list[Path], kind: str, parse: TextParser
) -> list[tuple[str, ParsedItems]]:
    """Each text file's name and what :data:`TEXT_PARSERS`' ``parse`` read of it (a file clearly of another format
    rejected whole, saying which)."""
    prefixes = IdAllocator()
    per_file: list[tuple[str, ParsedItems]] = []
    for path in texts:
        name = upload.name if upload.root.is_file() else relative_name(path, root)
        if reason := misfiled(path, name, kind):  # clearly another format: say which, parse nothing of it
            per_file.append((name, ParsedItems(rejections=[ItemIssue(name, reason)])))
            continue
        prefix = "" if len(texts) == 1 else prefixes.allocate(str(Path(name).with_suffix(""))) + "-"
        per_file.append((name, parse(path, name, prefix)))
    return per_file


def _nothing_accepted(upload_name: str, kind: str, parsed: ParsedItems) -> UploadRejectedError:
    rejections = parsed.rejections
    if not rejections and parsed.warnings:  # only files skipped with a reason (a Rasa domain.yml alone)
        said = "; ".join(issue.reason for issue in parsed.warnings[:3])
        return UploadRejectedError(f"{upload_name}: the upload holds no {kind} items: {said}.")
    if not rejections:
        return UploadRejectedError(f"{upload_name}: the upload holds no {kind} items (it is empty).")
    if len(rejections) == 1 and rejections[0].line is None:  # one file refused whole: its reason says it all
        return UploadRejectedError(f"{rejections[0].reason}.", rejections)
    if len(rejections) == 1:  # one item, or the file refused at one line (a header, a syntax error): not "all 1"
        return UploadRejectedError(f"{upload_name}: no item could be used: {rejections[0].reason}.", rejections)
    first = "; ".join(issue.reason for issue in rejections[:3])
    more = f" (and {len(rejections) - 3} more, each with its reason)" if len(rejections) > 3 else ""
    return UploadRejectedError(
        f"{upload_name}: no item could be used, all {len(rejections)} were rejected: {first}{more}.", rejections
    )


SPREADSHEETS = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".numbers"})
"""Workbook file extensions, refused with what to save them as."""


def import_dataset(
    source: Path,
    kind: str,
    destination: Path,
    limits: UploadLimits,
    progress: ProgressCallback = no_progress,
    *,
    confine_paths: bool = False,
) -> ImportResult:
    """Validate ``source`` (file, folder or zip) as a ``kind`` dataset and write its canonical form.

    ``destination`` is an empty staging folder (created when missing); the caller moves it into place on
    success and deletes it on error. Scratch space for unpacking zips is taken next to ``destination``
    and always removed. ``progress(done, total, description)`` is called while audio is converted.
    ``confine_paths`` makes audio referenced by a NeMo manifest or Kaldi ``wav.scp`` stay inside the
    upload (always the case for zips); use it for uploads from untrusted clients.

    Returns the :class:`ImportResult` also stored as ``import.json``. Raises
    :class:`UploadRejectedError` when the whole upload is refused (see the module docs).
    """
    check_kind(kind)
    source, destination = Path(source), Path(destination)
    if source.suffix.lower() in SPREADSHEETS:  # an .xlsx is a zip: its XML parts were each "not recognised"
        raise UploadRejectedError(
            f"{source.name}: a spreadsheet workbook, which tunefork does not read; save the sheet as CSV UTF-8 "
            "(comma-delimited) and upload that file."
        )
    destination.mkdir(parents=True, exist_ok=True)
    if any(destination.iterdir()):
        raise TuneforkError(f"{destination}: the staging folder for an import must be empty.")
    item_conversions: dict[str, list[str]] = {}
    with opened_upload(source, limits, scratch_dir=destination.parent) as upload:
        if kind in AUDIO_KINDS:
            format_name, parsed, item_conversions = _import_speech(
                upload, kind, destination, limits, progress, confine_paths
            )
        elif kind in IMAGE_KINDS:
            format_name, parsed, item_conversions = import_images(
                upload.root, upload.name, destination, progress, upload.archived
            )
        else:
            format_name, parsed = _import_text(upload, kind)
    parsed.rejections = in_line_order(parsed.rejections)
    if not parsed.records:
        raise _nothing_accepted(upload.name, kind, parsed)
    result = ImportResult(
        kind=kind,
        source_format=f"{format_name} (zip)" if upload.archived else format_name,
        accepted=len(parsed.records),
        rejections=parsed.rejections,
        warnings=parsed.warnings,
        conversions=count_conversions(item_conversions),
        content_hash=content_hash(parsed.records),
        item_conversions=item_conversions,
    )
    write_jsonl(destination / MANIFEST, parsed.records)
    atomic_write_json(destination / IMPORT_REPORT, result.to_dict())
    return result
