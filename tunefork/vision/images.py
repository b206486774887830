"""Open an image the one way tunefork reads images everywhere (import, training, serving) and say why not.

:func:`open_image` returns an 8-bit RGB :class:`PIL.Image.Image` plus notes on what was converted:
EXIF orientation applied, CMYK / 16-bit / palette / alpha converted to RGB, the first frame of an
animated image taken. It refuses (:class:`ImageRejected`, a reason without the path) corrupt or truncated
files, formats Pillow reads but tunefork does not accept, images under :data:`MIN_SIDE` pixels on a side
and images over :data:`MAX_PIXELS` pixels (decompression bombs) before decoding them.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MIN_SIDE = 32
"""Images smaller than this on either side are rejected (nothing to learn from)."""
MAX_PIXELS = 40_000_000
"""Images with more pixels than this are rejected before decoding (decompression bombs)."""
MAX_BYTES = 64 * 1024**2
"""Image files larger than this are rejected unread."""
FORMAT_SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "BMP": ".bmp", "WEBP": ".webp", "TIFF": ".tif"}
"""The Pillow formats accepted, with the file name extension each is kept under."""
FORMATS = tuple(FORMAT_SUFFIXES)
EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff"})
"""File name extensions taken for images when listing an upload."""


class ImageRejected(Exception):
    """An image tunefork cannot use; ``str()`` is the reason (no path)."""


@dataclass
class OpenedImage:
    """A decoded image: 8-bit RGB, upright, with the conversions made and the source format."""

    image: Image.Image
    format: str
    notes: list[str] = field(default_factory=list)


def _to_rgb(image: Image.Image, notes: list[str]) -> Image.Image:
    """8-bit RGB of any mode, noting CMYK, 16-bit and 32-bit conversions (alpha is flattened on white)."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        notes.append(f"converted {'16' if mode.startswith('I;16') else '32'}-bit {mode} to 8-bit RGB")
        array = np.asarray(image, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") else max(float(array.max()), 1.0)
        grey = np.clip(array / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if mode == "CMYK":
        notes.append("converted CMYK to RGB")
        return image.convert("RGB")
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def open_image(source: Path | bytes) -> OpenedImage:
    """Decode ``source`` (a path or the file's bytes) to upright 8-bit RGB; :class:`ImageRejected` otherwise."""
    notes: list[str] = []
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream)
            source_format = image.format or ""
            if source_format not in FORMATS:
                raise ImageRejected(f"unsupported image format {source_format}; use {', '.join(FORMATS)}")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ImageRejected(f"{width}x{height} pixels, over the {MAX_PIXELS:,} pixel limit")
            if min(width, height) < MIN_SIDE:
                raise ImageRejected(f"{width}x{height} pixels: under {MIN_SIDE} pixels on a side")
            frames = getattr(image, "n_frames", 1)
            if frames > 1:
                image.seek(0)
                notes.append(f"animated ({frames} frames): the first frame is used")
            image.load()
            orientation = image.getexif().get(0x0112, 1)
            if orientation not in (1, None):
                image = ImageOps.exif_transpose(image)
                notes.append(f"EXIF orientation {orientation} applied")
            rgb = _to_rgb(image, notes)
    except ImageRejected:
        raise
    except UnidentifiedImageError:
        raise ImageRejected("not an image Pillow can read (corrupt, or an unknown format)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # Pillow's own limit, far above ours
        raise ImageRejected(f"over the {MAX_PIXELS:,} pixel limit") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        reason = "truncated" if "truncated" in str(exc).lower() else "corrupt"
        raise ImageRejected(f"{reason} image ({exc})") from None
    return OpenedImage(rgb, source_format, notes)


def perceptual_hash(image: Image.Image) -> str:
    """The 64-bit perceptual hash (DCT, ``imagehash.phash``) of ``image`` as 16 hex digits."""
    import imagehash

    return str(imagehash.phash(image))


def hash_distance(first: str, second: str) -> int:
    """How many of the 64 bits two perceptual hashes differ in (0: the same picture, to the eye)."""
    return (int(first, 16) ^ int(second, 16)).bit_count()


def thumbnail(path: Path, side: int = 160) -> bytes:
    """A JPEG of the image as :func:`open_image` reads it, at most ``side`` pixels on its longer side."""
    image = open_image(path).image
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
