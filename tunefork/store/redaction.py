"""Secrets cut out of URLs before they are shown: in messages, logs, ``tunefork doctor`` and job errors.

A URL can carry a secret in two places: its userinfo (``user:PASSWORD@host``) and its query string
(``?password=...``, ``?token=...``, ``?X-Amz-Signature=...``). Both become ``***``; the user name, host, port,
path and every other parameter stay, so a message still says which server it is about.
"""

from __future__ import annotations

import re

MASK = "***"

SECRET_PARAMETER = re.compile(r"pass|pwd|secret|token|key|auth|credential|signature|^sig$", re.IGNORECASE)
"""A query parameter whose name contains one of these (any case) holds a secret: ``password``, ``passwd``,
``pwd``, ``client_secret``, ``access_token``, ``api_key``, ``sslkey``, ``X-Amz-Credential``, Azure's ``sig``..."""

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?://)?")
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://(?:[^\s:/@'\"<>]*:[^@\n]*@)?[^\s'\"<>]+")
"""A URL in a message; a ``user:password@`` right after the scheme may hold spaces and quotes (SQLAlchemy accepts
them)."""
_NOT_IN_USER = re.compile(r"[/?#@]")
_AFTER_HOST = re.compile(r"[/?#]")


def redacted_url(url: str) -> str:
    """``url`` with the password of its userinfo and the values of its secret query parameters
    (:data:`SECRET_PARAMETER`) replaced by ``***``; anything else is left as written (also a malformed URL).

    The userinfo is found before the query: a password may hold ``?``, ``#``, ``/`` and ``@`` (``u:pa?ss@db``)."""
    scheme = _SCHEME.match(url)
    start = scheme.end() if scheme else 0
    rest = url[start:]
    userinfo_end = _userinfo_end(rest)
    head = ""
    if userinfo_end is not None:
        user = rest[:userinfo_end].partition(":")[0]
        head, rest = f"{user}:{MASK}@", rest[userinfo_end + 1 :]
    host, question, query = rest.partition("?")
    if question:
        query, hash_, fragment = query.partition("#")
        query = "&".join(_redacted_parameter(pair) for pair in query.split("&")) + hash_ + fragment
    return url[:start] + head + host + question + query


def _userinfo_end(rest: str) -> int | None:
    """Where the ``user:password`` that starts ``rest`` (a URL after its scheme) ends: its last ``@`` whose user
    holds none of ``/?#@`` and whose password, past an ``@`` of its own, holds no ``/?#`` (that would be a host,
    path or query: ``u:pw@db/x?mail=a@b``); None when there is no password."""
    at = len(rest)
    while (at := rest.rfind("@", 0, at)) >= 0:
        user, colon, password = rest[:at].partition(":")
        _, inner_at, past_inner_at = password.partition("@")
        if colon and not _NOT_IN_USER.search(user) and not (inner_at and _AFTER_HOST.search(past_inner_at)):
            return at
    return None


def _redacted_parameter(pair: str) -> str:
    name, equals, value = pair.partition("=")
    return f"{name}={MASK}" if equals and value and SECRET_PARAMETER.search(name) else pair


def redacted_text(text: str) -> str:
    """``text`` (an exception's message, a log line) with every URL in it passed through :func:`redacted_url`."""
    return _URL_IN_TEXT.sub(lambda found: redacted_url(found.group(0)), text)
