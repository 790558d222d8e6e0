"""Tables of the partner data feeds shared under SI 2007/1831 (depersonalised data).

``partner_incident`` holds anti-social behaviour incidents and deliberate fires, one row per
incident, keyed by (feed kind, source organisation, the partner's own incident reference).
``assault_admission`` holds aggregated hospital admissions for assault, one row per (source,
period, outward postcode, age band, sex); ``record_key`` is a 16-byte digest of that key (age
band and sex may be absent, and NULLs never collide in a unique index).

``content_digest`` is a digest of what the partner sent for the record: a re-import with the
same digest changes nothing, a different digest updates the row in place. Geography (LSOA,
ward, district, force codes) is computed once at import and stored as plain codes, like the
police tables. Provenance as in ``ingest.models``: the import run that first added the row,
the latest one whose file contained it (not foreign keys: import runs are never deleted), and
its line in that file. See docs/DATA.md, "Partner feeds (SI 2007/1831)".
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from beacon.db.base import Base, utcnow


class _PartnerRow:
    """Columns shared by both partner tables."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), nullable=False
    )
    content_digest: Mapped[bytes] = mapped_column(LargeBinary(16), nullable=False)
    district_code: Mapped[str | None] = mapped_column(String(16))
    force_code: Mapped[str | None] = mapped_column(String(16))
    first_import_id: Mapped[int | None] = mapped_column(Integer)
    last_import_id: Mapped[int | None] = mapped_column(Integer)
    source_line: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )


class PartnerIncident(_PartnerRow, Base):
    """One anti-social behaviour incident or deliberate fire reported by a partner."""

    __tablename__ = "partner_incident"
    __table_args__ = (
        # The idempotency key. The reference leads: a batch's references are looked up by
        # reference alone, which PostgreSQL answers from this index (with the source first,
        # and stale statistics during a first import, it scanned every row of the source for
        # each look-up).
        UniqueConstraint(
            "partner_reference",
            "feed_kind",
            "source_organisation_id",
            name="uq_partner_incident_reference",  # the conventional name is over 63 characters
        ),
        # `stats partner-feeds --by month` and date-range queries per feed.
        Index("ix_partner_incident_kind_occurred_on", "feed_kind", "occurred_on"),
        # Analytics join incidents to areas by LSOA code.
        Index("ix_partner_incident_lsoa_code", "lsoa_code"),
        CheckConstraint("feed_kind IN ('asb', 'deliberate_fire')", name="feed_kind_valid"),
        CheckConstraint(
            "located_by IS NULL OR located_by IN ('coordinates', 'postcode', 'lsoa_code')",
            name="located_by_valid",
        ),
    )

    feed_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    partner_reference: Mapped[str] = mapped_column(String(100), nullable=False)
    occurred_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    occurred_time: Mapped[dt.time | None] = mapped_column(Time)
    # asb: personal, nuisance or environmental; deliberate_fire: primary or secondary.
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    # asb: the optional sub-type ("noise"); deliberate_fire: the property type ("Refuse").
    sub_type: Mapped[str | None] = mapped_column(String(100))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    postcode: Mapped[str | None] = mapped_column(String(8))
    # The LSOA code the partner gave (kept as sent); lsoa_code below is the one Beacon assigned.
    given_lsoa_code: Mapped[str | None] = mapped_column(String(16))
    lsoa_code: Mapped[str | None] = mapped_column(String(16))
    ward_code: Mapped[str | None] = mapped_column(String(16))
    # What placed the row: its coordinates (boundaries), its postcode (directory) or the LSOA
    # code the partner gave; NULL when nothing could (counted as unlocated).
    located_by: Mapped[str | None] = mapped_column(String(12))


class AssaultAdmission(_PartnerRow, Base):
    """Hospital admissions for assault in one period and outward postcode district."""

    __tablename__ = "assault_admission"
    __table_args__ = (
        # The key leads, for the same reason as partner_incident's reference.
        UniqueConstraint("record_key", "source_organisation_id", name="uq_assault_admission_key"),
        Index("ix_assault_admission_period_start", "period_start"),
        Index("ix_assault_admission_outward_postcode", "outward_postcode"),
        CheckConstraint("admissions IS NULL OR admissions >= 0", name="admissions_not_negative"),
        CheckConstraint(
            "(suppressed AND admissions IS NULL) OR (NOT suppressed AND admissions IS NOT NULL)",
            name="suppressed_has_no_count",
        ),
        CheckConstraint("period_end >= period_start", name="period_in_order"),
    )

    # Digest of (period_start, period_end, outward_postcode, age_band, sex).
    record_key: Mapped[bytes] = mapped_column(LargeBinary(16), nullable=False)
    period_start: Mapped[dt.date] = mapped_column(Date, nullable=False)
    period_end: Mapped[dt.date] = mapped_column(Date, nullable=False)
    outward_postcode: Mapped[str] = mapped_column(String(4), nullable=False)
    age_band: Mapped[str | None] = mapped_column(String(20))
    sex: Mapped[str | None] = mapped_column(String(10))
    # The count column of the feed ("count" is an SQL function name); NULL when suppressed.
    admissions: Mapped[int | None] = mapped_column(Integer)
    suppressed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The marker the partner used for a suppressed count ("*", "<5"), as sent.
    suppression_marker: Mapped[str | None] = mapped_column(String(10))
