"""What the hypothesis cache saves a language `tunefork evaluate` run from the command line.

Builds a scratch language project from the shipped pharmacy intents (train and held-out sets of
:mod:`tunefork.language.sample_data`), trains an intent model on it, then runs ``tunefork evaluate`` in a new
process three times: cold, again (every prediction cached, so the model is not loaded), and with
``--no-cache``. Prints wall-clock and CPU seconds of each process, the cache hits it reports, and whether its
report (``evaluation.json``) has the same scores as the first.

    .venv/bin/python bench/language_evaluate_cache.py
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tunefork.language.sample_data import intent_examples, out_of_scope_examples
from tunefork.workflows import datasets, projects, training
from tunefork.workspace import Workspace


def intents_csv(path: Path, per_intent: int, out_of_scope: int, seed: int) -> Path:
    """An ``utterances`` CSV: ``per_intent`` examples of each shipped intent and out-of-scope texts."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "intent"])
        writer.writerows([e["text"], e["intent"]] for e in intent_examples(per_intent, seed))
        writer.writerows([text, "out_of_scope"] for text in out_of_scope_examples(out_of_scope, seed))
    return path


def cli_run(home: Path, *extra: str) -> tuple[float, float, str]:
    """``(wall s, CPU s, output)`` of one ``tunefork evaluate`` process."""
    command = [str(Path(sys.executable).parent / "tunefork"), "--home", str(home), "evaluate", "--model", "nlu"]
    command += ["--dataset", "held-out", "--project", "bench", *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=os.environ)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return time.perf_counter() - wall, cpu, done.stdout


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        workspace = Workspace.open(root / "home")
        projects.create_project(workspace, "bench", "language")
        datasets.upload_dataset(workspace, "bench", intents_csv(root / "train.csv", 16, 16, 0), "utterances", "train")
        held_out = intents_csv(root / "held-out.csv", 8, 16, 1)
        datasets.upload_dataset(workspace, "bench", held_out, "utterances", "held-out")
        created = training.create_model(workspace, "bench", "nlu", "en-core-web-sm", ["train"])
        assert training.run_training(workspace, created["id"]).model["status"] == "Succeeded"
        workspace.close()
        print("load average before (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        print("| run | wall s | CPU s | cache hits | same scores as the first run |")
        print("|---|---|---|---|---|")
        first = None
        for run, extra in (("first (cold cache)", ()), ("again", ()), ("--no-cache", ("--no-cache",))):
            wall, cpu, output = cli_run(root / "home", *extra)
            report = Path(output.rsplit("Report: ", 1)[1].split()[0]) / "evaluation.json"
            scores = json.dumps(json.loads(report.read_text(encoding="utf-8"))["models"], sort_keys=True)
            first = first or scores
            hits = next((line.split(": ", 1)[1].split(" answers")[0] for line in output.splitlines()
                         if line.endswith("from the hypothesis cache.")), "0")  # fmt: skip
            print(f"| {run} | {wall:.1f} | {cpu:.1f} | {hits} | {scores == first} |")
        print("load average after (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
