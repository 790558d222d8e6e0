"""Receiving data.police.uk files uploaded in the browser (see ``police_web``).

The multipart body is parsed as it arrives (python-multipart), and each file is written straight
into a private folder under the data directory (``uploads/police/<random>/<n>/<name>``, folders
0700), hashed (SHA-256) on the way. Nothing is spooled elsewhere and nothing is read into memory
whole. The form's CSRF token must arrive before the first file (browsers send fields in the
form's order, and the token is the form's first field), so a forged request is refused before
a byte of any file is written.

Refusals raise ``UploadRefused`` with the status and the message the page shows; whoever called
``receive_upload`` removes the folder (``discard``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import shutil
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from anyio import to_thread
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from beacon.ingest.web import upload_name

MAX_FILES = 60  # three kinds x 20 months: more than a year of one force's custom download
MAX_FIELD_BYTES = 4096  # the form's own text fields (token, force, tick box) are short
MAX_PARTS = MAX_FILES + 20
SNIFF_BYTES = 8192
STALE_SECONDS = 24 * 3600  # an upload folder this old belongs to no running import
_FOLDER_MODE = 0o700
CSRF_REFUSED = "csrf"  # the page shows the usual CSRF message
INTERRUPTED = (
    "The upload was cut short before every file had arrived (the connection may have dropped). "
    "Nothing from it was imported or kept. Choose the files and upload them again."
)
DAMAGED = (
    "The upload arrived damaged (the form data could not be read). Nothing from it was imported "
    "or kept. Choose the files and upload them again."
)


class UploadRefused(Exception):
    """The upload as a whole is refused: ``status`` and the sentence the page shows."""

    def __init__(self, status: int, message: str, *, files: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.files = files or []


@dataclass
class ReceivedFile:
    """One uploaded file, written to ``path``."""

    name: str  # the file's own name, as the browser gave it (made safe)
    path: Path
    size: int = 0
    sha256: str = ""
    problem: str | None = None  # why it cannot be a data.police.uk CSV file, or None
    too_large: bool = False


@dataclass
class ReceivedUpload:
    folder: Path
    fields: dict[str, str] = field(default_factory=dict)
    files: list[ReceivedFile] = field(default_factory=list)


def megabytes(limit: int) -> str:
    return f"{limit // (1024 * 1024):,} MB"


def private_folder(data_dir: Path) -> Path:
    """A new folder only Beacon's user can read, under ``data_dir/uploads/police``."""
    parent = data_dir / "uploads" / "police"
    parent.mkdir(parents=True, exist_ok=True, mode=_FOLDER_MODE)
    os.chmod(parent, _FOLDER_MODE)
    folder = parent / secrets.token_hex(16)
    folder.mkdir(mode=_FOLDER_MODE)
    os.chmod(folder, _FOLDER_MODE)  # mkdir's mode is filtered by the umask
    return folder


def discard(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def sweep_stale_folders(data_dir: Path, keep: set[Path]) -> None:
    """Remove upload folders left behind by a server that stopped mid-import."""
    parent = data_dir / "uploads" / "police"
    if not parent.is_dir():
        return
    cutoff = time.time() - STALE_SECONDS
    for folder in parent.iterdir():
        try:
            old = folder.stat().st_mtime < cutoff
        except OSError:
            continue
        if old and folder not in keep:
            discard(folder)


def sniff(head: bytes, name: str) -> str | None:
    """Why a file starting with ``head`` is not CSV text (None when it may be)."""
    lower = name.lower()
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        if lower.endswith((".xlsx", ".xlsm", ".ods")):
            return (
                "this is a spreadsheet workbook, not a CSV file. data.police.uk publishes CSV "
                "files: upload those as downloaded (or save the sheet as CSV UTF-8)"
            )
        return (
            "this is a ZIP archive, not a CSV file. data.police.uk's custom download is a ZIP: "
            "unzip it and upload the CSV files inside its month folders"
        )
    if head.startswith(b"\x1f\x8b"):
        return "this is a gzip-compressed file, not a CSV file: decompress it and upload the CSV"
    if head.startswith(b"%PDF"):
        return "this is a PDF document, not a CSV file"
    if head.startswith((b"\xd0\xcf\x11\xe0", b"\x09\x08", b"\x09\x04")):
        return "this is an old Excel (.xls) workbook, not a CSV file"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "this is UTF-16 text; data.police.uk files are UTF-8: upload the file as downloaded"
    if b"\x00" in head:
        return "this is a binary file, not CSV text (it contains NUL bytes)"
    return None


class _Reader:
    """python-multipart callbacks writing file parts to the upload folder."""

    def __init__(
        self,
        upload: ReceivedUpload,
        *,
        max_file_bytes: int,
        token_ok: Callable[[str], bool],
    ) -> None:
        self.upload = upload
        self.max_file_bytes = max_file_bytes
        self.token_ok = token_ok
        self.token_checked = False
        self.finished = False
        self._parts = 0
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._disposition = b""
        self._field: tuple[str, bytearray] | None = None
        self._file: ReceivedFile | None = None
        self._out: IO[bytes] | None = None
        self._sha = hashlib.sha256()
        self._head = bytearray()

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_end": self.on_end,
        }

    def on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise UploadRefused(400, "The form had far more parts than Beacon's form has.")
        self._disposition = b""
        self._field = None
        self._file = None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name.extend(data[start:end])

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value.extend(data[start:end])
        if len(self._header_value) > MAX_FIELD_BYTES:
            raise UploadRefused(400, "Part of the form had a header far longer than expected.")

    def on_header_end(self) -> None:
        if bytes(self._header_name).lower() == b"content-disposition":
            self._disposition = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        raw_name = options.get(b"name")
        if raw_name is None:
            raise UploadRefused(400, "Part of the form had no name.")
        name = raw_name.decode("utf-8", "replace")
        if b"filename" not in options:
            self._field = (name, bytearray())
            return
        filename = options[b"filename"].decode("utf-8", "replace")
        if name != "files" or not filename:
            return  # an empty file input (nothing chosen), or a file for no field of ours
        if not self.token_checked:
            # The token comes before the files in Beacon's form: without it, nothing is written.
            self._check_token()
        if len(self.upload.files) >= MAX_FILES:
            raise UploadRefused(
                413,
                f"More than {MAX_FILES} files were chosen; Beacon takes at most {MAX_FILES} in "
                "one upload. Upload them in smaller groups (for example a year at a time).",
            )
        index = len(self.upload.files) + 1
        folder = self.upload.folder / f"{index:02d}"
        folder.mkdir(mode=_FOLDER_MODE)
        received = ReceivedFile(name=upload_name(filename), path=Path())
        received.path = folder / received.name
        self.upload.files.append(received)
        self._file = received
        self._out = open(received.path, "xb")  # noqa: SIM115 - closed in on_part_end
        self._sha = hashlib.sha256()
        self._head = bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._field is not None:
            value = self._field[1]
            if len(value) + (end - start) > MAX_FIELD_BYTES:
                raise UploadRefused(400, "A field of the form was far longer than expected.")
            value.extend(data[start:end])
            return
        received = self._file
        if received is None or received.too_large:
            return
        chunk = data[start:end]
        received.size += len(chunk)
        if received.size > self.max_file_bytes:
            # Keep reading the request (to name every file that is too large) but store nothing.
            received.too_large = True
            self._close_file()
            received.path.unlink(missing_ok=True)
            return
        if len(self._head) < SNIFF_BYTES:
            self._head.extend(chunk[: SNIFF_BYTES - len(self._head)])
        self._sha.update(chunk)
        assert self._out is not None
        self._out.write(chunk)

    def on_part_end(self) -> None:
        if self._field is not None:
            name, value = self._field
            text = value.decode("utf-8", "replace")
            self.upload.fields.setdefault(name, text)
            if name == "csrf_token":
                self._check_token()
            self._field = None
            return
        received = self._file
        if received is None:
            return
        self._close_file()
        if not received.too_large:
            received.sha256 = self._sha.hexdigest()
            received.problem = sniff(bytes(self._head), received.name)
        self._file = None

    def on_end(self) -> None:
        self.finished = True

    def close(self) -> None:
        self._close_file()

    def _close_file(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def _check_token(self) -> None:
        if not self.token_ok(self.upload.fields.get("csrf_token", "")):
            raise UploadRefused(403, CSRF_REFUSED)
        self.token_checked = True


async def receive_upload(
    chunks: AsyncIterator[bytes],
    boundary: bytes,
    folder: Path,
    *,
    max_file_bytes: int,
    max_body_bytes: int,
    token_ok: Callable[[str], bool],
) -> ReceivedUpload:
    """Parse a multipart body into ``folder``. Raises ``UploadRefused`` (the caller discards the
    folder), or lets ``ClientDisconnect`` through when the browser goes away."""
    upload = ReceivedUpload(folder=folder)
    reader = _Reader(upload, max_file_bytes=max_file_bytes, token_ok=token_ok)
    parser = MultipartParser(boundary, reader.callbacks())  # type: ignore[arg-type]
    total = 0
    pending = bytearray()
    try:
        async for chunk in chunks:
            total += len(chunk)
            if total > max_body_bytes:
                raise UploadRefused(
                    413,
                    f"The upload is larger than {megabytes(max_body_bytes)}, the most Beacon "
                    "takes in one go. Upload the files in smaller groups.",
                )
            pending.extend(chunk)
            # Disk writes and hashing happen off the event loop, about 1 MB at a time.
            if len(pending) >= 1 << 20:
                await to_thread.run_sync(parser.write, bytes(pending))
                pending.clear()
        if pending:
            await to_thread.run_sync(parser.write, bytes(pending))
        parser.finalize()
    except FormParserError:
        raise UploadRefused(400, DAMAGED) from None
    finally:
        reader.close()
    if not reader.finished:
        raise UploadRefused(400, INTERRUPTED)
    if not reader.token_checked:
        reader._check_token()
    too_large = [f.name for f in upload.files if f.too_large]
    if too_large:
        raise UploadRefused(
            413,
            f"Each file can be at most {megabytes(max_file_bytes)}; "
            + ", ".join(too_large)
            + (" is" if len(too_large) == 1 else " are")
            + " larger. Nothing from this upload was imported.",
            files=too_large,
        )
    return upload


def token_matches(sent: str, expected: str) -> bool:
    return bool(sent) and bool(expected) and hmac.compare_digest(sent, expected)
