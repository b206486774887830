"""Shape workflow dicts as API resources: ``self`` and related links, RFC 3339 UTC times, error objects, pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request

from tunefork.timestamps import with_rfc3339_times


def url(request: Request, *parts: str) -> str:
    """Absolute URL of ``/part/part...`` on this server (parts are percent-encoded)."""
    base = str(request.base_url).rstrip("/")
    return base + "".join("/" + quote(str(part), safe="") for part in parts)


def present(request: Request, collection: str, item: dict[str, Any], job: dict[str, Any] | None = None) -> dict:
    """``item`` with ``self``, ``links`` (project, job), RFC 3339 ``Z`` times, and ``error`` as ``{code, message}``
    (a job's too: a REST review found its text beside its resource's object), ``null`` when there is none."""
    out = with_rfc3339_times(item)
    out["self"] = url(request, collection, item["id"])
    links = dict(out.get("links") or {})
    if item.get("projectId"):
        links["project"] = url(request, "projects", item["projectId"])
    if job is not None:
        links["job"] = url(request, "jobs", job["id"])
    if links:
        out["links"] = links
    if "error" in out:
        error = out["error"] or None
        if isinstance(error, str):  # a job queued again keeps its last attempt's reason
            code = "Failed" if out.get("status") in (None, "Failed") else "AttemptFailed"
            error = {"code": code, "message": error}
        out["error"] = error
    return out


def page(request: Request, values: list[dict[str, Any]], skip: int, top: int, total: int) -> dict:
    """One page of a list: ``values``, ``@count`` (the whole list) and ``@nextLink`` (``None`` on the last page)."""
    following = skip + top < total
    next_link = str(request.url.include_query_params(skip=skip + top, top=top)) if following else None
    return {"values": values, "@count": total, "@nextLink": next_link}


def present_all(request: Request, collection: str, items: list[dict[str, Any]], skip: int, top: int) -> dict:
    """A page of resources (see :func:`page`)."""
    shown = [present(request, collection, item) for item in items[skip : skip + top]]
    return page(request, shown, skip, top, len(items))
