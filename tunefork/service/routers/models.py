"""``/models``: base models, training (202, run by a job), list, show, card, delete (409 when deployed)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response

from tunefork.jobs.queue import JobQueue
from tunefork.service.auth import require_admin
from tunefork.service.deps import ERRORS, Paging, get_queue, get_workspace, paging
from tunefork.service.present import present, present_all
from tunefork.service.schemas import BaseModelInfo, Model, ModelCreate, Page, given_options
from tunefork.store.repository import get_model as find_model
from tunefork.workflows import jobs, training
from tunefork.workflows.models import base_model_list, model_to_dict
from tunefork.workflows.projects import kind_of
from tunefork.workspace import Workspace

router = APIRouter(prefix="/models", tags=["models"], dependencies=[Depends(require_admin)], responses=ERRORS)


@router.get("/base", response_model=Page[BaseModelInfo])
def list_base_models() -> dict:
    """The baseline models to evaluate, deploy or customize."""
    return {"values": base_model_list()}


@router.post("", status_code=202, response_model=Model)
def train_model(
    body: ModelCreate,
    request: Request,
    response: Response,
    ws: Workspace = Depends(get_workspace),
    queue: JobQueue = Depends(get_queue),
) -> dict:
    """Train a custom model from a base model and datasets: 202 NotStarted, then a job trains it."""
    base = body.baseModel or kind_of(ws, body.project).default_base_model  # as the CLI (a 422 "Field required")
    model, job = training.start_training(
        ws, queue, body.project, body.name, base, body.datasets, body.testDataset, body.description,
        body.terms, body.gate, body.guardMargin, given_options(body.parameters), body.guardCheck,
    )  # fmt: skip
    out = present(request, "models", model, job)
    response.headers["Location"] = out["self"]
    return out


def _show(ws: Workspace, ref: str) -> dict:
    with ws.session() as session:
        return model_to_dict(find_model(session, ref))


@router.get("", response_model=Page[Model])
def list_models(
    request: Request,
    project: str | None = Query(None, min_length=1, max_length=200, description="Project name or id (default: all)."),
    page: Paging = Depends(paging),
    ws: Workspace = Depends(get_workspace),
) -> dict:
    """Custom models (of one project with ?project=), oldest first."""
    return present_all(request, "models", training.list_models(ws, project), page.skip, page.top)


@router.get("/{model_id}", response_model=Model)
def get_model(model_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> dict:
    """One custom model: status, progress, error, metrics against its base."""
    model = _show(ws, model_id)
    return present(request, "models", model, jobs.latest_job_for(ws, model["id"]))


@router.get("/{model_id}/card")
def get_model_card(model_id: str, ws: Workspace = Depends(get_workspace)) -> dict:
    """The model.json card of a trained model."""
    return training.model_card(ws, model_id)


@router.delete("/{model_id}", status_code=204)
def delete_model(model_id: str, ws: Workspace = Depends(get_workspace)) -> Response:
    """Delete a custom model: 409 while an endpoint serves it or while it trains."""
    training.delete_model(ws, model_id)
    return Response(status_code=204)
