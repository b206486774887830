"""Batch transcription of a dataset or of files, written as JSONL and plain text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tunefork.datasets.results import ItemIssue
from tunefork.datasets.scanning import AUDIO_EXTENSIONS, files_with_extensions
from tunefork.errors import TuneforkError
from tunefork.kinds.speech import SPEECH_MODELS
from tunefork.progress import ProgressCallback, no_progress
from tunefork.speech.base import Transcript
from tunefork.speech.transcribe import transcribe_files
from tunefork.store.artifacts import atomic_write_text, write_jsonl
from tunefork.store.repository import get_dataset
from tunefork.workflows.datasets import dataset_records
from tunefork.workflows.models import resolve_model
from tunefork.workspace import Workspace


@dataclass
class TranscriptionOutput:
    """Where the transcripts went and what they say."""

    jsonl: Path
    text: Path
    transcripts: list[tuple[str, Transcript]]
    skipped: list[ItemIssue] = field(default_factory=list)
    """Files that could not be read as audio, with the reason (``transcripts.jsonl`` says it in their place)."""


def dataset_audio_items(workspace: Workspace, dataset_ref: str, project: str | None = None) -> list[tuple[str, Path]]:
    """``(id, wav path)`` of every item of an audio-bearing dataset."""
    with workspace.session() as session:
        dataset = get_dataset(session, dataset_ref, project)
        dataset_id, kind, name = dataset.id, dataset.kind, dataset.name
    if kind not in ("acoustic", "audio"):
        raise TuneforkError(f"Dataset '{name}' is of kind '{kind}' and holds no audio to transcribe.")
    return [(r["id"], Path(r["audio"])) for r in dataset_records(workspace, dataset_id)]


def write_transcripts(
    transcripts: list[tuple[str, Transcript]],
    folder: Path,
    skipped: Sequence[ItemIssue] = (),
    order: Sequence[str] = (),
) -> tuple[Path, Path]:
    """Write ``transcripts.jsonl`` (words, times, confidences; ``{"id", "text": "", "error"}`` for a file
    ``skipped``, in its place when ``order`` gives the items' ids) and ``trans.txt`` (``id<TAB>text``, transcribed
    files only).

    ``trans.txt`` uses the Azure transcript layout, so corrected transcripts can be uploaded again.
    """
    jsonl = folder / "transcripts.jsonl"
    text = folder / "trans.txt"
    rows = {item_id: {"id": item_id, **t.to_dict()} for item_id, t in transcripts}
    rows.update({issue.item: {"id": issue.item, "text": "", "error": issue.reason} for issue in skipped})
    write_jsonl(jsonl, [rows[item_id] for item_id in order] if order else list(rows.values()))
    atomic_write_text(text, "".join(f"{item_id}\t{t.text}\n" for item_id, t in transcripts))
    return jsonl, text


def file_items(paths: list[Path]) -> list[tuple[str, Path]]:
    """``(id, path)`` of the audio files given, a folder standing for the audio files under it (by extension; hidden
    files and archivers' junk folders skipped, as uploads skip them). An
    id is the file's name, or where two files share a name (``a/x.wav``, ``b/x.wav``: both were ``x.wav``, their
    transcripts told apart by nothing) the path as given."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = files_with_extensions(path, AUDIO_EXTENSIONS)
            if not inside:
                raise TuneforkError(f"{path} holds no audio file ({', '.join(sorted(AUDIO_EXTENSIONS))}).")
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            raise TuneforkError(f"No such audio file or folder: {path}")
    names = Counter(path.name for path in found)
    return [(path.name if names[path.name] == 1 else str(path), path) for path in found]


def check_source(dataset_ref: str | None, files: Sequence[object] | None) -> None:
    """What to transcribe must be a dataset or some files: refuse neither and both, each with its own reason."""
    if dataset_ref is None and not files:
        raise TuneforkError("Nothing to transcribe: give a dataset or one or more audio files.")
    if dataset_ref is not None and files:
        raise TuneforkError("Give either a dataset or one or more audio files, not both.")


def transcribe(
    workspace: Workspace,
    model_ref: str,
    dataset_ref: str | None = None,
    files: list[Path] | None = None,
    project: str | None = None,
    output_dir: Path | None = None,
    progress: ProgressCallback = no_progress,
) -> TranscriptionOutput:
    """Transcribe a dataset's audio or a list of files with one model."""
    check_source(dataset_ref, files)
    if dataset_ref is not None:
        items = dataset_audio_items(workspace, dataset_ref, project)
    else:
        items = file_items([Path(f) for f in files or []])
    resolved = resolve_model(workspace, model_ref, project, family=SPEECH_MODELS)
    unread: list[tuple[str, str]] | None = [] if dataset_ref is None else None  # a dataset's audio was validated
    transcripts = transcribe_files(resolved.load(), items, progress, unread)
    skipped = [ItemIssue(item_id, reason) for item_id, reason in unread or []]
    if skipped and not transcripts:
        said = "; ".join(issue.reason for issue in skipped[:3])
        raise TuneforkError(f"No file could be transcribed: {said}{' ...' if len(skipped) > 3 else ''}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    folder = output_dir or workspace.transcripts_dir / f"{stamp}-{resolved.name}"
    jsonl, text = write_transcripts(transcripts, folder, skipped, [item_id for item_id, _ in items])
    return TranscriptionOutput(jsonl=jsonl, text=text, transcripts=transcripts, skipped=skipped)
