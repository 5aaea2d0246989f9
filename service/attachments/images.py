"""Images re-encoded by Pillow: the pixels kept, every piece of metadata (EXIF location,
camera, comments) dropped; and small thumbnails for the case page."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 40_000_000
"""Larger images are refused: a small file can decode into gigabytes (a decompression bomb)."""
THUMBNAIL_EDGE = 240
_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}


class UnreadableImage(ValueError):
    """The bytes claim to be an image but do not decode as one (or are too large to)."""


def _open(content: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(content))
        if image.width * image.height > MAX_PIXELS:
            raise UnreadableImage("image too large")
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as bad:
        raise UnreadableImage(str(bad)) from None
    return image


def without_metadata(content: bytes, media_type: str) -> bytes:
    """The image drawn anew: turned upright by its EXIF orientation, then saved with none (an
    animation keeps its first frame)."""
    return _save(ImageOps.exif_transpose(_open(content)), media_type)


def _save(image: Image.Image, media_type: str) -> bytes:
    fresh = Image.frombytes(image.mode, image.size, image.tobytes())  # pixels only, no info
    if image.mode == "P" and (palette := image.getpalette()) is not None:
        fresh.putpalette(palette)
    if media_type == "image/jpeg" and fresh.mode not in ("RGB", "L", "CMYK"):
        fresh = fresh.convert("RGB")
    out = io.BytesIO()
    options = {"quality": 90} if media_type in ("image/jpeg", "image/webp") else {}
    fresh.save(out, format=_FORMAT[media_type], **options)
    return out.getvalue()


def thumbnail(content: bytes) -> bytes:
    """A PNG at most THUMBNAIL_EDGE pixels on its longer side."""
    image = _open(content)
    image.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
