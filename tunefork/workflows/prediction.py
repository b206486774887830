"""Batch predictions: a language, entities or image model run over texts or images, without an endpoint.

Each input is answered as its endpoint would answer it (the family's ``invoke``: a ``/parse`` or ``/classify``
answer). The answers go to ``predictions.jsonl`` (one line per input, its ``source`` first), and, for a model of
a project, to the files its endpoint logs export as (:class:`~tunefork.kinds.registry.LogExport`: Rasa NLU YAML,
annotated text, or images with ``labels.csv``): model-made labels to correct and upload again. An input that
cannot be answered (an empty ``--text``, a text over the limit, a file that is not an image) is skipped with its
reason, and a file's blank lines without one; the rest are answered.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tunefork.datasets.image_formats import UNREAD_IMAGES
from tunefork.datasets.lines import read_text_lines
from tunefork.datasets.results import ItemIssue
from tunefork.datasets.scanning import files_with_extensions
from tunefork.errors import TuneforkError
from tunefork.kinds import ProjectKind, ResolvedModel, get_kind
from tunefork.kinds.registry import LoggedRequest
from tunefork.language.options import MAX_TEXT_CHARACTERS
from tunefork.progress import ProgressCallback, no_progress
from tunefork.store.artifacts import write_jsonl
from tunefork.store.models import Model
from tunefork.store.repository import get_dataset, get_project
from tunefork.vision.images import EXTENSIONS, ImageRejected, open_image
from tunefork.wording import a_or_an
from tunefork.workflows.datasets import dataset_records
from tunefork.workflows.models import resolve_model
from tunefork.workspace import Workspace

STDIN = "-"
"""The input name that reads texts from standard input."""
PREDICTIONS_FILE = "predictions.jsonl"


@dataclass
class PredictionOutput:
    """What was answered, what was skipped and where the files went."""

    model: str
    folder: Path
    answers: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """``(source, answer)``: the source is ``file:line``, a file, a dataset item id or ``--text N``."""
    skipped: list[ItemIssue] = field(default_factory=list)
    to_correct: Path | None = None
    """What to correct and upload again: the file the kind's log export wrote, or the folder when it wrote
    several (images and ``labels.csv``); none for a model of no project."""
    dataset_kind: str | None = None
    """The dataset kind it uploads as."""
    project: str | None = None
    """The project it uploads to: the model's (the ``--project`` of a base model)."""


def _text_items(paths: list[Path], texts: list[str], skipped: list[ItemIssue]) -> Iterator[tuple[str, str]]:
    """``(source, text)`` of the ``--text`` values and of each file's lines (a JSONL file: each line's ``text``)."""
    for number, text in enumerate(texts, start=1):
        yield f"--text {number}", text
    for path in paths:
        name = "stdin" if str(path) == STDIN else path.name
        if str(path) == STDIN:
            numbered = list(enumerate(sys.stdin.read().splitlines(), start=1))
        elif not path.is_file():
            raise TuneforkError(f"No such text file: {path}")
        else:
            read = read_text_lines(path, name)  # encodings, binary data and overlong lines: skipped with the reason
            numbered = read.lines
            skipped.extend(read.rejections)
        for number, line in numbered:
            if not line.strip():
                continue
            if path.suffix.lower() == ".jsonl":
                try:
                    line = json.loads(line)["text"]
                except (ValueError, KeyError, TypeError):
                    line = None
                if not isinstance(line, str):
                    reason = f'{name} line {number}: not a JSON object with a "text" string'
                    skipped.append(ItemIssue(f"{name}:{number}", reason))
                    continue
            yield f"{name}:{number}", line


def _image_items(paths: list[Path]) -> Iterator[tuple[str, Path]]:
    """``(source, file)`` of each image file given, and of the image files under each folder given (hidden files
    and archivers' junk folders skipped, as uploads skip them)."""
    for path in paths:
        if path.is_dir():  # images of formats tunefork does not read too: skipped, each with what to do (a review)
            for found in files_with_extensions(path, EXTENSIONS | frozenset(UNREAD_IMAGES)):
                yield str(found.relative_to(path.parent)), found
        elif path.is_file():
            yield path.name, path
        else:
            raise TuneforkError(f"No such image file or folder: {path}")


def _dataset_items(workspace: Workspace, dataset_ref: str, project: str | None, takes: str) -> list[tuple[str, Any]]:
    """``(item id, text or image file)`` of a dataset's items, for a model that takes ``takes``."""
    with workspace.session() as session:
        dataset = get_dataset(session, dataset_ref, project)
        dataset_id, name, kind = dataset.id, dataset.name, dataset.kind
    field_name = "text" if takes == "text" else "file"
    items = [(r["id"], r[field_name] if takes == "text" else Path(r[field_name]))
             for r in dataset_records(workspace, dataset_id) if r.get(field_name)]  # fmt: skip
    if not items:
        raise TuneforkError(f"Dataset '{name}' is of kind '{kind}' and holds no {takes} to predict on.")
    return items


def _project_of(workspace: Workspace, model: ResolvedModel, project: str | None) -> tuple[str, ProjectKind] | None:
    """The name and kind of the model's project (the ``--project`` of a base model), or ``None``."""
    with workspace.session() as session:
        if model.model_id is not None:
            row = session.get(Model, model.model_id).project
        elif project:
            row = get_project(session, project)
        else:
            return None
        return row.name, get_kind(row.kind)


def _request_id(number: int, source: str) -> str:
    """A file-name-safe id: the input's number and a readable part of its source."""
    readable = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(source.split(":")[0]).stem).strip("-")[:40]
    return f"{number:05d}-{readable}" if readable else f"{number:05d}"


def predict(
    workspace: Workspace,
    model_ref: str,
    inputs: list[Path] | None = None,
    texts: list[str] | None = None,
    dataset_ref: str | None = None,
    project: str | None = None,
    output_dir: Path | None = None,
    progress: ProgressCallback = no_progress,
) -> PredictionOutput:
    """Answer every text or image of ``inputs`` (files; folders of images; ``-``: texts from stdin), ``texts`` or
    a dataset with one language, entities or image model; write the answers and the files to correct."""
    if dataset_ref is not None and (inputs or texts):
        raise TuneforkError("Give either a dataset or texts and files, not both.")
    model = resolve_model(workspace, model_ref, project)
    takes = model.family.operation.input
    if takes == "audio":
        raise TuneforkError(f"Model '{model.name}' is a speech model: transcribe audio with `tunefork transcribe`.")
    if texts and takes != "text":
        raise TuneforkError(
            f"Model '{model.name}' is {a_or_an(model.family.name)} model: give image files or folders, not --text."
        )
    owner = _project_of(workspace, model, project)
    skipped: list[ItemIssue] = []
    if dataset_ref is not None:
        items = _dataset_items(workspace, dataset_ref, project, takes)
    elif takes == "text":
        items = list(_text_items(inputs or [], texts or [], skipped))
    else:
        items = list(_image_items(inputs or []))
    if not items:
        what = "texts (--text, text files or - for stdin)" if takes == "text" else "image files or folders"
        raise TuneforkError(f"Nothing to predict: give a dataset or {what}.")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    output = PredictionOutput(model.name, output_dir or workspace.predictions_dir / f"{stamp}-{model.name}")
    if output.folder.exists() and (not output.folder.is_dir() or any(output.folder.iterdir())):
        raise TuneforkError(f"{output.folder} is not an empty folder: give another --output (nothing is overwritten).")
    output.skipped = skipped
    loaded = model.load()
    logs = []
    for done, (source, given) in enumerate(items, start=1):
        progress(done - 1, len(items), "predicting")
        request, reason = _decoded(given, takes)
        if reason:
            output.skipped.append(ItemIssue(source, f"{source}: {reason}"))
            continue
        answer = model.family.invoke(loaded, request)
        output.answers.append((source, answer))
        logs.append(LoggedRequest(_request_id(done, source), answer, given if takes != "text" else None))
    progress(len(items), len(items), "predicting")
    if not output.answers:
        reasons = "; ".join(issue.reason for issue in output.skipped[:5]) + ("; ..." if len(output.skipped) > 5 else "")
        raise TuneforkError(f"None of the {len(items)} inputs could be answered: {reasons}.")
    output.folder.mkdir(parents=True, exist_ok=True)
    write_jsonl(output.folder / PREDICTIONS_FILE, [{"source": source, **answer} for source, answer in output.answers])
    if owner is not None:
        output.project, kind = owner
        kind.log_export.write(output.folder, logs, True)
        written = [path for path in output.folder.iterdir() if path.name != PREDICTIONS_FILE]
        output.to_correct = written[0] if len(written) == 1 and written[0].is_file() else output.folder
        output.dataset_kind = kind.log_export.dataset_kind
    return output


def _decoded(given: Any, takes: str) -> tuple[Any, str | None]:
    """The request the model takes (a text, an opened image), or the reason it cannot be answered."""
    if takes == "text":
        text = str(given).strip()
        if len(text) > MAX_TEXT_CHARACTERS:
            return None, f"{len(text)} characters, over the {MAX_TEXT_CHARACTERS} limit"
        return (text, None) if text else (None, "empty text")
    if unread := UNREAD_IMAGES.get(Path(given).suffix.lower()):
        return None, unread
    try:
        return open_image(Path(given)).image, None
    except ImageRejected as exc:
        return None, f"not a usable image ({exc})"
