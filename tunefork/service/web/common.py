"""Pieces shared by the studio's page modules: the router factory, the project of a page, next steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends

from tunefork.errors import NotFoundError
from tunefork.service.web.rendering import StudioRoute
from tunefork.service.web.session import require_csrf, require_session
from tunefork.store.models import Status
from tunefork.workflows import datasets, endpoints, evaluation, jobs, projects, training
from tunefork.workspace import Workspace

ACTIVE = (Status.NOT_STARTED, Status.RUNNING)
LANGUAGE_PROJECTS = training.LANGUAGE_PROJECT_KINDS
TEST_KINDS = training.TEST_KINDS
"""The dataset kind an evaluation of each project kind scores against (its test sets)."""
POST_GUARDS = [Depends(require_csrf)]
"""Dependencies of every POST route (after the router's sign-in check)."""


def studio_router() -> APIRouter:
    """A router whose pages need a signed-in browser and render errors as HTML."""
    return APIRouter(route_class=StudioRoute, include_in_schema=False, dependencies=[Depends(require_session)])


def textarea_lines(text: str) -> list[str]:
    """The non-empty lines of a textarea (domain terms), stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def project_of(ws: Workspace, project_id: str) -> dict[str, Any]:
    """The page's project (404 page when it does not exist)."""
    return projects.show_project(ws, project_id)


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

    datasets: list[dict[str, Any]]
    models: list[dict[str, Any]]
    evaluations: list[dict[str, Any]]
    endpoints: list[dict[str, Any]]
    kind: str = "speech"

    @classmethod
    def of(cls, ws: Workspace, project: dict[str, Any]) -> ProjectSummary:
        """Read the project's datasets, models, evaluations and endpoints."""
        if project["kind"] not in TEST_KINDS:
            return cls([], [], [], [], project["kind"])
        return cls(
            datasets=datasets.list_datasets(ws, project["id"]),
            models=training.list_models(ws, project["id"]),
            evaluations=evaluation.list_evaluations(ws, project["id"]),
            endpoints=endpoints.list_endpoints(ws, project["id"]),
            kind=project["kind"],
        )

    def next_step(self) -> tuple[str, str, str]:
        """``(tab, title, explanation)`` of the step the user should take next."""
        ready = [d for d in self.datasets if d["status"] == Status.SUCCEEDED]
        speech = self.kind == "speech"
        if not self.datasets:
            if self.kind == "language":
                return "data", "Upload data", "Start with example requests labelled with their intents (utterances)."
            if self.kind == "entities":
                return "data", "Upload data", "Start with texts whose entities are annotated (annotated-text)."
            return "data", "Upload data", "Start with related text or audio with transcripts from your domain."
        if not ready:
            return "data", "Wait for the import", "Your upload is being validated; the counts appear when it is done."
        test_kind = TEST_KINDS.get(self.kind, "acoustic")
        if sum(d["kind"] == test_kind for d in ready) < (1 if speech else 2):
            if speech:
                return (
                    "data",
                    "Add a test set",
                    "Upload audio with human transcripts (an 'acoustic' dataset) to measure accuracy.",
                )
            return (
                "data",
                "Add a test set",
                f"Upload a second, held-out '{test_kind}' dataset the model never trains on, to measure the gain.",
            )
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
        sent = "audio" if speech else "text"
        return "deployment", "Use your endpoint", f"Send {sent} with the key; review logged requests to improve data."
