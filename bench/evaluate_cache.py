"""What the hypothesis cache saves: the same `evaluate` run cold, again (cached), and with --no-cache.

Synthesizes a held-out set from the shipped domain sentences with two espeak-ng voices (cached between runs
in ``~/.cache/tunefork-bench-audio``), imports it into a scratch workspace, then evaluates each model three
times through the same workflow as ``tunefork evaluate`` and prints wall-clock and CPU seconds per run, the
cache hits, and whether the scores are identical.

    .venv/bin/python bench/evaluate_cache.py --sentences 20 --model whisper-tiny.en --model sphinx-en-us
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from tunefork.sample_data import read_lines
from tunefork.speech.synthesis import Voice, build_azure_zip
from tunefork.workflows import datasets, evaluation, projects
from tunefork.workspace import Workspace

VOICES = (Voice("en-us"), Voice("en-gb", speed=150))
AUDIO_CACHE = Path.home() / ".cache" / "tunefork-bench-audio"


def timed(workspace: Workspace, model: str, use_cache: bool) -> tuple[float, float, dict, list[str]]:
    """``(wall s, CPU s, result JSON, notes)`` of one evaluation of ``model`` on the held-out set."""
    wall, cpu = time.perf_counter(), time.process_time()
    outcome = evaluation.evaluate(workspace, "held-out", [model], use_cache=use_cache)
    return time.perf_counter() - wall, time.process_time() - cpu, outcome.result.to_json(), outcome.result.notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=20)
    parser.add_argument("--model", action="append", dest="models")
    args = parser.parse_args()
    models = args.models or ["whisper-tiny.en"]
    with tempfile.TemporaryDirectory() as scratch:
        workspace = Workspace.open(Path(scratch) / "home")
        sentences = read_lines("domain_sentences.txt")[: args.sentences]
        archive = build_azure_zip(sentences, VOICES, Path(scratch) / "held-out.zip", AUDIO_CACHE)
        projects.create_project(workspace, "bench", "speech")
        imported = datasets.upload_dataset(workspace, "bench", archive, "acoustic", "held-out")
        seconds = sum(r["duration"] for r in datasets.dataset_records(workspace, imported["id"]))
        print(f"{imported['accepted']} utterances, {seconds:.1f} s of audio\n")
        print("| model | run | wall s | CPU s | cache hits | WER | same scores as the first run |")
        print("|---|---|---|---|---|---|---|")
        for model in models:
            first = None
            for run, use_cache in (("first (cold cache)", True), ("again", True), ("--no-cache", False)):
                wall, cpu, result, notes = timed(workspace, model, use_cache)
                scores = json.dumps(result["models"], sort_keys=True)
                first = first or scores
                hits = notes[0].split(": ", 1)[1].split(" answers")[0] if notes else "0"
                wer = f"{100 * result['models'][0]['wer']:.1f}%"
                print(f"| {model} | {run} | {wall:.1f} | {cpu:.1f} | {hits} | {wer} | {scores == first} |")
        workspace.close()


if __name__ == "__main__":
    main()
