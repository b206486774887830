"""Errors as JSON in one shape, ``{"code", "message", "details"?}``, from library exceptions and HTTP errors.

Messages never carry a server path (the workspace's paths are cut to file names) nor, for unexpected
errors, the exception's text (it may hold SQL or paths): those get an incident id that the log explains.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from tunefork.errors import (
    AmbiguousReferenceError,
    AudioDecodeError,
    ConflictError,
    NotFoundError,
    SettingError,
    TuneforkError,
    UnavailableError,
    UploadRejectedError,
)
from tunefork.store.db import first_line
from tunefork.store.objects import ObjectStoreError

log = logging.getLogger(__name__)

_CODES = {
    400: "BadRequest",
    401: "Unauthorized",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "InvalidPayload",
    503: "ServiceUnavailable",
}


class ApiError(StarletteHTTPException):
    """An HTTP error with a machine-readable code, a readable message and optional details."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status_code, detail=message, headers=headers)
        self.code, self.details = code, details


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The JSON body of every error response."""
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return body


DATABASE_DOWN = (OperationalError, InterfaceError)
"""What the database driver raises when the database does not answer (connection-level: nothing was written)."""


def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The 503 of a request the database did not answer: an incident id that the server's log explains (the
    driver's text names the server), and ``Retry-After``."""
    incident = secrets.token_hex(4)
    log.error("database error %s on %s %s: %s", incident, request.method, request.url.path, first_line(exc))
    message = f"The database does not answer (incident {incident}); try again later, or see the server's log."
    return JSONResponse(error_body("ServiceUnavailable", message), status_code=503, headers={"Retry-After": "5"})


def _status_of(exc: TuneforkError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, AmbiguousReferenceError):
        return 400
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, UnavailableError):
        return 503
    return 422


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into error JSON."""

    def public(request: Request, text: str) -> str:
        return request.app.state.workspace.public_message(text)

    def incident(request: Request, exc: Exception) -> JSONResponse:
        """A 500 answer with an incident id that the server's log explains (never the exception's text)."""
        incident = secrets.token_hex(4)
        log.error("unhandled error %s on %s %s", incident, request.method, request.url.path, exc_info=exc)
        message = f"An unexpected error occurred (incident {incident}); the server's log has the details."
        return JSONResponse(error_body("InternalError", message), status_code=500)

    @app.exception_handler(TuneforkError)
    async def _tunefork_error(request: Request, exc: TuneforkError) -> JSONResponse:
        if isinstance(exc, SettingError):  # the server's configuration, not the request, is wrong
            return incident(request, exc)
        if isinstance(exc, ObjectStoreError):  # its text names the store's host, bucket and keys: logged only
            number = secrets.token_hex(4)
            log.error("object store error %s on %s %s: %s", number, request.method, request.url.path, exc)
            message = (
                f"Files could not be read from or written to the shared object store (incident {number}); "
                "see the server's log."
            )
            body = error_body("ServiceUnavailable", message)
            return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
        status = _status_of(exc)
        details = None
        if isinstance(exc, UploadRejectedError) and exc.rejections:
            details = [r if isinstance(r, dict) else r.__dict__ for r in exc.rejections]
            details = [{**d, "reason": public(request, str(d.get("reason", "")))} for d in details]
        code = "InvalidAudio" if isinstance(exc, AudioDecodeError) else _CODES.get(status, "Error")
        return JSONResponse(error_body(code, public(request, str(exc)), details), status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = getattr(exc, "code", None) or _CODES.get(exc.status_code, "Error")
        body = error_body(code, public(request, str(exc.detail)), getattr(exc, "details", None))
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"location": ".".join(str(part) for part in error.get("loc", ())), "message": error.get("msg", "")}
            for error in exc.errors()
        ]
        message = "; ".join(f"{d['location']}: {d['message']}" for d in details[:5]) or "invalid request"
        return JSONResponse(error_body("InvalidPayload", message, details), status_code=422)

    @app.exception_handler(ClientDisconnect)
    async def _client_left(request: Request, exc: ClientDisconnect) -> JSONResponse:
        # an upload cut short by its client: one line, not two tracebacks of 132 lines (a security review)
        log.info("client left during %s %s", request.method, request.url.path)
        return JSONResponse(error_body("ClientClosedRequest", "The client left before its request was read."), 499)

    for database_down in DATABASE_DOWN:
        app.add_exception_handler(database_down, database_unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return incident(request, exc)
