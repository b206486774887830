"""Studio pages of the Evaluation step: compare one or two models on a test set, utterance by utterance."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from fastapi import Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from tunefork.errors import TuneforkError
from tunefork.evaluation.result import EvaluationResult
from tunefork.evaluation.wer_report import ALIGNMENTS_FILE
from tunefork.jobs.queue import JobQueue
from tunefork.kinds import ProjectKind, get_kind
from tunefork.service.deps import get_queue, get_workspace
from tunefork.service.web.common import (
    ACTIVE,
    POST_GUARDS,
    base_models_of,
    check_in_project,
    project_of,
    studio_router,
    textarea_lines,
    with_jobs,
)
from tunefork.service.web.language import language_view
from tunefork.service.web.rendering import api_problem, base_path, redirect, render, templates
from tunefork.store.artifacts import read_jsonl
from tunefork.store.models import Status
from tunefork.workflows import datasets, evaluation, training
from tunefork.workspace import Workspace

router = studio_router()


def _names(ws: Workspace, project: dict[str, Any], evaluations: list[dict[str, Any]]) -> dict[str, str]:
    """Display names of everything an evaluation refers to by id: custom models and datasets; a model deleted since
    keeps the name its evaluations' results recorded."""
    names = _recorded_names(evaluations)
    names.update({m["id"]: m["name"] for m in training.list_models(ws, project["id"])})
    names.update({d["id"]: d["name"] for d in datasets.list_datasets(ws, project["id"])})
    return names


def next_step(result: EvaluationResult, deleted: Collection[str] = ()) -> tuple[str, str, str]:
    """``(tab, title, explanation)``: what to do after this evaluation, honest about the evidence (a winner in
    ``deleted``, the names of models deleted since, cannot be deployed any more)."""
    table = result.table()
    if len(table.models) < 2:
        return "evaluation", "Compare with another model", "Evaluate the base and your model side by side."
    first, second = table.models
    concerns = result.concerns()
    if concerns:
        return (
            "training",
            "Train again",
            f"{second} lost much of what {first} could do: {', '.join(concerns[:4])}. Train with rehearsal on, "
            "or add data for those.",
        )
    verdict = result.verdict() or ""
    winner = result.winner()
    if winner == 1 and second in deleted:
        return "training", "Train it again", f"{verdict} {second} has been deleted since: train it again to deploy it."
    if winner == 1:
        return "deployment", f"Deploy {second}", f"{verdict} Create an endpoint for it."
    if winner == 0:
        return "training", f"Keep {first}", f"{verdict} Check the data of {second} and train again."
    return "data", "Test on more data", f"{verdict} Add test data, or deploy knowing the gain is uncertain."


def _recorded_names(evaluations: list[dict[str, Any]]) -> dict[str, str]:
    """Each model reference of ``evaluations`` (a custom model's id, a base model's name) -> the model's name as the
    evaluation's result recorded it."""
    names: dict[str, str] = {}
    for found in evaluations:
        scored = (found.get("result") or {}).get("models") or []
        for ref, model in zip(found["models"], scored, strict=False):
            if isinstance(model, dict) and model.get("model"):
                names[ref] = str(model["model"])
    return names


def _deleted_models(ws: Workspace, found: dict[str, Any]) -> set[str]:
    """The names, as its result recorded them, of the evaluation's custom models deleted since."""
    existing = {m["id"] for m in training.list_models(ws, found["projectId"])}
    return {name for ref, name in _recorded_names([found]).items() if ref != name and ref not in existing}


def _default_pair(models: list[dict[str, Any]], kind: ProjectKind) -> tuple[str, str]:
    """The comparison users make first: the newest succeeded custom model (B) against its baseline (A).

    The baseline is its base model, or, where base models cannot do the kind's task, the custom model before
    it (the newest model alone when it is the only one).
    """
    done = [m for m in models if m["status"] == Status.SUCCEEDED]
    if not done:
        return kind.default_base_model, ""
    if kind.base_is_baseline:
        return done[-1]["baseModel"], done[-1]["id"]
    return (done[-2]["id"], done[-1]["id"]) if len(done) > 1 else (done[-1]["id"], "")


def _default_test_set(ready: list[dict[str, Any]], evaluations: list[dict[str, Any]]) -> str:
    """The test dataset evaluated on last, else the largest one ready (not merely the newest)."""
    ids = {d["id"] for d in ready}
    used = next((e["dataset"] for e in evaluations if e["dataset"] in ids), None)  # newest evaluation first
    return used or (max(ready, key=lambda d: d["accepted"])["id"] if ready else "")


def _scores(kind: ProjectKind, evaluations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each evaluation with ``outcome``: its result through the kind's result type (headline, verdict)."""
    return [{**e, "outcome": kind.family.result_from_json(e["result"]) if e["result"] else None} for e in evaluations]


def _evaluation_page(
    request: Request, ws: Workspace, project: dict[str, Any], status_code: int = 200, **context: Any
) -> Response:
    kind = get_kind(project["kind"])
    custom = training.list_models(ws, project["id"])
    rows = _scores(kind, list(reversed(with_jobs(evaluation.list_evaluations(ws, project["id"]), ws))))
    model1, model2 = _default_pair(custom, kind)
    all_datasets = datasets.list_datasets(ws, project["id"])
    ready = [d for d in all_datasets if d["kind"] == kind.test_kind and d["status"] == Status.SUCCEEDED]
    context.setdefault("form", {"model1": model1, "model2": model2, "dataset": _default_test_set(ready, rows)})
    return render(
        request,
        "evaluation.html",
        status_code,
        project=project,
        tab="evaluation",
        evaluations=rows,
        names=_names(ws, project, rows),
        base_models=base_models_of(kind),
        custom_models=[m for m in custom if m["status"] == Status.SUCCEEDED],
        test_sets=ready,
        active=any(e["status"] in ACTIVE for e in rows),
        title=f"Evaluation · {project['name']}",
        canonical=f"{base_path(request)}/projects/{project['id']}/evaluation",
        **context,
    )


@router.get("/projects/{project_id}/evaluation", response_class=HTMLResponse)
def evaluation_page(project_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> Response:
    """The comparison form and the project's evaluations."""
    return _evaluation_page(request, ws, project_of(ws, project_id))


@router.post("/projects/{project_id}/evaluations", dependencies=POST_GUARDS, response_class=HTMLResponse)
async def create_evaluation(
    project_id: str,
    request: Request,
    model1: str = Form(""),
    model2: str = Form(""),
    dataset: str = Form(""),
    terms: str = Form(""),
    ws: Workspace = Depends(get_workspace),
    queue: JobQueue = Depends(get_queue),
) -> Response:
    """Start an evaluation (202: a job scores it) and open its page."""
    project = await run_in_threadpool(project_of, ws, project_id)
    form = {"model1": model1, "model2": model2, "dataset": dataset, "terms": terms}
    try:
        if not dataset:
            test_kind = get_kind(project["kind"]).test_kind
            raise TuneforkError(f"Choose a test dataset (a held-out '{test_kind}' dataset).")
        if not model1:
            raise TuneforkError("Choose model A.")
        refs = [model1] + ([model2] if model2 else [])
        created, _ = await run_in_threadpool(
            evaluation.start_evaluation, ws, queue, dataset, refs, project["id"], textarea_lines(terms) or None
        )
    except Exception as exc:
        problem = await api_problem(request, exc)
        if problem is None:
            raise
        return await run_in_threadpool(
            _evaluation_page, request, ws, project, problem.status, problem=problem, form=form
        )
    return redirect(request, f"/projects/{project['id']}/evaluations/{created['id']}")


def utterance_rows(alignments: list[dict[str, Any]], models: list[str]) -> list[dict[str, Any]]:
    """One row per utterance: the reference and each model's alignment ops, counts and WER, in dataset order."""
    rows: dict[str, dict[str, Any]] = {}
    for record in alignments:
        row = rows.setdefault(
            record["id"], {"id": record["id"], "reference": record["reference"], "cells": [None] * len(models)}
        )
        if record["model"] in models:
            row["cells"][models.index(record["model"])] = record
    out = []
    for index, row in enumerate(rows.values()):
        cells = [cell for cell in row["cells"] if cell is not None]
        delta = cells[1]["wer"] - cells[0]["wer"] if len(cells) == 2 else None
        out.append({**row, "cells": cells, "order": index, "delta": delta})
    return out


def result_template(kind: ProjectKind) -> str:
    """The page of the kind's results (``evaluation_<family>.html``), or the generic one that shows the table."""
    name = f"evaluation_{kind.family.name}.html"
    return name if name in templates.env.list_templates() else "evaluation_generic.html"


@router.get("/projects/{project_id}/evaluations/{evaluation_id}", response_class=HTMLResponse)
def evaluation_result_page(
    project_id: str, evaluation_id: str, request: Request, ws: Workspace = Depends(get_workspace)
) -> Response:
    """The result through the kind's result type: headline, verdict and table, and the kind's own details."""
    project = project_of(ws, project_id)
    kind = get_kind(project["kind"])
    found = check_in_project(evaluation.show_evaluation(ws, evaluation_id), project, "evaluation")
    result = found["result"] or {}
    outcome = kind.family.result_from_json(result) if result else None
    files: list[str] = []
    if found["status"] == Status.SUCCEEDED:
        folder = evaluation.evaluation_report_dir(ws, evaluation_id)
        files = sorted(p.name for p in folder.iterdir() if p.is_file())
    rows: list[dict[str, Any]] = []
    if ALIGNMENTS_FILE in files:
        models = [m["model"] for m in result.get("models") or []]
        rows = utterance_rows(read_jsonl(evaluation.evaluation_report_dir(ws, evaluation_id) / ALIGNMENTS_FILE), models)
    return render(
        request,
        result_template(kind),
        project=project,
        tab="evaluation",
        evaluation=with_jobs([found], ws)[0],
        result=result,
        outcome=outcome,
        names=_names(ws, project, [found]),
        active=found["status"] in ACTIVE,
        title=f"Evaluation · {project['name']}",
        files=files,
        rows=rows,
        language_view=language_view,
        verdict=outcome.verdict() if outcome is not None else None,
        next_step=next_step(outcome, _deleted_models(ws, found)) if outcome is not None else ("evaluation", "", ""),
    )


@router.get("/evaluations/{evaluation_id}/files/{name}")
def evaluation_file(evaluation_id: str, name: str, ws: Workspace = Depends(get_workspace)) -> FileResponse:
    """A file of the evaluation report (only the report's own files)."""
    return FileResponse(evaluation.report_file(ws, evaluation_id, name), filename=name)
