"""The training workflow: validation, status transitions, failures leave no artifact, cards are complete."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tunefork.engines.card import CARD_NAME
from tunefork.errors import ConflictError, TuneforkError
from tunefork.kinds.registry import GateContext
from tunefork.kinds.speech import GUARD_CHECK_ENV, SpeechSideEffects, newly_wrong
from tunefork.workflows import datasets, projects, training
from tunefork.workflows.evaluation import evaluate
from tunefork.workflows.models import resolve_model
from tunefork.workflows.transcription import transcribe

DOMAIN = [
    "start metoprolol twenty five milligrams twice daily",
    "continue atorvastatin forty milligrams at bedtime",
    "take levothyroxine every morning before breakfast",
]


@pytest.fixture
def project(workspace, tmp_path: Path, speak) -> str:
    """A speech project with related text, a pronunciation file and a small held-out acoustic set."""
    projects.create_project(workspace, "pharmacy", "speech")
    text = tmp_path / "related.txt"
    text.write_text("\n".join(DOMAIN * 3) + "\n")
    datasets.upload_dataset(workspace, "pharmacy", text, "language", "related")
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("Lipitor\tlip it or\n")
    datasets.upload_dataset(workspace, "pharmacy", lexicon, "pronunciation", "lexicon")
    archive = tmp_path / "test.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for index, sentence in enumerate(DOMAIN):
            zf.write(speak(sentence, voice="en-gb"), f"t{index}.wav")
        zf.writestr("trans.txt", "".join(f"t{i}.wav\t{s}\n" for i, s in enumerate(DOMAIN)))
    datasets.upload_dataset(workspace, "pharmacy", archive, "acoustic", "heldout")
    return "pharmacy"


def test_requests_are_validated_before_anything_runs(workspace, project: str) -> None:
    with pytest.raises(TuneforkError, match="Unknown base model"):
        training.create_model(workspace, project, "m", "whisper-gigantic", ["related"])
    with pytest.raises(ConflictError, match="base model"):
        training.create_model(workspace, project, "sphinx-en-us", "sphinx-en-us", ["related"])
    with pytest.raises(TuneforkError, match="held-out"):
        training.create_model(workspace, project, "m", "sphinx-en-us", ["heldout"], test_dataset_ref="heldout")
    with pytest.raises(TuneforkError, match="--gate needs"):
        training.create_model(workspace, project, "m", "sphinx-en-us", ["related"], gate=True)
    created = training.create_model(workspace, project, "m", "sphinx-en-us", ["related"])
    assert created["status"] == "NotStarted" and created["engine"] == "sphinx" and created["warnings"] == []
    with pytest.raises(ConflictError, match="already has a model"):
        training.create_model(workspace, project, "m", "sphinx-en-us", ["related"])
    projects.update_project(workspace, project, locale="fr-FR")  # said again before training: it matters there
    (warning,) = training.create_model(workspace, project, "m2", "sphinx-en-us", ["related"])["warnings"]
    assert warning.startswith("Locale fr-FR: speech models here read English only")


def test_a_guard_margin_needs_the_gate_that_reads_it(workspace, project: str, tmp_path: Path) -> None:
    # Without --gate the margin has no effect (the default guard check warns at its own fixed +0.5 points).
    with pytest.raises(TuneforkError) as refused:
        training.create_model(workspace, project, "w", "whisper-tiny.en", ["related"], guard_margin=2.0)
    assert str(refused.value) == (
        "--guard-margin (guardMargin) applies only with --gate, the one thing that reads it (the side-effect check "
        "after every training warns at a fixed margin of its own): add --gate (with a --test-dataset), or leave the "
        "margin out."
    )
    with pytest.raises(TuneforkError, match=r"--gate judges a model on held-out data, and TRAIN/TEST OVERLAP: 3 of 3"):
        training.create_model(workspace, project, "g", "whisper-tiny.en", ["related"], "heldout", gate=True)
    (tmp_path / "other.txt").write_text("refill the lisinopril prescription\n")  # the held-out sentences left out
    datasets.upload_dataset(workspace, project, tmp_path / "other.txt", "language", "other")
    gated = training.create_model(workspace, project, "g", "whisper-tiny.en", ["other"], "heldout", gate=True,
                                  guard_margin=2.0)  # fmt: skip
    default = training.create_model(workspace, project, "d", "whisper-tiny.en", ["other"], "heldout", gate=True)
    plain = training.create_model(workspace, project, "p", "whisper-tiny.en", ["related"])
    assert (gated["parameters"]["guard_margin"], default["parameters"]["guard_margin"]) == (2.0, 1.0)
    assert plain["parameters"]["gate"] is False and "guard_margin" not in plain["parameters"]


def test_failed_training_is_marked_failed_with_reason_and_leaves_no_artifact(workspace, project: str) -> None:
    created = training.create_model(workspace, project, "broken", "sphinx-en-us", ["related"])
    related_id = datasets.show_dataset(workspace, "related")["id"]
    (workspace.dataset_path(related_id) / "manifest.jsonl").unlink()  # corrupt the dataset on disk
    outcome = training.run_training(workspace, created["id"])
    assert outcome.model["status"] == "Failed"
    assert "manifest" in outcome.model["error"]
    assert not (workspace.models_dir / created["id"]).exists()
    assert list(workspace.staging_dir.iterdir()) == []
    with pytest.raises(TuneforkError, match="Failed"):
        resolve_model(workspace, "broken")
    with pytest.raises(ConflictError, match="only NotStarted"):
        training.run_training(workspace, created["id"])
    # a failed training gives its name up, as a failed upload does (an interrupted one kept it: a README review)
    again = training.create_model(workspace, project, "broken", "sphinx-en-us", ["lexicon"])
    assert again["id"] != created["id"] and [m["name"] for m in training.list_models(workspace, project)] == ["broken"]


@pytest.mark.parametrize("base", ["sphinx-en-us", "whisper-tiny.en"])
def test_text_and_pronunciation_customization_end_to_end(
    workspace, project: str, base: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The default side-effect check runs on 3 guard sentences (for speed), for one engine (it is engine-neutral).
    monkeypatch.setenv(GUARD_CHECK_ENV, "3" if base.startswith("whisper") else "0")
    created = training.create_model(
        workspace, project, f"custom-{base}", base, ["related", "lexicon"], test_dataset_ref="heldout",
        terms=["metoprolol", "atorvastatin", "levothyroxine"],
    )  # fmt: skip
    outcome = training.run_training(workspace, created["id"])
    assert outcome.model["status"] == "Succeeded", outcome.model["error"]
    card = json.loads((workspace.models_dir / created["id"] / CARD_NAME).read_text())
    for key in ("base_model", "engine", "datasets", "parameters", "engine_config", "contributions", "metrics"):
        assert card[key] is not None, key
    assert card["base_model"] == base
    assert {d["name"] for d in card["datasets"]} == {"related", "lexicon"}
    assert all(len(d["content_hash"]) == 64 for d in card["datasets"])
    assert card["training_seconds"] > 0
    models = [m["model"] for m in card["metrics"]["test"]["models"]]
    assert models == [base, f"custom-{base}"]
    assert outcome.test is not None and outcome.test.difference is not None
    if base.startswith("whisper"):
        # Without --gate, base and custom were still compared on general speech, and the card says how.
        check = card["guard_check"]
        assert check["dataset"] == "general guard set (first 3 of 240 sentences)" and check["sentences"] == 3
        assert check["sentences_planned"] == 3 and not check["stopped_by_budget"] and check["budget_s"] == 120
        assert check["words"] > 15 and check["warning_margin_points"] == 0.5 and len(check["ci95_points"]) == 2
        assert card["metrics"]["guard"]["dataset"] == check["dataset"] == outcome.model["metrics"]["guard"]["dataset"]
        assert (check["warning"] in card["warnings"]) if check["warning"] else check["ci95_points"][1] <= 0.5
        assert card["contributions"]["term_report"]["terms"]  # which terms the customization improved
        assert check["newly_wrong"] == len(newly_wrong(outcome.guard)) and len(check["newly_wrong_examples"]) <= 3
        # Out of time after the first chunk of 5 clips: the check compares those and says it stopped.
        monkeypatch.setenv(GUARD_CHECK_ENV, "7")
        models = [resolve_model(workspace, base), resolve_model(workspace, f"custom-{base}")]
        context = GateContext(*models, margin=1.0, cache_dir=workspace.synth_cache_dir, progress=lambda *a: None)
        checked = SpeechSideEffects(budget_s=0.0).check(context)
        stopped = checked.summary
        assert (stopped["sentences"], stopped["sentences_planned"], stopped["stopped_by_budget"]) == (5, 7, True)
        # the gate's own guard evaluation, judged afterwards: the card counts the time that evaluation took
        assert SpeechSideEffects().check(context, checked.result, 42.0).summary["seconds"] >= 42.0
        assert stopped["dataset"] == "general guard set (first 5 of 240 sentences)"
    else:
        assert "guard_check" not in card and "guard" not in card["metrics"]  # the check configured off

    out = transcribe(workspace, f"custom-{base}", dataset_ref="heldout", output_dir=tmp_path / "out")
    assert len(out.transcripts) == len(DOMAIN)
    # Without --terms, term recall counts the display forms of the pronunciations the model was trained with.
    assert outcome.test.terms_source == "the list given (--terms)"
    default = evaluate(workspace, "heldout", [base, f"custom-{base}"]).result
    assert default.terms == ["Lipitor"] and default.to_json()["terms_source"] == default.terms_source
    source = f"custom-{base}'s training data (lexicon); give --terms FILE to choose others"
    assert f"Domain terms: 1, from {source}." in default.table().notes
    assert evaluate(workspace, "heldout", [base]).result.terms == []  # a base model has no training data
    listed = training.list_models(workspace, project)
    assert [(m["name"], m["status"]) for m in listed] == [(f"custom-{base}", "Succeeded")]


def test_a_models_progress_reads_as_its_jobs(workspace, project: str) -> None:
    """The model's progress lagged its job's (0.0062 against 0.5 at a step's end: a REST review): both now store
    the same overall fraction at each step's end, however soon it follows the last save."""
    from tunefork.progress import OverallProgress
    from tunefork.store.models import Model

    with workspace.session() as session:
        row = Model(project_id=projects.show_project(workspace, project)["id"], name="m", base_model="whisper-tiny.en",
                    engine="whisper")  # fmt: skip
        session.add(row)
        session.flush()
        model_id = row.id
    seen: list[tuple[int, int]] = []
    recorder = training._ProgressRecorder(workspace, model_id, lambda done, total, _: seen.append((done, total)))
    job = OverallProgress()
    for done, total in ((1, 81), (81, 81), (1, 4)):
        recorder(done, total, "opening images")
        expected = job.update(done, total)
        if done == total:
            with workspace.session() as session:
                assert session.get(Model, model_id).progress == round(expected, 4) == 0.5
    assert seen == [(1, 81), (81, 81), (1, 4)]
