"""Exceptions that carry a message fit to show a user as is."""

from __future__ import annotations

import logging
import secrets


class TuneforkError(Exception):
    """Base class: the message explains what went wrong and what to do."""


class NotFoundError(TuneforkError):
    """A project, dataset or model reference matched nothing."""


class AmbiguousReferenceError(TuneforkError):
    """A name matched several objects; the caller should narrow it (e.g. with --project)."""


class ConflictError(TuneforkError):
    """The request clashes with existing state (duplicate name, object in use)."""


class SettingError(TuneforkError, ValueError):
    """An environment variable holds a value tunefork cannot use; the message names the variable and the value.

    Also a ``ValueError``, as the bare ``int()``/``float()`` it replaces raised."""


class UnavailableError(TuneforkError):
    """A service tunefork depends on (the shared object store, the model hub a base model downloads from) cannot be
    reached now, so the server cannot do what was asked (503); retrying may work.

    ``names_store_internals`` is true for the object store's errors, whose text names the store's address and keys
    (shown only in the log); other unavailable services (a Whisper model that cannot be downloaded) say so plainly."""

    names_store_internals: bool = False


class UploadRejectedError(TuneforkError):
    """A whole upload was refused (unsafe archive, unknown format, nothing usable).

    ``rejections`` lists per-item reasons when the upload failed because no item was usable.
    """

    def __init__(self, message: str, rejections: list | None = None) -> None:
        super().__init__(message)
        self.rejections = rejections or []


class AudioDecodeError(TuneforkError):
    """A file could not be decoded as audio."""


class AudioTooLongError(AudioDecodeError):
    """Audio longer than the limit of its use; ``seconds`` is its length when known (None when only a bound is)."""

    def __init__(self, message: str, seconds: float | None, limit: float) -> None:
        super().__init__(message)
        self.seconds, self.limit = seconds, limit


def failure_reason(exc: Exception, logger: logging.Logger, doing: str) -> str:
    """The reason a resource or job that failed on ``exc`` records: a :class:`TuneforkError`'s message (written to
    be shown), else the exception's type and an incident id, its text and traceback going to ``logger`` only
    (they may hold SQL, paths or secrets; a REST client saw ``AttributeError: 'LanguageTrainingData' object has
    no attribute ...`` on a failed model, and the server's log had no trace of it). An object store failure (an
    :class:`UnavailableError` whose ``names_store_internals`` is set) is said as such with an incident id: its text
    names the store's address and keys, which go to the log only. Another :class:`UnavailableError` (a Whisper
    model that cannot be downloaded) keeps its own message."""
    incident = secrets.token_hex(4)
    if isinstance(exc, UnavailableError) and exc.names_store_internals:
        logger.error("shared object store error %s while %s: %s", incident, doing, exc)
        return f"the shared object store failed ({type(exc).__name__}, incident {incident}); the log has the details"
    if isinstance(exc, TuneforkError):
        return str(exc)
    logger.error("unexpected error %s while %s", incident, doing, exc_info=exc)
    return f"an unexpected error ({type(exc).__name__}, incident {incident}); the log has the details"
