"""Reference tables the analyses read: LSOA population and crime harm weights.

Both come in *editions* (a census or mid-year estimate; a named weights table). Each imported
edition has one ``reference_edition`` row saying where it came from and whether it is the one
the analyses use (``active``: at most one per kind, kept so by ``reference.activate_edition``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from beacon.db.base import Base, utcnow


class ReferenceEdition(Base):
    """One imported edition of a reference table (``kind``: population or harm-weights)."""

    __tablename__ = "reference_edition"
    __table_args__ = (
        UniqueConstraint("kind", "edition"),
        CheckConstraint("kind IN ('population', 'harm-weights')", name="kind_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    edition: Mapped[str] = mapped_column(String(40), nullable=False)
    # The file it was last imported from, its layout, and that import (import_run.id).
    source_name: Mapped[str] = mapped_column(String(300), nullable=False)
    layout: Mapped[str] = mapped_column(String(40), nullable=False)
    import_run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )


class AreaPopulation(Base):
    """Usual resident population of one LSOA in one edition (``census2011``, ``mye2020``)."""

    __tablename__ = "area_population"
    __table_args__ = (
        UniqueConstraint("edition", "lsoa_code"),
        CheckConstraint("population >= 0", name="population_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition: Mapped[str] = mapped_column(String(40), nullable=False)
    lsoa_code: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    population: Mapped[int] = mapped_column(Integer, nullable=False)
    # Provenance: the file and import run (import_run.id, not a foreign key, as for police rows)
    # that last set this value, and its line in that file.
    source: Mapped[str] = mapped_column(String(300), nullable=False)
    import_run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source_line: Mapped[int | None] = mapped_column(Integer, nullable=True)


class HarmWeight(Base):
    """The harm weight of one data.police.uk crime category in one named weights table."""

    __tablename__ = "harm_weight"
    __table_args__ = (
        UniqueConstraint("edition", "crime_type"),
        CheckConstraint("weight >= 0", name="weight_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition: Mapped[str] = mapped_column(String(40), nullable=False)
    crime_type: Mapped[str] = mapped_column(String(60), nullable=False)
    weight: Mapped[float] = mapped_column(Float, nullable=False)
    # How the weight was reached (which offences, what averaging) and where it came from.
    basis: Mapped[str] = mapped_column(Text, nullable=False, default="")
    source: Mapped[str] = mapped_column(String(300), nullable=False)
    import_run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
