"""Running a measure: snapshot, engine, areas and months in; a result that names them out.

The CLI, the JSON API and (next) the analyst's pages call these functions, so every caller
gets the same checks, the same figures and the same result shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
from beacon.analytics.snapshot import Snapshot, open_snapshot

if TYPE_CHECKING:
    from beacon.analytics.counts import CountsResult
    from beacon.config import Settings

SOURCES = {"crime": "street crime", "partner": "partner feeds", "intelligence": "intelligence"}


@dataclass
class Context:
    """One analysis run: the snapshot, a DuckDB reader over it, and the chosen engine."""

    snapshot: Snapshot
    reader: DuckDBEngine
    engine: Engine
    areas: list[dict[str, Any]]

    def selection_rows(self, selection: Selection) -> list[dict[str, Any]]:
        wanted = set(selection.lsoas)
        return [a for a in self.areas if a["lsoa_code"] in wanted]


def default_engine(settings: Settings) -> str:
    return str(getattr(settings, "analytics_engine", "duckdb") or "duckdb")


@contextmanager
def analysis(
    settings: Settings, *, snapshot_id: str | None = None, engine: str | None = None
) -> Iterator[Context]:
    snapshot = open_snapshot(settings, snapshot_id)
    reader = DuckDBEngine(snapshot)
    name = engine or default_engine(settings)
    chosen: Engine = reader if name == "duckdb" else open_engine(name, snapshot, settings)
    try:
        areas = reader.query("SELECT * FROM areas ORDER BY lsoa_code")
        yield Context(snapshot, reader, chosen, areas)
    finally:
        if chosen is not reader:
            chosen.close()
        reader.close()


def resolve(
    context: Context, choice: AreaChoice, asked: tuple[str, str] | None, source: str
) -> tuple[Selection, Period]:
    selection = resolve_selection(choice, context.areas)
    available = context.snapshot.months if source == "crime" else _event_months(context, source)
    period = resolve_period(asked, available, require_loaded=source == "crime")
    return selection, period


def _event_months(context: Context, source: str) -> list[str]:
    table, column = {
        "partner": ("partner_incident", "occurred_on"),
        "intelligence": ("intelligence", "received_on"),
    }[source]
    rows = context.reader.query(
        f"SELECT DISTINCT strftime({column}, '%Y-%m') AS ym FROM {table} ORDER BY 1"
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
        "WHERE a.lsoa_code IN (SELECT unnest($1::VARCHAR[])) GROUP BY 1",
        [list(selection.lsoas)],
    )
    return {r["code"]: r["population"] for r in rows}


def data_quality(
    context: Context, selection: Selection, period: Period, source: str
) -> dict[str, Any]:
    """What the figures leave out, so a reader can judge them."""
    months = list(period.months)
    lsoas = list(selection.lsoas)
    no_population = context.reader.query(
        "SELECT count(*) AS n FROM areas a LEFT JOIN population p USING (lsoa_code) "
        "WHERE a.lsoa_code IN (SELECT unnest($1::VARCHAR[])) AND p.population IS NULL",
        [lsoas],
    )[0]["n"]
    quality: dict[str, Any] = {"selected_lsoas_without_population": int(no_population)}
    if source == "crime":
        row = context.reader.query(
            "SELECT count(*) FILTER (WHERE lsoa_code IS NULL) AS no_lsoa, "
            "count(*) FILTER (WHERE lsoa_code IS NOT NULL AND lsoa_code NOT IN "
            "(SELECT lsoa_code FROM areas)) AS lsoa_not_in_lookup, "
            "count(*) FILTER (WHERE crime_type NOT IN (SELECT crime_type FROM harm_weights)) "
            "AS without_harm_weight "
            "FROM street_crime WHERE ym IN (SELECT unnest($1::VARCHAR[]))",
            [months],
        )[0]
        quality.update(
            {
                "period_rows_without_lsoa": int(row["no_lsoa"]),
                "period_rows_lsoa_not_in_lookup": int(row["lsoa_not_in_lookup"]),
                "period_rows_without_harm_weight": int(row["without_harm_weight"]),
            }
        )
    else:
        table, column = {
            "partner": ("partner_incident", "occurred_on"),
            "intelligence": ("intelligence", "received_on"),
        }[source]
        row = context.reader.query(
            f"SELECT count(*) FILTER (WHERE lsoa_code IS NULL) AS no_lsoa FROM {table} "
            f"WHERE strftime({column}, '%Y-%m') IN (SELECT unnest($1::VARCHAR[]))",
            [months],
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
    context.engine.use(lsoas=list(selection.lsoas), months=list(period.months))
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
