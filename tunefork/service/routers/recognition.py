"""``POST /endpoints/{id}/<operation>``: one keyed route per endpoint operation of the registered kinds.

The routes are made from the registry (:func:`tunefork.kinds.registry.endpoint_operations`) by the
operation's input: ``audio`` operations (``recognize``) take an audio body, ``text`` operations
(``parse``) take JSON ``{"text": ...}``, ``image`` operations (``classify``) take an image body (``image/*``,
``application/octet-stream`` or a multipart ``file``; 415 otherwise, 422 for an image that cannot be used).
A kind with a new operation on one of these inputs gets its route without a change here. No admin token:
the endpoint's key1 or key2 in ``X-Tunefork-Key``.

The key is checked before the body is read (401, nothing logged). The body is a raw audio file
(``audio/*`` or ``application/octet-stream``) or ``multipart/form-data`` with a ``file`` part; it
streams to a scratch file under the size limit (413). Other media types get 415; audio that cannot be
decoded, is empty or too long gets 422. Decoding and inference run in worker threads off the event
loop, a bounded number at once, with the model loaded once per process; when every slot and queue
place is taken the answer is 503 with ``Retry-After``.

A text route takes ``{"text": ...}`` (``application/json``; other media types get 415); ``/parse``
returns the intent ranking, ``out_of_scope`` and the entities. The key is checked before the body is read
here too. A request to the operation another kind's endpoint answers gets 409, naming the right one.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import APIKeyHeader
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from tunefork.errors import ConflictError
from tunefork.kinds.registry import EndpointOperation
from tunefork.language.options import MAX_TEXT_CHARACTERS
from tunefork.service.errors import ApiError
from tunefork.service.schemas import ErrorResponse, ParseRequest, ParseResult, Recognition
from tunefork.store.staging import scratch_folder
from tunefork.workflows import requests
from tunefork.workflows.monitor_probe import PROBE_HEADER
from tunefork.workflows.requests import EndpointTarget, authorize
from tunefork.workspace import Workspace

endpoint_key = APIKeyHeader(name="X-Tunefork-Key", auto_error=False, description="key1 or key2 of the endpoint.")

ACCEPTED = "audio/wav (or another audio/* type), application/octet-stream, or multipart/form-data with a 'file' part"
RAW_TYPES = ("", "application/octet-stream", "video/webm", "video/mp4", "video/ogg")
BINARY = {"schema": {"type": "string", "format": "binary"}}
REQUEST_BODY = {
    "required": True,
    "content": {
        "audio/wav": BINARY,
        "application/octet-stream": BINARY,
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
    },
}
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text}
    for code, text in {
        401: "Missing or wrong endpoint key",
        404: "No such endpoint",
        413: "Audio larger than the limit",
        415: "Not an audio media type",
        422: "Audio that cannot be decoded, is empty or too long",
        503: "Busy: retry after the Retry-After seconds",
    }.items()
}


def _copy_upload(upload: UploadFile, path: Path) -> None:
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out, 1024 * 1024)


MEDIA: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "audio": ("audio", ACCEPTED, RAW_TYPES, "InvalidAudio"),
    "image": ("an image", "image/jpeg (or another image/*), application/octet-stream, or multipart/form-data with a "
              "'file' part", ("", "application/octet-stream"), "InvalidPayload"),
}  # fmt: skip
"""Per medium a file route reads: its noun, what to send (415 answers), the media types besides ``<medium>/*``
and the error code of an empty body."""


async def receive_file(request: Request, path: Path, medium: str = "audio") -> None:
    """Write the request's ``medium`` file to ``path`` without holding it in memory (415/422 on a wrong body)."""
    noun, accepted, raw_types, empty_code = MEDIA[medium]
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "multipart/form-data":
        async with request.form(max_files=1, max_fields=8) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                upload = next((v for v in form.values() if isinstance(v, UploadFile)), None)
            if upload is None:
                raise ApiError(422, "InvalidPayload", f"The multipart body has no {medium} file; send it as 'file'.")
            await run_in_threadpool(_copy_upload, upload, path)
    elif media.startswith(f"{medium}/") or media in raw_types:
        with path.open("wb") as out:
            async for chunk in request.stream():
                out.write(chunk)
    else:
        raise ApiError(415, "UnsupportedMediaType", f"Content-Type '{media}' is not {noun}; send {accepted}.")
    if path.stat().st_size == 0:
        raise ApiError(422, empty_code, f"The request carries no {medium} (empty body).")


async def _authorized(
    request: Request, workspace: Workspace, endpoint_id: str, key: str | None, operation: str
) -> EndpointTarget:
    """The endpoint's target for a valid key (401 otherwise), answering ``operation`` (409 otherwise).

    A monitor run's request (its probe token in ``X-Tunefork-Monitor``) is answered but not logged.
    """
    probe = request.headers.get(PROBE_HEADER)
    target = await run_in_threadpool(authorize, workspace, endpoint_id, key, probe)
    if target is None:
        raise ApiError(401, "Unauthorized", "Send key1 or key2 of this endpoint in the X-Tunefork-Key header.")
    try:
        target.require(operation)
    except ConflictError as exc:
        raise ApiError(409, "WrongEndpointKind", str(exc)) from None
    return target


TEXT_ERRORS: dict[int | str, dict[str, Any]] = {code: ERRORS[code] for code in (401, 404, 503)} | {
    409: {"model": ErrorResponse, "description": "The endpoint answers another operation"},
    415: {"model": ErrorResponse, "description": "Not application/json"},
    422: {"model": ErrorResponse, "description": f"Not JSON with a 'text' of 1 to {MAX_TEXT_CHARACTERS} characters"},
}
AUDIO_ERRORS = ERRORS | {409: TEXT_ERRORS[409]}
IMAGE_ERRORS = (
    ERRORS
    | {409: TEXT_ERRORS[409]}
    | {
        code: {"model": ErrorResponse, "description": text}
        for code, text in {
            413: "Image larger than the limit",
            415: "Not an image media type",
            422: "An image that is empty, corrupt, unsupported, under 32 pixels on a side or too large",
        }.items()
    }
)
IMAGE_BODY = {
    "required": True,
    "content": {"image/jpeg": BINARY, "image/png": BINARY}
    | {key: value for key, value in REQUEST_BODY["content"].items() if key != "audio/wav"},
}
RESULTS: dict[str, type] = {"recognize": Recognition, "parse": ParseResult}
"""The documented answer of each built-in operation (others are documented as a JSON object)."""


TEXT_BODY = {"required": True, "content": {"application/json": {"schema": ParseRequest.model_json_schema()}}}


async def receive_text(request: Request) -> str:
    """The ``text`` of a JSON ``{"text": ...}`` body (415/422 on a wrong body)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        shown = f"Content-Type '{media}'" if media else "A body without a Content-Type"
        raise ApiError(415, "UnsupportedMediaType", f'{shown} is not JSON; send application/json {{"text": "..."}}.')
    try:
        body = (await request.body()).decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = f'The body is not UTF-8 (byte {exc.start}); send UTF-8 JSON {{"text": "..."}}.'
        raise ApiError(422, "InvalidPayload", problem) from None
    try:
        return ParseRequest.model_validate_json(body).text
    except ValidationError as exc:
        details = [{"location": ".".join(["body", *map(str, e["loc"])]), "message": e["msg"]} for e in exc.errors()]
        problems = "; ".join(f"{d['location']}: {d['message']}" for d in details)
        raise ApiError(422, "InvalidPayload", f'Send JSON {{"text": "..."}} ({problems}).', details) from None


def _add_route(
    router: APIRouter, operation: EndpointOperation, answer: Callable[..., Any], errors: dict, body: dict[str, Any]
) -> None:
    router.add_api_route(
        f"/endpoints/{{endpoint_id}}/{operation.name}",
        answer,
        methods=["POST"],
        name=operation.name,
        summary=operation.name.capitalize(),
        description=operation.description,
        response_model=RESULTS.get(operation.name, dict[str, Any]),
        responses=errors,
        openapi_extra={"requestBody": body},
    )


def add_audio_route(router: APIRouter, operation: EndpointOperation) -> None:
    """``POST /endpoints/{id}/<operation>`` taking an audio body."""

    async def answer(endpoint_id: str, request: Request, key: str | None = Depends(endpoint_key)) -> dict:
        workspace: Workspace = request.app.state.workspace
        target = await _authorized(request, workspace, endpoint_id, key, operation.name)
        admission = request.app.state.admission
        admission.enter(endpoint_id)
        try:
            with scratch_folder(workspace.staging_dir, "recognition.") as folder:
                await receive_file(request, folder / "audio")
                limit = request.app.state.settings.max_recognition_seconds
                audio = folder / "audio"
                result = await admission.run(
                    request, endpoint_id, requests.answer_audio, workspace, target, operation.name, audio, limit
                )
        finally:
            admission.leave(endpoint_id)
        request.app.state.metrics.observe_audio(endpoint_id, float(result.get("duration") or 0.0))
        return result

    _add_route(router, operation, answer, AUDIO_ERRORS, REQUEST_BODY)


def add_text_route(router: APIRouter, operation: EndpointOperation) -> None:
    """``POST /endpoints/{id}/<operation>`` taking JSON ``{"text": ...}``."""

    async def answer(endpoint_id: str, request: Request, key: str | None = Depends(endpoint_key)) -> dict:
        workspace: Workspace = request.app.state.workspace
        target = await _authorized(request, workspace, endpoint_id, key, operation.name)
        text = await receive_text(request)
        admission = request.app.state.admission
        admission.enter(endpoint_id)
        try:
            answer = requests.answer_text
            return await admission.run(request, endpoint_id, answer, workspace, target, operation.name, text)
        finally:
            admission.leave(endpoint_id)

    _add_route(router, operation, answer, TEXT_ERRORS, TEXT_BODY)


def add_image_route(router: APIRouter, operation: EndpointOperation) -> None:
    """``POST /endpoints/{id}/<operation>`` taking an image body."""

    async def answer(endpoint_id: str, request: Request, key: str | None = Depends(endpoint_key)) -> dict:
        workspace: Workspace = request.app.state.workspace
        target = await _authorized(request, workspace, endpoint_id, key, operation.name)
        admission = request.app.state.admission
        admission.enter(endpoint_id)
        try:
            with scratch_folder(workspace.staging_dir, "classification.") as folder:
                await receive_file(request, folder / "image", "image")
                return await admission.run(
                    request, endpoint_id, requests.answer_image, workspace, target, operation.name, folder / "image"
                )
        finally:
            admission.leave(endpoint_id)

    _add_route(router, operation, answer, IMAGE_ERRORS, IMAGE_BODY)


ROUTES_BY_INPUT: dict[str, Callable[[APIRouter, EndpointOperation], None]] = {
    "audio": add_audio_route,
    "text": add_text_route,
    "image": add_image_route,
}
"""How a route reads each kind of operation input."""


def operation_router(operations: list[EndpointOperation]) -> APIRouter:
    """One keyed route per endpoint operation (those of the kinds registered now, and ``understand``)."""
    router = APIRouter(tags=["recognition"])
    for operation in operations:
        add_route = ROUTES_BY_INPUT.get(operation.input)
        if add_route is None:
            raise RuntimeError(f"Operation '{operation.name}' takes {operation.input!r}, which no REST route reads.")
        add_route(router, operation)
    return router
