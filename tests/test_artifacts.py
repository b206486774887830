"""Artifacts appear whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from tunefork.store.artifacts import atomic_write_json, read_jsonl, staged_directory, write_jsonl


def test_staged_directory_moves_in_complete_folder(tmp_path: Path) -> None:
    final = tmp_path / "datasets" / "abc"
    with staged_directory(final, tmp_path / ".staging") as staging:
        (staging / "manifest.jsonl").write_text("{}\n")
        assert not final.exists()
    assert (final / "manifest.jsonl").read_text() == "{}\n"
    assert list((tmp_path / ".staging").iterdir()) == []


def test_staged_directory_leaves_nothing_on_error(tmp_path: Path) -> None:
    final = tmp_path / "datasets" / "abc"
    with pytest.raises(RuntimeError), staged_directory(final, tmp_path / ".staging") as staging:
        (staging / "half.wav").write_bytes(b"RIFF")
        raise RuntimeError("import failed")
    assert not final.exists()
    assert list((tmp_path / ".staging").iterdir()) == []


def test_jsonl_round_trip_and_atomic_json(tmp_path: Path) -> None:
    records = [{"id": "a", "text": "héllo"}, {"id": "b", "text": "world"}]
    write_jsonl(tmp_path / "m.jsonl", records)
    assert read_jsonl(tmp_path / "m.jsonl") == records
    atomic_write_json(tmp_path / "card.json", {"x": 1})
    assert (tmp_path / "card.json").read_text().strip().startswith("{")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
