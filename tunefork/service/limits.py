"""Request body limits (413) and the admission control of recognition (503 with Retry-After)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from starlette.requests import Request
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
    """At most ``workers`` recognitions run (in threads) and ``queue`` wait, server-wide; more get 503 + Retry-After.

    One endpoint holds at most :attr:`endpoint_places` of those places and runs at most :attr:`endpoint_workers` at
    once, so a burst on one endpoint leaves room for the others (40 requests to one endpoint made an idle one answer
    503, or wait 50 s, in a review). A request whose client left while it waited is not run (the server decoded 40
    abandoned requests for 3 minutes).
    """

    def __init__(self, workers: int, queue: int) -> None:
        self.workers, self.capacity = workers, workers + queue
        self.endpoint_workers = max(1, workers - 1)
        self.endpoint_places = max(self.endpoint_workers, self.capacity - workers)
        self.in_flight = 0
        self.by_endpoint: dict[str, int] = {}
        self._limiters: dict[str, anyio.CapacityLimiter] = {}

    def enter(self, endpoint: str) -> None:
        """Admit one request to ``endpoint`` or raise the 503 (runs on the event loop: no lock needed)."""
        if self.in_flight >= self.capacity:
            raise _busy(f"The server is busy ({self.in_flight} requests in progress); retry shortly.")
        if self.by_endpoint.get(endpoint, 0) >= self.endpoint_places:
            share = f"This endpoint has {self.endpoint_places} requests in progress, its share of the server"
            raise _busy(f"{share}; retry shortly.")
        self.in_flight += 1
        self.by_endpoint[endpoint] = self.by_endpoint.get(endpoint, 0) + 1

    def leave(self, endpoint: str) -> None:
        """Release a request admitted to ``endpoint`` (its limiter goes with its last request: endpoints come, go)."""
        self.in_flight -= 1
        self.by_endpoint[endpoint] -= 1
        if not self.by_endpoint[endpoint]:
            del self.by_endpoint[endpoint]
            self._limiters.pop(f"endpoint:{endpoint}", None)

    def _limiter(self, name: str, tokens: int) -> anyio.CapacityLimiter:
        if name not in self._limiters:
            self._limiters[name] = anyio.CapacityLimiter(tokens)
        return self._limiters[name]

    async def run(self, request: Request, endpoint: str, function: Callable[..., T], *args: Any) -> T:
        """Run blocking ``function`` in a worker thread once ``endpoint`` and the server have one free, unless the
        client of ``request`` has gone meanwhile (499)."""
        async with self._limiter(f"endpoint:{endpoint}", self.endpoint_workers), self._limiter("", self.workers):
            if await request.is_disconnected():
                raise ApiError(499, "ClientClosedRequest", "The client left before its request was answered.")
            return await anyio.to_thread.run_sync(function, *args, limiter=self._limiter("threads", self.workers))


def _busy(message: str) -> ApiError:
    return ApiError(503, "ServiceUnavailable", message, headers={"Retry-After": "1"})
