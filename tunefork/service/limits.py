"""Request body limits (413) and the admission control of recognition (503 with Retry-After)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tunefork.service.errors import ApiError, error_body

T = TypeVar("T")


def too_large(limit: int) -> ApiError:
    """The 413 error for a body over ``limit`` bytes."""
    return ApiError(413, "PayloadTooLarge", f"The request body is larger than the limit of {limit:,} bytes.")


class BodyLimitMiddleware:
    """Refuse bodies over a per-path limit: at once from Content-Length, else while they stream in."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str, str], int]) -> None:
        self.app, self.limit_for = app, limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"").decode("latin-1").strip()
        if declared.isdigit() and int(declared) > limit:
            await _send_413(send, limit)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit)
            return message

        await self.app(scope, limited, send)


async def _send_413(send: Send, limit: int) -> None:
    body = json.dumps(
        error_body("PayloadTooLarge", f"The request body is larger than the limit of {limit:,} bytes.")
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Admission:
    """At most ``workers`` recognitions run (in threads) and ``queue`` wait; more get 503 + Retry-After."""

    def __init__(self, workers: int, queue: int) -> None:
        self.workers, self.capacity = workers, workers + queue
        self.in_flight = 0
        self._limiter: anyio.CapacityLimiter | None = None

    def enter(self) -> None:
        """Admit one request or raise the 503 (runs on the event loop: no lock needed)."""
        if self.in_flight >= self.capacity:
            raise ApiError(
                503, "ServiceUnavailable", "The endpoint is busy; retry shortly.", headers={"Retry-After": "1"}
            )
        self.in_flight += 1

    def leave(self) -> None:
        """Release an admitted request."""
        self.in_flight -= 1

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run blocking ``function`` in a worker thread, at most ``workers`` at once."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.workers)
        return await anyio.to_thread.run_sync(function, *args, limiter=self._limiter)
