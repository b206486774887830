"""Monitors driven by a fake clock against a live in-process server and a local webhook receiver.

A toy language endpoint (tests/toy_kind.py) answers over real HTTP; switching the model it serves makes
runs pass and fail. Covered: the schedule (no double run for a slot, maintenance windows), pass, fail,
retry, alert after N failures, webhook retry with backoff, recovery, a wrong key and a deleted endpoint
(failed runs with the reason), a restart mid-run (retried once, not lost, not doubled), requests kept out
of the endpoint's logs, the monitor gauges of ``/metrics``, and intent metrics of a language endpoint
redeployed with a model that decides no intent (a run in error with the reason, not a pass).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from toy_kind import BASE_MODEL, KIND, TOY

from tunefork.errors import TuneforkError
from tunefork.jobs.config import JobSettings
from tunefork.jobs.queue import JobQueue, seconds_to_next_minute
from tunefork.jobs.recovery import recover_jobs
from tunefork.jobs.runner import execute_job
from tunefork.kinds import register, unregister
from tunefork.service.app import create_app
from tunefork.store.models import Job, MonitorRun, Status
from tunefork.workflows import datasets, endpoint_logs, endpoints, jobs, monitor_alerts, monitors, projects, training
from tunefork.workflows.evaluation import evaluate
from tunefork.workflows.monitor_alerts import AlertSettings
from tunefork.workflows.monitor_schedule import Window, check_schedule, excluded, next_slot
from tunefork.workspace import Workspace

TOKEN = "monitor-admin-token"
TRAIN = [("hello there", "greet"), ("hello friend", "greet"), ("goodbye now", "leave"), ("see you goodbye", "leave")]
TEST = [("hello again", "greet"), ("well hello", "greet"), ("goodbye then", "leave"), ("ok goodbye", "leave")]
T0 = datetime(2026, 1, 5, 10, 2, tzinfo=UTC)  # a Monday


class InlineQueue:
    """Submits jobs like the queue does (a ``jobs`` row, handed over once the caller's transaction commits)
    and runs each at once in this thread instead of a consumer's."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace, self.settings = workspace, JobSettings()

    def submit(self, kind: str, resource_type: str, resource_id: str, project_id=None, payload=None) -> dict:
        job = jobs.create_job(self.workspace, kind, resource_type, resource_id, project_id, payload)
        self.workspace.after_commit(lambda: execute_job(self.workspace, job["id"], "test:1:inline", self.settings))
        return job


class Receiver:
    """A local webhook: records each JSON body and answers the next scripted status (200 when none left)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.raw: list[tuple[dict[str, str], bytes]] = []
        self.script: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.raw.append((dict(self.headers), raw))
                receiver.bodies.append(json.loads(raw))
                self.send_response(receiver.script.pop(0) if receiver.script else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The toy kind registered, and the app serving ``workspace`` on a loopback port (its URL)."""
    register(TOY)
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    monkeypatch.setenv("TUNEFORK_MONITOR_RETRY_SECONDS", "0")
    port = _free_port()
    live = uvicorn.Server(uvicorn.Config(create_app(workspace), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=live.run, daemon=True)
    thread.start()
    while not live.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    live.should_exit = True
    thread.join(10)
    unregister(KIND)


def _csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("text,intent\n" + "".join(f"{text},{intent}\n" for text, intent in rows), encoding="utf-8")
    return path


@pytest.fixture
def bot(workspace: Workspace, server: str, tmp_path: Path) -> dict[str, Any]:
    """A toy project with a trained model deployed (logging on); the endpoint with its keys."""
    projects.create_project(workspace, "bot", KIND)
    datasets.upload_dataset(workspace, "bot", _csv(tmp_path / "train.csv", TRAIN), "utterances", "train")
    datasets.upload_dataset(workspace, "bot", _csv(tmp_path / "test.csv", TEST), "utterances", "test")
    training.create_model(workspace, "bot", "kw-v1", BASE_MODEL, ["train"])
    training.run_training(workspace, "kw-v1")
    return endpoints.create_endpoint(workspace, "bot", "kw", "kw-v1", logging=True)


def test_the_next_run_skips_exclusion_windows_and_a_schedule_that_never_runs_is_refused() -> None:
    friday_late = datetime(2026, 1, 9, 23, 55, tzinfo=UTC)
    assert next_slot("*/10 * * * *", friday_late, ["Sat 00:00-06:00"]) == datetime(2026, 1, 10, 6, 0, tzinfo=UTC)
    with pytest.raises(TuneforkError, match="falls in an exclusion window"):
        next_slot("0 3 * * 6", friday_late, ["Sat 00:00-06:00"])
    with pytest.raises(TuneforkError, match="'0 0 30 2 \\*' never fires: no date matches it"):
        check_schedule("0 0 30 2 *")


def _runs(workspace: Workspace, monitor: str) -> list[dict[str, Any]]:
    return list(reversed(monitors.list_runs(workspace, monitor)))


def test_windows_and_schedule_checks() -> None:
    saturday_night = Window.parse("Sat 00:00-06:00")
    assert saturday_night.covers(datetime(2026, 1, 10, 5, 59, tzinfo=UTC))
    assert not saturday_night.covers(datetime(2026, 1, 10, 6, 0, tzinfo=UTC))
    assert not saturday_night.covers(datetime(2026, 1, 11, 1, 0, tzinfo=UTC))
    assert excluded(["Sun 23:00-01:00"], datetime(2026, 1, 12, 0, 30, tzinfo=UTC))  # Monday 00:30
    assert excluded(["02:00-03:00"], datetime(2026, 1, 7, 2, 15, tzinfo=UTC))
    for bad, message in (("Sat 7-9", "write it as"), ("Xyz 01:00-02:00", "not a day"), ("25:00-26:00", "time of day")):
        with pytest.raises(TuneforkError, match=message):
            Window.parse(bad)


def test_monitor_passes_fails_retries_alerts_and_recovers(workspace: Workspace, server: str, bot: dict) -> None:
    key, queue, hook = bot["keys"]["key1"], InlineQueue(workspace), Receiver()
    with pytest.raises(TuneforkError, match="not key1 or key2"):
        monitors.create_monitor(workspace, "kw", "test", "wrong", "*/5 * * * *", "intent_accuracy", min_value=0.75)
    with pytest.raises(TuneforkError, match="does not apply to a parse endpoint"):
        monitors.create_monitor(workspace, "kw", "test", key, "*/5 * * * *", "wer", max_value=0.1)
    with pytest.raises(TuneforkError, match="not a cron schedule"):
        monitors.create_monitor(workspace, "kw", "test", key, "every minute", "intent_accuracy", min_value=0.75)
    with pytest.raises(TuneforkError, match="'test' has no out-of-scope example, so oos_recall would measure nothing"):
        monitors.create_monitor(workspace, "kw", "test", key, "*/5 * * * *", "oos_recall", min_value=0.75)
    with pytest.raises(TuneforkError, match="'test' has no annotated slot, so slot_f1 would measure nothing"):
        monitors.create_monitor(workspace, "kw", "test", key, "*/5 * * * *", "slot_f1", min_value=0.75)
    created = monitors.create_monitor(
        workspace, "kw", "test", key, "*/5 * * * *", "intent_accuracy", min_value=0.75, max_regression=10,
        retries=1, after_failures=2, webhook_url=hook.url, base_url=server, exclude=["Mon 10:25-10:35"], now=T0,
    )  # fmt: skip
    assert created["nextRunDateTime"].startswith("2026-01-05T10:05") and created["state"] == "unknown"

    assert monitors.schedule_due(workspace, queue, now=T0) == []
    first = monitors.schedule_due(workspace, queue, now=T0 + timedelta(minutes=3))
    assert len(first) == 1 and monitors.schedule_due(workspace, queue, now=T0 + timedelta(minutes=3)) == []
    run = monitors.show_run(workspace, first[0])
    assert (run["status"], run["outcome"], run["value"], run["attempts"]) == ("Succeeded", "pass", 1.0, 1)
    assert run["model"] == "kw-v1" and run["modelId"] and run["items"] == 4 and run["metrics"]["latency_p95"] > 0
    assert run["scheduledDateTime"].startswith("2026-01-05T10:05")
    assert [d["answer"] for d in run["details"]] == ["greet", "greet", "leave", "leave"]
    assert endpoint_logs.list_logs(workspace, "kw") == []  # monitor traffic stays out of the endpoint's logs
    assert monitors.show_monitor(workspace, created["id"])["baselineRunId"] == run["id"]

    endpoints.update_endpoint(workspace, "kw", model_ref=BASE_MODEL)  # a silent model change: everything OOS
    monitors.schedule_due(workspace, queue, now=T0 + timedelta(minutes=8))
    second = _runs(workspace, created["id"])[-1]
    assert (second["status"], second["outcome"], second["value"], second["attempts"]) == ("Succeeded", "fail", 0.0, 2)
    assert "below the minimum 0.75" in second["error"] and second["model"] == BASE_MODEL
    shown = monitors.show_monitor(workspace, created["id"])
    assert shown["state"] == "passing" and shown["consecutiveFailures"] == 1 and shown["alerts"] == []

    hook.script = [500]  # the first delivery fails, the retry after the backoff succeeds
    monitors.schedule_due(workspace, queue, now=T0 + timedelta(minutes=13))
    shown = monitors.show_monitor(workspace, created["id"])
    assert shown["state"] == "failing" and shown["consecutiveFailures"] == 2
    [alert] = shown["alerts"]
    assert (alert["event"], alert["status"], alert["attempts"]) == ("alert", "Pending", 1)
    assert "HTTP 500" in alert["lastError"]
    later = datetime.now(UTC) + timedelta(seconds=31)
    assert monitor_alerts.deliver_due(workspace, AlertSettings(), now=later - timedelta(seconds=2)) == 0
    assert monitor_alerts.deliver_due(workspace, AlertSettings(secret="s3cret"), now=later) == 1
    assert len(hook.bodies) == 2 and hook.bodies[0] == hook.bodies[1]
    (unsigned, _), (signed, raw) = hook.raw
    assert "X-Tunefork-Signature" not in unsigned and unsigned["X-Tunefork-Alert-Id"] == signed["X-Tunefork-Alert-Id"]
    expected = hmac.new(b"s3cret", signed["X-Tunefork-Timestamp"].encode() + b"." + raw, hashlib.sha256).hexdigest()
    assert signed["X-Tunefork-Signature"] == f"sha256={expected}"  # what a receiver computes from the bytes it got
    body = hook.bodies[1]
    assert (
        body["event"] == "alert" and body["monitor"]["name"] == created["name"] and body["metric"] == "intent_accuracy"
    )
    assert body["value"] == 0.0 and body["threshold"]["min"] == 0.75 and body["threshold"]["baseline"] == 1.0
    assert body["run"]["id"] == _runs(workspace, created["id"])[-1]["id"]
    assert body["link"] == f"{server}/monitors/{created['id']}/runs/{body['run']['id']}"

    endpoints.update_endpoint(workspace, "kw", model_ref="kw-v1")
    monitors.schedule_due(workspace, queue, now=T0 + timedelta(minutes=18))
    shown = monitors.show_monitor(workspace, created["id"])
    assert shown["state"] == "passing" and shown["runs"][0]["outcome"] == "pass"
    assert [a["event"] for a in shown["alerts"]] == ["recovery", "alert"] and shown["alerts"][0][
        "status"
    ] == "Delivered"
    assert hook.bodies[-1]["event"] == "recovery" and hook.bodies[-1]["value"] == 1.0
    assert hook.bodies[-1]["run"]["scheduledDateTime"].endswith("Z")  # RFC 3339 UTC, as the REST API writes times
    assert hook.bodies[-1]["run"]["error"] is None and shown["runs"][0]["error"] is None  # a pass has no error

    # 10:25 and 10:30 are inside the maintenance window: the next run is 10:35, when it ends.
    assert monitors.show_monitor(workspace, created["id"])["nextRunDateTime"].startswith("2026-01-05T10:35")
    assert monitors.schedule_due(workspace, queue, now=T0 + timedelta(minutes=23)) == []
    assert len(monitors.schedule_due(workspace, queue, now=T0 + timedelta(minutes=33))) == 1
    assert len(monitors.schedule_due(workspace, queue, now=T0 + timedelta(minutes=38))) == 1
    # Down for an hour: the missed slots become one run, not a burst.
    assert len(monitors.schedule_due(workspace, queue, now=T0 + timedelta(minutes=95))) == 1
    assert len(_runs(workspace, created["id"])) == 7

    monitors.set_paused(workspace, created["name"], True)
    assert monitors.schedule_due(workspace, queue, now=T0 + timedelta(hours=5)) == []
    resumed = monitors.set_paused(workspace, created["name"], False, now=T0 + timedelta(hours=5))
    assert resumed["nextRunDateTime"].startswith("2026-01-05T15:05") and not resumed["paused"]

    with TestClient(create_app(workspace)) as client:
        text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    name = created["name"]
    who = (("id", created["id"]), ("monitor", name))
    assert samples[("tunefork_monitor_last_value", (who[0], ("metric", "intent_accuracy"), who[1]))] == 1.0
    assert samples[("tunefork_monitor_state", (*who, ("state", "passing")))] == 1.0
    assert samples[("tunefork_monitor_state", (*who, ("state", "failing")))] == 0.0
    assert samples[("tunefork_monitor_last_run_timestamp_seconds", who)] > T0.timestamp()
    assert samples[("tunefork_jobs", (("kind", "monitor-run"), ("state", "Succeeded")))] == 7


def test_wrong_key_and_deleted_endpoint_fail_runs_with_the_reason(
    workspace: Workspace, bot: dict, server: str, cli
) -> None:
    queue = InlineQueue(workspace)
    created = monitors.create_monitor(
        workspace, "kw", "test", bot["keys"]["key2"], "* * * * *", "intent_accuracy", min_value=0.5,
        base_url=server, retries=2,
    )  # fmt: skip
    endpoints.regenerate_key(workspace, "kw", "key2")
    run = monitors.start_run(workspace, created["id"], queue)
    job = jobs.show_job(workspace, run["job"]["id"])
    assert job["status"] == "Failed" and "refused the monitor's key (401" in job["error"]
    # A wrong key stays wrong: the run ends at its first attempt, its 2 retries unused.
    assert job["attempts"] == 1 and monitors.show_run(workspace, run["id"])["attempts"] == 1
    said = " ".join(cli("job", "show", job["id"]).stdout.split())
    assert said.startswith(f"Job {job['id']}: monitor-run of monitor_run {run['id']}, Failed, ") and "{" not in said
    assert "Attempt 1 of " in said and "Error: The endpoint refused the monitor's key (401" in said
    assert json.loads(cli("job", "show", job["id"], "--json").stdout)["status"] == "Failed"
    failed = monitors.show_run(workspace, run["id"])
    assert (failed["status"], failed["outcome"], failed["value"]) == ("Failed", "error", None)
    assert "refused the monitor's key" in failed["error"]

    assert endpoints.delete_endpoint(workspace, "kw") == [created["name"]]  # paused: nothing left to test
    run = monitors.start_run(workspace, created["id"], queue)  # run now, by hand
    failed = monitors.show_run(workspace, run["id"])
    assert failed["status"] == "Failed" and "The endpoint 'kw' was deleted" in failed["error"]
    shown = monitors.show_monitor(workspace, created["id"])
    assert shown["state"] == "failing" and shown["endpointId"] is None and shown["paused"] is True
    [alert] = shown["alerts"]  # after the first failure; the second does not repeat it
    assert alert["status"] == "Recorded" and "refused the monitor's key" in alert["payload"]["reason"]

    # `monitor show` says it in words (--json: the monitor as the workflow returns it).
    said = " ".join(cli("monitor", "show", created["name"]).stdout.split())
    assert f"Monitor kw-intent_accuracy ({created['id']}) of project bot watches endpoint kw (deleted): " in said
    assert "intent_accuracy on dataset test, min 0.5." in said and "A run not passing is tried again 2 times" in said
    assert "State: paused, 2 runs in a row not passing." in said and "Recent runs of kw-intent_accuracy" in said
    assert "Alerts" in said and "Recorded" in said and "{" not in said
    assert json.loads(cli("monitor", "show", created["name"], "--json").stdout)["state"] == "failing"


def test_a_monitor_takes_a_regenerated_key_and_new_thresholds_keeping_its_runs(
    workspace: Workspace, bot: dict, server: str, cli
) -> None:
    """After regenerate-key every run failed until the monitor was deleted and created again, its runs lost."""
    queue = InlineQueue(workspace)
    created = monitors.create_monitor(
        workspace, "kw", "test", bot["keys"]["key2"], "* * * * *", "intent_accuracy", min_value=0.5, base_url=server
    )  # fmt: skip
    new_key = endpoints.regenerate_key(workspace, "kw", "key2")["key2"]
    failed = monitors.show_run(workspace, monitors.start_run(workspace, created["id"], queue)["id"])
    assert "refused the monitor's key" in failed["error"]
    with pytest.raises(TuneforkError, match="not key1 or key2"):
        monitors.update_monitor(workspace, created["id"], key="wrong")
    said = " ".join(cli("monitor", "update", created["name"], "--key", new_key, "--min", "0.4").stdout.split())
    assert "min 0.4" in said
    passed = monitors.show_run(workspace, monitors.start_run(workspace, created["id"], queue)["id"])
    assert passed["outcome"] == "pass" and len(monitors.list_runs(workspace, created["id"])) == 2
    assert "Nothing to change" in " ".join(cli("monitor", "update", created["name"], expect=1).output.split())


def test_an_unreachable_server_is_tried_again(workspace: Workspace, bot: dict) -> None:
    """Unlike a wrong key, a server that does not answer may answer a moment later: the run uses its retries."""
    created = monitors.create_monitor(
        workspace, "kw", "test", bot["keys"]["key1"], "* * * * *", "intent_accuracy", min_value=0.5,
        base_url=f"http://127.0.0.1:{_free_port()}", retries=2,
    )  # fmt: skip
    run = monitors.run_now(workspace, created["id"])
    assert (run["outcome"], run["attempts"]) == ("error", 3)
    assert "Could not reach the server" in run["error"] and "is `tunefork serve` running?" in run["error"]


def test_a_restart_mid_run_neither_loses_nor_doubles_the_run(workspace: Workspace, bot: dict, server: str) -> None:
    created = monitors.create_monitor(
        workspace, "kw", "test", bot["keys"]["key1"], "*/5 * * * *", "intent_accuracy", min_value=0.5,
        base_url=server, now=T0,
    )  # fmt: skip
    started: list[str] = []

    class CrashingQueue:
        """Records the job, then the worker "dies" holding it (its process no longer exists)."""

        def submit(self, kind, resource_type, resource_id, project_id=None, payload=None) -> dict:
            job = jobs.create_job(workspace, kind, resource_type, resource_id, project_id, payload)
            dead_worker = f"{socket.gethostname()}:999999999:dead"
            assert jobs.claim_job(workspace, job["id"], dead_worker)
            with workspace.session() as session:
                session.execute(update(MonitorRun).where(MonitorRun.id == resource_id).values(status=Status.RUNNING))
            started.append(job["id"])
            return job

    class DyingQueue:
        """The scheduler's process dies while handing the job over: nothing of the slot was committed."""

        def submit(self, *args, **kwargs) -> dict:
            raise SystemExit("killed")

    with pytest.raises(SystemExit):
        monitors.schedule_due(workspace, DyingQueue(), now=T0 + timedelta(minutes=3))
    assert monitors.list_runs(workspace, created["id"]) == []
    assert monitors.show_monitor(workspace, created["id"])["nextRunDateTime"].startswith("2026-01-05T10:05")
    [run_id] = monitors.schedule_due(workspace, CrashingQueue(), now=T0 + timedelta(minutes=3))
    # The restarted server: recovery takes the job back, the queue runs it once.
    settings = JobSettings()
    report = recover_jobs(workspace, settings, lambda job_id: execute_job(workspace, job_id, "test:2:w", settings))
    assert report.retried == started
    assert monitors.schedule_due(workspace, CrashingQueue(), now=T0 + timedelta(minutes=3)) == []
    [run] = monitors.list_runs(workspace, created["id"])
    assert run["id"] == run_id and (run["status"], run["outcome"]) == ("Succeeded", "pass")
    with workspace.session() as session:
        job = session.get(Job, started[0])
        assert (job.status, job.attempts) == ("Succeeded", 2)
    # A job delivered again after the run finished does not run it a second time.
    assert execute_job(workspace, started[0], "test:3:w", settings) is None
    assert monitors.show_run(workspace, run_id)["finishedDateTime"] == run["finishedDateTime"]


def test_rest_and_cli_manage_monitors(workspace: Workspace, bot: dict, server: str, cli) -> None:
    admin = httpx.Client(base_url=server, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    body = {
        "endpoint": "kw",
        "dataset": "test",
        "key": bot["keys"]["key1"],
        "schedule": "*/30 * * * *",
        "metric": "intent_accuracy",
        "min": 0.5,
        "maxRegression": 2.0,
        "retries": 2,
        "afterFailures": 2,
        "exclude": ["Sat 00:00-06:00"],
        "name": "kw-accuracy",
    }  # fmt: skip (no baseUrl: this server's)
    assert httpx.post(f"{server}/monitors", json=body).status_code == 401
    assert admin.post("/monitors", json={**body, "metric": "wer", "min": None, "max": 0.1}).status_code == 422
    created = admin.post("/monitors", json=body)
    assert created.status_code == 201, created.text
    monitor = created.json()
    assert created.headers["Location"] == monitor["self"] and "key" not in monitor
    assert monitor["baseUrl"] == server  # runs send to the server the monitor was created through
    assert monitor["links"]["endpoint"].endswith(f"/endpoints/{bot['id']}") and monitor["exclude"] == body["exclude"]
    assert [m["name"] for m in admin.get("/monitors").json()["values"]] == ["kw-accuracy"]
    patched = admin.patch(f"/monitors/{monitor['id']}", json={"schedule": "0 * * * *", "afterFailures": 3})
    assert patched.status_code == 200 and (patched.json()["schedule"], patched.json()["afterFailures"]) == (
        "0 * * * *", 3)  # fmt: skip
    assert admin.patch(f"/monitors/{monitor['id']}", json={"max": 0.2}).status_code == 422  # higher is better
    assert admin.post(f"/monitors/{monitor['id']}/pause").json()["paused"] is True
    assert admin.post(f"/monitors/{monitor['id']}/resume").json()["paused"] is False

    queued = admin.post(f"/monitors/{monitor['id']}/runs")
    assert queued.status_code == 202 and queued.json()["status"] == "NotStarted"
    run = queued.json()
    assert run["links"]["job"].endswith(f"/jobs/{run['job']['id']}")
    execute_job(workspace, run["job"]["id"], "test:1:w", JobSettings())  # the queue's consumer would
    done = admin.get(run["self"]).json()
    assert (done["status"], done["outcome"], done["value"]) == ("Succeeded", "pass", 1.0) and len(done["details"]) == 4
    listed_runs = admin.get(f"/monitors/{monitor['id']}/runs").json()
    assert listed_runs["values"][0]["id"] == run["id"]
    assert (listed_runs["@count"], listed_runs["@nextLink"]) == (len(listed_runs["values"]), None)
    first = admin.get(f"/monitors/{monitor['id']}/runs", params={"top": 1}).json()
    assert first["values"] == listed_runs["values"][:1]
    assert (first["@nextLink"] is not None) == (listed_runs["@count"] > 1)
    pinned = admin.post(f"/monitors/{monitor['id']}/baseline", json={"runId": run["id"]})
    assert pinned.json()["baselineRunId"] == run["id"]
    assert admin.get(f"/monitors/{monitor['id']}/runs/nope").status_code == 404

    [listed] = json.loads(cli("monitor", "list", "--json").stdout)
    assert (listed["name"], listed["state"], listed["lastRun"]["value"]) == ("kw-accuracy", "passing", 1.0)
    assert "Monitors" in cli("monitor", "list").output
    ran = cli("monitor", "run-now", "kw-accuracy", "--json")
    assert json.loads(ran.stdout)["outcome"] == "pass"
    assert [r["outcome"] for r in json.loads(cli("monitor", "runs", "kw-accuracy", "--json").stdout)] == ["pass"] * 2
    created_cli = cli(
        "monitor", "create", "kw", "--dataset", "test", "--schedule", "*/30 * * * *", "--metric", "latency_p95",
        "--max", "5", "--key", bot["keys"]["key2"], "--url", server, "--exclude", "Sat 00:00-06:00",
    )  # fmt: skip
    assert "Monitor kw-latency_p95" in created_cli.output and " UTC." in created_cli.output  # the first run's time
    rotated = cli("endpoint", "regenerate-key", "kw", "--key", "key2")
    warned = " ".join(rotated.stderr.split())
    assert "monitor(s) 'kw-latency_p95' sent the old key2" in warned and "monitor delete" not in warned
    assert "(tunefork monitor update kw-latency_p95 --key <new key2>, which keeps their runs)" in warned
    assert "WARNING" not in cli("endpoint", "regenerate-key", "kw", "--key", "key2").stderr  # no monitor sends it now
    assert "Nothing to change: give --model" in cli("endpoint", "update", "kw", expect=1).output
    refused = cli("monitor", "create", "kw", "--dataset", "test", "--schedule", "*/30 * * * *",
                  "--metric", "wer", "--max", "0.1", "--key", "x", expect=1)  # fmt: skip
    assert "does not apply to a parse endpoint" in refused.output
    endpoints.update_endpoint(workspace, "kw", model_ref=BASE_MODEL)
    failed = cli("monitor", "run-now", "kw-accuracy", expect=1)
    assert "fail" in failed.output and "below the minimum 0.5" in " ".join(failed.output.split())
    assert "Paused" in cli("monitor", "pause", "kw-accuracy").output
    # Deleting what monitors use, or a monitor's run history, asks first (it went at once, unasked: a review).
    watchers = "monitor(s) 'kw-accuracy', 'kw-latency_p95'"
    asked = " ".join(cli("endpoint", "delete", "kw", expect=1).output.split())
    assert f"Delete endpoint kw (its keys stop working at once; {watchers} watching it are paused)?" in asked
    asked = " ".join(cli("dataset", "delete", "test", expect=1).output.split())
    assert f"Delete dataset test? M{watchers[1:]} test with it: their runs will end in error." in asked
    asked = " ".join(cli("monitor", "delete", "kw-accuracy", expect=1).output.split())
    assert "Delete monitor kw-accuracy with its 3 runs and alerts?" in asked and "Aborted" in asked
    assert "Deleted monitor kw-accuracy" in cli("monitor", "delete", "kw-accuracy", "--yes").output
    assert admin.delete(f"/monitors/{created_cli.output.split('(')[1].split(')')[0]}").status_code == 204
    assert admin.get("/monitors").json()["values"] == []


def test_a_speech_monitor_measures_wer_term_recall_and_latency(
    workspace: Workspace, server: str, acoustic_zip: Path
) -> None:
    projects.create_project(workspace, "calls", "speech")
    datasets.upload_dataset(workspace, "calls", acoustic_zip, "acoustic", "calls-test")
    endpoint = endpoints.create_endpoint(workspace, "calls", "sphinx", "sphinx-en-us", logging=True)
    created = monitors.create_monitor(
        workspace, "sphinx", "calls-test", endpoint["keys"]["key1"], "*/30 * * * *", "wer", max_value=0.99,
        terms=["patient", "weather"], base_url=server,
    )  # fmt: skip
    with pytest.raises(TuneforkError, match="Lower wer is better: give a --max"):
        monitors.create_monitor(workspace, "sphinx", "calls-test", endpoint["keys"]["key1"], "* * * * *", "wer",
                                min_value=0.1, name="other")  # fmt: skip
    run = monitors.run_now(workspace, created["id"])
    assert run["status"] == "Succeeded" and run["items"] == 3 and run["model"] == "sphinx-en-us"
    metrics = run["metrics"]
    assert 0 <= metrics["wer"] < 0.99 and run["value"] == metrics["wer"] and run["outcome"] == "pass"
    assert metrics["term_recall"] is not None and 0 < metrics["latency_p50"] <= metrics["latency_p95"]
    assert all(d["answer"] is not None and not d["error"] for d in monitors.show_run(workspace, run["id"])["details"])
    assert endpoint_logs.list_logs(workspace, "sphinx") == []


def test_a_speech_monitor_without_terms_counts_the_served_models_pronunciations_like_evaluate(
    workspace: Workspace, server: str, acoustic_zip: Path, tmp_path: Path
) -> None:
    projects.create_project(workspace, "calls", "speech")
    datasets.upload_dataset(workspace, "calls", acoustic_zip, "acoustic", "calls-test")
    (tmp_path / "lexicon.txt").write_text("Metoprolol\tmet oh pro lol\n", encoding="utf-8")
    datasets.upload_dataset(workspace, "calls", tmp_path / "lexicon.txt", "pronunciation", "lexicon")
    training.create_model(workspace, "calls", "rx-v1", "sphinx-en-us", ["lexicon"], guard_check=False)
    assert training.run_training(workspace, "rx-v1").model["status"] == "Succeeded"
    custom = endpoints.create_endpoint(workspace, "calls", "rx", "rx-v1")
    base = endpoints.create_endpoint(workspace, "calls", "base", "sphinx-en-us")

    created = monitors.create_monitor(workspace, "rx", "calls-test", custom["keys"]["key1"], "0 * * * *",
                                      "term_recall", min_value=0.5, base_url=server)  # fmt: skip
    default = evaluate(workspace, "calls-test", ["rx-v1"]).result
    assert created["terms"] == default.terms == ["Metoprolol"]  # the same terms as `tunefork evaluate` counts
    run = monitors.run_now(workspace, created["id"])
    assert run["status"] == "Succeeded" and run["metrics"]["term_recall"] == run["value"] is not None
    given = monitors.create_monitor(workspace, "rx", "calls-test", custom["keys"]["key1"], "0 * * * *", "wer",
                                    max_value=0.9, terms=["weather"], name="given")  # fmt: skip
    assert given["terms"] == ["weather"]
    # A base model has no training data: term_recall is refused with the way out; other metrics go without terms.
    with pytest.raises(TuneforkError, match=r"serves 'sphinx-en-us', whose training data names no domain terms"):
        monitors.create_monitor(workspace, "base", "calls-test", base["keys"]["key1"], "0 * * * *", "term_recall",
                                min_value=0.5)  # fmt: skip
    wer = monitors.create_monitor(workspace, "base", "calls-test", base["keys"]["key1"], "0 * * * *", "wer",
                                  max_value=0.9)  # fmt: skip
    assert wer["terms"] == []


def test_studio_monitor_page_charts_runs_against_thresholds(workspace: Workspace, bot: dict, server: str) -> None:
    created = monitors.create_monitor(
        workspace, "kw", "test", bot["keys"]["key1"], "*/30 * * * *", "intent_accuracy", min_value=0.75,
        max_regression=10, base_url=server,
    )  # fmt: skip
    passed = monitors.run_now(workspace, created["id"])
    endpoints.update_endpoint(workspace, "kw", model_ref=BASE_MODEL)
    failed = monitors.run_now(workspace, created["id"])
    endpoints.regenerate_key(workspace, "kw", "key1")  # the next run ends in error, measuring nothing
    errored = monitors.run_now(workspace, created["id"])
    assert errored["outcome"] == "error" and errored["metrics"] == {}
    with TestClient(create_app(workspace)) as client:
        assert client.post("/studio/signin", data={"token": TOKEN, "next": "/studio/"}).status_code == 200
        base = f"/studio/projects/{created['projectId']}"
        endpoint_page = client.get(f"{base}/endpoints/{bot['id']}").text
        assert f"{base}/monitors/{created['id']}" in endpoint_page and created["name"] in endpoint_page
        page = client.get(f"{base}/monitors/{created['id']}")
        assert page.status_code == 200 and 'id="monitor-state">failing' in page.text
        chart = page.text.split('id="monitor-chart">')[1].split("</svg>")[0]
        assert chart.count("<circle") == 2 and "#1f9d55" in chart and "#d64545" in chart
        assert "refused the monitor&#39;s key" in page.text.split('id="runs"')[1]  # the error run, listed
        assert "min 0.75" in chart and "regression 0.9" in chart  # baseline 1.0 minus 10 points
        assert f'href="{base}/monitors/{created["id"]}/runs/{failed["id"]}"' in chart  # the failed run links
        assert f"runs/{passed['id']}" not in chart
        report = client.get(f"{base}/monitors/{created['id']}/runs/{failed['id']}")
        assert report.status_code == 200 and "below the minimum 0.75" in report.text
        assert report.text.count('class="diff"') == 4  # every utterance answered out of scope
        errored_report = client.get(f"{base}/monitors/{created['id']}/runs/{errored['id']}")
        assert errored_report.status_code == 200 and 'id="run-error"' in errored_report.text
        assert client.get(f"{base}/monitors/{created['id']}/runs/nope").status_code == 404


def test_retention_keeps_the_baseline_and_alerts_give_up_after_their_attempts(
    workspace: Workspace, bot: dict, server: str
) -> None:
    hook = Receiver()
    hook.script = [500] * 10
    created = monitors.create_monitor(
        workspace, "kw", "test", bot["keys"]["key1"], "*/30 * * * *", "intent_accuracy", min_value=0.75,
        base_url=server, webhook_url=hook.url, retention_days=7,
    )  # fmt: skip
    baseline = monitors.run_now(workspace, created["id"])
    endpoints.update_endpoint(workspace, "kw", model_ref=BASE_MODEL)
    failing = monitors.run_now(workspace, created["id"])  # alert: the first delivery fails (attempt 1)
    settings = AlertSettings(backoff_seconds=0, max_attempts=2)
    assert monitor_alerts.deliver_due(workspace, settings, now=datetime.now(UTC) + timedelta(seconds=31)) == 0
    [alert] = monitors.show_monitor(workspace, created["id"])["alerts"]
    assert alert["status"] == "Failed" and alert["attempts"] == 2 and "gave up after 2 attempts" in alert["lastError"]
    assert len(hook.bodies) == 2

    with workspace.session() as session:
        old = datetime.now(UTC) - timedelta(days=8)
        session.execute(update(MonitorRun).values(created_at=old))
    assert monitors.purge_runs(workspace) == 1  # the failing run; the baseline run is kept
    assert [r["id"] for r in monitors.list_runs(workspace, created["id"])] == [baseline["id"]]
    assert failing["id"] != baseline["id"]


def test_periodic_tasks_are_checked_at_the_start_of_each_minute(workspace: Workspace) -> None:
    """Huey counts its minute from the consumer's start; ours aligns it so due monitors start at once."""
    assert seconds_to_next_minute(120.0) == 60.0 and seconds_to_next_minute(125.5) == 54.5
    queue = JobQueue(workspace)
    try:
        for consumer in (queue.consumer(1, embedded=True), queue.consumer(1)):
            scheduler = consumer._create_scheduler()
            first_check = time.time() + (scheduler._next_periodic - time.monotonic())
            assert 0 <= first_check % 60 < 1.0 and first_check - time.time() <= 60.1
    finally:
        queue.close()


def test_a_worker_whose_run_was_taken_over_cannot_record_it(workspace: Workspace, bot: dict, server: str) -> None:
    hook = Receiver()
    created = monitors.create_monitor(
        workspace, "kw", "test", bot["keys"]["key1"], "*/5 * * * *", "intent_accuracy", min_value=0.5,
        base_url=server, webhook_url=hook.url, now=T0,
    )  # fmt: skip
    held: list[jobs.Lease] = []

    class ZombieQueue:
        """A worker claims the job, then is cut off: recovery gives the job to another attempt."""

        def submit(self, kind, resource_type, resource_id, project_id=None, payload=None) -> dict:
            job = jobs.create_job(workspace, kind, resource_type, resource_id, project_id, payload)
            held.append(jobs.claim_job(workspace, job["id"], f"{socket.gethostname()}:999999999:zombie"))
            return job

    [run_id] = monitors.schedule_due(workspace, ZombieQueue(), now=T0 + timedelta(minutes=3))
    settings = JobSettings()
    recover_jobs(workspace, settings, lambda job_id: None)  # taken back (NotStarted again), not yet rerun
    with jobs.fenced(held[0], "monitor_runs", run_id), pytest.raises(jobs.LeaseLostError):
        monitors.run_monitor(workspace, run_id)  # the zombie finishes its run: its result is refused
    assert monitors.show_run(workspace, run_id)["finishedDateTime"] is None and hook.bodies == []
    assert execute_job(workspace, held[0].job_id, "test:2:w", settings) == "Succeeded"  # the new attempt records it
    assert monitors.show_run(workspace, run_id)["outcome"] == "pass"
    assert [r["id"] for r in monitors.list_runs(workspace, created["id"])] == [run_id] and len(hook.bodies) == 0


def test_intent_metrics_are_refused_for_an_endpoint_whose_model_decides_no_intent(
    workspace: Workspace, tmp_path: Path
) -> None:
    projects.create_project(workspace, "names", "entities")
    spans = [{"text": "Sarah lives in Paris.", "spans": [{"start": 0, "end": 5, "label": "PERSON"}]}]
    (tmp_path / "test.jsonl").write_text("".join(json.dumps(s) + "\n" for s in spans), encoding="utf-8")
    datasets.upload_dataset(workspace, "names", tmp_path / "test.jsonl", "annotated-text", "names-test")
    ner = endpoints.create_endpoint(workspace, "names", "ner", "en-core-web-sm")
    for metric in ("intent_accuracy", "oos_recall"):
        with pytest.raises(TuneforkError, match=rf"serves 'en-core-web-sm', which decides no intent .* so {metric} "
                           "would measure nothing: watch slot_f1 or latency_p95"):  # fmt: skip
            monitors.create_monitor(workspace, "ner", "names-test", ner["keys"]["key1"], "0 * * * *", metric,
                                    min_value=0.5)  # fmt: skip
    slots = monitors.create_monitor(workspace, "ner", "names-test", ner["keys"]["key1"], "0 * * * *", "slot_f1",
                                    min_value=0.5)  # fmt: skip
    assert slots["metric"] == "slot_f1"

    # A custom model trained with intents decides them (its card says so): intent metrics are accepted.
    projects.create_project(workspace, "bot", "language")
    rows = [("refill my pills", "refill"), ("I need a refill", "refill"), ("refill please", "refill"),
            ("hello there", "greet"), ("hi there", "greet"), ("good morning", "greet")]  # fmt: skip
    (tmp_path / "train.csv").write_text("text,intent\n" + "".join(f"{t},{i}\n" for t, i in rows), encoding="utf-8")
    datasets.upload_dataset(workspace, "bot", tmp_path / "train.csv", "utterances", "bot-train")
    training.create_model(workspace, "bot", "bot-v1", "en-core-web-sm", ["bot-train"],
                          options={"intent_classifier": "tfidf"})  # fmt: skip
    assert training.run_training(workspace, "bot-v1").model["status"] == "Succeeded"
    bot = endpoints.create_endpoint(workspace, "bot", "bot", "bot-v1")
    accuracy = monitors.create_monitor(workspace, "bot", "bot-train", bot["keys"]["key1"], "0 * * * *",
                                       "intent_accuracy", min_value=0.5)  # fmt: skip
    assert accuracy["metric"] == "intent_accuracy"


def test_a_run_of_an_intent_metric_notices_an_endpoint_redeployed_with_a_model_that_decides_no_intent(
    workspace: Workspace, server: str, tmp_path: Path, cli
) -> None:
    projects.create_project(workspace, "bot", "language")
    rows = [("refill my pills", "refill"), ("I need a refill", "refill"), ("refill please", "refill"),
            ("hello there", "greet"), ("hi there", "greet"), ("good morning", "greet")]  # fmt: skip
    test = [("refill them please", "refill"), ("hello again", "greet"), ("what is the weather", "out_of_scope"),
            ("play some jazz", "out_of_scope")]  # fmt: skip
    datasets.upload_dataset(workspace, "bot", _csv(tmp_path / "train.csv", rows), "utterances", "bot-train")
    datasets.upload_dataset(workspace, "bot", _csv(tmp_path / "test.csv", test), "utterances", "bot-test")
    training.create_model(workspace, "bot", "bot-v1", "en-core-web-sm", ["bot-train"],
                          options={"intent_classifier": "tfidf"})  # fmt: skip
    assert training.run_training(workspace, "bot-v1").model["status"] == "Succeeded"
    bot = endpoints.create_endpoint(workspace, "bot", "bot", "bot-v1")
    created = monitors.create_monitor(workspace, "bot", "bot-test", bot["keys"]["key1"], "0 * * * *", "oos_recall",
                                      min_value=0.0, base_url=server, retries=3)  # fmt: skip
    measured = monitors.run_now(workspace, created["id"])
    assert (measured["outcome"], measured["model"]) == ("pass", "bot-v1") and measured["value"] is not None

    # Redeployed with the base pipeline, which finds entities only: every answer's out_of_scope is null, which the
    # scores would read as "out of scope" and so as an oos_recall of 1.0. The update warns; the run says it too.
    reason = (
        "The endpoint now serves 'en-core-web-sm', which decides no intent (its answers' intent is null), so "
        "oos_recall measured nothing: deploy a model trained with intents again (endpoint update --model), or "
        "watch slot_f1 or latency_p95 with another monitor."
    )
    assert monitors.blind_monitors(workspace, "bot") == []
    updated = cli("endpoint", "update", "bot", "--model", "en-core-web-sm")
    assert f"WARNING: monitor 'bot-oos_recall': {reason}" in " ".join(updated.stderr.split())
    run = monitors.run_now(workspace, created["id"])
    assert (run["status"], run["outcome"], run["value"], run["model"]) == ("Failed", "error", None, "en-core-web-sm")
    assert run["error"] == reason and run["attempts"] == 1  # a configuration error: its 3 retries would change nothing
    shown = monitors.show_monitor(workspace, created["id"])
    assert shown["state"] == "failing" and shown["alerts"][0]["event"] == "alert"
    assert shown["alerts"][0]["payload"]["reason"] == run["error"]


def test_a_percentage_given_for_a_fraction_is_refused(workspace: Workspace, bot: dict) -> None:
    """`--min 50` for an accuracy (a fraction) could never be met: every run would fail; it is refused, naming the
    fraction meant. Latency is in seconds: any positive bound is taken."""
    key = bot["keys"]["key1"]
    with pytest.raises(TuneforkError, match=r"intent_accuracy is a fraction from 0 to 1 \(0.15 = 15%\), so --min 50 "
                       r"would never be reached; for 50%, give --min 0.5\."):  # fmt: skip
        monitors.create_monitor(workspace, "kw", "test", key, "0 * * * *", "intent_accuracy", min_value=50)
    with pytest.raises(TuneforkError, match=r"so --min -0.1 would never be reached\.$"):
        monitors.create_monitor(workspace, "kw", "test", key, "0 * * * *", "slot_f1", min_value=-0.1)
    with pytest.raises(TuneforkError, match=r"so 0.02 would allow 0.0002 of intent_accuracy; for 2 points, give "
                       r"--max-regression 2\."):  # fmt: skip
        monitors.create_monitor(workspace, "kw", "test", key, "0 * * * *", "intent_accuracy", max_regression=0.02)
    with pytest.raises(TuneforkError, match=r"latency_p95 is in seconds, so --max -1 would never pass\."):
        monitors.create_monitor(workspace, "kw", "test", key, "0 * * * *", "latency_p95", max_value=-1)
    with pytest.raises(TuneforkError, match=r"an http:// or https:// URL with a host \(got 'http://'\)"):
        monitors.create_monitor(workspace, "kw", "test", key, "0 * * * *", "latency_p95", max_value=2.5,
                                webhook_url="http://")  # fmt: skip
    latency = monitors.create_monitor(workspace, "kw", "test", key, "0 * * * *", "latency_p95", max_value=2.5)
    assert latency["max"] == 2.5


def test_an_image_monitor_measures_concept_accuracy_and_latency(
    workspace: Workspace, server: str, tmp_path: Path
) -> None:
    """An image review's `monitor create` for a classify endpoint crashed (KeyError 'text'): runs sent every item
    as text. The base model answers "none of these" to every image: its accuracy is the share of negatives."""
    from image_samples import concept_folders, shape_image

    test = concept_folders(tmp_path / "test", per_concept=2, concepts=("circle", "square"))
    (test / "none-of-these").mkdir()
    shape_image("triangle", 7).save(test / "none-of-these" / "t.png")
    projects.create_project(workspace, "shelf", "image")
    datasets.upload_dataset(workspace, "shelf", test, "images", "shelf-test")
    endpoint = endpoints.create_endpoint(workspace, "shelf", "shelf", "efficientnet-lite0")
    created = monitors.create_monitor(
        workspace, "shelf", "shelf-test", endpoint["keys"]["key1"], "*/30 * * * *", "concept_accuracy",
        min_value=0.1, base_url=server,
    )  # fmt: skip
    run = monitors.run_now(workspace, created["id"])
    assert run["status"] == "Succeeded" and run["items"] == 5, run
    assert run["metrics"]["concept_accuracy"] == 0.2 and run["metrics"]["latency_p95"] > 0
    details = {d["id"]: d for d in monitors.show_run(workspace, run["id"])["details"]}
    assert details["none-of-these-t"]["answer"] == "" and not any(d["error"] for d in details.values())
