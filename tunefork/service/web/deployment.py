"""Studio pages of the Deployment step: endpoints, keys shown once, sample code, logging, logs and their export."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from tunefork.errors import TuneforkError
from tunefork.jobs.queue import JobQueue
from tunefork.kinds import get_kind
from tunefork.kinds.registry import EndpointOperation
from tunefork.kinds.voice import served_operation
from tunefork.service.deps import get_queue, get_workspace, upload_writer, warm_deployed_model
from tunefork.service.errors import error_body
from tunefork.service.present import url
from tunefork.service.web.common import POST_GUARDS, base_models_of, check_in_project, project_of, studio_router
from tunefork.service.web.rendering import Problem, api_problem, base_path, redirect, render
from tunefork.store.models import Status
from tunefork.store.staging import OwnedFolder, scratch_folder
from tunefork.workflows import endpoint_logs, endpoints, monitors, requests, training
from tunefork.workspace import Workspace

router = studio_router()
TRY_PATH = "/try"
"""Where the endpoint page's "Try it" panel posts (under the studio prefix); the app gives it the upload size limit."""
LOGS_PAGE = 25
KEY_PLACEHOLDER = "YOUR_ENDPOINT_KEY"


def _deployable(ws: Workspace, project: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The base models of the project's kind and its succeeded custom models (newest first)."""
    custom = [m for m in training.list_models(ws, project["id"]) if m["status"] == Status.SUCCEEDED]
    return base_models_of(get_kind(project["kind"])), list(reversed(custom))


def sample_code(operation: EndpointOperation, call_url: str, key: str | None, sample: str) -> dict[str, str]:
    """How to call an endpoint's ``operation`` with ``sample``: its curl command and Python snippet."""
    return operation.sample_code(call_url, key or KEY_PLACEHOLDER, sample)


def _deployment_page(
    request: Request, ws: Workspace, project: dict[str, Any], status_code: int = 200, **context: Any
) -> Response:
    kind = get_kind(project["kind"])
    rows = [endpoints.show_endpoint(ws, e["id"]) for e in endpoints.list_endpoints(ws, project["id"])]
    bases, custom = _deployable(ws, project)
    default_model = custom[0]["id"] if custom else kind.default_base_model
    context.setdefault("form", {"model": default_model, "logging": False, "retentionDays": 30})
    return render(
        request,
        "deployment.html",
        status_code,
        project=project,
        tab="deployment",
        endpoints=rows,
        base_models=bases,
        custom_models=custom,
        title=f"Deployment · {project['name']}",
        canonical=f"{base_path(request)}/projects/{project['id']}/deployment",
        **context,
    )


@router.get("/projects/{project_id}/deployment", response_class=HTMLResponse)
def deployment_page(project_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> Response:
    """The project's endpoints and the form to deploy a model."""
    return _deployment_page(request, ws, project_of(ws, project_id))


@router.post("/projects/{project_id}/endpoints", dependencies=POST_GUARDS, response_class=HTMLResponse)
async def create_endpoint(
    project_id: str,
    request: Request,
    name: str = Form(""),
    model: str = Form(""),
    description: str = Form(""),
    logging: bool = Form(False),
    retentionDays: str = Form("30"),
    ws: Workspace = Depends(get_workspace),
) -> Response:
    """Deploy and show the new endpoint with its keys, this once."""
    project = await run_in_threadpool(project_of, ws, project_id)
    form = {
        "name": name,
        "model": model,
        "description": description,
        "logging": logging,
        "retentionDays": retentionDays,
    }
    try:
        created = await run_in_threadpool(
            endpoints.create_endpoint, ws, project["id"], name, model, description, logging,
            _retention(retentionDays, default=30),
        )  # fmt: skip
    except Exception as exc:
        problem = await api_problem(request, exc)
        if problem is None:
            raise
        return await run_in_threadpool(
            _deployment_page, request, ws, project, problem.status, problem=problem, form=form
        )
    warm_deployed_model(request, ws, created["id"])
    return await run_in_threadpool(_endpoint_page, request, ws, project, created["id"], 1, created["keys"])


def _retention(days: str, default: int | None = None) -> int | None:
    """The retention typed in a form (``default`` when empty, never in place of a 0 the workflow refuses; a clear
    error when it is not a whole number)."""
    if not days.strip():
        return default
    try:
        return int(days)
    except ValueError:
        raise TuneforkError(f"Retention must be a whole number of days (got '{days}').") from None


def _endpoint_page(
    request: Request,
    ws: Workspace,
    project: dict[str, Any],
    endpoint_id: str,
    page: int = 1,
    new_keys: dict[str, str] | None = None,
    status_code: int = 200,
    problem: Problem | None = None,
    problem_at: str = "",
) -> Response:
    kind = get_kind(project["kind"])
    endpoint = check_in_project(endpoints.show_endpoint(ws, endpoint_id), project, "endpoint")
    logs = endpoint_logs.list_logs(ws, endpoint["id"], skip=(page - 1) * LOGS_PAGE, top=LOGS_PAGE)
    total = endpoint.get("loggedRequests", 0)
    bases, custom = _deployable(ws, project)
    key = next(iter((new_keys or {}).values()), None)
    operation = served_operation(kind.family.operation, endpoint["languageModel"])
    call_url = url(request, "endpoints", endpoint["id"], operation.name)
    sample = endpoints.request_sample(ws, kind, endpoint["modelId"])
    samples = sample_code(operation, call_url, key, sample)
    return render(
        request,
        "endpoint.html",
        status_code,
        project=project,
        tab="deployment",
        endpoint=endpoint,
        logs=logs,
        page=page,
        pages=max(1, -(-total // LOGS_PAGE)),
        new_keys=new_keys or {},
        operation=operation,
        samples=samples,
        sample=sample,
        call_url=call_url,
        base_models=bases,
        custom_models=custom,
        monitors=[m for m in monitors.list_monitors(ws, project["id"]) if m["endpointId"] == endpoint["id"]],
        canonical=f"{base_path(request)}/projects/{project['id']}/endpoints/{endpoint['id']}",
        problem=problem,
        problem_at=problem_at,
        title=f"{endpoint['name']} · Deployment",
    )


@router.post(TRY_PATH, dependencies=POST_GUARDS)
async def try_endpoint(
    request: Request,
    endpoint: str = Form(...),
    text: str = Form(""),
    file: UploadFile | None = File(None),
    ws: Workspace = Depends(get_workspace),
) -> JSONResponse:
    """ "Try it": one request answered by an endpoint's model as its operation would (no key, not logged), as JSON.

    The answer holds the operation's ``result`` and ``latencyMs``; an error answers the REST API's error JSON.
    """
    admission = request.app.state.admission
    try:
        with scratch_folder(ws.staging_dir, "try.") as folder:
            given: str | Path = text
            if file is not None and file.filename:
                given = folder / "input"
                await run_in_threadpool(upload_writer(file), given)
            limit = request.app.state.settings.max_recognition_seconds
            admission.enter(endpoint)
            try:
                answer = await admission.run(request, endpoint, requests.trial, ws, endpoint, given, limit)
            finally:
                admission.leave(endpoint)
    except Exception as exc:
        problem = await api_problem(request, exc)
        if problem is None:
            raise
        return JSONResponse(error_body(problem.code, problem.message, problem.details), problem.status)
    return JSONResponse(answer)


@router.get("/projects/{project_id}/endpoints/{endpoint_id}", response_class=HTMLResponse)
def endpoint_page(
    project_id: str, endpoint_id: str, request: Request, page: int = 1, ws: Workspace = Depends(get_workspace)
) -> Response:
    """One endpoint: URL and sample code, settings, keys, logged requests, export."""
    return _endpoint_page(request, ws, project_of(ws, project_id), endpoint_id, max(page, 1))


async def _endpoint_action(
    request: Request, ws: Workspace, project_id: str, endpoint_id: str, where: str, action: Any, *args: Any
) -> tuple[Any, Response | None]:
    """Run an action on this endpoint; on an error, the endpoint page with the API's message at ``where``."""
    project = await run_in_threadpool(project_of, ws, project_id)
    check_in_project(await run_in_threadpool(endpoints.show_endpoint, ws, endpoint_id), project, "endpoint")
    try:
        return await run_in_threadpool(action, *args), None
    except Exception as exc:
        problem = await api_problem(request, exc)
        if problem is None:
            raise
        page = await run_in_threadpool(
            _endpoint_page, request, ws, project, endpoint_id, 1, None, problem.status, problem, where
        )
        return None, page


@router.post("/projects/{project_id}/endpoints/{endpoint_id}/settings", dependencies=POST_GUARDS)
async def update_endpoint(
    project_id: str,
    endpoint_id: str,
    request: Request,
    logging: bool = Form(False),
    retentionDays: str = Form(""),
    model: str = Form(""),
    ws: Workspace = Depends(get_workspace),
) -> Response:
    """Turn logging on or off, set the retention, or deploy another model."""

    def apply() -> Any:
        return endpoints.update_endpoint(
            ws, endpoint_id, logging=logging, retention_days=_retention(retentionDays), model_ref=model or None
        )

    _, failed = await _endpoint_action(request, ws, project_id, endpoint_id, "settings", apply)
    if failed:
        return failed
    if model:  # the README's promise: a model given through the studio loads at once too
        warm_deployed_model(request, ws, endpoint_id)
    return redirect(request, f"/projects/{project_id}/endpoints/{endpoint_id}?saved=1")


@router.post("/projects/{project_id}/endpoints/{endpoint_id}/keys/{key_name}", dependencies=POST_GUARDS)
async def regenerate_key(
    project_id: str, endpoint_id: str, key_name: str, request: Request, ws: Workspace = Depends(get_workspace)
) -> Response:
    """Replace key1 or key2 and show the new key this once (the other key keeps working)."""
    keys, failed = await _endpoint_action(
        request, ws, project_id, endpoint_id, "keys", endpoints.regenerate_key, ws, endpoint_id, key_name
    )
    if failed:
        return failed
    project = await run_in_threadpool(project_of, ws, project_id)
    return await run_in_threadpool(_endpoint_page, request, ws, project, endpoint_id, 1, keys)


@router.post("/projects/{project_id}/endpoints/{endpoint_id}/logs/export", dependencies=POST_GUARDS)
async def export_logs(
    project_id: str,
    endpoint_id: str,
    request: Request,
    name: str = Form(""),
    ws: Workspace = Depends(get_workspace),
    queue: JobQueue = Depends(get_queue),
) -> Response:
    """Turn the logs into a dataset of this project (a job imports it): ``audio``, or ``utterances`` for text."""

    def export() -> Any:
        return endpoint_logs.start_logs_export(ws, queue, endpoint_id, project_id, name.strip() or None)

    _, failed = await _endpoint_action(request, ws, project_id, endpoint_id, "export", export)
    return failed or redirect(request, f"/projects/{project_id}/data")


@router.post("/projects/{project_id}/endpoints/{endpoint_id}/logs/delete", dependencies=POST_GUARDS)
async def delete_logs(
    project_id: str, endpoint_id: str, request: Request, ws: Workspace = Depends(get_workspace)
) -> Response:
    """Delete every logged request of the endpoint now."""
    _, failed = await _endpoint_action(
        request, ws, project_id, endpoint_id, "logs", endpoint_logs.delete_logs, ws, endpoint_id
    )
    return failed or redirect(request, f"/projects/{project_id}/endpoints/{endpoint_id}")


@router.post("/projects/{project_id}/endpoints/{endpoint_id}/delete", dependencies=POST_GUARDS)
async def delete_endpoint(
    project_id: str, endpoint_id: str, request: Request, ws: Workspace = Depends(get_workspace)
) -> Response:
    """Delete the endpoint and its logs; its keys stop working at once."""
    _, failed = await _endpoint_action(
        request, ws, project_id, endpoint_id, "danger", endpoints.delete_endpoint, ws, endpoint_id
    )
    return failed or redirect(request, f"/projects/{project_id}/deployment")


@router.get("/endpoints/{endpoint_id}/logs/{log_id}/audio")
def log_audio(endpoint_id: str, log_id: str, ws: Workspace = Depends(get_workspace)) -> Response:
    """The audio of one logged request."""
    name, audio = endpoint_logs.log_file(ws, endpoint_id, log_id)
    return Response(audio, media_type="audio/wav", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/endpoints/{endpoint_id}/logs.zip")
def download_logs(endpoint_id: str, ws: Workspace = Depends(get_workspace)) -> FileResponse:
    """Every logged request as a zip: the WAVs, ``logs.jsonl`` and an Azure ``trans.txt`` to correct."""
    name = endpoints.show_endpoint(ws, endpoint_id)["name"]
    scratch = OwnedFolder(ws.staging_dir, "logs-download.")
    try:
        folder = scratch.path / "logs"
        endpoint_logs.download_logs(ws, endpoint_id, folder)
        archive = scratch.path / "logs.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(folder.iterdir()):
                bundle.write(path, path.name)
    except BaseException:
        scratch.remove()
        raise
    return FileResponse(
        archive, media_type="application/zip", filename=f"{name}-logs.zip", background=BackgroundTask(scratch.remove)
    )
