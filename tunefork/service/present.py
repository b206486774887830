"""Shape workflow dicts as API resources: ``self`` and related links, UTC times, error objects."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request


def url(request: Request, *parts: str) -> str:
    """Absolute URL of ``/part/part...`` on this server (parts are percent-encoded)."""
    base = str(request.base_url).rstrip("/")
    return base + "".join("/" + quote(str(part), safe="") for part in parts)


def _utc(value: Any) -> Any:
    """SQLite gives naive times (stored in UTC): mark them ``Z`` so clients read them right."""
    if isinstance(value, str) and len(value) >= 19 and value[10] == "T" and not value.endswith("Z"):
        tail = value[19:]
        if "+" not in tail and "-" not in tail:
            return value + "Z"
    return value


def present(request: Request, collection: str, item: dict[str, Any], job: dict[str, Any] | None = None) -> dict:
    """``item`` with ``self``, ``links`` (project, job), ``Z`` times and ``error`` as ``{code, message}``."""
    out = {key: _utc(value) if key.endswith("DateTime") else value for key, value in item.items()}
    out["self"] = url(request, collection, item["id"])
    links = dict(out.get("links") or {})
    if item.get("projectId"):
        links["project"] = url(request, "projects", item["projectId"])
    if job is not None:
        links["job"] = url(request, "jobs", job["id"])
    if links:
        out["links"] = links
    if "error" in out and collection != "jobs":
        out["error"] = {"code": "Failed", "message": out["error"]} if out["error"] else None
    return out


def present_all(request: Request, collection: str, items: list[dict[str, Any]], skip: int, top: int) -> dict:
    """A page of resources as ``{"values": [...]}``."""
    return {"values": [present(request, collection, item) for item in items[skip : skip + top]]}
