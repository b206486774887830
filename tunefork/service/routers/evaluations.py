"""``/evaluations``: one or two models on an acoustic dataset (202, run by a job), results and report files."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse

from tunefork.jobs.queue import JobQueue
from tunefork.service.auth import require_admin
from tunefork.service.deps import ERRORS, Paging, get_queue, get_workspace, paging
from tunefork.service.present import present, present_all, url
from tunefork.service.schemas import Evaluation, EvaluationCreate, Page
from tunefork.store.models import Status
from tunefork.workflows import evaluation, jobs
from tunefork.workspace import Workspace

router = APIRouter(prefix="/evaluations", tags=["evaluations"], dependencies=[Depends(require_admin)], responses=ERRORS)


@router.post("", status_code=202, response_model=Evaluation)
def create_evaluation(
    body: EvaluationCreate,
    request: Request,
    response: Response,
    ws: Workspace = Depends(get_workspace),
    queue: JobQueue = Depends(get_queue),
) -> dict:
    """Evaluate model1 (and model2 side by side) on a dataset: 202 NotStarted, then a job scores them."""
    refs = [body.model1] + ([body.model2] if body.model2 else [])
    created, job = evaluation.start_evaluation(ws, queue, body.dataset, refs, body.project, body.terms)
    out = present(request, "evaluations", created, job)
    response.headers["Location"] = out["self"]
    return out


@router.get("", response_model=Page[Evaluation])
def list_evaluations(
    request: Request,
    project: str | None = Query(None, min_length=1, max_length=200, description="Project name or id."),
    page: Paging = Depends(paging),
    ws: Workspace = Depends(get_workspace),
) -> dict:
    """Evaluations, oldest first."""
    return present_all(request, "evaluations", evaluation.list_evaluations(ws, project), page.skip, page.top)


@router.get("/{evaluation_id}", response_model=Evaluation)
def get_evaluation(evaluation_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> dict:
    """One evaluation; ``result`` holds WER, S/D/I, term recall and the significance of the difference."""
    found = evaluation.show_evaluation(ws, evaluation_id)
    out = present(request, "evaluations", found, jobs.latest_job_for(ws, found["id"]))
    if found["status"] == Status.SUCCEEDED:
        out.setdefault("links", {})["report"] = url(request, "evaluations", found["id"], "files", "report.md")
    return out


REPORT_MEDIA = {"text/markdown": {}, "application/json": {}, "image/png": {}, "application/octet-stream": {}}


@router.get(
    "/{evaluation_id}/files/{name}", name="get_evaluation_file", response_class=FileResponse,
    responses={200: {"content": REPORT_MEDIA, "description": "The file, typed by its name's extension"}},
)  # fmt: skip
def get_evaluation_file(evaluation_id: str, name: str, ws: Workspace = Depends(get_workspace)) -> FileResponse:
    """A file of the report: report.md, evaluation.json, alignments.jsonl, wer_per_utterance.png."""
    return FileResponse(evaluation.report_file(ws, evaluation_id, name), filename=name)


@router.delete("/{evaluation_id}", status_code=204)
def delete_evaluation(evaluation_id: str, ws: Workspace = Depends(get_workspace)) -> Response:
    """Delete an evaluation and its report (409 while it runs)."""
    evaluation.delete_evaluation(ws, evaluation_id)
    return Response(status_code=204)
