"""Signing in to the studio: the admin token kept in an HttpOnly, SameSite=Strict cookie.

The studio asks for the same admin token as the REST API and checks it with the API's own
dependency (:func:`tunefork.service.auth.require_admin`), so a token the API refuses cannot open the
studio either. Every form that changes something also carries a CSRF token derived from the admin
token (an HMAC), checked on each POST, on top of the SameSite=Strict cookie.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from starlette.exceptions import HTTPException as StarletteHTTPException

from tunefork.service.auth import require_admin
from tunefork.service.errors import ApiError

COOKIE = "tunefork_admin"
PREFIX = "/studio"
COOKIE_MAX_AGE = 12 * 3600
"""Seconds a sign-in lasts (the cookie then expires and the studio asks for the token again)."""


class SignInRequired(Exception):
    """Raised by :func:`require_session` when the browser holds no valid admin token."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in with the admin token")
        self.next_path = next_path


def token_is_valid(request: Request, token: str) -> bool:
    """True when ``token`` is the admin token, checked exactly as the REST API checks bearer tokens."""
    if not token:
        return False
    try:
        require_admin(request, HTTPAuthorizationCredentials(scheme="Bearer", credentials=token))
    except StarletteHTTPException:
        return False
    return True


def csrf_token(token: str) -> str:
    """The CSRF token of a signed-in browser: an HMAC of a fixed label under the admin token."""
    return hmac.new(token.encode("utf-8"), b"tunefork-studio-csrf", hashlib.sha256).hexdigest()[:40]


def require_session(request: Request) -> str:
    """Route dependency: the admin token from the cookie, or :class:`SignInRequired`."""
    token = request.cookies.get(COOKIE, "")
    if not token_is_valid(request, token):
        raise SignInRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    request.state.csrf = csrf_token(token)
    return token


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


def set_session(request: Request, response: Response, token: str) -> None:
    """Keep the admin token in the browser: HttpOnly, SameSite=Strict, Secure over HTTPS."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_session(response: Response) -> None:
    """Forget the admin token in the browser."""
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
