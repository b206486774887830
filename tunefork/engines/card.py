"""The ``model.json`` card of a custom model folder: base, engine, datasets, parameters, metrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tunefork.errors import TuneforkError
from tunefork.store.artifacts import atomic_write_json

CARD_NAME = "model.json"


def has_card(artifact_dir: Path) -> bool:
    """True when ``artifact_dir`` holds a card (the model finished training)."""
    return (Path(artifact_dir) / CARD_NAME).is_file()


def read_card(artifact_dir: Path) -> dict[str, Any]:
    """The card of a custom model folder (:class:`TuneforkError` when it is missing or unreadable)."""
    path = Path(artifact_dir) / CARD_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TuneforkError(f"{path}: cannot read the model card ({exc}).") from exc


def write_card(artifact_dir: Path, card: dict[str, Any]) -> None:
    """Write (or replace) the card of a model folder atomically."""
    atomic_write_json(Path(artifact_dir) / CARD_NAME, card)
