"""What serving an intent model costs per sentence encoder: load and first answer, then per-utterance latency.

For each encoder it trains a domain's intent classifier of ``bench/small_messy_data.py`` (the same training
requests as ``bench/small_messy_intents.py``, ``--features`` fixed so no fine-tuning differs), saves it, and in a
fresh process (no model loaded yet; sentence-transformers is imported by the first load, as in a server)
times ``load_intent_model`` plus the first ``rank`` of one utterance, then ranks the domain's test requests one
at a time (median and 90th percentile) and reports the process's peak resident memory.

    .venv/bin/python bench/intent_serving.py --domain insurance --encoders all-MiniLM-L6-v2,all-mpnet-base-v2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from small_messy import TEST_PER_INTENT, TEST_SEED, TRAIN_PER_INTENT, TRAIN_SEED
from small_messy_data import DOMAINS, HELD_OUT_DOMAINS, requests

from tunefork.language.intents import SMALL_DATA_ENCODER_VARIABLE, load_intent_model, train_intents


def _domain(name: str):
    return next(d for d in (*DOMAINS, *HELD_OUT_DOMAINS) if d.name == name)


def serve(folder: Path, domain: str) -> dict:
    """Load the model in ``folder`` (this process has loaded nothing yet) and time its answers."""
    train = requests(_domain(domain), TRAIN_PER_INTENT, TRAIN_SEED, test=False)
    seen = frozenset(r["text"].lower() for r in train)
    test = requests(_domain(domain), TEST_PER_INTENT, TEST_SEED, test=True, exclude=seen)
    texts = [r["text"] for r in test]
    start = time.perf_counter()
    model = load_intent_model(folder)
    model.rank(texts[:1])
    first = time.perf_counter() - start
    latencies = []
    for text in texts:
        start = time.perf_counter()
        model.rank([text])
        latencies.append(time.perf_counter() - start)
    return {
        "encoder": model.classifier.features.encoder,
        "load_and_first_s": round(first, 2),
        "median_ms": round(1000 * float(np.median(latencies)), 1),
        "p90_ms": round(1000 * float(np.percentile(latencies, 90)), 1),
        "utterances": len(texts),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--domain", default="insurance")
    parser.add_argument("--encoders", default="all-MiniLM-L6-v2,all-mpnet-base-v2")
    parser.add_argument("--features", default="combined")
    parser.add_argument("--serve", type=Path, default=None, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.serve:
        print(json.dumps(serve(args.serve, args.domain)))
        return
    train = requests(_domain(args.domain), TRAIN_PER_INTENT, TRAIN_SEED, test=False)
    print("| encoder | load + first answer s | per utterance median ms | p90 ms | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for encoder in args.encoders.split(","):
        os.environ[SMALL_DATA_ENCODER_VARIABLE] = encoder
        model, _ = train_intents([(r["text"], r["intent"]) for r in train], features=args.features)
        with tempfile.TemporaryDirectory() as folder:
            model.save(Path(folder))
            child = [sys.executable, __file__, "--domain", args.domain, "--serve", folder]
            row = json.loads(subprocess.run(child, check=True, capture_output=True, text=True).stdout)
        figures = [row[key] for key in ("encoder", "load_and_first_s", "median_ms", "p90_ms", "peak_rss_mb")]
        print("| " + " | ".join(str(figure) for figure in figures) + " |")


if __name__ == "__main__":
    main()
