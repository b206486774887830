"""``GET /metrics``: Prometheus text that prometheus-client's own parser reads, refused without its token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tunefork.service.app import create_app
from tunefork.workflows import endpoints, projects
from tunefork.workspace import Workspace

ADMIN = "metrics-admin-token"
READER = "metrics-reader-token"


@pytest.fixture
def client(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", ADMIN)
    monkeypatch.setenv("TUNEFORK_METRICS_TOKEN", READER)
    with TestClient(create_app(workspace)) as client:
        yield client


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """``{(sample name, sorted labels): value}`` as prometheus-client parses the exposition."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_need_a_token_and_parse_with_prometheus_client(client: TestClient, workspace: Workspace, speak) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {READER}"}):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401 and refused.json()["code"] == "Unauthorized"
        assert "TUNEFORK_METRICS_TOKEN" in refused.json()["message"]
    assert client.get("/metrics", headers={"Authorization": f"Bearer {ADMIN}"}).status_code == 200
    # The metrics token reads the metrics and nothing else.
    assert client.get("/projects", headers={"Authorization": f"Bearer {READER}"}).status_code == 401

    projects.create_project(workspace, "calls", "speech")
    endpoint = endpoints.create_endpoint(workspace, "calls", "prod", "sphinx-en-us")
    key = endpoint["keys"]["key1"]
    audio = speak("please call me back at five o'clock").read_bytes()
    url = f"/endpoints/{endpoint['id']}/recognize"
    answered = client.post(url, content=audio, headers={"X-Tunefork-Key": key, "Content-Type": "audio/wav"})
    assert answered.status_code == 200, answered.text
    assert client.post(url, content=audio, headers={"X-Tunefork-Key": "wrong"}).status_code == 401
    assert client.post("/endpoints/no-such-id/recognize", content=audio).status_code == 404

    response = client.get("/metrics", headers={"Authorization": f"Bearer {READER}"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    eid = endpoint["id"]
    requests = "tunefork_endpoint_requests_total"
    assert samples[(requests, (("endpoint", eid), ("operation", "recognize"), ("status", "200")))] == 1
    assert samples[(requests, (("endpoint", eid), ("operation", "recognize"), ("status", "401")))] == 1
    assert samples[(requests, (("endpoint", "unknown"), ("operation", "recognize"), ("status", "404")))] == 1
    timed = ("tunefork_endpoint_request_duration_seconds_count", (("endpoint", eid), ("operation", "recognize")))
    assert samples[timed] == 2
    duration = answered.json()["duration"]
    assert samples[("tunefork_audio_seconds_total", (("endpoint", eid),))] == pytest.approx(duration) and duration > 1
    assert samples[("tunefork_queue_depth", ())] == 0
    assert not any(name == "tunefork_jobs" for name, _ in samples)  # no job yet: no series

    projects_reply = client.post(
        "/datasets", headers={"Authorization": f"Bearer {ADMIN}"},
        data={"project": "calls", "kind": "acoustic", "name": "d"}, files={"file": ("a.zip", b"PK", "application/zip")},
    )  # fmt: skip
    assert projects_reply.status_code == 202, projects_reply.text
    samples = _samples(client.get("/metrics", headers={"Authorization": f"Bearer {ADMIN}"}).text)
    assert samples[("tunefork_jobs", (("kind", "dataset-import"), ("state", "NotStarted")))] == 1
    assert samples[("tunefork_queue_depth", ())] == 1


def test_a_queue_that_does_not_answer_is_a_metric_not_a_failed_scrape(workspace: Workspace) -> None:
    """A scale-out review stopped Redis: the server would not start (the collector read the queue when registered)
    and every scrape answered 500, the per-process counters lost with it."""
    from tunefork.service.metrics import ServiceMetrics

    def unreachable() -> int:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6390")

    metrics = ServiceMetrics(workspace, unreachable)  # registering collects once: it must not raise
    metrics.observe_request("e1", "parse", 200, 0.1)
    samples = _samples(metrics.exposition().decode())
    assert samples[("tunefork_queue_up", ())] == 0 and ("tunefork_queue_depth", ()) not in samples
    assert samples[("tunefork_database_up", ())] == 1
    counted = (("endpoint", "e1"), ("operation", "parse"), ("status", "200"))
    assert samples[("tunefork_endpoint_requests_total", counted)] == 1  # the per-process figures still answer
    assert _samples(ServiceMetrics(workspace, lambda: 3).exposition().decode())[("tunefork_queue_up", ())] == 1
