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

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
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


# ---------------------------------------------------------------------------------------------
# What triage decided about each report (written after sanitising, kept up to date)

ROUTE_STATES = ("routed", "fallback", "unroutable")


class TriageResult(Base):
    """One row per triaged report: its themes with scores, its priority with every component,
    and how its owner was chosen. Rewritten when the report is re-sanitised, regraded or its
    themes are corrected; the history is in the audit trail (``intel.triaged`` and others)."""

    __tablename__ = "triage_result"

    report_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("intel_report.id", ondelete="CASCADE"), primary_key=True
    )
    themes_json: Mapped[str] = mapped_column("themes", Text, nullable=False, default="[]")
    scores_json: Mapped[str] = mapped_column("scores", Text, nullable=False, default="{}")
    # "model", "analyst" (a correction), or "hints" (no model: the reporter's hint and
    # indicators only, and the page says so).
    theme_source: Mapped[str] = mapped_column(String(10), nullable=False)
    model_version: Mapped[str | None] = mapped_column(String(80))
    priority_base: Mapped[float] = mapped_column(Float, nullable=False, default=0.0, index=True)
    priority_band: Mapped[str] = mapped_column(String(4), nullable=False, default="P4")
    priority_json: Mapped[str] = mapped_column("priority", Text, nullable=False, default="{}")
    # The owner itself is on the report (``intel_report.assigned_organisation_id`` and
    # ``assigned_team``), where the access policy reads it.
    route_rule_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("triage_route_rule.id", ondelete="SET NULL")
    )
    route_state: Mapped[str] = mapped_column(String(12), nullable=False)
    route_why: Mapped[str] = mapped_column(Text, nullable=False, default="")
    alert_acknowledged_by_user_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("app_user.id", ondelete="SET NULL")
    )
    alert_acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    triaged_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )

    @property
    def themes(self) -> tuple[str, ...]:
        return tuple(json.loads(self.themes_json or "[]"))

    @property
    def scores(self) -> dict[str, float]:
        return dict(json.loads(self.scores_json or "{}"))

    @property
    def priority(self) -> dict[str, object]:
        return dict(json.loads(self.priority_json or "{}"))


class RouteRule(Base):
    """(area, theme) -> owning organisation (and team), edited by administrators. Exactly one
    active rule may be the fallback (``fallback`` true, no area or theme): the owner of what no
    other rule matches. See ``routing`` for which rule wins."""

    __tablename__ = "triage_route_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    area_level: Mapped[str] = mapped_column(String(10), nullable=False)  # lsoa..force | any
    area_code: Mapped[str | None] = mapped_column(String(40))
    theme_key: Mapped[str | None] = mapped_column(String(60))
    owner_organisation_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("organisation.id", ondelete="RESTRICT"), nullable=False
    )
    team: Mapped[str | None] = mapped_column(String(120))
    fallback: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )


class EntityMention(Base):
    """One entity in one report: from the sanitised text (``source`` "text", with its span) or
    a partner's structured subject ("subject"). ``value_key`` is the normalised key linking
    matches exactly; ``block`` the coarse group fuzzy matching compares within; ``entity_key``
    the entity it was resolved into (the entity's canonical value key)."""

    __tablename__ = "triage_mention"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("intel_report.id", ondelete="CASCADE"), nullable=False, index=True
    )
    entity_type: Mapped[str] = mapped_column(String(10), nullable=False)
    value: Mapped[str] = mapped_column(String(300), nullable=False)
    value_key: Mapped[str] = mapped_column(String(320), nullable=False, index=True)
    block: Mapped[str] = mapped_column(String(320), nullable=False, index=True)
    entity_key: Mapped[str] = mapped_column(String(320), nullable=False, index=True)
    source: Mapped[str] = mapped_column(String(8), nullable=False)
    part: Mapped[str | None] = mapped_column(String(20))  # narrative | assessment | location
    text: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)


class EntityMatch(Base):
    """Why two value keys are one entity: a fuzzy rule with its score, or an analyst's
    confirmation. Rewritten with the block when linking runs again."""

    __tablename__ = "triage_entity_match"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_key: Mapped[str] = mapped_column(String(320), nullable=False, index=True)
    block: Mapped[str] = mapped_column(String(320), nullable=False, index=True)
    rule: Mapped[str] = mapped_column(String(40), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    key_a: Mapped[str] = mapped_column(String(320), nullable=False)
    key_b: Mapped[str] = mapped_column(String(320), nullable=False)


class LinkDecision(Base):
    """An analyst's confirm or split of two value keys; withdrawn rather than deleted."""

    __tablename__ = "triage_link_decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)  # confirm | split
    key_a: Mapped[str] = mapped_column(String(320), nullable=False, index=True)
    key_b: Mapped[str] = mapped_column(String(320), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    decided_by_user_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("app_user.id", ondelete="SET NULL")
    )
    decided_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


DUPLICATE_STATES = ("suggested", "merged", "dismissed")


class DuplicateLink(Base):
    """A suggested duplicate pair (``report_a`` < ``report_b``) and what an analyst decided.
    A merge keeps both reports untouched and marks ``duplicate_id`` as a duplicate of
    ``primary_id``; undoing it sets the state back to suggested."""

    __tablename__ = "triage_duplicate"
    __table_args__ = (UniqueConstraint("report_a", "report_b", name="uq_triage_duplicate_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_a: Mapped[str] = mapped_column(
        String(32), ForeignKey("intel_report.id", ondelete="CASCADE"), nullable=False, index=True
    )
    report_b: Mapped[str] = mapped_column(
        String(32), ForeignKey("intel_report.id", ondelete="CASCADE"), nullable=False, index=True
    )
    similarity: Mapped[float] = mapped_column(Float, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="suggested")
    primary_id: Mapped[str | None] = mapped_column(String(32))
    decided_by_user_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("app_user.id", ondelete="SET NULL")
    )
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
