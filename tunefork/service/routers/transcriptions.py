"""``/transcriptions``: batch transcription of a dataset or of uploaded files (202, run by a job)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile

from tunefork.jobs.queue import JobQueue
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
from tunefork.service.present import present, present_all
from tunefork.service.schemas import Page, Transcription, TranscriptionCreate
from tunefork.store.models import Status
from tunefork.workflows import batch_transcription as batch
from tunefork.workflows import jobs
from tunefork.workspace import Workspace

router = APIRouter(
    prefix="/transcriptions", tags=["transcriptions"], dependencies=[Depends(require_admin)], responses=ERRORS
)


def _accepted(request: Request, response: Response, created: dict, job: dict) -> dict:
    out = present(request, "transcriptions", created, job)
    response.headers["Location"] = out["self"]
    return out


@router.post("", status_code=202, response_model=Transcription)
def transcribe_dataset(
    body: TranscriptionCreate,
    request: Request,
    response: Response,
    ws: Workspace = Depends(get_workspace),
    queue: JobQueue = Depends(get_queue),
) -> dict:
    """Transcribe every item of an audio-bearing dataset with one model."""
    created, job = batch.start_transcription(ws, queue, body.model, body.dataset, project=body.project, name=body.name)
    return _accepted(request, response, created, job)


@router.post(
    "/upload", status_code=202, response_model=Transcription, responses=MULTIPART_ERRORS,
    dependencies=[Depends(multipart_body)],
)  # fmt: skip
def transcribe_files(
    request: Request,
    response: Response,
    model: str = Form(..., min_length=1, max_length=200, description="Base model name or custom model id."),
    files: list[UploadFile] = File(..., description="Audio files (any format tunefork decodes)."),
    project: str | None = Form(None, min_length=1, max_length=200),
    name: str = Form("", max_length=200),
    ws: Workspace = Depends(get_workspace),
    queue: JobQueue = Depends(get_queue),
) -> dict:
    """Transcribe uploaded audio files with one model."""
    names: list[str] = []
    for index, upload in enumerate(files):
        candidate = safe_filename(upload.filename, f"file{index}")
        names.append(candidate if candidate not in names else f"{index}-{candidate}")
    writers = [(file_name, upload_writer(upload)) for upload, file_name in zip(files, names, strict=True)]
    created, job = batch.start_transcription(ws, queue, model, files=writers, project=project, name=name)
    return _accepted(request, response, created, job)


@router.get("", response_model=Page[Transcription])
def list_transcriptions(
    request: Request,
    project: str | None = Query(None, min_length=1, max_length=200),
    page: Paging = Depends(paging),
    ws: Workspace = Depends(get_workspace),
) -> dict:
    """Batch transcriptions, oldest first."""
    return present_all(request, "transcriptions", batch.list_transcriptions(ws, project), page.skip, page.top)


@router.get("/{transcription_id}", response_model=Transcription)
def get_transcription(transcription_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> dict:
    """One batch transcription."""
    found = batch.show_transcription(ws, transcription_id)
    out = present(request, "transcriptions", found, jobs.latest_job_for(ws, found["id"]))
    if found["status"] == Status.SUCCEEDED:
        out.setdefault("links", {})["result"] = out["self"] + "/result"
    return out


@router.get("/{transcription_id}/result")
def get_transcription_result(transcription_id: str, ws: Workspace = Depends(get_workspace)) -> dict:
    """The transcripts: ``{"values": [{"id", "text", "words": [...], "duration", "model"}]}``."""
    found = batch.show_transcription(ws, transcription_id)
    if found["status"] != Status.SUCCEEDED:
        why = f": {found['error']}" if found.get("error") else ""
        if found["status"] == "Failed":
            raise ApiError(409, "Conflict", f"The transcription failed{why}; it has no result.")
        raise ApiError(409, "Conflict", f"The transcription is {found['status']}: no result yet.")
    return {"values": batch.transcription_results(ws, transcription_id)}


@router.delete("/{transcription_id}", status_code=204)
def delete_transcription(transcription_id: str, ws: Workspace = Depends(get_workspace)) -> Response:
    """Delete a transcription and its files (409 while it runs)."""
    batch.delete_transcription(ws, transcription_id)
    return Response(status_code=204)
