"""Shared fixtures: a fresh workspace or CLI per test and a session-wide cache of synthesized audio."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from speech_samples import write_acoustic_zip
from typer.testing import CliRunner

from tunefork.cli.main import app
from tunefork.speech.synthesis import Voice, synthesize_cached
from tunefork.workspace import Workspace

# The default guard-set check after speech training costs minutes in a fresh workspace (synthesis, both
# models on 80 clips); tests that check it set the size themselves (tests/test_training.py).
os.environ.setdefault("TUNEFORK_GUARD_CHECK_SENTENCES", "0")
# `auto` intent training also fine-tunes the sentence encoder (the contrastive candidate) on small data, about
# 2 CPU-minutes a training; the tests keep it to the linear heads, and tests/test_language_contrastive.py
# exercises the contrastive path itself.
os.environ.setdefault("TUNEFORK_INTENT_CONTRASTIVE_MAX_EXAMPLES", "0")
# With that limit at 0, `auto` would fine-tune the encoder's top layers (the supervised candidate) on every
# training; tests/test_language_supervised.py exercises that path itself.
os.environ.setdefault("TUNEFORK_INTENT_SUPERVISED_MIN_EXAMPLES", "1000000")
# Small intent data trains over all-mpnet-base-v2 by default, 3-4 times MiniLM's CPU; the tests keep MiniLM, and
# tests/test_language_mpnet.py exercises the mpnet path and the default choice itself.
os.environ.setdefault("TUNEFORK_INTENT_SMALL_DATA_ENCODER", "all-MiniLM-L6-v2")
# A server warms its endpoints' models in the background at start; in the tests that would load models that a
# test never asks for (while later tests run); tests/test_warmup.py sets its own number.
os.environ.setdefault("TUNEFORK_WARM_MODELS", "0")
# A text-only Whisper training synthesizes its related text and fine-tunes on it by default, minutes of CPU;
# tests that fine-tune ask for it (`synthesize_text`), and tests/test_whisper_custom.py checks the default.
os.environ.setdefault("TUNEFORK_WHISPER_SYNTHESIS", "off")


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """An empty workspace in a temporary folder (SQLite unless TUNEFORK_TEST_DATABASE_URL is set)."""
    ws = Workspace.open(tmp_path / "home")
    yield ws
    ws.close()


@pytest.fixture
def cli(tmp_path: Path):
    """``cli(*args, expect=0) -> Result``: run ``tunefork`` on a fresh workspace (``cli.home``) in-process.

    Fails the test on an unexpected exception or exit code.
    """
    runner = CliRunner()
    home = tmp_path / "home"

    def _run(*args: str, expect: int = 0):
        result = runner.invoke(app, ["--home", str(home), *args])
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code == expect, result.output
        return result

    _run.home = home  # type: ignore[attr-defined]
    return _run


@pytest.fixture
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's tables 250 columns wide, so a long cell is not wrapped. Rich fixes a console's width when it is
    created if COLUMNS is set then (a pytest-xdist worker has COLUMNS=80), so an invocation's env cannot widen it."""
    from tunefork.cli.common import console

    monkeypatch.setattr(console, "_width", 250)


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    """An empty staging folder inside its own parent (so leftovers next to it can be checked)."""
    path = tmp_path / "staging" / "dest"
    path.mkdir(parents=True)
    return path


@pytest.fixture(scope="session")
def synth_cache() -> Path:
    """Folder where synthesized test audio is cached across tests (and across runs, when possible)."""
    path = Path(os.environ.get("TUNEFORK_TEST_AUDIO_CACHE", Path.home() / ".cache" / "tunefork-test-audio"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def speak(synth_cache: Path):
    """``speak(text, voice="en-us", noise_snr_db=None) -> Path`` of a cached 16 kHz mono WAV."""

    def _speak(text: str, voice: str = "en-us", noise_snr_db: float | None = None) -> Path:
        return synthesize_cached(text, synth_cache, Voice(voice), noise_snr_db)

    return _speak


@pytest.fixture(scope="session")
def acoustic_zip(tmp_path_factory, speak) -> Path:
    """Azure zip: three spoken sentences plus a transcript line whose audio is missing."""
    return write_acoustic_zip(tmp_path_factory.mktemp("data") / "calls.zip", speak)
