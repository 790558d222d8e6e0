"""The record of each imported file (``import_run``), shared by every importer."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from beacon.ingest.models import ImportRun


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def record_import_run(
    session: Session,
    *,
    kind: str,
    path: Path,
    source_name: str,
    rows_read: int,
    imported: int,
    updated: int,
    duplicates: int,
    rejected: int,
    details: dict[str, Any] | None = None,
) -> ImportRun:
    """Add the run to ``session`` (written in the caller's transaction, with the data)."""
    now = dt.datetime.now(dt.UTC)
    run = ImportRun(
        kind=kind,
        source_name=source_name,
        sha256=file_sha256(path),
        started_at=now,
        finished_at=now,
        rows_read=rows_read,
        imported=imported,
        updated=updated,
        duplicates=duplicates,
        conflicts=0,
        rejected=rejected,
        summary_json=json.dumps(details or {}, default=str),
    )
    session.add(run)
    return run
