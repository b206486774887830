"""Studio pages of the Data step: upload (with progress), datasets with their counts and reasons, reports, audio
and image thumbnails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from tunefork.datasets.kinds import ACCEPTED_FORMATS, AUDIO_KINDS, IMAGE_KINDS, LABELLED_TEXT_KINDS, RELATED_TEXT
from tunefork.errors import NotFoundError
from tunefork.jobs.queue import JobQueue
from tunefork.kinds import get_kind
from tunefork.service.deps import get_queue, get_workspace, safe_filename, upload_writer
from tunefork.service.errors import ApiError, error_body
from tunefork.service.web import charts
from tunefork.service.web.common import ACTIVE, POST_GUARDS, check_in_project, project_of, studio_router, with_jobs
from tunefork.service.web.rendering import Problem, api_problem, base_path, redirect, render, wants_json
from tunefork.store.models import Status
from tunefork.vision.images import thumbnail
from tunefork.workflows import datasets
from tunefork.workspace import Workspace

router = studio_router()
UPLOAD_PATH = "/datasets"
"""Where the upload form posts (under the studio prefix); the app gives it the upload size limit."""
PAGE_SIZE = 50
MAX_LABEL_BARS = 30
FAMILY_TITLES = {
    "intents": "Examples per intent",
    "entities": "Slot entities per label",
    "spans": "Spans per label",
    "patterns": "Patterns per label",
}


def _data_page(
    request: Request, ws: Workspace, project: dict[str, Any], status_code: int = 200, **context: Any
) -> Response:
    kind = get_kind(project["kind"])
    rows = with_jobs(datasets.list_datasets(ws, project["id"]), ws)
    context.setdefault("form", {"kind": kind.upload_kinds[0]})
    active = any(d["status"] in ACTIVE for d in rows)
    return render(
        request,
        "data.html",
        status_code,
        project=project,
        tab="data",
        datasets=rows,
        uses=kind.dataset_kinds,
        formats=ACCEPTED_FORMATS,
        active=active,
        title=f"Data · {project['name']}",
        canonical=f"{base_path(request)}/projects/{project['id']}/data",
        **context,
    )


@router.get("/projects/{project_id}/data", response_class=HTMLResponse)
def data_page(project_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> Response:
    """The project's datasets (status, accepted/rejected) and the upload form."""
    return _data_page(request, ws, project_of(ws, project_id))


@router.post(UPLOAD_PATH, dependencies=POST_GUARDS, response_class=HTMLResponse)
async def upload_dataset(
    request: Request,
    project: str = Form(...),
    kind: str = Form(""),
    name: str = Form(""),
    file: UploadFile | None = File(None),
    ws: Workspace = Depends(get_workspace),
    queue: JobQueue = Depends(get_queue),
) -> Response:
    """Upload through the REST handler (202: a job imports it); script requests get JSON back."""
    info = await run_in_threadpool(project_of, ws, project)
    try:
        if file is None or not file.filename:
            raise ApiError(422, "InvalidPayload", "Choose a file to upload.")
        filename = safe_filename(file.filename)
        created, _ = await run_in_threadpool(
            datasets.start_upload, ws, queue, info["id"], kind, name.strip() or Path(filename).stem, filename,
            upload_writer(file),
        )  # fmt: skip
    except Exception as exc:
        problem = await api_problem(request, exc)
        if problem is None:
            raise
        if wants_json(request):
            return JSONResponse(error_body(problem.code, problem.message, problem.details), problem.status)
        form = {"kind": kind, "name": name}
        return await run_in_threadpool(_data_page, request, ws, info, problem.status, problem=problem, form=form)
    if wants_json(request):
        page = f"{base_path(request)}/projects/{info['id']}/data"
        return JSONResponse({"id": created["id"], "name": created["name"], "status": created["status"], "page": page})
    return redirect(request, f"/projects/{info['id']}/data")


def label_charts(report: dict[str, Any]) -> list[Any]:
    """Bar charts of a language report's label counts, one per label family (the most frequent labels)."""
    shown = []
    for family, counts in (report.get("label_counts") or {}).items():
        if not counts:
            continue
        bars = list(counts.items())[:MAX_LABEL_BARS]
        title = FAMILY_TITLES.get(family, family)
        if len(counts) > MAX_LABEL_BARS:
            title += f" (top {MAX_LABEL_BARS} of {len(counts)})"
        shown.append(charts.bar_list(bars, title, lambda v: f"{v:g}"))
    return shown


def _report_charts(report: dict[str, Any], records: list[dict[str, Any]]) -> list[Any]:
    """SVG charts of an inspection report: durations (audio) or words per line (text), out-of-vocabulary words."""
    if report["kind"] in IMAGE_KINDS:
        concepts = list((report.get("concepts") or {}).items())[:MAX_LABEL_BARS]
        shown = [charts.bar_list(concepts, "Images per concept")] if concepts else []
        aspects = [r["width"] / r["height"] for r in records]
        if len(aspects) > 1:
            shown.append(charts.histogram(aspects, "Aspect ratios", "width / height", lambda v: f"{v:.2f}"))
        return shown
    if report["kind"] in LABELLED_TEXT_KINDS:
        shown = label_charts(report)
        lengths = [len(r["text"].split()) for r in records if r.get("text")]
        if len(lengths) > 1:
            shown.append(charts.histogram(lengths, "Text lengths", "words per text", integer=True))
        return shown
    shown = []
    durations = [d["seconds"] for d in report.get("durations") or []]
    if durations:
        shown.append(charts.histogram(durations, "Durations", "seconds per item", lambda v: f"{v:g}"))
    elif report["kind"] in (RELATED_TEXT, "structured-text"):
        lengths = [len(r["text"].split()) for r in records if r.get("text")]
        if len(lengths) > 1:
            shown.append(charts.histogram(lengths, "Sentence lengths", "words per sentence", integer=True))
    oov = (report.get("oov") or {}).get("top") or []
    if oov:
        bars = [(entry["word"], entry["count"]) for entry in oov[:15]]
        shown.append(charts.bar_list(bars, "Most frequent out-of-vocabulary words", lambda v: f"{v:g}"))
    return shown


def _dataset_page(
    request: Request,
    ws: Workspace,
    project: dict[str, Any],
    dataset_id: str,
    page: int = 1,
    status_code: int = 200,
    problem: Problem | None = None,
) -> Response:
    dataset = check_in_project(datasets.show_dataset(ws, dataset_id), project, "dataset")
    report, items, total, shown, records = None, [], 0, [], []
    if dataset["status"] == Status.SUCCEEDED:
        report = datasets.inspect(ws, dataset["id"])["report"]
        records = datasets.dataset_records(ws, dataset["id"])
        shown = _report_charts(report, records)
        total = len(records)
        items = records[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    job = with_jobs([dataset], ws)[0]["job"]
    return render(
        request,
        "dataset.html",
        status_code,
        project=project,
        tab="data",
        dataset=dataset,
        evaluations=datasets.evaluations_on(ws, dataset["id"]),
        report=report,
        charts=shown,
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        audio=dataset["kind"] in AUDIO_KINDS,
        images=dataset["kind"] in IMAGE_KINDS,
        contact_sheet=contact_sheet(records) if report and dataset["kind"] in IMAGE_KINDS else {},
        labelled=dataset["kind"] in LABELLED_TEXT_KINDS,
        job=job,
        problem=problem,
        active=dataset["status"] in ACTIVE,
        title=f"{dataset['name']} · Data",
        canonical=f"{base_path(request)}/projects/{project['id']}/datasets/{dataset['id']}",
    )


@router.get("/projects/{project_id}/datasets/{dataset_id}", response_class=HTMLResponse)
def dataset_page(
    project_id: str, dataset_id: str, request: Request, page: int = 1, ws: Workspace = Depends(get_workspace)
) -> Response:
    """One dataset: counts and every rejection reason, the inspection report with charts, the items."""
    return _dataset_page(request, ws, project_of(ws, project_id), dataset_id, max(page, 1))


@router.post("/projects/{project_id}/datasets/{dataset_id}/delete", dependencies=POST_GUARDS)
async def delete_dataset(
    project_id: str, dataset_id: str, request: Request, ws: Workspace = Depends(get_workspace)
) -> Response:
    """Delete a dataset through the REST handler (refused while importing or when a model used it)."""
    project = await run_in_threadpool(project_of, ws, project_id)
    check_in_project(await run_in_threadpool(datasets.show_dataset, ws, dataset_id), project, "dataset")
    try:
        await run_in_threadpool(datasets.delete_dataset, ws, dataset_id)
    except Exception as exc:
        problem = await api_problem(request, exc)
        if problem is None:
            raise
        return await run_in_threadpool(_dataset_page, request, ws, project, dataset_id, 1, problem.status, problem)
    return redirect(request, f"/projects/{project_id}/data")


@router.get("/datasets/{dataset_id}/items/{item_id}/audio")
def item_audio(dataset_id: str, item_id: str, ws: Workspace = Depends(get_workspace)) -> FileResponse:
    """The canonical 16 kHz WAV of one dataset item (found by its id in the manifest, never by path)."""
    record = next((r for r in datasets.dataset_records(ws, dataset_id) if r.get("id") == item_id), None)
    if record is None or "audio" not in record:
        raise NotFoundError(f"No audio item '{item_id}' in this dataset.")
    return FileResponse(record["audio"], media_type="audio/wav")


def contact_sheet(records: list[dict[str, Any]], per_concept: int = 12) -> dict[str, list[str]]:
    """The ids of the first images of each concept (``none of these`` and ``unlabeled`` last), for thumbnails."""
    sheet: dict[str, list[str]] = {}
    for record in records:
        groups = record["labels"] or ["none of these" if record.get("negative") else "unlabeled"]
        for group in groups:
            shown = sheet.setdefault(group, [])
            if len(shown) < per_concept:
                shown.append(record["id"])
    return dict(sorted(sheet.items(), key=lambda item: (item[0] in ("none of these", "unlabeled"), item[0])))


@router.get("/datasets/{dataset_id}/items/{item_id}/thumbnail")
def item_thumbnail(dataset_id: str, item_id: str, ws: Workspace = Depends(get_workspace)) -> Response:
    """A small JPEG of one image item (found by its id in the manifest, never by path)."""
    record = next((r for r in datasets.dataset_records(ws, dataset_id) if r.get("id") == item_id), None)
    if record is None or "file" not in record:
        raise NotFoundError(f"No image item '{item_id}' in this dataset.")
    return Response(thumbnail(Path(record["file"])), media_type="image/jpeg",
                    headers={"Cache-Control": "private, max-age=3600"})  # fmt: skip
