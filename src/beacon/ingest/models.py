"""Tables for imported data and the record of each import.

Idempotency: every imported row has a ``record_key`` (16-byte digest) and an ``occurrence``
(0 for the first row with that key in its file, 1 for the next, ...); the pair is unique, so
re-importing a file or an overlapping one adds nothing. See docs/DATA.md for how each kind of
row is keyed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from beacon.db.base import Base, utcnow


class ImportRun(Base):
    """One file read by one import command, with its outcome."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    source_name: Mapped[str] = mapped_column(String(300), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    started_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    rows_read: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    imported: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    conflicts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rejected: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    summary_json: Mapped[str | None] = mapped_column(Text)


class _ImportedRow:
    """Columns shared by every imported data.police.uk row."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_key: Mapped[bytes] = mapped_column(LargeBinary(16), nullable=False)
    occurrence: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Provenance: the import run (import_run.id) that first added this row, the latest one
    # whose file contained it, and the row's line in that file. Deliberately not foreign keys:
    # checking them on every inserted row cost about 6% of import throughput, and import runs
    # are never deleted.
    first_import_id: Mapped[int | None] = mapped_column(Integer)
    last_import_id: Mapped[int | None] = mapped_column(Integer)
    source_line: Mapped[int | None] = mapped_column(Integer)


class StreetCrime(_ImportedRow, Base):
    """A data.police.uk street-level crime or anti-social behaviour row."""

    __tablename__ = "police_street_crime"
    # No secondary index: the import's speed depends on it (docs/PERFORMANCE.md); the
    # overview and `stats crimes` scan the table, analytics read Parquet snapshots.
    __table_args__ = (UniqueConstraint("record_key", "occurrence"),)

    crime_id: Mapped[str | None] = mapped_column(String(64))
    month: Mapped[dt.date] = mapped_column(Date, nullable=False)
    reported_by: Mapped[str] = mapped_column(String(100), nullable=False)
    falls_within: Mapped[str] = mapped_column(String(100), nullable=False)
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    location: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    lsoa_code: Mapped[str | None] = mapped_column(String(16))
    lsoa_name: Mapped[str | None] = mapped_column(String(100))
    crime_type: Mapped[str] = mapped_column(String(64), nullable=False)
    last_outcome_category: Mapped[str | None] = mapped_column(String(120))
    context: Mapped[str | None] = mapped_column(Text)


class CrimeOutcome(_ImportedRow, Base):
    """A data.police.uk outcomes row: one outcome of one crime, in the month it was recorded."""

    __tablename__ = "police_outcome"
    __table_args__ = (
        UniqueConstraint("record_key", "occurrence"),
        Index("ix_police_outcome_force_month", "falls_within", "month"),
    )

    crime_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    month: Mapped[dt.date] = mapped_column(Date, nullable=False)
    reported_by: Mapped[str] = mapped_column(String(100), nullable=False)
    falls_within: Mapped[str] = mapped_column(String(100), nullable=False)
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    location: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    lsoa_code: Mapped[str | None] = mapped_column(String(16))
    lsoa_name: Mapped[str | None] = mapped_column(String(100))
    outcome_type: Mapped[str] = mapped_column(String(120), nullable=False)


class StopSearch(_ImportedRow, Base):
    """A data.police.uk stop-and-search row."""

    __tablename__ = "police_stop_search"
    __table_args__ = (
        UniqueConstraint("record_key", "occurrence"),
        Index("ix_police_stop_search_force_month", "force", "month"),
    )

    force: Mapped[str] = mapped_column(String(100), nullable=False)
    search_type: Mapped[str] = mapped_column(String(40), nullable=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    month: Mapped[dt.date] = mapped_column(Date, nullable=False)
    part_of_operation: Mapped[bool | None] = mapped_column(Boolean)
    operation_name: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    gender: Mapped[str | None] = mapped_column(String(20))
    age_range: Mapped[str | None] = mapped_column(String(20))
    self_defined_ethnicity: Mapped[str | None] = mapped_column(String(200))
    officer_defined_ethnicity: Mapped[str | None] = mapped_column(String(40))
    legislation: Mapped[str | None] = mapped_column(String(200))
    object_of_search: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str | None] = mapped_column(String(120))
    outcome_linked_to_object: Mapped[bool | None] = mapped_column(Boolean)
    removal_of_outer_clothing: Mapped[bool | None] = mapped_column(Boolean)
