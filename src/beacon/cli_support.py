"""Small helpers every domain's CLI uses: JSON output, errors, exit codes."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer


def print_json(payload: Any) -> None:
    """Write ``payload`` as indented JSON to stdout (dates and paths become strings)."""
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a one-line error to stderr and exit with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
