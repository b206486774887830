"""Load test of a deployed endpoint: throughput and latency of `POST /endpoints/{id}/recognize`.

Starts `tunefork serve` on loopback in a scratch workspace, deploys a baseline model (logging off),
synthesizes 3-5 s utterances with espeak-ng, then for each client count sends a fixed number of requests
from that many concurrent clients and prints requests/s, audio seconds per second, p50/p95/p99 latency and
the error count (503 answers are counted apart: they are the deliberate back-pressure, not errors).
``--saturate`` adds a run against a server with almost no queue to show the 503 + Retry-After path.
``--servers N`` repeats the levels with N server processes on the same workspace, the clients spread over
them as a load balancer would (client i talks to server i mod N): one vs N servers.
``--inference`` runs the levels once per Whisper CPU layout, back to back, each on a fresh server:
``THREADSxWORKERS/BATCH`` (``2x1/1`` is one request at a time on 2 threads, the layout before batching; ``2x1/8``
batches up to 8 concurrent requests; ``1x2/8`` runs two batches in parallel on one thread each). Each row
gives the server's CPU seconds per answered request, so the ceiling on the machine's cores is visible.

    .venv/bin/python bench/endpoint_load.py --requests 32 --clients 1,4,16 [--inference 2x1/1,2x1/8] [--servers 2]
"""

from __future__ import annotations

import argparse
import itertools
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

from tunefork.audio import read_audio
from tunefork.sample_data import read_lines
from tunefork.speech.synthesis import Voice, synthesize_cached

VOICES = (Voice("en-us"), Voice("en-gb", speed=150), Voice("en-us+f3", speed=170))


def utterances(
    cache: Path, count: int, voices: tuple[Voice, ...] = VOICES, rounds: int = 1
) -> list[tuple[bytes, float]]:
    """At most ``count`` WAVs of 3-5 s (bytes, seconds) spoken from the shipped sentences.

    Each sentence is spoken in the next of ``voices``; each further round (``rounds``) speaks them all again,
    each in the voice after the one it had, so every clip is a different recording.
    """
    chosen: list[tuple[bytes, float]] = []
    sentences = read_lines("general_sentences.txt") + read_lines("domain_sentences.txt")
    for turn in range(rounds):
        for index, sentence in enumerate(sentences):
            path = synthesize_cached(sentence, cache, voices[(index + turn) % len(voices)], seed=index)
            seconds = read_audio(path).duration
            if 3.0 <= seconds <= 5.0:
                chosen.append((path.read_bytes(), seconds))
            if len(chosen) == count:
                return chosen
    if not chosen:
        raise SystemExit("no shipped sentence gives a 3-5 s utterance")
    return chosen


def layout_env(layout: str) -> dict[str, str]:
    """The ``TUNEFORK_WHISPER_*`` variables of a ``THREADSxWORKERS/BATCH`` layout (``2x1/8``)."""
    try:
        threads_workers, batch = layout.split("/")
        threads, workers = threads_workers.split("x")
        values = [int(threads), int(workers), int(batch)]
    except ValueError:
        raise SystemExit(f"--inference takes THREADSxWORKERS/BATCH layouts like 2x1/8, not {layout!r}") from None
    names = ("TUNEFORK_WHISPER_THREADS", "TUNEFORK_WHISPER_WORKERS", "TUNEFORK_WHISPER_BATCH")
    return {name: str(value) for name, value in zip(names, values, strict=True)}


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`tunefork serve` in a scratch workspace, with an admin client."""

    def __init__(self, home: Path, workers: int, queue: int, token: str | None = None, layout: str = "2x1/8") -> None:
        self.token = token or secrets.token_urlsafe(16)
        self.url = f"http://127.0.0.1:{free_port()}"
        env = {
            **os.environ,
            "TUNEFORK_HOME": str(home),
            "TUNEFORK_ADMIN_TOKEN": self.token,
            "TUNEFORK_RECOGNITION_WORKERS": str(workers),
            "TUNEFORK_RECOGNITION_QUEUE": str(queue),
            **layout_env(layout),
            "HF_HUB_OFFLINE": "1",
        }
        env.pop("TUNEFORK_DATABASE_URL", None)
        env.pop("TUNEFORK_REDIS_URL", None)
        script = Path(sys.executable).parent / "tunefork"
        port = self.url.rsplit(":", 1)[1]
        home.mkdir(parents=True, exist_ok=True)
        self.log = (home / f"serve-{port}.log").open("wb")
        self.process = subprocess.Popen(
            [str(script), "serve", "--port", port, "--workers", "0", "--log-level", "warning"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.admin = httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=60)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise SystemExit("the server did not start")

    def cpu_seconds(self) -> float:
        """CPU time (user + system, all threads) the server process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def deploy(self, model: str) -> tuple[str, str]:
        """Create a project and an endpoint serving ``model``; returns (recognize URL, key1)."""
        self.admin.post("/projects", json={"name": "bench"}).raise_for_status()
        created = self.admin.post("/endpoints", json={"project": "bench", "name": "load", "model": model})
        created.raise_for_status()
        body = created.json()
        return body["links"]["recognize"], body["keys"]["key1"]

    def stop(self) -> None:
        """Terminate the server."""
        self.admin.close()
        self.process.terminate()
        self.process.wait(30)
        self.log.close()


@dataclass
class LevelResult:
    """What one client-count level measured."""

    clients: int
    label: str = ""
    wall: float = 0.0
    cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    audio_seconds: float = 0.0
    busy: int = 0
    errors: int = 0


def run_level(
    url: str,
    key: str,
    clips: list[tuple[bytes, float]],
    clients: int,
    requests: int,
    servers: list[str] = (),
    processes: list[Server] = (),
    label: str = "",
) -> LevelResult:
    """Send ``requests`` recognitions from ``clients`` concurrent clients (spread over ``servers``' base
    URLs when given, client i to server i mod N); the CPU time of ``processes`` is counted."""
    result = LevelResult(clients, label)
    counter = itertools.count()
    lock = threading.Lock()
    headers = {"X-Tunefork-Key": key, "Content-Type": "audio/wav"}

    def client(number: int) -> None:
        target = url
        if servers:
            base = servers[number % len(servers)]
            target = base + "/" + url.split("/", 3)[3]
        with httpx.Client(timeout=300) as http:
            while (index := next(counter)) < requests:
                body, seconds = clips[index % len(clips)]
                started = time.perf_counter()
                try:
                    status = http.post(target, content=body, headers=headers).status_code
                except httpx.HTTPError:
                    status = 0
                elapsed = time.perf_counter() - started
                with lock:
                    if status == 200:
                        result.latencies.append(elapsed)
                        result.audio_seconds += seconds
                    elif status == 503:
                        result.busy += 1
                    else:
                        result.errors += 1

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    cpu = sum(process.cpu_seconds() for process in processes)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall = time.perf_counter() - started
    result.cpu = sum(process.cpu_seconds() for process in processes) - cpu
    return result


def print_table(title: str, results: list[LevelResult], requests: int) -> None:
    """One line per level."""
    print(f"\n{title}")
    header = (
        "| layout | clients | requests | ok | 503 | errors | req/s | audio s/s | p50 ms | p95 ms | p99 ms "
        "| server CPU s/request |"
    )
    print(header)
    print("|" + "|".join("---" for _ in range(header.count("|") - 1)) + "|")
    for r in results:
        ms = np.percentile(np.array(r.latencies) * 1000, [50, 95, 99]) if r.latencies else [float("nan")] * 3
        ok = len(r.latencies)
        cpu = f"{r.cpu / ok:.2f}" if ok else "-"
        print(
            f"| {r.label} | {r.clients} | {requests} | {ok} | {r.busy} | {r.errors} | {ok / r.wall:.2f} | "
            f"{r.audio_seconds / r.wall:.1f} | {ms[0]:.0f} | {ms[1]:.0f} | {ms[2]:.0f} | {cpu} |"
        )


def main() -> None:
    """Parse options, run every level, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="whisper-tiny.en", help="Base model to deploy.")
    parser.add_argument("--clients", default="1,4,16", help="Comma-separated concurrent client counts.")
    parser.add_argument("--requests", type=int, default=32, help="Requests per level.")
    parser.add_argument("--workers", type=int, default=8, help="Recognitions run at once by the server.")
    parser.add_argument("--queue", type=int, default=32, help="Recognitions allowed to wait (then 503).")
    parser.add_argument("--saturate", action="store_true", help="Also run 16 clients against a queue of 2.")
    parser.add_argument("--servers", type=int, default=1, help="Also run the levels against this many servers.")
    parser.add_argument(
        "--inference", default="2x1/8", help="Comma-separated Whisper layouts THREADSxWORKERS/BATCH, run in turn."
    )
    args = parser.parse_args()
    layouts = args.inference.split(",")
    for layout in layouts:
        layout_env(layout)
    scratch = Path(tempfile.mkdtemp(prefix="tunefork-bench-"))
    clips = utterances(Path.home() / ".cache" / "tunefork-bench-audio", 8)
    mean = sum(s for _, s in clips) / len(clips)
    print(f"{len(clips)} utterances of 3-5 s (mean {mean:.1f} s); model {args.model}; {os.cpu_count()} CPU cores")
    print(f"server: {args.workers} recognition workers, queue {args.queue}; {args.requests} requests per level")

    levels: list[LevelResult] = []
    for number, layout in enumerate(layouts):
        print(
            f"layout {layout}: load average before (1, 5, 15 min): {{:.2f}} {{:.2f}} {{:.2f}}".format(*os.getloadavg())
        )
        home = scratch / f"layout{number}"
        server = Server(home, args.workers, args.queue, layout=layout)
        more: list[Server] = []
        try:
            url, key = server.deploy(args.model)
            run_level(url, key, clips, 1, 2)  # load the model
            ran = [
                run_level(url, key, clips, int(n), args.requests, processes=[server], label=layout)
                for n in args.clients.split(",")
            ]
            if args.servers > 1:
                more = [Server(home, args.workers, args.queue, server.token, layout) for _ in range(args.servers - 1)]
                bases = [server.url, *(extra.url for extra in more)]
                run_level(url, key, clips, len(bases), len(bases) * 2, bases)  # load the model everywhere
                label = f"{layout}, {args.servers} servers"
                processes = [server, *more]
                ran += [
                    run_level(url, key, clips, int(n), args.requests, bases, processes, label)
                    for n in args.clients.split(",")
                ]
        finally:
            for extra in more:
                extra.stop()
            server.stop()
        levels += ran
    print_table(f"POST /recognize, {args.model}", levels, args.requests)
    if args.saturate:
        small = Server(scratch / "saturated", 1, 2, layout=layouts[-1])
        try:
            url, key = small.deploy(args.model)
            run_level(url, key, clips, 1, 1)
            saturated = [run_level(url, key, clips, 16, args.requests, processes=[small], label=layouts[-1])]
        finally:
            small.stop()
        print_table("Deliberate saturation: 1 worker, queue 2 (503 + Retry-After expected)", saturated, args.requests)
    print("load average after (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    shutil.rmtree(scratch, ignore_errors=True)
    errors = sum(r.errors for r in levels)
    print(f"\nerrors (non-200, non-503): {errors}")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
