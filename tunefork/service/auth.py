"""The admin token of the management API, and the dependency that checks it.

``TUNEFORK_ADMIN_TOKEN`` sets the token. Without it, the first start generates one, stores only its
SHA-256 in the workspace (``admin-token.sha256``) and shows the token once; ``tunefork serve
--reset-admin-token`` makes a new one. Requests send ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tunefork.service.errors import ApiError
from tunefork.store.artifacts import atomic_write_text
from tunefork.workspace import Workspace

TOKEN_FILE = "admin-token.sha256"
bearer = HTTPBearer(auto_error=False, description="The admin token (TUNEFORK_ADMIN_TOKEN or generated on first start).")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_file(workspace: Workspace) -> Path:
    """Where the generated token's hash is kept."""
    return workspace.home / TOKEN_FILE


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


def require_admin(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
    """FastAPI dependency: 401 unless the request carries the admin token."""
    presented = credentials.credentials if credentials is not None else ""
    expected = request.app.state.admin_digest
    if not presented or not hmac.compare_digest(_digest(presented), expected):
        raise ApiError(
            401, "Unauthorized", "Send the admin token as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )  # fmt: skip
