"""Answering requests to an endpoint: check the key, run the endpoint's model, keep the request when it logs.

No admin token: the endpoint's key1 or key2. Each endpoint answers its project kind's operation
(:class:`~tunefork.kinds.registry.EndpointOperation`): ``recognize`` takes audio, ``parse`` takes text,
``classify`` takes an image; a speech endpoint deployed with a language model also answers ``understand``
(:mod:`tunefork.kinds.voice`).
The model is loaded once per process and shared (:mod:`tunefork.engines.cache`).
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tunefork.audio import read_audio
from tunefork.errors import AudioDecodeError, AudioTooLongError, ConflictError, NotFoundError, TuneforkError
from tunefork.kinds import ProjectKind, ResolvedModel, get_kind
from tunefork.kinds.voice import UNDERSTAND, served_operation, understand
from tunefork.language.options import MAX_TEXT_CHARACTERS
from tunefork.store.models import Endpoint, Model
from tunefork.vision.images import FORMAT_SUFFIXES, ImageRejected, open_image
from tunefork.vision.images import FORMATS as IMAGE_FORMATS
from tunefork.wording import a_or_an
from tunefork.workflows.endpoint_logs import keep_request
from tunefork.workflows.endpoints import hash_key
from tunefork.workflows.models import resolve_custom_model
from tunefork.workflows.monitors import is_probe
from tunefork.workspace import Workspace

AUDIO_FORMATS = "WAV, FLAC, OGG, MP3, M4A or WebM"


@dataclass(frozen=True)
class EndpointTarget:
    """What an authorized request needs: the endpoint, its project's kind, its model and whether to log."""

    endpoint_id: str
    kind: ProjectKind
    model: ResolvedModel
    logging_enabled: bool
    language_model: ResolvedModel | None = None
    """A voice endpoint's language model (it answers ``understand`` too)."""

    def require(self, operation: str) -> None:
        """:class:`ConflictError` unless this endpoint answers ``operation`` (it names the right one)."""
        served = self.kind.family.operation.name
        if operation == UNDERSTAND.name and self.language_model is None:
            raise ConflictError(
                f"This endpoint has no language model: send requests to .../{served}, or deploy a voice endpoint "
                "with `endpoint create ... --language-model`."
            )
        if served != operation and operation != UNDERSTAND.name:
            raise ConflictError(
                f"This endpoint serves {a_or_an(self.kind.family.name)} model; send requests to .../{served}."
            )


def authorize(
    workspace: Workspace, endpoint_id: str, key: str | None, probe: str | None = None
) -> EndpointTarget | None:
    """The endpoint's target when ``key`` is its key1 or key2, else ``None`` (compared in constant time).

    ``probe`` is the ``X-Tunefork-Monitor`` header: a request of a monitor run in progress (its probe
    token) is answered but not logged, so monitoring stays out of the endpoint's traffic logs.
    Raises :class:`NotFoundError` when no endpoint has this id.
    """
    with workspace.session() as session:
        endpoint = session.get(Endpoint, endpoint_id)
        if endpoint is None:
            raise NotFoundError(f"No endpoint with id '{endpoint_id}'.")
        hashes = (endpoint.key1_hash, endpoint.key2_hash)
    presented = hash_key(key or "")
    matches = [hmac.compare_digest(presented, stored) for stored in hashes]  # both, always
    if not key or not any(matches):
        return None
    target = endpoint_target(workspace, endpoint_id)
    if target.logging_enabled and probe and is_probe(workspace, endpoint_id, probe):
        target = replace(target, logging_enabled=False)
    return target


def endpoint_target(workspace: Workspace, endpoint_id: str) -> EndpointTarget:
    """An endpoint's target without its key: for :func:`authorize`, and for the signed-in studio's "Try it"
    (which does not log: see :func:`trial`). Raises :class:`NotFoundError` when no endpoint has this id."""
    with workspace.session() as session:
        endpoint = session.get(Endpoint, endpoint_id)
        if endpoint is None:
            raise NotFoundError(f"No endpoint with id '{endpoint_id}'.")
        model_ref, model_id, logging = endpoint.model_ref, endpoint.model_id, endpoint.logging_enabled
        language_ref, language_id = endpoint.language_model_ref, endpoint.language_model_id
        kind_name = endpoint.project.kind
    model = _deployed(workspace, model_ref, model_id)
    language = _deployed(workspace, language_ref, language_id) if language_ref else None
    return EndpointTarget(endpoint_id, get_kind(kind_name), model, logging, language)


def trial(workspace: Workspace, endpoint_id: str, given: str | Path, max_seconds: float) -> dict[str, Any]:
    """Answer one request the way the endpoint's operation would (``understand`` for a voice endpoint), without its
    key and without logging it.

    ``given`` is the text, or the file (audio, image) for operations that take one. The answer is the
    operation's result and ``latencyMs``, the time the model took to answer, decoding included.
    """
    target = replace(endpoint_target(workspace, endpoint_id), logging_enabled=False)
    language_model = target.language_model.name if target.language_model else None
    operation = served_operation(target.kind.family.operation, language_model)
    if operation.input != "text" and not isinstance(given, Path):
        raise TuneforkError(f"This endpoint takes {operation.input}: choose a file to send.")
    started = time.perf_counter()
    if operation.input == "text":
        result = answer_text(workspace, target, operation.name, str(given))
    elif operation.input == "audio":
        result = answer_audio(workspace, target, operation.name, Path(given), max_seconds)
    else:
        result = answer_image(workspace, target, operation.name, Path(given))
    return {"result": result, "latencyMs": round(1000 * (time.perf_counter() - started), 1)}


def _deployed(workspace: Workspace, ref: str, model_id: str | None) -> ResolvedModel:
    """A deployed model: the base model ``ref``, or the custom model ``model_id``."""
    if model_id is None:
        return ResolvedModel(name=ref)
    with workspace.session() as session:
        return resolve_custom_model(workspace, session.get(Model, model_id))


def _answer(
    workspace: Workspace, target: EndpointTarget, operation: str, request: Any, kept: Any = None
) -> dict[str, Any]:
    """Run the model on the decoded ``request``; log it (with its ``kept`` input) when the endpoint logs."""
    if operation == UNDERSTAND.name and target.language_model is not None:
        answer = understand(target.model, target.kind.family, target.language_model, request)
    else:
        answer = target.kind.family.invoke(target.model.load(), request)
    result = {"endpoint": target.endpoint_id, "model": target.model.name, "modelId": target.model.model_id, **answer}
    result["logId"] = keep_request(workspace, target.endpoint_id, result, kept) if target.logging_enabled else None
    return result


def answer_audio(
    workspace: Workspace, target: EndpointTarget, operation: str, path: Path, max_seconds: float
) -> dict[str, Any]:
    """Decode an audio file (any format tunefork reads) and answer ``operation`` (``recognize``) with it.

    The audio may last at most ``max_seconds``.
    """
    target.require(operation)
    try:
        audio = read_audio(path, max_seconds)
    except AudioTooLongError as exc:
        length = f"lasts {exc.seconds:.0f} s, over" if exc.seconds is not None else "is longer than"
        raise AudioTooLongError(
            f"The audio {length} the {max_seconds:.0f} s limit; use a batch transcription.", exc.seconds, max_seconds
        ) from exc
    except AudioDecodeError as exc:
        reason = str(exc).split(": ", 1)[-1]  # without the server-side path
        raise AudioDecodeError(f"The audio could not be decoded ({reason}); send {AUDIO_FORMATS}.") from exc
    return _answer(workspace, target, operation, audio.samples, kept=audio.samples)


def answer_text(workspace: Workspace, target: EndpointTarget, operation: str, text: str) -> dict[str, Any]:
    """Answer ``operation`` (``parse``) for one text of at most :data:`MAX_TEXT_CHARACTERS` characters."""
    target.require(operation)
    text = text.strip()
    if not text:
        raise TuneforkError(f"The text to {operation} is empty.")
    if len(text) > MAX_TEXT_CHARACTERS:
        raise TuneforkError(f"The text has {len(text)} characters, over the {MAX_TEXT_CHARACTERS} limit.")
    return _answer(workspace, target, operation, text)


def answer_image(workspace: Workspace, target: EndpointTarget, operation: str, path: Path) -> dict[str, Any]:
    """Open an image file the way imports do and answer ``operation`` (``classify``) with it.

    A logged request keeps the file as sent, named after its format (what a log export imports).
    """
    target.require(operation)
    try:
        opened = open_image(path)
    except ImageRejected as exc:
        formats = ", ".join(IMAGE_FORMATS)
        send = "" if formats in str(exc) else f"; send {formats}"  # said once (an image review read them twice)
        raise TuneforkError(f"The image could not be used ({exc}){send}.") from None
    kept = path.rename(path.with_suffix(FORMAT_SUFFIXES[opened.format]))
    return _answer(workspace, target, operation, opened.image, kept=kept)
