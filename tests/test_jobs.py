"""The job machinery in-process: claims, failures, leases, retries after a dead worker, lost messages."""

from __future__ import annotations

import socket
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from tunefork.jobs.config import JobSettings
from tunefork.jobs.handlers import JOB_HANDLERS, JobHandler
from tunefork.jobs.queue import JobQueue
from tunefork.store.models import Job, Status, utcnow
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


def test_an_exception_fails_job_and_resource(workspace: Workspace, queue: JobQueue, monkeypatch) -> None:
    def boom(*_args) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(JOB_HANDLERS, "dataset-import", JobHandler("datasets", boom))
    job = _import_job(workspace, queue)
    assert queue.run(job["id"]) == Status.FAILED
    assert jobs.show_job(workspace, job["id"])["error"] == "RuntimeError: disk on fire"
    dataset = datasets.show_dataset(workspace, job["resourceId"])
    assert dataset["status"] == "Failed" and "disk on fire" in dataset["error"]


def test_a_rejected_upload_fails_the_job_with_the_dataset_reason(workspace: Workspace, queue: JobQueue) -> None:
    job = _import_job(workspace, queue)
    (workspace.home / "uploads" / "related" / "text.txt").write_text("see https://example.com/a\n")
    assert queue.run(job["id"]) == Status.FAILED
    dataset = datasets.show_dataset(workspace, job["resourceId"])
    assert dataset["status"] == "Failed" and jobs.show_job(workspace, job["id"])["error"] == dataset["error"]
    assert not workspace.dataset_path(dataset["id"]).exists()


def test_expired_lease_is_retried_once_then_failed(workspace: Workspace, queue: JobQueue) -> None:
    job = _import_job(workspace, queue)
    _claim_as(workspace, job["id"], "far-away-host:123:abc:Worker-1", heartbeat_age_s=120)
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
