"""Studio pages of the Deployment step: endpoints, keys shown once, sample code, logging, logs and their export."""

from __future__ import annotations

import json
import zipfile
from typing import Any

from fastapi import Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from tunefork.jobs.queue import JobQueue
from tunefork.service.deps import get_queue, get_workspace
from tunefork.service.routers import endpoints as endpoints_api
from tunefork.service.schemas import EndpointCreate, EndpointUpdate, LogExport
from tunefork.service.web.common import LANGUAGE_PROJECTS, POST_GUARDS, check_in_project, project_of, studio_router
from tunefork.service.web.rendering import Problem, api_problem, base_path, redirect, render
from tunefork.service.web.training import bases_for
from tunefork.store.models import Status
from tunefork.store.staging import OwnedFolder
from tunefork.workflows import endpoints, training
from tunefork.workflows.endpoints import MODEL_KIND_BY_PROJECT
from tunefork.workspace import Workspace

router = studio_router()
LOGS_PAGE = 25
KEY_PLACEHOLDER = "YOUR_ENDPOINT_KEY"
SAMPLE_TEXTS = {"language": "can you refill my prescription", "entities": "Sarah Smith bought a new phone in Paris."}


def sample_code(recognize_url: str, key: str | None) -> dict[str, str]:
    """How to call an endpoint: a curl command and a Python snippet (with the key when it is known)."""
    key = key or KEY_PLACEHOLDER
    curl = (
        f'curl -X POST "{recognize_url}" \\\n'
        f'  -H "X-Tunefork-Key: {key}" \\\n'
        '  -H "Content-Type: audio/wav" \\\n'
        "  --data-binary @utterance.wav"
    )
    python = (
        "import httpx\n\n"
        f'URL = "{recognize_url}"\n'
        f'KEY = "{key}"\n\n'
        'with open("utterance.wav", "rb") as audio:\n'
        "    response = httpx.post(\n"
        "        URL, content=audio.read(), timeout=60,\n"
        '        headers={"X-Tunefork-Key": KEY, "Content-Type": "audio/wav"},\n'
        "    )\n"
        "response.raise_for_status()\n"
        'print(response.json()["displayText"])'
    )
    return {"curl": curl, "python": python}


def parse_sample_code(parse_url: str, key: str | None, text: str = SAMPLE_TEXTS["language"]) -> dict[str, str]:
    """How to call a language endpoint: a curl command and a Python snippet for ``/parse``."""
    key = key or KEY_PLACEHOLDER
    body = json.dumps({"text": text})
    curl = (
        f'curl -X POST "{parse_url}" \\\n'
        f'  -H "X-Tunefork-Key: {key}" \\\n'
        '  -H "Content-Type: application/json" \\\n'
        f"  -d '{body}'"
    )
    python = (
        "import httpx\n\n"
        f'URL = "{parse_url}"\n'
        f'KEY = "{key}"\n\n'
        "response = httpx.post(\n"
        f"    URL, json={body}, timeout=30,\n"
        '    headers={"X-Tunefork-Key": KEY},\n'
        ")\n"
        "response.raise_for_status()\n"
        "parsed = response.json()\n"
        'print(parsed["intent"], parsed["confidence"], parsed["out_of_scope"])\n'
        'for entity in parsed["entities"]:\n'
        '    print(entity["label"], entity["text"], entity["value"])'
    )
    return {"curl": curl, "python": python}


def parse_url_of(endpoint: dict[str, Any]) -> str:
    """The ``/parse`` URL of a language endpoint."""
    return endpoint["links"]["parse"]


def _deployable(ws: Workspace, project: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The base models of the project's kind and its succeeded custom models (newest first)."""
    custom = [m for m in training.list_models(ws, project["id"]) if m["status"] == Status.SUCCEEDED]
    return bases_for(project["kind"]), list(reversed(custom))


def _deployment_page(
    request: Request, ws: Workspace, project: dict[str, Any], status_code: int = 200, **context: Any
) -> Response:
    supported = project["kind"] in MODEL_KIND_BY_PROJECT
    language = project["kind"] in LANGUAGE_PROJECTS
    listed = endpoints.list_endpoints(ws, project["id"]) if supported else []
    rows = [endpoints.show_endpoint(ws, e["id"]) for e in listed]
    bases, custom = _deployable(ws, project) if supported else ([], [])
    fallback = "en-core-web-sm" if language else "whisper-tiny.en"
    context.setdefault("form", {"model": custom[0]["id"] if custom else fallback, "logging": True, "retentionDays": 30})
    return render(
        request,
        "deployment.html",
        status_code,
        project=project,
        tab="deployment",
        speech=project["kind"] == "speech",
        supported=supported,
        language=language,
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
    """Deploy through the REST handler and show the new endpoint with its keys, this once."""
    project = await run_in_threadpool(project_of, ws, project_id)
    form = {
        "name": name,
        "model": model,
        "description": description,
        "logging": logging,
        "retentionDays": retentionDays,
    }
    try:
        body = EndpointCreate(
            project=project["id"],
            name=name.strip(),
            model=model,
            description=description,
            logging=logging,
            retentionDays=retentionDays.strip() or 30,
        )
        created = await run_in_threadpool(endpoints_api.create_endpoint, body, request, Response(), ws)
    except Exception as exc:
        problem = await api_problem(request, exc)
        if problem is None:
            raise
        return await run_in_threadpool(
            _deployment_page, request, ws, project, problem.status, problem=problem, form=form
        )
    return await run_in_threadpool(_endpoint_page, request, ws, project, created["id"], 1, created["keys"])


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
    endpoint = check_in_project(endpoints_api.get_endpoint(endpoint_id, request, ws), project, "endpoint")
    logs = endpoints.list_logs(ws, endpoint["id"], skip=(page - 1) * LOGS_PAGE, top=LOGS_PAGE)
    total = endpoint.get("loggedRequests", 0)
    bases, custom = _deployable(ws, project)
    key = next(iter((new_keys or {}).values()), None)
    language = project["kind"] in LANGUAGE_PROJECTS
    call_url = parse_url_of(endpoint) if language else endpoint["links"]["recognize"]
    if language:
        samples = parse_sample_code(call_url, key, SAMPLE_TEXTS[project["kind"]])
    else:
        samples = sample_code(call_url, key)
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
        samples=samples,
        call_url=call_url,
        language=language,
        base_models=bases,
        custom_models=custom,
        canonical=f"{base_path(request)}/projects/{project['id']}/endpoints/{endpoint['id']}",
        problem=problem,
        problem_at=problem_at,
        title=f"{endpoint['name']} · Deployment",
    )


@router.get("/projects/{project_id}/endpoints/{endpoint_id}", response_class=HTMLResponse)
def endpoint_page(
    project_id: str, endpoint_id: str, request: Request, page: int = 1, ws: Workspace = Depends(get_workspace)
) -> Response:
    """One endpoint: URL and sample code, settings, keys, logged requests, export."""
    return _endpoint_page(request, ws, project_of(ws, project_id), endpoint_id, max(page, 1))


async def _endpoint_action(
    request: Request, ws: Workspace, project_id: str, endpoint_id: str, where: str, action: Any, *args: Any
) -> tuple[Any, Response | None]:
    """Run a REST handler for this endpoint; on an API error, the endpoint page with the message at ``where``."""
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
    """Turn logging on or off, set the retention, or deploy another model (the REST PATCH handler)."""

    def apply() -> Any:
        body = EndpointUpdate(logging=logging, retentionDays=retentionDays.strip() or None, model=model or None)
        return endpoints_api.update_endpoint(endpoint_id, body, request, ws)

    _, failed = await _endpoint_action(request, ws, project_id, endpoint_id, "settings", apply)
    return failed or redirect(request, f"/projects/{project_id}/endpoints/{endpoint_id}")


@router.post("/projects/{project_id}/endpoints/{endpoint_id}/keys/{key_name}", dependencies=POST_GUARDS)
async def regenerate_key(
    project_id: str, endpoint_id: str, key_name: str, request: Request, ws: Workspace = Depends(get_workspace)
) -> Response:
    """Replace key1 or key2 and show the new key this once (the other key keeps working)."""
    keys, failed = await _endpoint_action(
        request, ws, project_id, endpoint_id, "keys", endpoints_api.regenerate_key, endpoint_id, key_name, ws
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
        body = LogExport(project=project_id, name=name.strip() or None)
        return endpoints_api.export_logs(endpoint_id, body, request, Response(), ws, queue)

    _, failed = await _endpoint_action(request, ws, project_id, endpoint_id, "export", export)
    return failed or redirect(request, f"/projects/{project_id}/data")


@router.post("/projects/{project_id}/endpoints/{endpoint_id}/logs/delete", dependencies=POST_GUARDS)
async def delete_logs(
    project_id: str, endpoint_id: str, request: Request, ws: Workspace = Depends(get_workspace)
) -> Response:
    """Delete every logged request of the endpoint now."""
    _, failed = await _endpoint_action(
        request, ws, project_id, endpoint_id, "logs", endpoints_api.delete_logs, endpoint_id, ws
    )
    return failed or redirect(request, f"/projects/{project_id}/endpoints/{endpoint_id}")


@router.post("/projects/{project_id}/endpoints/{endpoint_id}/delete", dependencies=POST_GUARDS)
async def delete_endpoint(
    project_id: str, endpoint_id: str, request: Request, ws: Workspace = Depends(get_workspace)
) -> Response:
    """Delete the endpoint and its logs; its keys stop working at once."""
    _, failed = await _endpoint_action(
        request, ws, project_id, endpoint_id, "danger", endpoints_api.delete_endpoint, endpoint_id, ws
    )
    return failed or redirect(request, f"/projects/{project_id}/deployment")


@router.get("/endpoints/{endpoint_id}/logs/{log_id}/audio")
def log_audio(endpoint_id: str, log_id: str, ws: Workspace = Depends(get_workspace)) -> FileResponse:
    """The audio of one logged request (the REST handler)."""
    return endpoints_api.get_log_audio(endpoint_id, log_id, ws)


@router.get("/endpoints/{endpoint_id}/logs.zip")
def download_logs(endpoint_id: str, ws: Workspace = Depends(get_workspace)) -> FileResponse:
    """Every logged request as a zip: the WAVs, ``logs.jsonl`` and an Azure ``trans.txt`` to correct."""
    name = endpoints.show_endpoint(ws, endpoint_id)["name"]
    scratch = OwnedFolder(ws.staging_dir, "logs-download.")
    try:
        folder = scratch.path / "logs"
        endpoints.download_logs(ws, endpoint_id, folder)
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
