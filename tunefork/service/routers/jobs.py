"""``/jobs``: the background work behind every 202 answer."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request

from tunefork.service.auth import require_admin
from tunefork.service.deps import ERRORS, Paging, get_workspace, paging
from tunefork.service.present import page, present
from tunefork.service.schemas import Job, Page
from tunefork.workflows import jobs
from tunefork.workflows.jobs import JobKind
from tunefork.workspace import Workspace

router = APIRouter(prefix="/jobs", tags=["jobs"], dependencies=[Depends(require_admin)], responses=ERRORS)

StatusFilter = Literal["NotStarted", "Running", "Succeeded", "Failed"]


def present_job(request: Request, job: dict) -> dict:
    """A job with links to itself and to the resource it works on."""
    out = present(request, "jobs", job)
    out.setdefault("links", {})["resource"] = (
        f"{str(request.base_url).rstrip('/')}/{job['resourceType']}/{job['resourceId']}"
    )
    return out


@router.get("", response_model=Page[Job])
def list_jobs(
    request: Request,
    status: StatusFilter | None = Query(None),
    kind: JobKind | None = Query(None, description="Jobs of this kind."),
    resource: str | None = Query(None, max_length=32, description="Jobs of this resource id."),
    paged: Paging = Depends(paging),
    ws: Workspace = Depends(get_workspace),
) -> dict:
    """Jobs, newest first."""
    rows = jobs.list_jobs(ws, status, kind, resource, paged.skip, paged.top)
    total = jobs.count_jobs(ws, status, kind, resource)
    return page(request, [present_job(request, job) for job in rows], paged.skip, paged.top, total)


@router.get("/{job_id}", response_model=Job)
def get_job(job_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> dict:
    """One job: status, progress, attempts, worker, error."""
    return present_job(request, jobs.show_job(ws, job_id))
