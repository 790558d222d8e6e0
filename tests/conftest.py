"""Shared fixtures.

Every test that asks for ``runtime`` (or ``db``) runs on a fresh SQLite file, and again on
PostgreSQL when ``BEACON_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it). Each PostgreSQL test
gets its own schema, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from beacon.config import Settings, get_settings
from beacon.runtime import Runtime, open_runtime
from reference_data import loaded_settings, snapshot_settings  # noqa: F401 - shared fixtures

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
POSTGRES_URL = os.environ.get("BEACON_TEST_POSTGRES_URL")


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"reference data not found at {SHARED_DATA} (the checkout's ../shared/data)")
    return SHARED_DATA


def _postgres_schema_url(schema: str) -> str:
    assert POSTGRES_URL
    url = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of the parametrised backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'beacon-test.db'}"
        return
    assert POSTGRES_URL
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _postgres_schema_url(schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(environment="test", database_url=database_url, data_dir=tmp_path / "var")


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = open_runtime(settings)
    try:
        yield rt
    finally:
        rt.close()


@pytest.fixture
def db(runtime: Runtime) -> Iterator[Session]:
    with runtime.sessions() as session:
        yield session


class BeaconCli:
    """Runs ``beacon ...`` in-process against the test database."""

    def __init__(self, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
        self.settings = settings
        self._monkeypatch = monkeypatch
        self._runner = CliRunner()

    def __call__(self, *args: str, expect_exit: int | None = 0):  # type: ignore[no-untyped-def]
        from beacon.cli import app

        self._monkeypatch.setenv("BEACON_DATABASE_URL", self.settings.database_url)
        self._monkeypatch.setenv("BEACON_ENVIRONMENT", "test")
        get_settings.cache_clear()
        try:
            result = self._runner.invoke(app, list(args), catch_exceptions=False)
        finally:
            get_settings.cache_clear()
        if expect_exit is not None:
            assert result.exit_code == expect_exit, (
                f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result


@pytest.fixture
def cli(settings: Settings, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> BeaconCli:
    """``cli("import", "police", path, "--json")`` runs Beacon's CLI on the test database."""
    return BeaconCli(settings, monkeypatch)
