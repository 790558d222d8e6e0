"""Analysis snapshots: complete, immutable, incremental, atomic, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import func, select

from beacon.analytics import snapshot as snapshot_module
from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.snapshot import list_snapshots, open_snapshot, refresh_snapshot
from beacon.config import Settings
from beacon.ingest.models import ImportRun, StreetCrime
from beacon.ingest.police_import import import_police_files
from beacon.runtime import Runtime

from .conftest import POLICE


def _rows(path: Path) -> int:
    return int(duckdb.sql(f"SELECT count(*) FROM read_parquet('{path.as_posix()}')").fetchone()[0])


def test_manifest_counts_hashes_and_runs_match_the_database(snapshot_settings: Settings) -> None:
    from beacon.runtime import open_runtime

    snap = open_snapshot(snapshot_settings)
    manifest = json.loads((snap.path / "manifest.json").read_text())
    runtime = open_runtime(snapshot_settings, migrate=False)
    try:
        with runtime.sessions() as session:
            crimes = session.scalar(select(func.count()).select_from(StreetCrime))
            runs = session.scalars(select(ImportRun.id).order_by(ImportRun.id)).all()
            months = session.scalars(select(StreetCrime.month).distinct()).all()
    finally:
        runtime.close()
    assert manifest["tables"]["street_crime"]["rows"] == crimes
    assert sum(_rows(p) for p in snap.files("street_crime")) == crimes
    assert [r["id"] for r in manifest["import_runs"]] == list(runs)
    assert manifest["street_crime_months"] == sorted(f"{m:%Y-%m}" for m in months)
    for name, table in manifest["tables"].items():
        digest = hashlib.sha256()
        for file in table["files"]:
            digest.update((snap.path / file).read_bytes())
        if name != "street_crime":  # street crime's hash is over its monthly hashes
            assert digest.hexdigest() == table["sha256"], name
        assert sum(_rows(snap.path / f) for f in table["files"]) == table["rows"], name
    assert manifest["tables"]["areas"]["rows"] == 34_753
    assert manifest["tables"]["lsoa_neighbours"]["rows"] > 1_000
    # Nothing that could identify a person leaves the database.
    columns = duckdb.sql(
        f"DESCRIBE SELECT * FROM read_parquet('{(snap.path / 'intelligence.parquet').as_posix()}')"
    ).fetchall()
    assert not {"narrative", "contact_email", "source_details"} & {c[0] for c in columns}


def test_police_force_is_the_force_whose_data_covers_the_district(
    snapshot_settings: Settings,
) -> None:
    snap = open_snapshot(snapshot_settings)
    rows = duckdb.sql(
        "SELECT DISTINCT district_code, police_force FROM read_parquet("
        f"'{(snap.path / 'areas.parquet').as_posix()}') WHERE police_force IS NOT NULL"
    ).fetchall()
    forces = dict(rows)
    assert forces["E06000015"] == "Derbyshire Constabulary"
    assert forces["E06000043"] == "Sussex Police"
    # Districts where a force recorded only stray rows across the border are not its own.
    assert set(forces.values()) == {"Derbyshire Constabulary", "Sussex Police"}
    assert len(forces) == 9 + 13


def _settings(runtime: Runtime) -> Settings:
    return runtime.settings


def test_refresh_reuses_unchanged_months_and_writes_only_new_ones(runtime: Runtime) -> None:
    derbyshire = [p for p in POLICE if "derbyshire" in p.name]
    import_police_files(runtime.engine, derbyshire[:2])
    first = refresh_snapshot(runtime.settings)
    assert first.manifest["written_months"] == ["2018-10", "2018-11"]

    import_police_files(runtime.engine, derbyshire[2:])
    second = refresh_snapshot(runtime.settings)
    assert second.manifest["reused_months"] == ["2018-10", "2018-11"]
    assert second.manifest["written_months"] == ["2018-12"]
    assert second.manifest["parent"] == first.id
    for name in first.manifest["street_crime_files"]["2018-10"]["files"]:
        assert (first.path / name).stat().st_ino == (second.path / name).stat().st_ino

    # The first snapshot is untouched and still opens; the latest is the second.
    assert open_snapshot(runtime.settings, first.id).table_rows("street_crime") == sum(
        first.manifest["street_crime_files"][m]["rows"] for m in ("2018-10", "2018-11")
    )
    assert open_snapshot(runtime.settings).id == second.id
    assert [s.id for s in list_snapshots(runtime.settings)] == [first.id, second.id]

    full = refresh_snapshot(runtime.settings, full=True)
    assert full.manifest["written_months"] == ["2018-10", "2018-11", "2018-12"]
    assert full.manifest["tables"]["street_crime"]["rows"] == second.table_rows("street_crime")


def test_a_crash_mid_refresh_leaves_no_half_snapshot(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_police_files(runtime.engine, POLICE[:1])
    good = refresh_snapshot(runtime.settings)
    real_copy = snapshot_module._copy

    def failing_copy(con, query, target, params=None):  # type: ignore[no-untyped-def]
        if target.name == "intelligence.parquet":
            raise OSError("disk full")
        return real_copy(con, query, target, params)

    monkeypatch.setattr(snapshot_module, "_copy", failing_copy)
    with pytest.raises(OSError, match="disk full"):
        refresh_snapshot(runtime.settings, full=True)
    root = Path(runtime.settings.data_dir) / "snapshots"
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == [good.id]
    assert open_snapshot(runtime.settings).id == good.id


def test_missing_snapshot_is_a_clear_error(runtime: Runtime) -> None:
    with pytest.raises(AnalysisInputError, match="beacon analyse snapshot"):
        open_snapshot(runtime.settings)
    refresh_snapshot(runtime.settings)
    with pytest.raises(AnalysisInputError, match="no snapshot 'nope'"):
        open_snapshot(runtime.settings, "nope")
    with pytest.raises(AnalysisInputError):
        open_snapshot(runtime.settings, "../etc")


def test_an_analysis_refreshes_a_stale_snapshot_but_a_named_one_is_kept(runtime: Runtime) -> None:
    from beacon.analytics.selection import area_choice, period_choice
    from beacon.analytics.service import analysis, run_counts

    def total(snapshot_id: str | None = None) -> tuple[str, int]:
        notes: list[str] = []
        with analysis(runtime.settings, snapshot_id=snapshot_id, say=notes.append) as context:
            result = run_counts(
                context,
                source="crime",
                choice=area_choice(),
                asked=period_choice(start="2018-10", end="2018-10"),
                by="",
            )
        return result.snapshot["id"], sum(r["count"] for r in result.rows)

    from beacon.geography.importers import import_lookup

    from .conftest import shared

    with runtime.sessions.begin() as session:
        import_lookup(session, shared("geography/lsoa11_ward19_lad19_lookup.csv"))
    derbyshire = [p for p in POLICE if "derbyshire" in p.name]
    sussex = [p for p in POLICE if "sussex" in p.name]
    import_police_files(runtime.engine, derbyshire[:1])
    first_id, first_total = total()  # no snapshot yet: one is written
    assert total() == (first_id, first_total)  # nothing changed: the same snapshot

    import_police_files(runtime.engine, sussex[:1])
    second_id, second_total = total()
    assert second_id != first_id and second_total > first_total
    assert total(first_id) == (first_id, first_total)  # a named snapshot never changes
