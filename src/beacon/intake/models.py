"""Intelligence intake records.

Two records per submission (the FixMyStreet rule): ``IntelRawSubmission`` keeps what the
reporter actually wrote and any contact details they chose to give; it is restricted to
intelligence supervisors, each view audited with a reason. ``IntelReport`` is the working,
sanitised record everyone else sees, built only from text a supervisor accepted.

Anonymity: nothing here stores a submitter's connection (address, browser, cookies, referrer).
Resident records carry dates, never times (``received_on``), and random ids, so neither a
timestamp nor an incrementing key orders them against anything else.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from beacon.db.base import Base, utcnow

RECORD_TYPE = "intel_report"
RAW_RECORD_TYPE = "intel_raw_submission"


def new_id() -> str:
    return uuid.uuid4().hex


class Channel(StrEnum):
    RESIDENT = "resident"
    PARTNER = "partner"


class State(StrEnum):
    RECEIVED = "received"
    SANITISED = "sanitised"
    GRADED = "graded"
    DISSEMINATED = "disseminated"
    CLOSED = "closed"


class LocationMode(StrEnum):
    POINT = "point"  # a map click or coordinates
    POSTCODE = "postcode"
    STREET = "street"  # a street or place described in words
    WITHHELD = "withheld"  # "I'd rather not say precisely"


class SubjectKind(StrEnum):
    PERSON = "person"
    ADDRESS = "address"
    VEHICLE = "vehicle"
    PHONE = "phone"
    ORGANISATION = "organisation"
    ONLINE_ACCOUNT = "online_account"


class SubjectRole(StrEnum):
    # DPA 2018 s.38: distinguish suspects, victims and witnesses.
    SUSPECT = "suspect"
    VICTIM = "victim"
    WITNESS = "witness"
    OTHER = "other"


class IntelReport(Base):
    """The sanitised intelligence record (implements ``beacon.access.Protected``)."""

    __tablename__ = "intel_report"
    __table_args__ = (
        Index("ix_intel_report_state", "owning_organisation_id", "state"),
        Index("ix_intel_report_received_on", "received_on"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    channel: Mapped[str] = mapped_column(String(10), nullable=False)
    state: Mapped[str] = mapped_column(String(15), nullable=False, default=State.RECEIVED)
    owning_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), nullable=False
    )
    submitted_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    received_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    state_changed_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    # Source (partner reports): organisation, kind of source, how the information was obtained.
    # The owner triage routed it to (``triage.routing``): its readers see the report as the
    # owning organisation's do. Sanitising, grading and originals stay with the owning one.
    # No foreign key: adding one to this table on SQLite means copying it, and organisations
    # are retired (``active``), never deleted.
    assigned_organisation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    assigned_team: Mapped[str | None] = mapped_column(String(120))
    source_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    source_type: Mapped[str | None] = mapped_column(String(60))
    source_details: Mapped[str | None] = mapped_column(Text)
    # When: a day or a range of days, an approximate time in words, or ongoing.
    occurred_from: Mapped[dt.date | None] = mapped_column(Date)
    occurred_to: Mapped[dt.date | None] = mapped_column(Date)
    occurred_time: Mapped[str | None] = mapped_column(String(60))
    occurred_ongoing: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Where: the place the report is about (never the reporter's own address).
    location_mode: Mapped[str] = mapped_column(String(10), nullable=False)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    postcode: Mapped[str | None] = mapped_column(String(8))
    location_text: Mapped[str | None] = mapped_column(Text)  # sanitised
    lsoa_code: Mapped[str | None] = mapped_column(String(9), index=True)
    ward_code: Mapped[str | None] = mapped_column(String(9))
    district_code: Mapped[str | None] = mapped_column(String(9))
    force_code: Mapped[str | None] = mapped_column(String(40))
    # What: theme hints from the reporter, the theme a supervisor or partner set.
    theme_hints: Mapped[str] = mapped_column(Text, nullable=False, default="")  # space-separated
    theme: Mapped[str | None] = mapped_column(String(60))
    summary: Mapped[str | None] = mapped_column(String(200))
    # Facts and assessments are kept apart (DPA 2018 s.38): ``narrative`` is what was seen or
    # reported; ``assessment`` is the source's or officer's opinion of it. Both sanitised.
    narrative: Mapped[str | None] = mapped_column(Text)
    assessment: Mapped[str | None] = mapped_column(Text)
    # 3x5x2 grading (College of Policing): source 1-3, intelligence A-E, handling P/C.
    source_evaluation: Mapped[str | None] = mapped_column(String(1))
    intelligence_assessment: Mapped[str | None] = mapped_column(String(1))
    handling_code: Mapped[str] = mapped_column(String(1), nullable=False, default="C")
    handling_conditions: Mapped[str | None] = mapped_column(Text)
    immediate_risk: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    restricted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    closed_reason: Mapped[str | None] = mapped_column(Text)
    # Keep-in-contact: a public locator and an Argon2 hash of the secret half of the code.
    contact_locator: Mapped[str | None] = mapped_column(String(16), unique=True)
    contact_secret_hash: Mapped[str | None] = mapped_column(String(200))
    erased: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class IntelRawSubmission(Base):
    """Exactly what was submitted, kept apart with stricter access."""

    __tablename__ = "intel_raw_submission"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    report_id: Mapped[str] = mapped_column(
        ForeignKey("intel_report.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    narrative: Mapped[str] = mapped_column(Text, nullable=False)
    assessment: Mapped[str | None] = mapped_column(Text)
    location_text: Mapped[str | None] = mapped_column(Text)
    # Contact details only when the reporter chose to give them.
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_preference: Mapped[str | None] = mapped_column(Text)
    # The automatic pre-sanitisation's proposals (JSON list of findings), for the review screen.
    proposed_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")


class IntelPhoto(Base):
    """A photo re-encoded at upload (no EXIF, no GPS); the file lives under the data dir."""

    __tablename__ = "intel_photo"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    report_id: Mapped[str] = mapped_column(
        ForeignKey("intel_report.id", ondelete="CASCADE"), nullable=False, index=True
    )
    storage_name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    content_type: Mapped[str] = mapped_column(String(40), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    # A supervisor releases a photo with the sanitised record once it is safe to show.
    released: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class IntelMessage(Base):
    """Keep-in-contact: questions to the reporter and their answers (answers are sanitised
    like reports: ``body`` is the raw answer, ``sanitised_body`` what staff see)."""

    __tablename__ = "intel_message"
    __table_args__ = (Index("ix_intel_message_report", "report_id", "position"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    report_id: Mapped[str] = mapped_column(
        ForeignKey("intel_report.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    direction: Mapped[str] = mapped_column(String(15), nullable=False)  # to_reporter/from_reporter
    body: Mapped[str] = mapped_column(Text, nullable=False)
    sanitised_body: Mapped[str | None] = mapped_column(Text)
    proposed_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    author_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_on: Mapped[dt.date] = mapped_column(Date, nullable=False)


class IntelSubject(Base):
    """A person, address, vehicle, phone, organisation or online account in a report."""

    __tablename__ = "intel_subject"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[str] = mapped_column(
        ForeignKey("intel_report.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    role: Mapped[str] = mapped_column(String(10), nullable=False, default=SubjectRole.OTHER)
    value: Mapped[str] = mapped_column(String(300), nullable=False)  # name, address, VRM...
    details: Mapped[str | None] = mapped_column(Text)  # description, age, platform...


class IntelIndicator(Base):
    """One indicator on a theme's checklist, with its weight (admins edit these)."""

    __tablename__ = "intel_indicator"
    __table_args__ = (UniqueConstraint("theme", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    theme: Mapped[str] = mapped_column(String(60), nullable=False)
    code: Mapped[str] = mapped_column(String(60), nullable=False)
    label: Mapped[str] = mapped_column(String(300), nullable=False)
    weight: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class IntelReportIndicator(Base):
    """An indicator ticked on a report, with the weight it had at the time."""

    __tablename__ = "intel_report_indicator"

    report_id: Mapped[str] = mapped_column(
        ForeignKey("intel_report.id", ondelete="CASCADE"), primary_key=True
    )
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("intel_indicator.id", ondelete="RESTRICT"), primary_key=True
    )
    weight: Mapped[int] = mapped_column(Integer, nullable=False)


class SupervisorDuty(Base):
    """Which intelligence supervisors are on duty (they say so on the intake page); the
    immediate-risk flag notifies them."""

    __tablename__ = "intel_supervisor_duty"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True
    )
    since: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
