"""Bootstrap entity annotations from rules: pre-label raw text with spaCy Matcher patterns.

The seed workflow for creating NER training data: write a few patterns, label a pile of raw text with
them, review and correct the result, train. :func:`label_text` matches the patterns (a ``patterns``
dataset of the project, or a JSONL file of patterns) against every line of a raw text file and imports
the result as a new ``annotated-text`` dataset through the ordinary validated import.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from tunefork.datasets.lines import read_text_lines
from tunefork.datasets.results import ItemIssue
from tunefork.datasets.rule_patterns import parse_patterns
from tunefork.datasets.spans import MAX_ITEM_CHARACTERS
from tunefork.errors import NotFoundError, TuneforkError, UploadRejectedError
from tunefork.language.rules import EntityRules
from tunefork.progress import ProgressCallback, no_progress
from tunefork.store.artifacts import atomic_write_text
from tunefork.store.repository import get_dataset
from tunefork.store.staging import scratch_folder
from tunefork.workflows.datasets import dataset_records, upload_dataset
from tunefork.workspace import Workspace


def _patterns(workspace: Workspace, project_ref: str, patterns: str) -> list[dict[str, Any]]:
    """Patterns from a JSONL file (when ``patterns`` is one) or from a ``patterns`` dataset of the project."""
    path = Path(patterns)
    if path.is_file():
        parsed = parse_patterns(path, path.name)
        if parsed.rejections:
            reasons = "; ".join(issue.reason for issue in parsed.rejections[:3])
            raise UploadRejectedError(f"{path.name}: fix the patterns first: {reasons}.", parsed.rejections)
        records = parsed.records
    else:
        with workspace.session() as session:
            try:
                dataset = get_dataset(session, patterns, project_ref)
            except NotFoundError as exc:  # a mistyped file name reads better as one than as a dataset's
                if path.suffix or len(path.parts) > 1:
                    raise NotFoundError(f"{patterns}: no such patterns file (nor a dataset of that name).") from exc
                raise
            dataset_id, kind, name = dataset.id, dataset.kind, dataset.name
        if kind != "patterns":
            raise TuneforkError(f"Dataset '{name}' is of kind '{kind}'; --patterns needs a 'patterns' dataset.")
        records = dataset_records(workspace, dataset_id)
    if not records:
        raise TuneforkError(f"{patterns}: no patterns to label with.")
    return [{"label": r["label"], "pattern": r["pattern"]} for r in records]


def label_text(
    workspace: Workspace,
    project_ref: str,
    patterns: str,
    text_path: Path,
    name: str | None = None,
    progress: ProgressCallback = no_progress,
    review_copy: Path | None = None,
) -> dict[str, Any]:
    """Pre-label each line of ``text_path`` with ``patterns``; import the result as an ``annotated-text`` dataset.

    Returns ``{"dataset": ..., "lines", "labelled", "spans": {label: count}, "reviewCopy"}``: ``labelled`` counts
    lines with at least one match (lines without one are kept as negative examples to review). With
    ``review_copy`` (a file that does not exist yet), the pre-labelled JSON lines are also written there once the
    dataset is imported, to correct and upload again. The JSON lines keep the text file's line numbers (a blank
    line stands for a blank, unreadable or overlong one), so a rejection's line is the line of ``text_path``;
    ``unreadable`` lists the lines left out before the import (not text, or over the length limit of a text).
    """
    text_path = Path(text_path)
    if not text_path.is_file():
        raise TuneforkError(f"{text_path}: no such text file.")
    if review_copy is not None and Path(review_copy).exists():
        raise TuneforkError(f"{review_copy} exists: give another --output file (nothing is overwritten).")
    rules = EntityRules(patterns=_patterns(workspace, project_ref, patterns))
    decoded = read_text_lines(text_path, text_path.name)
    unreadable = list(decoded.rejections)
    lines: dict[int, str] = {}
    for number, raw in decoded.lines:
        line = " ".join(raw.split())
        if len(line) > MAX_ITEM_CHARACTERS:
            reason = f"{text_path.name} line {number}: {len(line):,} characters, over the limit of one text"
            unreadable.append(ItemIssue(text_path.name, f"{reason} ({MAX_ITEM_CHARACTERS:,})", number))
        elif line:
            lines[number] = line
    if not lines:
        raise TuneforkError(f"{text_path.name}: no text to label.")
    counts: Counter[str] = Counter()
    rows, labelled = [""] * max(lines), 0
    for done, (number, line) in enumerate(lines.items(), start=1):
        spans = [{"start": e.start, "end": e.end, "label": e.label} for e in rules.match(line)]
        counts.update(span["label"] for span in spans)
        labelled += bool(spans)
        rows[number - 1] = json.dumps({"text": line, "spans": spans}, ensure_ascii=False)
        progress(done, len(lines), "Labelling with patterns")
    with scratch_folder(workspace.staging_dir, "label.") as folder:
        labelled_path = folder / f"{text_path.name}.jsonl"
        atomic_write_text(labelled_path, "\n".join(rows) + "\n")
        dataset = upload_dataset(
            workspace, project_ref, labelled_path, "annotated-text", name or f"{text_path.stem}-prelabelled"
        )
    if review_copy is not None:
        atomic_write_text(Path(review_copy), "\n".join(rows) + "\n")
    return {
        "dataset": dataset,
        "lines": len(lines),
        "labelled": labelled,
        "spans": dict(sorted(counts.items())),
        "unreadable": [issue.__dict__ for issue in sorted(unreadable, key=lambda issue: issue.line or 0)],
        "reviewCopy": str(review_copy) if review_copy is not None else None,
    }
