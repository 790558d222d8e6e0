"""Photos from residents: decoded, checked and re-encoded so no metadata survives.

A phone photo carries EXIF (camera, owner name, time to the second, often GPS to a few metres):
enough to identify a reporter. Beacon never keeps the uploaded bytes. It decodes the image with
Pillow, applies the EXIF orientation, copies only the pixels into a new image and encodes that
as JPEG (or PNG for images with transparency): EXIF, XMP, IPTC, ICC profiles, comments and
thumbnails are all gone. Files are stored under random names in the data directory.

Limits (each refused with a message the reporter can act on): file size, formats (JPEG, PNG,
WebP, HEIF is not decodable here), pixel count (decompression bombs: a small file that expands
to gigapixels), animated images (first frame only would silently drop content: refused).
"""

from __future__ import annotations

import io
import os
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48-megapixel phone is ~48M: 40M leaves a margin for 12-24M cameras
MAX_SIDE = 4096  # stored photos are downscaled to this longest side
ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "MPO": "JPEG"}
JPEG_QUALITY = 88


class PhotoRejected(ValueError):
    """The upload is not a photo Beacon accepts; the message says why, in plain words."""


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def clean_photo(data: bytes, *, max_bytes: int = MAX_PHOTO_BYTES) -> CleanPhoto:
    """Decode ``data`` and return a freshly encoded copy without any metadata."""
    if not data:
        raise PhotoRejected("The photo file is empty.")
    if len(data) > max_bytes:
        raise PhotoRejected(
            f"The photo is too large ({len(data) / 1_048_576:.1f} MB); "
            f"the limit is {max_bytes // 1_048_576} MB."
        )
    try:
        with warnings.catch_warnings():
            # Pillow warns between MAX_IMAGE_PIXELS and twice that; treat the warning as the
            # refusal it should be.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                if opened.format not in ACCEPTED_FORMATS:
                    raise PhotoRejected(
                        f"Photos must be JPEG, PNG or WebP images (this file is "
                        f"{opened.format or 'not an image'})."
                    )
                width, height = opened.size
                if width * height > MAX_PIXELS:
                    raise PhotoRejected(
                        f"The photo has too many pixels ({width} x {height}); "
                        f"the limit is {MAX_PIXELS // 1_000_000} megapixels."
                    )
                if getattr(opened, "n_frames", 1) > 1 and opened.format != "MPO":
                    raise PhotoRejected("Animated images are not accepted; send a still photo.")
                opened.load()
                upright = ImageOps.exif_transpose(opened)
    except PhotoRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected(
            "The file is not a photo Beacon can read (JPEG, PNG or WebP), or it is damaged "
            "or too large when opened."
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise PhotoRejected(f"The photo could not be read: it looks damaged ({exc}).") from None
    has_alpha = upright.mode in ("RGBA", "LA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    # Copy the pixels into a brand-new image: nothing from the original's info dict comes along.
    pixels = upright.convert("RGBA" if has_alpha else "RGB")
    fresh = Image.new(pixels.mode, pixels.size)
    fresh.paste(pixels)
    if max(fresh.size) > MAX_SIDE:
        fresh.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if has_alpha:
        fresh.save(out, format="PNG", optimize=False)
        content_type, extension = "image/png", "png"
    else:
        fresh.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        content_type, extension = "image/jpeg", "jpg"
    return CleanPhoto(
        data=out.getvalue(),
        content_type=content_type,
        extension=extension,
        width=fresh.size[0],
        height=fresh.size[1],
    )


@dataclass(frozen=True)
class StoredPhoto:
    """A cleaned photo already written to the store (what the database row records)."""

    name: str
    content_type: str
    width: int
    height: int
    size_bytes: int


class PhotoStore:
    """Photo files under ``directory`` with random names; written durably (fsync) before the
    report that refers to them commits, removed again if it does not."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def save(self, photo: CleanPhoto) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{uuid.uuid4().hex}.{photo.extension}"
        path = self.directory / name
        temporary = path.with_suffix(".part")
        with open(temporary, "wb") as handle:
            handle.write(photo.data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        directory_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory_fd)
        finally:
            os.close(directory_fd)
        return name

    def store(self, photo: CleanPhoto) -> StoredPhoto:
        return StoredPhoto(
            name=self.save(photo),
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            size_bytes=len(photo.data),
        )

    def path(self, name: str) -> Path:
        if "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"not a stored photo name: {name!r}")
        return self.directory / name

    def read(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)
