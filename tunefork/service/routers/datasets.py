"""``/datasets``: multipart upload (202, imported by a job), list, show, inspection report, delete."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile

from tunefork.jobs.queue import JobQueue
from tunefork.kinds import project_kinds
from tunefork.service.auth import require_admin
from tunefork.service.deps import (
    ERRORS,
    MULTIPART_ERRORS,
    Paging,
    get_queue,
    get_workspace,
    multipart_body,
    paging,
    safe_filename,
    upload_writer,
)
from tunefork.service.errors import ApiError
from tunefork.service.present import page, present, present_all
from tunefork.service.schemas import Dataset, Page
from tunefork.store.models import Status
from tunefork.workflows import datasets, jobs
from tunefork.workspace import Workspace

router = APIRouter(prefix="/datasets", tags=["datasets"], dependencies=[Depends(require_admin)], responses=ERRORS)

UPLOAD_KINDS = tuple(dict.fromkeys(name for kind in project_kinds() for name in kind.upload_kinds))
DatasetKind = Literal[UPLOAD_KINDS]  # type: ignore[valid-type]


@router.post(
    "", status_code=202, response_model=Dataset, responses=MULTIPART_ERRORS, dependencies=[Depends(multipart_body)]
)
def upload_dataset(
    request: Request,
    response: Response,
    project: str = Form(..., min_length=1, max_length=200, description="Project name or id."),
    kind: DatasetKind = Form(..., description=f"One of the kinds the project's kind takes: {', '.join(UPLOAD_KINDS)}."),
    file: UploadFile = File(..., description="A file or zip in one of the accepted formats of the kind."),
    name: str | None = Form(None, min_length=1, max_length=200, description="Default: the file name."),
    ws: Workspace = Depends(get_workspace),
    queue: JobQueue = Depends(get_queue),
) -> dict:
    """Upload a dataset: answered 202 NotStarted; a job validates and imports it (accepted/rejected counts)."""
    filename = safe_filename(file.filename)
    dataset, job = datasets.start_upload(
        ws, queue, project, kind, name or Path(filename).stem, filename, upload_writer(file)
    )
    out = present(request, "datasets", dataset, job)
    response.headers["Location"] = out["self"]
    return out


@router.get("", response_model=Page[Dataset])
def list_datasets(
    request: Request,
    project: str | None = Query(None, min_length=1, max_length=200, description="Project name or id (default: all)."),
    paged: Paging = Depends(paging),
    ws: Workspace = Depends(get_workspace),
) -> dict:
    """Datasets (of one project with ?project=), oldest first."""
    return present_all(request, "datasets", datasets.list_datasets(ws, project), paged.skip, paged.top)


@router.get("/{dataset_id}", response_model=Dataset)
def get_dataset(dataset_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> dict:
    """One dataset: status, accepted and rejected counts, every rejection reason."""
    dataset = datasets.show_dataset(ws, dataset_id)
    return present(request, "datasets", dataset, jobs.latest_job_for(ws, dataset["id"]))


@router.get("/{dataset_id}/report")
def inspect_dataset(dataset_id: str, ws: Workspace = Depends(get_workspace)) -> dict:
    """The quality report: counts, durations, conversions, empty/duplicate transcripts, OOV words."""
    dataset = datasets.show_dataset(ws, dataset_id)
    if dataset["status"] != Status.SUCCEEDED:
        raise ApiError(409, "Conflict", f"Dataset '{dataset['name']}' is {dataset['status']}: no report.")
    return datasets.inspect(ws, dataset["id"])["report"]


@router.get("/{dataset_id}/items")
def list_items(
    dataset_id: str, request: Request, paged: Paging = Depends(paging), ws: Workspace = Depends(get_workspace)
) -> dict:
    """The imported items as the dataset keeps them (text, intent, entities or spans, transcript...; a file is
    named, never its server path), in order, paged: what to review before training, or after a log export."""
    items, total = datasets.dataset_items(ws, dataset_id, paged.skip, paged.top)
    return page(request, items, paged.skip, paged.top, total)


@router.delete("/{dataset_id}", status_code=204)
def delete_dataset(dataset_id: str, ws: Workspace = Depends(get_workspace)) -> Response:
    """Delete a dataset with the evaluations made on it (409 while importing or when a model was trained on it)."""
    datasets.delete_dataset(ws, dataset_id)
    return Response(status_code=204)
