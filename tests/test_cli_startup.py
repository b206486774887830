"""The CLI starts fast: importing it loads none of the model stacks, only the commands that need them do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from tunefork import __version__
from tunefork.cli.main import app

ROOT = Path(__file__).parent.parent
HEAVY = ("torch", "scipy", "sklearn", "faster_whisper", "ctranslate2", "spacy", "sentence_transformers", "matplotlib")
"""Packages that cost seconds of CPU to import; no command may need them before it runs."""


def test_importing_the_cli_loads_no_model_stack() -> None:
    code = f"import json, sys, tunefork.cli.main; print(json.dumps(sorted(set({HEAVY!r}) & set(sys.modules))))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    assert json.loads(done.stdout) == []


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"tunefork {__version__}"
