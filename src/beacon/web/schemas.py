"""JSON shapes of the web domain's API (read by programs; the HTML pages show the same data)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class HealthOut(_Out):
    status: str = Field(description="'ok', or 'error' when a check failed.")
    database: str = Field(description="'ok' when the database answered `SELECT 1`, else 'error'.")
    version: str = Field(description="Beacon's version.")


class ForceCoverageOut(_Out):
    force: str = Field(description="The force's name as in data.police.uk's 'Falls within'.")
    first_month: dt.date | None
    last_month: dt.date | None
    months: int = Field(description="Months with at least one row of any kind.")
    street_crimes: int = Field(description="Street-level crimes, anti-social behaviour excluded.")
    anti_social_behaviour: int
    outcomes: int
    stop_searches: int
    without_location: int = Field(
        description="Street-level rows (crimes and ASB) without coordinates."
    )
    without_lsoa: int = Field(description="Street-level rows (crimes and ASB) without an LSOA.")


class PoliceTotalsOut(_Out):
    forces: int
    first_month: dt.date | None
    last_month: dt.date | None
    months: int
    street_crimes: int
    anti_social_behaviour: int
    outcomes: int
    stop_searches: int
    without_location: int
    without_lsoa: int
    rows: int = Field(description="All police rows: crimes, ASB, outcomes and stop and search.")


class AreaCountOut(_Out):
    level: str = Field(description="lsoa, ward, district or force.")
    vintage: str = Field(description="Year of the boundary set the codes belong to.")
    areas: int
    boundaries: int = Field(description="Areas of this level and vintage that have a boundary.")


class DeprivationCountOut(_Out):
    edition: str
    rows: int
    lsoas: int
    domains: int


class ImportRunOut(_Out):
    id: int
    kind: str
    source_name: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    rows_read: int
    imported: int
    updated: int
    duplicates: int
    conflicts: int
    rejected: int

    @field_validator("started_at", "finished_at")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        # SQLite hands back naive datetimes; Beacon stores UTC.
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


class OverviewOut(_Out):
    """Everything loaded into this Beacon database."""

    is_empty: bool
    police: PoliceTotalsOut
    forces: list[ForceCoverageOut]
    areas: list[AreaCountOut]
    boundaries: int
    postcodes: int
    deprivation: list[DeprivationCountOut]
    import_runs: int = Field(description="Import runs recorded in total.")
    recent_imports: list[ImportRunOut] = Field(description="The last 10 import runs, newest first.")
