"""The ``jobs`` table: one row per unit of background work, with a lease so a dead worker's job is not lost.

Lifecycle: a job is created NotStarted next to its resource (a dataset being imported, a model to
train, an evaluation, a batch transcription), in the same transaction when the caller opens one
(:meth:`~tunefork.workspace.Workspace.transaction`); its id goes on the queue after the commit, and
``enqueued`` records that it did. A crash between the two leaves ``enqueued`` False, and the relay
(:func:`outbox_jobs`, run by recovery) enqueues it: the outbox pattern. A worker *claims* the job with
one conditional UPDATE (NotStarted -> Running, ``attempts + 1``, ``worker`` and ``heartbeat_at`` set),
so a job delivered twice runs once. The attempt number is the lease's *fencing token*: heartbeats,
the end of the job and every resource write the job makes (:func:`update_resource` under
:func:`fenced`) check it, so a worker whose lease was taken over (cut off from the database longer than
the lease) cannot commit results. While it runs the worker refreshes ``heartbeat_at``; the job ends
Succeeded or Failed. A Running job whose heartbeat is older than the lease, or whose worker process is
known to be dead, is taken back by :mod:`tunefork.jobs.recovery`: retried while ``attempts <
max_attempts``, else Failed with the reason. So the API never shows a job Running forever.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tunefork.errors import NotFoundError, TuneforkError
from tunefork.store.models import Dataset, Evaluation, Job, Model, MonitorRun, Status, Transcription, utcnow
from tunefork.workspace import Workspace

TERMINAL = (Status.SUCCEEDED, Status.FAILED)
STATUSES = (Status.NOT_STARTED, Status.RUNNING, *TERMINAL)
"""Every status of a job, in lifecycle order (what `job list --status` and `GET /jobs?status=` filter by)."""


class JobKind(StrEnum):
    """The kinds of background job (the queue's handlers map each to the workflow function that runs it)."""

    DATASET_IMPORT = "dataset-import"
    MODEL_TRAINING = "model-training"
    EVALUATION = "evaluation"
    TRANSCRIPTION = "transcription"
    MONITOR_RUN = "monitor-run"


JOB_RESOURCES: dict[JobKind, str] = {
    JobKind.DATASET_IMPORT: "datasets",
    JobKind.MODEL_TRAINING: "models",
    JobKind.EVALUATION: "evaluations",
    JobKind.TRANSCRIPTION: "transcriptions",
    JobKind.MONITOR_RUN: "monitor_runs",
}
"""The resource type each kind of job works on."""


class JobSubmitter(Protocol):
    """What the use cases submit jobs to (the job queue, :class:`tunefork.jobs.queue.JobQueue`)."""

    def submit(
        self,
        kind: str,
        resource_type: str,
        resource_id: str,
        project_id: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Record a NotStarted job for the resource and put it on the queue; return the job."""
        ...


def submit_job(
    submitter: JobSubmitter, kind: JobKind, resource_id: str, project_id: str | None, payload: dict | None = None
) -> dict[str, Any]:
    """Submit a job of ``kind`` for a resource (its type follows from the kind)."""
    return submitter.submit(kind, JOB_RESOURCES[kind], resource_id, project_id, payload)


@dataclass(frozen=True)
class ResourceKind:
    """A table whose rows jobs work on, and where its artifact lives on disk."""

    table: type
    artifact_dir: Callable[[Workspace, str], Path]


RESOURCES: dict[str, ResourceKind] = {
    "datasets": ResourceKind(Dataset, lambda ws, rid: ws.dataset_path(rid)),
    "models": ResourceKind(Model, lambda ws, rid: ws.model_dir(rid)),
    "evaluations": ResourceKind(Evaluation, lambda ws, rid: ws.report_dir(rid)),
    "transcriptions": ResourceKind(Transcription, lambda ws, rid: ws.transcription_dir(rid)),
    "monitor_runs": ResourceKind(MonitorRun, lambda ws, rid: ws.monitor_run_dir(rid)),
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def job_to_dict(job: Job) -> dict[str, Any]:
    """JSON-able view of a job."""
    return {
        "id": job.id,
        "kind": job.kind,
        "resourceType": job.resource_type,
        "resourceId": job.resource_id,
        "projectId": job.project_id,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "error": job.error,
        "attempts": job.attempts,
        "maxAttempts": job.max_attempts,
        "worker": job.worker,
        "heartbeatDateTime": _iso(job.heartbeat_at),
        "startedDateTime": _iso(job.started_at),
        "finishedDateTime": _iso(job.finished_at),
        "createdDateTime": job.created_at.isoformat(),
        "lastActionDateTime": job.last_action_at.isoformat(),
    }


def create_job(
    workspace: Workspace,
    kind: str,
    resource_type: str,
    resource_id: str,
    project_id: str | None = None,
    payload: dict[str, Any] | None = None,
    max_attempts: int = 2,
) -> dict[str, Any]:
    """Record a NotStarted job for a resource, not yet enqueued (the caller enqueues its id after the
    commit, then calls :func:`mark_enqueued`; the relay does it if the caller crashed)."""
    if resource_type not in RESOURCES:
        raise ValueError(f"unknown resource type {resource_type!r}")
    with workspace.session() as session:
        job = Job(
            kind=kind,
            resource_type=resource_type,
            resource_id=resource_id,
            project_id=project_id,
            payload=payload or {},
            max_attempts=max_attempts,
            status=Status.NOT_STARTED,
            enqueued=False,
        )
        session.add(job)
        session.flush()
        return job_to_dict(job)


def show_job(workspace: Workspace, job_id: str) -> dict[str, Any]:
    """One job by id."""
    with workspace.session() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFoundError(f"No job with id '{job_id}'.")
        return job_to_dict(job)


def job_payload(workspace: Workspace, job_id: str) -> dict[str, Any]:
    """The payload a job was created with."""
    with workspace.session() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFoundError(f"No job with id '{job_id}'.")
        return dict(job.payload)


def list_jobs(
    workspace: Workspace,
    status: str | None = None,
    kind: str | None = None,
    resource_id: str | None = None,
    skip: int = 0,
    top: int = 100,
) -> list[dict[str, Any]]:
    """Jobs, newest first, optionally filtered by status, kind or resource."""
    query = _filtered(select(Job), status, kind, resource_id).order_by(Job.created_at.desc(), Job.id)
    with workspace.session() as session:
        return [job_to_dict(job) for job in session.scalars(query.offset(skip).limit(top))]


def count_jobs(
    workspace: Workspace, status: str | None = None, kind: str | None = None, resource_id: str | None = None
) -> int:
    """How many jobs :func:`list_jobs` pages through with these filters."""
    with workspace.session() as session:
        return int(session.scalar(_filtered(select(func.count()).select_from(Job), status, kind, resource_id)) or 0)


def _filtered(query: Any, status: str | None, kind: str | None, resource_id: str | None) -> Any:
    for column, value in ((Job.status, status), (Job.kind, kind), (Job.resource_id, resource_id)):
        if value is not None:
            query = query.where(column == value)
    return query


def job_counts(workspace: Workspace) -> dict[tuple[str, str], int]:
    """How many jobs there are of each ``(kind, status)``."""
    query = select(Job.kind, Job.status, func.count()).group_by(Job.kind, Job.status)
    with workspace.session() as session:
        return {(kind, status): int(count) for kind, status, count in session.execute(query)}


def latest_job_for(workspace: Workspace, resource_id: str) -> dict[str, Any] | None:
    """The newest job of a resource, if any."""
    jobs = list_jobs(workspace, resource_id=resource_id, top=1)
    return jobs[0] if jobs else None


def _conditional_update(workspace: Workspace, conditions: list[Any], **values: Any) -> bool:
    """``UPDATE jobs SET values WHERE conditions``; True when a row changed (compare-and-set)."""
    with workspace.session() as session:
        result = session.execute(update(Job).where(*conditions).values(last_action_at=utcnow(), **values))
        return result.rowcount == 1


class LeaseLostError(TuneforkError):
    """The job's lease was taken over (or the job was stopped): this worker may not write its results."""


@dataclass(frozen=True)
class Lease:
    """A worker's claim on a job; ``token`` (the attempt number) fences every write the job makes."""

    job_id: str
    worker: str
    token: int


def claim_job(workspace: Workspace, job_id: str, worker: str) -> Lease | None:
    """Take a NotStarted job for ``worker`` (atomic: of two deliveries, one wins); None when taken."""
    now = utcnow()
    with workspace.session() as session:
        token = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == Status.NOT_STARTED)
            .values(
                status=Status.RUNNING,
                worker=worker,
                attempts=Job.attempts + 1,
                heartbeat_at=now,
                started_at=now,
                error="",
                last_action_at=now,
            )
            .returning(Job.attempts)
        ).scalar_one_or_none()
    return Lease(job_id, worker, token) if token is not None else None  # fmt: skip


def _held(lease: Lease) -> list[Any]:
    """The conditions under which ``lease`` still holds its job."""
    return [
        Job.id == lease.job_id,
        Job.attempts == lease.token,
        Job.worker == lease.worker,
        Job.status == Status.RUNNING,
    ]


def heartbeat(workspace: Workspace, lease: Lease, progress: float | None = None, message: str | None = None) -> bool:
    """Renew the lease (and record progress); False when the job is no longer this lease's."""
    values: dict[str, Any] = {"heartbeat_at": utcnow()}
    if progress is not None:
        values["progress"] = round(min(max(progress, 0.0), 1.0), 4)
    if message is not None:
        values["message"] = message[:500]
    return _conditional_update(workspace, _held(lease), **values)


def finish_job(workspace: Workspace, lease: Lease, status: str, error: str = "") -> bool:
    """End a job this lease holds as Succeeded or Failed."""
    fields: dict[str, Any] = {"status": status, "error": error, "finished_at": utcnow()}
    if status == Status.SUCCEEDED:
        fields["progress"] = 1.0
    return _conditional_update(workspace, _held(lease), **fields)


def stop_job(workspace: Workspace, lease: Lease, reason: str) -> bool:
    """Fail a job that ran past its time limit (its worker's later writes are then refused)."""
    return finish_job(workspace, lease, Status.FAILED, reason)


@dataclass(frozen=True)
class _Fence:
    lease: Lease
    resource_type: str
    resource_id: str


_FENCE: ContextVar[_Fence | None] = ContextVar("tunefork_job_fence", default=None)


@contextmanager
def fenced(lease: Lease, resource_type: str, resource_id: str) -> Iterator[None]:
    """Within this block (this thread), writes to the job's resource commit only while ``lease`` holds."""
    token = _FENCE.set(_Fence(lease, resource_type, resource_id))
    try:
        yield
    finally:
        _FENCE.reset(token)


def _check_fence(session: Session, resource_type: str, resource_id: str) -> None:
    """In the writing transaction: the job still belongs to the fenced lease, else :class:`LeaseLostError`.

    The check is an UPDATE of the job row, so on PostgreSQL it also locks the row until the write
    commits: a take-over waits for it, and a write after a take-over is refused.
    """
    fence = _FENCE.get()
    if fence is None or (fence.resource_type, fence.resource_id) != (resource_type, resource_id):
        return
    held = session.execute(update(Job).where(*_held(fence.lease)).values(last_action_at=utcnow())).rowcount
    if held != 1:
        raise LeaseLostError(
            f"job {fence.lease.job_id} is no longer held by attempt {fence.lease.token} "
            "(taken over or stopped): its results are discarded"
        )


def mark_enqueued(workspace: Workspace, job_id: str) -> None:
    """Remember that (and when) a job was (re)put on the queue."""
    _conditional_update(workspace, [Job.id == job_id], enqueued=True, enqueued_at=utcnow())


def outbox_jobs(workspace: Workspace, older_than_seconds: float) -> list[str]:
    """NotStarted jobs recorded but never enqueued (their submitter crashed after the commit)."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    with workspace.session() as session:
        query = select(Job.id).where(
            Job.status == Status.NOT_STARTED, Job.enqueued.is_(False), Job.created_at <= cutoff
        )
        return list(session.scalars(query))


@dataclass(frozen=True)
class RunningJob:
    """What recovery needs to know about a Running job to take it back safely."""

    id: str
    worker: str
    attempts: int
    max_attempts: int
    heartbeat_at: datetime | None
    resource_type: str
    resource_id: str


def running_jobs(workspace: Workspace) -> list[RunningJob]:
    """Every Running job."""
    with workspace.session() as session:
        rows = session.scalars(select(Job).where(Job.status == Status.RUNNING))
        return [
            RunningJob(j.id, j.worker, j.attempts, j.max_attempts, j.heartbeat_at, j.resource_type, j.resource_id)
            for j in rows
        ]


def stale_cutoff(lease_seconds: float) -> datetime:
    """Heartbeats older than this have lost their lease."""
    return utcnow() - timedelta(seconds=lease_seconds)


def take_back(workspace: Workspace, job: RunningJob, retry: bool, reason: str) -> bool:
    """Take a Running job from its (dead) worker: NotStarted again to retry, or Failed with ``reason``.

    Compare-and-set on the worker, attempt count and heartbeat seen, so a worker that is alive after
    all, or another recovery pass, wins cleanly.
    """
    conditions = [
        Job.id == job.id,
        Job.status == Status.RUNNING,
        Job.worker == job.worker,
        Job.attempts == job.attempts,
    ]
    if job.heartbeat_at is not None:
        conditions.append(Job.heartbeat_at <= job.heartbeat_at)
    if retry:
        return _conditional_update(
            workspace, conditions, status=Status.NOT_STARTED, worker="", error=f"retrying: {reason}",
            enqueued_at=utcnow(), progress=0.0,
        )  # fmt: skip
    return _conditional_update(workspace, conditions, status=Status.FAILED, error=reason, finished_at=utcnow())


def release_jobs(workspace: Workspace, worker_prefix: str, reason: str) -> list[str]:
    """The Running jobs of the workers whose id starts with ``worker_prefix`` (this process, stopping on purpose),
    queued again without spending an attempt: NotStarted, its attempt given back (``attempts`` one lower, the
    maximum unchanged), no error, progress 0 (it runs from the start) and ``queued again: <reason>`` as its message.

    Two graceful stops of a server during a training failed it for good ("gave up: its worker process exited");
    a later review saw ``attempts 2/3``, an ``AttemptFailed`` error and the stopped run's last step as the message.
    Writes of the interrupted run are still fenced: the next claim is another worker's (the lease holds only while
    the worker id matches, and a thread takes a new job only after its run has ended)."""
    released = []
    with workspace.session() as session:
        rows = session.scalars(select(Job).where(Job.status == Status.RUNNING, Job.worker.startswith(worker_prefix)))
        found = [(job.id, job.worker, job.attempts, job.resource_type, job.resource_id) for job in rows]
    for job_id, worker, attempts, resource_type, resource_id in found:
        conditions = [Job.id == job_id, Job.status == Status.RUNNING, Job.worker == worker, Job.attempts == attempts]
        if _conditional_update(
            workspace, conditions, status=Status.NOT_STARTED, worker="", error="", message=f"queued again: {reason}",
            enqueued_at=utcnow(), progress=0.0, attempts=Job.attempts - 1,
        ):  # fmt: skip
            resource = resource_status(workspace, resource_type, resource_id)
            if resource is not None and resource[0] != Status.SUCCEEDED:
                set_resource_status(workspace, resource_type, resource_id, Status.NOT_STARTED)
            released.append(job_id)
    return released


def lost_queued_jobs(workspace: Workspace, older_than_seconds: float) -> list[str]:
    """NotStarted jobs last enqueued long ago (their queue message may be lost: enqueue them again)."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    with workspace.session() as session:
        query = select(Job.id).where(Job.status == Status.NOT_STARTED, Job.enqueued.is_(True), Job.enqueued_at < cutoff)
        return list(session.scalars(query))


def abandoned_resources(workspace: Workspace, older_than_seconds: float) -> list[tuple[str, str]]:
    """``(resource type, id)`` of NotStarted resources older than this that no job works on: the process that
    recorded them died before their job was (an upload cut off mid-way, a crash before the submission)."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    found = []
    with workspace.session() as session:
        for resource_type, kind in RESOURCES.items():
            table = kind.table
            has_job = select(Job.id).where(Job.resource_type == resource_type, Job.resource_id == table.id).exists()
            query = select(table.id).where(table.status == Status.NOT_STARTED, table.created_at < cutoff, ~has_job)
            found += [(resource_type, resource_id) for resource_id in session.scalars(query)]
    return found


def resource_status(workspace: Workspace, resource_type: str, resource_id: str) -> tuple[str, str] | None:
    """``(status, error)`` of a job's resource, or None when it was deleted."""
    with workspace.session() as session:
        row = session.get(RESOURCES[resource_type].table, resource_id)
        return (row.status, row.error) if row is not None else None


def update_resource(
    workspace: Workspace, resource_type: str, resource_id: str, to_dict: Callable[[Any], dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    """The status lifecycle of every resource in one place: set ``fields`` (``status``, ``error``, results),
    stamp ``last_action_at`` and return the resource as ``to_dict`` shows it (NotFound when it was deleted).
    Inside :func:`fenced` for this resource, the write commits only while the job's lease holds."""
    with workspace.session() as session:
        row = session.get(RESOURCES[resource_type].table, resource_id)
        if row is None:
            raise NotFoundError(f"No {resource_type[:-1]} with id '{resource_id}' (it was deleted).")
        _check_fence(session, resource_type, resource_id)
        for key, value in fields.items():
            setattr(row, key, value)
        row.last_action_at = utcnow()
        session.flush()
        return to_dict(row)


def set_resource_status(
    workspace: Workspace, resource_type: str, resource_id: str, status: str, error: str = ""
) -> None:
    """Set a resource's status (a deleted one is left alone); NotStarted also clears its progress and
    removes any partial artifact (a job about to run again)."""
    fields: dict[str, Any] = {"status": status, "error": error}
    if status == Status.NOT_STARTED and hasattr(RESOURCES[resource_type].table, "progress"):
        fields["progress"] = 0.0
    try:
        update_resource(workspace, resource_type, resource_id, lambda row: {}, **fields)
    except NotFoundError:
        return
    if status == Status.NOT_STARTED:
        shutil.rmtree(RESOURCES[resource_type].artifact_dir(workspace, resource_id), ignore_errors=True)
