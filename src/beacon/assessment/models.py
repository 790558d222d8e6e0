"""Assessments, their runs, what analysts and partners enter, and the versions issued.

An ``Assessment`` is the piece of work (scope, period, themes, kind) that moves through
draft -> reviewed -> approved. Each computation of it is an ``AssessmentRun`` holding the
manifest (snapshot, hashes, parameters, configuration, code version, seed) and the whole
document as JSON, so a page shows a run without recomputing it and two runs can be compared.
``beacon assess`` on the command line stores runs too (``assessment_id`` empty).

Judgement is entered, never computed: partner capacity ratings, horizon-scan items, score
overrides and narratives are append-only rows with who and when; the latest row per key counts
and a withdrawn row says so. Approved versions (``AssessmentIssue``) hold the files exactly as
issued and are never updated (the service refuses; the table has no update path).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from beacon.db.base import Base, utcnow

RECORD_TYPE = "assessment"


class Status(StrEnum):
    DRAFT = "draft"
    REVIEWED = "reviewed"
    APPROVED = "approved"


class Assessment(Base):
    __tablename__ = "assessment"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'reviewed', 'approved')", name="status_valid"),
        CheckConstraint(
            "kind IN ('strategic', 'tactical', 'problem', 'community_impact', 'neighbourhood')",
            name="kind_valid",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    # "force:44", "district:E06000015,E07000223", "ward:E05...", "lsoa:E01..."
    scope: Mapped[str] = mapped_column(String(400), nullable=False, index=True)
    period_from: Mapped[str] = mapped_column(String(7), nullable=False)
    period_to: Mapped[str] = mapped_column(String(7), nullable=False)
    # JSON: themes in play, the problem profile's theme, the incident of a community impact
    # assessment, whether a district assessment is linked to its force's.
    parameters: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=Status.DRAFT.value)
    review_on: Mapped[dt.date | None] = mapped_column(nullable=True)
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
    reviewed_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AssessmentRun(Base):
    __tablename__ = "assessment_run"
    __table_args__ = (Index("ix_assessment_run_scope_kind", "scope", "kind", "period_to"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A random public id (the manifest names it; tasks will point at a run's priorities).
    run_key: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    scope: Mapped[str] = mapped_column(String(400), nullable=False)
    period_from: Mapped[str] = mapped_column(String(7), nullable=False)
    period_to: Mapped[str] = mapped_column(String(7), nullable=False)
    snapshot_id: Mapped[str] = mapped_column(String(80), nullable=False)
    manifest: Mapped[str] = mapped_column(Text, nullable=False)
    document: Mapped[str] = mapped_column(Text, nullable=False)
    figures_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)  # name, or "command line"
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class CapacityRating(Base):
    """A partner's own rating of its capacity and capability to respond to one theme
    (1 = strong, able to respond fully ... 5 = no capacity), entered by that partner's users."""

    __tablename__ = "assessment_capacity"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False, index=True
    )
    theme: Mapped[str] = mapped_column(String(60), nullable=False)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False
    )
    rating: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    entered_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    entered_by: Mapped[str] = mapped_column(String(200), nullable=False)
    entered_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class HorizonItem(Base):
    """One horizon-scan item under a PESTELO heading."""

    __tablename__ = "assessment_horizon"
    __table_args__ = (
        CheckConstraint(
            "category IN ('political', 'economic', 'social', 'technological', "
            "'environmental', 'legal', 'organisational')",
            name="category_valid",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False, index=True
    )
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    themes: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # JSON list
    entered_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    entered_by: Mapped[str] = mapped_column(String(200), nullable=False)
    entered_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ScoreOverride(Base):
    """An analyst's replacement for one computed score component, with the reason."""

    __tablename__ = "assessment_override"
    __table_args__ = (
        CheckConstraint("value BETWEEN 1 AND 5", name="value_range"),
        CheckConstraint(
            "component IN ('harm', 'likelihood', 'confidence', 'position')",
            name="component_valid",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False, index=True
    )
    theme: Mapped[str] = mapped_column(String(60), nullable=False)
    component: Mapped[str] = mapped_column(String(20), nullable=False)
    value: Mapped[int] = mapped_column(Integer, nullable=False)
    justification: Mapped[str] = mapped_column(Text, nullable=False)
    entered_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    entered_by: Mapped[str] = mapped_column(String(200), nullable=False)
    entered_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Narrative(Base):
    """An analyst's narrative for one theme (or the executive summary, theme ``summary``)."""

    __tablename__ = "assessment_narrative"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), nullable=False, index=True
    )
    theme: Mapped[str] = mapped_column(String(60), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    entered_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    entered_by: Mapped[str] = mapped_column(String(200), nullable=False)
    entered_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class AssessmentIssue(Base):
    """An approved version exactly as issued: one row per audience (analysts see small
    numbers; the shared version suppresses them)."""

    __tablename__ = "assessment_issue"
    __table_args__ = (
        UniqueConstraint("assessment_id", "version", "audience"),
        CheckConstraint("audience IN ('analysts', 'shared')", name="audience_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    run_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_run.id", ondelete="RESTRICT"), nullable=False
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    audience: Mapped[str] = mapped_column(String(20), nullable=False)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    html: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    annex_xlsx: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    sha256: Mapped[str] = mapped_column(Text, nullable=False)  # JSON {file: digest}
    issued_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    issued_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class IssueImmutable(RuntimeError):
    """An issued version was about to be changed or deleted."""


# Registered with the model itself, so no code path can change an issued version.
@event.listens_for(AssessmentIssue, "before_update")
@event.listens_for(AssessmentIssue, "before_delete")
def _refuse_change(_mapper: object, _connection: object, target: AssessmentIssue) -> None:
    raise IssueImmutable(
        f"version {target.version} ({target.audience}) of assessment {target.assessment_id} "
        "was issued and cannot be changed: reopen the assessment and issue a new version"
    )
