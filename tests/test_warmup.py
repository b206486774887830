"""A starting server loads the models of its most recently used endpoints in the background.

The toy kind (tests/toy_kind.py) with base models that load only when the test opens a gate: the server
answers health checks while they load (``/health`` says it is not ready yet, ``/ready`` answers 503 until the
warm-up ends), a request that arrives during a load waits for it (one load, not two), and only the allowed
number of models is loaded, the most recently deployed or changed first, each answering one made-up request.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from toy_kind import ENGINE, TOY, KeywordModel, KeywordModels

from tunefork.engines.cache import shared_model
from tunefork.errors import NotFoundError
from tunefork.kinds import register, unregister
from tunefork.kinds.registry import ModelHandle
from tunefork.service.app import create_app
from tunefork.service.config import ServiceSettings
from tunefork.workflows import endpoints
from tunefork.workflows.projects import create_project
from tunefork.workspace import Workspace

TOKEN = "warmup-admin-token"


class GatedModels(KeywordModels):
    """The toy family with base models ``keyword-<anything>`` that finish loading only once ``gate`` is set."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.loads: Counter[str] = Counter()
        self.answered: Counter[str] = Counter()

    def is_base_model(self, name: str) -> bool:
        return name.startswith("keyword-")

    def base_engine(self, name: str) -> str:
        if not self.is_base_model(name):
            raise NotFoundError(f"unknown base model {name!r}")
        return ENGINE

    def load(self, model: ModelHandle) -> KeywordModel:
        def slow_load() -> KeywordModel:
            self.loads[model.name] += 1
            self.gate.wait(10)
            return KeywordModel(model.name, {"greet": ["hello"]})

        return shared_model(f"gated-toy:{id(self)}:{model.name}", slow_load)

    def invoke(self, model: KeywordModel, request: str) -> dict[str, Any]:
        self.answered[model.name] += 1
        return super().invoke(model, request)


def _until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_starting_server_warms_the_most_recent_endpoints_and_a_request_waits_for_the_load(
    workspace: Workspace, monkeypatch
) -> None:
    family = GatedModels()
    register(dataclasses.replace(TOY, family=family))
    try:
        create_project(workspace, "bots", TOY.name)
        created = {name: endpoints.create_endpoint(workspace, "bots", name, f"keyword-{name}") for name in "abc"}
        endpoints.update_endpoint(workspace, "a", description="changed last: used most recently")
        monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
        with TestClient(create_app(workspace, settings=ServiceSettings(warm_models=2))) as client:
            _until(lambda: family.loads["keyword-a"] == 1)  # the warm-up is loading endpoint a's model...
            health = client.get("/health")  # ...and the server answers meanwhile, saying it is still warming
            assert health.status_code == 200 and health.json()["ready"] is False
            assert health.json()["warmup"] == {"state": "warming", "planned": 2, "loaded": 0, "failed": 0}
            not_ready = client.get("/ready")  # public, like /health: a load balancer sends no token
            assert not_ready.status_code == 503 and not_ready.headers["Retry-After"] == "1"
            assert not_ready.json()["ready"] is False

            answers = []
            endpoint = created["a"]
            url, key = f"/endpoints/{endpoint['id']}/parse", {"X-Tunefork-Key": endpoint["keys"]["key1"]}
            request = threading.Thread(
                target=lambda: answers.append(client.post(url, json={"text": "hi"}, headers=key))
            )
            request.start()
            request.join(0.3)
            assert request.is_alive()  # waits for the load under way
            family.gate.set()
            request.join(10)
            assert answers[0].status_code == 200 and answers[0].json()["model"] == "keyword-a"
            _until(lambda: family.answered["keyword-c"] == 1)  # loaded, and a made-up request answered
            _until(lambda: client.get("/ready").status_code == 200)
            assert client.get("/health").json()["warmup"] == {"state": "done", "planned": 2, "loaded": 2, "failed": 0}
        assert family.loads == {"keyword-a": 1, "keyword-c": 1}  # one load each; b, the least recent, waits
        assert family.answered == {"keyword-a": 2, "keyword-c": 1}  # a: the warm-up's request and the client's
    finally:
        unregister(TOY.name)


def test_a_server_that_warms_nothing_is_ready_at_once(workspace: Workspace, monkeypatch) -> None:
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    with TestClient(create_app(workspace, settings=ServiceSettings(warm_models=0))) as client:
        assert client.get("/ready").json() == {"ready": True, "warmup": {"state": "off", "planned": 0, "loaded": 0,
                                                                        "failed": 0}}  # fmt: skip
        assert client.get("/health").json()["ready"] is True


class BrokenModels(GatedModels):
    """The gated toy family whose models fail to load."""

    def load(self, model: ModelHandle) -> KeywordModel:
        raise RuntimeError(f"the weights of {model.name} are missing")


def test_a_model_that_fails_to_warm_does_not_keep_the_server_unready(workspace: Workspace, monkeypatch) -> None:
    register(dataclasses.replace(TOY, family=BrokenModels()))
    try:
        create_project(workspace, "bots", TOY.name)
        endpoints.create_endpoint(workspace, "bots", "a", "keyword-a")
        monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
        with TestClient(create_app(workspace, settings=ServiceSettings(warm_models=3))) as client:
            _until(lambda: client.get("/ready").status_code == 200)
            assert client.get("/health").json()["warmup"] == {"state": "done", "planned": 1, "loaded": 0, "failed": 1}
    finally:
        unregister(TOY.name)


def test_an_endpoint_whose_model_cannot_be_found_counts_as_a_failed_warm_up(workspace: Workspace, monkeypatch) -> None:
    """A scale-out review's server could not fetch two endpoints' models from the store: /health said planned 0,
    failed 0, and every request answered 503."""
    register(dataclasses.replace(TOY, family=BrokenModels()))
    try:
        create_project(workspace, "bots", TOY.name)
        endpoints.create_endpoint(workspace, "bots", "a", "keyword-a")
    finally:
        unregister(TOY.name)  # its kind is unknown to this server now: the endpoint's model cannot be resolved
    monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
    with TestClient(create_app(workspace, settings=ServiceSettings(warm_models=3))) as client:
        _until(lambda: client.get("/ready").status_code == 200)
        assert client.get("/health").json()["warmup"] == {"state": "done", "planned": 1, "loaded": 0, "failed": 1}


def test_an_endpoint_created_or_given_a_model_on_a_running_server_is_warmed_at_once(
    workspace: Workspace, monkeypatch
) -> None:
    """A review's first /parse after `endpoint create` took 24 s: only a starting server warmed models."""
    family = GatedModels()
    family.gate.set()
    register(dataclasses.replace(TOY, family=family))
    try:
        create_project(workspace, "bots", TOY.name)
        monkeypatch.setenv("TUNEFORK_ADMIN_TOKEN", TOKEN)
        auth = {"Authorization": f"Bearer {TOKEN}"}
        with TestClient(create_app(workspace, settings=ServiceSettings(warm_models=2))) as client:
            body = {"project": "bots", "name": "new", "model": "keyword-new"}
            created = client.post("/endpoints", json=body, headers=auth)
            assert created.status_code == 201
            _until(lambda: family.answered["keyword-new"] == 1)  # loaded, a made-up request answered, unasked
            swapped = client.patch(f"/endpoints/{created.json()['id']}", json={"model": "keyword-next"}, headers=auth)
            assert swapped.status_code == 200
            _until(lambda: family.answered["keyword-next"] == 1)
            signed_in = client.post("/studio/signin", data={"token": TOKEN, "next": "/studio/"})
            csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', signed_in.text).group(1)
            settings = f"/studio/projects/{created.json()['projectId']}/endpoints/{created.json()['id']}/settings"
            client.post(settings, data={"csrf": csrf, "model": "keyword-studio", "retentionDays": "7"})
            _until(lambda: family.answered["keyword-studio"] == 1)  # given through the studio's settings too
        with TestClient(create_app(workspace, settings=ServiceSettings(warm_models=0))) as client:
            body = {"project": "bots", "name": "cold", "model": "keyword-cold"}
            assert client.post("/endpoints", json=body, headers=auth).status_code == 201
            time.sleep(0.3)
        assert family.loads["keyword-cold"] == 0  # TUNEFORK_WARM_MODELS=0 warms nothing
    finally:
        unregister(TOY.name)
