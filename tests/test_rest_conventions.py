"""REST conventions shaped after Azure's v3 API (issue 15, item 6): lists page with ``skip``/``top``, a total and
``@nextLink``; ``201`` answers carry ``Location``; every time is RFC 3339 in UTC with ``Z``; an absent error is
``null``; and no answer, error or not, shows a workspace path."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tunefork.service.app import create_app
from tunefork.workflows import endpoints, projects
from tunefork.workflows.datasets import upload_dataset
from tunefork.workspace import Workspace

TOKEN = "conventions-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@pytest.fixture
def client(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    with TestClient(create_app(workspace)) as test_client:
        yield test_client


def _times(value: object) -> list[str]:
    """Every ``...DateTime`` value in a JSON document."""
    if isinstance(value, dict):
        found = [v for k, v in value.items() if k.endswith("DateTime") and v is not None]
        return found + [t for v in value.values() for t in _times(v)]
    if isinstance(value, list):
        return [t for v in value for t in _times(v)]
    return []


def test_lists_page_with_a_total_and_a_next_link(client: TestClient) -> None:
    created = [client.post("/projects", json={"name": f"p{i}"}, headers=AUTH) for i in range(3)]
    assert all(r.status_code == 201 and r.headers["location"] == r.json()["self"] for r in created)
    first = client.get("/projects", params={"top": 2}, headers=AUTH).json()
    assert [p["name"] for p in first["values"]] == ["p0", "p1"] and first["@count"] == 3
    assert "skip=2" in first["@nextLink"] and "top=2" in first["@nextLink"]
    last = client.get(first["@nextLink"], headers=AUTH).json()
    assert [p["name"] for p in last["values"]] == ["p2"] and last["@nextLink"] is None and last["@count"] == 3


def test_datasets_and_models_list_without_a_project(client: TestClient, workspace: Workspace, tmp_path: Path) -> None:
    text = tmp_path / "related.txt"
    text.write_text("hello there\n", encoding="utf-8")
    for name in ("a", "b"):
        projects.create_project(workspace, name, "speech")
        upload_dataset(workspace, name, text, "language", f"text-{name}")
    listed = client.get("/datasets", headers=AUTH).json()
    assert [d["name"] for d in listed["values"]] == ["text-a", "text-b"] and listed["@count"] == 2
    assert [d["name"] for d in client.get("/datasets?project=b", headers=AUTH).json()["values"]] == ["text-b"]
    assert client.get("/models", headers=AUTH).json() == {"values": [], "@count": 0, "@nextLink": None}


def test_times_are_rfc3339_z_errors_null_and_no_workspace_path(
    client: TestClient, workspace: Workspace, tmp_path: Path
) -> None:
    text = tmp_path / "related.txt"
    text.write_text("hello there\n", encoding="utf-8")
    projects.create_project(workspace, "p", "speech")
    dataset = upload_dataset(workspace, "p", text, "language", "related")
    key = endpoints.create_endpoint(workspace, "p", "live", "whisper-tiny.en")["keys"]["key1"]
    paths = ("/projects", f"/datasets/{dataset['id']}", "/datasets", "/endpoints", f"/datasets/{dataset['id']}/report")
    answers = [client.get(path, headers=AUTH) for path in paths]
    shown = answers[1].json()
    assert shown["status"] == "Succeeded" and shown["error"] is None
    times = [t for answer in answers for t in _times(answer.json())]
    assert len(times) >= 7 and all(RFC3339_Z.match(t) for t in times), times
    endpoint_id = client.get("/endpoints", headers=AUTH).json()["values"][0]["id"]
    garbage = client.post(f"/endpoints/{endpoint_id}/recognize", content=b"RIFF\x00\x01garbage",
                          headers={"X-Tunefork-Key": key, "Content-Type": "audio/wav"})  # fmt: skip
    assert garbage.status_code == 422 and garbage.json()["code"] == "InvalidAudio"
    refused = client.post("/datasets", data={"project": "p", "kind": "acoustic"},
                          files={"file": ("calls.zip", b"PK\x03\x04 not a zip")}, headers=AUTH)  # fmt: skip
    queued = client.post("/datasets", data={"project": "p", "kind": "language"},
                         files={"file": ("more.txt", b"good morning\n")}, headers=AUTH)  # fmt: skip
    assert queued.status_code == 202 and queued.headers["location"] == queued.json()["self"]
    job = client.get("/jobs", headers=AUTH).json()["values"][0]
    assert job["error"] is None and queued.json()["error"] is None and all(RFC3339_Z.match(t) for t in _times(job))
    for answer in [*answers, garbage, refused]:
        assert str(workspace.home) not in answer.text and ".staging" not in answer.text, answer.text[:300]


def test_the_cli_json_gives_the_times_as_the_rest_api_does(cli, tmp_path: Path) -> None:
    text = tmp_path / "related.txt"
    text.write_text("hello there\n", encoding="utf-8")
    cli("project", "create", "p")
    cli("dataset", "upload", "p", str(text), "--kind", "language", "--name", "related")
    commands = [("dataset", "list", "p"), ("project", "list"), ("dataset", "inspect", "related")]
    shown = [json.loads(cli(*command, "--json").stdout) for command in commands]
    times = [t for answer in shown for t in _times(answer)]
    assert len(times) >= 3 and all(RFC3339_Z.match(t) for t in times), times


def test_an_unknown_query_parameter_is_refused_and_logs_are_deleted_by_age(
    client: TestClient, workspace: Workspace
) -> None:
    """A misspelt filter was ignored: ``DELETE .../logs?olderThanDays=30`` deleted every log of a review's endpoint,
    and ``GET /datasets?projct=x`` listed every project's datasets."""
    refused = client.get("/datasets", params={"projct": "x"}, headers=AUTH)
    assert refused.status_code == 422 and refused.json()["message"] == (
        "Unknown query parameter(s) projct: it takes project, skip, top."
    )
    assert refused.json()["details"] == [{"location": "query.projct", "message": "Unknown query parameter."}]
    projects.create_project(workspace, "ents", "entities")
    created = endpoints.create_endpoint(workspace, "ents", "ner", "en-core-web-sm", logging=True)
    parsed = client.post(f"/endpoints/{created['id']}/parse", json={"text": "Ada flew to Paris"},
                         headers={"X-Tunefork-Key": created["keys"]["key1"]})  # fmt: skip
    assert parsed.status_code == 200
    extra = client.post(f"/endpoints/{created['id']}/parse", json={"text": "Ada", "lang": "en"},
                        headers={"X-Tunefork-Key": created["keys"]["key1"]})  # fmt: skip
    assert extra.status_code == 422 and extra.json()["details"][0]["location"] == "body.lang"  # as other 422s
    # a NUL was answered and logged, then refused by the log export as "utterances.yml line 14" (a REST review)
    nul = client.post(f"/endpoints/{created['id']}/parse", json={"text": "where\u0000is my order"},
                      headers={"X-Tunefork-Key": created["keys"]["key1"]})  # fmt: skip
    assert nul.status_code == 422 and "NUL character" in nul.json()["details"][0]["message"]
    logs = f"/endpoints/{created['id']}/logs"
    assert client.delete(logs, params={"olderThanDays": 1}, headers=AUTH).json() == {"deleted": 0}
    [logged] = client.get(logs, headers=AUTH).json()["values"]
    assert (logged["file"], logged["links"]) == (None, {})  # a text request kept no file: no audio link to a 404
    assert client.delete(logs, params={"olderThanDay": 1}, headers=AUTH).status_code == 422
    assert client.delete(logs, headers=AUTH).json() == {"deleted": 1}


def test_a_dataset_still_importing_is_refused_alike_everywhere(client: TestClient, workspace: Workspace) -> None:
    """A batch transcription answered 404 "no manifest.jsonl", training 422, an evaluation was accepted."""
    from tunefork.workflows import datasets

    projects.create_project(workspace, "calls", "speech")
    datasets.register_dataset(workspace, "calls", "acoustic", "late")
    said = "Dataset 'late' is NotStarted: wait for its import to end."
    for method, path, body in (
        ("POST", "/transcriptions", {"model": "whisper-tiny.en", "dataset": "late"}),
        ("POST", "/evaluations", {"dataset": "late", "model1": "whisper-tiny.en"}),
        ("POST", "/models", {"project": "calls", "name": "m", "baseModel": "whisper-tiny.en", "datasets": ["late"]}),
    ):
        answer = client.request(method, path, json=body, headers=AUTH)
        assert (answer.status_code, answer.json()["message"]) == (409, said), (path, answer.text)


def test_an_empty_upload_is_refused_at_once_and_leaves_no_dataset(client: TestClient, workspace: Workspace) -> None:
    """An empty file got 202 and sat NotStarted behind a training for six minutes before failing (a REST review)."""
    projects.create_project(workspace, "shapes", "image")
    form = {"project": "shapes", "kind": "images", "name": "train"}
    empty = client.post("/datasets", data=form, files={"file": ("empty.zip", b"")}, headers=AUTH)
    assert empty.status_code == 422 and empty.json()["message"] == "empty.zip: the upload is empty (0 bytes)."
    assert client.get("/datasets", headers=AUTH).json()["@count"] == 0  # the name is free for the real file


def test_a_name_two_projects_share_is_answered_with_the_ids_to_use(
    client: TestClient, workspace: Workspace, tmp_path: Path
) -> None:
    """`GET /datasets/train` answered "add --project", an option REST does not have (a REST review)."""
    text = tmp_path / "related.txt"
    text.write_text("deploy kubernetes today\n", encoding="utf-8")
    ids = []
    for project in ("calls", "notes"):
        projects.create_project(workspace, project, "speech")
        ids.append(upload_dataset(workspace, project, text, "language", "train")["id"])
    answer = client.get("/datasets/train", headers=AUTH)
    message = answer.json()["message"]
    assert answer.status_code == 400 and "--project" not in message.split(";")[0] and "use the id" in message
    assert f"id {ids[0]} in project 'calls'" in message and f"id {ids[1]} in project 'notes'" in message
    assert client.get(f"/datasets/{ids[1]}", headers=AUTH).json()["project"] == "notes"


def test_the_openapi_schema_says_what_the_routes_answer(client: TestClient) -> None:
    """A REST review found an upload sent as JSON answered 422 'Field required' x3, and a schema that did not list
    /metrics' 401, the report files' media types or the regenerated key's field."""
    as_json = client.post("/datasets", json={"project": "p", "kind": "utterances"}, headers=AUTH)
    assert as_json.status_code == 415 and "is not multipart/form-data" in as_json.json()["message"]
    extra = client.post("/datasets", data={"project": "p", "kind": "utterances", "colour": "red"},
                        files={"file": ("a.csv", b"text,intent\nhi,greet\n")}, headers=AUTH)  # fmt: skip
    assert extra.status_code == 422 and extra.json()["message"] == (
        "Unknown form field(s) colour: this route takes file, kind, name, project."
    )
    schema = client.get("/openapi.json").json()
    assert "415" in schema["paths"]["/datasets"]["post"]["responses"]
    assert "401" in schema["paths"]["/metrics"]["get"]["responses"]
    files = schema["paths"]["/evaluations/{evaluation_id}/files/{name}"]["get"]["responses"]["200"]["content"]
    assert {"text/markdown", "image/png"} <= set(files)
    assert set(schema["components"]["schemas"]["RegeneratedKey"]["properties"]) == {"key1", "key2"}
    from tunefork.workflows.monitor_probe import METRICS  # every metric a monitor measures (image ones too)

    assert set(schema["components"]["schemas"]["MonitorCreate"]["properties"]["metric"]["enum"]) == set(METRICS)


def test_an_endpoints_logging_round_trips_under_the_name_its_answer_gives(
    client: TestClient, workspace: Workspace
) -> None:
    """GET answered loggingEnabled, PATCH refused it ('Extra inputs are not permitted') and took logging."""
    projects.create_project(workspace, "ents", "entities")
    created = endpoints.create_endpoint(workspace, "ents", "ner", "en-core-web-sm")
    patched = client.patch(f"/endpoints/{created['id']}", json={"loggingEnabled": True}, headers=AUTH)
    assert patched.status_code == 200 and patched.json()["loggingEnabled"] is True


def test_a_datasets_items_can_be_read_page_by_page_without_server_paths(
    client: TestClient, workspace: Workspace, tmp_path: Path
) -> None:
    """A REST client could see only counts: an exported log could not be reviewed over HTTP."""
    projects.create_project(workspace, "bot", "language")
    csv = tmp_path / "nlu.csv"
    csv.write_text("text,intent\nbook a car,book\ncancel it,cancel\nhello,greet\n", encoding="utf-8")
    dataset = upload_dataset(workspace, "bot", csv, "utterances")
    first = client.get(f"/datasets/{dataset['id']}/items", params={"top": 2}, headers=AUTH).json()
    assert [(i["text"], i["intent"]) for i in first["values"]] == [("book a car", "book"), ("cancel it", "cancel")]
    assert first["@count"] == 3 and "skip=2" in first["@nextLink"]
    assert str(workspace.home) not in json.dumps(first)
    last = client.get(f"/datasets/{dataset['id']}/items", params={"skip": 2, "top": 2}, headers=AUTH).json()
    assert [i["text"] for i in last["values"]] == ["hello"] and last["@count"] == 3 and last["@nextLink"] is None


def test_a_jobs_error_has_the_shape_of_its_resources(client: TestClient, workspace: Workspace) -> None:
    """A job's error was its text beside its resource's {code, message} object (a REST review)."""
    from tunefork.store.models import Job

    projects.create_project(workspace, "calls", "speech")
    late = client.post("/datasets", data={"project": "calls", "kind": "language"},
                       files={"file": ("related.txt", b"deploy kubernetes today\n")}, headers=AUTH).json()  # fmt: skip
    job_id = late["links"]["job"].rsplit("/", 1)[-1]
    with workspace.session() as session:
        job = session.get(Job, job_id)
        job.status, job.error = "Failed", "the upload is empty"
    shown = client.get(f"/jobs/{job_id}", headers=AUTH).json()
    assert shown["error"] == {"code": "Failed", "message": "the upload is empty"}


def test_a_model_is_created_with_the_warnings_to_give_before_it_trains(
    client: TestClient, workspace: Workspace, tmp_path: Path
) -> None:
    """A loop review learned of texts labelled two ways in two datasets only from the finished card, after 10
    minutes of training, and a REST client never got the train/test overlap warning the CLI prints first."""
    projects.create_project(workspace, "gym", "language")
    (tmp_path / "train.csv").write_text("text,intent\njoin the gym,join\nbook a spin class,book\nhi,greet\n",
                                        encoding="utf-8")  # fmt: skip
    (tmp_path / "logs.csv").write_text("text,intent\nhi,greet\nbook a spin class,join\nhello there,greet\n",
                                       encoding="utf-8")  # fmt: skip
    (tmp_path / "test.csv").write_text("text,intent\njoin the gym,join\ncancel my class,cancel\n", encoding="utf-8")
    for name in ("train", "logs", "test"):
        upload_dataset(workspace, "gym", tmp_path / f"{name}.csv", "utterances", name)
    body = {"project": "gym", "name": "v1", "datasets": ["train", "logs"], "testDataset": "test"}
    created = client.post("/models", json=body, headers=AUTH)  # the base model defaults as the CLI's does
    assert created.status_code == 202, created.text
    assert created.json()["baseModel"] == "en-core-web-sm"
    duplicate, conflict, overlap = created.json()["warnings"]
    assert duplicate.startswith("1 training item(s) are the same items in more than one dataset")  # 'hi', 4 and 2
    assert conflict.startswith("1 training text(s) are labelled differently in two datasets") and "spin" in conflict
    assert overlap.startswith("TRAIN/TEST OVERLAP: 1 of 2 test")
