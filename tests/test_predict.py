"""`tunefork predict`: language, entities and image models over texts and images, and the labels to correct."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from image_samples import concept_folders

from tunefork.errors import TuneforkError
from tunefork.store.artifacts import read_jsonl
from tunefork.workflows import prediction
from tunefork.workspace import Workspace

INTENTS = """text,intent
refill my pills,refill
i need a refill of my inhaler,refill
can you refill my prescription,refill
refill please,refill
refill my meds,refill
where is my order,order_status
has my order shipped,order_status
track my order please,order_status
when will my parcel arrive,order_status
order status,order_status
"""


def test_a_language_model_answers_texts_and_writes_utterances_to_correct(cli, tmp_path: Path) -> None:
    (tmp_path / "nlu.csv").write_text(INTENTS, encoding="utf-8")
    cli("project", "create", "rx", "--kind", "language")
    cli("dataset", "upload", "rx", str(tmp_path / "nlu.csv"), "--kind", "utterances", "--name", "nlu")
    cli("model", "train", "rx", "--name", "v1", "--dataset", "nlu", "--intent-classifier", "tfidf")
    texts = tmp_path / "texts.txt"
    texts.write_bytes(b"refill my inhaler please\n\nwhere is my parcel\nbad \x00 line\n")
    requests = tmp_path / "requests.jsonl"
    requests.write_text('{"text": "track my order"}\n{"txt": "no text"}\n', encoding="utf-8")
    out = tmp_path / "out"
    shown = cli("predict", "--model", "v1", str(texts), str(requests), "--text", "refill", "-o", str(out)).output
    flat = " ".join(shown.split())
    assert "4 answered, 2 skipped" in flat, shown
    assert (
        "texts.txt line 4 holds a NUL byte" in flat and 'requests.jsonl line 2: not a JSON object with a "text"' in flat
    )
    answers = read_jsonl(out / "predictions.jsonl")
    assert [(a["source"], a["intent"]) for a in answers] == [
        ("--text 1", "refill"), ("texts.txt:1", "refill"), ("texts.txt:3", "order_status"),
        ("requests.jsonl:1", "order_status"),
    ]  # fmt: skip
    assert f"tunefork dataset upload rx {out / 'utterances.yml'} --kind utterances" in flat
    uploaded = cli("dataset", "upload", "rx", str(out / "utterances.yml"), "--kind", "utterances", "--name", "fixed")
    assert "accepted: 4 rejected: 0" in " ".join(uploaded.output.split())
    refused = cli("predict", "--model", "v1", "--text", "refill", "-o", str(out), expect=1)
    assert "is not an empty folder" in " ".join(refused.output.split())  # nothing overwritten
    refused = cli("predict", "--model", "whisper-tiny.en", "--text", "hi", expect=1)
    assert "speech model: transcribe audio with `tunefork transcribe`" in " ".join(refused.output.split())
    refused = cli("predict", "--model", "v1", expect=1)
    assert "Nothing to predict" in " ".join(refused.output.split())


def test_texts_from_stdin_and_a_base_model_with_an_entities_project(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tunefork.workflows import projects

    monkeypatch.setattr("sys.stdin", io.StringIO("Sarah Smith flew to Paris on Monday\n"))
    alone = prediction.predict(workspace, "en-core-web-sm", [Path(prediction.STDIN)], output_dir=tmp_path / "a")
    assert alone.to_correct is None and alone.answers[0][0] == "stdin:1"
    assert {e["label"] for e in alone.answers[0][1]["entities"]} >= {"PERSON", "GPE"}
    projects.create_project(workspace, "gadgets", "entities")
    owned = prediction.predict(workspace, "en-core-web-sm", texts=["Sarah Smith flew to Paris"], project="gadgets",
                               output_dir=tmp_path / "b")  # fmt: skip
    assert owned.to_correct == tmp_path / "b" / "spans.jsonl" and owned.dataset_kind == "annotated-text"
    # the base model's own spans are not written as annotations: trained on, they would replace its recognizer
    assert owned.answers[0][1]["entities"][0]["source"] == "base"
    assert json.loads((tmp_path / "b" / "spans.jsonl").read_text())["spans"] == []
    with pytest.raises(TuneforkError, match="not both"):
        prediction.predict(workspace, "en-core-web-sm", texts=["x"], dataset_ref="d")


def test_an_image_model_answers_a_folder_and_the_labels_upload_again(cli, tmp_path: Path) -> None:
    train = concept_folders(tmp_path / "train", 6, seed=1)
    new = concept_folders(tmp_path / "new", 1, seed=5)
    (new / "broken.png").write_text("not an image", encoding="utf-8")
    (new / "phone.avif").write_bytes(b"\x00\x00\x00\x1cftypavif")  # was skipped unsaid (an image review)
    cli("project", "create", "shelf", "--kind", "image")
    cli("dataset", "upload", "shelf", str(train), "--kind", "images", "--name", "train")
    cli("model", "train", "shelf", "--name", "s1", "--dataset", "train")
    out = tmp_path / "out"
    shown = " ".join(cli("predict", "--model", "s1", str(new), "-o", str(out)).output.split())
    assert "3 answered, 2 skipped" in shown and "new/broken.png: not a usable image" in shown
    assert "new/phone.avif: an AVIF image, which tunefork does not read: convert it to JPEG or PNG" in shown
    none = " ".join(cli("predict", "--model", "s1", str(new / "broken.png"), str(new / "phone.avif"), "-o",
                        str(tmp_path / "none"), expect=1).output.split())  # fmt: skip
    assert "None of the 2 inputs could be answered: broken.png: not a usable image" in none and "phone.avif: an" in none
    assert f"edit the labels in {out}" in shown
    refused = cli("predict", "--model", "s1", "--text", "a cat", expect=1)
    assert "an image model: give image files or folders, not --text" in " ".join(refused.output.split())
    uploaded = " ".join(cli("dataset", "upload", "shelf", str(out), "--kind", "images", "--name", "p").output.split())
    assert "csv manifest" in uploaded and "accepted: 3 rejected: 0" in uploaded
    assert "ignored predictions.jsonl" in uploaded
