"""Counts of the partner feeds (``beacon stats partner-feeds``).

Incidents (anti-social behaviour, deliberate fires) are counted as records; assault admissions
as the sum of their counts, with the rows whose count was suppressed counted separately (their
admissions are unknown, so never added in). Records without a district are grouped under a
null key, never dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from beacon.geography.models import Area, AreaLevel
from beacon.ingest.partner_formats import ASSAULT_ADMISSIONS, FEED_KINDS, INCIDENT_FEED_KIND
from beacon.ingest.partner_models import AssaultAdmission, PartnerIncident

GROUPINGS: tuple[str, ...] = ("month", "district", "category")


class PartnerStatsError(ValueError):
    """A request the data cannot answer; the message says what to change."""


@dataclass
class CountRow:
    key: str | None
    name: str | None
    count: int
    suppressed_records: int = 0


@dataclass
class FeedCounts:
    """One feed's figures. ``total`` is incidents, or admissions (suppressed rows excluded)."""

    kind: str
    records: int
    total: int
    rows: list[CountRow]
    suppressed_records: int = 0

    def to_dict(self) -> dict[str, Any]:
        admissions = self.kind == ASSAULT_ADMISSIONS
        data: dict[str, Any] = {
            "kind": self.kind,
            "counts": "admissions" if admissions else "incidents",
            "records": self.records,
            "total": self.total,
        }
        if admissions:
            data["suppressed_records"] = self.suppressed_records
        data["rows"] = [
            {"key": r.key, "name": r.name, "count": r.count}
            | ({"suppressed_records": r.suppressed_records} if admissions else {})
            for r in self.rows
        ]
        return data


@dataclass
class PartnerCounts:
    by: str
    feeds: list[FeedCounts]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "feeds": [f.to_dict() for f in self.feeds], "notes": self.notes}


def count_partner_feeds(
    session: Session, *, by: str = "month", kind: str | None = None
) -> PartnerCounts:
    """Count each feed (or only ``kind``) grouped by month, district or category.

    Month is the incident's date, or an admission period's start; category is the incident
    category (assault admissions have none: they are left out, or refused when asked for).
    """
    if by not in GROUPINGS:
        raise PartnerStatsError(f"cannot group by {by!r}: choose one of {', '.join(GROUPINGS)}")
    if kind is not None and kind not in FEED_KINDS:
        raise PartnerStatsError(f"unknown feed {kind!r}: choose one of {', '.join(FEED_KINDS)}")
    if kind == ASSAULT_ADMISSIONS and by == "category":
        raise PartnerStatsError(
            "assault admissions have no category: use --by month or --by district"
        )
    result = PartnerCounts(by=by, feeds=[])
    for feed in [kind] if kind else list(FEED_KINDS):
        if feed == ASSAULT_ADMISSIONS:
            if by == "category":
                result.notes.append("assault admissions have no category and are not shown")
                continue
            result.feeds.append(_admissions(session, by))
        else:
            result.feeds.append(_incidents(session, feed, by))
    if by == "district":
        names = _district_names(
            session, {row.key for feed in result.feeds for row in feed.rows if row.key}
        )
        for counts in result.feeds:
            for row in counts.rows:
                row.name = names.get(row.key) if row.key else None
    return result


def _incidents(session: Session, kind: str, by: str) -> FeedCounts:
    t = PartnerIncident.__table__.c
    column = {"month": t.occurred_on, "district": t.district_code, "category": t.category}[by]
    grouped = session.execute(
        select(column, func.count()).where(t.feed_kind == INCIDENT_FEED_KIND[kind]).group_by(column)
    ).all()
    merged: dict[str | None, CountRow] = {}
    for key, count in grouped:
        text = _month_text(key) if by == "month" else key
        row = merged.setdefault(text, CountRow(text, None, 0))
        row.count += count
    total = sum(row.count for row in merged.values())
    return FeedCounts(kind, total, total, _ordered(merged.values(), by))


def _admissions(session: Session, by: str) -> FeedCounts:
    t = AssaultAdmission.__table__.c
    column = t.period_start if by == "month" else t.district_code
    grouped = session.execute(
        select(
            column,
            func.count(),
            func.coalesce(func.sum(t.admissions), 0),
            func.sum(case((t.suppressed, 1), else_=0)),
        ).group_by(column)
    ).all()
    merged: dict[str | None, CountRow] = {}
    records = 0
    for key, rows, admissions, suppressed in grouped:
        text = _month_text(key) if by == "month" else key
        row = merged.setdefault(text, CountRow(text, None, 0))
        row.count += int(admissions)
        row.suppressed_records += int(suppressed or 0)
        records += rows
    return FeedCounts(
        ASSAULT_ADMISSIONS,
        records,
        sum(r.count for r in merged.values()),
        _ordered(merged.values(), by),
        suppressed_records=sum(r.suppressed_records for r in merged.values()),
    )


def _ordered(rows: Iterable[CountRow], by: str) -> list[CountRow]:
    if by == "month":
        return sorted(rows, key=lambda r: r.key or "")
    return sorted(rows, key=lambda r: (-r.count, r.key is None, r.key or ""))


def _month_text(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m")
    return str(value)[:7]


def _district_names(session: Session, codes: set[str]) -> dict[str, str]:
    """Each district code's name, from its newest stored vintage."""
    if not codes:
        return {}
    rows = session.execute(
        select(Area.code, Area.name, Area.vintage).where(
            Area.level == AreaLevel.DISTRICT.value, Area.code.in_(sorted(codes))
        )
    ).all()
    names: dict[str, tuple[str, str]] = {}
    for code, name, vintage in rows:
        if name and (code not in names or vintage > names[code][0]):
            names[code] = (vintage, name)
    return {code: name for code, (_, name) in names.items()}
