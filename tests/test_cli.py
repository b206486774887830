"""The CLI end to end over a real workspace, real models and synthesized audio (no mocks)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from speech_samples import SENTENCES


def test_upload_list_inspect_transcribe_evaluate(cli, acoustic_zip: Path, tmp_path: Path) -> None:
    cli("project", "create", "pharmacy", "--kind", "speech", "--description", "dictation")
    upload = cli("dataset", "upload", "pharmacy", str(acoustic_zip), "--kind", "acoustic", "--name", "calls")
    assert "accepted: 3" in upload.output and "rejected: 1" in upload.output
    assert "ghost.wav" in upload.output

    listing = json.loads(cli("dataset", "list", "pharmacy", "--json").stdout)
    assert [(d["name"], d["accepted"], d["rejected"]) for d in listing] == [("calls", 3, 1)]
    report = json.loads(cli("dataset", "inspect", "calls", "--json").stdout)
    assert report["dataset"]["kind"] == "acoustic"

    base = json.loads(cli("model", "list", "--base", "--json").stdout)
    assert {"whisper-tiny.en", "sphinx-en-us"} <= {m["name"] for m in base}

    out_dir = tmp_path / "transcripts"
    cli("transcribe", "--model", "whisper-tiny.en", "--dataset", "calls", "--output", str(out_dir))
    rows = [json.loads(line) for line in (out_dir / "transcripts.jsonl").read_text().splitlines()]
    assert len(rows) == 3 and all(row["words"] for row in rows)
    assert len((out_dir / "trans.txt").read_text().splitlines()) == 3

    terms = tmp_path / "terms.txt"
    terms.write_text("metoprolol\n")
    args = ["evaluate", "--dataset", "calls", "--model", "whisper-tiny.en", "--model", "sphinx-en-us"]
    result = json.loads(cli(*args, "--terms", str(terms), "--json").stdout)
    assert result["dataset"] == "calls"
    assert set(result["normalizer"]) == {"name", "version"}
    assert [m["model"] for m in result["models"]] == ["whisper-tiny.en", "sphinx-en-us"]
    for model in result["models"]:
        assert model["words"] == sum(len(s.split()) for s in SENTENCES)
        expected = (model["substitutions"] + model["deletions"] + model["insertions"]) / model["words"]
        assert model["wer"] == pytest.approx(expected, abs=1e-6)
        assert 0.0 <= model["term_recall"] <= 1.0
    lo, hi = result["difference"]["ci95"]
    assert lo <= result["difference"]["wer_delta"] <= hi
    assert result["difference"]["items"] == 3 and not result["difference"]["significant"]  # too few to call

    table = cli("evaluate", "--dataset", "calls", "--model", "whisper-tiny.en")
    report_dir = Path(table.output.split("Report:")[1].split()[0])
    assert {"evaluation.json", "report.md", "alignments.jsonl", "wer_per_utterance.png"} <= {
        p.name for p in report_dir.iterdir()
    }


def test_clear_errors_and_nothing_left_behind(cli, tmp_path: Path) -> None:
    cli("project", "create", "p1", "--kind", "speech")
    missing = cli("dataset", "inspect", "nope", expect=1)
    assert "No dataset named" in missing.output

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../escape.wav", b"RIFF")
        archive.writestr("trans.txt", "escape.wav\thello\n")
    refused = cli("dataset", "upload", "p1", str(evil), "--kind", "acoustic", expect=1)
    assert "evil.zip" in refused.output or ".." in refused.output
    datasets_dir = cli.home / "datasets"
    assert not datasets_dir.exists() or list(datasets_dir.iterdir()) == []
    assert json.loads(cli("dataset", "list", "p1", "--json").stdout) == []

    text = tmp_path / "related.txt"
    text.write_text("hello there\n")
    cli("dataset", "upload", "p1", str(text), "--kind", "language", "--name", "related")
    wrong_kind = cli("evaluate", "--dataset", "related", "--model", "whisper-tiny.en", expect=1)
    assert "acoustic" in wrong_kind.output
    unknown_model = cli("transcribe", "--model", "whisper-huge-typo", "--dataset", "related", expect=1)
    assert "Error" in unknown_model.output


def test_demo_runs_end_to_end(cli) -> None:
    result = cli("demo", "--domain-sentences", "2", "--general-sentences", "1")
    assert "whisper-tiny.en" in result.output and "sphinx-en-us" in result.output
    assert "pharmacy" in result.output  # the custom model's column in the final table
    assert "Reports:" in result.output
    assert "Time budget: ranking" in result.output  # the Whisper training's budget, as on the card


def test_next_steps_and_endpoint_examples_follow_the_project_kind(cli) -> None:
    created = cli("project", "create", "desk", "--kind", "language").output
    assert "--kind utterances" in created and "acoustic" not in created
    assert "--kind acoustic" in cli("project", "create", "calls").output
    language = cli("endpoint", "create", "desk", "--model", "en-core-web-sm", "--name", "nlu").output
    assert "/parse" in language and '"text": "can you refill my prescription"' in language
    assert "/recognize" not in language and "audio/wav" not in language
    speech = cli("endpoint", "create", "calls", "--model", "whisper-tiny.en", "--name", "asr").output
    assert "/recognize" in speech and "audio/wav" in speech
    assert "video" not in cli("project", "create", "--help").output
    assert "Unknown project kind 'video'" in cli("project", "create", "clips", "--kind", "video", expect=1).output
