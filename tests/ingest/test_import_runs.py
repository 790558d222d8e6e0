"""Every importer records each file it took in ``import_run``, in the same transaction."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from beacon.geography.service import ImportFileError, import_imd, import_lookup
from beacon.ingest.models import ImportRun
from beacon.runtime import Runtime


def test_geography_imports_are_recorded_with_their_counts(
    runtime: Runtime, shared_data: Path, tmp_path: Path
) -> None:
    lookup = shared_data / "geography" / "lsoa11_ward19_lad19_lookup.csv"
    rows = lookup.read_text(encoding="utf-8-sig").splitlines()
    derby = tmp_path / "derby-lookup.csv"
    derby.write_text("\n".join([rows[0], *(r for r in rows[1:] if ",E06000015," in r)]) + "\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("not,a,lookup\n1,2,3\n")

    with runtime.sessions() as session:
        summary = import_lookup(session, derby)
        with pytest.raises(ImportFileError):
            import_imd(session, bad)

    with runtime.sessions() as session:
        runs = session.scalars(select(ImportRun)).all()
    assert len(runs) == 1  # the refused file left nothing behind
    run = runs[0]
    assert run.kind == "geo-lookup"
    assert run.source_name == "derby-lookup.csv"
    assert run.sha256 == hashlib.sha256(derby.read_bytes()).hexdigest()
    assert (run.rows_read, run.imported, run.updated, run.duplicates, run.rejected) == (
        summary.rows_read,
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.rejected,
    )
    assert run.rows_read == sum(1 for r in rows[1:] if ",E06000015," in r) == 151
