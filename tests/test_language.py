"""Language and entity models end to end: training with rehearsal, intents with out of scope, rules and
synonyms, evaluation JSON, cross-validation, pre-labelling, and the parse endpoint behind its key."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tunefork.cli.main import app
from tunefork.engines.contract import TrainingParameters
from tunefork.errors import TuneforkError
from tunefork.language.options import engine_options
from tunefork.language.sample_data import gadget_ner_examples, intent_examples, out_of_scope_examples
from tunefork.service.app import create_app
from tunefork.workflows import datasets, endpoint_logs, endpoints, evaluation, language_experiments, projects, training
from tunefork.workflows.models import resolve_model
from tunefork.workspace import Workspace

TOKEN = "language-test-token"
BASE_LABELS = ("PERSON", "ORG", "GPE")


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _intents_csv(path: Path, examples: list[dict], out_of_scope: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "intent"])
        writer.writerows([e["text"], e["intent"]] for e in examples)
        writer.writerows([text, "out_of_scope"] for text in out_of_scope)
    return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A workspace with an entities project (GADGET annotated alone) and a language project (intents)."""
    root = tmp_path_factory.mktemp("language")
    ws = Workspace.open(root / "home")
    projects.create_project(ws, "gadgets", "entities")
    train = gadget_ner_examples(150, seed=0, annotated_only=("GADGET",))
    datasets.upload_dataset(ws, "gadgets", _jsonl(root / "train.jsonl", train), "annotated-text")
    test = gadget_ner_examples(80, seed=1, names="test")
    datasets.upload_dataset(ws, "gadgets", _jsonl(root / "test.jsonl", test), "annotated-text")
    projects.create_project(ws, "pharmacy", "language")
    intents = _intents_csv(root / "intents.csv", intent_examples(16, 0), out_of_scope_examples(16, 0))
    datasets.upload_dataset(ws, "pharmacy", intents, "utterances")
    held_out = _intents_csv(root / "held_out.csv", intent_examples(8, 1), out_of_scope_examples(16, 1))
    datasets.upload_dataset(ws, "pharmacy", held_out, "utterances")
    yield ws
    ws.close()


def _train(ws: Workspace, project: str, name: str, dataset: str, test: str, **options) -> training.TrainingOutcome:
    parameters = TrainingParameters(options=engine_options(**options)) if options else None
    created = training.create_model(ws, project, name, "en-core-web-sm", [dataset], test, parameters)
    outcome = training.run_training(ws, created["id"])
    assert outcome.model["status"] == "Succeeded", outcome.model["error"]
    return outcome


def test_rehearsal_keeps_base_labels_that_plain_fine_tuning_forgets(lab: Workspace) -> None:
    """The user annotated only GADGET: with rehearsal PERSON/ORG/GPE, DATE... survive; without it they are forgotten."""
    rehearsed = _train(lab, "gadgets", "ner", "train", "test").test.to_json()
    plain = _train(lab, "gadgets", "ner-plain", "train", "test", rehearsal=False).test.to_json()
    base, custom = rehearsed["models"]
    assert base["name"] == "en-core-web-sm" and base["per_label"].get("GADGET", {}).get("f1", 0.0) == 0.0
    assert custom["per_label"]["GADGET"]["f1"] >= 0.8
    kept = rehearsed["forgetting"]["test"]
    assert set(BASE_LABELS) <= set(kept)
    for label in BASE_LABELS:
        assert kept[label]["retained"] >= 0.95, (label, kept[label])
        assert plain["forgetting"]["test"][label]["f1_after"] <= 0.2, (label, plain["forgetting"]["test"][label])
    assert plain["models"][1]["per_label"]["GADGET"]["f1"] >= 0.8
    # on general sentences rehearsal never saw, every base label keeps >= 95% of the base model's F1
    general = rehearsed["forgetting"]["general"]
    assert {"DATE", "TIME", "CARDINAL"} <= set(general)
    assert all(row["retained"] >= 0.95 for row in general.values()), general
    card = training.model_card(lab, "ner", "gadgets")
    assert card["contributions"]["entities"]["rehearsal"] is True
    assert {"PERSON", "ORG", "GPE"} <= set(card["contributions"]["entities"]["rehearsed_labels"])


def test_intents_rank_with_calibrated_confidence_and_refuse_out_of_scope(lab: Workspace) -> None:
    outcome = _train(lab, "pharmacy", "nlu", "intents", "held_out")
    result = outcome.test.to_json()
    base, custom = result["models"]
    assert base["accuracy"] is None  # the base pipeline has no intents
    assert custom["accuracy"] >= 0.85 and custom["macro_f1"] >= 0.8
    assert custom["out_of_scope"]["recall"] >= 0.5
    assert set(custom["per_label"]) >= {"refill_prescription", "set_temperature", "out_of_scope"}
    assert all(row["confused_with"] != row["intent"] for row in custom["intents"]["misclassified"])
    # the threshold curve decides as the model does (background class included): around the model's own
    # threshold its out-of-scope recall brackets the headline's
    curve, threshold = custom["intents"]["threshold_curve"], custom["intents"]["threshold"]
    below = max((row for row in curve if row["threshold"] <= threshold), key=lambda row: row["threshold"])
    above = min((row for row in curve if row["threshold"] >= threshold), key=lambda row: row["threshold"])
    assert below["oos_recall"] <= custom["out_of_scope"]["recall"] <= above["oos_recall"], (threshold, curve)
    assert curve[0]["oos_recall"] > 0  # the background class flags some at a threshold of 0
    intents_card = training.model_card(lab, "nlu", "pharmacy")["contributions"]["intents"]
    assert set(intents_card["cv_folds"]) == {"embeddings", "tfidf", "combined"}  # no contrastive: conftest
    assert intents_card["chosen"] in intents_card["cv_accuracy"] and len(intents_card["cv_accuracy"]) == 3
    model = resolve_model(lab, "nlu", "pharmacy").load()
    parse = model.parse("please refill my prescription for ibuprofen")
    assert parse.intent == "refill_prescription" and not parse.out_of_scope
    assert 0.5 < sum(i.confidence for i in parse.intents) <= 1.0 + 1e-6  # the rest is the background class's
    assert [i.confidence for i in parse.intents] == sorted((i.confidence for i in parse.intents), reverse=True)
    report = evaluation.evaluation_report_dir(lab, outcome.test_evaluation_id)
    assert (report / "confusion_model2.png").stat().st_size > 1000 and (report / "threshold_model2.png").exists()
    markdown = (report / "report.md").read_text(encoding="utf-8")
    assert "## Intents of nlu" in markdown and "| Intent | Precision | Recall | F1 | Support |" in markdown
    assert "| refill_prescription |" in markdown and "Confusion pairs (gold -> predicted)" in markdown
    shown = CliRunner().invoke(app, ["--home", str(lab.home), "evaluate", "--model", "nlu", "--dataset", "held_out",
                                     "--project", "pharmacy"])  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert "Intents of nlu" in shown.output and "│ set_temperature " in shown.output  # a table, not Markdown
    assert "## Intents" not in shown.output and "|---|" not in shown.output
    assert "Confusion pairs" in shown.output and "Report:" in shown.output


def test_slots_synonyms_regex_and_lookup_entities(tmp_path: Path, workspace: Workspace) -> None:
    projects.create_project(workspace, "home", "language")
    nlu = tmp_path / "nlu.yml"
    examples = []
    for room, device in [("kitchen", "lights"), ("bedroom", "fan"), ("lounge", "heater"), ("garage", "lights")] * 3:
        examples.append(f"    - turn on the [{device}](device) in the [{room}](room)")
        examples.append(f"    - switch off the [{device}](device) in the [{room}](room)")
    lines = ["version: '3.1'", "nlu:", "- intent: control_device", "  examples: |", *sorted(set(examples))]
    lines += ["- intent: greet", "  examples: |"] + [f"    - {g}" for g in ("hello", "hi there", "good morning", "hey")]
    lines += ["- synonym: living room", "  examples: |", "    - lounge", "    - front room"]
    lines += ["- regex: order_number", "  examples: |", "    - \\bRX-\\d{5}\\b"]
    lines += ["- lookup: drug", "  examples: |", "    - ibuprofen", "    - paracetamol"]
    nlu.write_text("\n".join(lines) + "\n", encoding="utf-8")
    uploaded = datasets.upload_dataset(workspace, "home", nlu, "utterances")
    assert uploaded["rejected"] == 0
    created = training.create_model(workspace, "home", "slots", "en-core-web-sm", [uploaded["id"]])
    assert training.run_training(workspace, created["id"]).model["status"] == "Succeeded"
    model = resolve_model(workspace, "slots", "home").load()
    parse = model.parse("turn on the lights in the lounge and order RX-12345 with Ibuprofen")
    by_label = {e.label: e for e in parse.entities}
    assert by_label["room"].text == "lounge" and by_label["room"].value == "living room"
    assert by_label["order_number"].text == "RX-12345" and by_label["order_number"].source == "regex"
    assert by_label["drug"].text == "Ibuprofen" and by_label["drug"].source == "lookup"
    assert "PERSON" not in model.entity_labels  # a slot model without rehearsal outputs only its own labels


def test_language_training_refuses_wrong_kinds(workspace: Workspace, tmp_path: Path) -> None:
    projects.create_project(workspace, "p", "language")
    projects.create_project(workspace, "s", "speech")
    csv_path = _intents_csv(tmp_path / "i.csv", intent_examples(3, 0), [])
    datasets.upload_dataset(workspace, "p", csv_path, "utterances")
    with pytest.raises(TuneforkError, match="en-core-web-sm"):
        training.create_model(workspace, "p", "m", "whisper-tiny.en", ["i"])
    rules = _jsonl(tmp_path / "rules.jsonl", [{"label": "DRUG", "pattern": "ibuprofen"}])
    datasets.upload_dataset(workspace, "p", rules, "patterns")
    with pytest.raises(TuneforkError, match="held-out 'utterances'"):
        training.create_model(workspace, "p", "m", "en-core-web-sm", ["i"], "rules")
    with pytest.raises(TuneforkError, match="Unknown base model"):
        training.create_model(workspace, "s", "m", "en-core-web-sm", ["i"])
    with pytest.raises(TuneforkError, match="utterances"):
        datasets.upload_dataset(workspace, "s", csv_path, "utterances")
    with pytest.raises(TuneforkError, match="speech model"):
        endpoints.create_endpoint(workspace, "s", "e", "en-core-web-sm")


def test_data_that_cannot_make_a_model_is_refused_before_it_is_recorded(workspace: Workspace, tmp_path: Path) -> None:
    projects.create_project(workspace, "p", "language")
    one_intent = [{"text": "refill my pills", "intent": "refill"}, {"text": "i need a refill", "intent": "refill"}]
    one_csv = _intents_csv(tmp_path / "one.csv", one_intent, ["what time is it"])
    datasets.upload_dataset(workspace, "p", one_csv, "utterances")
    with pytest.raises(TuneforkError) as refused:
        training.create_model(workspace, "p", "m", "en-core-web-sm", ["one"])
    assert str(refused.value) == (
        "Cannot train on dataset 'one': their examples name one intent, 'refill': an intent classifier needs at least "
        "two (out-of-scope examples do not count as one)."
    )
    two = [{"text": "refill my pills", "intent": "refill"}, {"text": "hello there", "intent": "greet"}]
    datasets.upload_dataset(workspace, "p", _intents_csv(tmp_path / "two.csv", two, []), "utterances")
    assert training.create_model(workspace, "p", "m", "en-core-web-sm", ["one", "two"])["status"] == "NotStarted"


def test_evaluate_json_folds_and_learning_curve_cli(lab: Workspace, tmp_path: Path) -> None:
    if not training.list_models(lab, "gadgets"):
        _train(lab, "gadgets", "ner", "train", "test")
    runner = CliRunner()
    home = ["--home", str(lab.home)]
    shown = runner.invoke(app, [*home, "evaluate", "--model", "en-core-web-sm", "--model", "ner", "--dataset",
                                "test", "--project", "gadgets", "--json"])  # fmt: skip
    assert shown.exit_code == 0, shown.output
    result = json.loads(shown.stdout)
    for model in result["models"]:
        assert {"precision", "recall", "f1", "per_label"} <= set(model)
    # a test label the model never outputs (a typo) is named: an entities review's STORECODE was silent
    typo = [{"text": "I dropped my Pixel 8", "spans": [{"start": 13, "end": 20, "label": "GADGTE"}]}]
    datasets.upload_dataset(lab, "gadgets", _jsonl(tmp_path / "typo.jsonl", typo), "annotated-text")
    typo_result = json.loads(runner.invoke(app, [*home, "evaluate", "--model", "ner", "--dataset", "typo",
                                                 "--project", "gadgets", "--json"]).stdout)  # fmt: skip
    assert "Model 'ner' never outputs the test label(s) 'GADGTE' (1 span)" in " ".join(typo_result["warnings"])
    folds = runner.invoke(app, [*home, "evaluate", "--model", "ner", "--project", "gadgets", "--folds", "2", "--json"])
    assert folds.exit_code == 0, folds.output
    cv = json.loads(folds.stdout)
    assert cv["folds"] == 2 and len(cv["per_fold"]) == 2 and 0.5 <= cv["metrics"]["f1"]["mean"] <= 1.0
    assert set(cv["per_label"]) == {"GADGET"} and cv["per_label"]["GADGET"]["support"] > 0  # out of fold, pooled
    curve = runner.invoke(app, [*home, "evaluate", "--model", "ner", "--project", "gadgets", "--dataset", "test",
                                "--learning-curve", "-o", str(tmp_path), "--json"])  # fmt: skip
    assert curve.exit_code == 0, curve.output
    points = json.loads(curve.stdout)["points"]
    assert [p["train_size"] for p in points] == sorted(p["train_size"] for p in points)
    assert (tmp_path / "learning_curve.png").stat().st_size > 1000


def test_label_pre_labels_raw_text_with_patterns(workspace: Workspace, tmp_path: Path) -> None:
    projects.create_project(workspace, "e", "entities")
    patterns = _jsonl(tmp_path / "patterns.jsonl", [
        {"label": "GADGET", "pattern": [{"LOWER": "pixel"}, {"IS_DIGIT": True}]},
        {"label": "GADGET", "pattern": "Galaxy Buds"},
    ])  # fmt: skip
    raw = tmp_path / "raw.txt"
    raw.write_text("I dropped my Pixel 8 again.\nThe Galaxy Buds died.\nNothing here.\n", encoding="utf-8")
    review = tmp_path / "review.jsonl"
    result = CliRunner().invoke(app, ["--home", str(workspace.home), "dataset", "label", "e", "--patterns",
                                      str(patterns), "--text", str(raw), "--json", "-o", str(review)])  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["lines"] == 3 and out["labelled"] == 2 and out["spans"] == {"GADGET": 2}
    records = datasets.dataset_records(workspace, out["dataset"]["id"])
    reviewed = [json.loads(line) for line in review.read_text(encoding="utf-8").splitlines()]
    assert reviewed == [{"text": r["text"], "spans": r["spans"]} for r in records]  # the file to correct
    assert records[0]["spans"] == [{"start": 13, "end": 20, "label": "GADGET"}]
    assert records[2]["spans"] == []
    bad = _jsonl(tmp_path / "bad.jsonl", [{"label": "X", "pattern": [{"NOPE": "x"}]}])
    refused = CliRunner().invoke(app, ["--home", str(workspace.home), "dataset", "label", "e", "--patterns",
                                       str(bad), "--text", str(raw)])  # fmt: skip
    assert refused.exit_code != 0 and "bad.jsonl line 1" in refused.output
    # a failed run writes no review copy, and a review copy is never overwritten (hand corrections were lost)
    again = CliRunner().invoke(app, ["--home", str(workspace.home), "dataset", "label", "e", "--patterns",
                                     str(patterns), "--text", str(raw), "-o", str(tmp_path / "new.jsonl")])  # fmt: skip
    assert again.exit_code != 0 and "already has a dataset named 'raw-prelabelled'" in " ".join(again.output.split())
    assert not (tmp_path / "new.jsonl").exists()
    home = str(workspace.home)
    refused = CliRunner().invoke(app, ["--home", home, "dataset", "label", "e", "--patterns", str(patterns),
                                       "--text", str(raw), "--name", "r2", "-o", str(review)])  # fmt: skip
    assert refused.exit_code != 0 and "exists: give another --output file" in " ".join(refused.output.split())
    # lines keep the raw file's numbers: blank and overlong lines are said with theirs, duplicates name the line
    raw.write_text("Pixel 8 here.\n\n" + "x" * 100_001 + "\nPixel 8 here.\n", encoding="utf-8")
    shown = CliRunner().invoke(app, ["--home", str(workspace.home), "dataset", "label", "e", "--patterns",
                                     str(patterns), "--text", str(raw), "--name", "r3"])  # fmt: skip
    flat = " ".join(shown.output.split())
    assert "rejected raw.txt line 3: 100,001 characters, over the limit of one text (100,000)" in flat
    assert "line 4: duplicate of line 1" in flat


def test_parse_endpoint_needs_its_key_and_logs_text(lab: Workspace, monkeypatch, wide_console) -> None:
    if not any(m["name"] == "nlu" for m in training.list_models(lab, "pharmacy")):
        _train(lab, "pharmacy", "nlu", "intents", "held_out")
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    created = endpoints.create_endpoint(lab, "pharmacy", "nlu-prod", "nlu", logging=True)
    key, url = created["keys"]["key1"], f"/endpoints/{created['id']}/parse"
    client = TestClient(create_app(lab))
    body = {"text": "can you refill my prescription for metformin"}
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers={"X-Tunefork-Key": "wrong"}).status_code == 401
    assert client.post(url, json={"nope": 1}, headers={"X-Tunefork-Key": "wrong"}).status_code == 401
    assert endpoint_logs.list_logs(lab, "nlu-prod", "pharmacy") == []
    answer = client.post(url, json=body, headers={"X-Tunefork-Key": key})
    assert answer.status_code == 200, answer.text
    parsed = answer.json()
    assert parsed["intent"] == "refill_prescription" and parsed["out_of_scope"] is False
    assert parsed["intents"][0]["name"] == "refill_prescription" and parsed["logId"]
    as_text = client.post(
        url, content=b'{"text": "refill"}', headers={"X-Tunefork-Key": key, "Content-Type": "text/plain"}
    )
    assert as_text.status_code == 415 and "application/json" in as_text.json()["message"]
    latin1 = client.post(url, content='{"text": "café"}'.encode("latin-1"),
                         headers={"X-Tunefork-Key": key, "Content-Type": "application/json"})  # fmt: skip
    assert latin1.status_code == 422 and "The body is not UTF-8 (byte 13)" in latin1.json()["message"]
    empty = client.post(url, json={"text": ""}, headers={"X-Tunefork-Key": key})
    assert empty.status_code == 422 and "text" in empty.json()["message"]
    wrong_kind = client.post(f"/endpoints/{created['id']}/recognize", content=b"RIFF", headers={"X-Tunefork-Key": key})
    assert wrong_kind.status_code == 409 and "/parse" in wrong_kind.json()["message"]
    logs = endpoint_logs.list_logs(lab, "nlu-prod", "pharmacy")
    assert [log["displayText"] for log in logs] == [body["text"]]
    exported = endpoint_logs.export_logs(lab, "nlu-prod", "pharmacy", "from-traffic", "pharmacy")
    assert exported["kind"] == "utterances" and exported["accepted"] == 1
    record = datasets.dataset_records(lab, exported["id"])[0]
    assert record["text"] == body["text"] and record["intent"] == "refill_prescription"

    # `endpoint logs list` shows each decided intent with its confidence; out of scope, 1 minus the best intent's,
    # followed by that best intent and its own.
    candidates = ["zxcv qwer asdf", "what is the capital of mongolia", "tell me a joke about penguins"]
    answers = [client.post(url, json={"text": text}, headers={"X-Tunefork-Key": key}).json() for text in candidates]
    refused = next(a for a in answers if a["out_of_scope"])
    top = refused["intents"][0]
    assert refused["intent"] == "out_of_scope" and refused["confidence"] == pytest.approx(
        1 - top["confidence"], abs=2e-4
    )
    listed = CliRunner().invoke(app, ["--home", str(lab.home), "endpoint", "logs", "list", "nlu-prod"])
    assert listed.exit_code == 0, listed.output
    assert (
        f"out_of_scope ({refused['confidence']:.0%}); top: {top['name']} ({top['confidence']:.0%})" in listed.output
    ), listed.output
    assert f"refill_prescription ({parsed['confidence']:.0%})" in listed.output


def test_entities_demo_shows_forgetting_with_and_without_rehearsal(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--home", str(tmp_path / "home"), "demo", "--entities"])
    assert result.exit_code == 0, result.output
    rehearsed, plain = result.output.split("5. The same without rehearsal")
    assert "forgetting (test) PERSON" in rehearsed and "kept 0.0%" in plain


def test_fine_tuned_intent_encoder_round_trips_through_its_artifact(tmp_path: Path, monkeypatch) -> None:
    from tunefork.language import intent_finetune
    from tunefork.language.intents import load_intent_model, train_intents

    monkeypatch.setattr(intent_finetune, "MIN_STEPS", 12)  # a short run: this checks the plumbing, not accuracy
    examples = [(e["text"], e["intent"]) for e in intent_examples(6, 0)]
    model, report = train_intents(examples, features="finetune", out_of_scope_texts=out_of_scope_examples(6, 0))
    assert report.chosen == "finetune" and "80%" in report.threshold_source and 0.0 <= model.threshold <= 1.0
    model.save(tmp_path / "intents")
    loaded = load_intent_model(tmp_path / "intents")
    texts = ["please refill my ibuprofen prescription", "turn the bedroom heating up to 21 degrees"]
    assert loaded.labels == model.labels
    assert loaded.probabilities(texts) == pytest.approx(model.probabilities(texts), abs=1e-5)
    assert [r[0].name for r in loaded.rank(texts)] == [r[0].name for r in model.rank(texts)]


def test_language_options_are_refused_for_speech_models(workspace: Workspace, tmp_path: Path) -> None:
    projects.create_project(workspace, "s", "speech")
    text = tmp_path / "related.txt"
    text.write_text("refill the ibuprofen prescription\n", encoding="utf-8")
    datasets.upload_dataset(workspace, "s", text, "language")
    parameters = TrainingParameters(options=engine_options(rehearsal=False))
    with pytest.raises(TuneforkError, match="rehearsal apply to language"):
        training.create_model(workspace, "s", "m", "whisper-tiny.en", ["related"], parameters=parameters)
    assert training.list_models(workspace, "s") == []


def test_rest_api_trains_and_evaluates_language_models(lab: Workspace, monkeypatch) -> None:
    from tunefork.workflows import jobs

    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(lab)) as client:
        body = {"project": "gadgets", "name": "ner-rest", "baseModel": "en-core-web-sm", "datasets": ["train"],
                "parameters": {"rehearsal": True, "epochs": 3}}  # fmt: skip
        created = client.post("/models", json=body, headers=auth)
        assert created.status_code == 202, created.text
        model_id = created.json()["id"]
        assert client.app.state.queue.run(jobs.latest_job_for(lab, model_id)["id"]) == "Succeeded"
        model = client.get(f"/models/{model_id}", headers=auth).json()
        assert model["status"] == "Succeeded" and model["parameters"]["options"]["rehearsal"] is True
        request = {"dataset": "test", "model1": "en-core-web-sm", "model2": model_id, "project": "gadgets"}
        evaluation = client.post("/evaluations", json=request, headers=auth)
        assert evaluation.status_code == 202, evaluation.text
        evaluation_id = evaluation.json()["id"]
        assert client.app.state.queue.run(jobs.latest_job_for(lab, evaluation_id)["id"]) == "Succeeded"
        result = client.get(f"/evaluations/{evaluation_id}", headers=auth).json()["result"]
        assert result["type"] == "language" and result["forgetting"]["test"]["PERSON"]["retained"] >= 0.9
        assert (
            client.post("/models", json={**body, "name": "x", "baseModel": "whisper-tiny.en"}, headers=auth).status_code
            == 422
        )


def test_intents_with_one_example_each_get_a_clear_error() -> None:
    from tunefork.language.intents import train_intents

    with pytest.raises(TuneforkError, match="single example"):
        train_intents([("hello there", "greet"), ("bye now", "bye")], features="tfidf")


def test_choosing_the_classifier_says_which_fold_it_is_on() -> None:
    """'cross-validating contrastive (5 of 5 folds)' stood still for 6 minutes of fine-tuning (a review)."""
    from tunefork.language.intents import train_intents

    rows = [(f"{verb} my {thing}", intent) for intent, verb in (("refill", "refill"), ("cancel", "cancel"))
            for thing in ("pills", "inhaler", "order", "drops", "cream", "tablets")]  # fmt: skip
    seen: list[str] = []
    train_intents(rows, features="tfidf", progress=lambda done, total, step: seen.append(step))
    folds = [step for step in seen if step.startswith("intents: cross-validating tfidf: fold")]
    assert folds == [f"intents: cross-validating tfidf: fold {k} of 5" for k in range(1, 6)]


def test_cross_validation_reports_what_each_fold_is_training(workspace: Workspace, tmp_path: Path) -> None:
    """A fold retrains the whole recipe (minutes on a busy machine): the inner steps show under the fold's count."""
    projects.create_project(workspace, "bot", "language")
    rows = [("refill my pills", "refill"), ("I need a refill", "refill"), ("refill please", "refill"),
            ("refill my inhaler", "refill"), ("hello there", "greet"), ("hi there", "greet"),
            ("good morning", "greet"), ("hey hello", "greet")]  # fmt: skip
    csv_path = _intents_csv(tmp_path / "train.csv", [{"text": t, "intent": i} for t, i in rows], [])
    datasets.upload_dataset(workspace, "bot", csv_path, "utterances", "train")
    training.create_model(workspace, "bot", "v1", "en-core-web-sm", ["train"], options={"intent_classifier": "tfidf"})
    assert training.run_training(workspace, "v1").model["status"] == "Succeeded"
    seen: list[tuple[int, int, str]] = []
    result = language_experiments.cross_validate(workspace, "v1", 2, progress=lambda *report: seen.append(report))
    assert result["folds"] == 2 and len(result["per_fold"]) == 2
    for fold in (1, 2):
        inner = [(done, total) for done, total, step in seen if step.startswith(f"fold {fold}/2: intents: ")]
        assert inner and set(inner) == {(fold - 1, 2)}  # the inner steps, counted as the fold they belong to
    assert seen[-1] == (2, 2, "cross-validation done")


def test_the_same_file_in_two_datasets_is_trained_on_once() -> None:
    """A studio review uploaded one CSV twice and trained on both: cross-validated accuracy rose 82% -> 89% because
    every example sat on both sides of each split. A loop review's reviewed log export repeated 32 training examples
    on other lines: matched by line id, 24 were trained twice."""
    from tunefork.language.data import LanguageTrainingData

    rows = [{"id": "line-2", "text": "block my card", "intent": "block_card"},
            {"id": "line-4", "text": "send 20 to Ann", "intent": "transfer",
             "entities": [{"start": 12, "end": 15, "label": "person"}]}]  # fmt: skip
    moved = [{**row, "id": f"line-{n}"} for n, row in enumerate(reversed(rows), start=7)]
    data = LanguageTrainingData()
    for record in rows + rows + moved:  # two datasets of the same file, and the same examples on other lines
        data.add_record("utterances", record)
    assert data.intent_examples == [("block my card", "block_card"), ("send 20 to Ann", "transfer")]
    summary = data.summary()
    assert (summary["duplicates_left_out"], summary["entity_texts"]) == (4, 1)  # texts with spans only
    spaced = {"id": "line-9", "text": "send 20 to  Ann", "intent": "transfer",
              "entities": [{"start": 13, "end": 16, "label": "person"}]}  # fmt: skip
    data.add_record("utterances", spaced)  # the same example, one more space: no conflict (a code review)
    assert data.summary()["duplicates_left_out"] == 5 and data.conflicts == []
    assert data.conflicts == [] and not any("differ only" in warning for warning in data.warnings())


def test_texts_labelled_differently_in_two_datasets_and_labels_differing_in_case_are_found() -> None:
    """An entities review trained a pre-labelled dataset beside its reviewed copy (5 texts with other spans) and
    labels 'drug' and 'DRUG' as two labels, without a word at training."""
    from tunefork.language.data import LanguageTrainingData

    data = LanguageTrainingData()
    data.add_record("annotated-text", {"id": "line-1", "text": "take tylenol", "spans": []})
    data.add_record("annotated-text", {"id": "line-1", "text": "take  tylenol",
                                       "spans": [{"start": 6, "end": 13, "label": "DRUG"}]})  # fmt: skip
    data.add_record("annotated-text", {"id": "line-2", "text": "aspirin", "spans": [{"start": 0, "end": 7,
                                                                                       "label": "drug"}]})  # fmt: skip
    assert data.conflicts == ["take tylenol"]
    tagged_span = {"start": 9, "end": 14, "label": "B-CARRIER"}
    data.add_record("annotated-text", {"id": "line-3", "text": "ship via fedex", "spans": [tagged_span]})
    plain_span = {"start": 9, "end": 12, "label": "CARRIER"}  # the same label written bare elsewhere
    data.add_record("annotated-text", {"id": "line-4", "text": "ship via dhl", "spans": [plain_span]})
    *_, case, tagged = data.warnings()
    assert case.startswith("labels 'DRUG' and 'drug' differ only in case: they are trained as different labels.")
    assert tagged == (  # a BIO-tagged file was accepted without a word (an entities review)
        "Label 'B-CARRIER' looks like a BIO tag, not an entity label: learned as a label of its own. A span carries "
        "its entity's label alone ('CARRIER'), from the entity's first character to its last."
    )
