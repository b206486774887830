"""Small generated images for the image tests: one coloured shape per concept on a noisy background."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

CONCEPTS = {"circle": (220, 40, 40), "square": (40, 80, 220), "triangle": (40, 180, 60)}


def shape_image(concept: str, seed: int, size: int = 64) -> Image.Image:
    """A ``size`` x ``size`` RGB image of ``concept``'s shape in its colour, placed and sized by ``seed``."""
    rng = np.random.default_rng(seed)
    background = rng.integers(150, 256, (size, size, 3), dtype=np.uint8)
    image = Image.fromarray(background)
    draw = ImageDraw.Draw(image)
    extent = int(rng.integers(size // 3, size // 2))
    x, y = (int(v) for v in rng.integers(2, size - extent - 2, 2))
    colour = tuple(int(c) for c in np.clip(np.array(CONCEPTS[concept]) + rng.integers(-25, 26, 3), 0, 255))
    if concept == "circle":
        draw.ellipse((x, y, x + extent, y + extent), fill=colour)
    elif concept == "square":
        draw.rectangle((x, y, x + extent, y + extent), fill=colour)
    else:
        draw.polygon([(x, y + extent), (x + extent, y + extent), (x + extent // 2, y)], fill=colour)
    return image


def concept_folders(root: Path, per_concept: int, seed: int = 0, concepts: tuple[str, ...] = tuple(CONCEPTS)) -> Path:
    """``root/<concept>/<n>.png`` for each concept; returns ``root``."""
    for k, concept in enumerate(concepts):
        (root / concept).mkdir(parents=True, exist_ok=True)
        for n in range(per_concept):
            shape_image(concept, seed * 10_000 + k * 1_000 + n).save(root / concept / f"{n}.png")
    return root
