"""Photo re-encoding: metadata gone, limits enforced with plain messages."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from beacon.sanitise.photos import PhotoRejected, PhotoStore, clean_photo

GPS_IFD = 0x8825


def _jpeg_with_exif(size: tuple[int, int] = (80, 40), orientation: int = 6) -> bytes:
    image = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "CanaryCam"  # Make
    exif[0x013B] = "Jo Bloggs"  # Artist
    exif[0x0112] = orientation  # rotate 90 when displayed
    exif[0x9003] = "2026:11:24 05:51:07"  # DateTimeOriginal (in the Exif IFD in practice)
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (50.0, 49.0, 12.5)
    gps[3] = "W"
    gps[4] = (0.0, 8.0, 1.25)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, comment=b"canary comment")
    return buffer.getvalue()


def test_exif_and_gps_are_gone_and_orientation_applied() -> None:
    original = _jpeg_with_exif()
    assert b"CanaryCam" in original and b"Jo Bloggs" in original
    clean = clean_photo(original)
    assert clean.content_type == "image/jpeg"
    for needle in (b"CanaryCam", b"Jo Bloggs", b"Exif", b"canary comment", b"2026:11:24"):
        assert needle not in clean.data
    reopened = Image.open(io.BytesIO(clean.data))
    assert not reopened.getexif()
    assert reopened.getexif().get_ifd(GPS_IFD) == {}
    assert "exif" not in reopened.info and "comment" not in reopened.info
    assert (clean.width, clean.height) == (40, 80)  # orientation 6 turned it upright


def test_png_with_text_chunks_and_transparency() -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jo Bloggs")
    buffer = io.BytesIO()
    Image.new("RGBA", (30, 30), (0, 0, 0, 0)).save(buffer, format="PNG", pnginfo=info)
    clean = clean_photo(buffer.getvalue())
    assert clean.content_type == "image/png" and b"Jo Bloggs" not in clean.data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.4 not an image", "not a photo"),
        (b"GIF89a" + b"\x00" * 100, "not a photo|JPEG, PNG or WebP"),
    ],
)
def test_not_photos(data: bytes, message: str) -> None:
    with pytest.raises(PhotoRejected, match=message):
        clean_photo(data)


def test_a_zip_bomb_is_not_a_photo() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.bin", b"\x00" * 20_000_000)
    with pytest.raises(PhotoRejected, match="not a photo"):
        clean_photo(buffer.getvalue())


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge image (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused_before_decoding() -> None:
    with pytest.raises(PhotoRejected, match=r"too many pixels|too large"):
        clean_photo(_png_claiming(50_000, 50_000))


def test_size_limit() -> None:
    with pytest.raises(PhotoRejected, match="too large"):
        clean_photo(b"\xff" * 2_000_000, max_bytes=1_000_000)


def test_truncated_jpeg_is_refused() -> None:
    with pytest.raises(PhotoRejected):
        clean_photo(_jpeg_with_exif()[:200])


def test_big_photos_are_downscaled() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (5000, 100), (1, 2, 3)).save(buffer, format="JPEG")
    clean = clean_photo(buffer.getvalue())
    assert max(clean.width, clean.height) == 4096


def test_store_writes_random_names_and_refuses_paths(tmp_path: Path) -> None:
    store = PhotoStore(tmp_path / "photos")
    name = store.save(clean_photo(_jpeg_with_exif()))
    assert store.read(name)[:2] == b"\xff\xd8"
    assert not list((tmp_path / "photos").glob("*.part"))
    with pytest.raises(ValueError):
        store.path("../etc/passwd")
    store.delete(name)
    assert not store.path(name).exists()
