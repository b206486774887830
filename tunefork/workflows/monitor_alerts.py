"""Monitor alerts: a webhook POST when a monitor starts failing (``alert``) and when it passes again (``recovery``).

The JSON body is ``{event, monitor: {id, name, endpoint}, run: {id, outcome, error, ...}, metric, value,
threshold: {max, min, maxRegression, baseline}, reason, link}``. Every alert is recorded (``Recorded``
when the monitor has no webhook); a webhook that does not answer 2xx is tried again with exponential
backoff (``TUNEFORK_ALERT_BACKOFF_SECONDS`` doubled each time, ``TUNEFORK_ALERT_MAX_ATTEMPTS`` in all),
then the alert is ``Failed`` with the last error. Sending claims the alert first (a compare-and-set that
moves its next attempt a lease ahead), so two workers never send one alert twice at once.

Every delivery carries ``X-Tunefork-Alert-Id`` (the same on each retry, so a receiver can drop repeats) and
``X-Tunefork-Timestamp`` (Unix seconds). With ``TUNEFORK_WEBHOOK_SECRET`` set, ``X-Tunefork-Signature`` is
``sha256=`` and the hex HMAC-SHA256, keyed by the secret, of ``<timestamp>.<body>`` (the body's exact bytes): a
receiver recomputes it, compares in constant time and refuses an old timestamp (a replay).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tunefork.config import env_float, env_int
from tunefork.store.models import Monitor, MonitorAlert, MonitorRun, utcnow
from tunefork.timestamps import rfc3339
from tunefork.workflows.monitor_schedule import as_utc
from tunefork.workspace import Workspace

PENDING, DELIVERED, FAILED, RECORDED = "Pending", "Delivered", "Failed", "Recorded"
CLAIM_SECONDS = 60.0


@dataclass(frozen=True)
class AlertSettings:
    """Webhook retries (from ``TUNEFORK_*`` variables)."""

    backoff_seconds: float = 30.0
    """``TUNEFORK_ALERT_BACKOFF_SECONDS``: the wait after the first failed delivery, doubled after each."""
    max_attempts: int = 6
    """``TUNEFORK_ALERT_MAX_ATTEMPTS``: deliveries tried before the alert is Failed."""
    timeout_seconds: float = 10.0
    secret: str = ""
    """``TUNEFORK_WEBHOOK_SECRET``: the key deliveries are signed with (unsigned when empty)."""

    @classmethod
    def from_env(cls) -> AlertSettings:
        defaults = cls()
        return cls(
            backoff_seconds=env_float("TUNEFORK_ALERT_BACKOFF_SECONDS", defaults.backoff_seconds, minimum=0),
            max_attempts=env_int("TUNEFORK_ALERT_MAX_ATTEMPTS", defaults.max_attempts, minimum=1),
            secret=os.environ.get("TUNEFORK_WEBHOOK_SECRET", ""),
        )


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: the HMAC-SHA256 of ``<timestamp>.<body>`` keyed by ``secret`` (see the module)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def alert_to_dict(alert: MonitorAlert) -> dict[str, Any]:
    """JSON-able view of an alert."""
    return {
        "id": alert.id,
        "monitorId": alert.monitor_id,
        "runId": alert.run_id,
        "event": alert.event,
        "url": alert.url,
        "status": alert.status,
        "attempts": alert.attempts,
        "lastError": alert.last_error,
        "payload": dict(alert.payload),
        "deliveredDateTime": as_utc(alert.delivered_at).isoformat() if alert.delivered_at else None,
        "createdDateTime": as_utc(alert.created_at).isoformat(),
    }


def list_alerts(workspace: Workspace, monitor_id: str, top: int = 20) -> list[dict[str, Any]]:
    """A monitor's alerts, newest first."""
    query = (
        select(MonitorAlert)
        .where(MonitorAlert.monitor_id == monitor_id)
        .order_by(MonitorAlert.created_at.desc())
        .limit(top)
    )
    with workspace.session() as session:
        return [alert_to_dict(alert) for alert in session.scalars(query)]


def record_transition(session: Session, monitor: Monitor, run: MonitorRun, thresholds: dict[str, Any]) -> str | None:
    """Update the monitor's state after ``run`` and record the alert or recovery it causes (in ``session``).

    A run that does not pass adds one to the failures in a row; the ``after_failures``-th makes the
    monitor ``failing`` and records an alert. A passing run resets the count; if the monitor was
    failing, it records a recovery. Returns the event recorded, if any.
    """
    event = None
    if run.outcome == "pass":
        monitor.consecutive_failures = 0
        if monitor.state == "failing":
            event = "recovery"
        monitor.state = "passing"
    else:
        monitor.consecutive_failures += 1
        if monitor.consecutive_failures >= monitor.after_failures and monitor.state != "failing":
            event, monitor.state = "alert", "failing"
    monitor.last_action_at = utcnow()
    if event is None:
        return None
    link = f"{monitor.base_url}/monitors/{monitor.id}/runs/{run.id}"
    payload = {
        "event": event,
        "monitor": {"id": monitor.id, "name": monitor.name, "endpoint": monitor.endpoint_name},
        "run": {"id": run.id, "outcome": run.outcome, "error": run.error or None, "model": run.model,
                "scheduledDateTime": rfc3339(run.scheduled_for.isoformat())},  # sent as is: RFC 3339 here
        "metric": monitor.metric,
        "value": run.value,
        "threshold": thresholds,
        "reason": run.error if event == "alert" else f"{monitor.metric} passes again.",
        "failuresInARow": monitor.consecutive_failures,
        "link": link,
    }  # fmt: skip
    status = PENDING if monitor.webhook_url else RECORDED
    session.add(MonitorAlert(monitor_id=monitor.id, run_id=run.id, event=event, url=monitor.webhook_url,
                             payload=payload, status=status, attempts=0, last_error="",
                             next_attempt_at=utcnow() if status == PENDING else None))  # fmt: skip
    return event


def _claim(workspace: Workspace, alert_id: str, attempts: int, now: datetime) -> bool:
    with workspace.session() as session:
        claimed = session.execute(
            update(MonitorAlert)
            .where(MonitorAlert.id == alert_id, MonitorAlert.status == PENDING, MonitorAlert.attempts == attempts)
            .values(attempts=attempts + 1, next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
        ).rowcount
    return claimed == 1


def _post(url: str, alert_id: str, payload: dict[str, Any], settings: AlertSettings) -> str:
    """Send one alert, signed when a secret is set; the error ("" when the webhook answered 2xx)."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Tunefork-Alert-Id": alert_id, "X-Tunefork-Timestamp": timestamp}
    if settings.secret:
        headers["X-Tunefork-Signature"] = signature(settings.secret, timestamp, body)
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=settings.timeout_seconds)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    return "" if response.is_success else f"HTTP {response.status_code}: {response.text[:200]}"


def deliver_due(workspace: Workspace, settings: AlertSettings | None = None, now: datetime | None = None) -> int:
    """Send every pending alert whose time has come; returns how many were delivered."""
    settings = settings or AlertSettings.from_env()
    now = now or utcnow()
    with workspace.session() as session:
        due = session.execute(
            select(MonitorAlert.id, MonitorAlert.attempts, MonitorAlert.url, MonitorAlert.payload)
            .where(MonitorAlert.status == PENDING, MonitorAlert.next_attempt_at <= now)
            .order_by(MonitorAlert.created_at)
        ).all()
    delivered = 0
    for alert_id, attempts, url, payload in due:
        if not _claim(workspace, alert_id, attempts, now):
            continue
        error = _post(url, alert_id, payload, settings)
        tried = attempts + 1
        if not error:
            values: dict[str, Any] = {"status": DELIVERED, "delivered_at": utcnow(), "last_error": ""}
            delivered += 1
        elif tried >= settings.max_attempts:
            values = {"status": FAILED, "last_error": f"gave up after {tried} attempts: {error}"}
        else:
            wait = settings.backoff_seconds * 2 ** (tried - 1)
            values = {"last_error": error, "next_attempt_at": now + timedelta(seconds=wait)}
        with workspace.session() as session:
            session.execute(update(MonitorAlert).where(MonitorAlert.id == alert_id).values(**values))
    return delivered
