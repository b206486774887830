"""Pieces shared by the studio's page modules: the router factory, the project of a page, next steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends

from tunefork.errors import NotFoundError
from tunefork.kinds import ProjectKind, get_kind
from tunefork.service.web.rendering import StudioRoute
from tunefork.service.web.session import require_csrf, require_session
from tunefork.store.models import Status
from tunefork.workflows import datasets, endpoints, evaluation, jobs, projects, training
from tunefork.workspace import Workspace

ACTIVE = (Status.NOT_STARTED, Status.RUNNING)
POST_GUARDS = [Depends(require_csrf)]
"""Dependencies of every POST route (after the router's sign-in check)."""


def studio_router() -> APIRouter:
    """A router whose pages need a signed-in browser and render errors as HTML."""
    return APIRouter(route_class=StudioRoute, include_in_schema=False, dependencies=[Depends(require_session)])


def textarea_lines(text: str) -> list[str]:
    """The non-empty lines of a textarea (domain terms), stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def project_of(ws: Workspace, project_id: str) -> dict[str, Any]:
    """The page's project (404 page when it does not exist; an error page for a kind this installation lacks)."""
    project = projects.show_project(ws, project_id)
    projects.kind_of(ws, project["id"])
    return project


def base_models_of(kind: ProjectKind) -> list[dict[str, Any]]:
    """The base models a project of ``kind`` trains from, evaluates and deploys."""
    return [info.to_dict() for info in kind.family.base_models()]


def check_in_project(item: dict[str, Any], project: dict[str, Any], noun: str) -> dict[str, Any]:
    """``item`` when it belongs to ``project``, else a 404 (a URL mixing two projects)."""
    if item.get("projectId") != project["id"]:
        raise NotFoundError(f"No {noun} '{item.get('id')}' in project '{project['name']}'.")
    return item


def with_jobs(items: list[dict[str, Any]], ws: Workspace) -> list[dict[str, Any]]:
    """Each item with ``job``: its latest background job (progress and step while it runs)."""
    return [
        {**item, "job": jobs.latest_job_for(ws, item["id"]) if item["status"] in ACTIVE else None} for item in items
    ]


@dataclass
class ProjectSummary:
    """What a project holds at each step of the flow, and the next step to suggest."""

    kind: ProjectKind
    datasets: list[dict[str, Any]]
    models: list[dict[str, Any]]
    evaluations: list[dict[str, Any]]
    endpoints: list[dict[str, Any]]

    @classmethod
    def of(cls, ws: Workspace, project: dict[str, Any]) -> ProjectSummary:
        """Read the project's datasets, models, evaluations and endpoints."""
        return cls(
            kind=get_kind(project["kind"]),
            datasets=datasets.list_datasets(ws, project["id"]),
            models=training.list_models(ws, project["id"]),
            evaluations=evaluation.list_evaluations(ws, project["id"]),
            endpoints=endpoints.list_endpoints(ws, project["id"]),
        )

    def next_step(self) -> tuple[str, str, str]:
        """``(tab, title, explanation)`` of the step the user should take next."""
        ready = [d for d in self.datasets if d["status"] == Status.SUCCEEDED]
        wording = self.kind.wording
        if not self.datasets:
            return "data", "Upload data", wording.data_start
        if not ready and any(d["status"] in ACTIVE for d in self.datasets):
            return "data", "Wait for the import", "Your upload is being validated; the counts appear when it is done."
        if not ready:
            return "data", "Fix the data and upload again", "No upload was accepted: read why on its dataset page."
        if sum(d["kind"] == self.kind.test_kind for d in ready) < (2 if self.kind.tests_need_two else 1):
            return "data", "Add a test set", wording.test_set
        if not self.models:
            return "training", "Train a custom model", "Pick a base model and the datasets that describe your domain."
        if not any(m["status"] == Status.SUCCEEDED for m in self.models):
            if any(m["status"] in ACTIVE for m in self.models):
                return "training", "Wait for training", "The models table updates by itself."
            return "training", "Train again", "No model succeeded yet; read the reason in the models table."
        if not any(e["status"] == Status.SUCCEEDED for e in self.evaluations):
            return "evaluation", "Evaluate", "Compare your custom model with its base model on the test set."
        if not self.endpoints:
            return "deployment", "Deploy", "Create an endpoint for the best model and copy its key."
        sent = wording.sends
        return "deployment", "Use your endpoint", f"Send {sent} with the key; review logged requests to improve data."
