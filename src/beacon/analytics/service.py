"""Running a measure: snapshot, engine, areas and months in; a result that names them out.

The CLI, the JSON API and (next) the analyst's pages call these functions, so every caller
gets the same checks, the same figures and the same result shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from beacon.analytics.engine import DuckDBEngine, Engine, open_engine
from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.selection import (
    AreaChoice,
    Period,
    Selection,
    resolve_period,
    resolve_selection,
)
from beacon.analytics.snapshot import Snapshot, current_snapshot, open_snapshot

if TYPE_CHECKING:
    from beacon.analytics.counts import CountsResult
    from beacon.config import Settings

SOURCES = {"crime": "street crime", "partner": "partner feeds", "intelligence": "intelligence"}


@dataclass(frozen=True)
class DatedSource:
    """Where a dated source lives in the snapshot and which of its dates means what."""

    table: str
    counted_by: str  # the date counts, trends and periods use (receipt, for intelligence)
    happened: str  # when it happened, where known: points for near-repeat, surfaces, repeats
    type_sql: str  # the "type" of an event, as the counts expression defines it


# The one description of the non-crime sources every measure reads (crime is by month).
DATED_SOURCES = {
    "partner": DatedSource(
        "partner_incident", "occurred_on", "occurred_on", "feed_kind || ':' || category"
    ),
    "intelligence": DatedSource(
        "intelligence",
        "received_on",
        "coalesce(occurred_from, received_on)",
        "coalesce(theme, 'unclassified')",
    ),
}


@dataclass
class Context:
    """One analysis run: the snapshot, a DuckDB reader over it, and the chosen engine."""

    snapshot: Snapshot
    reader: DuckDBEngine
    engine: Engine
    _selected: list[dict[str, Any]] = field(default_factory=list)

    def use(self, selection: Selection, period: Period) -> None:
        """Fix the areas and months for the queries that follow, on the reader and engine."""
        self.reader.use(lsoas=list(selection.lsoas), months=list(period.months))
        if self.engine is not self.reader:
            self.engine.use(lsoas=list(selection.lsoas), months=list(period.months))

    def areas_for(self, choice: AreaChoice) -> list[dict[str, Any]]:
        """The snapshot's ``areas`` rows a choice can match (not all 35,000: fast commands)."""
        from beacon.analytics.duck import string_list

        if choice.level == "all":
            where = "police_force IS NOT NULL"
        elif choice.level == "force":
            from beacon.ingest.forces import resolve_force_name

            names = [resolve_force_name(code) for code in choice.codes]
            where = f"police_force IN (SELECT unnest({string_list(names)}))"
        else:
            column = {"district": "district_code", "ward": "ward_code", "lsoa": "lsoa_code"}[
                choice.level
            ]
            where = f"{column} IN (SELECT unnest({string_list(list(choice.codes))}))"
        rows = self.reader.query(f"SELECT * FROM areas WHERE {where} ORDER BY lsoa_code")
        self._selected = rows
        return rows

    def known_forces(self) -> list[str]:
        rows = self.reader.query(
            "SELECT DISTINCT police_force FROM areas WHERE police_force IS NOT NULL ORDER BY 1"
        )
        return [str(r["police_force"]) for r in rows]

    def selection_rows(self, selection: Selection) -> list[dict[str, Any]]:
        wanted = set(selection.lsoas)
        return [a for a in self._selected if a["lsoa_code"] in wanted]


def default_engine(settings: Settings) -> str:
    return str(getattr(settings, "analytics_engine", "duckdb") or "duckdb")


@contextmanager
def analysis(
    settings: Settings,
    *,
    snapshot_id: str | None = None,
    engine: str | None = None,
    say: Callable[[str], None] | None = None,
) -> Iterator[Context]:
    """An analysis run on ``snapshot_id``, or on the latest snapshot, which is refreshed first
    when the database changed since it was written (unless BEACON_ANALYTICS_AUTO_REFRESH is off).
    """
    if snapshot_id is None and getattr(settings, "analytics_auto_refresh", True):
        snapshot = current_snapshot(settings, say=say)
    else:
        snapshot = open_snapshot(settings, snapshot_id)
    reader = DuckDBEngine(snapshot)
    name = engine or default_engine(settings)
    chosen: Engine = reader if name == "duckdb" else open_engine(name, snapshot, settings)
    try:
        yield Context(snapshot, reader, chosen)
    finally:
        if chosen is not reader:
            chosen.close()
        reader.close()


def resolve(
    context: Context, choice: AreaChoice, asked: tuple[str, str] | None, source: str
) -> tuple[Selection, Period]:
    rows = context.areas_for(choice)
    forces = context.known_forces() if choice.level == "force" else None
    selection = resolve_selection(choice, rows, known_forces=forces)
    available = context.snapshot.months if source == "crime" else _event_months(context, source)
    period = resolve_period(
        asked, available, require_loaded=source == "crime", what=SOURCES.get(source, source)
    )
    return selection, period


def event_months(context: Context, source: str) -> list[str]:
    """The months a source has events in ("crime": the snapshot's street-crime months)."""
    if source == "crime":
        return list(context.snapshot.months)
    return _event_months(context, source)


def _event_months(context: Context, source: str) -> list[str]:
    dated = DATED_SOURCES[source]
    rows = context.reader.query(
        f"SELECT DISTINCT strftime({dated.counted_by}, '%Y-%m') AS ym FROM {dated.table} ORDER BY 1"
    )
    return [str(r["ym"]) for r in rows]


def population_by_area(context: Context, selection: Selection, area: str) -> dict[Any, Any]:
    column = {
        "lsoa": "lsoa_code",
        "ward": "ward_code",
        "district": "district_code",
        "force": "police_force",
        "none": "NULL",
    }[area]
    rows = context.reader.query(
        f"SELECT {column} AS code, sum(p.population) AS population FROM areas a "
        "LEFT JOIN population p USING (lsoa_code) "
        "WHERE a.lsoa_code IN (SELECT lsoa_code FROM selection) GROUP BY 1"
    )
    return {r["code"]: r["population"] for r in rows}


def data_quality(
    context: Context, selection: Selection, period: Period, source: str
) -> dict[str, Any]:
    """What the figures leave out, so a reader can judge them."""
    no_population = context.reader.query(
        "SELECT count(*) AS n FROM areas a LEFT JOIN population p USING (lsoa_code) "
        "WHERE a.lsoa_code IN (SELECT lsoa_code FROM selection) AND p.population IS NULL"
    )[0]["n"]
    quality: dict[str, Any] = {"selected_lsoas_without_population": int(no_population)}
    if source == "crime":
        # Counted per month when the snapshot was written (snapshot.py, _street_quality).
        by_month = context.snapshot.manifest.get("street_crime_quality") or {}
        months = [by_month.get(m, {}) for m in period.months]
        quality.update(
            {
                "period_rows_without_lsoa": sum(m.get("without_lsoa", 0) for m in months),
                "period_rows_lsoa_not_in_lookup": sum(
                    m.get("lsoa_not_in_lookup", 0) for m in months
                ),
                "period_rows_without_harm_weight": sum(
                    m.get("without_harm_weight", 0) for m in months
                ),
            }
        )
    else:
        dated = DATED_SOURCES[source]
        row = context.reader.query(
            f"SELECT count(*) FILTER (WHERE lsoa_code IS NULL) AS no_lsoa FROM {dated.table} "
            f"WHERE strftime({dated.counted_by}, '%Y-%m') IN (SELECT ym FROM period)"
        )[0]
        quality["period_rows_without_lsoa"] = int(row["no_lsoa"])
    return quality


def run_counts(
    context: Context,
    *,
    source: str,
    choice: AreaChoice,
    asked: tuple[str, str] | None,
    by: str | None,
    include_zeros: bool = False,
) -> CountsResult:
    from beacon.analytics.counts import CountsResult, parse_by, shape_rows

    if source not in SOURCES:
        raise AnalysisInputError(
            f"unknown source {source!r} (choose {', '.join(SOURCES)})", option="--source"
        )
    grouping = parse_by(by, source)
    selection, period = resolve(context, choice, asked, source)
    context.use(selection, period)
    raw = context.engine.counts(
        source, area=grouping.area, by_month=grouping.by_month, by_type=grouping.by_type
    )
    rows = shape_rows(
        raw,
        source=source,
        grouping=grouping,
        selection_rows=context.selection_rows(selection),
        months=period.months,
        include_zeros=include_zeros,
        population_by_area=population_by_area(context, selection, grouping.area)
        if include_zeros
        else {},
    )
    return CountsResult(
        snapshot=context.snapshot.describe(),
        engine=context.engine.name,
        source=source,
        selection=selection,
        period=period,
        grouping=grouping,
        rows=tuple(rows),
        quality=data_quality(context, selection, period, source),
    )
