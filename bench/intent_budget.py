"""The intent classifier's training time on a small project, phase by phase (issue 12's CPU budget).

Issue 12 asks that 200 intent examples train in at most 3 minutes on 2 cores. This trains ``train_intents``
with its defaults on ``--examples`` requests taken in turn from every intent of the chosen domains of
``bench/small_messy_data.py`` (the training requests ``bench/small_messy.py`` uploads; intents named
``domain:intent``, as ``bench/small_messy_intents.py --merged`` does), and prints the wall and CPU seconds of
every phase the training reports (embedding, each candidate's cross-validation, the final training, the
out-of-scope trade-off; phases under 0.05 s left out), then the whole training. Run it as a user runs
tunefork: without thread limits (``OMP_NUM_THREADS`` and the like unset) on an otherwise idle machine.

    .venv/bin/python bench/intent_budget.py
    .venv/bin/python bench/intent_budget.py --examples 120 --domains hotel
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from itertools import zip_longest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from small_messy_data import named_domains
from small_messy_intents import merged_domain

from tunefork.language.intents import train_intents


def interleaved(records: list[dict], count: int) -> list[tuple[str, str]]:
    """The first ``count`` ``(text, intent)`` pairs taking every intent's requests in turn."""
    by_intent: dict[str, list[dict]] = {}
    for record in records:
        by_intent.setdefault(record["intent"], []).append(record)
    turns = [r for row in zip_longest(*by_intent.values()) for r in row if r is not None]
    return [(r["text"], r["intent"]) for r in turns[:count]]


class PhaseClock:
    """A progress callback that records the wall and CPU seconds between the training's progress messages."""

    def __init__(self) -> None:
        self.phases: list[dict] = []
        self._message = "start"
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def __call__(self, done: int, total: int, message: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.phases.append({"phase": self._message, "wall_s": wall - self._wall, "cpu_s": cpu - self._cpu})
        self._message, self._wall, self._cpu = message, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domains", default="helpdesk,banking", help="domains of bench/small_messy_data.py")
    parser.add_argument("--examples", type=int, default=200, help="intent examples to train on")
    parser.add_argument("--json", type=Path, default=None, help="also write the phases as JSON here")
    args = parser.parse_args()
    chosen = named_domains(args.domains)
    _, train, _ = merged_domain(chosen)
    examples = interleaved(train, args.examples)
    clock = PhaseClock()
    started, cpu = time.perf_counter(), time.process_time()
    _, report = train_intents(examples, progress=clock)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    limits = {k: v for k, v in os.environ.items() if k.endswith("_NUM_THREADS")}
    print(f"{len(examples)} examples, {report.intents} intents ({args.domains}); chosen: {report.chosen}; "
          f"{os.cpu_count()} CPUs, thread limits: {limits or 'none'}")  # fmt: skip
    print("| phase (the progress message it starts with) | wall s | CPU s |")
    print("|---|---:|---:|")
    for phase in clock.phases[1:]:  # the first entry is the time before the first message: none
        if phase["wall_s"] >= 0.05:
            print(f"| {phase['phase']} | {phase['wall_s']:.1f} | {phase['cpu_s']:.1f} |")
    print(f"| **training in all** | **{wall:.1f}** | **{cpu:.1f}** |")
    if args.json:
        row = {"examples": len(examples), "chosen": report.chosen, "wall_s": wall, "cpu_s": cpu}
        args.json.write_text(json.dumps({**row, "phases": clock.phases}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
