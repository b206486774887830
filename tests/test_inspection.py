"""Inspection reports computed on small imported datasets with known numbers."""

from __future__ import annotations

import json
import statistics
import subprocess
from pathlib import Path

import pytest
import soundfile as sf

from tunefork.config import UploadLimits
from tunefork.datasets.importer import import_dataset
from tunefork.datasets.inspection import inspect_dataset, load_manifest, normalize_text
from tunefork.errors import NotFoundError

VOCABULARY = {"hello", "world", "refill", "my", "please", "call", "the", "pharmacy"}


def imported(tmp_path: Path, source: Path, kind: str) -> Path:
    dest = tmp_path / "datasets" / kind
    import_dataset(source, kind, dest, UploadLimits())
    return dest


@pytest.fixture
def acoustic_set(tmp_path, speak) -> Path:
    """Three items: two transcripts equal after normalization, 'ibuprofen' out of the vocabulary (twice)."""
    folder = tmp_path / "upload"
    folder.mkdir()
    texts = {"a": "Hello, world!", "b": "hello world", "c": "refill my ibuprofen please ibuprofen"}
    for key, text in texts.items():
        (folder / f"{key}.wav").write_bytes(speak(text.lower().strip("!")).read_bytes())
    subprocess.run(["sox", "-D", str(folder / "c.wav"), "-r", "22050", str(folder / "c22.wav")], check=True)
    (folder / "c22.wav").replace(folder / "c.wav")
    (folder / "trans.txt").write_text("".join(f"{k}.wav\t{t}\n" for k, t in texts.items()) + "d.wav\tmissing\n")
    return imported(tmp_path, folder, "acoustic")


def test_normalize_text():
    assert normalize_text("Hello, World!  It's 'fine', 25.") == "hello world it's fine twenty five"


def test_acoustic_report_numbers(acoustic_set):
    report = inspect_dataset(acoustic_set, "acoustic", VOCABULARY, top_n=5, vocabulary_name="a test list")
    json.dumps(report)  # plain JSON-able data
    assert (report["items"], report["accepted"], report["rejected"]) == (3, 3, 1)
    durations = [r["duration"] for r in load_manifest(acoustic_set)]
    assert report["total_duration_s"] == pytest.approx(sum(durations), abs=1e-3)
    assert report["duration_s"]["median"] == pytest.approx(statistics.median(durations), abs=1e-3)
    assert report["duration_s"]["min"] == min(durations) and report["duration_s"]["max"] == max(durations)
    assert [d["id"] for d in report["durations"]] == ["a", "b", "c"]
    assert report["conversions"] == {"resampled": 1}
    assert report["converted_items"] == [{"id": "c", "conversions": ["resampled 22050 Hz to 16000 Hz"]}]
    assert report["empty_transcripts"] == []
    assert report["duplicate_transcripts"] == [{"text": "hello world", "ids": ["a", "b"]}]
    assert (report["words"], report["distinct_words"]) == (9, 6)
    assert report["oov"] == {
        "rate": round(2 / 9, 4),
        "tokens": 2,
        "distinct": 1,
        "top": [{"word": "ibuprofen", "count": 2}],
        "against": "a test list",
    }
    assert report["warnings"] == []


def test_report_without_vocabulary_and_long_item_warning(acoustic_set):
    manifest = acoustic_set / "manifest.jsonl"
    records = load_manifest(acoustic_set)
    records[0]["duration"] = 75.0
    manifest.write_text("".join(json.dumps(r) + "\n" for r in records))
    report = inspect_dataset(acoustic_set, "acoustic")
    assert report["oov"] is None
    assert report["warnings"][0]["item"] == "a" and "over 30 s: Whisper fine-tuning leaves it out" in report[
        "warnings"][0]["reason"]  # fmt: skip


def test_language_report(tmp_path):
    source = tmp_path / "related.txt"
    source.write_text("Refill my Ibuprofen.\nrefill my ibuprofen\ncall the pharmacy now\n")
    report = inspect_dataset(imported(tmp_path, source, "language"), "language", VOCABULARY)
    assert (report["lines"], report["words"], report["distinct_words"]) == (3, 10, 7)
    assert report["duplicate_lines"] == [{"text": "refill my ibuprofen", "ids": ["line-1", "line-2"]}]
    assert report["oov"]["top"] == [{"word": "ibuprofen", "count": 2}, {"word": "now", "count": 1}]
    assert report["oov"]["distinct"] == 2


def test_pronunciation_report(tmp_path):
    source = tmp_path / "pron.txt"
    source.write_text("PharmaCo\tfarma co\nHW\thello world\nPlease\tplease\n")
    report = inspect_dataset(imported(tmp_path, source, "pronunciation"), "pronunciation", VOCABULARY)
    assert (report["entries"], report["distinct_displays"], report["spoken_words"]) == (3, 3, 5)
    assert report["oov_entries"] == [
        {"id": "line-1", "display": "PharmaCo", "spoken": "farma co", "oov_words": ["farma", "co"]}
    ]
    assert report["everyday_entries"] == [{"id": "line-3", "display": "Please", "spoken": "please"}]  # capitalized
    [warning] = report["warnings"]
    assert warning["item"] == "line-3" and "'please' is everyday English" in warning["reason"]


def test_structured_text_report(tmp_path):
    source = tmp_path / "bot.md"
    source.write_text("@ list x =\n- hello\n- world\n# S\n- {@x} please\n- hello please\n")
    report = inspect_dataset(imported(tmp_path, source, "structured-text"), "structured-text", VOCABULARY)
    assert (report["sentences"], report["lists"], report["pronunciations"]) == (3, 1, 0)
    assert report["duplicate_sentences"] == [{"text": "hello please", "ids": ["sentence-5-1", "sentence-6"]}]
    assert report["oov"]["tokens"] == 0


def test_audio_report_reports_downmix(tmp_path, speak):
    stereo = tmp_path / "in" / "stereo.wav"
    stereo.parent.mkdir()
    subprocess.run(["sox", "-D", str(speak("hello world")), "-c", "2", str(stereo)], check=True)
    report = inspect_dataset(imported(tmp_path, stereo.parent, "audio"), "audio")
    assert report["conversions"] == {"downmixed": 1}
    assert report["items"] == 1 and "words" not in report
    assert report["total_duration_s"] == pytest.approx(sf.info(stereo).duration, abs=1e-3)


def test_missing_manifest(tmp_path):
    with pytest.raises(NotFoundError, match=r"manifest\.jsonl"):
        load_manifest(tmp_path)
