"""Run one job: claim it, keep its lease alive, call its workflow under the lease's fence, record how it ended."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.exc import InterfaceError, OperationalError

from tunefork.errors import TuneforkError, failure_reason
from tunefork.jobs.config import JobSettings
from tunefork.jobs.handlers import JOB_HANDLERS, JobHandler
from tunefork.progress import OverallProgress
from tunefork.store.models import Status
from tunefork.workflows import jobs, storage
from tunefork.workspace import Workspace

log = logging.getLogger(__name__)


class JobTimeLimitError(TuneforkError):
    """Raised from a job's progress callback once the job has been stopped for running too long."""


class JobPutBackError(TuneforkError):
    """Raised before a job is claimed when this worker cannot run it: the job is untouched (no attempt spent), so
    its queue message must go back for another worker (:meth:`.queue.JobQueue.run`)."""


class DatabaseUnreachableError(JobPutBackError):
    """The job cannot even be claimed: the database does not answer."""


class StoreUnreadableError(JobPutBackError):
    """The job's inputs are in the shared object store and this worker has none (``TUNEFORK_STORAGE_URL`` unset):
    run here, it would fail for a reason that is this machine's setting, not the job's (on a shared Redis queue
    only: a SQLite queue has no other worker, so the job fails with :func:`_store_missing`'s reason)."""


def _store_missing(job_id: str) -> str:
    """Why a job whose inputs are in the shared object store cannot run on this worker."""
    return (
        f"job {job_id} reads the shared object store, and this worker has none: set TUNEFORK_STORAGE_URL "
        "(and TUNEFORK_S3_*) as on the other machines"
    )


class _Lease:
    """Renews a job's heartbeat from a side thread, records progress (at most once a second) and stops
    the job when it outlives ``time_limit`` seconds: the job and its resource become Failed with the
    reason, the lease is gone (so the job's writes are refused) and its next progress report raises."""

    def __init__(self, workspace: Workspace, lease: jobs.Lease, job: dict, interval: float, time_limit: float) -> None:
        self.workspace, self.lease, self.job, self.interval = workspace, lease, job, interval
        self.deadline = time.monotonic() + time_limit
        self.time_limit = time_limit
        self.stopped = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{lease.job_id[:8]}", daemon=True)
        self._last_progress, self._overall = 0.0, OverallProgress()

    def __enter__(self) -> _Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        while not self._stop.wait(min(self.interval, max(self.deadline - time.monotonic(), 0.01))):
            try:
                if time.monotonic() >= self.deadline:
                    self._stop_job()
                    return
                jobs.heartbeat(self.workspace, self.lease)
            except Exception:  # a database hiccup must not kill the job; the next beat retries
                log.exception("heartbeat of job %s failed", self.lease.job_id)

    def _stop_job(self) -> None:
        reason = f"stopped: it ran longer than its time limit of {self.time_limit:g} s"
        if jobs.stop_job(self.workspace, self.lease, reason):
            jobs.set_resource_status(
                self.workspace, self.job["resourceType"], self.job["resourceId"], Status.FAILED, reason
            )
            log.error("job %s %s", self.lease.job_id, reason)
        self.stopped.set()

    def progress(self, done: int, total: int, description: str) -> None:
        """A :data:`~tunefork.progress.ProgressCallback` that stores the job's overall fraction
        (:class:`~tunefork.progress.OverallProgress`) and its step, ``description (done/total)``."""
        if self.stopped.is_set():
            raise JobTimeLimitError(f"job {self.lease.job_id} was stopped: it ran past its time limit")
        fraction = self._overall.update(done, total) if total else None
        now = time.monotonic()
        if now - self._last_progress < 1.0 and done != total:
            return
        self._last_progress = now
        description = f"{description} ({done}/{total})" if total else description
        try:
            jobs.heartbeat(self.workspace, self.lease, fraction, description)
        except Exception:
            log.exception("progress of job %s could not be saved", self.lease.job_id)


def execute_job(workspace: Workspace, job_id: str, worker: str, settings: JobSettings) -> str | None:
    """Run job ``job_id`` if it can be claimed; returns its final status, or None when it was not ours.

    The job ends as its resource does: Succeeded, or Failed with the resource's error. An unexpected
    exception fails both the job and the resource with the exception's text. A resource already
    Succeeded (a retried job whose first run finished) is not run again. A job this worker cannot run (the database
    does not answer, its inputs are in a shared store this worker lacks and a Redis queue may hold workers that have
    it) is not claimed: :class:`JobPutBackError`; on the SQLite queue (no other worker) the latter fails instead.
    Every write to the resource
    is fenced by the lease: once the lease is taken over or the job stopped at its time limit, the
    worker's results are discarded (None is returned, or Failed for a stopped job).
    """
    try:
        store_missing = storage.reads_unreachable_store(workspace, job_id)
        if store_missing and settings.redis_url:  # another worker on the shared queue may have the store
            raise StoreUnreadableError(_store_missing(job_id))
        lease = jobs.claim_job(workspace, job_id, worker)
    except (OperationalError, InterfaceError) as exc:  # connection-level: nothing was written
        raise DatabaseUnreachableError(
            f"job {job_id} could not be claimed: the database does not answer ({type(exc).__name__})"
        ) from exc
    if lease is None:
        return None
    job = jobs.show_job(workspace, job_id)
    kind = JOB_HANDLERS.get(job["kind"])
    resource = jobs.resource_status(workspace, job["resourceType"], job["resourceId"])
    if kind is None or resource is None:
        reason = f"unknown job kind '{job['kind']}'" if kind is None else "its resource was deleted"
        jobs.finish_job(workspace, lease, Status.FAILED, reason)
        return Status.FAILED
    if resource[0] == Status.SUCCEEDED:
        jobs.finish_job(workspace, lease, Status.SUCCEEDED)
        return Status.SUCCEEDED
    if store_missing:
        reason = _store_missing(job_id)
        jobs.set_resource_status(workspace, job["resourceType"], job["resourceId"], Status.FAILED, reason)
        jobs.finish_job(workspace, lease, Status.FAILED, reason)
        return Status.FAILED
    runner = _Lease(workspace, lease, job, settings.heartbeat_seconds, settings.time_limit_seconds)
    try:
        with runner, jobs.fenced(lease, job["resourceType"], job["resourceId"]):
            return _run(workspace, lease, job, kind, runner)
    except jobs.LeaseLostError as exc:
        log.warning("job %s: %s", job_id, exc)
        return Status.FAILED if runner.stopped.is_set() else None


def _run(workspace: Workspace, lease: jobs.Lease, job: dict, kind: JobHandler, runner: _Lease) -> str:
    """Call the job's workflow and end the job as its resource ended."""
    try:
        kind.run(workspace, job["resourceId"], jobs.job_payload(workspace, lease.job_id), runner.progress)
    except jobs.LeaseLostError:
        raise
    except Exception as exc:  # every failure must end in Failed with its reason
        reason = workspace.public_message(failure_reason(exc, log, f"running job {lease.job_id} ({job['kind']})"))
        jobs.set_resource_status(workspace, job["resourceType"], job["resourceId"], Status.FAILED, reason)
        jobs.finish_job(workspace, lease, Status.FAILED, reason)
        return Status.FAILED
    status, error = jobs.resource_status(workspace, job["resourceType"], job["resourceId"]) or (
        Status.FAILED,
        "its resource was deleted while the job ran",
    )
    final = Status.SUCCEEDED if status == Status.SUCCEEDED else Status.FAILED
    if final == Status.FAILED and not error:
        error = f"the {job['resourceType'][:-1]} ended {status}"
    jobs.finish_job(workspace, lease, final, error if final == Status.FAILED else "")
    return final
