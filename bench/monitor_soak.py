"""Monitor soak: a monitor every minute against a live `tunefork serve`, a kill -9 mid-run, webhook alerts.

A speech endpoint is re-tested every minute (``* * * * *``) with a few synthesized sentences, threshold
WER <= 0.5; every ``--toggle`` minutes the endpoint switches between ``whisper-tiny.en`` (passes) and
``sphinx-en-us`` (fails), so the monitor alerts and recovers. A local webhook receiver records each alert.
Midway, the server is killed with SIGKILL while a run is in flight and started again on the same port.

It prints: runs, the scheduling delay (run start minus its slot: p50, max), slots missed or run twice,
what became of the run in flight at the kill, and the alert round trip (run end to webhook receipt).

    .venv/bin/python bench/monitor_soak.py --minutes 32 --restart-at 15
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import threading
import time
import zipfile
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests")]

import service_fixtures  # noqa: E402
from service_fixtures import LiveServer, ServiceEnv  # noqa: E402

from tunefork.speech.synthesis import Voice, synthesize_cached  # noqa: E402
from tunefork.store.models import Job, MonitorAlert, MonitorRun  # noqa: E402
from tunefork.workflows import datasets, endpoints, monitors, projects  # noqa: E402

SENTENCES = [
    "please call me back at five o'clock",
    "the weather is cold and windy today",
    "my train leaves from the north station",
]
MODELS = ("whisper-tiny.en", "sphinx-en-us")


class Receiver:
    """A local webhook that records the arrival time and body of each POST."""

    def __init__(self) -> None:
        self.received: list[tuple[float, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.received.append((time.time(), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _test_zip(folder: Path) -> Path:
    path = folder / "soak-test.zip"
    with zipfile.ZipFile(path, "w") as archive:
        lines = []
        for index, sentence in enumerate(SENTENCES):
            archive.write(synthesize_cached(sentence, folder / "audio", Voice("en-us")), f"s{index}.wav")
            lines.append(f"s{index}.wav\t{sentence}")
        archive.writestr("trans.txt", "\n".join(lines) + "\n")
    return path


def _kill_mid_run(server: LiveServer, workspace, timeout: float = 120) -> str | None:  # type: ignore[no-untyped-def]
    """SIGKILL the server while a run is Running; the id of that run (None if none was seen)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with workspace.session() as session:
            running = session.query(MonitorRun).filter(MonitorRun.status == "Running").first()
            if running is not None:
                server.stop(signal.SIGKILL)
                return running.id
        time.sleep(0.05)
    server.stop(signal.SIGKILL)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=32.0, help="How long the monitor runs.")
    parser.add_argument("--restart-at", type=float, default=15.0, help="Minute at which the server is killed.")
    parser.add_argument("--toggle", type=float, default=4.0, help="Minutes between model switches.")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="tunefork-soak-"))
    env = ServiceEnv(folder / "home", "sqlite")
    logs = folder / "serve.log"
    workspace = env.workspace()
    projects.create_project(workspace, "soak", "speech")
    datasets.upload_dataset(workspace, "soak", _test_zip(folder), "acoustic", "soak-test")
    endpoint = endpoints.create_endpoint(workspace, "soak", "soak", MODELS[0])
    receiver = Receiver()
    server = LiveServer(env, logs, workers=2, TUNEFORK_MONITOR_RETRY_SECONDS="1")
    service_fixtures.free_port = lambda: server.port  # the restarted server listens where the monitor sends
    monitor = monitors.create_monitor(
        workspace, "soak", "soak-test", endpoint["keys"]["key1"], "* * * * *", "wer", max_value=0.5,
        webhook_url=receiver.url, base_url=server.url,
    )  # fmt: skip
    started = time.monotonic()
    print(f"soak in {folder}; monitor {monitor['id']}, first slot {monitor['nextRunDateTime']}", flush=True)
    killed_run, restarted, model_index, next_toggle = None, False, 0, args.toggle
    while (elapsed := (time.monotonic() - started) / 60) < args.minutes:
        if not restarted and elapsed >= args.restart_at:
            killed_run = _kill_mid_run(server, workspace)
            print(f"killed the server mid-run (run {killed_run}) at minute {elapsed:.1f}", flush=True)
            time.sleep(2)
            server = LiveServer(env, logs, workers=2, TUNEFORK_MONITOR_RETRY_SECONDS="1")
            restarted = True
        if elapsed >= next_toggle:
            model_index = 1 - model_index
            endpoints.update_endpoint(workspace, "soak", model_ref=MODELS[model_index])
            print(f"minute {elapsed:.1f}: endpoint now serves {MODELS[model_index]}", flush=True)
            next_toggle += args.toggle
        time.sleep(1)
    time.sleep(60)  # let the last run and its alert finish
    server.stop()
    report(workspace, monitor["id"], receiver, killed_run, args)


def report(workspace, monitor_id: str, receiver: Receiver, killed_run: str | None, args) -> None:  # type: ignore[no-untyped-def]
    """Print the soak's table."""
    with workspace.session() as session:
        runs = session.query(MonitorRun).filter(MonitorRun.monitor_id == monitor_id).all()
        alerts = session.query(MonitorAlert).filter(MonitorAlert.monitor_id == monitor_id).all()
        runs_by_id = {r.id: r for r in runs}
        delays = [(_utc(r.started_at) - _utc(r.scheduled_for)).total_seconds() for r in runs if r.started_at]
        slots: dict[datetime, int] = {}
        for run in runs:
            slots[_utc(run.scheduled_for)] = slots.get(_utc(run.scheduled_for), 0) + 1
        first, last = min(slots), max(slots)
        expected = [first + timedelta(minutes=i) for i in range(int((last - first).total_seconds() // 60) + 1)]
        missed = [s for s in expected if s not in slots]
        doubled = [s for s, count in slots.items() if count > 1]
        killed = runs_by_id.get(killed_run) if killed_run else None
        killed_job = session.query(Job).filter(Job.resource_id == killed_run).first() if killed_run else None
        outcomes = {o: sum(r.outcome == o for r in runs) for o in ("pass", "fail", "error", "")}
        finished = {r.id: _utc(r.finished_at).timestamp() for r in runs if r.finished_at}
        delivered = {a.payload["run"]["id"]: a for a in alerts}
    trips = [at - finished[body["run"]["id"]] for at, body in receiver.received if body["run"]["id"] in finished]
    print("\n| measure | value |\n|---|---|")
    print(f"| soak | {args.minutes:g} min, a run every minute, server killed (SIGKILL) mid-run at minute "
          f"{args.restart_at:g} |")  # fmt: skip
    print(f"| runs | {len(runs)} over {len(expected)} slots ({outcomes['pass']} pass, {outcomes['fail']} fail, "
          f"{outcomes['error']} error, {outcomes['']} unfinished) |")  # fmt: skip
    print(f"| slots missed / run twice | {len(missed)} / {len(doubled)} |")
    print(f"| scheduling delay p50 / max | {median(delays):.2f} s / {max(delays):.2f} s |")
    if killed is not None:
        print(f"| run in flight at the kill | {killed.status} {killed.outcome} after {killed_job.attempts} job "
              f"attempts (job {killed_job.status}) |")  # fmt: skip
    print(f"| alerts recorded / delivered / received | {len(alerts)} / "
          f"{sum(a.status == 'Delivered' for a in alerts)} / {len(receiver.received)} |")  # fmt: skip
    if trips:
        print(f"| alert round trip (run end to webhook) p50 / max | {median(trips):.2f} s / {max(trips):.2f} s |")
    print(f"\nalert events: {[a.event for a in sorted(delivered.values(), key=lambda a: a.created_at)]}")


if __name__ == "__main__":
    main()
