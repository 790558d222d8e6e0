"""Every setting is documented, and secrets refuse their default in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from beacon.config import Settings

DOC = Path(__file__).resolve().parents[1] / "docs" / "CONFIGURATION.md"


def test_every_setting_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`BEACON_{name.upper()}`" not in text]
    assert missing == [], f"document these settings in docs/CONFIGURATION.md: {missing}"


def test_default_secret_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="BEACON_SECRET_KEY"):
        Settings(environment="production")
    Settings(environment="production", secret_key="a-real-secret-" + "x" * 40)


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEACON_PORT", "8123")
    monkeypatch.setenv("BEACON_DATABASE_URL", "postgresql://db.example/beacon")
    settings = Settings()
    assert settings.port == 8123
    assert not settings.is_sqlite
    monkeypatch.setenv("BEACON_PORT", "not-a-port")
    with pytest.raises(ValidationError, match="port"):
        Settings()
