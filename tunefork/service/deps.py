"""Shared route dependencies: the workspace, the job queue, paging, error documentation."""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Query, Request, UploadFile

from tunefork.jobs.queue import JobQueue
from tunefork.service.schemas import ErrorResponse
from tunefork.workflows.warmup import warm_in_background
from tunefork.workspace import Workspace

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text}
    for code, text in {
        400: "Ambiguous name: use the id",
        401: "Missing or wrong admin token",
        404: "Not found",
        409: "Conflicts with the current state",
        422: "Invalid request",
    }.items()
}


MULTIPART_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorResponse, "description": "Too large"},
    415: {"model": ErrorResponse, "description": "Not multipart/form-data"},
}


async def multipart_body(request: Request) -> None:
    """415 unless the request is ``multipart/form-data`` (an upload sent as JSON was answered 422 with three
    "Field required"); 422 for a form field the route does not take (``colour=red`` was accepted without a word,
    where a JSON body's unknown field is refused)."""
    from tunefork.service.errors import ApiError

    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "multipart/form-data":
        raise ApiError(
            415, "UnsupportedMediaType",
            f"Content-Type '{media or 'none'}' is not multipart/form-data: send the fields as a multipart form "
            "(curl -F).",
        )  # fmt: skip
    dependant = getattr(request.scope.get("route"), "dependant", None)
    known = sorted(param.alias for param in dependant.body_params) if dependant is not None else []
    unknown = sorted(set((await request.form()).keys()) - set(known))  # the form the route reads (cached)
    if known and unknown:
        details = [{"location": f"body.{name}", "message": "Unknown form field."} for name in unknown]
        raise ApiError(
            422, "InvalidPayload", f"Unknown form field(s) {', '.join(unknown)}: this route takes {', '.join(known)}.",
            details,
        )  # fmt: skip


def get_workspace(request: Request) -> Workspace:
    """The workspace the app serves."""
    return request.app.state.workspace


def warm_deployed_model(request: Request, workspace: Workspace, endpoint_id: str) -> None:
    """Load the model(s) an endpoint was just created or given on this server, in the background
    (:func:`~tunefork.workflows.warmup.warm_in_background`), unless ``TUNEFORK_WARM_MODELS=0``."""
    if request.app.state.settings.warm_models > 0:
        warm_in_background(workspace, endpoint_id)


def get_queue(request: Request) -> JobQueue:
    """The job queue the app submits to."""
    return request.app.state.queue


@dataclass(frozen=True)
class Paging:
    """``skip`` and ``top`` query parameters of list routes."""

    skip: int
    top: int


def _query_names(dependant: Any) -> set[str]:
    """The query parameters a route's dependant and its sub-dependencies declare."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def refuse_unknown_query(request: Request) -> None:
    """422 for a query parameter the route does not take, naming those it does: ignored, a misspelt filter
    widened what a request reached (``DELETE .../logs?olderThanDays=30`` deleted every log, ``GET
    /datasets?projct=x`` listed every project's datasets)."""
    from tunefork.service.errors import ApiError

    dependant = getattr(request.scope.get("route"), "dependant", None)
    if dependant is None:
        return
    known = sorted(_query_names(dependant))
    unknown = sorted(set(request.query_params) - set(known))
    if unknown:
        takes = f"it takes {', '.join(known)}" if known else "it takes none"
        details = [{"location": f"query.{name}", "message": "Unknown query parameter."} for name in unknown]
        message = f"Unknown query parameter(s) {', '.join(unknown)}: {takes}."
        raise ApiError(422, "InvalidPayload", message, details)


def paging(
    skip: int = Query(0, ge=0, le=1_000_000_000, description="Items to skip."),  # a dataset's items go past 1e6
    top: int = Query(100, ge=1, le=1000, description="Items to return."),
) -> Paging:
    """Paging from the query string."""
    return Paging(skip, top)


def safe_filename(name: str | None, fallback: str = "upload") -> str:
    """The last path component of a client-sent file name, without control or separator characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in base if unicodedata.category(c)[0] != "C" and c not in ':*?"<>|').strip(" .")
    return cleaned[:200] or fallback


def upload_writer(upload: UploadFile) -> Callable[[Path], None]:
    """``write(path)``: copy an upload (spooled to disk by the multipart parser) to ``path``, 1 MiB at a time."""

    def write(path: Path) -> None:
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out, 1024 * 1024)

    return write
