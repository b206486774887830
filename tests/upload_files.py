"""Helpers shared by the dataset import tests: writing upload files and reading rejection reasons."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write(path: Path, content: str | bytes) -> Path:
    """Write ``content`` (UTF-8 when text) to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def reasons(result: Any) -> str:
    """The rejections of an import result as ``item|line|reason`` lines."""
    return "\n".join(f"{i.item}|{i.line}|{i.reason}" for i in result.rejections)
