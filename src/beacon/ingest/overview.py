"""What is loaded: counts of police data, geography and import runs, for the home page and API.

Every figure is an aggregate computed by the database (``GROUP BY`` / ``COUNT``); no imported
row is loaded into Python. The police queries group by (force, month), so what comes back is at
most forces × months (× crime types) rows per table, whatever the number of crimes; on 600,000
street rows the whole overview takes about 0.65 s on SQLite and 0.3 s on PostgreSQL (street crime
has no index for it since migration 0008: see docs/PERFORMANCE.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from beacon.geography.models import Area, AreaBoundary, AreaLevel, Deprivation, Postcode
from beacon.ingest.models import CrimeOutcome, ImportRun, StopSearch, StreetCrime

# data.police.uk's crime type for anti-social behaviour rows in the street-level files.
ANTI_SOCIAL_BEHAVIOUR = "Anti-social behaviour"
RECENT_IMPORTS = 10

_LEVEL_ORDER = {level.value: position for position, level in enumerate(AreaLevel)}


@dataclass(frozen=True)
class ForceCoverage:
    """One police force's loaded rows.

    ``force`` is the ``Falls within`` name (stop-and-search rows carry the same name). Months
    are those with at least one row of any kind for the force. ``without_location`` counts
    street-level rows (crimes and ASB) that have no coordinates ("No Location");
    ``without_lsoa`` those with no LSOA code, which area-based analysis cannot place.
    """

    force: str
    first_month: dt.date | None
    last_month: dt.date | None
    months: int
    street_crimes: int
    anti_social_behaviour: int
    outcomes: int
    stop_searches: int
    without_location: int
    without_lsoa: int


@dataclass(frozen=True)
class PoliceTotals:
    forces: int
    first_month: dt.date | None
    last_month: dt.date | None
    months: int
    street_crimes: int
    anti_social_behaviour: int
    outcomes: int
    stop_searches: int
    without_location: int
    without_lsoa: int

    @property
    def rows(self) -> int:
        return self.street_crimes + self.anti_social_behaviour + self.outcomes + self.stop_searches


@dataclass(frozen=True)
class AreaCount:
    """Areas of one level and boundary vintage, and how many of them have a boundary."""

    level: str
    vintage: str
    areas: int
    boundaries: int


@dataclass(frozen=True)
class DeprivationCount:
    """Rows of one deprivation edition (e.g. IMD2019): LSOAs covered and domains."""

    edition: str
    rows: int
    lsoas: int
    domains: int


@dataclass(frozen=True)
class ImportRunSummary:
    id: int
    kind: str
    source_name: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    rows_read: int
    imported: int
    updated: int
    duplicates: int
    conflicts: int
    rejected: int


@dataclass(frozen=True)
class Overview:
    forces: tuple[ForceCoverage, ...]
    police: PoliceTotals
    areas: tuple[AreaCount, ...]
    boundaries: int
    postcodes: int
    deprivation: tuple[DeprivationCount, ...]
    import_runs: int
    recent_imports: tuple[ImportRunSummary, ...]

    @property
    def has_police_data(self) -> bool:
        return self.police.rows > 0

    @property
    def has_geography(self) -> bool:
        return bool(self.areas or self.boundaries or self.postcodes or self.deprivation)

    @property
    def is_empty(self) -> bool:
        return not (self.has_police_data or self.has_geography or self.import_runs)


@dataclass
class _ForceTally:
    months: set[dt.date] = field(default_factory=set)
    street_crimes: int = 0
    anti_social_behaviour: int = 0
    outcomes: int = 0
    stop_searches: int = 0
    without_location: int = 0
    without_lsoa: int = 0


def _as_date(value: object) -> dt.date:
    # SQLite hands dates back as date objects through the ORM type, but be strict about it.
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _police(session: Session) -> tuple[tuple[ForceCoverage, ...], PoliceTotals]:
    tallies: defaultdict[str, _ForceTally] = defaultdict(_ForceTally)

    # Counts by (force, month, crime type) come from one scan of the table; the rows without a
    # location or LSOA are found by a second, filtered pass.
    street = select(
        StreetCrime.falls_within, StreetCrime.month, StreetCrime.crime_type, func.count()
    ).group_by(StreetCrime.falls_within, StreetCrime.month, StreetCrime.crime_type)
    for force, month, crime_type, rows in session.execute(street):
        tally = tallies[force]
        tally.months.add(_as_date(month))
        if crime_type == ANTI_SOCIAL_BEHAVIOUR:
            tally.anti_social_behaviour += int(rows)
        else:
            tally.street_crimes += int(rows)

    no_location = or_(StreetCrime.longitude.is_(None), StreetCrime.latitude.is_(None))
    no_lsoa = or_(StreetCrime.lsoa_code.is_(None), StreetCrime.lsoa_code == "")
    # Grouped by an expression on purpose: grouping by the bare column can make SQLite walk an
    # index in order and fetch every row from the table (10x slower than one sequential scan).
    force_key = func.coalesce(StreetCrime.falls_within, "")
    unplaced = (
        select(
            force_key,
            func.sum(case((no_location, 1), else_=0)),
            func.sum(case((no_lsoa, 1), else_=0)),
        )
        .where(or_(no_location, no_lsoa))
        .group_by(force_key)
    )
    for force, unlocated, without_lsoa in session.execute(unplaced):
        tally = tallies[force]
        tally.without_location += int(unlocated or 0)
        tally.without_lsoa += int(without_lsoa or 0)

    outcomes = select(CrimeOutcome.falls_within, CrimeOutcome.month, func.count()).group_by(
        CrimeOutcome.falls_within, CrimeOutcome.month
    )
    for force, month, rows in session.execute(outcomes):
        tally = tallies[force]
        tally.months.add(_as_date(month))
        tally.outcomes += int(rows)

    searches = select(StopSearch.force, StopSearch.month, func.count()).group_by(
        StopSearch.force, StopSearch.month
    )
    for force, month, rows in session.execute(searches):
        tally = tallies[force]
        tally.months.add(_as_date(month))
        tally.stop_searches += int(rows)

    forces = tuple(
        ForceCoverage(
            force=name,
            first_month=min(t.months) if t.months else None,
            last_month=max(t.months) if t.months else None,
            months=len(t.months),
            street_crimes=t.street_crimes,
            anti_social_behaviour=t.anti_social_behaviour,
            outcomes=t.outcomes,
            stop_searches=t.stop_searches,
            without_location=t.without_location,
            without_lsoa=t.without_lsoa,
        )
        for name, t in sorted(tallies.items(), key=lambda item: item[0].casefold())
    )
    all_months = set().union(*(t.months for t in tallies.values())) if tallies else set()
    totals = PoliceTotals(
        forces=len(forces),
        first_month=min(all_months) if all_months else None,
        last_month=max(all_months) if all_months else None,
        months=len(all_months),
        street_crimes=sum(f.street_crimes for f in forces),
        anti_social_behaviour=sum(f.anti_social_behaviour for f in forces),
        outcomes=sum(f.outcomes for f in forces),
        stop_searches=sum(f.stop_searches for f in forces),
        without_location=sum(f.without_location for f in forces),
        without_lsoa=sum(f.without_lsoa for f in forces),
    )
    return forces, totals


def _areas(session: Session) -> tuple[AreaCount, ...]:
    query = (
        select(Area.level, Area.vintage, func.count(Area.id), func.count(AreaBoundary.area_id))
        .select_from(Area)
        .outerjoin(AreaBoundary, AreaBoundary.area_id == Area.id)
        .group_by(Area.level, Area.vintage)
    )
    rows = [
        AreaCount(level=level, vintage=vintage, areas=int(areas), boundaries=int(boundaries))
        for level, vintage, areas, boundaries in session.execute(query)
    ]
    rows.sort(key=lambda r: (_LEVEL_ORDER.get(r.level, len(_LEVEL_ORDER)), r.level, r.vintage))
    return tuple(rows)


def _deprivation(session: Session) -> tuple[DeprivationCount, ...]:
    query = (
        select(
            Deprivation.edition,
            func.count(),
            func.count(func.distinct(Deprivation.lsoa_code)),
            func.count(func.distinct(Deprivation.domain)),
        )
        .group_by(Deprivation.edition)
        .order_by(Deprivation.edition)
    )
    return tuple(
        DeprivationCount(edition=edition, rows=int(rows), lsoas=int(lsoas), domains=int(domains))
        for edition, rows, lsoas, domains in session.execute(query)
    )


def _recent_imports(session: Session, limit: int) -> tuple[ImportRunSummary, ...]:
    query = (
        select(
            ImportRun.id,
            ImportRun.kind,
            ImportRun.source_name,
            ImportRun.started_at,
            ImportRun.finished_at,
            ImportRun.rows_read,
            ImportRun.imported,
            ImportRun.updated,
            ImportRun.duplicates,
            ImportRun.conflicts,
            ImportRun.rejected,
        )
        .order_by(ImportRun.started_at.desc(), ImportRun.id.desc())
        .limit(limit)
    )
    return tuple(ImportRunSummary(*row) for row in session.execute(query))


def _count(session: Session, column: Any) -> int:
    return int(session.scalar(select(func.count(column))) or 0)


def loaded_overview(session: Session, *, recent_imports: int = RECENT_IMPORTS) -> Overview:
    """Summarise everything loaded into the database (read-only)."""
    forces, police = _police(session)
    return Overview(
        forces=forces,
        police=police,
        areas=_areas(session),
        boundaries=_count(session, AreaBoundary.area_id),
        postcodes=_count(session, Postcode.postcode),
        deprivation=_deprivation(session),
        import_runs=_count(session, ImportRun.id),
        recent_imports=_recent_imports(session, recent_imports),
    )
