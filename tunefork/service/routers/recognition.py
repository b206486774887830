"""``POST /endpoints/{id}/recognize`` and ``/parse``: speech and language recognition behind an endpoint key.

No admin token: the endpoint's key1 or key2 in ``X-Tunefork-Key``.

The key is checked before the body is read (401, nothing logged). The body is a raw audio file
(``audio/*`` or ``application/octet-stream``) or ``multipart/form-data`` with a ``file`` part; it
streams to a scratch file under the size limit (413). Other media types get 415; audio that cannot be
decoded, is empty or too long gets 422. Decoding and inference run in worker threads off the event
loop, a bounded number at once, with the model loaded once per process; when every slot and queue
place is taken the answer is 503 with ``Retry-After``.

``/parse`` takes ``{"text": ...}`` (``application/json``; other media types get 415) for a language
endpoint and returns the intent ranking, ``out_of_scope`` and the entities; the key is checked before
the body is read here too.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import APIKeyHeader
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from tunefork.errors import ConflictError
from tunefork.language.options import MAX_TEXT_CHARACTERS
from tunefork.service.errors import ApiError
from tunefork.service.schemas import ErrorResponse, ParseRequest, ParseResult, Recognition
from tunefork.store.staging import scratch_folder
from tunefork.workflows import requests
from tunefork.workflows.requests import EndpointTarget, authorize
from tunefork.workspace import Workspace

router = APIRouter(tags=["recognition"])
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


async def receive_audio(request: Request, path: Path) -> None:
    """Write the request's audio to ``path`` without holding it in memory (415/422 on a wrong body)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "multipart/form-data":
        async with request.form(max_files=1, max_fields=8) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                upload = next((v for v in form.values() if isinstance(v, UploadFile)), None)
            if upload is None:
                raise ApiError(422, "InvalidPayload", "The multipart body has no audio file; send it as 'file'.")
            await run_in_threadpool(_copy_upload, upload, path)
    elif media.startswith("audio/") or media in RAW_TYPES:
        with path.open("wb") as out:
            async for chunk in request.stream():
                out.write(chunk)
    else:
        raise ApiError(415, "UnsupportedMediaType", f"Content-Type '{media}' is not audio; send {ACCEPTED}.")
    if path.stat().st_size == 0:
        raise ApiError(422, "InvalidAudio", "The request carries no audio (empty body).")


@router.post(
    "/endpoints/{endpoint_id}/recognize",
    response_model=Recognition,
    responses=ERRORS,
    openapi_extra={"requestBody": REQUEST_BODY},
)
async def recognize_speech(endpoint_id: str, request: Request, key: str | None = Depends(endpoint_key)) -> dict:
    """Recognize one utterance: display and lexical text, words with start/end and confidence, the model."""
    workspace: Workspace = request.app.state.workspace
    target = await _authorized(workspace, endpoint_id, key, "recognize")
    admission = request.app.state.admission
    admission.enter()
    try:
        with scratch_folder(workspace.staging_dir, "recognition.") as folder:
            await receive_audio(request, folder / "audio")
            limit = request.app.state.settings.max_recognition_seconds
            result = await admission.run(requests.recognize_file, workspace, target, folder / "audio", limit)
    finally:
        admission.leave()
    request.app.state.metrics.observe_audio(endpoint_id, float(result.get("duration") or 0.0))
    return result


async def _authorized(workspace: Workspace, endpoint_id: str, key: str | None, operation: str) -> EndpointTarget:
    """The endpoint's target for a valid key (401 otherwise), answering ``operation`` (409 otherwise)."""
    target = await run_in_threadpool(authorize, workspace, endpoint_id, key)
    if target is None:
        raise ApiError(401, "Unauthorized", "Send key1 or key2 of this endpoint in the X-Tunefork-Key header.")
    try:
        target.require(operation)
    except ConflictError as exc:
        raise ApiError(409, "WrongEndpointKind", str(exc)) from None
    return target


PARSE_ERRORS: dict[int | str, dict[str, Any]] = {code: ERRORS[code] for code in (401, 404, 503)} | {
    409: {"model": ErrorResponse, "description": "The endpoint serves a speech model"},
    415: {"model": ErrorResponse, "description": "Not application/json"},
    422: {"model": ErrorResponse, "description": f"Not JSON with a 'text' of 1 to {MAX_TEXT_CHARACTERS} characters"},
}


@router.post(
    "/endpoints/{endpoint_id}/parse",
    response_model=ParseResult,
    responses=PARSE_ERRORS,
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": ParseRequest.model_json_schema()}}}
    },
)
async def parse_text(endpoint_id: str, request: Request, key: str | None = Depends(endpoint_key)) -> dict:
    """Understand one utterance: intents ranked by confidence, out of scope or not, entities with values."""
    workspace: Workspace = request.app.state.workspace
    target = await _authorized(workspace, endpoint_id, key, "parse")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        shown = f"Content-Type '{media}'" if media else "A body without a Content-Type"
        raise ApiError(415, "UnsupportedMediaType", f'{shown} is not JSON; send application/json {{"text": "..."}}.')
    try:
        body = ParseRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
        raise ApiError(422, "InvalidPayload", f'Send JSON {{"text": "..."}} ({problems}).') from None
    admission = request.app.state.admission
    admission.enter()
    try:
        return await admission.run(requests.parse_text, workspace, target, body.text)
    finally:
        admission.leave()
