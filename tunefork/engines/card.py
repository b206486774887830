"""The ``model.json`` card of a custom model folder: base, engine, datasets, parameters, metrics."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tunefork.errors import TuneforkError
from tunefork.store.artifacts import atomic_write_json

CARD_NAME = "model.json"
OUTCOME_FIELDS = ("metrics", "warnings", "guard_check", "gate")
"""Card fields written after the trained model is evaluated: they describe its scores, not what it answers."""


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


def answers_fingerprint(artifact_dir: Path) -> str | None:
    """A hash of what in the card can change the model's answers (all but :data:`OUTCOME_FIELDS`); ``None``
    without a card. The card is rewritten with the scores after training's own evaluation, and that evaluation's
    cached answers must still be found afterwards."""
    path = Path(artifact_dir) / CARD_NAME
    if not path.is_file():
        return None
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # unreadable: its raw bytes still tell one card from another
        return hashlib.sha256(path.read_bytes()).hexdigest()
    if not isinstance(card, dict):
        return hashlib.sha256(path.read_bytes()).hexdigest()
    kept = {key: value for key, value in card.items() if key not in OUTCOME_FIELDS}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()
