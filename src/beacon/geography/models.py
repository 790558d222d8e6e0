"""Geography tables.

Areas carry a *vintage* (the year of the boundary set their code belongs to: LSOA 2011,
ward 2019, ward 2025, ...) because ONS codes change between vintages and the files we join
(lookups, boundaries, police data) are not all of one vintage. Each area has at most one parent
within its own vintage chain (LSOA 2011 -> ward 2019 -> district 2019 -> force area).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from beacon.db.base import Base


class AreaLevel(StrEnum):
    LSOA = "lsoa"
    WARD = "ward"
    DISTRICT = "district"
    FORCE = "force"


class Area(Base):
    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("level", "code", "vintage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    code: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    vintage: Mapped[str] = mapped_column(String(8), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("area.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # File the area (or its latest change) came from, for provenance.
    source: Mapped[str | None] = mapped_column(String(300), nullable=True)


class AreaBoundary(Base):
    """A polygon for an area, as WKB (WGS84 lon/lat), with its bounding box."""

    __tablename__ = "area_boundary"

    area_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )
    geometry_wkb: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    min_lon: Mapped[float] = mapped_column(Float, nullable=False)
    min_lat: Mapped[float] = mapped_column(Float, nullable=False)
    max_lon: Mapped[float] = mapped_column(Float, nullable=False)
    max_lat: Mapped[float] = mapped_column(Float, nullable=False)


class Deprivation(Base):
    """One LSOA's rank and decile on one index or domain of one edition (e.g. IMD2019)."""

    __tablename__ = "area_deprivation"
    __table_args__ = (UniqueConstraint("edition", "domain", "lsoa_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition: Mapped[str] = mapped_column(String(16), nullable=False)
    domain: Mapped[str] = mapped_column(String(40), nullable=False)
    lsoa_code: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    decile: Mapped[int] = mapped_column(Integer, nullable=False)


class Postcode(Base):
    """A postcode from the ONS Postcode Directory or NSPL, with the areas it falls in."""

    __tablename__ = "postcode"

    # Normalised form: upper case, one space before the inward code ("DE1 1AA").
    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    lsoa_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    ward_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    district_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    force_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Year and month of termination (YYYYMM) for postcodes no longer in use.
    terminated: Mapped[str | None] = mapped_column(String(6), nullable=True)
    source: Mapped[str | None] = mapped_column(String(300), nullable=True)
