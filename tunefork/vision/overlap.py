"""Train/test overlap of image models: the same file is refused, a near copy is warned about.

A test image that is also a training image (same SHA-256) makes the accuracy a memory test, so the
evaluation stops, naming the first offending ids, and a training asked to test on such a set is refused before
it trains (:func:`training_overlap`). A test image whose perceptual hash is at most
:data:`NEAR_BITS` of 64 bits from a training image's is probably the same picture re-encoded, resized or
retouched, but small or plain images (a sandal on black, 28 pixels wide) can also look that alike without
being copies, so those only get a loud warning with the count.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tunefork.errors import TuneforkError
from tunefork.vision.training import training_hashes

NEAR_BITS = 4
"""Perceptual hashes at most this many bits apart (of 64) count as a near copy."""
SHOWN = 5


def _shown(ids: list[str]) -> str:
    return ", ".join(ids[:SHOWN]) + (f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else "")


def overlapping(test: list[dict[str, Any]], trained: list[dict[str, str]]) -> tuple[list[str], list[str]]:
    """Ids of ``test`` records that are training files (same SHA-256), and of those that are near copies, each as
    ``test-id (like training image train-id)`` where the training image's id is known (models trained since it
    was kept: a warning naming only the test image sent a review looking for a yellow image in training)."""
    if not trained:
        return [], []
    exact = {item["sha256"] for item in trained}
    hashes = np.array([int(item["phash"], 16) for item in trained], dtype=np.uint64)
    same, near = [], []
    for record in test:
        if record["sha256"] in exact:
            same.append(record["id"])
            continue
        distances = np.bitwise_count(hashes ^ np.uint64(int(record["phash"], 16)))
        closest = int(distances.argmin())
        if int(distances[closest]) <= NEAR_BITS:
            like = trained[closest].get("id")
            near.append(f"{record['id']} (like training image {like})" if like else record["id"])
    return same, near


def training_overlap(training: list[dict[str, Any]], test: list[dict[str, Any]]) -> str | None:
    """Why a model trained on ``training`` cannot be tested on ``test`` (records): the same files, named."""
    same, _ = overlapping(test, training)
    if not same:
        return None
    return (
        f"{len(same)} of the {len(test)} test images are also training images (the same files): {_shown(same)}. "
        "Remove them from one dataset, or choose another test dataset."
    )


def check_overlap(model: str, test: list[dict[str, Any]], artifact_dir: Path, card: dict[str, Any]) -> list[str]:
    """:class:`TuneforkError` when ``model`` was trained on some of the ``test`` files; warnings for near copies."""
    same, near = overlapping(test, training_hashes(artifact_dir, card))
    if same:
        raise TuneforkError(
            f"Model '{model}' was trained on {len(same)} of these {len(test)} test images: {_shown(same)}. "
            "Evaluate on held-out images only."
        )
    if not near:
        return []
    return [
        f"Model '{model}': {len(near)} of {len(test)} test images look like training images (perceptual hashes at "
        f"most {NEAR_BITS} of 64 bits apart): {_shown(near)}. Check they are not copies."
    ]
