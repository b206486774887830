"""Times as every surface shows them: RFC 3339 in UTC, ending in ``Z`` (the REST API and the CLI's ``--json``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def rfc3339(value: Any) -> Any:
    """An ISO time as RFC 3339 in UTC ending in ``Z`` (naive times are stored in UTC); other values as they are."""
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def with_rfc3339_times(value: Any) -> Any:
    """``value`` with every ``...DateTime`` field, at any depth, in :func:`rfc3339` form."""
    if isinstance(value, dict):
        return {
            key: rfc3339(item) if key.endswith("DateTime") else with_rfc3339_times(item) for key, item in value.items()
        }
    if isinstance(value, list):
        return [with_rfc3339_times(item) for item in value]
    return value
