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
    """A raw reader that reports bytes read to a callback (cheap: called per 8 KB chunk)."""

    def __init__(self, raw: IO[bytes], advance: Any) -> None:
        self._raw = raw
        self._advance = advance

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self._advance(n)
        return n or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


@contextmanager
def open_text_with_progress(
    path: Path, description: str, *, encoding: str = "utf-8-sig"
) -> Iterator[IO[str]]:
    """Open ``path`` as text (newline='' for csv), drawing a byte-based bar when on a terminal."""
    if not progress_enabled():
        with open(path, encoding=encoding, newline="") as handle:
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
        raw = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by the wrapper below
        reader = io.BufferedReader(
            _CountingReader(raw, lambda n: progress.advance(task, n)), buffer_size=1 << 16
        )
        with io.TextIOWrapper(reader, encoding=encoding, newline="") as handle:
            yield handle
