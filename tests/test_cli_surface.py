"""The CLI's surface: it starts fast (importing it loads no model stack), its help shows words rather than Python
types, it has ``--version``, and its progress bars do not stay on screen once done."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import click
from rich.console import Console
from typer.main import get_command
from typer.testing import CliRunner

from tunefork import __version__
from tunefork.cli import common
from tunefork.cli.main import app
from tunefork.service.auth import ensure_admin_token
from tunefork.workspace import Workspace

ROOT = Path(__file__).parent.parent
HEAVY = ("torch", "scipy", "sklearn", "faster_whisper", "ctranslate2", "spacy", "sentence_transformers", "matplotlib")
"""Packages that cost seconds of CPU to import; no command may need them before it runs."""


def test_importing_the_cli_loads_no_model_stack() -> None:
    code = f"import json, sys, tunefork.cli.main; print(json.dumps(sorted(set({HEAVY!r}) & set(sys.modules))))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    assert json.loads(done.stdout) == []


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*path, name))
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
    return found


def test_help_shows_value_words_not_python_types() -> None:
    runner = CliRunner()
    for path in [(), *_commands(get_command(app))]:
        shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert shown.exit_code == 0, path
        assert re.search(r"<(str|int|float|bool|path|list\[)", shown.output) is None, (path, shown.output)
    train = runner.invoke(app, ["model", "train", "--help"], env={"COLUMNS": "200"}).output
    assert re.search(r"--dataset +TEXT\.\.\.", train) and re.search(r"--gate +Succeed", train)
    assert "--guard-check" in train and "--no-guard-check" in train


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"tunefork {__version__}"


def test_a_finished_progress_bar_is_erased(monkeypatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(common, "err_console", Console(file=screen, force_terminal=True, width=80))
    with common.progress_bar("Importing") as progress:
        progress(0, 0, "")
    assert "0/?" in screen.getvalue() and screen.getvalue().endswith("\x1b[2K")  # the last frame is erased


def test_serve_prints_the_api_and_studio_addresses(monkeypatch, tmp_path: Path) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)  # start nothing; the banner is the point
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", "serve-banner-token")
    args = ["--home", str(tmp_path / "home"), "serve", "--host", "0.0.0.0", "--port", "9876", "--workers", "0"]
    shown = CliRunner().invoke(app, args)
    assert shown.exit_code == 0, shown.output
    assert "Studio: http://127.0.0.1:9876/studio/" in shown.output and "API on http://127.0.0.1:9876" in shown.output


def test_serve_on_a_port_in_use_fails_before_generating_the_one_time_token(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = CliRunner().invoke(app, ["--home", str(home), "serve", "--port", str(port), "--workers", "0"])
    assert refused.exit_code == 1
    assert f"Listening on 127.0.0.1:{port} is in use (another tunefork serve?)" in refused.output
    assert "Admin token" not in refused.output
    assert ensure_admin_token(Workspace.open(home)) is not None  # the first start that works still shows one
