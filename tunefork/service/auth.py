"""The admin token of the management API, and the dependency that checks it.

``TUNEFORK_ADMIN_TOKEN`` sets the token. Without it, the first start generates one, stores only its
SHA-256 in the workspace (``admin-token.sha256``) and shows the token once; ``tunefork serve
--reset-admin-token`` makes a new one. Requests send ``Authorization: Bearer <token>``, and it is
checked before the request's body is read (:class:`AuthBeforeBody`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool
from starlette.routing import get_route_path
from starlette.types import ASGIApp, Receive, Scope, Send

from tunefork.service.errors import DATABASE_DOWN, ApiError, database_unavailable, error_body
from tunefork.store.artifacts import atomic_write_text
from tunefork.workspace import Workspace

bearer = HTTPBearer(auto_error=False, description="The admin token (TUNEFORK_ADMIN_TOKEN or generated on first start).")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_file(workspace: Workspace) -> Path:
    """Where the generated token's hash is kept."""
    return workspace.admin_token_file


def ensure_admin_token(workspace: Workspace, reset: bool = False) -> str | None:
    """Generate the admin token when none is configured (or ``reset``); return it once, else None."""
    if os.environ.get("TUNEFORK_ADMIN_TOKEN") and not reset:
        return None
    path = token_file(workspace)
    if path.exists() and not reset:
        return None
    token = secrets.token_urlsafe(32)
    atomic_write_text(path, _digest(token) + "\n")
    path.chmod(0o600)
    return token


def admin_token_digest(workspace: Workspace) -> str:
    """SHA-256 of the admin token in force (environment first, then the workspace file)."""
    configured = os.environ.get("TUNEFORK_ADMIN_TOKEN")
    if configured:
        return _digest(configured)
    path = token_file(workspace)
    if not path.exists():
        ensure_admin_token(workspace)
    return path.read_text(encoding="utf-8").strip()


class AdminDigest:
    """The admin token's digest in force for a server: the environment's, else the workspace file's, read again
    whenever that file changes (after `serve --reset-admin-token` in another process the running server kept the
    old token and refused the new one until it was restarted)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace, self._seen, self._digest = workspace, -1, admin_token_digest(workspace)

    def current(self) -> str:
        """The digest to compare a presented token with (one ``stat`` of the token file a call)."""
        if os.environ.get("TUNEFORK_ADMIN_TOKEN"):
            return self._digest
        try:
            changed = token_file(self.workspace).stat().st_mtime_ns
        except FileNotFoundError:
            return self._digest
        if changed != self._seen:
            self._seen, self._digest = changed, admin_token_digest(self.workspace)
        return self._digest


def admin_token_is_valid(request: Request, presented: str) -> bool:
    """True when ``presented`` is the admin token in force (compared by hash, in constant time)."""
    expected = request.app.state.admin_digest.current()
    return bool(presented) and hmac.compare_digest(_digest(presented), expected)


def _unauthorized() -> ApiError:
    return ApiError(
        401, "Unauthorized", "Send the admin token as 'Authorization: Bearer <token>'.",
        headers={"WWW-Authenticate": "Bearer"},
    )  # fmt: skip


def require_admin(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
    """FastAPI dependency: 401 unless the request carries the admin token."""
    if not admin_token_is_valid(request, credentials.credentials if credentials is not None else ""):
        raise _unauthorized()


# ---------------------------------------------------------------- checked before the body is read

HeaderCheck = Callable[[Request], Response | None]
"""Answers a request from its headers alone: the refusal to send, or None to let the request through."""
PUBLIC_PATHS = frozenset({"/", "/health", "/ready", "/openapi.json", "/docs", "/redoc", "/favicon.ico"})
"""Routes anyone may call (no body to protect)."""
PUBLIC_PREFIXES = ("/docs-static/",)
KEYED_PATH = re.compile(r"^/endpoints/([^/]+)/([^/]+)$")
"""``/endpoints/{id}/<segment>``: an endpoint operation's route when the segment is an operation name."""


def keyed_operation(path: str, operations: Collection[str]) -> re.Match[str] | None:
    """The match of an endpoint operation's route (groups: endpoint id, operation), or ``None``.

    Its route checks the endpoint's key itself, before it reads the body.
    """
    match = KEYED_PATH.match(path)
    return match if match is not None and match.group(2) in operations else None


def admin_refusal(request: Request) -> Response | None:
    """The 401 for a request without the admin token in its ``Authorization`` header, else None."""
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
    if scheme.lower() == "bearer" and admin_token_is_valid(request, token):
        return None
    error = _unauthorized()
    return JSONResponse(error_body(error.code, str(error.detail)), status_code=401, headers=error.headers)


def metrics_token_digest() -> str | None:
    """SHA-256 of ``TUNEFORK_METRICS_TOKEN``, the read-only token of ``GET /metrics`` (None when unset)."""
    token = os.environ.get("TUNEFORK_METRICS_TOKEN")
    return _digest(token) if token else None


def metrics_refusal(request: Request) -> Response | None:
    """The 401 for a request to ``/metrics`` carrying neither the admin token nor the metrics token."""
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
    expected = request.app.state.metrics_digest
    if scheme.lower() == "bearer" and token and expected and hmac.compare_digest(_digest(token), expected):
        return None
    if scheme.lower() == "bearer" and admin_token_is_valid(request, token):
        return None
    message = "Send the admin token or TUNEFORK_METRICS_TOKEN as 'Authorization: Bearer <token>'."
    return JSONResponse(error_body("Unauthorized", message), status_code=401, headers={"WWW-Authenticate": "Bearer"})


class AuthBeforeBody:
    """ASGI middleware: authenticate every request from its headers before anything reads its body.

    FastAPI parses form and file parameters before it runs a route's dependencies, so a route guarded
    only by ``Depends(require_admin)`` would spool a whole upload before answering 401. This middleware
    answers first, and fails closed: :data:`PUBLIC_PATHS` and the keyed routes of ``keyed_operations``
    (``POST /endpoints/{id}/recognize``...) go through, each area in ``areas`` (``(path prefix, check)``: the
    studio and its session) uses its own check (in a worker thread: the studio's reads the database, and a database
    that does not answer is a 503 with an incident id), and every other request needs the admin token. The routes'
    own dependencies still run afterwards.
    """

    def __init__(
        self, app: ASGIApp, areas: Sequence[tuple[str, HeaderCheck]] = (), keyed_operations: Sequence[str] = ()
    ) -> None:
        self.app, self.areas, self.keyed = app, list(areas), frozenset(keyed_operations)

    async def _refusal(self, scope: Scope) -> Response | None:
        path = get_route_path(scope)
        for prefix, check in self.areas:
            if path == prefix or path.startswith(prefix + "/"):
                try:
                    return await run_in_threadpool(check, Request(scope))  # it may read the database
                except DATABASE_DOWN as exc:  # answered as the routes answer it, not a bare 500
                    return database_unavailable(Request(scope), exc)
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES) or keyed_operation(path, self.keyed):
            return None
        return admin_refusal(Request(scope))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (refusal := await self._refusal(scope)) is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)
