"""The FastAPI application: REST resources, recognition, error shapes, body limits and the job consumer."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from tunefork import __version__
from tunefork.jobs.queue import JobQueue
from tunefork.kinds.registry import endpoint_operations
from tunefork.kinds.voice import UNDERSTAND
from tunefork.service import web
from tunefork.service.auth import AdminDigest, AuthBeforeBody, metrics_refusal, metrics_token_digest
from tunefork.service.config import ServiceSettings
from tunefork.service.deps import ERRORS, refuse_unknown_query
from tunefork.service.errors import install_error_handlers
from tunefork.service.limits import Admission, BodyLimitMiddleware
from tunefork.service.metrics import CONTENT_TYPE, RequestMetricsMiddleware, ServiceMetrics
from tunefork.service.present import url
from tunefork.service.routers import (
    datasets,
    endpoints,
    evaluations,
    jobs,
    models,
    monitors,
    projects,
    recognition,
    transcriptions,
)
from tunefork.service.web.apidocs import install_api_docs
from tunefork.workflows.warmup import WarmupStatus, warm_endpoint_models
from tunefork.workspace import Workspace

log = logging.getLogger(__name__)

UPLOAD_PATHS = ("/datasets", "/transcriptions/upload", *web.UPLOAD_PATHS)
DESCRIPTION = """
Self-hosted custom speech, shaped after Azure Custom Speech v3: projects, datasets, models, evaluations,
batch transcriptions, endpoints and the jobs behind every long operation (answered 202 NotStarted).

Management routes need the admin token (`Authorization: Bearer ...`); an endpoint's operation
(`POST /endpoints/{id}/recognize` for speech, `/parse` for text...) needs only the endpoint's key
(`X-Tunefork-Key`). Errors are `{"code", "message", "details"?}`.

The web studio (the same workflow in a browser) is at `/studio/`.
"""


def create_app(
    workspace: Workspace | None = None,
    consumer_workers: int = 0,
    settings: ServiceSettings | None = None,
    queue: JobQueue | None = None,
) -> FastAPI:
    """Build the app for ``workspace`` (default: ``TUNEFORK_HOME``).

    ``consumer_workers`` > 0 runs that many job-consumer threads inside the server (``tunefork serve``
    does by default), after taking back the jobs a previous run left Running.
    """
    workspace = workspace or Workspace.open()
    settings = settings or ServiceSettings.from_env()
    queue = queue or JobQueue(workspace)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop_warming = threading.Event()
        if settings.warm_models > 0:  # in the background: health checks and other requests answer at once
            app.state.warmup = WarmupStatus()
            warm = (workspace, settings.warm_models, stop_warming, app.state.warmup)
            threading.Thread(target=warm_endpoint_models, args=warm, name="tunefork-warmup", daemon=True).start()
        consumer = None
        if consumer_workers > 0:
            report = await run_in_threadpool(queue.recover)
            if report.retried or report.failed:
                log.warning("recovered jobs: retried %s, failed %s", report.retried, report.failed)
            consumer = queue.consumer(consumer_workers, embedded=True)
            consumer.start()
        try:
            yield
        finally:
            stop_warming.set()
            if consumer is not None:
                consumer.stop()
                await run_in_threadpool(queue.release, "the server stopped while it ran")

    app = FastAPI(
        title="tunefork", version=__version__, description=DESCRIPTION, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.workspace = workspace
    app.state.queue = queue
    app.state.settings = settings
    app.state.admission = Admission(settings.recognition_workers, settings.recognition_queue)
    app.state.admin_digest = AdminDigest(workspace)
    app.state.metrics_digest = metrics_token_digest()
    app.state.metrics = metrics = ServiceMetrics(workspace, queue.pending)
    app.state.warmup = WarmupStatus.off()  # the lifespan replaces it when the server warms models
    install_error_handlers(app)

    operations = [*endpoint_operations(), UNDERSTAND]  # understand: speech endpoints with a language model
    file_inputs = tuple(f"/{operation.name}" for operation in operations if operation.input != "text")

    def limit_for(method: str, path: str) -> int:
        if path.startswith("/endpoints/") and path.endswith(file_inputs):
            return settings.max_recognition_bytes
        if path in UPLOAD_PATHS:
            return settings.max_upload_bytes
        return settings.max_request_bytes

    app.add_middleware(BodyLimitMiddleware, limit_for=limit_for)
    keyed = [operation.name for operation in operations]
    app.add_middleware(RequestMetricsMiddleware, metrics=metrics, operations=keyed)
    areas = [(web.PREFIX, web.session_refusal), ("/metrics", metrics_refusal)]
    app.add_middleware(AuthBeforeBody, areas=areas, keyed_operations=keyed)
    strict_query = [Depends(refuse_unknown_query)]
    for module in (projects, datasets, models, evaluations, transcriptions, endpoints, monitors, jobs):
        app.include_router(module.router, dependencies=strict_query)
    app.include_router(recognition.operation_router(operations), dependencies=strict_query)
    web.install(app)
    install_api_docs(app)

    @app.get("/health", tags=["service"])
    def health() -> dict:
        """Liveness, no token needed: always 200 while the server runs. ``ready`` is false while the models of
        recently used endpoints are still loading (``warmup``: its ``state``, models ``planned``, ``loaded``
        and ``failed``)."""
        warmup = app.state.warmup
        return {"status": "ok", "version": __version__, "queue": queue.backend, "ready": warmup.ready,
                "warmup": warmup.to_json()}  # fmt: skip

    @app.get("/ready", tags=["service"], response_model=None, responses={503: {"description": "Still warming up."}})
    def ready() -> dict | JSONResponse:
        """Readiness, no token needed: 200 once the warm-up has ended, 503 (with ``Retry-After``) while the
        models of recently used endpoints are still loading; point a load balancer's health check here."""
        warmup = app.state.warmup
        body = {"ready": warmup.ready, "warmup": warmup.to_json()}
        return body if warmup.ready else JSONResponse(body, status_code=503, headers={"Retry-After": "1"})

    @app.get(
        "/metrics", tags=["service"], response_class=Response,
        responses={200: {"content": {CONTENT_TYPE: {}}}, 401: ERRORS[401] | {"description": "Missing or wrong token"}},
    )  # fmt: skip
    def prometheus_metrics() -> Response:
        """Prometheus metrics (text format); the admin token or ``TUNEFORK_METRICS_TOKEN``.

        Request counts, latencies and audio seconds are this server process's own since it started;
        queue depth, jobs and monitors are the workspace's (see :mod:`tunefork.service.metrics`).
        """
        return Response(metrics.exposition(), media_type=CONTENT_TYPE)

    @app.get("/", tags=["service"], response_model=None)
    def index(request: Request) -> dict | Response:
        """Where the resources are (browsers asking for HTML go to the studio)."""
        if "text/html" in request.headers.get("accept", ""):
            return RedirectResponse(url(request, "studio") + "/", status_code=307)
        names = ("projects", "datasets", "models", "evaluations", "transcriptions", "endpoints", "monitors", "jobs")
        return {
            "service": "tunefork",
            "version": __version__,
            "links": {name: url(request, name) for name in names}
            | {"openapi": url(request, "openapi.json"), "studio": url(request, "studio") + "/"},
        }

    return app
