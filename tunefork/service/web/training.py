"""Studio pages of the Training step: the training form and the models table that refreshes by itself."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from tunefork.errors import NotFoundError, TuneforkError
from tunefork.jobs.queue import JobQueue
from tunefork.kinds import ProjectKind, get_kind
from tunefork.service.deps import get_queue, get_workspace
from tunefork.service.web.common import (
    ACTIVE,
    POST_GUARDS,
    base_models_of,
    project_of,
    studio_router,
    textarea_lines,
    with_jobs,
)
from tunefork.service.web.rendering import Problem, api_problem, base_path, redirect, render, templates
from tunefork.store.models import Status
from tunefork.workflows import datasets, training
from tunefork.workspace import Workspace

router = studio_router()


def test_scores(kind: ProjectKind, test: dict[str, Any]) -> list[float | None]:
    """Each model's headline figure on a stored test result (WER for speech, intent accuracy...)."""
    return kind.family.result_from_json(test).headline().values


def _model_rows(ws: Workspace, project: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """The project's models, newest first, with their job, dataset names and test metrics."""
    kind = get_kind(project["kind"])
    rows = []
    for model in reversed(with_jobs(training.list_models(ws, project["id"]), ws)):
        test = (model.get("metrics") or {}).get("test") or {}
        scores = test_scores(kind, test) if test.get("models") else []
        rows.append({**model, "datasetNames": [names.get(i, i) for i in model["datasets"]], "scores": scores})
    return rows


def _default_form(kind: ProjectKind) -> dict[str, Any]:
    """The training form as first shown: the kind's default base model and each option's default."""
    form: dict[str, Any] = {"baseModel": kind.default_base_model, "datasets": []}
    form.update({option.field: option.default for option in kind.options})
    return form


def _training_page(
    request: Request, ws: Workspace, project: dict[str, Any], status_code: int = 200, **context: Any
) -> Response:
    kind = get_kind(project["kind"])
    all_datasets = datasets.list_datasets(ws, project["id"])
    ready = [d for d in all_datasets if d["status"] == Status.SUCCEEDED]
    names = {d["id"]: d["name"] for d in all_datasets}
    models = _model_rows(ws, project, names)
    context.setdefault("form", _default_form(kind))
    return render(
        request,
        "training.html",
        status_code,
        project=project,
        tab="training",
        models=models,
        base_models=base_models_of(kind),
        trainable=[d for d in ready if d["kind"] in kind.training_kinds],
        testable=[d for d in ready if d["kind"] == kind.test_kind],
        active=any(m["status"] in ACTIVE for m in models),
        title=f"Training · {project['name']}",
        canonical=f"{base_path(request)}/projects/{project['id']}/training",
        **context,
    )


@router.get("/projects/{project_id}/training", response_class=HTMLResponse)
def training_page(project_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> Response:
    """The training form and the project's models with their status."""
    return _training_page(request, ws, project_of(ws, project_id))


def _option_values(kind: ProjectKind, form: FormData) -> dict[str, Any]:
    """The options the form sets (name -> value): empty fields are unset, an unchecked box is ``False``."""
    values: dict[str, Any] = {}
    for option in kind.options:
        raw = form.get(option.field)
        if option.type is bool:
            values[option.name] = raw == "true"
        elif isinstance(raw, str) and raw.strip():
            values[option.name] = raw.strip()
    return values


def _typed(kind: ProjectKind, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Form strings converted to each option's type, and a sentence for each field that is wrong (by field)."""
    typed, wrong = {}, {}
    for name, value in values.items():
        option = kind.option(name)
        try:
            typed[name] = option.check(value, option.label) if option is not None else value
        except TuneforkError as exc:
            wrong[option.field] = str(exc)  # type: ignore[union-attr]
    return typed, wrong


@router.post("/projects/{project_id}/models", dependencies=POST_GUARDS, response_class=HTMLResponse)
async def train_model(
    project_id: str,
    request: Request,
    ws: Workspace = Depends(get_workspace),
    queue: JobQueue = Depends(get_queue),
) -> Response:
    """Start training (202: a job trains it); errors show next to the form."""
    project = await run_in_threadpool(project_of, ws, project_id)
    kind = get_kind(project["kind"])
    posted = await request.form()
    form = {key: posted.get(key, "") for key in ("name", "description", "baseModel", "testDataset", "terms")}
    form["datasets"] = posted.getlist("datasets")
    form.update({option.field: posted.get(option.field, "") for option in kind.options})
    options, wrong = _typed(kind, _option_values(kind, posted))
    if not form["datasets"]:
        wrong["datasets"] = "Choose at least one training dataset."
    if wrong:
        problem = Problem(422, "InvalidPayload", "Some fields need a change: see the messages next to them.")
        return await run_in_threadpool(
            _training_page, request, ws, project, 422, problem=problem, form=form, field_errors=wrong
        )
    try:
        await run_in_threadpool(
            training.start_training, ws, queue, project["id"], str(form["name"]).strip(), str(form["baseModel"]),
            form["datasets"], str(form["testDataset"]) or None, str(form["description"]),
            textarea_lines(str(form["terms"])) or None, False, None, options,
        )  # fmt: skip
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


def card_template(kind: ProjectKind) -> str | None:
    """The studio's partial for the model cards of the kind's family (``_card_<family>.html``), if it has one."""
    name = f"_card_{kind.family.name}.html"
    return name if name in templates.env.list_templates() else None


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
    test = (model.get("metrics") or {}).get("test") or {}
    return render(
        request,
        "model.html",
        status_code,
        project=project,
        tab="training",
        model=row,
        card=card,
        card_json=json.dumps(card, indent=2) if card else "",
        test=test,
        outcome=get_kind(project["kind"]).family.result_from_json(test) if test.get("models") else None,
        card_template=card_template(get_kind(project["kind"])),
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
    """Delete a model (refused while an endpoint serves it or it trains)."""
    project = await run_in_threadpool(project_of, ws, project_id)
    await run_in_threadpool(find_model, ws, project, model_id)
    try:
        await run_in_threadpool(training.delete_model, ws, model_id)
    except Exception as exc:
        problem = await api_problem(request, exc)
        if problem is None:
            raise
        return await run_in_threadpool(_model_page, request, ws, project, model_id, problem.status, problem)
    return redirect(request, f"/projects/{project_id}/training")
