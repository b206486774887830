"""``/monitors``: re-test deployed endpoints on a schedule, their runs, pausing, run-now and baselines."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response

from tunefork.jobs.queue import JobQueue
from tunefork.service.auth import require_admin
from tunefork.service.deps import ERRORS, Paging, get_queue, get_workspace, paging
from tunefork.service.present import page, present, url
from tunefork.service.schemas import BaselinePin, Monitor, MonitorCreate, MonitorDetail, MonitorRun, MonitorUpdate, Page
from tunefork.workflows import monitors
from tunefork.workspace import Workspace

router = APIRouter(prefix="/monitors", tags=["monitors"], dependencies=[Depends(require_admin)], responses=ERRORS)


def present_monitor(request: Request, monitor: dict) -> dict:
    """A monitor with links to its endpoint and runs."""
    out = present(request, "monitors", monitor)
    links = out.setdefault("links", {})
    links["runs"] = url(request, "monitors", monitor["id"], "runs")
    if monitor.get("endpointId"):
        links["endpoint"] = url(request, "endpoints", monitor["endpointId"])
    return out


def present_run(request: Request, run: dict) -> dict:
    """A run with its own address under its monitor."""
    out = present(request, "monitors", run, run.get("job"))
    out["self"] = url(request, "monitors", run["monitorId"], "runs", run["id"])
    return out


@router.post("", status_code=201, response_model=Monitor)
def create_monitor(
    body: MonitorCreate, request: Request, response: Response, ws: Workspace = Depends(get_workspace)
) -> dict:
    """Watch an endpoint; the key and dataset are checked now and the first run is at the next slot."""
    created = monitors.create_monitor(
        ws, body.endpoint, body.dataset, body.key, body.schedule, body.metric, name=body.name,
        project=body.project, max_value=body.max, min_value=body.min, max_regression=body.maxRegression,
        retries=body.retries, after_failures=body.afterFailures, exclude=body.exclude, terms=body.terms,
        webhook_url=body.webhookUrl, base_url=body.baseUrl, retention_days=body.retentionDays,
        server_url=str(request.base_url),
    )  # fmt: skip
    out = present_monitor(request, created)
    response.headers["Location"] = out["self"]
    return out


@router.get("", response_model=Page[Monitor])
def list_monitors(
    request: Request,
    project: str | None = Query(None, min_length=1, max_length=200),
    paged: Paging = Depends(paging),
    ws: Workspace = Depends(get_workspace),
) -> dict:
    """Monitors, oldest first, each with its last run."""
    rows = monitors.list_monitors(ws, project)
    shown = [present_monitor(request, row) for row in rows[paged.skip : paged.skip + paged.top]]
    return page(request, shown, paged.skip, paged.top, len(rows))


@router.get("/{monitor_id}", response_model=MonitorDetail)
def get_monitor(monitor_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> dict:
    """One monitor with its recent runs and alerts."""
    return present_monitor(request, monitors.show_monitor(ws, monitor_id))


@router.patch("/{monitor_id}", response_model=Monitor)
def update_monitor(
    monitor_id: str, body: MonitorUpdate, request: Request, ws: Workspace = Depends(get_workspace)
) -> dict:
    """Change the schedule, thresholds, key (after a key was regenerated), alerts or retention; runs are kept."""
    updated = monitors.update_monitor(
        ws, monitor_id, schedule=body.schedule, key=body.key, max_value=body.max, min_value=body.min,
        max_regression=body.maxRegression, retries=body.retries, after_failures=body.afterFailures,
        exclude=body.exclude, webhook_url=body.webhookUrl, base_url=body.baseUrl, retention_days=body.retentionDays,
    )  # fmt: skip
    return present_monitor(request, updated)


@router.delete("/{monitor_id}", status_code=204)
def delete_monitor(monitor_id: str, ws: Workspace = Depends(get_workspace)) -> Response:
    """Delete a monitor with its runs and alerts."""
    monitors.delete_monitor(ws, monitor_id)
    return Response(status_code=204)


@router.post("/{monitor_id}/pause", response_model=Monitor)
def pause_monitor(monitor_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> dict:
    """Stop scheduled runs (run-now still works)."""
    return present_monitor(request, monitors.set_paused(ws, monitor_id, True))


@router.post("/{monitor_id}/resume", response_model=Monitor)
def resume_monitor(monitor_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> dict:
    """Run on schedule again, from the next slot (missed slots are not run)."""
    return present_monitor(request, monitors.set_paused(ws, monitor_id, False))


@router.post("/{monitor_id}/baseline", response_model=Monitor)
def pin_baseline(monitor_id: str, body: BaselinePin, request: Request, ws: Workspace = Depends(get_workspace)) -> dict:
    """Measure regressions from this run instead of the first one."""
    return present_monitor(request, monitors.pin_baseline(ws, monitor_id, body.runId))


@router.post("/{monitor_id}/runs", status_code=202, response_model=MonitorRun)
def run_now(
    monitor_id: str,
    request: Request,
    response: Response,
    ws: Workspace = Depends(get_workspace),
    queue: JobQueue = Depends(get_queue),
) -> dict:
    """Run the monitor now, outside its schedule (202: the run and its job)."""
    out = present_run(request, monitors.start_run(ws, monitor_id, queue))
    response.headers["Location"] = out["self"]
    return out


@router.get("/{monitor_id}/runs", response_model=Page[MonitorRun])
def list_runs(
    monitor_id: str, request: Request, paged: Paging = Depends(paging), ws: Workspace = Depends(get_workspace)
) -> dict:
    """Runs, newest first, paged like every list (``@count``, ``@nextLink``)."""
    rows = monitors.list_runs(ws, monitor_id, top=paged.top, skip=paged.skip)
    shown = [present_run(request, row) for row in rows]
    return page(request, shown, paged.skip, paged.top, monitors.count_runs(ws, monitor_id))


@router.get("/{monitor_id}/runs/{run_id}", response_model=MonitorRun)
def get_run(monitor_id: str, run_id: str, request: Request, ws: Workspace = Depends(get_workspace)) -> dict:
    """One run with its per-item report (``details``)."""
    return present_run(request, monitors.show_run(ws, run_id, monitor_id))
