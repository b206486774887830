"""Run one job: claim it, keep its lease alive, call its workflow, record how it ended."""

from __future__ import annotations

import logging
import threading
import time

from tunefork.jobs.config import JobSettings
from tunefork.jobs.handlers import JOB_HANDLERS
from tunefork.store.models import Status
from tunefork.workflows import jobs
from tunefork.workspace import Workspace

log = logging.getLogger(__name__)


class _Lease:
    """Renews a job's heartbeat from a side thread and records progress (at most once a second)."""

    def __init__(self, workspace: Workspace, job_id: str, worker: str, interval: float) -> None:
        self.workspace, self.job_id, self.worker, self.interval = workspace, job_id, worker, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{job_id[:8]}", daemon=True)
        self._last_progress = 0.0

    def __enter__(self) -> _Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                jobs.heartbeat(self.workspace, self.job_id, self.worker)
            except Exception:  # a database hiccup must not kill the job; the next beat retries
                log.exception("heartbeat of job %s failed", self.job_id)

    def progress(self, done: int, total: int, description: str) -> None:
        """A :data:`~tunefork.progress.ProgressCallback` that stores percent and step on the job."""
        now = time.monotonic()
        if now - self._last_progress < 1.0 and done != total:
            return
        self._last_progress = now
        fraction = done / total if total else None
        try:
            jobs.heartbeat(self.workspace, self.job_id, self.worker, fraction, description)
        except Exception:
            log.exception("progress of job %s could not be saved", self.job_id)


def execute_job(workspace: Workspace, job_id: str, worker: str, settings: JobSettings) -> str | None:
    """Run job ``job_id`` if it can be claimed; returns its final status, or None when it was not ours.

    The job ends as its resource does: Succeeded, or Failed with the resource's error. An unexpected
    exception fails both the job and the resource with the exception's text. A resource already
    Succeeded (a retried job whose first run finished) is not run again.
    """
    if not jobs.claim_job(workspace, job_id, worker):
        return None
    job = jobs.show_job(workspace, job_id)
    kind = JOB_HANDLERS.get(job["kind"])
    resource = jobs.resource_status(workspace, job["resourceType"], job["resourceId"])
    if kind is None or resource is None:
        reason = f"unknown job kind '{job['kind']}'" if kind is None else "its resource was deleted"
        jobs.finish_job(workspace, job_id, worker, Status.FAILED, reason)
        return Status.FAILED
    if resource[0] == Status.SUCCEEDED:
        jobs.finish_job(workspace, job_id, worker, Status.SUCCEEDED)
        return Status.SUCCEEDED
    with _Lease(workspace, job_id, worker, settings.heartbeat_seconds) as lease:
        try:
            kind.run(workspace, job["resourceId"], jobs.job_payload(workspace, job_id), lease.progress)
        except Exception as exc:  # every failure must end in Failed with its reason
            log.exception("job %s (%s) failed", job_id, job["kind"])
            reason = workspace.public_message(f"{type(exc).__name__}: {exc}")
            jobs.set_resource_status(workspace, job["resourceType"], job["resourceId"], Status.FAILED, reason)
            jobs.finish_job(workspace, job_id, worker, Status.FAILED, reason)
            return Status.FAILED
    status, error = jobs.resource_status(workspace, job["resourceType"], job["resourceId"]) or (
        Status.FAILED,
        "its resource was deleted while the job ran",
    )
    final = Status.SUCCEEDED if status == Status.SUCCEEDED else Status.FAILED
    if final == Status.FAILED and not error:
        error = f"the {job['resourceType'][:-1]} ended {status}"
    jobs.finish_job(workspace, job_id, worker, final, error if final == Status.FAILED else "")
    return final
