"""Command-line interface of this domain (filled in by the domain's work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer, import_app: typer.Typer | None = None) -> None:
    """Add this domain's commands to ``beacon``."""
