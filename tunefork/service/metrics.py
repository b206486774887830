"""Prometheus metrics: ``GET /metrics`` in the text format of ``prometheus-client``.

Guarded by the admin token or a separate read-only token, ``TUNEFORK_METRICS_TOKEN`` (``Authorization:
Bearer ...``), checked before anything else runs (:class:`tunefork.service.auth.AuthBeforeBody`).

Two sorts of figures, and where they come from matters when several server processes share a workspace:

- **per process** (counted by this server process since it started; each process must be scraped, and
  Prometheus sums them): ``tunefork_endpoint_requests_total`` (requests to each deployed endpoint by
  operation and HTTP status), ``tunefork_endpoint_request_duration_seconds`` (a latency histogram per
  endpoint and operation) and ``tunefork_audio_seconds_total`` (seconds of audio recognized per endpoint).
  A restart starts them from zero, which Prometheus' ``rate()`` handles.
- **workspace-wide** (read from the database and the queue at each scrape, the same from every process):
  ``tunefork_queue_depth`` (messages waiting on the job queue), ``tunefork_jobs`` (jobs by kind and
  state) and, per monitor (labelled by name), its last value, last run time and state
  (:mod:`tunefork.workflows.monitors`); ``tunefork_queue_up`` and ``tunefork_database_up`` say whether the queue
  and the database answered (0: their figures are left out of that scrape, the rest still answers).

Requests for an endpoint id that does not exist are counted under ``endpoint="unknown"`` so that random
addresses cannot grow the number of series.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.routing import get_route_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tunefork.service.auth import keyed_operation
from tunefork.workflows import jobs, monitors
from tunefork.workspace import Workspace

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class WorkspaceCollector(Collector):
    """The workspace-wide figures, read at each scrape: queue depth, jobs by state, monitors."""

    def __init__(self, workspace: Workspace, pending: Callable[[], int]) -> None:
        self.workspace, self.pending = workspace, pending

    def collect(self) -> Iterable[Metric]:
        """The figures; a queue or database that does not answer reads 0 in ``tunefork_queue_up`` or
        ``tunefork_database_up`` and leaves out what it would give, so the scrape still answers."""
        try:
            pending = self.pending()
        except Exception:  # Redis down: the rest of the scrape still counts
            pending = None
        yield _up("tunefork_queue_up", "1 when the job queue answered this scrape, else 0.", pending is not None)
        if pending is not None:
            depth = GaugeMetricFamily("tunefork_queue_depth", "Messages waiting on the job queue (workspace-wide).")
            depth.add_metric([], pending)
            yield depth
        try:
            counts = jobs.job_counts(self.workspace)
            workspace_figures = [*self._monitors()]
        except Exception:  # the database is down
            counts, workspace_figures = None, []
        yield _up("tunefork_database_up", "1 when the database answered this scrape, else 0.", counts is not None)
        if counts is not None:
            by_state = GaugeMetricFamily(
                "tunefork_jobs", "Background jobs by kind and state (workspace-wide).", labels=["kind", "state"]
            )
            for (kind, state), count in sorted(counts.items()):
                by_state.add_metric([kind, state], count)
            yield by_state
        yield from workspace_figures

    def _monitors(self) -> Iterable[Metric]:
        value = GaugeMetricFamily(
            "tunefork_monitor_last_value", "The metric of each monitor's last run.", labels=["monitor", "id", "metric"]
        )
        finished = GaugeMetricFamily(
            "tunefork_monitor_last_run_timestamp_seconds",
            "When each monitor's last run ended.",
            labels=["monitor", "id"],
        )
        state = GaugeMetricFamily(
            "tunefork_monitor_state",
            "1 for each monitor's current state (unknown, passing, failing; paused when paused).",
            labels=["monitor", "id", "state"],
        )
        for monitor in monitors.monitor_gauges(self.workspace):
            labels = [monitor["name"], monitor["id"]]  # names are unique per project only
            if monitor["value"] is not None:
                value.add_metric([*labels, monitor["metric"]], monitor["value"])
            if monitor["finished"] is not None:
                finished.add_metric(labels, monitor["finished"])
            current = "paused" if monitor["paused"] else monitor["state"]
            for option in ("unknown", "passing", "failing", "paused"):
                state.add_metric([*labels, option], 1.0 if option == current else 0.0)
        yield from (value, finished, state)


def _up(name: str, documentation: str, up: bool) -> Metric:
    gauge = GaugeMetricFamily(name, documentation)
    gauge.add_metric([], 1.0 if up else 0.0)
    return gauge


class ServiceMetrics:
    """One server process's metrics (its own registry, so several apps in one process do not mix)."""

    def __init__(self, workspace: Workspace, pending: Callable[[], int]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "tunefork_endpoint_requests",
            "Requests to deployed endpoints by operation and HTTP status (this process since it started).",
            ["endpoint", "operation", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tunefork_endpoint_request_duration_seconds",
            "Time to answer a request to a deployed endpoint (this process since it started).",
            ["endpoint", "operation"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.audio = Counter(
            "tunefork_audio_seconds",
            "Seconds of audio recognized by deployed endpoints (this process since it started).",
            ["endpoint"],
            registry=self.registry,
        )
        self.registry.register(WorkspaceCollector(workspace, pending))

    def observe_request(self, endpoint: str, operation: str, status: int, seconds: float) -> None:
        """Count one answered endpoint request."""
        self.requests.labels(endpoint, operation, str(status)).inc()
        self.latency.labels(endpoint, operation).observe(seconds)

    def observe_audio(self, endpoint: str, seconds: float) -> None:
        """Add the duration of recognized audio."""
        if seconds > 0:
            self.audio.labels(endpoint).inc(seconds)

    def exposition(self) -> bytes:
        """Every metric in the Prometheus text format."""
        return generate_latest(self.registry)


class RequestMetricsMiddleware:
    """ASGI middleware: time every request to a deployed endpoint and count it by its answer's status."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics, operations: Collection[str]) -> None:
        self.app, self.metrics, self.operations = app, metrics, frozenset(operations)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = keyed_operation(get_route_path(scope), self.operations) if scope["type"] == "http" else None
        if match is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            endpoint = "unknown" if status == 404 else match.group(1)
            self.metrics.observe_request(endpoint, match.group(2), status, time.perf_counter() - started)
