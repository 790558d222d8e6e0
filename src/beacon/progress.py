"""Progress bars for long work, drawn on stderr only when it is a terminal."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)


def progress_enabled() -> bool:
    return sys.stderr.isatty()


class _CountingReader(io.RawIOBase):
    """A raw reader that reports bytes read to callbacks (cheap: called per 64 KB chunk)."""

    def __init__(self, raw: IO[bytes], advance: Any, on_bytes: Any = None) -> None:
        self._raw = raw
        self._advance = advance
        self._on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self._advance(n)
            if self._on_bytes is not None:
                self._on_bytes(memoryview(buffer)[:n])
        return n or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


def _noop(_n: int) -> None:
    return None


@contextmanager
def open_text_with_progress(
    path: Path,
    description: str,
    *,
    encoding: str = "utf-8-sig",
    on_bytes: Any = None,
) -> Iterator[IO[str]]:
    """Open ``path`` as text (newline='' for csv), drawing a byte-based bar when on a terminal.

    ``on_bytes`` (optional) receives every chunk of raw bytes read, e.g. ``hashlib.sha256().update``
    to fingerprint the file in the same pass.
    """
    if not progress_enabled():
        with _open_counting(path, encoding, _noop, on_bytes) as handle:
            yield handle
        return
    total = path.stat().st_size
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=total)
        with _open_counting(
            path, encoding, lambda n: progress.advance(task, n), on_bytes
        ) as handle:
            yield handle


@contextmanager
def _open_counting(path: Path, encoding: str, advance: Any, on_bytes: Any) -> Iterator[IO[str]]:
    raw = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by the wrapper below
    reader = io.BufferedReader(_CountingReader(raw, advance, on_bytes), buffer_size=1 << 16)
    with io.TextIOWrapper(reader, encoding=encoding, newline="") as handle:
        yield handle
