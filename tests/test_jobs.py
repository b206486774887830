"""The job machinery in-process: claims, failures, leases, retries after a dead worker, lost messages."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import get_args

import pytest
from sqlalchemy import update

from tunefork.jobs.config import JobSettings
from tunefork.jobs.handlers import JOB_HANDLERS, JobHandler
from tunefork.jobs.queue import JobQueue
from tunefork.service.routers.jobs import StatusFilter
from tunefork.store.models import Dataset, Job, Status, utcnow
from tunefork.workflows import datasets, jobs, projects
from tunefork.workspace import Workspace


@pytest.fixture
def queue(workspace: Workspace) -> JobQueue:
    """A SQLite queue in the workspace with a 30 s lease."""
    q = JobQueue(workspace, JobSettings(lease_seconds=30, max_attempts=2, requeue_after_seconds=60))
    yield q
    q.close()


def _import_job(workspace: Workspace, queue: JobQueue, name: str = "related") -> dict:
    """A registered language dataset and its queued import job."""
    if not projects.list_projects(workspace):
        projects.create_project(workspace, "p", "speech")
    folder = workspace.home / "uploads" / name
    folder.mkdir(parents=True)
    (folder / "text.txt").write_text("take metoprolol twice a day\nrefill the prescription\n")
    dataset = datasets.register_dataset(workspace, "p", "language", name)
    payload = {"source": f"uploads/{name}/text.txt", "cleanup": f"uploads/{name}"}
    return queue.submit("dataset-import", "datasets", dataset["id"], dataset["projectId"], payload)


def _claim_as(workspace: Workspace, job_id: str, worker: str, heartbeat_age_s: float = 0.0) -> None:
    assert jobs.claim_job(workspace, job_id, worker)
    with workspace.session() as session:
        old = utcnow() - timedelta(seconds=heartbeat_age_s)
        session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=old))
    jobs.set_resource_status(workspace, "datasets", jobs.show_job(workspace, job_id)["resourceId"], Status.RUNNING)


def test_a_job_runs_once_even_when_delivered_twice(workspace: Workspace, queue: JobQueue) -> None:
    job = _import_job(workspace, queue)
    assert job["status"] == "NotStarted" and queue.pending() == 1
    assert queue.run(job["id"]) == Status.SUCCEEDED
    assert queue.run(job["id"]) is None  # the second delivery finds it taken
    done = jobs.show_job(workspace, job["id"])
    assert (done["status"], done["attempts"], done["progress"]) == ("Succeeded", 1, 1.0)
    assert datasets.show_dataset(workspace, job["resourceId"])["accepted"] == 2
    assert not (workspace.home / "uploads" / "related").exists()  # the upload is dropped after import


def test_an_exception_fails_job_and_resource(workspace: Workspace, queue: JobQueue, monkeypatch, caplog) -> None:
    def boom(*_args) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(JOB_HANDLERS, "dataset-import", JobHandler("datasets", boom))
    job = _import_job(workspace, queue)
    assert queue.run(job["id"]) == Status.FAILED
    # the exception's text may hold SQL, paths or secrets: clients get its type and an incident the log explains
    error = jobs.show_job(workspace, job["id"])["error"]
    incident = re.fullmatch(r"an unexpected error \(RuntimeError, incident (\w{8})\); the log has the details", error)
    assert incident and "disk on fire" not in error
    logged = [r for r in caplog.records if incident.group(1) in r.getMessage()]
    assert logged and "disk on fire" in str(logged[0].exc_info[1])
    dataset = datasets.show_dataset(workspace, job["resourceId"])
    assert dataset["status"] == "Failed" and dataset["error"] == error


def test_a_rejected_upload_fails_the_job_with_the_dataset_reason(workspace: Workspace, queue: JobQueue) -> None:
    job = _import_job(workspace, queue)
    (workspace.home / "uploads" / "related" / "text.txt").write_text("see https://example.com/a\n")
    assert queue.run(job["id"]) == Status.FAILED
    dataset = datasets.show_dataset(workspace, job["resourceId"])
    assert dataset["status"] == "Failed" and jobs.show_job(workspace, job["id"])["error"] == dataset["error"]
    assert not workspace.dataset_path(dataset["id"]).exists()
    # The corrected file goes up under the same name: the failed dataset gives it up (a studio review was refused).
    again = datasets.register_dataset(workspace, "p", "language", "related")
    assert again["id"] != dataset["id"] and [d["id"] for d in datasets.list_datasets(workspace, "p")] == [again["id"]]


def test_job_list_takes_a_status_in_any_case_and_refuses_an_unknown_one(
    workspace: Workspace, queue: JobQueue, cli
) -> None:
    """`job list --status succeeded` and `--status bogus` both listed no job and exited 0 (a review)."""
    done, waiting = _import_job(workspace, queue), _import_job(workspace, queue, "other")
    queue.run(done["id"])
    home = ("--home", str(workspace.home))
    for given, expected in (("succeeded", done), ("NOTSTARTED", waiting)):
        listed = json.loads(cli(*home, "job", "list", "--status", given, "--json").stdout)
        assert [job["id"] for job in listed] == [expected["id"]]
    refused = " ".join(cli(*home, "job", "list", "--status", "bogus", expect=2).output.replace("│", "").split())
    assert "'bogus' is not a job status: give NotStarted, Running, Succeeded, Failed." in refused
    assert get_args(StatusFilter) == jobs.STATUSES  # what GET /jobs?status= takes


def test_expired_lease_is_retried_once_then_failed(workspace: Workspace, queue: JobQueue, cli) -> None:
    job = _import_job(workspace, queue)
    _claim_as(workspace, job["id"], "far-away-host:123:abc:Worker-1", heartbeat_age_s=120)
    # before anyone takes it back, `job show` says its worker is gone (it only said Running: an operations review)
    said = " ".join(cli("--home", str(workspace.home), "job", "show", job["id"]).stdout.split())
    assert "No heartbeat for 12" in said and "its worker is gone" in said
    report = queue.recover()
    assert report.retried == [job["id"]]
    retried = jobs.show_job(workspace, job["id"])
    assert retried["status"] == "NotStarted" and "heartbeats" in retried["error"] and retried["attempts"] == 1
    assert datasets.show_dataset(workspace, job["resourceId"])["status"] == "NotStarted"

    _claim_as(workspace, job["id"], "far-away-host:123:abc:Worker-1", heartbeat_age_s=120)
    assert queue.recover().failed == [job["id"]]
    failed = jobs.show_job(workspace, job["id"])
    assert failed["status"] == "Failed" and failed["error"].startswith("gave up")
    assert "attempt 2 of 2" in failed["error"]
    dataset = datasets.show_dataset(workspace, job["resourceId"])
    assert dataset["status"] == "Failed" and "gave up" in dataset["error"]


def test_a_dead_local_worker_is_detected_at_once_and_the_retry_succeeds(workspace: Workspace, queue: JobQueue) -> None:
    job = _import_job(workspace, queue)
    finished = subprocess.Popen(["true"])
    finished.wait()
    _claim_as(workspace, job["id"], f"{socket.gethostname()}:{finished.pid}:abc:Worker-1", heartbeat_age_s=0)
    live = _import_job(workspace, queue, "other")
    _claim_as(workspace, live["id"], f"{queue.process_id}:Worker-1", heartbeat_age_s=0)  # this process: alive

    report = queue.recover()
    assert report.retried == [job["id"]] and "exited" in jobs.show_job(workspace, job["id"])["error"]
    assert jobs.show_job(workspace, live["id"])["status"] == "Running"
    assert queue.run(job["id"]) == Status.SUCCEEDED
    done = jobs.show_job(workspace, job["id"])
    assert (done["status"], done["attempts"], done["error"]) == ("Succeeded", 2, "")


def test_a_process_stopping_on_purpose_queues_its_jobs_again_without_spending_an_attempt(
    workspace: Workspace, queue: JobQueue
) -> None:
    """Two graceful stops of a server during a training failed it for good (an operations review)."""
    job = _import_job(workspace, queue)
    other = _import_job(workspace, queue, "other")
    _claim_as(workspace, job["id"], f"{queue.process_id}:Worker-1")
    _claim_as(workspace, other["id"], "far-away-host:123:abc:Worker-1")  # another process's: not released
    assert queue.release("the server stopped while it ran") == [job["id"]]
    released = jobs.show_job(workspace, job["id"])
    # A review saw attempts 2/3 (the maximum raised), an AttemptFailed error and the stopped run's last step.
    assert (released["status"], released["attempts"], released["maxAttempts"]) == ("NotStarted", 0, 2)
    assert (released["error"], released["progress"]) == ("", 0.0)
    assert released["message"] == "queued again: the server stopped while it ran"
    assert datasets.show_dataset(workspace, job["resourceId"])["status"] == "NotStarted"
    assert jobs.show_job(workspace, other["id"])["status"] == "Running"
    assert queue.run(job["id"]) == Status.SUCCEEDED
    assert jobs.show_job(workspace, job["id"])["attempts"] == 1


def test_a_lost_queue_message_is_enqueued_again(workspace: Workspace, queue: JobQueue) -> None:
    job = _import_job(workspace, queue)
    queue.huey.flush()  # the message is gone (e.g. the process died between commit and enqueue)
    with workspace.session() as session:
        session.execute(update(Job).where(Job.id == job["id"]).values(enqueued_at=utcnow() - timedelta(hours=1)))
    assert queue.recover().requeued == [job["id"]] and queue.pending() == 1
    assert queue.recover().requeued == []  # not again until requeue_after has passed


def test_consumer_runs_jobs_and_periodic_tasks_are_registered(workspace: Workspace, queue: JobQueue) -> None:
    registered = set(queue.huey._registry._registry)
    assert {n.rsplit(".", 1)[-1] for n in registered} >= {"run_job", "recover_jobs", "purge_endpoint_logs"}
    job = _import_job(workspace, queue)
    consumer = queue.consumer(1, embedded=True)
    consumer.start()
    try:
        import time

        deadline = time.monotonic() + 30
        while jobs.show_job(workspace, job["id"])["status"] != "Succeeded" and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        consumer.stop()
    assert jobs.show_job(workspace, job["id"])["status"] == "Succeeded"
    assert jobs.latest_job_for(workspace, job["resourceId"])["id"] == job["id"]


def test_queue_is_sqlite_in_the_workspace_by_default(workspace: Workspace) -> None:
    queue = JobQueue(workspace, JobSettings())
    assert queue.backend == "sqlite" and Path(queue.huey.storage.filename).parent == workspace.home
    queue.close()


def test_a_crash_between_commit_and_enqueue_is_relayed(workspace: Workspace, queue: JobQueue) -> None:
    """The outbox: the resource and its job commit together; a submitter that dies before enqueuing leaves
    the job recorded but not enqueued, and the relay puts it on the queue."""
    projects.create_project(workspace, "p", "speech")
    with workspace.transaction():  # what JobQueue.submit records, then the process dies before its hand-over
        dataset = datasets.register_dataset(workspace, "p", "language", "crashed")
        job = jobs.create_job(workspace, "dataset-import", "datasets", dataset["id"], dataset["projectId"], {})
    assert queue.pending() == 0 and datasets.show_dataset(workspace, dataset["id"])["status"] == "NotStarted"
    relay = JobQueue(workspace, JobSettings(relay_after_seconds=0))
    assert relay.recover().relayed == [job["id"]] and queue.pending() == 1
    assert relay.recover().relayed == []  # once
    relay.close()


def test_resource_and_job_commit_together_or_not_at_all(workspace: Workspace, queue: JobQueue) -> None:
    projects.create_project(workspace, "p", "speech")
    with pytest.raises(RuntimeError), workspace.transaction():
        dataset = datasets.register_dataset(workspace, "p", "language", "half")
        queue.submit("dataset-import", "datasets", dataset["id"], dataset["projectId"], {})
        raise RuntimeError("the process fails before the commit")
    assert datasets.list_datasets(workspace) == [] and jobs.list_jobs(workspace) == [] and queue.pending() == 0
    job = _import_job(workspace, queue)  # outside a transaction: recorded, enqueued, out of the outbox
    assert queue.pending() == 1 and jobs.outbox_jobs(workspace, 0) == []
    assert queue.run(job["id"]) == Status.SUCCEEDED


def test_a_worker_whose_lease_was_taken_over_cannot_commit(workspace: Workspace, queue: JobQueue, monkeypatch) -> None:
    """A worker cut off past its lease: recovery elsewhere takes the job back; when the worker comes back its
    result write is refused (fencing token = attempt number) and the retry runs the import once."""
    real = JOB_HANDLERS["dataset-import"]

    def partitioned(ws: Workspace, dataset_id: str, payload: dict, progress) -> None:
        job_id = jobs.latest_job_for(ws, dataset_id)["id"]
        with ws.session() as session:  # no heartbeat got through for two minutes
            session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow() - timedelta(minutes=2)))
        other = threading.Thread(target=lambda: taken.extend(queue.recover().retried))  # another machine's recovery
        other.start()
        other.join()
        real.run(ws, dataset_id, payload, progress)  # the partition heals: the worker tries to finish

    taken: list[str] = []
    job = _import_job(workspace, queue)
    monkeypatch.setitem(JOB_HANDLERS, "dataset-import", JobHandler("datasets", partitioned))
    assert queue.run(job["id"]) is None and taken == [job["id"]]
    assert datasets.show_dataset(workspace, job["resourceId"])["status"] == "NotStarted"  # nothing committed
    assert jobs.show_job(workspace, job["id"])["status"] == "NotStarted"
    monkeypatch.setitem(JOB_HANDLERS, "dataset-import", real)
    assert queue.run(job["id"]) == Status.SUCCEEDED
    done = jobs.show_job(workspace, job["id"])
    assert (done["status"], done["attempts"]) == ("Succeeded", 2)
    assert datasets.show_dataset(workspace, job["resourceId"])["accepted"] == 2


def test_a_job_past_its_time_limit_is_stopped_and_failed(workspace: Workspace, monkeypatch) -> None:
    def endless(ws: Workspace, dataset_id: str, payload: dict, progress) -> None:
        for step in range(400):
            progress(step, 400, "working")
            time.sleep(0.02)
        datasets.run_dataset_import(ws, dataset_id, ws.resolve(payload["source"]))  # never reached

    limited = JobQueue(workspace, JobSettings(lease_seconds=30, time_limit_seconds=0.5))
    monkeypatch.setitem(JOB_HANDLERS, "dataset-import", JobHandler("datasets", endless))
    job = _import_job(workspace, limited)
    started = time.monotonic()
    assert limited.run(job["id"]) == Status.FAILED
    assert time.monotonic() - started < 5
    failed = jobs.show_job(workspace, job["id"])
    assert failed["status"] == "Failed" and failed["error"] == "stopped: it ran longer than its time limit of 0.5 s"
    assert datasets.show_dataset(workspace, job["resourceId"])["error"] == failed["error"]
    limited.close()


def test_a_resource_whose_upload_was_cut_off_is_failed_with_the_reason(workspace: Workspace) -> None:
    projects.create_project(workspace, "p", "speech")
    cut = datasets.register_dataset(workspace, "p", "language", "cut")  # the server died during the upload
    fresh = datasets.register_dataset(workspace, "p", "language", "fresh")  # an upload still arriving
    with workspace.session() as session:
        session.execute(update(Dataset).where(Dataset.id == cut["id"]).values(created_at=utcnow() - timedelta(hours=2)))
    queue = JobQueue(workspace, JobSettings(abandon_after_seconds=3600))
    assert queue.recover().abandoned == [cut["id"]]
    failed = datasets.show_dataset(workspace, cut["id"])
    assert failed["status"] == "Failed" and failed["error"].startswith("abandoned: ")
    assert datasets.show_dataset(workspace, fresh["id"])["status"] == "NotStarted"
    queue.close()


def test_a_queue_that_does_not_answer_is_one_log_line_a_minute() -> None:
    """A scale-out review's worker wrote 3,294 traceback lines in 25 s while Redis was down."""
    import logging
    import sys

    from tunefork.jobs.queue import QueueOutageFilter

    outages = QueueOutageFilter(every_s=60.0)
    try:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")
    except ConnectionError:
        failure = sys.exc_info()

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("huey.consumer.Worker", logging.ERROR, __file__, 1, message, (), failure)

    first = record("Error reading from queue")
    assert outages.filter(first) and first.exc_info is None  # one line, no traceback
    assert "does not answer (ConnectionError: Error 111 connecting" in first.getMessage()
    assert not outages.filter(record("Error reading schedule."))  # the same outage, within the minute
    assert outages.filter(record("Unhandled error during execution of task x."))  # other errors are kept whole
    periodic = record("Error enqueueing periodic task %s.")
    periodic.args = ("tunefork.recover_jobs",)
    assert not outages.filter(periodic)  # a review saw two such tracebacks a minute besides the promised line


def test_the_queue_answering_again_is_said_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A review's consumer said nothing when Redis answered again after an outage."""
    import logging

    from huey import SqliteHuey

    from tunefork.jobs.queue import QUEUE_OUTAGES, MinuteScheduler

    scheduler = MinuteScheduler(SqliteHuey("t", filename=str(tmp_path / "q.db")), threading.Event(), 1, False)
    outage = logging.LogRecord(
        "huey.consumer.Scheduler", logging.ERROR, __file__, 1, "Error reading schedule.", (), None
    )
    QUEUE_OUTAGES.filter(outage)
    assert QUEUE_OUTAGES.down
    with caplog.at_level(logging.INFO, logger="tunefork.jobs.queue"):
        scheduler.loop()  # the queue answers
        scheduler.loop()
    said = [r.getMessage() for r in caplog.records if "answers again" in r.getMessage()]
    assert said == ["The job queue answers again; queued jobs run as before."] and not QUEUE_OUTAGES.down


def test_a_worker_that_cannot_reach_the_database_puts_the_job_back(
    workspace: Workspace, queue: JobQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scale-out review cut one worker off PostgreSQL (Redis still reachable): it took jobs off the queue and
    dropped them, each then waiting 10 minutes for recovery."""
    import dataclasses

    from tunefork.jobs import queue as queue_module
    from tunefork.store.db import make_engine, make_sessionmaker

    job = _import_job(workspace, queue)
    waiting = queue.pending()
    dead = make_engine("postgresql+psycopg2://tunefork@127.0.0.1:9/none")  # nothing listens there
    cut_off = dataclasses.replace(workspace, engine=dead, _sessions=make_sessionmaker(dead))
    monkeypatch.setattr(queue_module, "UNREACHABLE_PAUSE_S", 0.0)
    assert JobQueue(cut_off, queue.settings).run(job["id"]) is None
    assert queue.pending() == waiting + 1  # the message is back for another worker
    untouched = jobs.show_job(workspace, job["id"])
    assert (untouched["status"], untouched["attempts"]) == (Status.NOT_STARTED, 0)
    assert queue.run(job["id"]) == Status.SUCCEEDED
    dead.dispose()
