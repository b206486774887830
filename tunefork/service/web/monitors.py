"""Studio pages of monitors: the metric over time with its thresholds, the runs, and each run's report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response

from tunefork.service.deps import get_workspace
from tunefork.service.web.charts import runs_over_time
from tunefork.service.web.common import check_in_project, project_of, studio_router
from tunefork.service.web.rendering import base_path, render
from tunefork.workflows import monitors
from tunefork.workspace import Workspace

router = studio_router()
CHART_RUNS = 200


def _lines(monitor: dict[str, Any], baseline: float | None) -> list[tuple[str, float]]:
    """The thresholds to draw: the maximum or minimum, and the regression limit from the baseline."""
    lines = [(label, monitor[key]) for label, key in (("max", "max"), ("min", "min")) if monitor[key] is not None]
    points = monitor["maxRegression"]
    if points is not None and baseline is not None:
        spec = monitors.METRICS[monitor["metric"]]
        step = baseline * points / 100 if monitor["metric"] == "latency_p95" else points / 100
        lines.append(("regression", baseline - step if spec.higher_is_better else baseline + step))
    return lines


def monitor_chart(monitor: dict[str, Any], runs: list[dict[str, Any]], run_link: str) -> Any:
    """The SVG of a monitor's runs (oldest first) with its threshold lines; failed runs link to their report."""
    baseline = next((r["value"] for r in runs if r["id"] == monitor["baselineRunId"]), None)
    points = [
        (datetime.fromisoformat(r["scheduledDateTime"]).timestamp(), r["value"], r["outcome"] == "pass",
         "" if r["outcome"] == "pass" else f"{run_link}/{r['id']}")
        for r in reversed(runs) if r["finishedDateTime"]
    ]  # fmt: skip
    return runs_over_time(points, _lines(monitor, baseline), f"{monitor['metric']} per run")


@router.get("/projects/{project_id}/monitors/{monitor_id}", response_class=HTMLResponse)
def monitor_page(
    project_id: str, monitor_id: str, request: Request, ws: Workspace = Depends(get_workspace)
) -> Response:
    """A monitor: its state, the metric over time, thresholds, runs and alerts."""
    project = project_of(ws, project_id)
    monitor = check_in_project(monitors.show_monitor(ws, monitor_id), project, "monitor")
    runs = monitors.list_runs(ws, monitor["id"], top=CHART_RUNS)
    here = f"{base_path(request)}/projects/{project['id']}/monitors/{monitor['id']}"
    return render(
        request, "monitor.html", project=project, tab="deployment", monitor=monitor, runs=runs,
        chart=monitor_chart(monitor, runs, f"{here}/runs"), here=here, canonical=here,
        title=f"{monitor['name']} · Monitor",
    )  # fmt: skip


@router.get("/projects/{project_id}/monitors/{monitor_id}/runs/{run_id}", response_class=HTMLResponse)
def run_page(
    project_id: str, monitor_id: str, run_id: str, request: Request, ws: Workspace = Depends(get_workspace)
) -> Response:
    """One run: its outcome, figures and per-utterance report."""
    project = project_of(ws, project_id)
    monitor = check_in_project(monitors.show_monitor(ws, monitor_id), project, "monitor")
    run = monitors.show_run(ws, run_id, monitor["id"])
    here = f"{base_path(request)}/projects/{project['id']}/monitors/{monitor['id']}"
    return render(
        request, "monitor_run.html", project=project, tab="deployment", monitor=monitor, run=run, here=here,
        canonical=f"{here}/runs/{run['id']}", title=f"Run · {monitor['name']}",
    )  # fmt: skip
