"""Signing in to the studio: a signed session id in an HttpOnly, SameSite=Strict cookie.

The studio asks for the same admin token as the REST API and checks it with the API's own check
(:func:`tunefork.service.auth.admin_token_is_valid`). The admin token itself never goes into the
browser: the cookie holds ``<session id>.<expiry>.<signature>``, the signature an HMAC under a key kept
in the metadata database (:func:`~tunefork.workflows.shared_secrets.shared_secret`, created once) over the
id, the expiry and the admin token's hash. So every server process sharing the database accepts the same
sessions, on any machine and with any workspace folder, and a new admin token ends every session. Every
form that changes something also carries a CSRF token derived from the session id (an HMAC under the same
key), checked on each POST, on top of the SameSite=Strict cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from urllib.parse import quote

from fastapi import Request, Response

from tunefork.service.auth import admin_token_is_valid
from tunefork.service.errors import ApiError
from tunefork.workflows.shared_secrets import shared_secret
from tunefork.workspace import Workspace

COOKIE = "tunefork_session"
PREFIX = "/studio"
COOKIE_MAX_AGE = 12 * 3600
"""Seconds a sign-in lasts (the cookie then expires and the studio asks for the token again)."""
SECRET_NAME = "studio-session"


def session_secret(workspace: Workspace) -> bytes:
    """The installation's key for signing studio sessions and CSRF tokens (shared through the database)."""
    return shared_secret(workspace, SECRET_NAME)


class SignInRequired(Exception):
    """Raised by :func:`require_session` when the browser holds no valid session."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in with the admin token")
        self.next_path = next_path


def _signature(request: Request, session_id: str, expires: int) -> str:
    state = request.app.state
    message = f"{session_id}.{expires}.{state.admin_digest.current()}".encode()
    return hmac.new(state.session_secret, message, hashlib.sha256).hexdigest()


def _session_id(request: Request) -> str | None:
    """The session id of a valid, unexpired cookie, else None."""
    parts = request.cookies.get(COOKIE, "").split(".")
    if len(parts) != 3 or not parts[1].isdigit() or int(parts[1]) < time.time():
        return None
    session_id, expires, signature = parts[0], int(parts[1]), parts[2]
    return session_id if hmac.compare_digest(signature, _signature(request, session_id, expires)) else None


def csrf_token(request: Request, session_id: str) -> str:
    """The CSRF token of a signed-in browser: an HMAC of its session id."""
    key = request.app.state.session_secret
    return hmac.new(key, f"csrf.{session_id}".encode(), hashlib.sha256).hexdigest()[:40]


def require_session(request: Request) -> str:
    """Route dependency: the session id from a valid cookie, or :class:`SignInRequired`."""
    session_id = _session_id(request)
    if session_id is None:
        raise SignInRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    request.state.csrf = csrf_token(request, session_id)
    return session_id


def token_is_valid(request: Request, token: str) -> bool:
    """True when ``token`` is the admin token, checked exactly as the REST API checks bearer tokens."""
    return admin_token_is_valid(request, token)


async def require_csrf(request: Request) -> None:
    """Route dependency of POST routes: the form's ``csrf`` field must match the signed-in browser's.

    Runs after :func:`require_session` (declare it second). The multipart or urlencoded form is parsed
    once and cached by Starlette, so the route's own ``Form`` parameters read the same parse.
    """
    expected = getattr(request.state, "csrf", "")
    form = await request.form()
    presented = form.get("csrf")
    if not expected or not isinstance(presented, str) or not hmac.compare_digest(presented, expected):
        raise ApiError(
            403, "Forbidden", "This form is out of date or came from another site; reload the page and try again."
        )


def safe_next(path: str | None) -> str:
    """A redirect target inside the studio (never another site): ``path`` when it is one, else the home."""
    if path and path.startswith(PREFIX + "/") and not path.startswith("//") and "\\" not in path:
        return path
    return PREFIX + "/"


def sign_in_url(next_path: str) -> str:
    """The sign-in page that comes back to ``next_path`` afterwards."""
    return f"{PREFIX}/signin?next={quote(safe_next(next_path), safe='/')}"


def set_session(request: Request, response: Response) -> None:
    """Start a session in the browser: a new signed id, HttpOnly, SameSite=Strict, Secure over HTTPS."""
    session_id = secrets.token_urlsafe(18)
    expires = int(time.time()) + COOKIE_MAX_AGE
    response.set_cookie(
        COOKIE,
        f"{session_id}.{expires}.{_signature(request, session_id, expires)}",
        max_age=COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_session(response: Response) -> None:
    """Forget the session in the browser."""
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
