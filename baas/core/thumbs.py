"""Image thumbnails, generated once with Pillow and kept in storage beside the original.

Sizes as PocketBase: `WxH` (crop to fill, centred), `WxHt` (crop, keep the top), `WxHb` (keep the bottom),
`WxHf` (fit inside, no crop), `0xH` / `Wx0` (resize keeping the ratio). Only sizes listed in the field's
`thumbs` option or the default `100x100` are made; other requests get the original. webp thumbs are PNG.
"""

from __future__ import annotations

import io
import re
import tempfile
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from ..storage import Storage
from ..storage.paths import thumb_key

DEFAULT_THUMB = "100x100"
THUMBABLE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
#: originals larger than this are served as they are rather than decoded for a thumb
MAX_SOURCE_BYTES = 30 * 1024 * 1024
#: nor decoded when larger than this many pixels (a small, well-compressed PNG can hold a huge canvas)
MAX_SOURCE_PIXELS = 50_000_000
#: originals up to this size are spooled in memory, larger ones to a temporary file
SPOOL_BYTES = 1024 * 1024
_SIZE = re.compile(r"^(\d+)x(\d+)([tbf]?)$")


@dataclass(frozen=True)
class ThumbSize:
    width: int
    height: int
    mode: str  # "", "t", "b" or "f"

    @classmethod
    def parse(cls, text: str) -> "ThumbSize | None":
        match = _SIZE.match(text or "")
        if not match:
            return None
        width, height = int(match.group(1)), int(match.group(2))
        if width == 0 and height == 0:
            return None
        return cls(width, height, match.group(3))


def allowed(size: str, field_thumbs: list[str]) -> bool:
    return size == DEFAULT_THUMB or size in (field_thumbs or [])


def ensure_thumb(storage: Storage, source_key: str, content_type: str, collection_id: str, record_id: str,
                 filename: str, size: str) -> str | None:
    """The key of the thumb, creating it if needed; None when no thumb can be made (serve the original)."""
    spec = ThumbSize.parse(size)
    if spec is None or content_type not in THUMBABLE_TYPES:
        return None
    key = thumb_key(collection_id, record_id, filename, size)
    if storage.exists(key):
        return key
    info = storage.stat(source_key)
    if info is None or info.size > MAX_SOURCE_BYTES:
        return None
    out = io.BytesIO()
    # the original goes through a temporary file (in memory only when small), never a whole bytes copy
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as source:
        for chunk in storage.read(source_key):
            source.write(chunk)
        source.seek(0)
        try:
            with Image.open(source) as image:
                if image.width * image.height > MAX_SOURCE_PIXELS:
                    return None
                if image.format == "JPEG":  # decode at a reduced scale when the thumb is much smaller
                    image.draft("RGB", _draft_size(image.size, spec))
                thumb = render(image, spec)
                kind = {"image/jpeg": "JPEG", "image/gif": "GIF"}.get(content_type, "PNG")
                if kind == "JPEG" and thumb.mode not in ("RGB", "L"):
                    thumb = thumb.convert("RGB")
                thumb.save(out, format=kind)
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            return None
    out.seek(0)
    storage.save(key, out, content_type if content_type in ("image/jpeg", "image/gif") else "image/png")
    return key


def _draft_size(size: tuple[int, int], spec: ThumbSize) -> tuple[int, int]:
    """A decode size that still covers the thumb whichever way EXIF turns the image."""
    width, height = size
    scale = max(spec.width / width, spec.height / height, spec.width / height, spec.height / width)
    return max(1, int(width * scale) + 1), max(1, int(height * scale) + 1)


def render(image: Image.Image, spec: ThumbSize) -> Image.Image:
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    width, height = spec.width, spec.height
    if width == 0 or height == 0:  # keep the ratio on the missing side
        ratio = height / image.height if width == 0 else width / image.width
        return image.resize((max(1, round(image.width * ratio)), max(1, round(image.height * ratio))), Image.LANCZOS)
    if spec.mode == "f":
        copy = image.copy()
        copy.thumbnail((width, height), Image.LANCZOS)
        return copy
    centering = {"t": (0.5, 0.0), "b": (0.5, 1.0)}.get(spec.mode, (0.5, 0.5))
    return ImageOps.fit(image, (width, height), Image.LANCZOS, centering=centering)
