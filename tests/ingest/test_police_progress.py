"""The import's progress hook: what the upload page shows while a file is read."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from beacon.ingest.models import ImportRun, StreetCrime
from beacon.ingest.police_import import import_police_files
from beacon.runtime import Runtime

from .police_files import read_street


def test_progress_reports_bytes_per_batch_and_a_final_call_per_file(
    runtime: Runtime, shared_data: Path, tmp_path: Path
) -> None:
    first = shared_data / "police" / "2018-10-derbyshire-street.csv"
    second = shared_data / "police" / "2018-11-derbyshire-street.csv"
    missing = tmp_path / "missing.csv"
    calls: list[tuple[int, int, int]] = []

    import_police_files(
        runtime.engine,
        [first, missing, second],
        batch_rows=1_000,
        progress=lambda *call: calls.append(call),
    )

    assert [c[0] for c in calls] == sorted(c[0] for c in calls)  # files in order
    for index, path in ((0, first), (2, second)):
        mine = [c for c in calls if c[0] == index]
        size = path.stat().st_size
        assert {c[2] for c in mine} == {size}
        done = [c[1] for c in mine]
        assert done == sorted(done) and 0 < done[0] < size
        assert mine[-1] == (index, size, size)
        # At least one call per batch of 1,000 rows, plus the final one.
        assert len(mine) >= read_street(path).rows // 1_000 + 1
    assert [c for c in calls if c[0] == 1] == [(1, 0, 0)]


def test_an_exception_from_the_progress_hook_undoes_the_file(
    runtime: Runtime, shared_data: Path
) -> None:
    path = shared_data / "police" / "2018-12-derbyshire-street.csv"

    class Cancelled(Exception):
        pass

    def cancel(index: int, done: int, total: int) -> None:
        if done < total:
            raise Cancelled

    with pytest.raises(Cancelled):
        import_police_files(runtime.engine, [path], batch_rows=500, progress=cancel)
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(StreetCrime)) == 0
        assert session.scalar(select(func.count()).select_from(ImportRun)) == 0
