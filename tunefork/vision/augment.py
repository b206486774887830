"""Image augmentation with Pillow and numpy: random horizontal flip, random resized crop and colour jitter.

:func:`augment` returns a new image of the same size and mode as its input, drawn from a numpy
``Generator`` so that a seed fixes every view. Fine-tuning (:mod:`tunefork.vision.finetune`) trains on
augmented views of each training image; torchvision is not used (it does not import beside the pinned
CPU torch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageEnhance


@dataclass(frozen=True)
class Augmentation:
    """How strongly :func:`augment` changes an image."""

    flip: float = 0.5
    """Probability of a horizontal flip."""
    crop_area: tuple[float, float] = (0.6, 1.0)
    """The crop's share of the image's area, drawn uniformly."""
    crop_ratio: tuple[float, float] = (3 / 4, 4 / 3)
    """The crop's width / height, drawn log-uniformly."""
    brightness: float = 0.25
    contrast: float = 0.25
    saturation: float = 0.25
    """Each colour factor is drawn uniformly in ``[1 - x, 1 + x]``."""


DEFAULT = Augmentation()


def random_crop_box(width: int, height: int, rng: np.random.Generator, settings: Augmentation) -> tuple[int, ...]:
    """A ``(left, top, right, bottom)`` box inside the image, with the area share and aspect ratio of ``settings``."""
    area = settings.crop_area[0] + (settings.crop_area[1] - settings.crop_area[0]) * rng.random()
    log_low, log_high = math.log(settings.crop_ratio[0]), math.log(settings.crop_ratio[1])
    ratio = math.exp(log_low + (log_high - log_low) * rng.random())
    crop_width = min(width, max(1, round(math.sqrt(area * width * height * ratio))))
    crop_height = min(height, max(1, round(math.sqrt(area * width * height / ratio))))
    left = int(rng.integers(0, width - crop_width + 1))
    top = int(rng.integers(0, height - crop_height + 1))
    return left, top, left + crop_width, top + crop_height


def augment(image: Image.Image, rng: np.random.Generator, settings: Augmentation = DEFAULT) -> Image.Image:
    """One random view of ``image``: maybe flipped, a random crop resized back to its size, colours jittered."""
    view = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if rng.random() < settings.flip else image
    box = random_crop_box(*view.size, rng, settings)
    view = view.crop(box).resize(image.size, Image.Resampling.BILINEAR)
    enhancers = (
        (ImageEnhance.Brightness, settings.brightness),
        (ImageEnhance.Contrast, settings.contrast),
        (ImageEnhance.Color, settings.saturation),
    )
    for enhancer, strength in enhancers:
        factor = 1.0 + strength * (2.0 * rng.random() - 1.0)
        view = enhancer(view).enhance(factor)
    return view
