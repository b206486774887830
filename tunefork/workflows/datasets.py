"""Upload, list and inspect datasets. An upload lands completely or not at all."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

import tunefork
from tunefork import __version__
from tunefork.datasets.importer import import_dataset
from tunefork.datasets.inspection import inspect_dataset, load_manifest, manifest_path
from tunefork.datasets.kinds import FILE_FIELDS
from tunefork.datasets.results import ImportResult
from tunefork.errors import ConflictError, TuneforkError, UploadRejectedError, failure_reason
from tunefork.evaluation.overlap import item_fingerprints, shared_findings, shared_items_note
from tunefork.kinds import ProjectKind, get_kind
from tunefork.progress import ProgressCallback, no_progress
from tunefork.store.artifacts import atomic_write_json, read_jsonl_page, staged_directory
from tunefork.store.models import Dataset, Evaluation, Status
from tunefork.store.objects import ObjectStoreError
from tunefork.store.repository import clean_name, get_dataset, get_project
from tunefork.workflows.jobs import JobKind, JobSubmitter, submit_job, update_resource
from tunefork.workflows.projects import kind_of
from tunefork.workspace import JOB_PUBLISH_RETRY_PAUSES, Workspace

log = logging.getLogger(__name__)


def dataset_to_dict(dataset: Dataset) -> dict[str, Any]:
    """JSON-able view of a dataset, with the per-item rejection reasons."""
    return {
        "id": dataset.id,
        "name": dataset.name,
        "project": dataset.project.name,
        "kind": dataset.kind,
        "sourceFormat": dataset.source_format,
        "status": dataset.status,
        "accepted": dataset.accepted,
        "rejected": dataset.rejected,
        "rejections": dataset.rejections,
        "warnings": dataset.warnings,
        "contentHash": dataset.content_hash,
        "error": dataset.error,
        "origin": dataset.origin or None,
        "projectId": dataset.project_id,
        "createdDateTime": dataset.created_at.isoformat(),
        "lastActionDateTime": dataset.last_action_at.isoformat(),
    }


def _check_new_dataset(workspace: Workspace, project_ref: str, kind: str, name: str) -> str:
    """Check the kind fits the project and the (cleaned) name is free; return the project id. A dataset whose import
    failed gives its name up: it is deleted, so the corrected file can be uploaded under the same name."""
    failed_id = None
    with workspace.session() as session:
        project = get_project(session, project_ref)
        get_kind(project.kind).dataset_kind(kind)  # the kinds this project takes
        taken = session.scalar(select(Dataset).where(Dataset.project_id == project.id, Dataset.name == name))
        if taken is not None and taken.status == Status.FAILED:
            failed_id = taken.id
            session.delete(taken)
        elif taken is not None:
            names = set(session.scalars(select(Dataset.name).where(Dataset.project_id == project.id)))
            free = next(f"{name}-v{n}" for n in range(2, len(names) + 3) if f"{name}-v{n}" not in names)
            raise ConflictError(
                f"Project '{project.name}' already has a dataset named '{name}' (by default a dataset is named after "
                f"its file): choose another name, such as --name {free} (a corrected version beside the one models "
                "were trained on), or delete that dataset first."
            )
        project_id = project.id
    if failed_id is not None:
        shutil.rmtree(workspace.dataset_path(failed_id), ignore_errors=True)
    return project_id


def _import_into(
    workspace: Workspace, dataset_id: str, source: Path, kind: str, progress: ProgressCallback, confine_paths: bool
) -> ImportResult:
    """Import ``source`` into ``datasets/<dataset_id>`` atomically (nothing is left behind on error)."""
    with staged_directory(workspace.dataset_path(dataset_id), workspace.staging_dir) as staging:
        return import_dataset(source, kind, staging, workspace.settings.limits, progress, confine_paths=confine_paths)


def _result_fields(result: ImportResult) -> dict[str, Any]:
    """Dataset row columns filled from an import result."""
    return {
        "source_format": result.source_format,
        "accepted": result.accepted,
        "rejected": len(result.rejections),
        "rejections": [issue.__dict__ for issue in result.rejections],
        "warnings": [issue.__dict__ for issue in result.warnings],
        "content_hash": result.content_hash,
    }


def upload_dataset(
    workspace: Workspace,
    project_ref: str,
    source: Path,
    kind: str,
    name: str | None = None,
    progress: ProgressCallback = no_progress,
    origin: str = "",
) -> dict[str, Any]:
    """Validate and import ``source`` into a new dataset of ``project_ref``, here and now (the CLI's upload).
    ``origin`` says where its labels came from when not from the user (an endpoint's logs).

    The same steps as the asynchronous upload (:func:`register_dataset`, then the import), run inline.
    Returns the dataset with accepted/rejected counts and reasons. On a whole-upload rejection an
    ``UploadRejectedError`` is raised and nothing is left behind (no folder, no database row).
    """
    source = Path(source)
    if not source.exists():
        raise TuneforkError(f"{source}: no such file or folder.")
    default = source.resolve().stem  # `.` or `data/..` name the folder they are
    dataset = register_dataset(workspace, project_ref, kind, default if name is None else name, origin)
    try:
        with workspace.inline_work("datasets", dataset["id"]):
            return _import(workspace, dataset["id"], source, progress, confine_paths=False)
    except BaseException:
        with workspace.session() as session:
            session.delete(session.get(Dataset, dataset["id"]))
        raise


def register_dataset(workspace: Workspace, project_ref: str, kind: str, name: str, origin: str = "") -> dict[str, Any]:
    """Record a dataset as NotStarted (the name is reserved); :func:`run_dataset_import` fills it later.

    This is the first half of an asynchronous upload (the REST API answers 202 with this dataset).
    """
    name = clean_name(name, "dataset")
    project_id = _check_new_dataset(workspace, project_ref, kind, name)
    with workspace.session() as session:
        dataset = Dataset(project_id=project_id, name=name, kind=kind, status=Status.NOT_STARTED, origin=origin)
        session.add(dataset)
        session.flush()
        return dataset_to_dict(dataset)


def submit_import(
    workspace: Workspace, submitter: JobSubmitter, dataset: dict[str, Any], source: Path, cleanup: Path
) -> dict[str, Any]:
    """Queue the import of ``source`` into a registered dataset; ``cleanup`` is removed after it.

    With a shared object store, the folder ``cleanup`` travels as an object (``upload``: its digest) so
    a worker on another machine can import it.
    """
    shipped = workspace.publish(cleanup)
    if shipped:
        payload = {"upload": shipped, "source": str(source.relative_to(cleanup))}
    else:
        payload = {"source": workspace.relative(source), "cleanup": workspace.relative(cleanup)}
    return submit_job(submitter, JobKind.DATASET_IMPORT, dataset["id"], dataset["projectId"], payload)


def start_upload(
    workspace: Workspace,
    submitter: JobSubmitter,
    project_ref: str,
    kind: str,
    name: str,
    filename: str,
    write: Callable[[Path], None],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The asynchronous upload (REST and studio): register the dataset, keep the file, submit its import.

    ``write(path)`` copies the uploaded file to ``path``; if it fails (the client went away), the dataset is
    left Failed with the reason; an empty file is refused (:class:`UploadRejectedError`, no dataset left). Returns
    the NotStarted dataset and its job.
    """
    dataset = register_dataset(workspace, project_ref, kind, name)
    folder = workspace.upload_dir("datasets", dataset["id"])
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / filename
    try:
        write(source)
    except BaseException as exc:
        shutil.rmtree(folder, ignore_errors=True)
        _update_dataset(workspace, dataset["id"], status=Status.FAILED, error=f"the upload was interrupted: {exc}")
        raise
    try:
        if source.stat().st_size == 0:  # refused at once, not after the queue's other work (a REST review)
            raise UploadRejectedError(f"{filename}: the upload is empty (0 bytes).")
        return dataset, submit_import(workspace, submitter, dataset, source, folder)
    except (ObjectStoreError, UploadRejectedError):  # no dataset, no object, the reason to the client
        shutil.rmtree(folder, ignore_errors=True)
        with workspace.session() as session:
            session.delete(session.get(Dataset, dataset["id"]))
        raise


def _update_dataset(workspace: Workspace, dataset_id: str, **fields: Any) -> dict[str, Any]:
    return update_resource(workspace, "datasets", dataset_id, dataset_to_dict, **fields)


def run_dataset_import(
    workspace: Workspace,
    dataset_id: str,
    source: Path,
    progress: ProgressCallback = no_progress,
    confine_paths: bool = True,
) -> dict[str, Any]:
    """Import ``source`` into a registered dataset: Running, then Succeeded or Failed with the reason.

    A whole-upload rejection leaves the dataset Failed with the message and the per-item reasons, and
    no folder on disk. ``confine_paths`` (default on: uploads come from untrusted clients) keeps audio
    referenced by manifests inside the upload.
    """
    try:
        return _import(workspace, dataset_id, Path(source), progress, confine_paths)
    except UploadRejectedError as exc:
        rejections = [issue if isinstance(issue, dict) else issue.__dict__ for issue in exc.rejections]
        error = workspace.public_message(str(exc))
        return _update_dataset(
            workspace, dataset_id, status=Status.FAILED, error=error, rejections=rejections, rejected=len(rejections)
        )
    except TuneforkError as exc:
        reason = failure_reason(exc, log, f"importing dataset {dataset_id}")
        return _update_dataset(workspace, dataset_id, status=Status.FAILED, error=workspace.public_message(reason))


def _import(
    workspace: Workspace, dataset_id: str, source: Path, progress: ProgressCallback, confine_paths: bool
) -> dict[str, Any]:
    """Running, the import, then Succeeded with the counts; errors propagate (their callers record them)."""
    info = _update_dataset(workspace, dataset_id, status=Status.RUNNING, error="")
    result = _import_into(workspace, dataset_id, source, info["kind"], progress, confine_paths)
    try:
        artifact = workspace.publish(workspace.dataset_path(dataset_id), retry_pauses=JOB_PUBLISH_RETRY_PAUSES)
        fields = _result_fields(result)
        fields["warnings"] += _same_content_warnings(workspace, info, result)
        return _update_dataset(workspace, dataset_id, status=Status.SUCCEEDED, artifact=artifact, **fields)
    except BaseException:
        shutil.rmtree(workspace.dataset_path(dataset_id), ignore_errors=True)
        raise


def _same_content_warnings(workspace: Workspace, info: dict[str, Any], result: ImportResult) -> list[dict[str, Any]]:
    """A warning for each other dataset of the project that holds the same content (equal content hash: the same
    items with the same ids, whatever the file's name; a text item's id is its line, so the same lines in another
    order, or shifted by a blank line, are other content), oldest first; none for an empty upload. The upload is
    kept (a copy may be meant, but rarely is); ``sameContentAs`` names that dataset for clients."""
    if not result.accepted or not result.content_hash:
        return []
    with workspace.session() as session:
        query = select(Dataset.name).where(
            Dataset.project_id == info["projectId"],
            Dataset.content_hash == result.content_hash,
            Dataset.status == Status.SUCCEEDED,
            Dataset.id != info["id"],
        )
        others = list(session.scalars(query.order_by(Dataset.created_at)))
    return [
        {"item": info["name"], "line": None, "sameContentAs": other,
         "reason": f"{info['name']} has the same content as dataset {other} (both are kept; delete one if it was "
                   "uploaded twice)"}
        for other in others
    ]  # fmt: skip


def list_datasets(workspace: Workspace, project_ref: str | None = None) -> list[dict[str, Any]]:
    """Datasets (of one project when given), oldest first."""
    with workspace.session() as session:
        query = select(Dataset).order_by(Dataset.created_at)
        if project_ref is not None:
            query = query.where(Dataset.project_id == get_project(session, project_ref).id)
        return [dataset_to_dict(d) for d in session.scalars(query)]


def show_dataset(workspace: Workspace, ref: str, project: str | None = None) -> dict[str, Any]:
    """One dataset by name or id."""
    with workspace.session() as session:
        return dataset_to_dict(get_dataset(session, ref, project))


def inspect(workspace: Workspace, ref: str, project: str | None = None) -> dict[str, Any]:
    """The quality report of a dataset, as its project's kind inspects it.

    Speech kinds: counts, durations, conversions, duplicates, OOV words against the baseline vocabulary.
    Text kinds: labels, imbalance, near duplicates and, where models keep the base model's labels
    (entities projects), the base labels at risk of being forgotten.
    """
    info = show_dataset(workspace, ref, project)
    folder, kind = dataset_folder(workspace, info["id"]), info["kind"]
    project_kind = kind_of(workspace, info["projectId"])
    key = f"{info['id']}-{project_kind.name}-{_inspection_code()}"
    report = _cached(workspace, f"{key}.json", lambda: _report(project_kind, folder, kind))
    others = [
        other
        for other in list_datasets(workspace, info["projectId"])
        if other["id"] != info["id"] and other["status"] == Status.SUCCEEDED
    ]
    shared = _shared_with(workspace, info, others) if others else []
    return {"dataset": info, "report": {**report, **({"shared_with_other_datasets": shared} if shared else {})}}


def _cached(workspace: Workspace, name: str, compute: Callable[[], Any]) -> Any:
    """What ``compute`` returns, kept in the inspections cache as ``name`` (a dataset never changes: the studio
    page of 5M lines took 10 min at every view); read back as a later view reads it."""
    cached = workspace.inspections_cache_dir / name
    if not cached.is_file():
        atomic_write_json(cached, compute())
    return json.loads(cached.read_text(encoding="utf-8"))


def _report(project_kind: ProjectKind, folder: Path, kind: str) -> dict[str, Any]:
    return project_kind.inspect(folder, kind) if project_kind.inspect else inspect_dataset(folder, kind)


def _fingerprints(workspace: Workspace, dataset_id: str) -> list[list[str]]:
    """A dataset's items as :func:`~tunefork.evaluation.overlap.shared_findings` compares them, computed once
    (normalizing a large dataset at every view of every other dataset's page took minutes: a code review)."""
    name = f"{dataset_id}-fingerprints-{_inspection_code()}.json"
    return _cached(workspace, name, lambda: item_fingerprints(dataset_records(workspace, dataset_id)))


def _shared_with(workspace: Workspace, info: dict[str, Any], others: list[dict[str, Any]]) -> list[str]:
    """The items the dataset ``info`` shares with each of ``others`` (the project's other imported datasets), found
    as training finds a test set's: the same audio or image file, or the same normalized text. Neither side is
    called the training data: either could be the test set."""
    mine = [tuple(item) for item in _fingerprints(workspace, info["id"])]
    notes = []
    for other in others:
        theirs = [tuple(item) for item in _fingerprints(workspace, other["id"])]
        note = shared_items_note(shared_findings(mine, theirs, other["name"]), len(mine))  # type: ignore[arg-type]
        notes += [note] if note else []
    return notes


@functools.cache
def _inspection_code() -> str:
    """A key of what an inspection report depends on: tunefork's code (the normalizer, vocabularies and pipelines
    included, not only the dataset packages) and the installed packages (a base pipeline installed later)."""
    digest = hashlib.sha256(__version__.encode())
    for source in sorted(Path(tunefork.__file__).parent.rglob("*.py")):
        digest.update(source.read_bytes())
    installed = sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions())
    digest.update("\n".join(installed).encode())
    return digest.hexdigest()[:16]


def require_imported(dataset: Dataset) -> None:
    """:class:`ConflictError` unless ``dataset`` is imported (Succeeded): its items exist only then (a batch
    transcription of a dataset still importing answered 404 "no manifest.jsonl")."""
    if dataset.status == Status.SUCCEEDED:
        return
    if dataset.status == Status.FAILED:
        raise ConflictError(f"Dataset '{dataset.name}' failed to import ({dataset.error}): upload it again.")
    raise ConflictError(f"Dataset '{dataset.name}' is {dataset.status}: wait for its import to end.")


def dataset_folder(workspace: Workspace, dataset_id: str) -> Path:
    """A dataset's files on this machine: its workspace folder, or its published object through the cache
    (:class:`ConflictError` while it is not imported)."""
    with workspace.session() as session:
        row = session.get(Dataset, dataset_id)
        if row is not None:
            require_imported(row)
        artifact = row.artifact if row is not None else ""
    return workspace.artifact_folder(artifact, workspace.dataset_path(dataset_id))


def dataset_records(workspace: Workspace, dataset_id: str) -> list[dict[str, Any]]:
    """The canonical manifest records of a dataset, with their files (``audio``, ``file``) made absolute paths."""
    folder = dataset_folder(workspace, dataset_id)
    records = load_manifest(folder)
    for record in records:
        for key in FILE_FIELDS:
            if key in record:
                record[key] = str(folder / record[key])
    return records


def dataset_items(
    workspace: Workspace, ref: str, skip: int, top: int, project: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Items ``skip`` to ``skip + top`` of a dataset as a client may see them, and how many it holds: the canonical
    records, each file named by its name in the dataset, never its server path (a REST client could read only
    counts: an exported log could not be reviewed). Only the page is parsed (a page of a dataset of millions of
    lines held them all in memory: a security review)."""
    with workspace.session() as session:
        dataset_id = get_dataset(session, ref, project).id
    items, total = read_jsonl_page(manifest_path(dataset_folder(workspace, dataset_id)), skip, top)
    for item in items:
        for key in FILE_FIELDS:
            if key in item:
                item[key] = Path(item[key]).name
    return items, total


def evaluations_on(workspace: Workspace, dataset_id: str) -> int:
    """How many evaluations were made on the dataset (deleting it deletes them)."""
    with workspace.session() as session:
        return session.scalar(select(func.count()).where(Evaluation.dataset_id == dataset_id)) or 0


def delete_dataset(workspace: Workspace, ref: str, project: str | None = None) -> int:
    """Delete a dataset and its files with the evaluations made on it and their reports, unless it is importing, a
    model was trained on it, or a training still to finish or an evaluation still running uses it (409). Returns how
    many evaluations went with it."""
    with workspace.session() as session:
        dataset = get_dataset(session, ref, project)
        if dataset.status in (Status.NOT_STARTED, Status.RUNNING):
            raise ConflictError(f"Dataset '{dataset.name}' is {dataset.status}; wait for its import to finish.")
        evaluations = session.scalars(select(Evaluation).where(Evaluation.dataset_id == dataset.id)).all()
        if any(e.status in (Status.NOT_STARTED, Status.RUNNING) for e in evaluations):
            raise ConflictError(f"Dataset '{dataset.name}' is being evaluated on; delete it once that is done.")
        evaluation_ids = [e.id for e in evaluations]
        training = [m.name for m in dataset.project.models if m.status in (Status.NOT_STARTED, Status.RUNNING)
                    and (m.parameters or {}).get("test_dataset") == dataset.id]  # fmt: skip
        if training:
            raise ConflictError(
                f"Dataset '{dataset.name}' is the test set of model(s) {', '.join(sorted(training))}, still training; "
                "delete it once they are done."
            )
        users = [m.name for m in dataset.project.models if dataset.id in (m.dataset_ids or [])]
        if users:
            raise ConflictError(
                f"Dataset '{dataset.name}' was used to train model(s) {', '.join(sorted(users))}; "
                "it is kept so their training data stays known."
            )
        dataset_id = dataset.id
        session.delete(dataset)  # its evaluations' rows go with it (ON DELETE CASCADE)
    shutil.rmtree(workspace.dataset_path(dataset_id), ignore_errors=True)
    workspace.forget_inspections([dataset_id])
    for evaluation_id in evaluation_ids:
        shutil.rmtree(workspace.report_dir(evaluation_id), ignore_errors=True)
    return len(evaluation_ids)
