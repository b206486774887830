"""Signing in to the studio: a signed session id in an HttpOnly, SameSite=Strict cookie.

The studio asks for the same admin token as the REST API and checks it with the API's own check
(:func:`tunefork.service.auth.admin_token_is_valid`). The admin token itself never goes into the
browser: the cookie holds ``<session id>.<expiry>.<signature>``, the signature an HMAC over the id, the
expiry and the admin token's hash under the session's own key, a row of the metadata database made at
sign-in (:func:`~tunefork.workflows.shared_secrets.new_secret`). So every server process sharing the
database accepts the same sessions, on any machine and with any workspace folder; a new admin token ends
every session, and signing out deletes the session's key, which ends that session on every server (a copy
of the cookie is refused too). Every form that changes something also carries a CSRF token derived from
the session id (an HMAC under the session's key), checked on each POST, on top of the SameSite=Strict cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from fastapi import Request, Response

from tunefork.service.auth import admin_token_is_valid
from tunefork.service.errors import ApiError
from tunefork.workflows.shared_secrets import delete_secret, delete_secrets_made_before, find_secret, new_secret

COOKIE = "tunefork_session"
PREFIX = "/studio"
COOKIE_MAX_AGE = 12 * 3600
"""Seconds a sign-in lasts (the cookie then expires and the studio asks for the token again)."""
KEY_PREFIX = "studio-session/"
"""Name of a session's key in the database: this prefix, then the session id."""
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{24}")
"""What :func:`set_session` makes (``secrets.token_urlsafe(18)``), matched whole; any other id is refused unread."""
EARLIER_KEY = "studio-session"
"""The one signing key of every session in earlier versions: deleted at sign-in (nothing reads it)."""


class SignInRequired(Exception):
    """Raised by :func:`require_session` when the browser holds no valid session."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in with the admin token")
        self.next_path = next_path


def _signature(request: Request, key: bytes, session_id: str, expires: int) -> str:
    message = f"{session_id}.{expires}.{request.app.state.admin_digest.current()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _session(request: Request) -> tuple[str, bytes] | None:
    """The session id and key of a valid, unexpired cookie whose session was not signed out, else None."""
    parts = request.cookies.get(COOKIE, "").split(".")
    if len(parts) != 3 or not SESSION_ID.fullmatch(parts[0]) or not parts[1].isdigit() or int(parts[1]) < time.time():
        return None
    session_id, expires, signature = parts[0], int(parts[1]), parts[2]
    key = find_secret(request.app.state.workspace, KEY_PREFIX + session_id)
    if key is None or not hmac.compare_digest(signature, _signature(request, key, session_id, expires)):
        return None
    return session_id, key


def csrf_token(key: bytes, session_id: str) -> str:
    """The CSRF token of a signed-in browser: an HMAC of its session id under the session's key."""
    return hmac.new(key, f"csrf.{session_id}".encode(), hashlib.sha256).hexdigest()[:40]


def require_session(request: Request) -> str:
    """Route dependency: the session id from a valid cookie, or :class:`SignInRequired`.

    The answer is kept with the request, so the check before the body and the route's own read the
    database once.
    """
    session_id = getattr(request.state, "session_id", None)
    if session_id is not None:
        return session_id
    found = _session(request)
    if found is None:
        raise SignInRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    session_id, key = found
    request.state.session_id, request.state.csrf = session_id, csrf_token(key, session_id)
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
    """Start a session: its key in the database (expired ones go, and the earlier versions' one key), and in the
    browser a new signed id, HttpOnly, SameSite=Strict, Secure over HTTPS."""
    workspace = request.app.state.workspace
    delete_secrets_made_before(workspace, KEY_PREFIX, datetime.now(UTC) - timedelta(seconds=COOKIE_MAX_AGE))
    delete_secret(workspace, EARLIER_KEY)
    session_id = secrets.token_urlsafe(18)
    key = new_secret(workspace, KEY_PREFIX + session_id)
    expires = int(time.time()) + COOKIE_MAX_AGE
    response.set_cookie(
        COOKIE,
        f"{session_id}.{expires}.{_signature(request, key, session_id, expires)}",
        max_age=COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def end_session(request: Request, response: Response) -> None:
    """Sign out: delete the session's key (every server then refuses its cookie, copies included) and
    forget the cookie in the browser."""
    found = _session(request)
    if found is not None:
        delete_secret(request.app.state.workspace, KEY_PREFIX + found[0])
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
