"""The registry is the only place a kind plugs into: a toy kind registered here goes through the whole flow.

Upload, train with ``--gate`` (passing and failing), evaluate, deploy, answer a keyed request, export the
logs, and the studio pages: all through the ordinary CLI, workflows, REST app and studio, with nothing of
tunefork changed but one :func:`tunefork.kinds.register` call. Also the speech gate's verdict, on real WER
comparisons.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from toy_kind import BASE_MODEL, KIND, TOY, KeywordModels

from tunefork.evaluation.comparison import ComparisonResult, compare_models
from tunefork.kinds import register, unregister
from tunefork.kinds.language import parse_sample_code
from tunefork.kinds.registry import EndpointOperation
from tunefork.kinds.speech import gate_failure, guard_warning, uninformative_guard
from tunefork.service.app import create_app
from tunefork.workflows import datasets, endpoint_logs, endpoints
from tunefork.workflows.projects import create_project
from tunefork.workspace import Workspace

TOKEN = "toy-admin-token"
TRAIN = [("hello there", "greet"), ("hello friend", "greet"), ("good morning hello", "greet"),
         ("goodbye now", "leave"), ("see you goodbye", "leave"), ("goodbye my friend", "leave")]  # fmt: skip
TEST = [("hello again", "greet"), ("well hello", "greet"), ("goodbye then", "leave"), ("ok goodbye", "leave")]


@pytest.fixture
def toy() -> Iterator[None]:
    """The toy kind, registered for one test."""
    register(TOY)
    yield
    unregister(KIND)


def _csv(path: Path, rows: list[tuple[str, str]]) -> str:
    path.write_text("text,intent\n" + "".join(f"{text},{intent}\n" for text, intent in rows), encoding="utf-8")
    return str(path)


def test_a_kind_registered_in_the_tests_goes_through_the_whole_flow(
    toy: None, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = cli("project", "create", "bot", "--kind", KIND)
    assert "--kind utterances" in created.output  # the next step names the kind's own data
    cli("dataset", "upload", "bot", _csv(tmp_path / "train.csv", TRAIN), "--kind", "utterances", "--name", "train")
    cli("dataset", "upload", "bot", _csv(tmp_path / "test.csv", TEST), "--kind", "utterances", "--name", "test")
    wrong = cli("dataset", "upload", "bot", _csv(tmp_path / "x.csv", TEST), "--kind", "acoustic", expect=1)
    assert f"A {KIND} project takes dataset kinds: utterances" in wrong.output

    args = ["model", "train", "bot", "--base", BASE_MODEL, "--dataset", "train", "--test-dataset", "test", "--gate"]
    passed = cli(*args, "--name", "kw-v1", "--guard-margin", "50")
    assert "Succeeded" in passed.output and "kw-v1 is more accurate." in passed.output
    assert "It passed --gate against its base." in " ".join(passed.output.split())  # the verdict, said
    assert re.search(r"Report: \S+ \(evaluation \w+\)", " ".join(passed.output.split()))  # where to read on
    failed = cli(*args, "--name", "kw-strict", "--guard-margin", "100", expect=1)
    assert "gate: accuracy gains 100.0 points, not more than the 100.0 asked" in " ".join(failed.output.split())
    refused = cli(*args, "--name", "kw-x", "--epochs", "3", expect=1)
    assert "Option(s) --epochs apply to speech, language and entities models only" in refused.output

    result = json.loads(
        cli("evaluate", "--dataset", "test", "--model", BASE_MODEL, "--model", "kw-v1", "--json").stdout
    )
    assert result["models"] == [{"model": BASE_MODEL, "accuracy": 0.0}, {"model": "kw-v1", "accuracy": 1.0}]
    table = cli("evaluate", "--dataset", "test", "--model", BASE_MODEL, "--model", "kw-v1")
    report = Path(table.output.split("Report:")[1].split()[0])
    assert "| Accuracy | 0.00% | 100.00% |" in (report / "report.md").read_text()
    assert "Verdict: **kw-v1 is more accurate.**" in (report / "report.md").read_text()

    deployed = cli("endpoint", "create", "bot", "--model", "kw-v1", "--name", "kw", "--logging", "--json")
    endpoint = json.loads(deployed.stdout)
    assert endpoint["url"].endswith(f"/endpoints/{endpoint['id']}/parse")
    plain = cli("endpoint", "create", "bot", "--model", "kw-v1", "--name", "kw2")
    assert "parse URL" in plain.output and '"text": "hello there"' in plain.output and "audio/wav" not in plain.output

    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    workspace = Workspace.open(cli.home)
    try:
        with TestClient(create_app(workspace)) as client:
            key = endpoint["keys"]["key1"]
            answer = client.post(f"/endpoints/{endpoint['id']}/parse", json={"text": "oh hello"},
                                 headers={"X-Tunefork-Key": key})  # fmt: skip
            assert answer.status_code == 200, answer.text
            assert (answer.json()["intent"], answer.json()["model"]) == ("greet", "kw-v1")
            wrong_route = client.post(f"/endpoints/{endpoint['id']}/recognize", content=b"RIFF",
                                      headers={"X-Tunefork-Key": key, "Content-Type": "audio/wav"})  # fmt: skip
            assert wrong_route.status_code == 409 and ".../parse" in wrong_route.json()["message"]
            client.post("/studio/signin", data={"token": TOKEN, "next": "/studio/"})
            project_id = endpoint["projectId"]
            for tab in ("", "/data", "/training", "/evaluation", "/deployment", f"/endpoints/{endpoint['id']}"):
                page = client.get(f"/studio/projects/{project_id}{tab}")
                assert page.status_code == 200, (tab, page.text[-500:])
            evaluation_id = report.name
            page = client.get(f"/studio/projects/{project_id}/evaluations/{evaluation_id}")
            assert page.status_code == 200 and "kw-v1 is more accurate." in page.text and "100.00%" in page.text
            test_id = next(d["id"] for d in datasets.list_datasets(workspace, "bot") if d["name"] == "test")
            dataset_page = client.get(f"/studio/projects/{project_id}/datasets/{test_id}").text
            evaluations = datasets.evaluations_on(workspace, test_id)
            assert evaluations >= 2 and f"also deletes the {evaluations} evaluations made on it" in dataset_page
    finally:
        workspace.close()
    exported = cli("endpoint", "logs", "export", "kw", "--to-dataset", "bot", "--name", "traffic")
    assert "Dataset traffic id" in exported.output and "(utterances," in exported.output
    assert "accepted: 1  rejected: 0" in exported.output
    # its labels are the model's own answers: said at the export and before training on it (a review trained on them)
    said = "traffic holds the logs of endpoint 'kw', labelled with its model's own answers"
    assert said in " ".join(exported.output.split())
    retrained = cli("model", "train", "bot", "--base", BASE_MODEL, "--dataset", "traffic", "--name", "kw-v2")
    assert "WARNING: Dataset 'traffic' holds the logs of endpoint 'kw'" in " ".join(retrained.output.split())
    # A studio review found the evaluations deleted with their test set without a word, their reports left behind.
    asked = cli("dataset", "delete", "test", expect=1)  # a held-out set with its evaluations: asked first (a review)
    assert f"Delete dataset test and the {evaluations} evaluations made on it?" in asked.output
    deleted = cli("dataset", "delete", "test", "--yes")
    assert f"Deleted dataset test and the {evaluations} evaluations made on it." in " ".join(deleted.output.split())
    assert not report.exists()


class LabelModels(KeywordModels):
    """The toy family answering a new operation, ``label``, instead of ``parse``."""

    operation = EndpointOperation("label", "text", 'POST JSON {"text": ...}: the intent.', parse_sample_code)


def test_a_new_operation_gets_its_keyed_route_from_the_registry(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(dataclasses.replace(TOY, family=LabelModels()))
    try:
        create_project(workspace, "labels", KIND)
        created = endpoints.create_endpoint(workspace, "labels", "lab", BASE_MODEL)
        monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
        with TestClient(create_app(workspace)) as client:
            url, key = f"/endpoints/{created['id']}/label", {"X-Tunefork-Key": created["keys"]["key1"]}
            assert client.post(url, json={"text": "hello"}).status_code == 401  # keyed, not the admin token
            answer = client.post(url, json={"text": "hello"}, headers=key)
            assert answer.status_code == 200 and answer.json()["out_of_scope"] is True, answer.text
            parse = client.post(f"/endpoints/{created['id']}/parse", json={"text": "hello"}, headers=key)
            assert parse.status_code == 409 and ".../label" in parse.json()["message"]
            assert client.post(url, content=b"hello", headers=key).status_code == 415
            spec = client.get("/openapi.json").json()["paths"]
            assert {"/endpoints/{endpoint_id}/label", "/endpoints/{endpoint_id}/recognize"} <= set(spec)
            links = client.get(f"/endpoints/{created['id']}", headers={"Authorization": f"Bearer {TOKEN}"}).json()
            assert links["links"]["label"].endswith(url)
    finally:
        unregister(KIND)


def _comparison(base_errors: int, custom_errors: int, words: int = 40):
    """Base and custom transcripts of ``words`` one-word utterances with the given number of errors each."""
    references = {f"u{i}": "alpha" for i in range(words)}
    base = {key: "beta" if i < base_errors else "alpha" for i, key in enumerate(references)}
    custom = {key: "beta" if i < custom_errors else "alpha" for i, key in enumerate(references)}
    return compare_models(references, {"base": base, "custom": custom}, iterations=500)


def test_the_speech_gate_needs_a_significant_gain_and_no_side_effect() -> None:
    better, same, worse = _comparison(20, 2), _comparison(5, 5), _comparison(2, 20)
    assert gate_failure(better, same, margin_points=1.0) is None
    assert gate_failure(same, same, margin_points=1.0).startswith("gate: the custom model does not beat its base")
    failure = gate_failure(better, worse, margin_points=1.0)
    assert failure.startswith("gate: general English may degrade by up to") and "more than the allowed 1.00" in failure
    assert gate_failure(better, worse, margin_points=100.0) is None
    both = gate_failure(same, worse, margin_points=1.0)  # every reason is named, not only the first
    assert both.startswith("gate: the custom model does not beat its base") and "; and general English may" in both


def _paired(base_wrong: range, custom_wrong: range, words: int) -> ComparisonResult:
    """Base and custom transcripts of ``words`` one-word utterances, wrong at the given utterances."""
    references = {f"u{i:04d}": "alpha" for i in range(words)}
    base = {key: "beta" if i in base_wrong else "alpha" for i, key in enumerate(references)}
    custom = {key: "beta" if i in custom_wrong else "alpha" for i, key in enumerate(references)}
    return compare_models(references, {"base": base, "custom": custom}, dataset="general guard set", iterations=2000)


def test_a_guard_interval_crossing_half_a_point_is_a_warning() -> None:
    # One more error in 1,000 words: the interval's upper end stays under +0.5 points.
    assert guard_warning(_paired(range(10), range(11), 1000)) is None
    # The same point estimate on 100 words: the interval reaches past +0.5, so the model is marked.
    crossing = _paired(range(5), range(4, 10), 100)
    high = crossing.difference.ci95[1]
    assert crossing.difference.wer_delta == pytest.approx(0.01) and high > 0.005
    warning = guard_warning(crossing)
    assert warning.startswith("general English may be worse with this model: WER 6.0% against 5.0%")
    assert f"to {100 * high:+.2f}), above the +0.5-point margin" in warning
    assert guard_warning(_paired(range(20), range(2), 100)) is None  # clearly better: no warning
    assert guard_warning(crossing, margin_points=100 * high) is None
    # better as a point estimate, an interval still reaching past the margin: said so (a review read a contradiction)
    slightly_better = _paired(range(6), range(5, 10), 100)
    assert slightly_better.difference.wer_delta < 0 < 100 * slightly_better.difference.ci95[1] - 0.5
    assert guard_warning(slightly_better).endswith("(better as a point estimate, but the interval does not rule the "
                                                   "loss out)")  # fmt: skip
    # a base that mishears most guard sentences (Sphinx on synthetic voices, 88%): the check says little
    assert uninformative_guard(crossing) is None
    said = uninformative_guard(_paired(range(60), range(58), 100))
    assert said.startswith("the guard check says little about this model: its base mishears most guard sentences")


def test_the_studio_try_it_panel_answers_without_a_key_and_logs_nothing(
    toy: None, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(workspace, "tries", KIND)
    created = endpoints.create_endpoint(workspace, "tries", "live", BASE_MODEL, logging=True)
    create_project(workspace, "speech-tries", "speech")
    speech = endpoints.create_endpoint(workspace, "speech-tries", "asr", "whisper-tiny.en")
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    with TestClient(create_app(workspace)) as client:
        page = client.post("/studio/signin", data={"token": TOKEN, "next": "/studio/"})
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
        shown = client.get(f"/studio/projects/{created['projectId']}/endpoints/{created['id']}").text
        assert 'id="try-form"' in shown and 'name="text"' in shown and "data-record" not in shown
        speech_page = client.get(f"/studio/projects/{speech['projectId']}/endpoints/{speech['id']}").text
        assert 'name="file"' in speech_page and 'accept="audio/*"' in speech_page and "data-record" in speech_page

        tried = client.post("/studio/try", data={"csrf": csrf, "endpoint": created["id"], "text": "hello"})
        assert tried.status_code == 200, tried.text
        assert tried.json()["result"]["out_of_scope"] is True and tried.json()["latencyMs"] >= 0
        assert tried.json()["result"]["logId"] is None and endpoint_logs.list_logs(workspace, created["id"]) == []
        garbage = client.post("/studio/try", data={"csrf": csrf, "endpoint": speech["id"]},
                              files={"file": ("clip.wav", b"RIFF not audio")})  # fmt: skip
        assert garbage.status_code == 422 and "could not be decoded" in garbage.json()["message"]
        nothing = client.post("/studio/try", data={"csrf": csrf, "endpoint": speech["id"]})
        assert nothing.status_code == 422 and "choose a file" in nothing.json()["message"]
        assert client.post("/studio/try", data={"endpoint": created["id"], "text": "hi"}).status_code in (400, 403)
