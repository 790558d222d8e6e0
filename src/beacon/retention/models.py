"""Review rules and the review schedule.

``retention_rule`` maps (theme, grade) to a review period in days; "*" matches any theme or any
grade and the most specific rule wins (see ``beacon.retention.service.pick_rule``).

``retention_review`` holds one row per reviewable record: its current review date and the last
decision. The row is updated on each decision; the full history of decisions lives in the audit
log (events ``retention.kept`` and ``retention.disposed`` for the record's type and id).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from beacon.db.base import Base

ANY = "*"
# The intelligence assessment of the 3x5x2 model: A known directly, B known indirectly but
# corroborated, C known indirectly, D not known, E suspected to be false.
GRADES = ("A", "B", "C", "D", "E")


class ReviewStatus(StrEnum):
    PENDING = "pending"  # awaiting review on ``review_due`` (again, after a keep decision)
    KEPT = "kept"  # transient: a keep decision moves the row straight back to pending
    DISPOSED = "disposed"  # personal content erased; the row stays as the record of disposal


class RetentionRule(Base):
    __tablename__ = "retention_rule"
    __table_args__ = (
        UniqueConstraint("theme", "grade"),
        CheckConstraint("review_after_days > 0", name="review_after_days_positive"),
        CheckConstraint("grade IN ('A', 'B', 'C', 'D', 'E', '*')", name="grade_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    theme: Mapped[str] = mapped_column(String(60), nullable=False)  # theme key, or "*"
    grade: Mapped[str] = mapped_column(String(1), nullable=False)  # A-E, or "*"
    review_after_days: Mapped[int] = mapped_column(Integer, nullable=False)


class RetentionReview(Base):
    __tablename__ = "retention_review"
    __table_args__ = (
        UniqueConstraint("record_type", "record_id"),
        CheckConstraint("status IN ('pending', 'kept', 'disposed')", name="status_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The record under review, as the audit log names it (no foreign key: any domain's records).
    record_type: Mapped[str] = mapped_column(String(60), nullable=False)
    record_id: Mapped[str] = mapped_column(String(100), nullable=False)
    # What the review date was computed from (None: not themed / not graded yet).
    theme: Mapped[str | None] = mapped_column(String(60))
    grade: Mapped[str | None] = mapped_column(String(1))
    created_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    review_due: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=ReviewStatus.PENDING)
    # The last decision (the earlier ones are in the audit log).
    decided_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL")
    )
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(Text)
