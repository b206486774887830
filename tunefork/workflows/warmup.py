"""Warming deployed endpoints' models when a server starts, so the first request does not wait for a load.

Loading a model takes seconds (spaCy and the sentence encoder, Whisper): without warming, the first
``/parse`` or ``/recognize`` after ``tunefork serve`` waited for it. :func:`warm_endpoint_models` loads the
models of the most recently used endpoints through the one model cache (:mod:`tunefork.engines.cache`), so
a request that arrives while its model is still loading waits for that load instead of starting another,
then answers one made-up request with each (a short text, a second of silence, a blank image; never logged):
parts that load on first use (an intent model's sentence encoder) and a first decode's set-up are done too.
At most ``limit`` distinct models are loaded (memory stays bounded with many endpoints); the others load on
their first request, as before. An endpoint counts as used when it was last changed (deployed, its model
swapped) or last answered a logged request, whichever is later.

:class:`WarmupStatus` is what the server's ``/health`` and ``/ready`` say about it while it runs: a load
balancer keeps a starting server out of rotation until the warm-up has ended (loaded, failed or stopped).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from PIL import Image
from sqlalchemy import func, select

from tunefork.kinds import ResolvedModel
from tunefork.store.models import Endpoint, EndpointLog, Status
from tunefork.workflows.requests import endpoint_target
from tunefork.workspace import Workspace

log = logging.getLogger(__name__)

WARM_REQUESTS: dict[str, Callable[[], Any]] = {
    "text": lambda: "hello",
    "audio": lambda: np.zeros(16_000, dtype=np.float32),  # one second of canonical (16 kHz mono) silence
    "image": lambda: Image.new("RGB", (64, 64), "white"),
}
"""A made-up request of each operation input (:attr:`~tunefork.kinds.registry.EndpointOperation.input`)."""


@dataclass(frozen=True)
class WarmedModel:
    """One model the warm-up loaded (or failed to load: ``error``)."""

    endpoint: str
    model: str
    seconds: float
    error: str | None = None


@dataclass
class WarmupStatus:
    """Where a server's warm-up stands, updated by :func:`warm_endpoint_models` and read by ``/health``."""

    state: str = "warming"
    """``warming`` until the warm-up ends, then ``done``; ``off`` when the server warms nothing."""
    planned: int | None = None
    """How many models it loads (``None`` until the endpoints are read)."""
    warmed: list[WarmedModel] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def off(cls) -> WarmupStatus:
        """The status of a server that warms no model (``TUNEFORK_WARM_MODELS=0``): ready at once."""
        return cls(state="off", planned=0)

    @property
    def ready(self) -> bool:
        """True once nothing is warming: every planned model loaded or failed, or the warm-up stopped."""
        return self.state != "warming"

    def plan(self, count: int) -> None:
        """Record how many models the warm-up loads."""
        with self._lock:
            self.planned = count

    def record(self, model: WarmedModel) -> None:
        """Record one model loaded (or failed)."""
        with self._lock:
            self.warmed.append(model)

    def finish(self) -> None:
        """The warm-up has ended (whatever happened to each model)."""
        with self._lock:
            self.state = "done"

    def to_json(self) -> dict[str, Any]:
        """``{"state", "planned", "loaded", "failed"}``: the counts so far, for ``/health``."""
        with self._lock:
            failed = sum(model.error is not None for model in self.warmed)
            return {"state": self.state, "planned": self.planned, "loaded": len(self.warmed) - failed, "failed": failed}


def endpoints_by_recent_use(workspace: Workspace) -> list[tuple[str, str]]:
    """``(id, name)`` of the running endpoints, the most recently used first."""
    last_log = (
        select(EndpointLog.endpoint_id, func.max(EndpointLog.created_at).label("at"))
        .group_by(EndpointLog.endpoint_id)
        .subquery()
    )
    query = (
        select(Endpoint.id, Endpoint.name, Endpoint.last_action_at, last_log.c.at)
        .outerjoin(last_log, last_log.c.endpoint_id == Endpoint.id)
        .where(Endpoint.status == Status.SUCCEEDED)
    )
    with workspace.session() as session:
        rows = session.execute(query).all()

    def used(row: tuple[str, str, datetime, datetime | None]) -> datetime:
        return max(row[2], row[3]) if row[3] is not None else row[2]

    return [(row[0], row[1]) for row in sorted(rows, key=used, reverse=True)]


def models_to_warm(workspace: Workspace, limit: int) -> tuple[list[tuple[str, ResolvedModel]], list[WarmedModel]]:
    """Up to ``limit`` distinct models (with the endpoint that serves each) of the most recently used endpoints, and
    the endpoints whose model could not even be found (its project kind is not registered in this process, or its
    artifact could not be fetched from the shared store), as failed warm-ups with the reason.

    A voice endpoint's language model counts as a model of its own.
    """
    chosen: dict[str, tuple[str, ResolvedModel]] = {}
    unresolved: list[WarmedModel] = []
    for endpoint_id, name in endpoints_by_recent_use(workspace):
        if len(chosen) + len(unresolved) >= limit:
            break
        try:
            target = endpoint_target(workspace, endpoint_id)
        except Exception as exc:  # a broken endpoint must not stop the others from warming
            log.warning("not warming endpoint %s: %s", name, exc)
            unresolved.append(WarmedModel(name, "", 0.0, str(exc)))
            continue
        for model in (target.model, target.language_model):
            if model is not None and len(chosen) + len(unresolved) < limit:
                chosen.setdefault(model.model_id or model.name, (name, model))
    return list(chosen.values()), unresolved


def warm_endpoint_models(
    workspace: Workspace, limit: int, stop: threading.Event | None = None, status: WarmupStatus | None = None
) -> list[WarmedModel]:
    """Load the models of the most recently used endpoints (see :func:`models_to_warm`), one after another, and
    answer one of :data:`WARM_REQUESTS` with each.

    Stops between models when ``stop`` is set (the server is shutting down). A model that fails to load or to
    answer is logged and reported with its error; its endpoint's requests then load it (and say why) as before.
    ``status`` follows the progress and is finished however the warm-up ends, so the server becomes ready.
    """
    status = status or WarmupStatus()
    try:
        chosen, unresolved = models_to_warm(workspace, limit)
        status.plan(len(chosen) + len(unresolved))
        for failed in unresolved:
            status.record(failed)
        for endpoint, model in chosen:
            if stop is not None and stop.is_set():
                break
            status.record(_warm(endpoint, model))
    except Exception:  # the endpoints could not be read: requests load their models, as without warming
        log.exception("the warm-up stopped")
    finally:
        status.finish()
    return list(status.warmed)


def warm_in_background(workspace: Workspace, endpoint_id: str) -> threading.Thread:
    """Load the model(s) of an endpoint just created or given another model on this server, in a thread of its
    own, so that its first request does not wait for the load (a review's first ``/parse`` took 24 s); a failure
    is logged, and the endpoint's requests then load the model (and say why) as before."""

    def warm() -> None:
        try:
            target = endpoint_target(workspace, endpoint_id)
        except Exception as exc:  # the endpoint was deleted meanwhile, or its model cannot be found
            log.warning("not warming endpoint %s: %s", endpoint_id, exc)
            return
        for model in (target.model, target.language_model):
            if model is not None:
                _warm(endpoint_id, model)

    thread = threading.Thread(target=warm, name=f"tunefork-warm-{endpoint_id}", daemon=True)
    thread.start()
    return thread


def _warm(endpoint: str, model: ResolvedModel) -> WarmedModel:
    """Load ``model`` and answer one made-up request with it; the error, if any, is logged and reported."""
    started = time.perf_counter()
    try:
        loaded, family = model.load(), model.family
        if make_request := WARM_REQUESTS.get(family.operation.input):
            family.invoke(loaded, make_request())
    except Exception as exc:  # reported; the endpoint's own requests will show the reason
        log.warning("could not warm model %s of endpoint %s: %s", model.name, endpoint, exc)
        return WarmedModel(endpoint, model.name, time.perf_counter() - started, str(exc))
    seconds = time.perf_counter() - started
    log.info("warmed model %s of endpoint %s in %.1f s", model.name, endpoint, seconds)
    return WarmedModel(endpoint, model.name, seconds)
