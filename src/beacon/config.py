"""Typed settings, read from ``BEACON_*`` environment variables.

Every setting is documented in docs/CONFIGURATION.md.

A test (tests/test_config_docs.py) fails when a setting here is missing from the docs.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused outside development


class Settings(BaseSettings):
    """All of Beacon's configuration. Every field is documented in docs/CONFIGURATION.md."""

    model_config = SettingsConfigDict(env_prefix="BEACON_", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        default="development",
        description="Deployment kind. In 'production' the default secrets are refused.",
    )
    database_url: str = Field(
        default="sqlite:///var/beacon.db",
        description="SQLAlchemy URL of the operational database; SQLite file by default, "
        "postgresql+psycopg://... for PostgreSQL 15.",
    )
    secret_key: SecretStr = Field(
        default=SecretStr(DEFAULT_SECRET_KEY),
        description="Key for signing tokens and keyed hashes. Must be set outside development.",
    )
    host: str = Field(default="127.0.0.1", description="Address `beacon serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `beacon serve` listens on.")
    data_dir: Path = Field(
        default=Path("var"), description="Directory for Beacon's own files (database, uploads)."
    )
    import_batch_rows: int = Field(
        default=20_000,
        ge=100,
        description="Rows staged per batch during imports; bounds import memory.",
    )
    police_upload_max_mb: int = Field(
        default=200,
        ge=1,
        le=100_000,
        description="Largest data.police.uk file (MB) the web upload at /imports/police accepts; "
        "the limit is per file, and one upload takes at most 60 files.",
    )
    intake_organisation: str | None = Field(
        default=None,
        description="Name of the organisation whose intelligence supervisors receive residents' "
        "reports and partner intelligence. Unset: the first organisation that has an active "
        "intelligence supervisor.",
    )
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server for e-mail notifications (immediate-risk alerts). Unset: "
        "messages wait in the outbox and the intake page says so.",
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Port of the SMTP server.")
    mail_from: str = Field(
        default="beacon@localhost", description="From address of e-mail Beacon sends."
    )
    web_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Worker processes `beacon serve` runs (each has its own intake writer).",
    )
    migrate_on_start: bool = Field(
        default=True,
        description="Whether the web app migrates the database when it starts (`beacon serve` "
        "turns this off for its workers after migrating once itself).",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=10_000, ge=0, description="How long a SQLite connection waits for a lock (ms)."
    )

    analytics_engine: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="Engine `beacon analyse` runs on when --engine is not given.",
    )
    analytics_auto_refresh: bool = Field(
        default=True,
        description="Whether an analysis without --snapshot first refreshes the latest snapshot "
        "when the database changed since it was written.",
    )
    workspace_default_area: str | None = Field(
        default=None,
        description="Area the analysis workspace opens on (force:NAME, lad:CODE or ward:CODE).",
        pattern=r"^(force|lad|ward):[A-Za-z0-9 \-]{1,60}$",
    )
    assessment_config_file: str | None = Field(
        default=None,
        description="JSON file of assessment themes, MoRiLE-style scales and weights (a copy "
        "of src/beacon/assessment/data/default.json); unset: the shipped defaults.",
    )
    spark_connect_url: str | None = Field(
        default=None,
        description="Spark Connect URL (sc://host:15002) for --engine spark. Unset: Spark runs "
        "in this process with BEACON_SPARK_MASTER.",
    )
    spark_master: str = Field(
        default="local[2]", description="Spark master for --engine spark without Spark Connect."
    )

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.environment == "production" and (
            self.secret_key.get_secret_value() == DEFAULT_SECRET_KEY
        ):
            raise ValueError(
                "BEACON_SECRET_KEY still has its development default; set a long random value "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
