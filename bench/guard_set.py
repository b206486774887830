"""A speech model and its base on tunefork's general guard set, as the training's side-effect check scores them.

Prints each model's WER and S/D/I on the first ``--limit`` guard sentences (all 240 by default), synthesized
once into ``--cache`` (voices as the side-effect check's). To compare code versions on one trained model, run
it with ``PYTHONPATH`` pointing at each checkout and a cache folder each (transcripts are cached by the code
that decodes them, the synthesized audio by its text and voice):

    TUNEFORK_HOME=~/work HF_HUB_OFFLINE=1 .venv/bin/python bench/guard_set.py pharmacy --cache /tmp/guard
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tunefork.kinds.speech import evaluate_on_guard
from tunefork.workflows.models import resolve_model
from tunefork.workspace import Workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="custom speech model (name or id) in the workspace (TUNEFORK_HOME)")
    parser.add_argument("--base", default="whisper-tiny.en", help="the base to compare it with")
    parser.add_argument("--cache", type=Path, required=True, help="folder for the guard audio and transcripts")
    parser.add_argument("--limit", type=int, default=None, help="first N guard sentences (default: all)")
    parser.add_argument("--home", type=Path, default=None, help="workspace (default: TUNEFORK_HOME)")
    args = parser.parse_args()
    workspace = Workspace.open(args.home)
    models = [resolve_model(workspace, args.base), resolve_model(workspace, args.model)]
    result = evaluate_on_guard(models, args.cache, limit=args.limit)
    print("| model | WER | S | D | I | words |\n|---|---:|---:|---:|---:|---:|")
    for name in result.models:
        score = result.scores[name]
        print(f"| {name} | {100 * score.wer:.2f}% | {score.substitutions} | {score.deletions} | "
              f"{score.insertions} | {score.words} |")  # fmt: skip


if __name__ == "__main__":
    main()
