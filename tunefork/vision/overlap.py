"""Refuse to evaluate a model on images it was trained on: the same file, or a near duplicate of one.

A test image that is also a training image (by SHA-256) or looks the same (perceptual hashes at most
:data:`NEAR_BITS` apart) inflates accuracy, so the evaluation stops, naming the first offending ids.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tunefork.errors import TuneforkError
from tunefork.vision.training import training_hashes

NEAR_BITS = 4
"""Perceptual hashes at most this many bits apart (of 64) count as the same picture."""
SHOWN = 5


def overlapping(test: list[dict[str, Any]], trained: list[dict[str, str]]) -> list[str]:
    """Ids of ``test`` records whose file or perceptual hash matches a training image's."""
    exact = {item["sha256"] for item in trained}
    if not trained:
        return []
    train_hashes = np.array([int(item["phash"], 16) for item in trained], dtype=np.uint64)
    found = []
    for record in test:
        if record["sha256"] in exact:
            found.append(record["id"])
            continue
        distance = np.bitwise_count(train_hashes ^ np.uint64(int(record["phash"], 16)))
        if int(distance.min()) <= NEAR_BITS:
            found.append(record["id"])
    return found


def refuse_overlap(model: str, test: list[dict[str, Any]], artifact_dir: Path, card: dict[str, Any]) -> None:
    """:class:`TuneforkError` naming the test images that ``model`` was trained on (or near copies), if any."""
    found = overlapping(test, training_hashes(artifact_dir, card))
    if found:
        shown = ", ".join(found[:SHOWN]) + (f" and {len(found) - SHOWN} more" if len(found) > SHOWN else "")
        raise TuneforkError(
            f"Model '{model}' was trained on {len(found)} of these {len(test)} test images (or near copies of "
            f"them): {shown}. Evaluate on held-out images only."
        )
