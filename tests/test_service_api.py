"""The REST API over real HTTP against a live `tunefork serve`, on SQLite and on PostgreSQL + Redis.

Each resource's happy path (202 NotStarted, then the job's result) and its errors: 401, 404, 409, 415, 422.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import httpx
import pytest
from service_fixtures import ADMIN_TOKEN, LiveServer
from speech_samples import SENTENCES

pytest_plugins = ["service_fixtures"]


def _project(server: LiveServer, name: str) -> dict:
    response = server.client.post("/projects", json={"name": name, "kind": "speech"})
    assert response.status_code == 201, response.text
    return response.json()


def _upload(server: LiveServer, project: str, path: Path, kind: str, name: str) -> httpx.Response:
    with path.open("rb") as handle:
        return server.client.post(
            "/datasets", data={"project": project, "kind": kind, "name": name}, files={"file": (path.name, handle)}
        )


def _imported(server: LiveServer, project: str, path: Path, kind: str, name: str) -> dict:
    response = _upload(server, project, path, kind, name)
    assert response.status_code == 202, response.text
    return server.wait_for(response.json()["self"])


def test_admin_token_guards_management_routes(live_server: LiveServer) -> None:
    anonymous = httpx.get(f"{live_server.url}/projects")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "Unauthorized"
    wrong = httpx.get(f"{live_server.url}/projects", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert httpx.get(f"{live_server.url}/health").json()["status"] == "ok"
    spec = httpx.get(f"{live_server.url}/openapi.json").json()
    assert {"/projects", "/datasets", "/models", "/evaluations", "/transcriptions", "/endpoints", "/jobs"} <= set(
        spec["paths"]
    )
    # The /parse answer is documented field by field, out-of-scope confidence and entity-only models included.
    answer = spec["paths"]["/endpoints/{endpoint_id}/parse"]["post"]["responses"]["200"]["content"]["application/json"]
    assert answer["schema"]["$ref"].endswith("/ParseResult")
    fields = spec["components"]["schemas"]["ParseResult"]["properties"]
    assert all(field.get("description") for field in fields.values()), fields
    assert "out of scope, 1 minus the best intent's" in fields["confidence"]["description"]
    assert all("Null for entity-only models" in fields[name]["description"] for name in ("confidence", "out_of_scope"))


def test_projects(live_server: LiveServer) -> None:
    created = _project(live_server, "api-projects")
    assert created["self"].endswith(f"/projects/{created['id']}")
    assert created["createdDateTime"].endswith(("Z", "+00:00"))
    assert live_server.client.get(f"/projects/{created['id']}").json()["name"] == "api-projects"
    assert live_server.client.post("/projects", json={"name": "api-projects"}).status_code == 409
    missing = live_server.client.get("/projects/nope")
    assert missing.status_code == 404 and "nope" in missing.json()["message"]
    assert live_server.client.post("/projects", json={"name": ""}).status_code == 422
    assert live_server.client.post("/projects", json={"name": "x", "kind": "video"}).status_code == 422
    not_a_locale = live_server.client.post("/projects", json={"name": "x", "locale": "english"})
    assert not_a_locale.status_code == 422 and "is not a locale" in not_a_locale.json()["message"]
    german = live_server.client.post("/projects", json={"name": "de-calls", "locale": "de-DE"}).json()
    assert german["warnings"][0].startswith("Locale de-DE: speech models here read English only")
    names = [p["name"] for p in live_server.client.get("/projects").json()["values"]]
    assert "api-projects" in names


def test_dataset_upload_import_report_and_errors(live_server: LiveServer, acoustic_zip: Path, tmp_path: Path) -> None:
    _project(live_server, "api-datasets")
    response = _upload(live_server, "api-datasets", acoustic_zip, "acoustic", "calls")
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["status"] == "NotStarted" and "job" in accepted["links"]
    assert response.headers["location"] == accepted["self"]
    dataset = live_server.wait_for(accepted["self"])
    assert dataset["status"] == "Succeeded", dataset
    assert (dataset["accepted"], dataset["rejected"]) == (3, 1)
    assert "ghost.wav" in dataset["rejections"][0]["reason"]
    job = live_server.wait_for(accepted["links"]["job"])
    assert job["status"] == "Succeeded" and job["attempts"] == 1 and job["progress"] == 1.0
    report = live_server.client.get(f"/datasets/{dataset['id']}/report").json()
    assert len(report["durations"]) == 3, report
    listing = live_server.client.get("/datasets", params={"project": "api-datasets"}).json()["values"]
    assert [d["name"] for d in listing] == ["calls"]
    assert not [w for w in dataset["warnings"] if "sameContentAs" in w]
    # The same content again is kept, and its warnings say so (as the CLI does), naming the dataset that has it.
    again = _imported(live_server, "api-datasets", acoustic_zip, "acoustic", "calls-again")
    assert again["status"] == "Succeeded" and again["accepted"] == 3
    [same] = [w for w in again["warnings"] if "sameContentAs" in w]
    assert same["sameContentAs"] == "calls" and same["item"] == "calls-again"
    assert same["reason"].startswith("calls-again has the same content as dataset calls (both are kept;")
    assert live_server.client.delete(f"/datasets/{again['id']}").status_code == 204

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../escape.wav", b"RIFF")
        archive.writestr("trans.txt", "escape.wav\thello\n")
    failed = live_server.wait_for(_upload(live_server, "api-datasets", evil, "acoustic", "evil").json()["self"])
    assert failed["status"] == "Failed" and ".." in failed["error"]["message"]
    assert live_server.client.get(f"/datasets/{failed['id']}/report").status_code == 409

    assert _upload(live_server, "api-datasets", acoustic_zip, "acoustic", "calls").status_code == 409
    assert _upload(live_server, "nope", acoustic_zip, "acoustic", "x").status_code == 404
    assert _upload(live_server, "api-datasets", acoustic_zip, "video", "x").status_code == 422
    assert live_server.client.post("/datasets", data={"project": "api-datasets"}).status_code == 415  # no file part
    missing = live_server.client.post("/datasets", data={"project": "api-datasets"}, files={"file": ("a.txt", b"x")})
    assert missing.status_code == 422 and "body.kind: Field required" in missing.json()["message"]
    assert live_server.client.get("/datasets/nope").status_code == 404
    assert live_server.client.delete(f"/datasets/{failed['id']}").status_code == 204
    assert live_server.client.get(f"/datasets/{failed['id']}").status_code == 404


def test_evaluation_and_batch_transcriptions(live_server: LiveServer, acoustic_zip: Path, speak) -> None:
    _project(live_server, "api-eval")
    dataset = _imported(live_server, "api-eval", acoustic_zip, "acoustic", "test-set")

    response = live_server.client.post("/evaluations", json={"dataset": dataset["id"], "model1": "whisper-tiny.en"})
    assert response.status_code == 202 and response.json()["status"] == "NotStarted"
    evaluation = live_server.wait_for(response.json()["self"])
    assert evaluation["status"] == "Succeeded", evaluation
    model = evaluation["result"]["models"][0]
    assert model["model"] == "whisper-tiny.en" and model["words"] == sum(len(s.split()) for s in SENTENCES)
    report = live_server.client.get(evaluation["links"]["report"])
    assert report.status_code == 200 and "whisper-tiny.en" in report.text
    assert live_server.client.get(f"/evaluations/{evaluation['id']}/files/../../x").status_code == 404
    no_dataset = live_server.client.post("/evaluations", json={"dataset": "nope", "model1": "whisper-tiny.en"})
    assert no_dataset.status_code == 404
    unknown_model = live_server.client.post("/evaluations", json={"dataset": dataset["id"], "model1": "no-such-model"})
    assert unknown_model.status_code == 404

    response = live_server.client.post("/transcriptions", json={"model": "whisper-tiny.en", "dataset": dataset["id"]})
    assert response.status_code == 202
    done = live_server.wait_for(response.json()["self"])
    assert done["status"] == "Succeeded" and done["items"] == 3
    rows = live_server.client.get(done["links"]["result"]).json()["values"]
    assert len(rows) == 3 and all(row["words"] for row in rows)

    wav = speak("the weather is cold and windy today")
    files = [("files", ("x.wav", b"not audio at all", "audio/wav")),
             ("files", ("weather.wav", wav.read_bytes(), "audio/wav"))]  # fmt: skip
    response = live_server.client.post("/transcriptions/upload", data={"model": "whisper-tiny.en"}, files=files)
    assert response.status_code == 202, response.text
    done = live_server.wait_for(response.json()["self"])
    assert done["status"] == "Succeeded" and done["items"] == 1  # one bad file lost the whole batch (a review)
    rows = live_server.client.get(f"/transcriptions/{done['id']}/result").json()["values"]
    assert [row["id"] for row in rows] == ["x.wav", "weather.wav"] and "weather" in rows[1]["text"].lower()
    assert rows[0]["text"] == "" and rows[0]["error"].startswith("x.wav: not readable audio")  # in its place


@pytest.mark.slow
def test_training_job(live_server: LiveServer, service_env, tmp_path: Path) -> None:
    if service_env.backend != "sqlite":
        pytest.skip("training itself is backend-independent; the job path is covered on this backend elsewhere")
    _project(live_server, "api-training")
    related = tmp_path / "related.txt"
    related.write_text("take metoprolol twice a day\nrefill the lisinopril prescription\n")
    text_set = _imported(live_server, "api-training", related, "language", "related")
    body = {"project": "api-training", "name": "custom", "baseModel": "sphinx-en-us", "datasets": [text_set["id"]]}
    response = live_server.client.post("/models", json=body)
    assert response.status_code == 202 and response.json()["status"] == "NotStarted", response.text
    model = live_server.wait_for(response.json()["self"], timeout=300)
    job = live_server.wait_for(response.json()["links"]["job"])
    assert job["status"] == model["status"]  # the job ends as its model does, with the same reason
    if model["status"] == "Failed":
        assert model["error"]["message"] and job["error"]
    assert live_server.client.post("/models", json=body).status_code == 409  # the name is taken


def test_model_errors_and_delete_guard(live_server: LiveServer, service_env) -> None:
    project = _project(live_server, "api-models")
    body = {"project": "api-models", "name": "x", "baseModel": "nope", "datasets": ["missing"]}
    assert live_server.client.post("/models", json=body).status_code == 422
    assert live_server.client.post("/models", json={**body, "baseModel": "sphinx-en-us"}).status_code == 404
    assert live_server.client.post("/models", json={**body, "datasets": []}).status_code == 422
    assert live_server.client.get("/models/nope").status_code == 404
    assert "whisper-tiny.en" in {m["name"] for m in live_server.client.get("/models/base").json()["values"]}

    # A Succeeded custom model deployed on an endpoint cannot be deleted (seeded directly: training is not the point)
    from tunefork.store.models import Model, Status

    workspace = service_env.workspace()
    with workspace.session() as session:
        seeded = Model(project_id=project["id"], name="deployed", base_model="whisper-tiny.en", engine="whisper")
        seeded.status = Status.SUCCEEDED
        session.add(seeded)
        session.flush()
        seeded_id = seeded.id
    workspace.close()
    endpoint = live_server.client.post(
        "/endpoints", json={"project": "api-models", "name": "prod", "model": "deployed"}
    ).json()
    assert endpoint["modelId"] == seeded_id
    conflict = live_server.client.delete(f"/models/{seeded_id}")
    assert conflict.status_code == 409 and "prod" in conflict.json()["message"]
    assert live_server.client.delete(f"/endpoints/{endpoint['id']}").status_code == 204
    assert live_server.client.delete(f"/models/{seeded_id}").status_code == 204
    assert live_server.client.get(f"/models/{seeded_id}").status_code == 404


def test_endpoint_keys_recognition_logs_and_export(live_server: LiveServer, utterance: bytes) -> None:
    _project(live_server, "api-endpoints")
    created = live_server.client.post(
        "/endpoints",
        json={"project": "api-endpoints", "name": "calls", "model": "whisper-tiny.en", "logging": True},
    )
    assert created.status_code == 201, created.text
    endpoint = created.json()
    keys = endpoint["keys"]
    assert keys["key1"] != keys["key2"] and "keys" not in live_server.client.get(endpoint["self"]).json()
    recognize = endpoint["links"]["recognize"]
    wav = {"Content-Type": "audio/wav"}

    def post(key: str | None, body: bytes = utterance, headers: dict | None = None) -> httpx.Response:
        sent = dict(headers if headers is not None else wav)
        if key is not None:
            sent["X-Tunefork-Key"] = key
        return httpx.post(recognize, content=body, headers=sent, timeout=120)

    result = post(keys["key1"])
    assert result.status_code == 200, result.text
    body = result.json()
    assert body["model"] == "whisper-tiny.en" and body["recognitionStatus"] == "Success"
    assert "call" in body["lexicalText"] and body["lexicalText"] == body["lexicalText"].lower()
    assert all(0 <= w["start"] <= w["end"] <= body["duration"] and 0 <= w["confidence"] <= 1 for w in body["words"])
    assert body["logId"]

    assert post(keys["key2"]).status_code == 200
    assert post(None).status_code == 401
    assert post("wrong-key").status_code == 401
    assert post(None, headers={**wav, "Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 401
    elsewhere = recognize.replace(endpoint["id"], "nope")
    assert httpx.post(elsewhere, content=utterance, headers={**wav, "X-Tunefork-Key": "x"}).status_code == 404
    multipart = httpx.post(
        recognize, files={"file": ("clip.wav", io.BytesIO(utterance), "audio/wav")},
        headers={"X-Tunefork-Key": keys["key1"]}, timeout=120,
    )  # fmt: skip
    assert multipart.status_code == 200 and multipart.json()["displayText"]
    unsupported = post(keys["key1"], b"hello", {"Content-Type": "text/plain"})
    assert unsupported.status_code == 415 and "audio" in unsupported.json()["message"]
    garbage = post(keys["key1"], b"\x00\x01 definitely not audio " * 50)
    assert garbage.status_code == 422 and garbage.json()["code"] == "InvalidAudio"
    assert post(keys["key1"], b"").status_code == 422

    logs = live_server.client.get(f"{endpoint['self']}/logs").json()["values"]
    assert len(logs) == 3  # key1, key2, multipart; nothing for the refused requests
    audio = live_server.client.get(logs[0]["links"]["audio"])
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"

    rotated = live_server.client.post(f"{endpoint['self']}/keys/key1/regenerate").json()["key1"]
    assert post(keys["key1"]).status_code == 401
    assert post(rotated).status_code == 200 and post(keys["key2"]).status_code == 200
    assert live_server.client.post(f"{endpoint['self']}/keys/key3/regenerate").status_code == 422

    updated = live_server.client.patch(endpoint["self"], json={"logging": False, "retentionDays": 7}).json()
    assert updated["loggingEnabled"] is False and updated["retentionDays"] == 7
    assert post(keys["key2"]).json()["logId"] is None
    assert live_server.client.patch(endpoint["self"], json={"retentionDays": 0}).status_code == 422

    export_url = f"{endpoint['self']}/logs/export"
    export = live_server.client.post(export_url, json={"project": "api-endpoints", "name": "traffic"})
    assert export.status_code == 202, export.text
    dataset = live_server.wait_for(export.json()["self"])
    assert dataset["status"] == "Succeeded" and dataset["kind"] == "audio" and dataset["accepted"] == 5
    assert live_server.client.delete(f"{endpoint['self']}/logs").json() == {"deleted": 5}
    assert live_server.client.post(export_url, json={"project": "api-endpoints"}).status_code == 422
    assert (
        live_server.client.post(
            "/endpoints", json={"project": "api-endpoints", "name": "calls", "model": "whisper-tiny.en"}
        ).status_code
        == 409
    )
    assert (
        live_server.client.post(
            "/endpoints", json={"project": "api-endpoints", "name": "x", "model": "no-such-model"}
        ).status_code
        == 404
    )


def test_jobs_listing(live_server: LiveServer) -> None:
    jobs = live_server.client.get("/jobs").json()["values"]
    assert jobs and all(job["status"] in ("NotStarted", "Running", "Succeeded", "Failed") for job in jobs)
    one = live_server.client.get(f"/jobs/{jobs[0]['id']}").json()
    assert one["links"]["resource"].endswith(one["resourceId"])
    assert live_server.client.get("/jobs", params={"status": "Bogus"}).status_code == 422
    # a misspelt kind listed nothing, 200 (a REST review); it is refused, naming the kinds
    wrong_kind = live_server.client.get("/jobs", params={"kind": "nope"})
    assert wrong_kind.status_code == 422 and "model-training" in wrong_kind.text
    kinds = {job["kind"] for job in live_server.client.get("/jobs", params={"kind": jobs[0]["kind"]}).json()["values"]}
    assert kinds == {jobs[0]["kind"]}
    assert live_server.client.get("/jobs/nope").status_code == 404
