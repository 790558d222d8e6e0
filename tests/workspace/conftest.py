"""Workspace pages over the shared reference database (fixtures in tests/reference_data.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from beacon.app import create_app
from beacon.config import Settings
from beacon.runtime import Runtime, open_runtime
from web.conftest import sign_in

ADUR = "E07000223"


@pytest.fixture
def workspace_runtime(snapshot_settings: Settings) -> Iterator[Runtime]:
    runtime = open_runtime(snapshot_settings)
    try:
        yield runtime
    finally:
        runtime.close()


@pytest.fixture
def analyst(workspace_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=workspace_runtime), base_url="https://testserver") as client:
        sign_in(client, workspace_runtime)
        yield client
