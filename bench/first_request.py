"""The first request after `tunefork serve` starts: with and without warming the endpoints' models at start.

Deploys three models in a scratch workspace (an entities endpoint on en-core-web-sm, answering ``/parse``; an
intents endpoint on a custom model trained here on 8 generated requests per intent with the sentence-embedding
classifier, also ``/parse``; a speech endpoint on whisper-tiny.en, answering ``/recognize``), then for each
``TUNEFORK_WARM_MODELS`` value starts `tunefork serve`, times how long ``/health`` takes to answer, waits
``--wait`` seconds (the warm-up runs in the background meanwhile) and times the first request of each endpoint
and a second ``/recognize``.

    .venv/bin/python bench/first_request.py --wait 20 --warm 0,3
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from pathlib import Path

import httpx
from endpoint_load import Server, utterances

from tunefork.language.sample_data import intent_examples
from tunefork.workflows import datasets, endpoints, projects, training
from tunefork.workspace import Workspace


def deploy(home: Path) -> dict[str, tuple[str, str]]:
    """``{operation: (path, key1)}`` of the two endpoints, created in the workspace at ``home``."""
    workspace = Workspace.open(home)
    try:
        projects.create_project(workspace, "parts", "entities")
        projects.create_project(workspace, "calls", "speech")
        projects.create_project(workspace, "bot", "language")
        examples = home / "intents.csv"
        with examples.open("w", newline="", encoding="utf-8") as handle:
            rows = [(r["text"], r["intent"]) for r in intent_examples(8, seed=0)]
            csv.writer(handle).writerows([("text", "intent"), *rows])
        datasets.upload_dataset(workspace, "bot", examples, "utterances", "intents")
        options = {"intent_classifier": "embeddings"}
        created = training.create_model(workspace, "bot", "nlu", "en-core-web-sm", ["intents"], options=options)
        training.run_training(workspace, created["id"])
        ner = endpoints.create_endpoint(workspace, "parts", "ner", "en-core-web-sm")
        nlu = endpoints.create_endpoint(workspace, "bot", "nlu", "nlu")
        asr = endpoints.create_endpoint(workspace, "calls", "asr", "whisper-tiny.en")
    finally:
        workspace.close()
    return {
        "entities": (f"/endpoints/{ner['id']}/parse", ner["keys"]["key1"]),
        "intents": (f"/endpoints/{nlu['id']}/parse", nlu["keys"]["key1"]),
        "recognize": (f"/endpoints/{asr['id']}/recognize", asr["keys"]["key1"]),
    }


def timed(**request: object) -> float:
    """Seconds one POST takes (it must answer 200)."""
    started = time.perf_counter()
    answer = httpx.post(**request, timeout=300)  # type: ignore[arg-type]
    answer.raise_for_status()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wait", type=float, default=20.0, help="Seconds between /health and the first request.")
    parser.add_argument("--warm", default="0,3", help="TUNEFORK_WARM_MODELS values to compare.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tunefork-first-") as scratch:
        home = Path(scratch) / "home"
        routes = deploy(home)
        (clip, _), *_ = utterances(Path(scratch) / "synth", 1)
        print("| TUNEFORK_WARM_MODELS | /health after | first /parse (entities) | first /parse (intents) "
              "| first /recognize | second /recognize |")  # fmt: skip
        print("|---|---|---|---|---|---|")
        for warm in args.warm.split(","):
            os.environ["TUNEFORK_WARM_MODELS"] = warm
            started = time.perf_counter()
            server = Server(home, workers=8, queue=32, layout="1x2/8")
            health = time.perf_counter() - started
            time.sleep(args.wait)
            parses = []
            for name, text in (("entities", "Sarah flew to Boston on Friday."), ("intents", "refill my lipitor")):
                path, key = routes[name]
                parses.append(timed(url=server.url + path, headers={"X-Tunefork-Key": key}, json={"text": text}))
            path, key = routes["recognize"]
            audio = {"content": clip, "headers": {"X-Tunefork-Key": key, "Content-Type": "audio/wav"}}
            first, second = (timed(url=server.url + path, **audio) for _ in range(2))
            server.stop()
            cells = [f"{health:.1f} s", *(f"{seconds:.2f} s" for seconds in (*parses, first, second))]
            print(f"| {warm} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
