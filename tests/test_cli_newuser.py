"""Rough edges a new user met with the README's commands on data of their own (fast: no model is loaded)."""

from __future__ import annotations

import io
import json
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from image_samples import concept_folders
from rich.console import Console
from toy_kind import BASE_MODEL, KIND, TOY

from tunefork.cli.answers import decision_cell, intent_cell
from tunefork.cli.common import PlainTable, plain
from tunefork.cli.inspection import print_inspection
from tunefork.cli.model import choice_lines
from tunefork.errors import TuneforkError
from tunefork.kinds import ResolvedModel, register, unregister
from tunefork.kinds.image import IMAGE
from tunefork.language.pipelines import SPACY_ENGINE
from tunefork.store.models import Model
from tunefork.wording import a_or_an
from tunefork.workflows import datasets, endpoints, projects, training
from tunefork.workflows.evaluation import _unseen_label_warnings, everyday_terms_warning, unused_terms_warning
from tunefork.workflows.transcription import check_source, file_items


def test_names_and_ids_are_never_cut_in_a_narrow_terminal() -> None:
    table = PlainTable("name", "kind", "id")
    table.add_row("carbot-logs-20261203-065502", "utterances", "0b15aeb4be174cdcbfade0df3ea65e5f")
    screen = io.StringIO()
    Console(file=screen, width=40).print(table)
    cells = [line.split("│")[1:-1] for line in screen.getvalue().splitlines() if line.startswith("│")]
    columns = ["".join(cell.strip() for cell in column) for column in zip(*cells, strict=True)]
    assert columns[0] == "carbot-logs-20261203-065502"
    assert columns[2] == "0b15aeb4be174cdcbfade0df3ea65e5f"


def test_terminal_control_characters_from_users_are_shown_not_obeyed() -> None:
    """A logged request's escape sequences set the window title and cleared the screen of whoever ran
    `endpoint logs list` (a security review); a right-to-left override reversed what followed."""
    table = PlainTable("name", "text")
    table.add_row("a\x1b]0;pwned\x07", "\x1b[2J\x1b[31mRED Bob \u202eevil")
    screen = io.StringIO()
    Console(file=screen, width=120).print(table)
    shown = screen.getvalue()
    assert "\x1b" not in shown and "\u202e" not in shown and "\x07" not in shown
    assert "\\x1b[2J\\x1b[31mRED Bob \\u202eevil" in shown and "a\\x1b]0;pwned\\x07" in shown
    assert plain("[red]x\x1b") == "\\[red]x\\x1b"


def test_dataset_inspect_shows_a_logged_texts_controls_as_escapes(cli, tmp_path: Path) -> None:
    """A code review: `dataset inspect` printed a near-duplicate text's escape sequence raw (an exported log's text
    comes from any caller)."""
    cli("project", "create", "bot", "--kind", "language")
    text = "please book a table for two \x1b]0;PWNED\x07 tonight"
    rows = tmp_path / "logs.csv"
    rows.write_text(f"text,intent\n{text},book\n{text} now,book\nbye,leave\n", encoding="utf-8")
    cli("dataset", "upload", "bot", str(rows), "--kind", "utterances", "--name", "logs")
    shown = cli("dataset", "inspect", "logs").stdout
    assert (
        "\x1b]0;PWNED" not in shown and 'Near duplicates: 1: "please book a table for two \\x1b]0;PWNED\\x07' in shown
    )


def test_a_refused_upload_says_each_reason_once(cli, tmp_path: Path) -> None:
    cli("project", "create", "cars", "--kind", "language")
    broken = tmp_path / "nlu.yml"
    broken.write_text('nlu:\n- intent: book\n  examples: |\n    - rent a car\n- intent: x\n  examples: - "a"\n')
    out = " ".join(cli("dataset", "upload", "cars", str(broken), "--kind", "utterances", expect=1).output.split())
    assert "nlu.yml line 6" in out and out.count("not valid YAML") == 1


def test_an_empty_dataset_name_is_refused_not_replaced(cli, tmp_path: Path) -> None:
    cli("project", "create", "cars", "--kind", "language")
    csv = tmp_path / "test.csv"
    csv.write_text("text,intent\nbook a car,book\n")
    cli("dataset", "upload", "cars", str(csv), "--kind", "utterances")
    out = cli("dataset", "upload", "cars", str(csv), "--kind", "utterances", "--name", " ", expect=1).output
    assert "needs a non-empty name" in out
    again = " ".join(cli("dataset", "upload", "cars", str(csv), "--kind", "utterances", expect=1).output.split())
    taken = (
        "Project 'cars' already has a dataset named 'test' (by default a dataset is named after its file): "
        "choose another name, such as --name test-v2 (a corrected version beside the one models were trained on), "
        "or delete that dataset first."
    )
    assert taken in again


def test_a_folder_given_as_dot_is_named_after_itself(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`tunefork dataset upload cars . --kind ...` in a folder of data: the dataset is named after that folder,
    where the name of `.` (none) made the upload fail with 'needs a non-empty name'."""
    cli("project", "create", "cars", "--kind", "language")
    folder = tmp_path / "rentals"
    folder.mkdir()
    (folder / "rows.csv").write_text("text,intent\nbook a car,book\n", encoding="utf-8")
    monkeypatch.chdir(folder)
    assert "Dataset rentals id " in cli("dataset", "upload", "cars", ".", "--kind", "utterances").output


def test_a_mistyped_patterns_file_is_named_as_a_file(cli, tmp_path: Path) -> None:
    """`--patterns` takes a file or a dataset; a path that is neither is not answered as a missing dataset."""
    cli("project", "create", "gadgets", "--kind", "entities")
    raw = tmp_path / "raw.txt"
    raw.write_text("I bought an iPhone\n", encoding="utf-8")
    args = ["dataset", "label", "gadgets", "--text", str(raw), "--patterns"]
    # The message wraps at the terminal's width, anywhere in the long temporary path: compare it without whitespace.
    out = "".join(cli(*args, str(tmp_path / "patterns.jsonl"), expect=1).output.split())
    assert "patterns.jsonl:nosuchpatternsfile(noradatasetofthatname)." in out
    assert "No dataset named or with id 'rules' in project 'gadgets'." in cli(*args, "rules", expect=1).output


def test_a_model_of_another_project_is_named_as_missing_from_this_one(cli) -> None:
    cli("project", "create", "vet", "--kind", "speech")
    out = cli("endpoint", "create", "vet", "--model", "car-v1", "--name", "e", expect=1).output
    assert "No model named or with id 'car-v1' in project 'vet'." in " ".join(out.split())


def test_transcribe_says_what_is_missing() -> None:
    with pytest.raises(TuneforkError, match="Nothing to transcribe"):
        check_source(None, [])
    with pytest.raises(TuneforkError, match="not both"):
        check_source("calls", [Path("a.wav")])
    check_source(None, [Path("a.wav")])


def test_transcribe_takes_folders_and_tells_files_of_one_name_apart(tmp_path: Path) -> None:
    """A speech review transcribed a/x.wav and b/x.wav: both rows said x.wav; a folder was 'No such audio file'."""
    for folder in ("a", "b"):
        (tmp_path / "calls" / folder).mkdir(parents=True)
        (tmp_path / "calls" / folder / "x.wav").write_bytes(b"RIFF")
    (tmp_path / "calls" / "a" / "y.wav").write_bytes(b"RIFF")
    (tmp_path / "calls" / "notes.txt").write_text("not audio")
    (tmp_path / "calls" / "a" / "._y.wav").write_bytes(b"\0\5\26\7")  # a macOS zip's metadata: not audio
    (tmp_path / "calls" / "__MACOSX" / "a").mkdir(parents=True)
    (tmp_path / "calls" / "__MACOSX" / "a" / "._x.wav").write_bytes(b"\0\5\26\7")
    items = file_items([tmp_path / "calls"])
    assert [item_id for item_id, _ in items] == [str(tmp_path / "calls/a/x.wav"), "y.wav",
                                                str(tmp_path / "calls/b/x.wav")]  # fmt: skip
    (tmp_path / "empty").mkdir()
    with pytest.raises(TuneforkError, match="holds no audio file"):
        file_items([tmp_path / "empty"])


def test_language_training_prints_what_it_chose() -> None:
    contributions = {
        "intents": {
            "chosen": "embeddings", "folds": 5, "cv_accuracy": {"tfidf": 0.6118, "embeddings": 0.8706},
            "encoder": "all-mpnet-base-v2",
            "threshold_source": "keep >= 95% of in-scope utterances, then maximise out-of-scope recall",
        },
        "entities": {
            "tagger": "crf",
            "label_check": {
                "held_out": 0, "candidates": {"spacy": 0.9855, "crf": 1.0},
                "per_label": {"car_type": {"f1": 1.0, "examples": 19}},
            },
        },
    }  # fmt: skip
    assert choice_lines(contributions) == [
        "Intents: embeddings classifier over all-mpnet-base-v2, picked by 5-fold cross-validation "
        "(embeddings 87.1%, tfidf 61.2%).",
        "Out of scope: keep >= 95% of in-scope utterances, then maximise out-of-scope recall.",
        "Entity tagger: crf, kept by cross-validation (F1 spacy 98.6%, crf 100.0%); per label, cross-validated F1 on "
        "the training data (the test set's is in evaluate): car_type 100.0% (19 examples).",
    ]
    tied = {
        "chosen": "contrastive weighted",
        "folds": 3,
        "cv_accuracy": {"embeddings weighted": 0.892, "contrastive": 0.892, "contrastive weighted": 0.892},
    }
    assert choice_lines({"intents": tied}) == [  # the winner first among equals, and why (a review read a loser)
        "Intents: contrastive weighted classifier, picked by 3-fold cross-validation (contrastive weighted 89.2%, "
        "embeddings weighted 89.2%, contrastive 89.2%; a tie at the top, broken by the lower held-out log-loss)."
    ]  # fmt: skip
    assert choice_lines({"related_text": {}, "term_report": {}}) == []
    assert choice_lines({"intents": 2, "entities": {"tagger": "kw", "label_check": 0}}) == ["Entity tagger: kw."]
    assert choice_lines({"intents": {"chosen": "kw", "cv_accuracy": {"kw": "n/a"}}}) == []


def test_whisper_fine_tuning_prints_the_decoding_it_chose() -> None:
    tried = [
        {"merge_check_sound": check, "phonetic_correction": fix, "heldout_errors": errors}
        for (check, fix), errors in zip(
            [(True, False), (True, True), (False, False), (False, True)], [4, 4, 2, 2], strict=True
        )
    ]
    chosen = {"merge_check_sound": False, "phonetic_correction": False}
    decoding = {"chosen": chosen, "heldout_clips": 14, "tried": tried, "rule": "the fewest held-out word errors"}
    assert choice_lines({"utterances": {"fine_tune": {"decoding": decoding}}}) == [
        "Decoding: term pass unchecked, phonetic correction off. Held-out word errors (14 clips): term pass checked "
        "by sound, phonetic correction off: 4; term pass checked by sound, phonetic correction on: 4; term pass "
        "unchecked, phonetic correction off: 2; term pass unchecked, phonetic correction on: 2. Rule: the fewest "
        "held-out word errors."
    ]
    unmeasured = {"chosen": {"merge_check_sound": False, "phonetic_correction": True}, "rule": "too few clips"}
    assert choice_lines({"utterances": {"fine_tune": {"decoding": unmeasured}}}) == [
        "Decoding: term pass unchecked, phonetic correction on (too few clips)."
    ]
    assert choice_lines({"utterances": {"fine_tune": {"steps": 3}}}) == []


def test_image_training_prints_what_it_chose() -> None:
    images = {
        "feature_set": "multi-depth", "C": 3.0, "input_side": 96,
        "cross_validation": {"folds": 3, "scores": {"embedding C=3": 0.75, "multi-depth C=3": 0.9}},
        "head": {"chosen": "frozen", "reason": "too few images to fine-tune (12 of the rarest concept, 30 needed)"},
    }  # fmt: skip
    assert choice_lines({"images": images}) == [
        "Image head: multi-depth features, C=3, 96x96 input, picked by 3-fold cross-validation (accuracy: "
        "multi-depth C=3 90.0%, embedding C=3 75.0%). Backbone: frozen, too few images to fine-tune (12 of the "
        "rarest concept, 30 needed)."
    ]
    open_set = {**images, "open_set": True, "thresholds": {"rust": 0.4012, "healthy": 0.3498, "mildew": 0.0}}
    assert choice_lines({"images": open_set})[0].endswith(  # why an image became "none of these" (an image review)
        " Below its threshold a concept is not decided: healthy 0.35, rust 0.40 (the others 0)."
    )
    fixed = {**open_set, "fixed_threshold": 0.5}  # the tuned thresholds are not used then (a code review)
    assert choice_lines({"images": fixed})[0].endswith(" Below 0.50 (--oos-threshold) no concept is decided.")
    multi = {**open_set, "multi_label": True, "thresholds": {"rust": 0.5, "healthy": 0.62}}
    assert choice_lines({"images": multi})[0].endswith(
        " Below its threshold a concept is not decided: healthy 0.62 (the others 0.5)."
    )


def test_logged_parses_show_their_intent() -> None:
    assert intent_cell({"intent": "book_car", "confidence": 0.9934, "out_of_scope": False}) == "book_car (99%)"
    out_of_scope = {"intent": "out_of_scope", "confidence": 0.8763, "out_of_scope": True,
                    "intents": [{"name": "book_car", "confidence": 0.1237}]}  # fmt: skip
    assert intent_cell(out_of_scope) == "out_of_scope (88%); top: book_car (12%)"
    assert intent_cell({"text": "heard"}) == ""


def test_logged_classifications_show_their_decision_and_an_empty_log_says_why(cli) -> None:
    assert decision_cell({"decision": ["box"], "concepts": [{"name": "box", "score": 0.6072}]}) == "box (61%)"
    assert decision_cell({"decision": [], "concepts": [{"name": "box", "score": 0.1}]}) == "none of these"
    cli("project", "create", "calls", "--kind", "speech")
    cli("endpoint", "create", "calls", "--model", "whisper-tiny.en", "--name", "rx")
    out = " ".join(cli("endpoint", "logs", "list", "rx").output.split())
    assert out == "No logged requests for rx. Logging is off: turn it on with `tunefork endpoint update rx --logging`."


def test_the_sample_request_asks_what_the_model_was_trained_on(workspace, tmp_path: Path) -> None:
    project = projects.create_project(workspace, "cars", "language")
    csv = tmp_path / "nlu.csv"
    csv.write_text("text,intent\ntell me a joke,out_of_scope\ni'd like a car,book\nbook a van for friday,book\n")
    dataset = datasets.upload_dataset(workspace, "cars", csv, "utterances")
    with workspace.session() as session:
        model = Model(project_id=project["id"], name="m", base_model="en-core-web-sm", engine="spacy")
        model.dataset_ids = [dataset["id"]]
        session.add(model)
        session.flush()
        model_id = model.id
    assert endpoints.sample_text(workspace, model_id) == "book a van for friday"
    assert endpoints.sample_text(workspace, None) is None


def test_test_intents_the_model_never_saw_are_named(workspace, tmp_path: Path) -> None:
    projects.create_project(workspace, "cars", "language")
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    train.write_text("text,intent\nbook a van,book_car\ncancel it,cancel_booking\n")
    test.write_text("text,intent\nrent a car,book_car\nhi,greet\nkill my booking,cancel_bookings\ntell a joke,oos\n")
    trained = datasets.upload_dataset(workspace, "cars", train, "utterances")
    held_out = datasets.dataset_records(workspace, datasets.upload_dataset(workspace, "cars", test, "utterances")["id"])
    model = ResolvedModel(name="car-v1", model_id="x", training_dataset_ids=[trained["id"]])
    (warning,) = _unseen_label_warnings(workspace, held_out, [model])
    assert "'cancel_bookings' (1 item), 'greet' (1 item)" in warning and "oos" not in warning
    assert _unseen_label_warnings(workspace, held_out, [ResolvedModel(name="en-core-web-sm")]) == []


def test_test_concepts_the_model_never_saw_are_named(workspace, tmp_path: Path) -> None:
    projects.create_project(workspace, "pics", "image")
    shapes = concept_folders(tmp_path / "shapes", per_concept=2, concepts=("circle", "square"))
    trained = datasets.upload_dataset(workspace, "pics", shapes, "images")
    model = ResolvedModel(name="pics-v1", model_id="x", training_dataset_ids=[trained["id"]])
    held_out = [{"labels": ["ball"]}, {"labels": ["ball"]}, {"labels": ["circle"]}, {"labels": [], "negative": True},
                {"labels": ["none"]}]  # fmt: skip
    (warning,) = _unseen_label_warnings(workspace, held_out, [model])
    # A folder "none" is a concept, not the negative folder: an image review got it scored wrong without a word.
    assert warning.startswith("Model 'pics-v1' was never trained on the test concept(s) 'ball' (2 items), 'none'")
    assert warning.endswith("put images of none of the concepts in 'none-of-these'.")


def test_a_project_in_use_is_refused_before_the_confirmation(cli) -> None:
    cli("project", "create", "desk", "--kind", "language")
    cli("endpoint", "create", "desk", "--model", "en-core-web-sm", "--name", "nlu")
    out = cli("project", "delete", "desk", expect=1).output  # no --yes, no input: it must not ask
    assert "Delete project" not in out and "in use: endpoint(s) nlu" in out


def test_pronunciation_inspection_reads_as_words(capsys: pytest.CaptureFixture[str]) -> None:
    report = {
        "kind": "pronunciation", "items": 1, "entries": 1,
        "oov_entries": [{"id": "line-1", "display": "Apoquel", "spoken": "ay poh kwell", "oov_words": ["kwell"]}],
        "future_part": [{"id": "line-2", "words": ["a", "b"]}],
        "paired_lines": [{"ids": ["calls-line-3", "line-9"], "score": 0.9}, {"ids": ["u1", "u2"]}],
    }  # fmt: skip
    print_inspection(report)
    out = " ".join(capsys.readouterr().out.split())
    assert 'outside the dictionary: 1: Apoquel = "ay poh kwell" (kwell)' in out
    # Parts no section knows name their items as sentences do, not by their ids: line 2, not line-2.
    assert "future part (1): line 2 (words a b)" in out and "{" not in out
    assert "paired lines (2): line 3 of calls / line 9 (score 0.9), u1 / u2" in out


def test_training_without_base_takes_the_kinds_default(cli, tmp_path: Path) -> None:
    cli("project", "create", "desk", "--kind", "language")
    out = cli("model", "train", "desk", "--name", "m", "--dataset", "nope", expect=1).output
    assert "No dataset named or with id 'nope'" in out and "Base model" not in out  # only once accepted
    with _toy_project(cli, tmp_path):
        trained = cli("model", "train", "bot", "--name", "kw", "--dataset", "train")
        assert f"Base model: {BASE_MODEL} (the default; choose another with --base)." in trained.stderr
        assert "Base model" not in cli("model", "train", "bot", "--name", "kw2", "--base", BASE_MODEL,
                                       "--dataset", "train").stderr  # fmt: skip


@contextmanager
def _toy_project(cli, folder: Path) -> Iterator[Path]:
    """The toy kind registered while the block runs, with a project ``bot`` of it holding a dataset ``train``
    (from the CSV file it yields)."""
    register(TOY)
    try:
        rows = folder / "train.csv"
        rows.write_text("text,intent\nhello there,greet\ngoodbye now,leave\n", encoding="utf-8")
        cli("project", "create", "bot", "--kind", KIND)
        cli("dataset", "upload", "bot", str(rows), "--kind", "utterances", "--name", "train")
        yield rows
    finally:
        unregister(KIND)


def test_show_commands_answer_in_words_and_json_on_request(cli, workspace, tmp_path: Path) -> None:
    """`model show` and `endpoint show` print a summary like `model train` and `endpoint update` do; `--json`
    keeps the card and the endpoint as they were printed before. A model without a card says why."""
    with _toy_project(cli, tmp_path):
        held_out = tmp_path / "held-out.csv"  # other texts: --gate refuses a test set the training data holds
        held_out.write_text("text,intent\nhello friend,greet\ngoodbye then,leave\n", encoding="utf-8")
        cli("dataset", "upload", "bot", str(held_out), "--kind", "utterances", "--name", "held-out")
        cli("model", "train", "bot", "--name", "kw", "--dataset", "train", "--test-dataset", "held-out")
        shown = cli("model", "show", "kw").stdout
        said = " ".join(shown.split())
        assert said.startswith("Model kw (") and f"of project bot: Succeeded. Base {BASE_MODEL}, engine" in said
        assert "Trained on train (utterances) in " in said and "Parameters: test_dataset held-out, gate off." in said
        assert "Evaluation on held-out" in said and "tunefork model show kw --project bot --json" in said
        assert "{" not in shown and '"' not in shown
        card = json.loads(cli("model", "show", "kw", "--json").stdout)
        assert card["name"] == "kw" and card["parameters"]["gate"] is False
        listed = cli("model", "list", "bot").stdout  # each model's test figure, week after week (a review)
        assert "test set" in listed and "accuracy" in listed and "100.0%" in listed, listed  # a narrow table wraps

        gated = ["--gate", "--guard-margin", "200"]  # a 100-point gain is not enough: Failed, with its card
        cli("model", "train", "bot", "--name", "gated", "--dataset", "train", "--test-dataset", "held-out", *gated,
            expect=1)  # fmt: skip
        failed = " ".join(cli("model", "show", "gated").stdout.split())
        assert "of project bot: Failed: gate: accuracy gains 100.0 points, not more than the 200.0" in failed
        gate = json.loads(cli("model", "show", "gated", "--json").stdout)["gate"]  # kept for audits (a review)
        assert gate["passed"] is False and gate["reason"].startswith("gate: accuracy gains 100.0 points")
        # a model its gate failed can be evaluated again (on more data, say), with a warning; never deployed
        evaluated = json.loads(cli("evaluate", "--dataset", "held-out", "--model", "gated", "--json").stdout)
        assert any(w.startswith("Model 'gated' failed its gate (gate: accuracy gains") for w in evaluated["warnings"])
        refused = " ".join(cli("endpoint", "create", "bot", "--model", "gated", "--name", "g", expect=1).output.split())
        assert "Model 'gated' is Failed: gate: accuracy gains" in refused
        asked = cli("model", "delete", "gated", expect=1).output  # trained to the end: asked first (a code review)
        assert "Delete model gated and its files" in asked and "Aborted" in asked
        cli("model", "train", "bot", "--name", "passed", "--dataset", "train", "--test-dataset", "held-out", "--gate")
        assert "It passed --gate against its base." in " ".join(cli("model", "show", "passed").stdout.split())
        assert "Trained on train" in failed
        training.create_model(workspace, "bot", "later", BASE_MODEL, ["train"])  # NotStarted: no card yet
        later = " ".join(cli("model", "show", "later").stdout.split())
        assert (
            "of project bot: NotStarted. " in later and "It has no model card yet: training has not finished." in later
        )
        assert "has no artifact" in cli("model", "show", "later", "--json", expect=1).output
        for command in ("show", "delete"):  # a base model's name is not answered as a missing model
            refused = " ".join(cli("model", command, BASE_MODEL, expect=1).output.split())
            assert f"'{BASE_MODEL}' is a base model, which " in refused and "`tunefork model list --base`" in refused

        cli("endpoint", "create", "bot", "--model", "kw", "--name", "desk")
        endpoint = " ".join(cli("endpoint", "show", "desk").stdout.split())
        assert endpoint.startswith("Endpoint desk (") and "of project bot serves kw." in endpoint
        assert "/endpoints/" in endpoint and "Logging: off; 0 logged requests." in endpoint
        assert json.loads(cli("endpoint", "show", "desk", "--json").stdout)["model"] == "kw"
        exported = " ".join(cli("endpoint", "logs", "export", "desk", "--to-dataset", "bot", expect=1).output.split())
        assert "has no logged requests to export: logging is off: turn it on with `tunefork endpoint update desk " \
            "--logging`." in exported  # fmt: skip
        cli("endpoint", "update", "desk", "--logging")
        held = " ".join(cli("project", "show", "bot").stdout.split())
        assert held.startswith("Project bot (") and f": {KIND}, locale en-US; created " in held
        assert "2 datasets: train (utterances, Succeeded), held-out (utterances, Succeeded)" in held
        assert "4 models: kw (Succeeded), gated (Failed), passed (Succeeded), later (NotStarted)" in held
        assert "1 endpoint: desk (serves kw) 0 monitors" in held
        as_json = json.loads(cli("project", "show", "bot", "--json").stdout)
        assert as_json["kind"] == KIND and [e["name"] for e in as_json["endpoints"]] == ["desk"]
        assert [d["name"] for d in as_json["datasets"]] == ["train", "held-out"] and as_json["monitors"] == []
        assert "keys" not in as_json["endpoints"][0] and len(as_json["models"]) == 4
        exported = " ".join(cli("endpoint", "logs", "export", "desk", "--to-dataset", "bot", expect=1).output.split())
        assert "to export: none is kept (requests are logged while logging is on, for its retention days)." in exported


def test_terms_a_text_evaluation_cannot_use_are_reported() -> None:
    assert unused_terms_warning(["Apoquel"], {"models": [{"name": "car-v1", "accuracy": 1.0}]}) == [
        "The 1 domain term(s) given were not scored: term recall is measured on speech only."
    ]
    assert unused_terms_warning(["Apoquel"], {"models": [{"name": "vet-v1", "term_recall": 0.5}]}) == []
    assert unused_terms_warning(None, {"models": [{"name": "car-v1"}]}) == []


def test_terms_that_normalize_to_everyday_words_are_named() -> None:
    """A vet review's 'b.i.d.' was missed in "her bid at the auction": normalized, the term is the word 'bid'."""
    speech = {"models": [{"name": "vet-v1", "term_recall": 0.5}]}
    [warning] = everyday_terms_warning(["b.i.d.", "q.i.d.", "Apoquel", "DHPP", "Dr. Okonkwo"], speech)
    assert warning.startswith("Term(s) 'b.i.d.' (bid) read as everyday words once normalized")
    assert everyday_terms_warning(["b.i.d."], {"models": [{"name": "car-v1", "accuracy": 1.0}]}) == []


def test_a_file_that_is_not_audio_is_named_without_decoder_noise(tmp_path: Path) -> None:
    from tunefork.audio import read_audio
    from tunefork.errors import AudioDecodeError

    notes = tmp_path / "notes.yml"
    notes.write_text("notes:\n  - call the vet\n")
    with pytest.raises(AudioDecodeError) as refused:
        read_audio(notes)
    message = str(refused.value)
    assert message.startswith("notes.yml: not readable audio: the file is not in an audio format tunefork reads (WAV")
    assert "Errno" not in message and "InvalidDataError" not in message and str(tmp_path) not in message


def test_a_model_of_another_kind_is_named_with_the_right_article() -> None:
    assert (a_or_an("image"), a_or_an("speech"), a_or_an("entities"), a_or_an("'acoustic'")) == (
        "an image", "a speech", "an entities", "an 'acoustic'")  # fmt: skip
    with pytest.raises(TuneforkError, match=r"Model 'v1' is a language model; this needs an image model\."):
        ResolvedModel("v1", "id", Path("v1"), engine=SPACY_ENGINE).require(IMAGE.family)


def test_a_mistyped_name_is_answered_with_the_close_names(cli, tmp_path: Path) -> None:
    cli("project", "create", "assistant", "--kind", "language")
    csv = tmp_path / "nlu.csv"
    csv.write_text("text,intent\nwhats my balance,check_balance\nhello,greet\n")
    cli("dataset", "upload", "assistant", str(csv), "--kind", "utterances", "--name", "nlu")
    cli("dataset", "upload", "assistant", str(csv), "--kind", "utterances", "--name", "nlu-test")
    out = " ".join(cli("model", "train", "assistant", "--name", "v1", "--dataset", "nlx", expect=1).output.split())
    assert "No dataset named or with id 'nlx' in project 'assistant'. Did you mean 'nlu'?" in out
    out = " ".join(cli("dataset", "list", "asistant", expect=1).output.split())
    assert "No project named or with id 'asistant'. Did you mean 'assistant'? See `tunefork project list`." in out
    out = " ".join(cli("dataset", "inspect", "qwerty", expect=1).output.split())
    assert "No dataset named or with id 'qwerty'." in out and "Did you mean" not in out
    # Mistyped kinds and choices too.
    out = " ".join(cli("project", "create", "bot", "--kind", "langauge", expect=1).output.split())
    assert "Unknown project kind 'langauge'; choose one of: " in out and out.endswith("Did you mean 'language'?")
    out = " ".join(cli("dataset", "upload", "assistant", str(csv), "--kind", "utterance", expect=1).output.split())
    assert out.endswith("(got 'utterance'). Did you mean 'utterances'?")
    trained = ["model", "train", "assistant", "--name", "v1", "--dataset", "nlu", "--intent-classifier", "tfdif"]
    assert " ".join(cli(*trained, expect=1).output.split()).endswith("(got 'tfdif'). Did you mean 'tfidf'?")


def test_the_same_content_uploaded_again_is_named_not_refused(cli, tmp_path: Path) -> None:
    rows = tmp_path / "train.csv"
    rows.write_text("text,intent\nhello there,greet\ngoodbye now,leave\n", encoding="utf-8")
    copy = tmp_path / "copy.csv"
    copy.write_bytes(rows.read_bytes())
    other = tmp_path / "other.csv"
    other.write_text("text,intent\nhello there,greet\nsee you,leave\n", encoding="utf-8")
    for project in ("desk", "lab"):
        cli("project", "create", project, "--kind", "language")
    first = cli("dataset", "upload", "desk", str(rows), "--kind", "utterances")
    assert "same content" not in first.output
    again = cli("dataset", "upload", "desk", str(copy), "--kind", "utterances", "--json")
    assert json.loads(again.stdout)["accepted"] == 2  # kept
    warning = " ".join(again.stderr.split())
    assert "WARNING: copy has the same content as dataset train (both are kept;" in warning
    assert "same content" not in cli("dataset", "upload", "desk", str(other), "--kind", "utterances").output
    shuffled = tmp_path / "shuffled.csv"  # a text item is its line: the same rows in another order are not the same
    shuffled.write_text("text,intent\ngoodbye now,leave\nhello there,greet\n", encoding="utf-8")
    assert "same content" not in cli("dataset", "upload", "desk", str(shuffled), "--kind", "utterances").output
    assert "same content" not in cli("dataset", "upload", "lab", str(rows), "--kind", "utterances").output
    third = " ".join(cli("dataset", "upload", "desk", str(rows), "--kind", "utterances", "--name", "x").stderr.split())
    assert "same content as dataset train" in third and "same content as dataset copy" in third
    # The command it gives deletes that upload as it is typed: 'copy' is also a dataset of desk, 'new copy' two words.
    for name in ("copy", "new copy"):
        args = ["--name", name] if name != "copy" else []
        warned = " ".join(cli("dataset", "upload", "lab", str(copy), "--kind", "utterances", *args).stderr.split())
        command = warned.split("`")[1]
        assert shlex.split(command)[:3] == ["tunefork", "dataset", "delete"]
        assert f"Deleted dataset {name}." in cli(*shlex.split(command)[1:]).stdout


def test_the_side_effect_check_names_general_sentences_the_custom_model_broke() -> None:
    from tunefork.cli.model import newly_wrong_lines
    from tunefork.evaluation.comparison import compare_models
    from tunefork.kinds.speech import newly_wrong

    references = {"g1": "Are you okay for Tuesday?", "g2": "The shop opens at nine.", "g3": "It rained all day."}
    hypotheses = {
        "base": {"g1": "Are you okay for Tuesday?", "g2": "The shop opens at night.", "g3": "It rained all day."},
        "custom": {"g1": "Are you Okafor Tuesday?", "g2": "The shop opens at nine.", "g3": "It rained all day."},
    }
    broken = newly_wrong(compare_models(references, hypotheses, dataset="guard"))
    assert broken == [
        {
            "reference": "Are you okay for Tuesday?",
            "base": "Are you okay for Tuesday?",
            "custom": "Are you Okafor Tuesday?",
        }
    ]  # g2 was wrong already (and fixed), g3 right for both
    lines = newly_wrong_lines({"newly_wrong": 1, "sentences": 3, "newly_wrong_examples": broken})
    assert lines == [
        "1 of 3 general sentences the base model got right are wrong with this model:",
        "  'Are you okay for Tuesday?' -> 'Are you Okafor Tuesday?'",
    ]
    assert newly_wrong_lines({"newly_wrong": 0, "sentences": 3}) == newly_wrong_lines({}) == []


def test_model_show_leaves_out_the_parameters_nobody_gave() -> None:
    """A speech card's empty term list read "terms: 0" although evaluation used the display forms as terms."""
    from tunefork.cli.model import _settings

    card = {"seed": 0, "terms": [], "epochs": None, "gate": False, "options": {"voices": ["en-us"]}}
    assert _settings(card) == "seed 0, gate off, voices: 1"


def test_the_per_term_report_lists_terms_both_models_always_heard_in_one_line(capsys) -> None:
    """A dental review's table was half ordinary words ("takes", "thirty") heard by both models every time."""
    from tunefork.cli.model import _print_term_report

    rows = [("Okafor", 1.0, 0.0, "improved"), ("takes", 0.0, 0.0, "unchanged"), ("thirty", 0.0, 0.0, "unchanged")]
    terms = [{"term": t, "base_missed": b, "custom_missed": c, "verdict": v} for t, b, c, v in rows]
    report = {"terms": terms, "counts": {"improved": 1, "unchanged": 2}, "sentences": 3, "voice": "en-us",
              "stopped_by_budget": False}  # fmt: skip
    _print_term_report(report)
    said = capsys.readouterr().out
    assert "Okafor" in said.split("Heard every time")[0] and "takes" not in said.split("Heard every time")[0]
    assert "Heard every time by both models: takes, thirty." in " ".join(said.split())


def test_a_full_disk_is_said_in_one_line(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An upload on a full disk ended in a 40-line traceback (an operations review)."""
    import errno

    from tunefork.workflows import datasets as dataset_workflows

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "home" / ".staging" / "x.wav"))

    cli("project", "create", "p")
    monkeypatch.setattr(dataset_workflows, "upload_dataset", full)
    said = " ".join(cli("dataset", "upload", "p", str(tmp_path), "--kind", "language", expect=1).output.split())
    assert said.startswith("Error: No space left on device (") and "free some space and run the command again" in said


def test_a_dataset_name_taken_in_two_projects_is_looked_up_in_the_models_project(cli, tmp_path: Path) -> None:
    """`evaluate --dataset test --model img-v1` was "2 datasets are named 'test'" although the model's own project
    holds one of them (an evaluation review)."""
    with _toy_project(cli, tmp_path) as rows:
        cli("project", "create", "other", "--kind", KIND)
        for project in ("bot", "other"):
            cli("dataset", "upload", project, str(rows), "--kind", "utterances", "--name", "test")
        cli("model", "train", "bot", "--name", "kw", "--dataset", "train")
        said = json.loads(cli("evaluate", "--dataset", "test", "--model", "kw", "--json").stdout)
        assert said["dataset"] == "test"
        ambiguous = " ".join(cli("evaluate", "--dataset", "test", "--model", BASE_MODEL, expect=1).output.split())
        assert "2 datasets are named 'test'" in ambiguous  # a base model belongs to no project: still asked
        # the same texts as a test set: said before training (it was said after, an evaluation review)
        trained = " ".join(cli("model", "train", "bot", "--name", "kw2", "--dataset", "train", "--test-dataset",
                               "test").output.split())  # fmt: skip
        assert trained.index("TRAIN/TEST OVERLAP: 2 of 2 test item(s)") < trained.index("is NotStarted; training")


def test_report_tables_print_as_tables_in_the_terminal(capsys) -> None:
    """An entities review read report.md's raw Markdown (`## Entities per label`, `|---|`) after evaluate."""
    from tunefork.cli.common import print_markdown_lines

    rows = ["| PRODUCT_CODE | 94.9% | 31 |", "| a\\|b | 1.0% | 2 |"]
    print_markdown_lines(["## Entities per label", "", "| Label | m[/x] F1 | Support |", "|---|---:|---:|", *rows, "",
                          "### base [v1]: per concept", "- line 4: missed x"])  # fmt: skip
    shown = capsys.readouterr().out  # a model name in brackets is no markup (it raised MarkupError: a code review)
    assert "##" not in shown and "|---" not in shown and "Entities per label" in shown and "m[/x] F1" in shown
    assert "base [v1]: per concept" in shown
    assert "│ PRODUCT_CODE │ 94.9%    │ 31      │" in shown and "│ a|b" in shown and "- line 4: missed x" in shown
