"""Which stored images zhengce serves: raster formats recognized by their first bytes (never by
what a header or the URL claims, and never SVG, which can carry script), up to a size."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sites import IMAGE_MAX_BYTES

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


@dataclass(frozen=True)
class ServableImage:
    media_type: str
    sha256: str


def image_product(sha256: str) -> str:
    """The name an image's bytes are stored under with an index build."""
    return f"image-{sha256}"


def servable(body: bytes) -> ServableImage | None:
    """The image's type and hash when zhengce may serve these bytes, else None."""
    if not body or len(body) > IMAGE_MAX_BYTES:
        return None
    media_type = next((kind for magic, kind in _SIGNATURES if body.startswith(magic)), None)
    if media_type is None and body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        media_type = "image/webp"
    if media_type is None:
        return None
    return ServableImage(media_type, hashlib.sha256(body).hexdigest())
