"""Training options refused for the project's kind are named as the user wrote them (new-user QA), and a model
keeps only the parameters that apply to its kind and engine."""

from __future__ import annotations

from pathlib import Path

import pytest

import tunefork.kinds  # noqa: F401  (registers every kind)
from tunefork.errors import TuneforkError
from tunefork.kinds.options import training_parameters
from tunefork.kinds.registry import get_kind
from tunefork.workflows import datasets, projects, training
from tunefork.workspace import Workspace


def test_foreign_option_is_named_by_its_cli_flag_and_rest_field() -> None:
    with pytest.raises(TuneforkError) as refused:
        training_parameters(get_kind("language"), {"custom_weight": 30})
    assert str(refused.value) == "Option(s) --custom-weight (customWeight) apply to speech models only."
    assert "custom_weight" not in str(refused.value)
    # a weight of 0 trained the base again, and its gate ran 4 minutes of guard set to say so (a speech review)
    with pytest.raises(TuneforkError, match=r"--custom-weight must be at least 1 \(got 0\)"):
        training_parameters(get_kind("speech"), {"custom_weight": 0})


def test_a_speech_model_keeps_the_custom_weight_only_for_the_engine_it_applies_to(
    workspace: Workspace, tmp_path: Path
) -> None:
    projects.create_project(workspace, "rx", "speech")
    (tmp_path / "related.txt").write_text("take lipitor every morning\n", encoding="utf-8")
    datasets.upload_dataset(workspace, "rx", tmp_path / "related.txt", "language", "related")
    sphinx = training.create_model(workspace, "rx", "s", "sphinx-en-us", ["related"], options={"custom_weight": 40})
    whisper = training.create_model(workspace, "rx", "w", "whisper-tiny.en", ["related"], terms=["Lipitor"])
    settings = {"test_dataset": None, "terms": [], "gate": False, "guard_check": True}
    assert sphinx["parameters"] == {"custom_weight": 40, "seed": 0, "options": {}, **settings}  # no epochs
    assert whisper["parameters"] == {"epochs": None, "seed": 0, "options": {}, **settings, "terms": ["Lipitor"]}
    with pytest.raises(TuneforkError) as refused:  # given for whisper, it would be ignored: refused
        training.create_model(workspace, "rx", "w2", "whisper-tiny.en", ["related"], options={"custom_weight": 50})
    assert str(refused.value) == (
        "Option(s) --custom-weight (customWeight) apply to sphinx base models only; this base model is whisper."
    )
    everyday = {"rewrite_everyday_phrases": True}
    rewriting = training.create_model(workspace, "rx", "w3", "whisper-tiny.en", ["related"], options=everyday)
    assert rewriting["parameters"]["options"] == everyday  # an engine option, for WhisperOptions
    budgeted = training.create_model(workspace, "rx", "w4", "whisper-tiny.en", ["related"],
                                     options={"run_budget_s": 1200.0})  # fmt: skip
    assert budgeted["parameters"]["options"] == {"run_budget_s": 1200.0}  # --time-budget: the warning's advice
    from tunefork.speech.whisper_custom.trainer import WhisperOptions

    longer = WhisperOptions.parse({"run_budget_s": 1200.0})  # fine-tuning's own 540 s no longer caps it
    assert (longer.run_budget_s, longer.time_budget_s) == (1200.0, None)
    with pytest.raises(TuneforkError, match=r"--time-budget \(timeBudget\) apply to whisper base models only"):
        training.create_model(workspace, "rx", "s4", "sphinx-en-us", ["related"], options={"run_budget_s": 900})
    with pytest.raises(TuneforkError, match=r"--epochs apply to whisper base models only; this base model is sphinx"):
        training.create_model(workspace, "rx", "s3", "sphinx-en-us", ["related"], options={"epochs": 3})
    refused = r"rewriteEverydayPhrases\) apply to whisper base models only; this base model is sphinx"
    with pytest.raises(TuneforkError, match=refused):
        training.create_model(workspace, "rx", "s2", "sphinx-en-us", ["related"], options=everyday)


def test_guard_settings_are_refused_for_kinds_without_a_gate_or_side_effect_check(
    workspace: Workspace, cli, tmp_path: Path
) -> None:
    projects.create_project(workspace, "shelf", "image")
    with pytest.raises(TuneforkError, match=r"--guard-margin \(guardMargin\) does not apply to image models"):
        training.create_model(workspace, "shelf", "v1", "efficientnet-lite0", ["train"], guard_margin=5.0)
    projects.create_project(workspace, "bot", "language")
    (tmp_path / "train.csv").write_text("text,intent\nrefill my pills,refill\nhello there,greet\n", encoding="utf-8")
    datasets.upload_dataset(workspace, "bot", tmp_path / "train.csv", "utterances", "train")
    with pytest.raises(TuneforkError, match="--no-guard-check \\(guardCheck\\) does not apply to language models"):
        training.create_model(workspace, "bot", "v1", "en-core-web-sm", ["train"], guard_check=False)
    # The language gate compares no general data: a margin would be kept and never read, so it is refused, with
    # the way out; without the settings nothing is refused and no margin is kept.
    (tmp_path / "test.csv").write_text("text,intent\nmy pills please,refill\nhi,greet\n", encoding="utf-8")
    datasets.upload_dataset(workspace, "bot", tmp_path / "test.csv", "utterances", "test")
    for gate in (True, False):
        with pytest.raises(TuneforkError) as margin:
            training.create_model(workspace, "bot", "v1", "en-core-web-sm", ["train"], "test", gate=gate,
                                  guard_margin=5.0)  # fmt: skip
        assert str(margin.value) == (
            "--guard-margin (guardMargin) does not apply to language models: their gate compares no general data "
            "within a margin; use --gate without it."
        )
    gated = training.create_model(workspace, "bot", "v1", "en-core-web-sm", ["train"], "test", gate=True)
    datasets.upload_dataset(workspace, "bot", tmp_path / "train.csv", "utterances", "leaked")
    with pytest.raises(TuneforkError) as leaked:  # a model trained on its test set passed its gate (a review)
        training.create_model(workspace, "bot", "v3", "en-core-web-sm", ["train"], "leaked", gate=True)
    assert str(leaked.value).startswith("--gate judges a model on held-out data, and TRAIN/TEST OVERLAP: 2 of 2 test ")
    plain = training.create_model(workspace, "bot", "v2", "en-core-web-sm", ["train"])
    assert (gated["parameters"]["gate"], plain["parameters"]["gate"]) == (True, False)
    assert not {"guard_margin", "guard_check"} & {*gated["parameters"], *plain["parameters"]}

    # The CLI (same workspace) passes the settings only when given: a plain image training goes on to its datasets.
    train = ["model", "train", "shelf", "--name", "v1", "--dataset", "missing"]
    assert "--guard" not in cli(*train, expect=1).output
    refused = cli(*train, "--no-guard-check", expect=1)
    assert "--guard-check/--no-guard-check (guardCheck) does not apply to image models" in " ".join(
        refused.output.split()
    )
