"""Counts of police-recorded street crime, grouped by type, place or month.

Counting is done in SQL (GROUP BY on the street table); grouping by ward or district maps
LSOA codes through the loaded geography lookup, and every row the lookup cannot place is
reported (``unmatched`` codes and ``no_lsoa`` rows), never dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.geography.service import lsoa_hierarchy
from beacon.ingest.forces import resolve_force_name
from beacon.ingest.models import StreetCrime
from beacon.ingest.police_formats import CRIME_TYPES

GroupBy = Literal["crime_type", "lsoa", "ward", "district", "month"]
GROUPINGS: tuple[str, ...] = ("crime_type", "lsoa", "ward", "district", "month")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class StatsError(ValueError):
    """A request the data cannot answer; the message says what to change."""


@dataclass(frozen=True)
class CountRow:
    key: str | None
    name: str | None
    count: int


@dataclass
class CrimeCounts:
    by: str
    filters: dict[str, Any]
    total: int
    rows: list[CountRow]
    # LSOA codes the geography lookup does not know, with their row counts (ward/district).
    unmatched: list[CountRow] = field(default_factory=list)
    # Rows with no LSOA code at all (no location published), when grouping by place.
    no_lsoa: int = 0
    geography: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "filters": self.filters,
            "total": self.total,
            "rows": [{"key": r.key, "name": r.name, "count": r.count} for r in self.rows],
            "unmatched": {
                "rows": sum(r.count for r in self.unmatched),
                "lsoa_codes": [{"lsoa_code": r.key, "count": r.count} for r in self.unmatched],
            },
            "no_lsoa": self.no_lsoa,
            "geography": self.geography,
        }


def parse_month(text: str) -> dt.date:
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise StatsError(f"month {text!r} is not in the form YYYY-MM (e.g. 2018-10)")
    return dt.date(int(match[1]), int(match[2]), 1)


def loaded_forces(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(StreetCrime.falls_within).distinct().order_by(StreetCrime.falls_within)
        )
    )


def count_crimes(
    session: Session,
    *,
    by: str,
    force: str | None = None,
    month: str | None = None,
    crime_type: str | None = None,
) -> CrimeCounts:
    """Count street-level rows (crimes and anti-social behaviour) grouped ``by``."""
    if by not in GROUPINGS:
        raise StatsError(f"cannot group by {by!r}: choose one of {', '.join(GROUPINGS)}")
    table = StreetCrime.__table__
    conditions = []
    filters: dict[str, Any] = {}
    if force:
        name = resolve_force_name(force)
        forces = loaded_forces(session)
        if name not in forces:
            known = ", ".join(forces) or "none loaded yet"
            raise StatsError(f"no street crime loaded for force {force!r} (loaded: {known})")
        conditions.append(table.c.falls_within == name)
        filters["force"] = name
    if month:
        conditions.append(table.c.month == parse_month(month))
        filters["month"] = month
    if crime_type:
        if crime_type not in CRIME_TYPES:
            raise StatsError(
                f"crime type {crime_type!r} is not a data.police.uk category: "
                + ", ".join(sorted(CRIME_TYPES))
            )
        conditions.append(table.c.crime_type == crime_type)
        filters["crime_type"] = crime_type

    count = func.count().label("n")
    if by == "crime_type":
        column = table.c.crime_type
    elif by == "month":
        column = table.c.month
    else:
        column = table.c.lsoa_code
    statement = select(column, count).where(*conditions).group_by(column)
    if by == "lsoa":
        statement = (
            select(column, func.max(table.c.lsoa_name), count).where(*conditions).group_by(column)
        )
    grouped = session.execute(statement).all()
    total = sum(row[-1] for row in grouped)

    if by == "crime_type":
        rows = [CountRow(key, key, n) for key, n in grouped]
        return CrimeCounts(by, filters, total, _sorted(rows))
    if by == "month":
        rows = [CountRow(_month_text(key), None, n) for key, n in grouped]
        return CrimeCounts(by, filters, total, sorted(rows, key=lambda r: r.key or ""))
    if by == "lsoa":
        rows = [CountRow(code, name, n) for code, name, n in grouped if code is not None]
        no_lsoa = sum(n for code, _name, n in grouped if code is None)
        return CrimeCounts(by, filters, total, _sorted(rows), no_lsoa=no_lsoa)
    return _by_parent(session, by, filters, total, grouped)


def _by_parent(
    session: Session, by: str, filters: dict[str, Any], total: int, grouped: Sequence[Any]
) -> CrimeCounts:
    places = lsoa_hierarchy(session)
    if not places:
        raise StatsError(
            f"grouping by {by} needs the LSOA lookup: run `beacon import lookup FILE` "
            "(ONS LSOA to ward to district lookup) first"
        )
    counts: dict[str, int] = {}
    names: dict[str, str | None] = {}
    unmatched: list[CountRow] = []
    no_lsoa = 0
    vintages: set[str] = set()
    for code, n in grouped:
        if code is None:
            no_lsoa += n
            continue
        place = places.get(code)
        parent = None
        if place is not None:
            parent = place.ward_code if by == "ward" else place.district_code
        if place is None or parent is None:
            unmatched.append(CountRow(code, None, n))
            continue
        counts[parent] = counts.get(parent, 0) + n
        if by == "ward":
            names[parent] = place.ward_name
            vintages.add(f"ward {place.ward_vintage}")
        else:
            names[parent] = place.district_name
        vintages.add(f"LSOA {place.lsoa_vintage}")
    rows = [CountRow(code, names.get(code), n) for code, n in counts.items()]
    return CrimeCounts(
        by,
        filters,
        total,
        _sorted(rows),
        unmatched=sorted(unmatched, key=lambda r: (-r.count, r.key or "")),
        no_lsoa=no_lsoa,
        geography=", ".join(sorted(vintages)) or None,
    )


def _sorted(rows: list[CountRow]) -> list[CountRow]:
    return sorted(rows, key=lambda r: (-r.count, r.key or ""))


def _month_text(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m")
    return str(value)[:7]
