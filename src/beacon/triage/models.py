"""The theme taxonomy as data: one row per theme, edited by administrators.

A theme's ``key`` is what records store (``intel_report.theme``, indicator checklists,
retention rules), so it never changes once created: a theme is reworded by changing its label,
and given up by retiring it (``active`` false). A retired theme keeps its row, so reports that
carry it are still labelled, but it is no longer offered for new input.

``police_categories`` lists the data.police.uk crime categories (API slugs, see
``taxonomy.POLICE_CATEGORIES``) whose published counts are the nearest public measure of the
theme, as a JSON array in the order of that list. A JSON column rather than a child table: the
list is short, always read and written whole with its theme, and no query selects by it.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from beacon.db.base import Base, utcnow

RECORD_TYPE = "triage_theme"


class Theme(Base):
    __tablename__ = "triage_theme"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    label: Mapped[str] = mapped_column(String(120), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    police_categories_json: Mapped[str] = mapped_column(
        "police_categories", Text, nullable=False, default="[]"
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )

    @property
    def police_categories(self) -> tuple[str, ...]:
        return tuple(json.loads(self.police_categories_json or "[]"))

    @police_categories.setter
    def police_categories(self, slugs: tuple[str, ...] | list[str]) -> None:
        self.police_categories_json = json.dumps(list(slugs))

    def __repr__(self) -> str:
        return f"Theme({self.key!r}, active={self.active})"


class ThemeCorrection(Base):
    """An analyst's themes for one report, replacing what the classifier (or an earlier
    correction) said. Kept as a history: the newest correction of a report is its label when
    ``beacon triage retrain`` learns from corrections. The text is not copied here: training
    reads the report's sanitised narrative, so an erased or disposed report teaches nothing."""

    __tablename__ = "triage_theme_correction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("intel_report.id", ondelete="CASCADE"), nullable=False, index=True
    )
    themes_json: Mapped[str] = mapped_column("themes", Text, nullable=False)
    previous_json: Mapped[str] = mapped_column("previous_themes", Text, nullable=False)
    corrected_by_user_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("app_user.id", ondelete="SET NULL")
    )
    corrected_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )

    @property
    def themes(self) -> tuple[str, ...]:
        return tuple(json.loads(self.themes_json))

    @property
    def previous(self) -> tuple[str, ...]:
        return tuple(json.loads(self.previous_json))
