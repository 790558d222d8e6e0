"""Helpers for the resident portal's tests: forms, photos with metadata, hostile files, and a
real ``beacon serve`` process."""

from __future__ import annotations

import io
import os
import re
import socket
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from PIL import ExifTags, Image, ImageCms

from beacon.audit.service import AuditActor
from beacon.auth.service import create_organisation, create_user
from beacon.config import Settings
from beacon.runtime import open_runtime

CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){5}\b")
SUPERVISOR_EMAIL = "supervisor@example.org"
SUPERVISOR_PASSWORD = "harbour-violet-quartz-93"

# A complete, valid report as the form sends it (the keys are the form's input names).
FORM: dict[str, str] = {
    "narrative": "Cars pull up outside number 9 every few minutes after dark and leave again.",
    "location_mode": "street",
    "location_text": "Albion Street",
    "when_mode": "ongoing",
    "occurred_time": "most evenings",
    "contact_choice": "no",
}


def codes_in(text: str) -> list[str]:
    return CODE.findall(text)


def jpeg_with_metadata(
    *, size: tuple[int, int] = (40, 20), orientation: int = 6, marker: str = "exif-canary"
) -> bytes:
    """A JPEG carrying EXIF (camera, artist, time, orientation) with a GPS block, XMP, an ICC
    profile and a comment, each holding ``marker``."""
    image = Image.new("RGB", size, (200, 10, 10))
    # A distinct left half, to check the orientation was applied to the pixels.
    for x in range(size[0] // 2):
        for y in range(size[1]):
            image.putpixel((x, y), (10, 10, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Artist] = marker
    exif[ExifTags.Base.Make] = f"{marker}-camera"
    exif[ExifTags.Base.DateTime] = "2026:03:27 21:14:05"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (53.0, 48.0, 1.5),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (1.0, 32.0, 59.25),
    }
    out = io.BytesIO()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image.save(
        out,
        "JPEG",
        exif=exif,
        comment=f"{marker}-comment".encode(),
        xmp=f'<x:xmpmeta xmlns:x="adobe:ns:meta/">{marker}-xmp</x:xmpmeta>'.encode(),
        icc_profile=icc + f"{marker}-icc".encode(),
    )
    return out.getvalue()


def animated_png() -> bytes:
    frames = [Image.new("RGB", (16, 16), colour) for colour in ((255, 0, 0), (0, 255, 0))]
    out = io.BytesIO()
    frames[0].save(out, "PNG", save_all=True, append_images=frames[1:], duration=200)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def zip_file() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("photo.jpg", b"\x00" * 5_000_000)  # 5 MB of zeros, a few KB zipped
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# A real server


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def beacon_command() -> list[str]:
    script = Path(sys.executable).with_name("beacon")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from beacon.cli import app; app(prog_name='beacon')"]


def prepare_database(database_url: str, data_dir: Path) -> None:
    """Migrate, and create the organisation and supervisor that receive residents' reports."""
    runtime = open_runtime(
        Settings(environment="test", database_url=database_url, data_dir=data_dir)
    )
    actor = AuditActor.system("test")
    try:
        with runtime.sessions() as session:
            organisation = create_organisation(
                session, name="Receiving Police", org_type="police_force", actor=actor
            )
            create_user(
                session,
                organisation_id=organisation.id,
                email=SUPERVISOR_EMAIL,
                display_name="Supervisor",
                password=SUPERVISOR_PASSWORD,
                roles=["intelligence_supervisor"],
                actor=actor,
            )
            session.commit()
    finally:
        runtime.close()


@contextmanager
def beacon_server(
    *, database_url: str, data_dir: Path, log_dir: Path, host: str = "127.0.0.1"
) -> Iterator[str]:
    """``beacon serve`` on ``host`` and a free port; stdout and stderr go to files in
    ``log_dir``. Yields the base URL; stops the server (SIGTERM) on exit."""
    port = free_port(host)
    env = {
        **os.environ,
        "BEACON_ENVIRONMENT": "test",
        "BEACON_DATABASE_URL": database_url,
        "BEACON_DATA_DIR": str(data_dir),
        "BEACON_HOST": host,
    }
    base = f"http://{host}:{port}"
    with (
        open(log_dir / "server.stdout.log", "wb") as stdout,
        open(log_dir / "server.stderr.log", "wb") as stderr,
    ):
        process = subprocess.Popen(
            [*beacon_command(), "serve", "--port", str(port)],
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    logs = "".join(
                        path.read_text(errors="replace") for path in sorted(log_dir.glob("server*"))
                    )
                    raise RuntimeError(f"beacon serve did not start:\n{logs}")
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
