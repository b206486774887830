"""Studio pages of the Evaluation step: compare one or two models on a test set, utterance by utterance."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from tunefork.evaluation.report import ALIGNMENTS_FILE, JSON_FILE, MARKDOWN_FILE, PLOT_FILE
from tunefork.jobs.queue import JobQueue
from tunefork.service.deps import get_queue, get_workspace
from tunefork.service.errors import ApiError
from tunefork.service.routers import evaluations as evaluations_api
from tunefork.service.schemas import EvaluationCreate
from tunefork.service.web.common import (
    ACTIVE,
    LANGUAGE_PROJECTS,
    POST_GUARDS,
    TEST_KINDS,
    check_in_project,
    project_of,
    studio_router,
    textarea_lines,
    with_jobs,
)
from tunefork.service.web.language import language_next_step, language_verdict, language_view
from tunefork.service.web.rendering import api_problem, base_path, redirect, render
from tunefork.service.web.training import bases_for, test_scores
from tunefork.store.artifacts import read_jsonl
from tunefork.store.models import Status
from tunefork.workflows import datasets, evaluation, training
from tunefork.workspace import Workspace

router = studio_router()
REPORT_FILES = (MARKDOWN_FILE, JSON_FILE, ALIGNMENTS_FILE, PLOT_FILE)


def _names(ws: Workspace, project: dict[str, Any]) -> dict[str, str]:
    """Display names of everything an evaluation refers to by id: custom models and datasets."""
    names = {m["id"]: m["name"] for m in training.list_models(ws, project["id"])}
    names.update({d["id"]: d["name"] for d in datasets.list_datasets(ws, project["id"])})
    return names


def verdict(result: dict[str, Any]) -> str | None:
    """The difference in plain words, from the result JSON: which model is better, or not significant."""
    difference, models = result.get("difference"), result.get("models") or []
    if not difference or len(models) != 2:
        return None
    if not difference["significant"]:
        return "The difference is not significant."
    better = models[1]["model"] if difference["wer_delta"] < 0 else models[0]["model"]
    return f"{better} is better by {abs(difference['wer_delta']) * 100:.2f} points (significant)."


def any_verdict(result: dict[str, Any]) -> str | None:
    """:func:`verdict` of a speech result, or the plain-words comparison of a language result."""
    return language_verdict(result) if result.get("type") == "language" else verdict(result)


def result_next_step(result: dict[str, Any], utterances: int) -> tuple[str, str, str]:
    """``(tab, title, explanation)``: what to do after this evaluation, honest about significance."""
    models, difference = result.get("models") or [], result.get("difference")
    if len(models) < 2 or not difference:
        return "evaluation", "Compare with another model", "Add a second model to see the difference and its interval."
    first, second = models[0]["model"], models[1]["model"]
    if not difference["significant"]:
        return (
            "data",
            "Test on more data",
            f"The difference is not significant on {utterances} utterances: add test audio, "
            "or deploy knowing the gain is uncertain.",
        )
    if difference["wer_delta"] < 0:
        return "deployment", f"Deploy {second}", "It has a significantly lower WER: create an endpoint for it."
    return "training", f"Keep {first}", f"{second} is significantly worse here: check its data and train again."


def _default_pair(models: list[dict[str, Any]], project_kind: str = "speech") -> tuple[str, str]:
    """Baseline and latest succeeded custom model: the comparison users make first."""
    done = [m for m in models if m["status"] == Status.SUCCEEDED]
    if done:
        return done[-1]["baseModel"], done[-1]["id"]
    return ("en-core-web-sm" if project_kind in LANGUAGE_PROJECTS else "whisper-tiny.en"), ""


def _evaluation_page(
    request: Request, ws: Workspace, project: dict[str, Any], status_code: int = 200, **context: Any
) -> Response:
    kind = project["kind"]
    supported = kind in TEST_KINDS
    custom = training.list_models(ws, project["id"]) if supported else []
    names = _names(ws, project) if supported else {}
    rows = list(reversed(with_jobs(evaluation.list_evaluations(ws, project["id"]), ws))) if supported else []
    model1, model2 = _default_pair(custom, kind)
    all_datasets = datasets.list_datasets(ws, project["id"]) if supported else []
    ready = [d for d in all_datasets if d["kind"] == TEST_KINDS.get(kind) and d["status"] == Status.SUCCEEDED]
    context.setdefault("form", {"model1": model1, "model2": model2, "dataset": ready[-1]["id"] if ready else ""})
    return render(
        request,
        "evaluation.html",
        status_code,
        project=project,
        tab="evaluation",
        speech=kind == "speech",
        supported=supported,
        evaluations=rows,
        names=names,
        base_models=bases_for(kind),
        custom_models=[m for m in custom if m["status"] == Status.SUCCEEDED],
        test_sets=ready,
        test_kind=TEST_KINDS.get(kind, "acoustic"),
        active=any(e["status"] in ACTIVE for e in rows),
        verdict=any_verdict,
        test_scores=test_scores,
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
    """Start an evaluation through the REST handler (202: a job scores it) and open its page."""
    project = await run_in_threadpool(project_of, ws, project_id)
    form = {"model1": model1, "model2": model2, "dataset": dataset, "terms": terms}
    try:
        if not dataset:
            test_kind = TEST_KINDS.get(project["kind"], "acoustic")
            raise ApiError(422, "InvalidPayload", f"Choose a test dataset (an {test_kind} dataset).")
        body = EvaluationCreate(
            project=project["id"],
            model1=model1,
            model2=model2 or None,
            dataset=dataset,
            terms=textarea_lines(terms) or None,
        )
        created = await run_in_threadpool(evaluations_api.create_evaluation, body, request, Response(), ws, queue)
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


@router.get("/projects/{project_id}/evaluations/{evaluation_id}", response_class=HTMLResponse)
def evaluation_result_page(
    project_id: str, evaluation_id: str, request: Request, ws: Workspace = Depends(get_workspace)
) -> Response:
    """Side-by-side metrics, the confidence interval of the difference, and the per-utterance table."""
    project = project_of(ws, project_id)
    found = check_in_project(evaluation.show_evaluation(ws, evaluation_id), project, "evaluation")
    result = found["result"] or {}
    common = {
        "project": project,
        "tab": "evaluation",
        "evaluation": with_jobs([found], ws)[0],
        "result": result,
        "names": _names(ws, project),
        "active": found["status"] in ACTIVE,
        "title": f"Evaluation · {project['name']}",
    }
    if result.get("type") == "language" or (project["kind"] in LANGUAGE_PROJECTS and not result):
        files: list[str] = []
        if found["status"] == Status.SUCCEEDED:
            folder = evaluation.evaluation_report_dir(ws, evaluation_id)
            files = sorted(p.name for p in folder.iterdir() if p.is_file())
        view = language_view(result, files) if result else None
        return render(
            request,
            "evaluation_language.html",
            view=view,
            files=files,
            verdict=language_verdict(result) if result else None,
            next_step=language_next_step(result) if result else ("evaluation", "", ""),
            **common,
        )
    rows: list[dict[str, Any]] = []
    if found["status"] == Status.SUCCEEDED:
        folder = evaluation.evaluation_report_dir(ws, evaluation_id)
        models = [m["model"] for m in result.get("models") or []]
        rows = utterance_rows(read_jsonl(folder / ALIGNMENTS_FILE), models)
    return render(
        request,
        "evaluation_result.html",
        rows=rows,
        verdict=verdict(result),
        files=REPORT_FILES,
        next_step=result_next_step(result, len(rows)),
        **common,
    )


@router.get("/evaluations/{evaluation_id}/files/{name}")
def evaluation_file(evaluation_id: str, name: str, ws: Workspace = Depends(get_workspace)) -> FileResponse:
    """A file of the evaluation report (the REST handler: only the report's own files)."""
    return evaluations_api.get_evaluation_file(evaluation_id, name, ws)
