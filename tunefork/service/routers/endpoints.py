"""``/endpoints``: deploy a model with two keys, update, rotate keys, request logs and their export."""

from __future__ import annotations

import mimetypes
from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from tunefork.jobs.queue import JobQueue
from tunefork.kinds.speech import RECOGNIZE
from tunefork.service.auth import require_admin
from tunefork.service.deps import ERRORS, Paging, get_queue, get_workspace, paging, warm_deployed_model
from tunefork.service.present import page, present, url
from tunefork.service.schemas import (
    Dataset,
    Deleted,
    Endpoint,
    EndpointCreate,
    EndpointCreated,
    EndpointLog,
    EndpointUpdate,
    LogExport,
    Page,
    RegeneratedKey,
)
from tunefork.store.models import utcnow
from tunefork.workflows import endpoint_logs, endpoints
from tunefork.workspace import Workspace

router = APIRouter(prefix="/endpoints", tags=["endpoints"], dependencies=[Depends(require_admin)], responses=ERRORS)


def present_endpoint(request: Request, endpoint: dict) -> dict:
    """An endpoint with its operation's URL (``recognize`` for speech, ``parse`` for language, ``understand`` for
    a voice endpoint, which answers ``recognize`` too) and its logs URL."""
    out = present(request, "endpoints", endpoint)
    answered = [endpoint["operation"], *([RECOGNIZE.name] if endpoint.get("languageModel") else [])]
    links = out.setdefault("links", {})
    links.update({action: url(request, "endpoints", endpoint["id"], action) for action in answered})
    links["logs"] = url(request, "endpoints", endpoint["id"], "logs")
    return out


def present_log(request: Request, log: dict) -> dict:
    """A logged request with a link to its kept file (``audio`` too for a WAV); none for a text request (its
    ``audio`` link answered 404)."""
    out = present(request, "endpoints", log)
    out["self"] = url(request, "endpoints", log["endpoint"], "logs", log["id"])
    kept = log.get("file") or ""
    out["links"] = {"file": out["self"] + "/file"} if kept else {}
    if kept.lower().endswith(".wav"):
        out["links"]["audio"] = out["self"] + "/audio"
    return out


@router.post("", status_code=201, response_model=EndpointCreated)
def create_endpoint(
    body: EndpointCreate, request: Request, response: Response, ws: Workspace = Depends(get_workspace)
) -> dict:
    """Deploy a base or Succeeded custom model; ``keys`` are shown in this answer only."""
    created = endpoints.create_endpoint(
        ws, body.project, body.name, body.model, body.description, body.logging, body.retentionDays,
        language_model_ref=body.languageModel,
    )  # fmt: skip
    warm_deployed_model(request, ws, created["id"])
    out = present_endpoint(request, created)
    response.headers["Location"] = out["self"]
    return out


@router.get("", response_model=Page[Endpoint])
def list_endpoints(
    request: Request,
    project: str | None = Query(None, min_length=1, max_length=200),
    paged: Paging = Depends(paging),
    ws: Workspace = Depends(get_workspace),
) -> dict:
    """Endpoints, oldest first."""
    rows = endpoints.list_endpoints(ws, project)
    shown = [present_endpoint(request, row) for row in rows[paged.skip : paged.skip + paged.top]]
    return page(request, shown, paged.skip, paged.top, len(rows))


@router.get("/{endpoint_id}", response_model=Endpoint)
def get_endpoint(endpoint_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> dict:
    """One endpoint (never its keys)."""
    return present_endpoint(request, endpoints.show_endpoint(ws, endpoint_id))


@router.patch("/{endpoint_id}", response_model=Endpoint)
def update_endpoint(
    endpoint_id: str, body: EndpointUpdate, request: Request, ws: Workspace = Depends(get_workspace)
) -> dict:
    """Turn logging on or off, change retention or description, or deploy another model."""
    updated = endpoints.update_endpoint(
        ws, endpoint_id, logging=body.logging, retention_days=body.retentionDays,
        description=body.description, model_ref=body.model, language_model_ref=body.languageModel,
    )  # fmt: skip
    if body.model or body.languageModel:
        warm_deployed_model(request, ws, updated["id"])
    return present_endpoint(request, updated)


@router.delete("/{endpoint_id}", status_code=204)
def delete_endpoint(endpoint_id: str, ws: Workspace = Depends(get_workspace)) -> Response:
    """Delete an endpoint and its logs."""
    endpoints.delete_endpoint(ws, endpoint_id)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/keys/{key_name}/regenerate", response_model=RegeneratedKey, response_model_exclude_none=True
)
def regenerate_key(endpoint_id: str, key_name: Literal["key1", "key2"], ws: Workspace = Depends(get_workspace)) -> dict:
    """Replace one key (the other keeps working); the new key is shown in this answer only."""
    return endpoints.regenerate_key(ws, endpoint_id, key_name)


@router.get("/{endpoint_id}/logs", response_model=Page[EndpointLog])
def list_logs(
    endpoint_id: str, request: Request, paged: Paging = Depends(paging), ws: Workspace = Depends(get_workspace)
) -> dict:
    """Logged requests, newest first."""
    logs = endpoint_logs.list_logs(ws, endpoint_id, skip=paged.skip, top=paged.top)
    total = endpoint_logs.count_logs(ws, endpoint_id)
    return page(request, [present_log(request, log) for log in logs], paged.skip, paged.top, total)


@router.delete("/{endpoint_id}/logs", response_model=Deleted)
def delete_logs(
    endpoint_id: str,
    older_than_days: int | None = Query(
        None, alias="olderThanDays", ge=0, le=36500, description="Only logs older than this many days."
    ),
    ws: Workspace = Depends(get_workspace),
) -> dict:
    """Delete the endpoint's logged requests now: every one, or those older than ``olderThanDays``."""
    cutoff = utcnow() - timedelta(days=older_than_days) if older_than_days is not None else None
    return {"deleted": endpoint_logs.delete_logs(ws, endpoint_id, cutoff)}


@router.get("/{endpoint_id}/logs/{log_id}", response_model=EndpointLog)
def get_log(endpoint_id: str, log_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> dict:
    """One logged request and its result."""
    return present_log(request, endpoint_logs.show_log(ws, endpoint_id, log_id))


@router.get("/{endpoint_id}/logs/{log_id}/file", response_class=Response)
@router.get("/{endpoint_id}/logs/{log_id}/audio", response_class=Response)
def get_log_file(endpoint_id: str, log_id: str, ws: Workspace = Depends(get_workspace)) -> Response:
    """The logged request's kept input: its audio (16 kHz mono WAV) or image, typed by its name."""
    name, data = endpoint_logs.log_file(ws, endpoint_id, log_id)
    media = (
        "audio/wav" if name.lower().endswith(".wav") else mimetypes.guess_type(name)[0] or "application/octet-stream"
    )
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/{endpoint_id}/logs/export", status_code=202, response_model=Dataset)
def export_logs(
    endpoint_id: str,
    body: LogExport,
    request: Request,
    response: Response,
    ws: Workspace = Depends(get_workspace),
    queue: JobQueue = Depends(get_queue),
) -> dict:
    """Turn the logs into a new dataset of the project kind's export kind (202 NotStarted, imported by a job)."""
    dataset, job = endpoint_logs.start_logs_export(ws, queue, endpoint_id, body.project, body.name)
    out = present(request, "datasets", dataset, job)
    response.headers["Location"] = out["self"]
    return out
