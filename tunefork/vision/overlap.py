"""Train/test overlap of image models: the same file is left out of the scores, a near copy is warned about.

A test image that is also a training image (same SHA-256) makes the accuracy a memory test, so evaluations
leave it out of the scores, naming the first ones, and a training asked to test on such a set says so before it
trains (:func:`training_overlap`; a test set of training images only is refused). A test image whose
perceptual hash is at most :data:`NEAR_BITS` of 64 bits from a training image's is probably the same picture
re-encoded, resized or retouched, but small or plain images (a sandal on black, 28 pixels wide) can also look
that alike without being copies, so those only get a loud warning with the count.
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
    """What a model trained on ``training`` records will leave out of its scores on ``test``: the same files, named
    (:class:`TuneforkError` when that is every test image)."""
    same, _ = overlapping(test, training)
    if not same:
        return None
    if len(same) == len(test):
        raise TuneforkError(f"Every one of the {len(test)} test images is also a training image: choose another test "
                            "dataset, of images the model never trains on.")  # fmt: skip
    return (
        f"{len(same)} of the {len(test)} test images are also training images (the same files): {_shown(same)}. "
        "Evaluations leave them out of the scores; remove them from one dataset to score every test image."
    )


def check_overlap(
    model: str, test: list[dict[str, Any]], artifact_dir: Path, card: dict[str, Any]
) -> tuple[set[str], list[str]]:
    """The ids of the ``test`` records ``model`` was trained on (left out of the scores: a memory test otherwise)
    and the warnings to give: those left out, and near copies (scored, but checked by the user)."""
    same, near = overlapping(test, training_hashes(artifact_dir, card))
    warnings = []
    if same:  # refused the whole evaluation before: one copied image blocked a review's test set (no item delete)
        warnings.append(
            f"Model '{model}' was trained on {len(same)} of these {len(test)} test images (the same files): "
            f"{_shown(same)}. They are left out of the scores, which count the other images; remove them from the "
            "test set to score every one."
        )
    if near:
        warnings.append(
            f"Model '{model}': {len(near)} of {len(test)} test images look like training images (perceptual hashes "
            f"at most {NEAR_BITS} of 64 bits apart): {_shown(near)}. Check they are not copies."
        )
    return set(same), warnings
