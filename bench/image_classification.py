"""Benchmark image classification on Fashion-MNIST: tunefork's default against raw-pixel logistic regression.

Data: Debian's ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist/``; install it with
``apt-get install dataset-fashion-mnist``). One fixed sample of 2,000 test images (seed 0) is the test set
of every run. Training sets: 1, 5, 10 and 100 images per class, three samples each (seeds 1-3); the tables
give the mean accuracy over the samples.

* Baseline: scikit-learn's ``LogisticRegression`` (defaults, ``max_iter=2000``) on the raw 28x28 pixels
  scaled to [0, 1].
* tunefork: the real workflows in a throw-away workspace: an ``image`` project, the images written as PNG
  and uploaded as ``images`` datasets (concept folders), ``create_model`` / ``run_training`` with base
  ``efficientnet-lite0`` and default options, evaluated on the uploaded test dataset. The 28x28 images are
  written at 56x56 (each pixel doubled, nothing added) because uploads refuse images under 32 pixels a side.

The engine fine-tunes the backbone's last block when every class has enough images and the CPU budget
allows, and keeps it only if it beats the frozen features on held-out training images; ``--finetune-budget
0`` turns that off (the frozen head alone, the engine's default before fine-tuning existed), and the table's
last column counts the runs that kept the fine-tuned block.

Also measured: training seconds (the model card's, embedding and cross-validation included), inference ms
per image (the evaluation's wall time over the test images) and the p50/p95 latency of ``POST
/endpoints/{id}/classify`` (in-process HTTP client, 100 requests of single test PNGs, one at a time).
Progress goes to stderr, the tables to stdout.

    .venv/bin/python bench/image_classification.py             # full run
    .venv/bin/python bench/image_classification.py --quick     # 1 and 10 per class, one sample, 500 test images
    .venv/bin/python bench/image_classification.py --full      # all 60,000 training images, one run
    .venv/bin/python bench/image_classification.py --sizes 10,100 --finetune-budget 0   # frozen head only
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from tunefork.engines.contract import TrainingParameters
from tunefork.workflows import datasets, endpoints, projects, training
from tunefork.workspace import Workspace

DATA = Path("/usr/share/datasets/fashion-mnist")
CLASSES = ("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot")
SIZES = (1, 5, 10, 100)
SAMPLES = 3
TEST_IMAGES = 2000
LATENCY_REQUESTS = 100
ISSUE_BASELINE = {1: 0.403, 5: 0.592, 10: 0.685, 100: 0.801}
"""The raw-pixel baseline the issue measured (for reference next to this machine's)."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (N x 28 x 28 uint8) and labels of ``train`` or ``t10k``."""
    if not DATA.is_dir():
        raise SystemExit(f"{DATA} is missing: apt-get install dataset-fashion-mnist")
    with gzip.open(DATA / f"{split}-images-idx3-ubyte.gz") as handle:
        images = np.frombuffer(handle.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(DATA / f"{split}-labels-idx1-ubyte.gz") as handle:
        labels = np.frombuffer(handle.read(), np.uint8, offset=8)
    return images, labels


def per_class(labels: np.ndarray, k: int, seed: int) -> np.ndarray:
    """``k`` indices of each class (every index when ``k`` is 0)."""
    if k == 0:
        return np.arange(len(labels))
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.choice(np.flatnonzero(labels == c), k, replace=False) for c in range(len(CLASSES))])


def write_folders(root: Path, images: np.ndarray, labels: np.ndarray, indices: np.ndarray) -> Path:
    """``root/<class>/<index>.png`` at 56x56 (pixels doubled)."""
    for index in indices:
        folder = root / CLASSES[labels[index]]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(images[index].repeat(2, 0).repeat(2, 1)).save(folder / f"{index}.png")
    return root


def baseline(train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]) -> float:
    """Accuracy of logistic regression on the raw pixels (scaled to [0, 1])."""
    from sklearn.linear_model import LogisticRegression

    def flat(images: np.ndarray) -> np.ndarray:
        return images.reshape(len(images), -1) / 255.0

    model = LogisticRegression(max_iter=2000).fit(flat(train[0]), train[1])
    return float(np.mean(model.predict(flat(test[0])) == test[1]))


def latency(workspace: Workspace, model_id: str, pngs: list[bytes]) -> dict[str, float]:
    """p50/p95 milliseconds of ``/classify`` over an in-process HTTP client (the key checked, nothing logged)."""
    from fastapi.testclient import TestClient

    from tunefork.service.app import create_app

    endpoint = endpoints.create_endpoint(workspace, "fashion", "bench-endpoint", model_id)
    url = f"/endpoints/{endpoint['id']}/classify"
    headers = {"X-Tunefork-Key": endpoint["keys"]["key1"], "Content-Type": "image/png"}
    times = []
    with TestClient(create_app(workspace)) as client:
        client.post(url, content=pngs[0], headers=headers).raise_for_status()  # load the model once
        for png in pngs[:LATENCY_REQUESTS]:
            started = time.perf_counter()
            client.post(url, content=png, headers=headers).raise_for_status()
            times.append(1000 * (time.perf_counter() - started))
    return {"p50_ms": round(float(np.percentile(times, 50)), 1), "p95_ms": round(float(np.percentile(times, 95)), 1)}


def run(home: Path, sizes: tuple[int, ...], samples: int, test_count: int, budget: float | None) -> dict[str, Any]:
    """Every run's numbers; ``budget``: the engine's ``finetune_budget`` (``None``: its default, 0: frozen only)."""
    train_images, train_labels = load("train")
    test_images, test_labels = load("t10k")
    test = np.random.default_rng(0).choice(len(test_images), test_count, replace=False)
    workspace = Workspace.open(home)
    results: dict[str, Any] = {"runs": []}
    try:
        projects.create_project(workspace, "fashion", "image", description="Fashion-MNIST benchmark")
        test_dir = write_folders(home / "inputs" / "test", test_images, test_labels, test)
        datasets.upload_dataset(workspace, "fashion", test_dir, "images", "fashion-test")
        last_model = ""
        for k in sizes:
            for seed in range(1, samples + 1):
                chosen = per_class(train_labels, k, seed)
                name = f"k{k}-s{seed}"
                folder = write_folders(home / "inputs" / name, train_images, train_labels, chosen)
                datasets.upload_dataset(workspace, "fashion", folder, "images", name)
                pixels = baseline((train_images[chosen], train_labels[chosen]), (test_images[test], test_labels[test]))
                parameters = TrainingParameters(options={} if budget is None else {"finetune_budget": budget})
                created = training.create_model(workspace, "fashion", f"m-{name}", "efficientnet-lite0", [name],
                                                test_dataset_ref="fashion-test", parameters=parameters)  # fmt: skip
                started = time.perf_counter()
                outcome = training.run_training(workspace, created["id"])
                wall = time.perf_counter() - started
                if outcome.model["status"] != "Succeeded":
                    raise SystemExit(f"{name}: {outcome.model['status']}: {outcome.model['error']}")
                card = training.model_card(workspace, created["id"])
                accuracy = outcome.test.to_json()["models"][1]["accuracy"]
                evaluation_seconds = wall - card["training_seconds"]
                chosen_config = card["contributions"]["images"]
                run = {"k": k, "seed": seed, "tunefork": accuracy, "pixels": round(pixels, 4),
                       "training_seconds": card["training_seconds"],
                       "ms_per_test_image": round(1000 * evaluation_seconds / test_count, 1),
                       "feature_set": chosen_config["feature_set"], "C": chosen_config["C"],
                       "head": chosen_config["head"]}  # fmt: skip
                results["runs"].append(run)
                log(json.dumps(run))
                last_model = created["id"]
        pngs = [(test_dir / CLASSES[test_labels[i]] / f"{i}.png").read_bytes() for i in test[:LATENCY_REQUESTS]]
        results["latency"] = latency(workspace, last_model, pngs)
    finally:
        workspace.close()
    return results


def print_tables(results: dict[str, Any]) -> None:
    print("| images per class | raw-pixel LR (this machine) | raw-pixel LR (issue) | tunefork default | "
          "training s | ms per test image | features chosen by CV | fine-tuned chosen |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for k in sorted({run["k"] for run in results["runs"]}):
        runs = [run for run in results["runs"] if run["k"] == k]
        mean = {key: statistics.mean(run[key] for run in runs) for key in ("tunefork", "pixels", "training_seconds",
                                                                           "ms_per_test_image")}  # fmt: skip
        chosen = ", ".join(sorted({f"{run['feature_set']} C={run['C']:g}" for run in runs}))
        tuned = sum(run["head"]["chosen"] == "fine-tuned" for run in runs)
        print(f"| {k or 'all'} | {100 * mean['pixels']:.1f}% | {100 * ISSUE_BASELINE.get(k, float('nan')):.1f}% | "
              f"{100 * mean['tunefork']:.1f}% | {mean['training_seconds']:.1f} | {mean['ms_per_test_image']:.1f} | "
              f"{chosen} | {tuned} of {len(runs)} |")  # fmt: skip
    latency = results.get("latency")
    if latency:
        print(f"\n/classify latency over {LATENCY_REQUESTS} requests: p50 {latency['p50_ms']} ms, "
              f"p95 {latency['p95_ms']} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1 and 10 per class, one sample, 500 test images.")
    parser.add_argument("--full", action="store_true", help="The whole training set (60,000 images), one run.")
    parser.add_argument("--sizes", default=None, help="Images per class to run, comma-separated (default 1,5,10,100).")
    parser.add_argument("--samples", type=int, default=SAMPLES, help="Samples of each size (default 3).")
    parser.add_argument(
        "--finetune-budget",
        type=float,
        default=None,
        help="The engine's fine-tuning budget in seconds (default: the engine's; 0: frozen head only).",
    )
    parser.add_argument("--json", type=Path, default=None, help="Write every number to this JSON file.")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="tunefork-bench-image-"))
    started = time.perf_counter()
    try:
        budget = args.finetune_budget
        if args.full:
            results = run(home, (0,), 1, TEST_IMAGES, budget)
        elif args.quick:
            results = run(home, (1, 10), 1, 500, budget)
        else:
            sizes = tuple(int(k) for k in args.sizes.split(",")) if args.sizes else SIZES
            results = run(home, sizes, args.samples, TEST_IMAGES, budget)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print_tables(results)
    print(f"\nwall clock: {results['wall_seconds'] / 60:.1f} min")


if __name__ == "__main__":
    main()
