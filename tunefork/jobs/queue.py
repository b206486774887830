"""The Huey queue of a workspace: ``SqliteHuey`` in the workspace, or ``RedisHuey`` shared by many workers.

Only job ids travel through the queue; everything else is in the ``jobs`` table, so the queue can be
replayed safely (a job delivered twice runs once, see :func:`tunefork.workflows.jobs.claim_job`).
Periodic tasks, run by every consumer (each pass is safe to run concurrently): every minute, take back
the jobs of dead workers, relay the outbox and re-enqueue lost ones; every ten minutes, delete endpoint
logs past their retention, remove the staging folders of dead processes and the orphaned objects of
the shared store. Every minute too, start the monitor runs that
are due and send the pending alerts; every ten minutes, delete monitor runs past their retention.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from typing import Any

from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey
from huey.consumer import Consumer, Scheduler
from sqlalchemy.exc import SQLAlchemyError

from tunefork.jobs.config import JobSettings
from tunefork.jobs.recovery import RecoveryReport, recover_jobs
from tunefork.jobs.runner import JobPutBackError, execute_job
from tunefork.store.redaction import redacted_text
from tunefork.workflows import jobs, monitor_alerts, monitors, storage
from tunefork.workflows.endpoint_logs import purge_expired_logs
from tunefork.workspace import Workspace

log = logging.getLogger(__name__)

UNREACHABLE_PAUSE_S = 5.0
"""How long a worker thread that could not reach the database waits before it takes the next message."""


class MinuteScheduler(Scheduler):
    """Huey's scheduler with its periodic check at the start of each wall-clock minute.

    Huey checks periodic tasks every 60 s counted from the consumer's start: a consumer started at
    hh:mm:58 would start a monitor due at 10:05:00 only at 10:05:58. Aligned on the minute, due runs start
    within about a second (the scheduler's interval).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._next_periodic = time.monotonic() + seconds_to_next_minute() + 0.05

    def loop(self, now: Any = None) -> None:
        """One pass of Huey's scheduler; after a pass without a queue error during an outage, one more read of the
        queue, and if it works, the outage is over (:meth:`QueueOutageFilter.answered` says so once)."""
        failures = QUEUE_OUTAGES.failures
        super().loop(now)
        if not QUEUE_OUTAGES.down or QUEUE_OUTAGES.failures != failures:
            return
        try:
            self.huey.pending_count()
        except Exception:  # still down: the next read's error is counted by the filter
            return
        QUEUE_OUTAGES.answered()


def seconds_to_next_minute(now: float | None = None) -> float:
    """Seconds from ``now`` (epoch seconds, default now) to the next whole wall-clock minute."""
    return 60.0 - (time.time() if now is None else now) % 60.0


class QueueOutageFilter(logging.Filter):
    """Huey's worker and scheduler log "Error reading from queue" / "Error reading schedule." with a whole
    traceback at every failed read, several times a second while Redis is down (3,294 lines in 25 s for a
    scale-out review), and "Error enqueueing periodic task ..." with one at every minute's periodic tasks: one
    line a minute instead, naming the error. Reads go on being retried; the first one that works resumes the work,
    and :meth:`answered` (called by :class:`MinuteScheduler`) says once that the queue answers again."""

    MESSAGES = ("Error reading from queue", "Error reading schedule.", "Error enqueueing %s.",
                "Error enqueueing periodic task %s.")  # fmt: skip

    def __init__(self, every_s: float = 60.0) -> None:
        super().__init__()
        self.every_s = every_s
        self._last = -every_s
        self._lock = threading.Lock()
        self.failures = 0
        """Queue errors seen (the scheduler compares it before and after a pass)."""
        self.down = False
        """True from a queue error until :meth:`answered`."""

    def answered(self) -> None:
        """The queue answered a read: if it was down, say once that it answers again (and say the next outage at
        once)."""
        with self._lock:
            was_down, self.down, self._last = self.down, False, -self.every_s
        if was_down:
            log.warning("The job queue answers again; queued jobs run as before.")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg not in self.MESSAGES:
            return True
        with self._lock:
            self.failures += 1
            self.down = True
            now = time.monotonic()
            if now - self._last < self.every_s:
                return False
            self._last = now
        error = record.exc_info[1] if record.exc_info else None
        record.msg = "The job queue does not answer (%s); reads are retried, and this is said again each minute."
        record.args = (redacted_text(f"{type(error).__name__}: {error}") if error else "no reason given",)
        record.exc_info, record.exc_text = None, None
        return True


QUEUE_OUTAGES = QueueOutageFilter()
for _reader in ("huey.consumer.Worker", "huey.consumer.Scheduler"):
    logging.getLogger(_reader).addFilter(QUEUE_OUTAGES)


class TuneforkConsumer(Consumer):
    """A Huey consumer whose periodic tasks run at the start of each minute (:class:`MinuteScheduler`)."""

    scheduler_class = MinuteScheduler


class EmbeddedConsumer(TuneforkConsumer):
    """A Huey consumer that runs beside a server: threads only, no signal handlers of its own."""

    def _set_signal_handlers(self) -> None:
        """Leave signals to the host process (uvicorn)."""


class JobQueue:
    """A workspace's queue with tunefork's tasks registered; one per process."""

    def __init__(self, workspace: Workspace, settings: JobSettings | None = None) -> None:
        self.workspace = workspace
        self.settings = settings or JobSettings.from_env()
        self.process_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.huey = self._make_huey()
        self._run_task = self.huey.task(name="tunefork.run_job")(self.run)
        self.huey.periodic_task(crontab(minute="*"), name="tunefork.recover_jobs")(self.recover)
        self.huey.periodic_task(crontab(minute="*/10"), name="tunefork.purge_endpoint_logs")(self.purge_logs)
        self.huey.periodic_task(crontab(minute="*/10"), name="tunefork.sweep_staging")(self.workspace.sweep_staging)
        self.huey.periodic_task(crontab(minute="*/10"), name="tunefork.sweep_objects")(self.sweep_objects)
        self.huey.periodic_task(crontab(minute="*"), name="tunefork.tend_monitors")(self.tend_monitors)
        self.huey.periodic_task(crontab(minute="*/10"), name="tunefork.purge_monitor_runs")(self.purge_monitor_runs)

    def _make_huey(self) -> Huey:
        if self.settings.redis_url:
            return RedisHuey(self.settings.queue_name, url=self.settings.redis_url, results=False, utc=True)
        path = self.workspace.queue_file
        return SqliteHuey(self.settings.queue_name, filename=str(path), results=False, utc=True)

    @property
    def backend(self) -> str:
        """``redis`` or ``sqlite``."""
        return "redis" if self.settings.redis_url else "sqlite"

    def submit(
        self,
        kind: str,
        resource_type: str,
        resource_id: str,
        project_id: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Record a NotStarted job (in the caller's :meth:`~tunefork.workspace.Workspace.transaction`, if
        any) and put it on the queue once that commits; a crash in between leaves it to the relay."""
        job = jobs.create_job(
            self.workspace, kind, resource_type, resource_id, project_id, payload, self.settings.max_attempts
        )
        self.workspace.after_commit(lambda: self._hand_over(job["id"]))
        return job

    def _hand_over(self, job_id: str) -> None:
        """Enqueue a recorded job and clear it from the outbox (left there if the queue is unreachable)."""
        if self.enqueue(job_id):
            jobs.mark_enqueued(self.workspace, job_id)

    def enqueue(self, job_id: str) -> bool:
        """Put a job id on the queue; False when that failed (recovery enqueues it again later)."""
        try:
            self._run_task(job_id)
        except Exception:
            log.exception("could not enqueue job %s; it will be re-enqueued by recovery", job_id)
            return False
        return True

    def run(self, job_id: str) -> str | None:
        """The queue task: run one job in this worker thread.

        A worker that reaches the queue but not the database, or that has no shared object store while the job's
        inputs are in one (on a shared Redis queue), puts the job's message back and pauses
        (:data:`UNREACHABLE_PAUSE_S`), so a worker that can run it runs it at once instead of it waiting for recovery
        (a scale-out review lost each such message for the 10-minute requeue time) or failing for this machine's
        setting."""
        worker = f"{self.process_id}:{threading.current_thread().name}"
        log.info("job %s: taken by %s", job_id, worker)
        try:
            status = execute_job(self.workspace, job_id, worker, self.settings)
            log.info("job %s: %s", job_id, status or "run by another worker (not claimed)")
            return status
        except JobPutBackError as exc:
            log.error("%s; its message goes back on the queue for another worker", exc)
            time.sleep(UNREACHABLE_PAUSE_S)
            self._put_back(job_id)
            return None

    def _put_back(self, job_id: str) -> None:
        """Enqueue a job again and record it (so that recovery does not enqueue another copy of a message that is
        not lost); when the database still does not answer, recovery's next pass records or relays it."""
        try:
            self._hand_over(job_id)
        except SQLAlchemyError as exc:
            log.warning("job %s: back on the queue, not recorded (%s)", job_id, type(exc).__name__)

    def release(self, reason: str) -> list[str]:
        """Queue this process's Running jobs again without spending an attempt (it stops on purpose: Ctrl-C,
        SIGTERM); they run again when a server or worker takes them."""
        released = jobs.release_jobs(self.workspace, f"{self.process_id}:", reason)
        for job_id in released:
            log.warning("job %s: queued again, %s", job_id, reason)
            self.enqueue(job_id)
        return released

    def recover(self) -> RecoveryReport:
        """Take back the jobs of dead workers, relay the outbox and re-enqueue lost ones (periodic, and at start)."""
        return recover_jobs(self.workspace, self.settings, self.enqueue)

    def sweep_objects(self) -> list[str]:
        """Remove orphaned objects from the shared store (periodic)."""
        return storage.sweep_objects(self.workspace)

    def purge_logs(self) -> int:
        """Delete endpoint logs older than their retention (periodic, every ten minutes), saying how many."""
        purged = purge_expired_logs(self.workspace)
        if purged:
            log.info("deleted %d endpoint log(s) past their retention", purged)
        return purged

    def tend_monitors(self) -> list[str]:
        """Start the monitor runs that are due and send pending alerts (periodic); returns the runs started."""
        started = monitors.schedule_due(self.workspace, self)
        monitor_alerts.deliver_due(self.workspace)
        return started

    def purge_monitor_runs(self) -> int:
        """Delete monitor runs older than their monitor's retention (periodic)."""
        return monitors.purge_runs(self.workspace)

    def pending(self) -> int:
        """Messages waiting on the queue."""
        return self.huey.pending_count()

    def consumer(self, workers: int = 1, embedded: bool = False) -> Consumer:
        """A consumer with ``workers`` threads (``embedded``: for running inside another program)."""
        options = {"workers": workers, "worker_type": "thread", "periodic": True, "max_delay": 1.0}
        if embedded:
            return EmbeddedConsumer(self.huey, check_worker_health=False, **options)
        return TuneforkConsumer(self.huey, **options)

    def close(self) -> None:
        """Release the queue's storage connection."""
        try:
            self.huey.storage.close()
        except Exception:  # closing is best effort
            log.debug("closing the queue storage failed", exc_info=True)
