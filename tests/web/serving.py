"""`beacon serve` in a child process on a free port, for browser tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def beacon_command() -> list[str]:
    script = Path(sys.executable).with_name("beacon")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from beacon.cli import app; app(prog_name='beacon')"]


@contextmanager
def running_beacon(env: dict[str, str], log: Path, *, start_timeout: float = 30) -> Iterator[str]:
    """Start `beacon serve` with ``env`` added to the environment; yield its base URL."""
    port = free_port()
    full_env = {**os.environ, "BEACON_ENVIRONMENT": "test", "BEACON_HOST": "127.0.0.1", **env}
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [*beacon_command(), "serve", "--port", str(port)],
            env=full_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + start_timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError):
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"beacon serve did not start:\n{log.read_text()}")
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
