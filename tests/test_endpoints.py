"""Endpoints as a library and through the CLI: hashed keys, rotation, logs, retention, export, the model guard."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import huggingface_hub.constants
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tunefork.audio import read_audio
from tunefork.errors import ConflictError, NotFoundError, TuneforkError
from tunefork.service.app import create_app
from tunefork.speech.bundled import bundled_models
from tunefork.store.models import Endpoint, EndpointLog, Model, Status, utcnow
from tunefork.workflows import endpoint_logs, endpoints, projects, requests, training
from tunefork.workspace import Workspace


@pytest.fixture
def project(workspace: Workspace) -> dict:
    return projects.create_project(workspace, "calls", "speech")


def _log(workspace: Workspace, endpoint_id: str, text: str, age_days: float = 0.0, samples=None) -> str:
    samples = np.zeros(8000, dtype=np.float32) if samples is None else samples
    log_id = endpoint_logs.keep_request(workspace, endpoint_id, {"displayText": text, "duration": 0.5}, samples)
    if age_days:
        with workspace.session() as session:
            when = utcnow() - timedelta(days=age_days)
            session.execute(update(EndpointLog).where(EndpointLog.id == log_id).values(created_at=when))
    return log_id


def test_a_model_that_cannot_be_downloaded_is_warned_about_then_answers_503(
    cli, speak, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`endpoint create --model whisper-small.en` offline said nothing; /recognize then answered 422 InvalidPayload
    (a client error for a server-side problem) naming the bundled models without whisper-base."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "empty-hub-cache"))
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", "download-token")
    cli("project", "create", "calls")
    bundled = cli("endpoint", "create", "calls", "--model", "whisper-tiny.en", "--name", "tiny")
    assert "WARNING" not in bundled.stderr
    created = cli("endpoint", "create", "calls", "--model", "whisper-small.en", "--name", "small", "--json")
    warned = " ".join(created.stderr.split())
    assert "WARNING: whisper-small.en is not bundled: the server downloads it from the Hugging Face hub" in warned
    assert "answers 503 until it can" in warned
    endpoint = json.loads(created.stdout)
    workspace = Workspace.open(cli.home)
    try:
        with TestClient(create_app(workspace)) as client:
            headers = {"Content-Type": "audio/wav", "X-Tunefork-Key": endpoint["keys"]["key1"]}
            answer = client.post(f"/endpoints/{endpoint['id']}/recognize", content=speak("hello").read_bytes(),
                                 headers=headers)  # fmt: skip
    finally:
        workspace.close()
    assert answer.status_code == 503 and answer.json()["code"] == "ServiceUnavailable", answer.text
    message = answer.json()["message"]
    assert "could not download Whisper model 'whisper-small.en'" in message and "HF_HUB_OFFLINE" in message
    assert f"the bundled models are {bundled_models()}" in message


def test_keys_are_stored_hashed_checked_and_rotated_independently(workspace: Workspace, project: dict) -> None:
    created = endpoints.create_endpoint(workspace, "calls", "prod", "whisper-tiny.en")
    key1, key2 = created["keys"]["key1"], created["keys"]["key2"]
    assert len(key1) >= 40 and key1 != key2
    with workspace.session() as session:
        row = session.get(Endpoint, created["id"])
        assert row.key1_hash == hashlib.sha256(key1.encode()).hexdigest() and key1 not in (row.key1_hash, row.key2_hash)
    assert "keys" not in endpoints.show_endpoint(workspace, "prod")
    assert requests.authorize(workspace, created["id"], key1).model.name == "whisper-tiny.en"
    assert requests.authorize(workspace, created["id"], key2) is not None
    assert requests.authorize(workspace, created["id"], "guess") is None
    assert requests.authorize(workspace, created["id"], None) is None
    with pytest.raises(NotFoundError):
        requests.authorize(workspace, "nope", key1)

    new1 = endpoints.regenerate_key(workspace, "prod", "key1")["key1"]
    assert requests.authorize(workspace, created["id"], key1) is None
    assert requests.authorize(workspace, created["id"], new1) is not None
    assert requests.authorize(workspace, created["id"], key2) is not None
    with pytest.raises(TuneforkError, match="key1 or key2"):
        endpoints.regenerate_key(workspace, "prod", "key3")
    with pytest.raises(ConflictError):
        endpoints.create_endpoint(workspace, "calls", "prod", "whisper-tiny.en")
    with pytest.raises(TuneforkError, match="Retention"):
        endpoints.create_endpoint(workspace, "calls", "other", "whisper-tiny.en", retention_days=0)


def test_retention_purge_deletes_old_entries_and_their_audio(workspace: Workspace, project: dict) -> None:
    short = endpoints.create_endpoint(workspace, "calls", "short", "whisper-tiny.en", logging=True, retention_days=1)
    long = endpoints.create_endpoint(workspace, "calls", "long", "whisper-tiny.en", logging=True, retention_days=30)
    old = _log(workspace, short["id"], "old", age_days=2)
    recent = _log(workspace, short["id"], "recent")
    kept = _log(workspace, long["id"], "older but kept", age_days=2)
    old_audio = workspace.endpoint_logs_dir(short["id"]) / f"{old}.wav"
    assert endpoint_logs.log_file(workspace, "short", recent)[0] == f"{recent}.wav"
    # past its retention, a log is gone to every reader before the purge runs (it may wait behind a training)
    assert old_audio.exists() and endpoint_logs.count_logs(workspace, "short") == 1
    assert endpoints.show_endpoint(workspace, "short")["loggedRequests"] == 1
    assert [log["id"] for log in endpoint_logs.list_logs(workspace, "short")] == [recent]
    with pytest.raises(NotFoundError, match="past the endpoint's retention"):
        endpoint_logs.log_file(workspace, "short", old)
    assert endpoint_logs.download_logs(workspace, "short", workspace.home / "review") == 1
    assert endpoint_logs.list_logs(workspace, "short")[0]["createdDateTime"].endswith("Z")

    assert endpoint_logs.purge_expired_logs(workspace) == 1
    assert not old_audio.exists()
    assert [log["id"] for log in endpoint_logs.list_logs(workspace, "short")] == [recent]
    assert [log["id"] for log in endpoint_logs.list_logs(workspace, "long")] == [kept]
    with pytest.raises(NotFoundError):
        endpoint_logs.show_log(workspace, "short", old)
    assert endpoint_logs.delete_logs(workspace, "long") == 1
    endpoints.delete_endpoint(workspace, "short")
    assert not workspace.endpoint_logs_dir(short["id"]).exists()
    text_request = endpoint_logs.keep_request(workspace, long["id"], {"text": "a typed request"})
    with pytest.raises(NotFoundError, match="kept no file: it was a text request"):
        endpoint_logs.log_file(workspace, "long", text_request)


def test_deployed_models_cannot_be_deleted(workspace: Workspace, project: dict) -> None:
    with workspace.session() as session:
        model = Model(project_id=project["id"], name="custom", base_model="whisper-tiny.en", engine="whisper")
        model.status = Status.SUCCEEDED
        running = Model(project_id=project["id"], name="training", base_model="whisper-tiny.en", engine="whisper")
        running.status = Status.RUNNING
        session.add_all([model, running])
    endpoints.create_endpoint(workspace, "calls", "prod", "custom")
    with pytest.raises(ConflictError, match="prod"):
        training.delete_model(workspace, "custom")
    with pytest.raises(TuneforkError, match="Running"):
        endpoints.create_endpoint(workspace, "calls", "beta", "training")
    with pytest.raises(ConflictError, match="training"):
        training.delete_model(workspace, "training")
    endpoints.update_endpoint(workspace, "prod", model_ref="whisper-tiny.en")
    training.delete_model(workspace, "custom")
    with pytest.raises(NotFoundError):
        training.delete_model(workspace, "custom")


def test_cli_create_list_rotate_download_and_export(cli, tmp_path: Path, speak) -> None:
    home = cli.home
    cli("project", "create", "calls")
    created = cli("endpoint", "create", "calls", "--model", "whisper-tiny.en", "--name", "prod", "--logging")
    lines = created.output.splitlines()
    assert any(line.startswith("key1: ") for line in lines) and any(line.startswith("key2: ") for line in lines)
    listed = json.loads(cli("endpoint", "list", "--json").stdout)
    assert [(e["name"], e["loggingEnabled"], e["retentionDays"]) for e in listed] == [("prod", True, 30)]
    assert f"http://127.0.0.1:8765/endpoints/{listed[0]['id']}/recognize" in created.output
    assert cli("endpoint", "regenerate-key", "prod", "--key", "key2").output.startswith("key2: ")

    workspace = Workspace.open(home)
    for sentence in ("hello there", "call me back"):
        _log(workspace, listed[0]["id"], sentence, samples=read_audio(speak(sentence)).samples)
    workspace.close()
    assert "hello there" in cli("endpoint", "logs", "list", "prod").output
    out = tmp_path / "downloaded"
    cli("endpoint", "logs", "download", "prod", "--output", str(out))
    assert len(list(out.glob("*.wav"))) == 2 and "call me back" in (out / "trans.txt").read_text()
    for copy in out.glob("*.wav"):  # a user correcting the review copies leaves the logs as they were
        copy.write_bytes(b"")
    exported = cli("endpoint", "logs", "export", "prod", "--to-project", "calls", "--name", "traffic")
    assert "traffic" in exported.output and "accepted: 2  rejected: 0" in exported.output
    datasets = json.loads(cli("dataset", "list", "calls", "--json").stdout)
    assert [(d["name"], d["kind"], d["accepted"]) for d in datasets] == [("traffic", "audio", 2)]
    asked = " ".join(cli("endpoint", "delete", "prod", expect=1).output.split())  # it went at once, unasked (a review)
    assert "Delete endpoint prod with its 2 logged requests (its keys stop working at once)?" in asked
    refused = cli("endpoint", "logs", "delete", "prod", expect=1)  # all of them: asked first, and nothing given
    assert "Delete all 2 logged request(s) of endpoint prod?" in refused.output and "Aborted" in refused.output
    assert "Deleted 2" in cli("endpoint", "logs", "delete", "prod", "--yes").output
    assert "no logged requests" in cli("endpoint", "logs", "export", "prod", "--to-dataset", "calls", expect=1).output
    shown = cli("endpoint", "update", "prod", "--no-logging", "--retention-days", "5").stdout
    assert shown.startswith("Updated endpoint prod (") and shown.rstrip().endswith(", logging off.")
    assert json.loads(cli("endpoint", "show", "prod", "--json").stdout)["retentionDays"] == 5
    updated = json.loads(cli("endpoint", "update", "prod", "--logging", "--json").stdout)
    assert (updated["loggingEnabled"], updated["retentionDays"]) == (True, 5) and "keys" not in updated
    cli("endpoint", "delete", "prod", "--yes")
    assert json.loads(cli("endpoint", "list", "--json").stdout) == []
    assert "Jobs" in cli("job", "list").output
