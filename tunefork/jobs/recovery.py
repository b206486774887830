"""Take back the jobs of dead workers (retry once, then Failed with the reason), relay the jobs a crash left
in the outbox (recorded, never enqueued) and re-enqueue lost ones."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tunefork.jobs.config import JobSettings
from tunefork.store.models import Status
from tunefork.workflows import jobs
from tunefork.workspace import Workspace

log = logging.getLogger(__name__)


def worker_is_dead(worker: str) -> bool:
    """True when ``worker`` (``host:pid:token``) names a process on this host that no longer exists."""
    parts = worker.split(":")
    if len(parts) < 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass
class RecoveryReport:
    """What one recovery pass did."""

    retried: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)
    relayed: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)


def recover_jobs(workspace: Workspace, settings: JobSettings, enqueue: Callable[[str], bool]) -> RecoveryReport:
    """One pass: Running jobs without a live lease are retried or failed; jobs left in the outbox are
    enqueued (the relay); NotStarted resources that never got a job are Failed; long-queued jobs are
    enqueued again.

    A job's lease is lost when its heartbeat is older than ``settings.lease_seconds`` or its worker is
    a dead process on this machine (a restarted server recovers its jobs at once). Safe to run in
    several workers at the same time: every change is a compare-and-set.
    """
    report = RecoveryReport()
    cutoff = jobs.stale_cutoff(settings.lease_seconds)
    for job in jobs.running_jobs(workspace):
        expired = job.heartbeat_at is None or _as_utc(job.heartbeat_at) < cutoff
        dead = worker_is_dead(job.worker)
        if not (expired or dead):
            continue
        why = "its worker process exited" if dead else "its worker stopped sending heartbeats"
        reason = f"{why} ({job.worker or 'unknown worker'}, attempt {job.attempts} of {job.max_attempts})"
        retry = job.attempts < job.max_attempts
        if not jobs.take_back(workspace, job, retry, reason if retry else f"gave up: {reason}"):
            continue
        resource = jobs.resource_status(workspace, job.resource_type, job.resource_id)
        succeeded = resource is not None and resource[0] == Status.SUCCEEDED
        if retry:
            if not succeeded:
                jobs.set_resource_status(workspace, job.resource_type, job.resource_id, Status.NOT_STARTED)
            enqueue(job.id)
            report.retried.append(job.id)
            log.warning("job %s taken back for a retry: %s", job.id, reason)
        else:
            if not succeeded:
                jobs.set_resource_status(
                    workspace, job.resource_type, job.resource_id, Status.FAILED, f"gave up: {reason}"
                )
            report.failed.append(job.id)
            log.error("job %s failed: %s", job.id, reason)
    for job_id in jobs.outbox_jobs(workspace, settings.relay_after_seconds):
        if enqueue(job_id):
            jobs.mark_enqueued(workspace, job_id)
            report.relayed.append(job_id)
    for resource_type, resource_id in jobs.abandoned_resources(workspace, settings.abandon_after_seconds):
        reason = "abandoned: the process that recorded it stopped before its job was submitted (an interrupted upload?)"
        jobs.set_resource_status(workspace, resource_type, resource_id, Status.FAILED, reason)
        report.abandoned.append(resource_id)
    for job_id in jobs.lost_queued_jobs(workspace, settings.requeue_after_seconds):
        jobs.mark_enqueued(workspace, job_id)
        enqueue(job_id)
        report.requeued.append(job_id)
    return report


def _as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored in UTC); make them comparable with aware ones."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
