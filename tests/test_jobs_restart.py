"""Reliability with real processes: a restart loses no queued job, a killed worker's job is retried,
and (on PostgreSQL + Redis) two `tunefork worker` processes share one queue."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest
from service_fixtures import LiveServer, Process, ServiceEnv, postgres_and_redis_available

pytest_plugins = ["service_fixtures"]


def _path(url: str) -> str:
    return httpx.URL(url).path


def _seed_dataset(env: ServiceEnv, zip_path: Path, project: str) -> str:
    from tunefork.workflows import datasets, projects

    workspace = env.workspace()
    try:
        projects.create_project(workspace, project, "speech")
        return datasets.upload_dataset(workspace, project, zip_path, "acoustic", "calls")["id"]
    finally:
        workspace.close()


def test_restart_keeps_queued_jobs_and_retries_a_killed_one(
    service_env: ServiceEnv, acoustic_zip: Path, tmp_path: Path
) -> None:
    dataset_id = _seed_dataset(service_env, acoustic_zip, "restart")
    first = LiveServer(service_env, tmp_path / "first.log", workers=0)  # accepts jobs, runs none
    try:
        accepted = first.client.post("/transcriptions", json={"model": "whisper-tiny.en", "dataset": dataset_id})
        assert accepted.status_code == 202
    finally:
        first.stop()

    second = LiveServer(service_env, tmp_path / "second.log", workers=1)
    try:
        done = second.wait_for(_path(accepted.json()["self"]))
        assert done["status"] == "Succeeded", done
        assert second.wait_for(_path(accepted.json()["links"]["job"]))["attempts"] == 1

        body = {"dataset": dataset_id, "model": "whisper-tiny.en"}
        transcription = second.client.post("/transcriptions", json=body).json()
        job_path = _path(transcription["links"]["job"])
        deadline = time.monotonic() + 60
        while second.client.get(job_path).json()["status"] == "NotStarted" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert second.client.get(job_path).json()["status"] == "Running"
    finally:
        second.stop(signal.SIGKILL)  # the worker dies mid-job

    third = LiveServer(service_env, tmp_path / "third.log", workers=1)
    try:
        job = third.wait_for(job_path)
        assert (job["status"], job["attempts"]) == ("Succeeded", 2), job
        result = third.wait_for(_path(transcription["self"]))
        assert result["status"] == "Succeeded" and result["items"] == 3
    finally:
        third.stop()


@pytest.mark.slow
def test_two_workers_share_the_queue(tmp_path_factory, acoustic_zip: Path, tmp_path: Path) -> None:
    reason = postgres_and_redis_available()
    if reason:
        pytest.skip(reason)
    env = ServiceEnv(tmp_path_factory.mktemp("shared") / "home", "pg-redis")
    processes: list[Process] = []
    try:
        dataset_id = _seed_dataset(env, acoustic_zip, "shared")
        server = LiveServer(env, tmp_path / "serve.log", workers=0)
        processes.append(server)
        for index in range(2):
            processes.append(Process(["worker"], env.environ(), tmp_path / f"worker{index}.log"))
        accepted = [
            server.client.post("/transcriptions", json={"model": "whisper-tiny.en", "dataset": dataset_id}).json()
            for _ in range(4)
        ]
        jobs = [server.wait_for(_path(item["links"]["job"]), timeout=180) for item in accepted]
        assert all(job["status"] == "Succeeded" for job in jobs), jobs
        processes_seen = {job["worker"].rsplit(":", 1)[0] for job in jobs}
        assert len(processes_seen) == 2, (processes_seen, [p.output()[-2000:] for p in processes[1:]])
    finally:
        for process in processes:
            process.stop()
        env.cleanup()
