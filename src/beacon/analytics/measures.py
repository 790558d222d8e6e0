"""Trends, concentration, deprivation and hotspots over a snapshot, for CLI, API and pages.

Each ``run_*`` function resolves areas and months, takes its counts from the engine (the same
counts ``beacon analyse counts`` prints), hands them to the pure functions (``trends``,
``emerging``, ``concentration``, ``hotspots``) and wraps what they return in a
``MeasureResult`` that names the snapshot, areas, period and every parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.selection import AreaChoice, Period, Selection, latest_run
from beacon.analytics.service import DATED_SOURCES, Context, resolve, run_counts


@dataclass(frozen=True)
class MeasureResult:
    measure: str
    snapshot: dict[str, Any]
    engine: str
    source: str
    selection: Selection
    period: Period
    parameters: dict[str, Any]
    body: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "snapshot": self.snapshot,
            "engine": self.engine,
            "source": self.source,
            "areas": self.selection.to_dict(),
            "period": self.period.to_dict(),
            "parameters": self.parameters,
            **self.body,
            "rows": self.rows,
        }


def _types(value: str | None) -> set[str] | None:
    if not value:
        return None
    return {part.strip() for part in value.split(",") if part.strip()}


def _filter_types(rows: list[dict[str, Any]], key: str, wanted: set[str] | None) -> None:
    if wanted is None:
        return
    seen = {r[key] for r in rows}
    # A misspelt type among good ones must not vanish silently: name every one not found.
    unknown = sorted(wanted - seen)
    if unknown:
        raise AnalysisInputError(
            f"no events of type {', '.join(unknown)} in the chosen areas and months "
            f"(found: {', '.join(sorted(seen)) or 'none'})",
            option="--type",
        )


def area_counts(
    context: Context,
    *,
    source: str,
    choice: AreaChoice,
    asked: tuple[str, str] | None,
    level: str,
    types: set[str] | None,
    by_month: bool = False,
) -> tuple[Any, list[dict[str, Any]]]:
    """Counts per area (and month) of every selected area, zeros included, types filtered."""
    from beacon.analytics.counts import TYPE_KEY

    by = ",".join([level, *(["month"] if by_month else [])])
    if types is None:
        result = run_counts(
            context, source=source, choice=choice, asked=asked, by=by, include_zeros=True
        )
        return result, [dict(r) for r in result.rows]
    typed = run_counts(context, source=source, choice=choice, asked=asked, by=f"{by},type")
    rows = [dict(r) for r in typed.rows]
    _filter_types(rows, TYPE_KEY[source], types)
    zeros = run_counts(
        context, source=source, choice=choice, asked=asked, by=by, include_zeros=True
    )
    keys = [level, *(["month"] if by_month else [])]
    totals: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in zeros.rows:
        totals[tuple(row[k] for k in keys)] = dict(row) | {"count": 0, "harm": 0.0}
    for row in rows:
        if row[TYPE_KEY[source]] in types:
            target = totals[tuple(row[k] for k in keys)]
            target["count"] += row["count"]
            target["harm"] = (target["harm"] or 0.0) + (row["harm"] or 0.0)
    shaped = []
    for row in totals.values():
        people = row.get("population")
        row["rate"] = round(row["count"] * 1000.0 / people, 6) if people else None
        row["harm"] = round(row["harm"], 6) if source == "crime" else None
        shaped.append(row)
    return zeros, shaped


def run_trends(
    context: Context,
    *,
    source: str,
    choice: AreaChoice,
    asked: tuple[str, str] | None,
    by: str,
    year_basis: str = "calendar",
    rules: Any = None,
) -> MeasureResult:
    """Monthly series per group (area and/or type), each summarised, and emerging-risk flags.

    Without a period, the latest run of consecutive months the snapshot holds (trend tests
    need 10+ months; seasonal Mann-Kendall needs 24+).
    """
    from beacon.analytics.emerging import EmergingRules, emerging_risks
    from beacon.analytics.trends import monthly_series, trend_summary

    if asked is None and source == "crime" and context.snapshot.months:
        run = latest_run(context.snapshot.months)  # every consecutive month up to the latest
        asked = (run[0], run[-1])
    words = [w for w in by.split(",") if w.strip()]
    result = run_counts(
        context,
        source=source,
        choice=choice,
        asked=asked,
        by=",".join([*words, "month"]),
        include_zeros=not any(w in ("crime-type", "type", "theme", "category") for w in words),
    )
    keys = [k for k in result.grouping.keys(source) if k != "month"]
    months = list(result.period.months)
    series = monthly_series(
        [
            {**{k: r[k] for k in keys}, "month": r["month"], "count": r["count"], "harm": r["harm"]}
            for r in result.rows
        ]
        if result.rows
        else [],
        months=months,
        keys=tuple(keys) if keys else None,
    )
    chosen = rules or EmergingRules()
    rows = []
    for _key, one in sorted(series.items(), key=lambda item: str(item[0])):
        summary = trend_summary(
            months,
            list(one.counts),
            harm=list(one.harm) if source == "crime" and one.harm is not None else None,
            year_basis=year_basis,  # type: ignore[arg-type]
        ).to_dict()
        rows.append({**dict(one.group), **_trend_row(summary), "detail": summary})
    flags = [f.to_dict() for f in emerging_risks(list(series.values()), rules=chosen)]
    return MeasureResult(
        "trends",
        result.snapshot,
        result.engine,
        source,
        result.selection,
        result.period,
        {"by": keys, "year_basis": year_basis, "rules": chosen.to_dict()},
        {"emerging": flags},
        rows,
    )


def _trend_row(summary: dict[str, Any]) -> dict[str, Any]:
    trend = summary.get("trend") or {}
    return {
        "total": summary.get("total"),
        "latest_month": summary.get("latest_month"),
        "latest_count": summary.get("latest_count"),
        "month_on_month_pct": (summary.get("month_on_month") or {}).get("pct_change"),
        "rolling_pct": (summary.get("rolling") or {}).get("pct_change"),
        "year_on_year_pct": (summary.get("year_on_year") or {}).get("pct_change"),
        "year_to_date_pct": (summary.get("year_to_date") or {}).get("pct_change"),
        "trend": trend.get("trend") if trend.get("computed") else "not computed",
        "trend_p": trend.get("p"),
        "sen_slope_per_month": trend.get("slope_per_month"),
    }


def run_concentration(
    context: Context,
    *,
    source: str,
    choice: AreaChoice,
    asked: tuple[str, str] | None,
    level: str = "lsoa",
    types: str | None = None,
) -> MeasureResult:
    """Share of events and harm in the top 5% / 10% of areas, Gini and Lorenz curve; rates by
    IMD 2019 decile (LSOA level only: IMD is published per LSOA)."""
    from beacon.analytics.concentration import concentration, rates_by_decile

    result, rows = area_counts(
        context,
        source=source,
        choice=choice,
        asked=asked,
        level=level,
        types=_types(types),
    )
    codes = [r[level] for r in rows]
    body: dict[str, Any] = {
        "count": concentration(codes, [r["count"] for r in rows]).to_dict(),
        "harm": concentration(
            codes, [r["harm"] or 0.0 for r in rows], weights_label="harm"
        ).to_dict()
        if source == "crime"
        else None,
        "deprivation": None,
    }
    if level == "lsoa":
        deciles = imd_deciles(context)
        body["deprivation"] = rates_by_decile(
            [
                {
                    "code": r["lsoa"],
                    "decile": deciles.get(r["lsoa"]),
                    "count": r["count"],
                    "population": r["population"],
                    **({"harm": r["harm"] or 0.0} if source == "crime" else {}),
                }
                for r in rows
            ]
        ).to_dict()
    return MeasureResult(
        "concentration",
        result.snapshot,
        result.engine,
        source,
        result.selection,
        result.period,
        {"level": level, "types": sorted(_types(types) or [])},
        body,
        rows,
    )


def imd_deciles(context: Context, domain: str = "IMD") -> dict[str, int]:
    """IMD decile per selected LSOA, of the newest edition loaded (``domain`` IMD or one of the
    seven domains)."""
    found = context.reader.query(
        "SELECT lsoa_code, decile FROM imd WHERE domain = $1 AND edition = "
        "(SELECT max(edition) FROM imd) AND lsoa_code IN (SELECT lsoa_code FROM selection)",
        [domain],
    )
    return {r["lsoa_code"]: int(r["decile"]) for r in found}


def run_hotspots(
    context: Context,
    *,
    source: str,
    choice: AreaChoice,
    asked: tuple[str, str] | None,
    value: str = "count",
    types: str | None = None,
    transform: str = "B",
    permutations: int = 999,
    seed: int = 12345,
    significance: str = "permutation",
) -> MeasureResult:
    """Getis-Ord Gi* per LSOA of the selection (queen contiguity from the stored boundaries).

    ``significance``: "permutation" (classes from the permutation p, FDR-corrected) or "normal"
    (from esda's normal approximation, as ArcGIS's Hot Spot Analysis does)."""
    from beacon.analytics.hotspots import getis_ord_gi_star

    if value not in ("count", "harm"):
        raise AnalysisInputError("choose count or harm", option="--value")
    if value == "harm" and source != "crime":
        raise AnalysisInputError("harm is weighted for street crime only", option="--value")
    selection_preview, _period = resolve(context, choice, asked, source)
    missing = [
        a["lsoa_code"] for a in context.selection_rows(selection_preview) if not a["has_boundary"]
    ]
    option = {"district": "--lad", "ward": "--ward", "lsoa": "--lsoa", "force": "--force"}.get(
        selection_preview.level, "--lad"
    )
    if missing:
        raise AnalysisInputError(
            f"{len(missing)} of the {len(selection_preview.lsoas)} selected LSOAs have no "
            f"boundary (e.g. {missing[0]}): hotspots need neighbours; import the LSOA boundaries "
            "(beacon import boundaries --level lsoa FILE) and refresh the snapshot",
            option=option,
        )
    result, rows = area_counts(
        context, source=source, choice=choice, asked=asked, level="lsoa", types=_types(types)
    )
    codes = [r["lsoa"] for r in rows]
    pairs = context.reader.query(
        "SELECT lsoa_code, neighbour_code FROM lsoa_neighbours "
        "WHERE lsoa_code IN (SELECT lsoa_code FROM selection) "
        "AND neighbour_code IN (SELECT lsoa_code FROM selection)"
    )
    gi = getis_ord_gi_star(
        codes,
        [float(r[value] or 0.0) if value == "harm" else int(r["count"]) for r in rows],
        [(p["lsoa_code"], p["neighbour_code"]) for p in pairs],
        transform=transform,
        permutations=permutations,
        seed=seed,
        significance=significance,
        selection_option=option,
    ).to_dict()
    areas = gi.pop("areas")
    names = {r["lsoa"]: r.get("lsoa_name") for r in rows}
    for area in areas:
        area["name"] = names.get(area["area"])
    return MeasureResult(
        "hotspots",
        result.snapshot,
        result.engine,
        source,
        result.selection,
        result.period,
        {
            "value": value,
            "types": sorted(_types(types) or []),
            "transform": transform,
            "permutations": permutations,
            "seed": seed,
            "significance": significance,
        },
        gi,
        areas,
    )


def run_surface(
    context: Context,
    *,
    source: str,
    choice: AreaChoice,
    asked: tuple[str, str] | None,
    resolution: int = 8,
    permutations: int = 999,
    seed: int = 12345,
) -> MeasureResult:
    """Gi* over H3 hexagons from the points of dated events (partner feeds, intelligence)."""
    from beacon.analytics.hotspots import h3_surface

    if source not in DATED_SOURCES:
        raise AnalysisInputError(
            "a hexagon surface needs dated points: --source partner or intelligence "
            "(street crime is published on snapped points; use area hotspots)",
            option="--source",
        )
    selection, period = resolve(context, choice, asked, source)
    dated = DATED_SOURCES[source]
    context.use(selection, period)
    points = context.reader.query(
        f"SELECT latitude, longitude FROM {dated.table} "
        "WHERE lsoa_code IN (SELECT lsoa_code FROM selection) "
        f"AND strftime({dated.happened}, '%Y-%m') IN (SELECT ym FROM period) "
        "AND latitude IS NOT NULL AND longitude IS NOT NULL ORDER BY id"
    )
    if len(points) < 3:
        raise AnalysisInputError(
            f"only {len(points)} located {source} events in {period.first} to {period.last}: "
            "too few for a surface",
            option="--source",
        )
    surface = h3_surface(
        [p["latitude"] for p in points],
        [p["longitude"] for p in points],
        resolution=resolution,
        permutations=permutations,
        seed=seed,
    ).to_dict()
    cells = surface.pop("areas")
    return MeasureResult(
        "surface",
        context.snapshot.describe(),
        "duckdb",
        source,
        selection,
        period,
        {"resolution": resolution, "permutations": permutations, "seed": seed},
        surface,
        cells,
    )


# Street crime is dated by month; the other sources by the day they happened.
_REPEAT_SOURCES = {
    "crime": ("street_crime", "month", "crime_type", "months"),
    **{name: (d.table, d.happened, d.type_sql, "days") for name, d in DATED_SOURCES.items()},
}


def run_repeats(
    context: Context,
    *,
    source: str,
    choice: AreaChoice,
    asked: tuple[str, str] | None,
    window: int | None = None,
    by_type: bool = True,
) -> MeasureResult:
    """Repeat locations: places (the same map point) with another event within ``window``.

    Street crime is dated by month (data.police.uk publishes no day) and placed on the
    anonymised map points data.police.uk snaps crimes to, so a "place" is one such point and
    the window is in months (default 1: the same or the next month). Partner feeds and
    intelligence are dated by day (default window 28 days). With ``by_type`` an event repeats
    only an earlier event of the same type.
    """
    import datetime as dt

    from beacon.analytics.nearrepeat import repeat_locations

    if source not in _REPEAT_SOURCES:
        raise AnalysisInputError(
            f"unknown source {source!r} (choose crime, partner or intelligence)", option="--source"
        )
    table, date_sql, type_sql, unit = _REPEAT_SOURCES[source]
    chosen_window = window if window is not None else (1 if unit == "months" else 28)
    selection, period = resolve(context, choice, asked, source)
    context.use(selection, period)
    rows = context.reader.query(
        f"SELECT round(longitude, 6) AS lon, round(latitude, 6) AS lat, {date_sql} AS day, "
        f"{type_sql} AS type, lsoa_code FROM {table} "
        "WHERE lsoa_code IN (SELECT lsoa_code FROM selection) "
        f"AND strftime({date_sql}, '%Y-%m') IN (SELECT ym FROM period) "
        "AND longitude IS NOT NULL AND latitude IS NOT NULL ORDER BY id"
    )

    def when(value: dt.date) -> int:
        return value.year * 12 + value.month - 1 if unit == "months" else value.toordinal()

    result = repeat_locations(
        [(r["lon"], r["lat"]) for r in rows],
        [when(r["day"]) for r in rows],
        window=chosen_window,
        types=[str(r["type"]) for r in rows] if by_type else None,
        unit=unit,
    ).to_dict()
    places = result.pop("places")
    lsoa_of = {(r["lon"], r["lat"]): r["lsoa_code"] for r in rows}
    for place in places:
        key = place.get("key") or place.get("place")
        if isinstance(key, list | tuple) and len(key) == 2:
            place["longitude"], place["latitude"] = key[0], key[1]
            place["lsoa"] = lsoa_of.get((key[0], key[1]))
    return MeasureResult(
        "repeats",
        context.snapshot.describe(),
        "duckdb",
        source,
        selection,
        period,
        {"window": chosen_window, "unit": unit, "by_type": by_type},
        result,
        places,
    )
