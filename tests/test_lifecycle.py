"""Deleting and renaming what is no longer needed, in the CLI and REST; whatever is still in use is refused (409)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from toy_kind import BASE_MODEL, KIND, TOY

from tunefork.kinds import register, unregister
from tunefork.service.app import create_app
from tunefork.workflows import training
from tunefork.workspace import Workspace

TOKEN = "lifecycle-admin-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def toy() -> Iterator[None]:
    register(TOY)
    yield
    unregister(KIND)


def test_cli_deletes_only_what_nothing_uses(toy: None, cli, tmp_path: Path) -> None:
    rows = tmp_path / "train.csv"
    rows.write_text("text,intent\nhello there,greet\ngoodbye now,leave\n", encoding="utf-8")
    cli("project", "create", "bot", "--kind", KIND)
    cli("dataset", "upload", "bot", str(rows), "--kind", "utterances", "--name", "train")
    cli("dataset", "upload", "bot", str(rows), "--kind", "utterances", "--name", "spare")
    cli("model", "train", "bot", "--name", "kw", "--base", BASE_MODEL, "--dataset", "train")
    cli("endpoint", "create", "bot", "--model", "kw", "--name", "live")

    assert "was used to train model(s) kw" in cli("dataset", "delete", "train", expect=1).output
    assert "deployed on endpoint(s) live" in cli("model", "delete", "kw", expect=1).output
    assert "is in use: endpoint(s) live" in cli("project", "delete", "bot", "--yes", expect=1).output
    workspace = Workspace.open(cli.home)  # a training not yet run (or running) that evaluates on 'spare' at its end
    training.create_model(workspace, "bot", "kw-next", BASE_MODEL, ["train"], test_dataset_ref="spare")
    refused = " ".join(cli("dataset", "delete", "spare", expect=1).output.split())
    assert "Dataset 'spare' is the test set of model(s) kw-next, still training" in refused
    assert "Deleted model kw-next." in cli("model", "delete", "kw-next").output
    workspace.close()
    assert "Deleted dataset spare." in cli("dataset", "delete", "spare").output

    cli("endpoint", "delete", "live", "--yes")
    model_dir = cli.home / "models"
    asked = cli("model", "delete", "kw", expect=1).output  # minutes of training: asked first, nothing given (a review)
    assert "Delete model kw and its files" in asked and "Aborted" in asked
    assert "Deleted model kw." in cli("model", "delete", "kw", "--yes").output and list(model_dir.iterdir()) == []
    cli("dataset", "delete", "train")

    shown = cli("project", "update", "bot", "--name", "bot2", "--description", "renamed").stdout
    assert shown.startswith(f"Updated {KIND} project bot2 (id ") and 'locale en-US, description "renamed".' in shown
    updated = json.loads(cli("project", "update", "bot2", "--locale", "en-GB", "--json").stdout)
    assert (updated["name"], updated["description"], updated["kind"]) == ("bot2", "renamed", KIND)
    cli("project", "create", "other", "--kind", KIND)
    assert "already exists" in cli("project", "update", "bot2", "--name", "other", expect=1).output
    deleted = cli("project", "delete", "bot2", "--yes").output
    assert "Deleted project bot2 (0 datasets, 0 models, 0 evaluations, 0 transcriptions)." in deleted
    assert [p["name"] for p in json.loads(cli("project", "list", "--json").stdout)] == ["other"]


def test_rest_updates_and_deletes_projects(toy: None, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = tmp_path / "train.csv"
    rows.write_text("text,intent\nhello there,greet\ngoodbye now,leave\n", encoding="utf-8")
    cli("project", "create", "bot", "--kind", KIND)
    cli("project", "create", "taken", "--kind", KIND)
    dataset = json.loads(cli("dataset", "upload", "bot", str(rows), "--kind", "utterances", "--json").stdout)
    cli("endpoint", "create", "bot", "--model", BASE_MODEL, "--name", "live")
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    workspace = Workspace.open(cli.home)
    try:
        with TestClient(create_app(workspace)) as client:
            project_id = dataset["projectId"]
            renamed = client.patch(f"/projects/{project_id}", json={"name": "bot-v2"}, headers=ADMIN)
            assert renamed.status_code == 200 and renamed.json()["name"] == "bot-v2"
            assert client.patch(f"/projects/{project_id}", json={"name": "taken"}, headers=ADMIN).status_code == 409
            in_use = client.delete(f"/projects/{project_id}", headers=ADMIN)
            assert in_use.status_code == 409 and "endpoint(s) live" in in_use.json()["message"]
            endpoint = client.get("/endpoints", headers=ADMIN).json()["values"][0]
            assert client.delete(f"/endpoints/{endpoint['id']}", headers=ADMIN).status_code == 204
            assert client.delete(f"/projects/{project_id}", headers=ADMIN).status_code == 204
            assert client.get(f"/projects/{project_id}", headers=ADMIN).status_code == 404
            assert client.get(f"/datasets/{dataset['id']}", headers=ADMIN).status_code == 404
    finally:
        workspace.close()
    assert not (cli.home / "datasets" / dataset["id"]).exists()
