"""Secrets cut out of URLs before they are shown: in messages, logs, ``tunefork doctor`` and job errors.

A URL can carry a secret in two places: its userinfo (``user:PASSWORD@host``) and its query string
(``?password=...``, ``?token=...``, ``?X-Amz-Signature=...``). Both become ``***``; the user name, host, port,
path and every other parameter stay, so a message still says which server it is about.
"""

from __future__ import annotations

import re

MASK = "***"

SECRET_PARAMETER = re.compile(r"pass|pwd|secret|token|key|auth|credential|signature", re.IGNORECASE)
"""A query parameter whose name contains one of these (any case) holds a secret: ``password``, ``passwd``,
``pwd``, ``client_secret``, ``access_token``, ``api_key``, ``sslkey``, ``X-Amz-Credential``..."""

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?://)?")
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")


def redacted_url(url: str) -> str:
    """``url`` with the password of its userinfo and the values of its secret query parameters
    (:data:`SECRET_PARAMETER`) replaced by ``***``; anything else is left as written (also a malformed URL)."""
    scheme = _SCHEME.match(url)
    start = scheme.end() if scheme else 0
    head, question, query = url[start:].partition("?")
    if "@" in head:
        userinfo, host = head.rsplit("@", 1)
        user, colon, _password = userinfo.partition(":")
        head = f"{user}:{MASK}@{host}" if colon else head
    if question:
        query, hash_, fragment = query.partition("#")
        query = "&".join(_redacted_parameter(pair) for pair in query.split("&")) + hash_ + fragment
    return url[:start] + head + question + query


def _redacted_parameter(pair: str) -> str:
    name, equals, value = pair.partition("=")
    return f"{name}={MASK}" if equals and value and SECRET_PARAMETER.search(name) else pair


def redacted_text(text: str) -> str:
    """``text`` (an exception's message, a log line) with every URL in it passed through :func:`redacted_url`."""
    return _URL_IN_TEXT.sub(lambda found: redacted_url(found.group(0)), text)
