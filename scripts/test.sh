#!/usr/bin/env bash
# Set up (as scripts/setup.sh --test) and run the whole test suite, lint and import contracts included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports --no-cache  # the layering contracts in pyproject.toml ([tool.importlinter])
.venv/bin/pytest -q "$@"
