"""Long work says how it goes in a log too: plain progress lines on stderr when it is not a terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tunefork.cli import common, progress_lines
from tunefork.cli.progress_lines import INTERVAL_S, QUIET_S, STEP_GAP_S, PlainProgress


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_lines_come_at_a_modest_rate_with_the_counts() -> None:
    clock, lines = Clock(), []
    progress = PlainProgress("Training nlu", lines.append, clock)
    progress(0, 6, "intents: embedding examples")
    assert lines == []  # quick work prints nothing
    clock.now += QUIET_S
    progress(1, 6, "intents: embedding examples")
    assert lines == ["[0:02] intents: embedding examples (1/6)"]
    for loss in range(50):  # a step that names each loss it reaches is not a line each
        progress(2, 6, f"intents: loss {loss}")
    assert len(lines) == 1
    clock.now += STEP_GAP_S
    progress.tick()  # a changed step is written once due, even with no new report
    assert lines[-1] == "[0:12] intents: loss 49 (2/6)"
    clock.now += INTERVAL_S - 1
    progress.tick()
    assert len(lines) == 2
    clock.now += 1
    progress.tick()  # a long silent step still says it runs
    assert lines[-1] == "[0:42] intents: loss 49 (2/6)"
    clock.now += 18
    progress(6, 6, "")
    progress.finish()
    assert lines[-1] == "[1:00] Training nlu: done"


def test_quick_work_writes_nothing_at_all() -> None:
    lines = []
    progress = PlainProgress("Importing rows.csv", lines.append, Clock())
    progress(1, 1, "Converting audio")
    progress.finish()
    assert lines == []


def test_a_silent_step_is_logged_between_reports_and_an_interrupt_stops_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The background ticker writes due lines while no report comes; Ctrl-C (or any error) in the block stops it,
    with no 'done' line (the error says the rest)."""
    monkeypatch.setattr(progress_lines, "QUIET_S", 0.0)
    monkeypatch.setattr(progress_lines, "STEP_GAP_S", 0.0)
    monkeypatch.setattr(progress_lines, "INTERVAL_S", 0.0)
    monkeypatch.setattr(progress_lines, "TICK_S", 0.01)
    lines: list[str] = []
    ticked = threading.Event()

    def write(line: str) -> None:
        lines.append(line)
        if len(lines) >= 3:
            ticked.set()

    with pytest.raises(KeyboardInterrupt), progress_lines.progress_lines("Training nlu", write) as progress:
        progress(1, 4, "intents: embedding examples")
        assert ticked.wait(10)  # lines came with no further report
        raise KeyboardInterrupt
    assert not [thread for thread in threading.enumerate() if thread.name == "progress-lines"]
    written = len(lines)
    time.sleep(0.05)
    assert len(lines) == written and not any(line.endswith(": done") for line in lines)


def test_an_upload_logs_its_progress_on_stderr_only(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_lines, "QUIET_S", 0.0)  # every step counts as long
    rows = tmp_path / "rows.csv"
    rows.write_text("text,intent\nhello there,greet\ngoodbye now,leave\n", encoding="utf-8")
    cli("project", "create", "desk", "--kind", "language")
    uploaded = cli("dataset", "upload", "desk", str(rows), "--kind", "utterances")  # CliRunner: no terminal
    assert "[0:00] Importing rows.csv" in uploaded.stderr and "Importing rows.csv: done" in uploaded.stderr
    assert "Importing" not in uploaded.stdout and "accepted: 2  rejected: 0" in uploaded.stdout


def test_a_terminal_keeps_its_progress_bar(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_lines, "QUIET_S", 0.0)
    monkeypatch.setattr(common.err_console, "_force_terminal", True)
    with common.progress_bar("Importing rows.csv") as progress:
        progress(1, 2, "Converting audio")
    assert "[0:00]" not in capsys.readouterr().err


def test_a_closed_pipe_silences_the_lines_and_the_work_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """``tunefork ... 2>&1 | head -1``: once the reader is gone, writing fails (BrokenPipeError); the progress
    stops writing, quietly, and neither the reports nor the ticker nor the end raise."""
    monkeypatch.setattr(progress_lines, "QUIET_S", 0.0)
    monkeypatch.setattr(progress_lines, "STEP_GAP_S", 0.0)
    monkeypatch.setattr(progress_lines, "INTERVAL_S", 0.0)
    monkeypatch.setattr(progress_lines, "TICK_S", 0.01)
    reader, writer = os.pipe()
    os.close(reader)  # the reader went away
    tries = []

    def write(line: str) -> None:
        tries.append(line)
        os.write(writer, (line + "\n").encode())

    try:
        with progress_lines.progress_lines("Training nlu", write) as progress:
            for done in range(1, 5):
                progress(done, 4, f"step {done}")
                time.sleep(0.03)  # the ticker finds lines due too
    finally:
        os.close(writer)
    assert len(tries) == 1 and progress.silenced  # one failed write, then none tried


def test_a_reader_gone_from_stderr_neither_stops_nor_fails_a_training(cli, tmp_path: Path) -> None:
    """``tunefork model train ... 2>&1 >/dev/null | head -1``: the lines after the first find no reader; the
    training goes on to Succeeded and the command exits 0 (Rich's default would exit 1 mid-training)."""
    rows = tmp_path / "rows.csv"
    pairs = [("refill my pills", "refill"), ("I need a refill", "refill"), ("refill please", "refill"),
             ("hello there", "greet"), ("hi there", "greet"), ("good morning", "greet")]  # fmt: skip
    rows.write_text("text,intent\n" + "".join(f"{t},{i}\n" for t, i in pairs), encoding="utf-8")
    cli("project", "create", "desk", "--kind", "language")
    cli("dataset", "upload", "desk", str(rows), "--kind", "utterances")
    root = Path(__file__).parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    args = ["--home", str(cli.home), "model", "train", "desk", "--name", "v1", "--dataset", "rows",
            "--intent-classifier", "tfidf"]  # fmt: skip
    code = "from tunefork.cli.main import app; app()"
    training = subprocess.Popen(  # stderr a pipe: plain progress lines, due after 2 s of loading and training
        [sys.executable, "-c", code, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=root
    )
    assert training.stderr.readline().startswith(b"Base model: en-core-web-sm")
    training.stderr.close()  # the reader goes away, as `head -1` does
    assert training.wait(timeout=600) == 0
    assert [m["status"] for m in json.loads(cli("model", "list", "desk", "--json").stdout)] == ["Succeeded"]


def test_the_model_libraries_draw_no_bars_of_their_own(tmp_path: Path) -> None:
    """Loading a model must not write transformers' raw ``Loading weights: 100%|...`` bar into a log."""
    script = (
        "import sys; from typer.testing import CliRunner; from tunefork.cli.main import app; "
        "CliRunner().invoke(app, ['--home', sys.argv[1], 'project', 'list']); "
        "from transformers.utils import logging; print(logging.is_progress_bar_enabled())"
    )
    environment = {key: value for key, value in os.environ.items() if key != "HF_HUB_DISABLE_PROGRESS_BARS"}
    ran = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "home")], env=environment, capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    assert ran.stdout.strip() == "False", ran.stderr


def test_overall_progress_only_rises_and_reaches_one_only_at_the_end() -> None:
    """Step fractions as a language training reports them: intents' folds, then the recognizer's epochs."""
    from tunefork.progress import OverallProgress

    overall = OverallProgress()
    seen = [overall.update(done, total) for done, total in [(1, 3), (3, 3), (1, 1), (1, 6), (6, 6), (0, 0), (2, 4)]]
    assert seen == sorted(seen) and all(value < 1.0 for value in seen)
    assert seen[1] == 0.5 and seen[3] == 0.5 + 0.5 * 0.5 / 6  # a new step covers half of what remains
