"""Studio pages of the Training step: the training form and the models table that refreshes by itself."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from tunefork.errors import NotFoundError, TuneforkError
from tunefork.jobs.queue import JobQueue
from tunefork.language.options import INTENT_CLASSIFIERS
from tunefork.language.registry import is_language_engine
from tunefork.service.deps import get_queue, get_workspace
from tunefork.service.routers import models as models_api
from tunefork.service.schemas import ModelCreate
from tunefork.service.web.common import (
    ACTIVE,
    LANGUAGE_PROJECTS,
    POST_GUARDS,
    TEST_KINDS,
    project_of,
    studio_router,
    textarea_lines,
    with_jobs,
)
from tunefork.service.web.language import headline
from tunefork.service.web.rendering import Problem, api_problem, base_path, redirect, render
from tunefork.store.models import Status
from tunefork.workflows import datasets, training
from tunefork.workflows.models import base_models
from tunefork.workflows.training import TRAINABLE_KINDS
from tunefork.workspace import Workspace

router = studio_router()


def _model_rows(ws: Workspace, project: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """The project's models, newest first, with their job, dataset names and test metrics."""
    rows = []
    for model in reversed(with_jobs(training.list_models(ws, project["id"]), ws)):
        test = (model.get("metrics") or {}).get("test") or {}
        rows.append({**model, "datasetNames": [names.get(i, i) for i in model["datasets"]], "test": test})
    return rows


def bases_for(project_kind: str) -> list[dict[str, Any]]:
    """The base models a project of this kind trains from: language bases for language projects, else speech."""
    language = project_kind in LANGUAGE_PROJECTS
    return [b for b in base_models() if is_language_engine(b["engine"]) == language]


def test_scores(test: dict[str, Any]) -> list[float | None]:
    """Each model's headline figure on a test result: WER for speech, else :func:`language.headline`'s."""
    if test.get("type") == "language":
        return headline(test)[1]
    return [s.get("wer") for s in test.get("models") or []]


def _default_form(project_kind: str) -> dict[str, Any]:
    if project_kind in LANGUAGE_PROJECTS:
        return {
            "baseModel": "en-core-web-sm",
            "datasets": [],
            "intentClassifier": "auto",
            "rehearsal": project_kind == "entities",
            "oosThreshold": "",
        }
    return {"baseModel": "whisper-tiny.en", "datasets": [], "customWeight": 30}


def _training_page(
    request: Request, ws: Workspace, project: dict[str, Any], status_code: int = 200, **context: Any
) -> Response:
    kind = project["kind"]
    supported = kind in TRAINABLE_KINDS
    all_datasets = datasets.list_datasets(ws, project["id"]) if supported else []
    ready = [d for d in all_datasets if d["status"] == Status.SUCCEEDED]
    names = {d["id"]: d["name"] for d in all_datasets}
    models = _model_rows(ws, project, names) if supported else []
    context.setdefault("form", _default_form(kind))
    return render(
        request,
        "training.html",
        status_code,
        project=project,
        tab="training",
        speech=kind == "speech",
        supported=supported,
        language=kind in LANGUAGE_PROJECTS,
        models=models,
        base_models=bases_for(kind),
        trainable=[d for d in ready if d["kind"] in TRAINABLE_KINDS.get(kind, ())],
        testable=[d for d in ready if d["kind"] == TEST_KINDS.get(kind)],
        intent_classifiers=INTENT_CLASSIFIERS,
        test_scores=test_scores,
        active=any(m["status"] in ACTIVE for m in models),
        title=f"Training · {project['name']}",
        canonical=f"{base_path(request)}/projects/{project['id']}/training",
        **context,
    )


@router.get("/projects/{project_id}/training", response_class=HTMLResponse)
def training_page(project_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> Response:
    """The training form and the project's models with their status."""
    return _training_page(request, ws, project_of(ws, project_id))


@router.post("/projects/{project_id}/models", dependencies=POST_GUARDS, response_class=HTMLResponse)
async def train_model(
    project_id: str,
    request: Request,
    name: str = Form(""),
    description: str = Form(""),
    baseModel: str = Form(""),
    datasets: list[str] = Form([]),
    testDataset: str = Form(""),
    epochs: str = Form(""),
    customWeight: str = Form("30"),
    terms: str = Form(""),
    intentClassifier: str = Form("auto"),
    rehearsal: bool = Form(False),
    oosThreshold: str = Form(""),
    ws: Workspace = Depends(get_workspace),
    queue: JobQueue = Depends(get_queue),
) -> Response:
    """Start training through the REST handler (202: a job trains it); errors show next to the form."""
    project = await run_in_threadpool(project_of, ws, project_id)
    language = project["kind"] in LANGUAGE_PROJECTS
    form = {
        "name": name,
        "description": description,
        "baseModel": baseModel,
        "datasets": datasets,
        "testDataset": testDataset,
        "epochs": epochs,
        "customWeight": customWeight,
        "terms": terms,
        "intentClassifier": intentClassifier,
        "rehearsal": rehearsal,
        "oosThreshold": oosThreshold,
    }
    parameters: dict[str, Any] = {"epochs": epochs.strip() or None}
    if language:  # the language knobs; the box is unchecked (False) when rehearsal is off
        parameters.update(
            intentClassifier=intentClassifier, rehearsal=rehearsal, oosThreshold=oosThreshold.strip() or None
        )
    else:
        parameters["customWeight"] = customWeight.strip() or 30
    try:
        body = ModelCreate(
            project=project["id"],
            name=name.strip(),
            description=description,
            baseModel=baseModel,
            datasets=datasets,
            testDataset=testDataset or None,
            terms=None if language else textarea_lines(terms) or None,
            parameters=parameters,
        )
        await run_in_threadpool(models_api.train_model, body, request, Response(), ws, queue)
    except Exception as exc:
        problem = await api_problem(request, exc)
        if problem is None:
            raise
        return await run_in_threadpool(_training_page, request, ws, project, problem.status, problem=problem, form=form)
    return redirect(request, f"/projects/{project['id']}/training")


def find_model(ws: Workspace, project: dict[str, Any], model_id: str) -> dict[str, Any]:
    """The project's custom model with this id (404 page when it is not one of the project's)."""
    found = next((m for m in training.list_models(ws, project["id"]) if m["id"] == model_id), None)
    if found is None:
        raise NotFoundError(f"No model '{model_id}' in project '{project['name']}'.")
    return found


def _model_page(
    request: Request,
    ws: Workspace,
    project: dict[str, Any],
    model_id: str,
    status_code: int = 200,
    problem: Problem | None = None,
) -> Response:
    model = find_model(ws, project, model_id)
    names = {d["id"]: d["name"] for d in datasets.list_datasets(ws, project["id"])}
    try:
        card = training.model_card(ws, model["id"])
    except TuneforkError:
        card = None
    row = {**with_jobs([model], ws)[0], "datasetNames": [names.get(i, i) for i in model["datasets"]]}
    return render(
        request,
        "model.html",
        status_code,
        project=project,
        tab="training",
        model=row,
        card=card,
        card_json=json.dumps(card, indent=2) if card else "",
        test=(model.get("metrics") or {}).get("test") or {},
        language=project["kind"] in LANGUAGE_PROJECTS,
        active=model["status"] in ACTIVE,
        problem=problem,
        title=f"{model['name']} · Training",
        canonical=f"{base_path(request)}/projects/{project['id']}/models/{model['id']}",
    )


@router.get("/projects/{project_id}/models/{model_id}", response_class=HTMLResponse)
def model_page(project_id: str, model_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> Response:
    """One model: status, the reason it failed, datasets, metrics against its base, the model card."""
    return _model_page(request, ws, project_of(ws, project_id), model_id)


@router.post("/projects/{project_id}/models/{model_id}/delete", dependencies=POST_GUARDS)
async def delete_model(
    project_id: str, model_id: str, request: Request, ws: Workspace = Depends(get_workspace)
) -> Response:
    """Delete a model through the REST handler (refused while an endpoint serves it or it trains)."""
    project = await run_in_threadpool(project_of, ws, project_id)
    await run_in_threadpool(find_model, ws, project, model_id)
    try:
        await run_in_threadpool(models_api.delete_model, model_id, ws)
    except Exception as exc:
        problem = await api_problem(request, exc)
        if problem is None:
            raise
        return await run_in_threadpool(_model_page, request, ws, project, model_id, problem.status, problem)
    return redirect(request, f"/projects/{project_id}/training")
