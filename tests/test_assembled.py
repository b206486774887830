"""Bundled models assembled into the model cache: once, even when several processes need them at the same time."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from tunefork.engines.assembled import assembled_model
from tunefork.errors import TuneforkError

WEIGHTS = b"w" * 4096


def _complete(folder: Path) -> bool:
    return (folder / "weights.bin").is_file() and (folder / "weights.bin").stat().st_size == len(WEIGHTS)


def _assemble(cache: str, builds: str, results: multiprocessing.Queue) -> None:
    """One process's call: a slow build that records each run in ``builds``; puts the folder or the error."""

    def build(staging: Path) -> None:
        with open(builds, "a") as log:
            log.write("build\n")
        time.sleep(0.5)
        (staging / "weights.bin").write_bytes(WEIGHTS)

    os.environ["XDG_CACHE_HOME"] = cache
    try:
        folder = assembled_model("toy-model", _complete, build)
        results.put(str(folder) if _complete(folder) else "incomplete")
    except Exception as exc:  # reported to the test, which fails on it
        results.put(f"error: {exc}")


def test_processes_assembling_one_model_at_once_build_it_once_and_all_get_it_complete(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    builds = tmp_path / "builds.log"
    processes = [
        context.Process(target=_assemble, args=(str(tmp_path / "cache"), str(builds), results)) for _ in range(3)
    ]
    for process in processes:
        process.start()
    answers = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    target = tmp_path / "cache" / "tunefork" / "models" / "toy-model"
    assert answers == [str(target)] * 3
    assert builds.read_text().splitlines() == ["build"]
    assert sorted(path.name for path in target.parent.iterdir()) == [".toy-model.lock", "toy-model"]


def test_an_incomplete_copy_is_rebuilt_and_a_bad_build_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    target = tmp_path / "tunefork" / "models" / "toy-model"
    target.mkdir(parents=True)
    (target / "weights.bin").write_bytes(b"half")
    folder = assembled_model("toy-model", _complete, lambda staging: (staging / "weights.bin").write_bytes(WEIGHTS))
    assert folder == target and _complete(target)
    (target / "weights.bin").write_bytes(b"half")
    with pytest.raises(TuneforkError, match="could not be assembled"):
        assembled_model("toy-model", _complete, lambda staging: (staging / "weights.bin").write_bytes(b"short"))
