"""The studio's pages for language and entities projects (TestClient): upload, report, training, evaluation, endpoints.

Jobs (imports, training with its test evaluation) run synchronously through the app's queue, so each
project goes through the whole flow in a few seconds of training.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re

from fastapi.testclient import TestClient
from studio_session import sign_in
from typer.testing import CliRunner

from tunefork.cli.main import app
from tunefork.language.sample_data import gadget_ner_examples, intent_examples, out_of_scope_examples
from tunefork.workflows import datasets, endpoint_logs, jobs, training
from tunefork.workspace import Workspace

XHR = {"X-Requested-With": "XMLHttpRequest"}

pytest_plugins = ["studio_session"]


def _run_job(client: TestClient, workspace: Workspace, resource_id: str) -> None:
    """Run the latest job of a resource now (the test app has no consumer)."""
    job = jobs.latest_job_for(workspace, resource_id)
    assert client.app.state.queue.run(job["id"]) == "Succeeded", job


def _create_project(client: TestClient, csrf: str, name: str, kind: str) -> str:
    created = client.post("/studio/projects", data={"csrf": csrf, "name": name, "kind": kind}, follow_redirects=False)
    assert created.status_code == 303
    return created.headers["location"].rsplit("/", 1)[1]


def _upload(client: TestClient, workspace: Workspace, csrf: str, project: str, kind: str, name: str, data: bytes):
    form = {"csrf": csrf, "project": project, "kind": kind, "name": name}
    answer = client.post("/studio/datasets", data=form, files={"file": (f"{name}.data", data)}, headers=XHR)
    assert answer.status_code == 200, answer.text
    dataset_id = answer.json()["id"]
    _run_job(client, workspace, dataset_id)
    return dataset_id


def _jsonl(records: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def _csv(examples: list[dict], out_of_scope: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["text", "intent"])
    writer.writerows([e["text"], e["intent"]] for e in examples)
    writer.writerows([text, "out_of_scope"] for text in out_of_scope)
    return buffer.getvalue().encode()


def _train(client: TestClient, workspace: Workspace, base: str, form: dict) -> dict:
    """Post the training form, run the training job (with its test evaluation) and return the model."""
    posted = client.post(f"{base}/models", data=form, follow_redirects=False)
    assert posted.status_code == 303, posted.text
    project_id = base.rsplit("/", 1)[1]
    model_id = next(m["id"] for m in training.list_models(workspace, project_id) if m["name"] == form["name"])
    _run_job(client, workspace, model_id)
    return next(m for m in training.list_models(workspace, project_id) if m["id"] == model_id)


def _deploy(client: TestClient, base: str, csrf: str, model_id: str) -> tuple[str, str, str]:
    """Create a logging endpoint for the model: (endpoint id, key1, the page)."""
    form = {"csrf": csrf, "name": "prod", "model": model_id, "logging": "true", "retentionDays": "7"}
    created = client.post(f"{base}/endpoints", data=form)
    assert created.status_code == 200 and "shown once" in created.text
    key = re.search(r'id="key-key1" data-key="key1">([^<]+)<', created.text).group(1)
    endpoint_id = re.search(r'data-canonical="[^"]*/endpoints/([0-9a-f]+)"', created.text).group(1)
    return endpoint_id, key, created.text


def test_entities_project_from_upload_to_logged_parse(client: TestClient, workspace: Workspace, wide_console) -> None:
    csrf = sign_in(client)
    project_id = _create_project(client, csrf, "gadgets", "entities")
    base = f"/studio/projects/{project_id}"
    data_page = client.get(f"{base}/data")
    assert "Coming soon" not in data_page.text and 'value="annotated-text"' in data_page.text
    assert 'value="patterns"' in data_page.text and 'value="acoustic"' not in data_page.text
    assert "Texts with their entity spans labelled" in data_page.text  # the kind's one-line help

    train = gadget_ner_examples(60, seed=0, annotated_only=("GADGET",))
    train_id = _upload(client, workspace, csrf, project_id, "annotated-text", "train", _jsonl(train))
    test_id = _upload(client, workspace, csrf, project_id, "annotated-text", "test", _jsonl(gadget_ner_examples(25, 1)))
    report = client.get(f"{base}/datasets/{train_id}")
    assert report.status_code == 200 and 'aria-label="Spans per label"' in report.text  # label counts as bars
    assert 'data-label="GADGET"' in report.text and "<mark" in report.text  # spans highlighted in the items
    assert 'id="forgetting-risk"' in report.text and "PERSON" in report.text  # labels the data never shows
    assert "<audio" not in report.text

    form_page = client.get(f"{base}/training")
    assert 'value="en-core-web-sm"' in form_page.text and 'value="whisper-tiny.en"' not in form_page.text
    assert re.search(r'id="m-rehearsal" name="rehearsal" value="true" checked', form_page.text)  # on for entities
    assert 'name="intentClassifier"' not in form_page.text  # no intents in an entities project
    form = {
        "csrf": csrf, "name": "gadgets-v1", "baseModel": "en-core-web-sm", "datasets": [train_id],
        "testDataset": test_id, "rehearsal": "true", "epochs": "4",
    }  # fmt: skip
    model = _train(client, workspace, base, form)
    assert model["status"] == "Succeeded", model["error"]
    assert model["parameters"]["options"]["rehearsal"] is True
    model_page = client.get(f"{base}/models/{model['id']}")
    assert 'id="test-metrics"' in model_page.text and "Entity F1" in model_page.text
    assert "Rehearsal <strong>on</strong>" in model_page.text and "GADGET · new" in model_page.text
    assert 'id="label-check"' in model_page.text  # 60 annotated texts: each label cross-validated
    assert "Tagger <strong>spaCy NER</strong>" in model_page.text  # entities projects keep base labels: no CRF
    assert "Base labels come from the base model's own recognizer" in model_page.text

    evaluation_id = model["metrics"]["test"]["evaluation_id"]
    listing = client.get(f"{base}/evaluation")
    assert "Entity F1" in listing.text and evaluation_id in listing.text
    result = client.get(f"{base}/evaluations/{evaluation_id}")
    assert result.status_code == 200 and 'id="forgetting-table"' in result.text
    assert "F1 before" in result.text and "Retained" in result.text
    assert 'id="entity-labels"' in result.text and 'id="entity-errors-section"' in result.text
    assert "wer_per_utterance" not in result.text

    endpoint_id, key, page = _deploy(client, base, csrf, model["id"])
    assert f"/endpoints/{endpoint_id}/parse" in page and "/recognize" not in page.split('id="sample-curl"')[1][:400]
    text = "Sarah Smith bought the FlexBook X2 Pro in Paris."
    parsed = client.post(f"/endpoints/{endpoint_id}/parse", json={"text": text}, headers={"X-Tunefork-Key": key})
    assert parsed.status_code == 200 and parsed.json()["logId"]
    # An entities model decides nothing about intents: the same keys as a language model's answer, null or empty.
    answer = parsed.json()
    intent_fields = {key: answer[key] for key in ("intent", "confidence", "intents", "out_of_scope", "threshold")}
    assert intent_fields == {"intent": None, "confidence": None, "intents": [], "out_of_scope": None, "threshold": None}
    assert "GADGET" in {entity["label"] for entity in answer["entities"]}
    tried = client.post("/studio/try", data={"csrf": csrf, "endpoint": endpoint_id, "text": text}).json()["result"]
    assert {key: tried[key] for key in intent_fields} == intent_fields  # the studio's "Try it" shows the same
    logs = client.get(f"{base}/endpoints/{endpoint_id}")
    assert 'id="log-table"' in logs.text and "<audio" not in logs.text
    assert "FlexBook" in logs.text and "data-label=" in logs.text
    assert "<th>Intent</th>" not in logs.text  # no intent column to fill
    assert 'parsed["intent"] is not None' in html.unescape(logs.text)  # the sample code checks it
    listed = CliRunner().invoke(app, ["--home", str(workspace.home), "endpoint", "logs", "list", endpoint_id])
    assert listed.exit_code == 0 and "intent" not in listed.output, listed.output  # the CLI has an entities column
    found = ", ".join(f"{entity['text']} ({entity['label']})" for entity in answer["entities"])
    assert "entities found" in listed.output and found in listed.output, listed.output
    assert 'id="export-form"' in logs.text and "annotated-text</em> dataset" in logs.text
    exported = endpoint_logs.export_logs(workspace, endpoint_id, project_id, "from-traffic")
    assert exported["kind"] == "annotated-text" and exported["accepted"] == 1
    assert [s["label"] for s in datasets.dataset_records(workspace, exported["id"])[0]["spans"]].count("GADGET") == 1


def test_language_project_from_upload_to_exported_logs(client: TestClient, workspace: Workspace) -> None:
    csrf = sign_in(client)
    project_id = _create_project(client, csrf, "pharmacy", "language")
    base = f"/studio/projects/{project_id}"
    assert "Example requests labelled with their intent" in client.get(f"{base}/data").text

    intents = _csv(intent_examples(8, 0), out_of_scope_examples(8, 0))
    train_id = _upload(client, workspace, csrf, project_id, "utterances", "intents", intents)
    held_out = _csv(intent_examples(4, 1), out_of_scope_examples(4, 1))
    test_id = _upload(client, workspace, csrf, project_id, "utterances", "held-out", held_out)
    report = client.get(f"{base}/datasets/{train_id}")
    assert 'aria-label="Examples per intent"' in report.text and "refill_prescription" in report.text
    assert 'id="imbalance"' in report.text and 'id="few-examples"' in report.text  # 8 per intent: too few
    assert 'id="same-content"' not in report.text
    again = _upload(client, workspace, csrf, project_id, "utterances", "intents-again", intents)  # kept, and said
    assert (
        "intents-again has the same content as dataset intents (both are kept;"
        in client.get(f"{base}/datasets/{again}").text
    )

    form_page = client.get(f"{base}/training")
    assert 'name="intentClassifier"' in form_page.text and 'name="oosThreshold"' in form_page.text
    assert not re.search(r'id="m-rehearsal" name="rehearsal" value="true" checked', form_page.text)  # off here
    form = {
        "csrf": csrf, "name": "nlu-v1", "baseModel": "en-core-web-sm", "datasets": [train_id],
        "testDataset": test_id, "intentClassifier": "tfidf", "oosThreshold": "0.3",
    }  # fmt: skip
    model = _train(client, workspace, base, form)
    assert model["status"] == "Succeeded", model["error"]
    options = model["parameters"]["options"]
    assert options["intent_classifier"] == "tfidf" and options["oos_threshold"] == 0.3
    assert options["rehearsal"] is False  # the unchecked box
    model_page = client.get(f"{base}/models/{model['id']}")
    assert 'id="card-intents"' in model_page.text and "<strong>tfidf</strong>" in model_page.text

    evaluation_id = model["metrics"]["test"]["evaluation_id"]
    result = client.get(f"{base}/evaluations/{evaluation_id}")
    assert result.status_code == 200 and "Intent accuracy" in result.text and "Out-of-scope recall" in result.text
    image = re.search(r'src="(/studio/evaluations/[0-9a-f]+/files/confusion_model2\.png)"', result.text).group(1)
    png = client.get(image)
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    assert "threshold_model2.png" in result.text and 'id="intent-labels"' in result.text
    assert 'id="misclassified-section"' in result.text

    endpoint_id, key, page = _deploy(client, base, csrf, model["id"])
    # The sample code and "Try it" ask one of the model's own training texts, not the kind's generic example.
    first_example = intent_examples(8, 0)[0]["text"]
    assert 'id="parse-url"' in page and "can you refill my prescription" not in page
    assert page.count(first_example) >= 3  # curl, Python, the "Try it" box
    text = "please refill my Tylenol prescription"
    parsed = client.post(f"/endpoints/{endpoint_id}/parse", json={"text": text}, headers={"X-Tunefork-Key": key})
    assert parsed.status_code == 200
    logs = client.get(f"{base}/endpoints/{endpoint_id}")
    assert text in logs.text and 'id="log-table"' in logs.text and "<audio" not in logs.text
    intent = parsed.json()["intent"] or "out of scope"
    assert intent in logs.text

    bundle = client.get(f"/studio/endpoints/{endpoint_id}/logs.zip")
    assert bundle.status_code == 200 and bundle.content[:2] == b"PK"
    exported = client.post(
        f"{base}/endpoints/{endpoint_id}/logs/export", data={"csrf": csrf, "name": "traffic"}, follow_redirects=False
    )
    assert exported.status_code == 303 and exported.headers["location"] == f"{base}/data"
    dataset = next(d for d in datasets.list_datasets(workspace, project_id) if d["name"] == "traffic")
    _run_job(client, workspace, dataset["id"])
    assert datasets.show_dataset(workspace, dataset["id"])["kind"] == "utterances"
    assert "traffic" in client.get(f"{base}/data").text
