"""Monitors: re-test a deployed endpoint on a cron schedule, keep each run, alert when a threshold is crossed.

A monitor sends a held-out dataset of the endpoint's project to the endpoint over HTTP, with its key,
the way a client would (:mod:`tunefork.workflows.monitor_probe`), on a cron schedule skipping maintenance
windows (:mod:`tunefork.workflows.monitor_schedule`). Each run is a row of ``monitor_runs`` run by a
``monitor-run`` job, so it has the job queue's lease: a server restarted mid-run retries it, and one row
per scheduled slot means it is never doubled. A run ``pass``es, ``fail``s (a threshold crossed: the
maximum or minimum of its metric, or a regression in points from the baseline run, the first measured run
unless one is pinned) or ends in ``error`` (nothing measured: the reason is kept; so does a run of an intent
metric answered by a model that decides no intent, deployed since the monitor was made). Attempts that fail or
err for a reason that may pass (a threshold crossed, items unanswered, the server unreachable) are retried
``retries`` times; an error of the monitor's configuration (a wrong key, a deleted endpoint or dataset, an empty
test set, a model that decides no intent) ends the run at its first attempt, since trying again changes
nothing. After ``after_failures`` failing runs in a row the monitor is ``failing`` and an alert is sent, and
when a run passes again a recovery (:mod:`tunefork.workflows.monitor_alerts`).

Regressions are measured in points of the metric (0.02 WER = 2 points), and for latency in percent of the
baseline's p95. Runs older than the monitor's retention are deleted by the periodic purge.
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, or_, select, update

from tunefork.config import env_float
from tunefork.errors import ConflictError, NotFoundError, TuneforkError
from tunefork.evaluation.labels import OUT_OF_SCOPE
from tunefork.kinds import ProjectKind, ResolvedModel, get_kind
from tunefork.progress import ProgressCallback, no_progress
from tunefork.store.models import Dataset, Endpoint, Model, Monitor, MonitorRun, Status, utcnow
from tunefork.store.repository import clean_name, get_dataset, get_endpoint, get_monitor, get_project
from tunefork.wording import did_you_mean
from tunefork.workflows import monitor_alerts
from tunefork.workflows.datasets import dataset_records
from tunefork.workflows.endpoints import hash_key
from tunefork.workflows.evaluation import training_terms
from tunefork.workflows.jobs import JobKind, JobSubmitter, submit_job, update_resource
from tunefork.workflows.models import resolve_custom_model
from tunefork.workflows.monitor_probe import (
    METRICS,
    MetricSpec,
    Probe,
    ProbeRefused,
    answering_model,
    item_report,
    run_items,
    score,
    send_items,
    undecided_by,
)
from tunefork.workflows.monitor_schedule import as_utc, check_schedule, check_windows, excluded, next_slot
from tunefork.workspace import Workspace

MAX_RETRIES = 10
MIN_REGRESSION_POINTS = 0.1
"""A smaller ``--max-regression`` of a fraction metric is a fraction typed for points (0.02 meaning 2 points)."""
RECENT_RUNS = 20


@dataclass(frozen=True)
class MonitorSettings:
    """How runs retry and where monitors send by default (from ``TUNEFORK_*`` variables)."""

    base_url: str = "http://127.0.0.1:8765"
    """``TUNEFORK_URL``: the server new monitors send to when none is given."""
    retry_seconds: float = 5.0
    """``TUNEFORK_MONITOR_RETRY_SECONDS``: the pause before a failed attempt is tried again."""

    @classmethod
    def from_env(cls) -> MonitorSettings:
        env, defaults = os.environ, cls()
        return cls(
            base_url=(env.get("TUNEFORK_URL") or defaults.base_url).rstrip("/"),
            retry_seconds=env_float("TUNEFORK_MONITOR_RETRY_SECONDS", defaults.retry_seconds, minimum=0),
        )


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def monitor_to_dict(monitor: Monitor) -> dict[str, Any]:
    """JSON-able view of a monitor (never its key)."""
    return {
        "id": monitor.id,
        "name": monitor.name,
        "project": monitor.project.name,
        "projectId": monitor.project_id,
        "endpoint": monitor.endpoint_name,
        "endpointId": monitor.endpoint_id,
        "dataset": monitor.dataset_name,
        "datasetId": monitor.dataset_id,
        "baseUrl": monitor.base_url,
        "schedule": monitor.schedule,
        "metric": monitor.metric,
        "max": monitor.max_value,
        "min": monitor.min_value,
        "maxRegression": monitor.max_regression,
        "baselineRunId": monitor.baseline_run_id,
        "retries": monitor.retries,
        "afterFailures": monitor.after_failures,
        "exclude": list(monitor.exclude),
        "terms": list(monitor.terms),
        "webhookUrl": monitor.webhook_url,
        "retentionDays": monitor.retention_days,
        "paused": monitor.paused,
        "state": monitor.state,
        "consecutiveFailures": monitor.consecutive_failures,
        "nextRunDateTime": _iso(monitor.next_run_at),
        "createdDateTime": _iso(monitor.created_at),
        "lastActionDateTime": _iso(monitor.last_action_at),
    }


def run_to_dict(run: MonitorRun, details: bool = False) -> dict[str, Any]:
    """JSON-able view of a run (``details``: with its per-item report)."""
    out = {
        "id": run.id,
        "monitorId": run.monitor_id,
        "trigger": run.trigger,
        "status": run.status,
        "outcome": run.outcome,
        "error": run.error or None,
        "value": run.value,
        "metrics": dict(run.metrics),
        "model": run.model,
        "modelId": run.model_id,
        "items": run.items,
        "attempts": run.attempts,
        "scheduledDateTime": _iso(run.scheduled_for),
        "startedDateTime": _iso(run.started_at),
        "finishedDateTime": _iso(run.finished_at),
        "createdDateTime": _iso(run.created_at),
    }
    if details:
        out["details"] = list(run.details)
    return out


def _check_metric(metric: str, operation: str) -> MetricSpec:
    spec = METRICS.get(metric)
    if spec is None:
        raise TuneforkError(
            f"Unknown metric '{metric}'; choose one of: {', '.join(METRICS)}.{did_you_mean(metric, METRICS)}"
        )
    if spec.operation not in (None, operation):
        fit = [name for name, s in METRICS.items() if s.operation in (None, operation)]
        raise TuneforkError(
            f"Metric '{metric}' does not apply to a {operation} endpoint; choose one of: {', '.join(fit)}."
        )
    return spec


def _check_thresholds(
    spec: MetricSpec, max_value: float | None, min_value: float | None, regression: float | None
) -> None:
    if max_value is None and min_value is None and regression is None:
        raise TuneforkError("Give a threshold: --max or --min for the metric, or --max-regression in points.")
    if spec.higher_is_better and max_value is not None:
        raise TuneforkError(f"Higher {spec.name} is better: give a --min, not a --max.")
    if not spec.higher_is_better and min_value is not None:
        raise TuneforkError(f"Lower {spec.name} is better: give a --max, not a --min.")
    if regression is not None and regression < 0:
        raise TuneforkError(f"--max-regression is in points and cannot be negative (got {regression:g}).")
    if spec.fraction and regression is not None and 0 < regression < MIN_REGRESSION_POINTS:  # a fraction, most likely
        raise TuneforkError(
            f"--max-regression is in points (0.02 of {spec.name} = 2 points), so {regression:g} would allow "
            f"{regression / 100:g} of {spec.name}; for {100 * regression:g} points, give --max-regression "
            f"{100 * regression:g}."
        )
    for option, value in (("--max", max_value), ("--min", min_value)):
        if not spec.fraction and value is not None and value <= 0:
            raise TuneforkError(f"{spec.name} is in seconds, so {option} {value:g} would never pass.")
        if spec.fraction and value is not None and not 0 <= value <= 1:  # a percentage, most likely
            hint = f"; for {value:g}%, give {option} {value / 100:g}" if 0 < value <= 100 else ""
            raise TuneforkError(f"{spec.name} is a fraction from 0 to 1 (0.15 = 15%), so {option} {value:g} would "
                                f"never be reached{hint}.")  # fmt: skip


def _check_settings(
    retries: int | None, after_failures: int | None, retention_days: int | None, webhook_url: str | None
) -> None:
    """Refuse a setting out of range (``None``: not given)."""
    if retries is not None and not 0 <= retries <= MAX_RETRIES:
        raise TuneforkError(f"--retries must be between 0 and {MAX_RETRIES} (got {retries}).")
    if after_failures is not None and after_failures < 1:
        raise TuneforkError(f"--after-failures must be at least 1 (got {after_failures}).")
    if retention_days is not None and not 1 <= retention_days <= 3650:
        raise TuneforkError(f"Retention must be between 1 and 3650 days (got {retention_days}).")
    if webhook_url and (not webhook_url.startswith(("http://", "https://")) or not urlsplit(webhook_url).hostname):
        raise TuneforkError(f"The webhook must be an http:// or https:// URL with a host (got '{webhook_url}').")


def _key_fits(endpoint: Endpoint, key: str) -> bool:
    presented = hash_key(key or "")
    matches = [hmac.compare_digest(presented, stored) for stored in (endpoint.key1_hash, endpoint.key2_hash)]
    return bool(key) and any(matches)


def create_monitor(
    workspace: Workspace,
    endpoint_ref: str,
    dataset_ref: str,
    key: str,
    schedule: str,
    metric: str,
    *,
    name: str | None = None,
    project: str | None = None,
    max_value: float | None = None,
    min_value: float | None = None,
    max_regression: float | None = None,
    retries: int = 0,
    after_failures: int = 1,
    exclude: list[str] | None = None,
    terms: list[str] | None = None,
    webhook_url: str = "",
    base_url: str | None = None,
    retention_days: int = 90,
    now: datetime | None = None,
    server_url: str | None = None,
) -> dict[str, Any]:
    """Watch an endpoint: its key and test dataset are checked now, the first run is at the next slot.

    Runs send to ``base_url``; without it to ``TUNEFORK_URL``, then to ``server_url`` (the server a REST
    request created the monitor through), then to the default local server.

    Without ``terms``, a speech monitor measures the recall of the domain terms in the training data of the
    model the endpoint serves now, as ``tunefork evaluate`` does (pronunciation display forms); they are kept
    with the monitor, so its runs stay comparable when the endpoint's model changes. A ``term_recall`` monitor
    with no terms given or found is refused.
    """
    schedule = check_schedule(schedule)
    windows = check_windows(list(exclude or []))
    _check_settings(retries, after_failures, retention_days, webhook_url)
    settings = MonitorSettings.from_env()  # a bad TUNEFORK_MONITOR_* setting fails here, before anything is written
    base = (base_url or os.environ.get("TUNEFORK_URL") or server_url or settings.base_url).rstrip("/")
    with workspace.session() as session:
        endpoint = get_endpoint(session, endpoint_ref, project)
        kind = get_kind(endpoint.project.kind)
        spec = _check_metric(metric, kind.family.operation.name)
        _check_thresholds(spec, max_value, min_value, max_regression)
        dataset = get_dataset(session, dataset_ref, endpoint.project.name)
        if dataset.kind != kind.test_kind or dataset.status != Status.SUCCEEDED:
            raise TuneforkError(
                f"Dataset '{dataset.name}' is a {dataset.status} '{dataset.kind}' dataset; monitors of a "
                f"{kind.name} endpoint send a Succeeded '{kind.test_kind}' dataset."
            )
        if not _key_fits(endpoint, key):
            raise TuneforkError(f"The key is not key1 or key2 of endpoint '{endpoint.name}'.")
        items = run_items(kind.family.operation.name, dataset.kind, dataset_records(workspace, dataset.id))
        if problem := _unmeasurable(spec, items):
            raise TuneforkError(f"Dataset '{dataset.name}' {problem}; choose another test set or metric.")
        if not terms and kind.family.measures_terms:
            terms = _default_terms(workspace, kind, _served_model(workspace, session, endpoint), spec)
        if spec.needs_intents:
            _check_decides_intents(kind, _served_model(workspace, session, endpoint), spec)
        monitor_name = clean_name(name or f"{endpoint.name}-{metric}", "monitor")
        taken = select(Monitor).where(Monitor.project_id == endpoint.project_id, Monitor.name == monitor_name)
        if session.scalar(taken) is not None:
            raise ConflictError(f"Project '{endpoint.project.name}' already has a monitor named '{monitor_name}'.")
        monitor = Monitor(
            project_id=endpoint.project_id, name=monitor_name, endpoint_id=endpoint.id, endpoint_name=endpoint.name,
            dataset_id=dataset.id, dataset_name=dataset.name, base_url=base, key=key, schedule=schedule,
            metric=metric, max_value=max_value, min_value=min_value, max_regression=max_regression,
            retries=retries, after_failures=after_failures, exclude=windows, terms=list(terms or []),
            webhook_url=webhook_url, retention_days=retention_days, paused=False, state="unknown",
            consecutive_failures=0, next_run_at=next_slot(schedule, now or utcnow(), windows),
        )  # fmt: skip
        session.add(monitor)
        session.flush()
        return monitor_to_dict(monitor)


def _served_model(workspace: Workspace, session: Any, endpoint: Endpoint) -> ResolvedModel:
    """The model an endpoint serves: its base model, or its custom model with its files and training datasets."""
    row = session.get(Model, endpoint.model_id) if endpoint.model_id else None
    return resolve_custom_model(workspace, row) if row is not None else ResolvedModel(name=endpoint.model_ref)


def blind_monitors(workspace: Workspace, endpoint_ref: str, project: str | None = None) -> list[str]:
    """Why each monitor of the endpoint that watches an intent metric measures nothing with the model it serves
    now (one that decides no intent: its runs end in error), to warn after ``endpoint update --model``."""
    with workspace.session() as session:
        endpoint = get_endpoint(session, endpoint_ref, project)
        monitors = session.scalars(select(Monitor).where(Monitor.endpoint_id == endpoint.id).order_by(Monitor.name))
        watching = [m for m in monitors if METRICS[m.metric].needs_intents]
        if not watching:
            return []
        model = _served_model(workspace, session, endpoint)
        if get_kind(endpoint.project.kind).family.decides_intents(model):
            return []
        return [f"monitor '{m.name}': " + _no_intent(model.name, METRICS[m.metric], running=True) for m in watching]


def monitors_using(workspace: Workspace, endpoint_id: str | None = None, dataset_id: str | None = None) -> list[str]:
    """Names of the monitors that watch endpoint ``endpoint_id`` or test with dataset ``dataset_id``: read before
    either is deleted, to say whose runs that ends (a monitor of a deleted dataset ends each run in error)."""
    uses = [column == value for column, value in ((Monitor.endpoint_id, endpoint_id), (Monitor.dataset_id, dataset_id))
            if value is not None]  # fmt: skip
    if not uses:
        return []
    with workspace.session() as session:
        return list(session.scalars(select(Monitor.name).where(or_(*uses)).order_by(Monitor.name)))


def key_users(workspace: Workspace, endpoint_ref: str, key_name: str, project: str | None = None) -> list[str]:
    """Names of the endpoint's monitors that send its ``key_name`` (``key1`` or ``key2``): read before that key is
    regenerated, to warn that their runs will be refused until they are updated with the new key."""
    with workspace.session() as session:
        endpoint = get_endpoint(session, endpoint_ref, project)
        stored = {"key1": endpoint.key1_hash, "key2": endpoint.key2_hash}.get(key_name)
        if stored is None:
            return []
        monitors = session.scalars(select(Monitor).where(Monitor.endpoint_id == endpoint.id).order_by(Monitor.name))
        return [m.name for m in monitors if hmac.compare_digest(hash_key(m.key or ""), stored)]


def _unmeasurable(spec: MetricSpec, items: list[dict[str, Any]]) -> str | None:
    """Why the test ``items`` cannot measure ``spec`` (no item; no out-of-scope example for ``oos_recall``, no
    annotated slot for ``slot_f1``), else ``None``: every run would end without a value."""
    if not items:
        return "has no item a run could send"
    if spec.name == "oos_recall" and all((item.get("intent") or OUT_OF_SCOPE) != OUT_OF_SCOPE for item in items):
        return "has no out-of-scope example, so oos_recall would measure nothing"
    if spec.name == "slot_f1" and not any(item.get("spans") for item in items):
        return "has no annotated slot, so slot_f1 would measure nothing"
    return None


def _check_decides_intents(kind: ProjectKind, model: ResolvedModel, spec: MetricSpec) -> None:
    """Refuse an intent metric for an endpoint whose ``model`` decides no intent (entities only): every gold and
    predicted intent would read as out of scope, and the metric count every item right."""
    if not kind.family.decides_intents(model):
        raise TuneforkError(_no_intent(model.name, spec, running=False))


def _no_intent(model: str, spec: MetricSpec, running: bool) -> str:
    """Why ``spec`` measures nothing on an endpoint serving ``model``, which decides no intent: when a monitor is
    created, or (``running``) at a run after the endpoint was given such a model."""
    way_out = (
        "deploy a model trained with intents again (endpoint update --model), or watch slot_f1 or latency_p95 "
        "with another monitor"
        if running
        else "watch slot_f1 or latency_p95, or deploy a model trained with intents first (endpoint update --model)"
    )
    return (
        f"The endpoint {'now ' if running else ''}serves '{model}', which decides no intent (its answers' intent is "
        f"null), so {spec.name} {'measured' if running else 'would measure'} nothing: {way_out}."
    )


def _default_terms(workspace: Workspace, kind: ProjectKind, model: ResolvedModel, spec: MetricSpec) -> list[str]:
    """The domain terms of ``model``'s training data (see :func:`training_terms`); a ``term_recall`` monitor is
    refused when there are none."""
    terms, _ = training_terms(workspace, kind, [model])
    if not terms and spec.name == "term_recall":
        raise TuneforkError(
            f"The endpoint serves '{model.name}', whose training data names no domain terms (pronunciations): "
            "give the terms term_recall counts (--terms FILE; REST: terms)."
        )
    return terms


def list_monitors(workspace: Workspace, project: str | None = None) -> list[dict[str, Any]]:
    """Monitors, oldest first, each with its last run."""
    with workspace.session() as session:
        query = select(Monitor).order_by(Monitor.created_at)
        if project is not None:
            query = query.where(Monitor.project_id == get_project(session, project).id)
        out = []
        for monitor in session.scalars(query):
            last = session.scalar(_runs_query(monitor.id).limit(1))
            out.append({**monitor_to_dict(monitor), "lastRun": run_to_dict(last) if last else None})
        return out


def _runs_query(monitor_id: str) -> Any:
    return select(MonitorRun).where(MonitorRun.monitor_id == monitor_id).order_by(MonitorRun.created_at.desc())


def show_monitor(workspace: Workspace, ref: str, project: str | None = None) -> dict[str, Any]:
    """One monitor with its recent runs (newest first) and alerts."""
    with workspace.session() as session:
        monitor = get_monitor(session, ref, project)
        runs = [run_to_dict(run) for run in session.scalars(_runs_query(monitor.id).limit(RECENT_RUNS))]
        out = monitor_to_dict(monitor)
    return {**out, "runs": runs, "alerts": monitor_alerts.list_alerts(workspace, out["id"])}


def list_runs(
    workspace: Workspace, ref: str, top: int = 100, project: str | None = None, skip: int = 0
) -> list[dict[str, Any]]:
    """A monitor's runs, newest first: ``top`` of them after the first ``skip``."""
    with workspace.session() as session:
        monitor = get_monitor(session, ref, project)
        return [run_to_dict(run) for run in session.scalars(_runs_query(monitor.id).offset(skip).limit(top))]


def count_runs(workspace: Workspace, ref: str, project: str | None = None) -> int:
    """How many runs a monitor has kept."""
    with workspace.session() as session:
        monitor = get_monitor(session, ref, project)
        return session.scalar(select(func.count()).select_from(MonitorRun).where(MonitorRun.monitor_id == monitor.id))


def show_run(workspace: Workspace, run_id: str, monitor_ref: str | None = None) -> dict[str, Any]:
    """One run with its per-item report (``monitor_ref``: it must be a run of that monitor)."""
    with workspace.session() as session:
        run = session.get(MonitorRun, run_id)
        if run is not None and monitor_ref is not None and get_monitor(session, monitor_ref).id != run.monitor_id:
            run = None
        if run is None:
            raise NotFoundError(f"No monitor run with id '{run_id}'.")
        return run_to_dict(run, details=True)


def update_monitor(
    workspace: Workspace,
    ref: str,
    *,
    project: str | None = None,
    schedule: str | None = None,
    key: str | None = None,
    max_value: float | None = None,
    min_value: float | None = None,
    max_regression: float | None = None,
    retries: int | None = None,
    after_failures: int | None = None,
    exclude: list[str] | None = None,
    webhook_url: str | None = None,
    base_url: str | None = None,
    retention_days: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Change a monitor's settings, keeping its runs, baseline and alerts; ``None`` keeps a setting. A monitor was
    deleted and created again to change a threshold, and after `endpoint regenerate-key` every run failed until
    then: ``key`` takes the endpoint's new key. A new schedule or windows set the next run to their next slot."""
    if schedule is not None:
        schedule = check_schedule(schedule)
    windows = check_windows(exclude) if exclude is not None else None
    _check_settings(retries, after_failures, retention_days, webhook_url)
    with workspace.session() as session:
        monitor = get_monitor(session, ref, project)
        if (max_value, min_value, max_regression) != (None, None, None):
            thresholds = [monitor.max_value if max_value is None else max_value,
                          monitor.min_value if min_value is None else min_value,
                          monitor.max_regression if max_regression is None else max_regression]  # fmt: skip
            _check_thresholds(METRICS[monitor.metric], *thresholds)
            monitor.max_value, monitor.min_value, monitor.max_regression = thresholds
        if key is not None:
            endpoint = session.get(Endpoint, monitor.endpoint_id) if monitor.endpoint_id else None
            if endpoint is None:
                raise TuneforkError(f"Monitor '{monitor.name}' watches an endpoint deleted since: no key fits it.")
            if not _key_fits(endpoint, key):
                raise TuneforkError(f"The key is not key1 or key2 of endpoint '{endpoint.name}'.")
            monitor.key = key
        changes = {"schedule": schedule, "exclude": windows, "retries": retries, "after_failures": after_failures,
                   "webhook_url": webhook_url, "retention_days": retention_days,
                   "base_url": base_url.rstrip("/") if base_url else None}  # fmt: skip
        for name, value in changes.items():
            if value is not None:
                setattr(monitor, name, value)
        if schedule is not None or windows is not None:
            monitor.next_run_at = next_slot(monitor.schedule, now or utcnow(), monitor.exclude)
        monitor.last_action_at = utcnow()
        session.flush()
        return monitor_to_dict(monitor)


def set_paused(
    workspace: Workspace, ref: str, paused: bool, project: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Pause a monitor, or resume it (its next run is the next slot from now: missed slots are not run)."""
    with workspace.session() as session:
        monitor = get_monitor(session, ref, project)
        monitor.paused = paused
        if not paused:
            monitor.next_run_at = next_slot(monitor.schedule, now or utcnow(), monitor.exclude)
        monitor.last_action_at = utcnow()
        session.flush()
        return monitor_to_dict(monitor)


def pin_baseline(workspace: Workspace, ref: str, run_id: str, project: str | None = None) -> dict[str, Any]:
    """Measure regressions from run ``run_id`` (a measured run of this monitor) instead of the first run."""
    with workspace.session() as session:
        monitor = get_monitor(session, ref, project)
        run = session.get(MonitorRun, run_id)
        if run is None or run.monitor_id != monitor.id or run.value is None:
            raise TuneforkError(f"Run '{run_id}' is not a measured run of monitor '{monitor.name}'.")
        monitor.baseline_run_id = run.id
        monitor.last_action_at = utcnow()
        session.flush()
        return monitor_to_dict(monitor)


def delete_monitor(workspace: Workspace, ref: str, project: str | None = None) -> None:
    """Delete a monitor with its runs and alerts (a run in progress finds it gone and stops)."""
    with workspace.session() as session:
        session.delete(get_monitor(session, ref, project))


def _new_run(workspace: Workspace, monitor_id: str, slot: datetime, trigger: str) -> str:
    """Record the run of one slot (:class:`ConflictError` when that slot already has its run)."""
    with workspace.session() as session:
        run = MonitorRun(monitor_id=monitor_id, scheduled_for=slot, trigger=trigger, status=Status.NOT_STARTED)
        session.add(run)
        session.flush()
        return run.id


def _manual_run(workspace: Workspace, ref: str, project: str | None, now: datetime | None) -> tuple[str, str]:
    """Record a run outside the schedule: ``(run id, project id)``."""
    with workspace.session() as session:
        monitor = get_monitor(session, ref, project)
        monitor_id, project_id = monitor.id, monitor.project_id
    try:
        return _new_run(workspace, monitor_id, now or utcnow(), "manual"), project_id
    except ConflictError:
        raise ConflictError("A run of this monitor was started at the same instant; retry.") from None


def start_run(
    workspace: Workspace, ref: str, submitter: JobSubmitter, project: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Run a monitor now (``run-now`` in REST), outside its schedule, through the queue; the run and its job
    (committed together)."""
    with workspace.transaction():
        run_id, project_id = _manual_run(workspace, ref, project, now)
        job = submit_job(submitter, JobKind.MONITOR_RUN, run_id, project_id)
        return {**show_run(workspace, run_id), "job": job}


def run_now(
    workspace: Workspace, ref: str, project: str | None = None, progress: ProgressCallback = no_progress
) -> dict[str, Any]:
    """:func:`start_run`'s synchronous twin (the CLI's ``run-now``): the same run, here and now."""
    run_id, _ = _manual_run(workspace, ref, project, None)
    return run_monitor(workspace, run_id, progress)


def schedule_due(workspace: Workspace, submitter: JobSubmitter, now: datetime | None = None) -> list[str]:
    """Start the runs that are due (the queue's periodic task calls this every minute); returns their ids.

    Each due monitor's next slot moves forward with a compare-and-set, so of two schedulers one starts the
    run; slots missed while no scheduler ran (the server was down) become one run, not a burst. A slot in
    a maintenance window is skipped. Moving the slot, recording the run and its job commit together, so a
    crash in between leaves the slot due (run at the next pass), never a slot passed without its run.
    """
    now = now or utcnow()
    started = []
    with workspace.session() as session:
        due = session.execute(
            select(Monitor.id, Monitor.project_id, Monitor.schedule, Monitor.next_run_at, Monitor.exclude).where(
                Monitor.paused.is_(False), Monitor.next_run_at <= now
            )
        ).all()
    for monitor_id, project_id, schedule, slot, windows in due:
        try:
            following = next_slot(schedule, now, windows)
        except TuneforkError:  # made before such schedules were refused: every slot is excluded, none is run
            following = next_slot(schedule, now)
        try:
            with workspace.transaction():
                with workspace.session() as session:
                    moved = session.execute(
                        update(Monitor)
                        .where(Monitor.id == monitor_id, Monitor.next_run_at == slot)
                        .values(next_run_at=following)
                    ).rowcount
                if moved != 1 or excluded(windows, slot):
                    continue
                run_id = _new_run(workspace, monitor_id, as_utc(slot), "schedule")
                submit_job(submitter, JobKind.MONITOR_RUN, run_id, project_id)
        except ConflictError:  # the slot has its run already (another scheduler): all of it rolled back
            continue
        started.append(run_id)
    return started


@dataclass(frozen=True)
class _Plan:
    """What a run needs from its monitor, read once at its start."""

    monitor_id: str
    spec: MetricSpec
    probe: Probe | None
    failure: str
    """Why the run cannot start (a deleted endpoint or dataset), else empty."""
    dataset_id: str | None
    dataset_kind: str
    terms: list[str]
    retries: int
    thresholds: dict[str, float | None]


def _plan(workspace: Workspace, run_id: str, token: str) -> _Plan | None:
    """Mark the run Running and read its monitor; None when the run was finished already (a retried job)."""
    with workspace.session() as session:
        run = session.get(MonitorRun, run_id)
        if run is None:
            raise NotFoundError(f"No monitor run with id '{run_id}' (its monitor was deleted).")
        if run.finished_at is not None:
            run.status = Status.FAILED if run.outcome == "error" else Status.SUCCEEDED
            return None
        monitor = session.get(Monitor, run.monitor_id)
        run.status, run.started_at, run.probe_hash, run.error = Status.RUNNING, utcnow(), hash_key(token), ""
        endpoint = session.get(Endpoint, monitor.endpoint_id) if monitor.endpoint_id else None
        dataset = session.get(Dataset, monitor.dataset_id) if monitor.dataset_id else None
        failure, probe = "", None
        if endpoint is None:
            failure = (
                f"The endpoint '{monitor.endpoint_name}' was deleted: there is nothing to test; delete the monitor."
            )
        elif dataset is None:
            failure = f"The test dataset '{monitor.dataset_name}' was deleted."
        else:
            operation = get_kind(endpoint.project.kind).family.operation.name
            probe = Probe(monitor.base_url, endpoint.id, operation, monitor.key, token)
        thresholds = {"max": monitor.max_value, "min": monitor.min_value, "maxRegression": monitor.max_regression,
                      "baseline": _baseline_value(session, monitor)}  # fmt: skip
        return _Plan(
            monitor.id, METRICS[monitor.metric], probe, failure, monitor.dataset_id,
            dataset.kind if dataset else "", list(monitor.terms), monitor.retries, thresholds,
        )  # fmt: skip


def _baseline_value(session: Any, monitor: Monitor) -> float | None:
    run = session.get(MonitorRun, monitor.baseline_run_id) if monitor.baseline_run_id else None
    return run.value if run is not None else None


def breach(spec: MetricSpec, value: float | None, thresholds: dict[str, float | None]) -> str:
    """Why ``value`` fails the thresholds, or "" when it passes."""
    if value is None:
        return f"{spec.name} could not be measured on this test set."
    high, low, regression, baseline = (thresholds[k] for k in ("max", "min", "maxRegression", "baseline"))
    if high is not None and value > high:
        return f"{spec.name} {value:.4g} is above the maximum {high:g}."
    if low is not None and value < low:
        return f"{spec.name} {value:.4g} is below the minimum {low:g}."
    if regression is not None and baseline is not None:
        worse = baseline - value if spec.higher_is_better else value - baseline
        if spec.name == "latency_p95":
            points, unit = (100 * worse / baseline if baseline else 0.0), "%"
        else:
            points, unit = 100 * worse, " points"
        if points > regression:
            return (
                f"{spec.name} {value:.4g} regressed {points:.1f}{unit} from the baseline {baseline:.4g} "
                f"(at most {regression:g}{unit} allowed)."
            )
    return ""


@dataclass
class _Attempt:
    outcome: str
    error: str = ""
    figures: dict[str, float | None] | None = None
    model: tuple[str, str | None] = ("", None)
    details: list[dict[str, Any]] | None = None
    items: int = 0
    permanent: bool = False
    """An error of the configuration, which trying again does not change: the run ends without its retries."""


def _attempt(workspace: Workspace, plan: _Plan, progress: ProgressCallback) -> _Attempt:
    if plan.probe is None:
        return _Attempt("error", plan.failure, permanent=True)
    items = run_items(plan.probe.operation, plan.dataset_kind, dataset_records(workspace, plan.dataset_id))
    if not items:
        return _Attempt("error", "The test dataset has no item to send.", permanent=True)
    try:
        answers = send_items(plan.probe, items, progress)
    except ProbeRefused as exc:
        return _Attempt("error", str(exc), permanent=exc.permanent)
    details = item_report(answers)
    if all(a.result is None for a in answers):
        return _Attempt("error", f"No item was answered (first error: {answers[0].error}).", details=details)
    undecided = undecided_by(answers) if plan.spec.needs_intents else None
    if undecided is not None:  # redeployed since the monitor was created: not a pass of every item
        reason = _no_intent(undecided, plan.spec, running=True)
        return _Attempt(
            "error", reason, permanent=True, model=answering_model(answers), details=details, items=len(items)
        )
    figures = score(plan.probe.operation, items, answers, plan.terms)
    failure = breach(plan.spec, figures.get(plan.spec.name), plan.thresholds)
    outcome = "fail" if failure else "pass"
    return _Attempt(outcome, failure, figures, answering_model(answers), details, len(items))


def run_monitor(
    workspace: Workspace,
    run_id: str,
    progress: ProgressCallback = no_progress,
    settings: MonitorSettings | None = None,
) -> dict[str, Any]:
    """Run one monitor run (the ``monitor-run`` job): send, score, retry, record, update the monitor, alert."""
    settings = settings or MonitorSettings.from_env()
    plan = _plan(workspace, run_id, secrets.token_urlsafe(24))
    if plan is None:
        return show_run(workspace, run_id)
    attempts = 0
    while True:
        attempts += 1
        result = _attempt(workspace, plan, progress)
        if result.outcome == "pass" or result.permanent or attempts > plan.retries:
            break
        time.sleep(settings.retry_seconds)
    value = result.figures.get(plan.spec.name) if result.figures else None
    # The run's result, the monitor's state and the alert commit together, and (in a job) only while the
    # job's lease holds: a worker whose run was taken over cannot record it, or alert, a second time.
    with workspace.transaction():
        out = update_resource(
            workspace, "monitor_runs", run_id, run_to_dict,
            status=Status.FAILED if result.outcome == "error" else Status.SUCCEEDED, outcome=result.outcome,
            error=result.error, value=value, attempts=attempts, metrics=result.figures or {}, items=result.items,
            details=result.details or [], model=result.model[0], model_id=result.model[1], finished_at=utcnow(),
            probe_hash="",
        )  # fmt: skip
        with workspace.session() as session:
            run, monitor = session.get(MonitorRun, run_id), session.get(Monitor, plan.monitor_id)
            if monitor is None:
                raise NotFoundError("The monitor was deleted while it ran.")
            if monitor.baseline_run_id is None and value is not None:
                monitor.baseline_run_id = run.id
            monitor_alerts.record_transition(session, monitor, run, plan.thresholds)
    monitor_alerts.deliver_due(workspace)
    return out


def is_probe(workspace: Workspace, endpoint_id: str, token: str | None) -> bool:
    """True when ``token`` is the probe token of a run in progress of a monitor of this endpoint."""
    if not token:
        return False
    query = (
        select(MonitorRun.id)
        .join(Monitor, Monitor.id == MonitorRun.monitor_id)
        .where(
            MonitorRun.probe_hash == hash_key(token),
            MonitorRun.status == Status.RUNNING,
            Monitor.endpoint_id == endpoint_id,
        )
    )
    with workspace.session() as session:
        return session.scalar(query) is not None


def purge_runs(workspace: Workspace, now: datetime | None = None) -> int:
    """Delete finished runs older than their monitor's retention (never the pinned or first baseline run)."""
    now = now or utcnow()
    deleted = 0
    with workspace.session() as session:
        monitors = session.execute(select(Monitor.id, Monitor.retention_days, Monitor.baseline_run_id)).all()
        for monitor_id, days, baseline in monitors:
            query = delete(MonitorRun).where(
                MonitorRun.monitor_id == monitor_id,
                MonitorRun.finished_at.is_not(None),
                MonitorRun.created_at < now - timedelta(days=days),
            )
            if baseline:
                query = query.where(MonitorRun.id != baseline)
            deleted += session.execute(query).rowcount
    return deleted


def monitor_gauges(workspace: Workspace) -> list[dict[str, Any]]:
    """Each monitor's name, metric, state and last measured run (for ``/metrics``)."""
    out = []
    with workspace.session() as session:
        for monitor in session.scalars(select(Monitor).order_by(Monitor.created_at)):
            last = session.scalar(_runs_query(monitor.id).where(MonitorRun.finished_at.is_not(None)).limit(1))
            out.append({
                "id": monitor.id, "name": monitor.name, "metric": monitor.metric, "state": monitor.state,
                "paused": monitor.paused, "value": last.value if last else None,
                "finished": as_utc(last.finished_at).timestamp() if last else None,
                "outcome": last.outcome if last else "",
            })  # fmt: skip
    return out
