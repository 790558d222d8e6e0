"""The analysis workspace's pages as data: what the overview and each measure page show.

Every figure comes from the analytics engine (``analytics.measures``, ``analytics.service``)
over one snapshot, exactly as ``beacon analyse`` and ``/api/analytics`` compute it; this module
only chooses what to show, shapes tables and describes maps and charts. A page is a ``Page``:
headline figures, maps, charts, the tables behind them, flags and the method notes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.selection import (
    AreaChoice,
    Period,
    Selection,
    area_choice,
    latest_run,
    shift_month,
)
from beacon.analytics.service import Context, run_counts
from beacon.workspace import figures
from beacon.workspace.query import SHADES, SOURCES, WorkspaceQuery
from beacon.workspace.tables import Column, Table, show, suppress_small

TREND_MONTHS = 36  # the overview's trend chart: up to three years ending with the period
MEASURES = {
    "volume": "Volume and rates",
    "trends": "Trends and emerging risks",
    "hotspots": "Hotspots",
    "concentration": "Concentration",
    "deprivation": "Deprivation",
    "repeats": "Repeat locations",
}
TYPE_KEY = {"crime": "crime_type", "partner": "type", "intelligence": "theme"}


@dataclass
class Figure:
    id: str
    data: dict[str, Any]
    caption: str
    label: str
    table: str | None = None  # the id of the table behind it
    geometry_url: str | None = None


@dataclass
class Page:
    measure: str
    title: str
    query: WorkspaceQuery
    snapshot: dict[str, Any]
    selection: Selection
    period: Period
    area_label: str
    headline: list[dict[str, Any]] = field(default_factory=list)
    maps: list[Figure] = field(default_factory=list)
    charts: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    quality: dict[str, Any] = field(default_factory=dict)
    types: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def table(self, table_id: str) -> Table | None:
        return next((t for t in self.tables if t.id == table_id), None)


# --- areas and periods -------------------------------------------------------------------------


def area_menu(context: Context) -> list[dict[str, Any]]:
    """The areas the selector offers: each force police data covers, then its districts."""
    from beacon.ingest.forces import FORCES

    ids = {name: key for key, name in FORCES.items()}
    rows = context.reader.query(
        "SELECT police_force, district_code, any_value(district_name) AS district_name "
        "FROM areas WHERE police_force IS NOT NULL AND district_code IS NOT NULL "
        "GROUP BY ALL ORDER BY police_force, district_name"
    )
    menu: dict[str, dict[str, Any]] = {}
    for row in rows:
        force = str(row["police_force"])
        group = menu.setdefault(
            force,
            {
                "label": force,
                "key": f"force:{ids.get(force, force.lower())}",
                "districts": [],
            },
        )
        group["districts"].append(
            {
                "key": f"lad:{row['district_code']}",
                "label": row["district_name"] or row["district_code"],
            }
        )
    return list(menu.values())


def with_defaults(
    context: Context, query: WorkspaceQuery, default_area: str | None
) -> WorkspaceQuery:
    """Fill in the area (the configured one, else the first force) and the period (the latest
    12 consecutive months), so the page always says exactly what it shows."""
    area = query.area
    if area is None:
        if default_area:
            area = default_area
        else:
            menu = area_menu(context)
            if not menu:
                raise AnalysisInputError(
                    "no area is covered by police data yet: import data.police.uk files and an "
                    "LSOA lookup",
                    option="area",
                )
            area = menu[0]["key"]
    start, end = query.start, query.end
    if not (start and end) and query.source == "crime" and context.snapshot.months:
        run = latest_run(list(context.snapshot.months), 12)
        start, end = run[0], run[-1]
    return replace(query, area=area, start=start, end=end)


def choice_of(query: WorkspaceQuery) -> AreaChoice:
    return area_choice(**query.area_options())


def area_label(selection: Selection) -> str:
    if selection.level == "all":
        return "Everywhere police data covers"
    names = [selection.names.get(code) or code for code in selection.codes]
    return ", ".join(names)


def previous_period(period: Period, available: list[str]) -> Period | None:
    """The same number of months just before ``period``, if all of them are loaded."""
    from beacon.analytics.selection import month_range

    length = len(period.months)
    first = period.months[0]
    year, month = int(first[:4]), int(first[5:])
    index = year * 12 + month - 1 - length
    start = f"{index // 12:04d}-{index % 12 + 1:02d}"
    months = month_range(start, shift_month(first, -1))
    return Period(months) if set(months) <= set(available) else None


def profile_href(level: str, query: WorkspaceQuery) -> Callable[[str], str]:
    """Links to the profiles of one level's areas, keeping the page's area, months and method
    (built once: a force-wide map has a link per LSOA)."""
    from urllib.parse import urlencode

    params = urlencode(query.params(source="crime", crime_type=None))
    suffix = f"?{params}" if params else ""

    def href(code: str) -> str:
        return f"/workspace/profile/{level}/{code}{suffix}"

    return href


def _pct(now: Any, before: Any) -> float | None:
    if not isinstance(before, int | float) or before == 0 or not isinstance(now, int | float):
        return None
    return (now - before) / before


# --- the overview ------------------------------------------------------------------------------


def overview_page(context: Context, query: WorkspaceQuery, *, small_numbers: bool) -> Page:
    """Volume, harm, trend, hotspots and emerging flags of the selected area and period."""
    from beacon.analytics.measures import run_hotspots, run_trends
    from beacon.analytics.trends import month_changes

    choice = choice_of(query)
    asked = query.asked()
    by_type = run_counts(context, source="crime", choice=choice, asked=asked, by="crime-type")
    totals = run_counts(context, source="crime", choice=choice, asked=asked, by="")
    selection, period = by_type.selection, by_type.period
    page = Page(
        "overview",
        "Overview",
        query,
        by_type.snapshot,
        selection,
        period,
        area_label(selection),
        quality=by_type.quality,
    )
    total = dict(totals.rows[0]) if totals.rows else {"count": 0, "harm": 0.0, "population": None}
    before = previous_period(period, list(context.snapshot.months))
    before_types: dict[str, dict[str, Any]] = {}
    before_total: dict[str, Any] | None = None
    if before is not None:
        previous = run_counts(
            context,
            source="crime",
            choice=choice,
            asked=(before.first, before.last),
            by="crime-type",
        )
        before_types = {r["crime_type"]: dict(r) for r in previous.rows}
        before_total = {
            "count": sum(r["count"] for r in previous.rows),
            "harm": sum(r["harm"] or 0.0 for r in previous.rows),
        }
    compared = f"against {before.first} to {before.last}" if before else "no earlier period loaded"
    page.headline = [
        {
            "label": "Crimes",
            "value": show(total["count"], "integer"),
            "change": _pct(total["count"], before_total and before_total["count"]),
            "note": compared,
        },
        {
            "label": "Rate per 1,000 residents",
            "value": show(total.get("rate"), "decimal"),
            "change": None,
            "note": f"population {show(total.get('population'), 'integer')}",
        },
        {
            "label": "Harm (Crime Severity Score days)",
            "value": show(total.get("harm"), "integer"),
            "change": _pct(total.get("harm") or 0.0, before_total and before_total["harm"]),
            "note": compared,
        },
    ]

    # Crime types, largest first, with change on the previous period.
    type_rows = []
    count_all = total["count"] or 0
    for row in sorted(by_type.rows, key=lambda r: (-r["count"], r["crime_type"])):
        earlier = before_types.get(row["crime_type"])
        type_rows.append(
            {
                "crime_type": row["crime_type"],
                "count": row["count"],
                "share": row["count"] / count_all if count_all else None,
                "rate": row.get("rate"),
                "harm": row.get("harm"),
                "previous": earlier["count"] if earlier else (0 if before else None),
                "change": _pct(row["count"], earlier["count"] if earlier else None),
            }
        )
    page.types = [r["crime_type"] for r in type_rows]
    if not small_numbers:
        suppress_small(type_rows, ["count", "previous"], ["share", "rate", "harm", "change"])
    page.tables.append(
        Table(
            "types",
            "Crime by type",
            [
                Column("crime_type", "Crime type"),
                Column("count", "Crimes", "integer"),
                Column("share", "Share", "percent"),
                Column("rate", "Per 1,000", "decimal"),
                Column("harm", "Harm", "integer"),
                Column("previous", "Previous period", "integer"),
                Column("change", "Change", "percent"),
            ],
            type_rows,
        )
    )

    # The monthly series up to the period's end (up to three years), with significant changes.
    months = list(context.snapshot.months)
    series_months = latest_run([m for m in months if m <= period.last], TREND_MONTHS)
    trends = run_trends(
        context,
        source="crime",
        choice=choice,
        asked=(series_months[0], series_months[-1]),
        by="crime-type",
    )
    # The monthly totals are the sum of the per-type series the trends run already counted.
    counts = [0] * len(series_months)
    for row in trends.rows:
        for i, value in enumerate(row["detail"]["counts"]):
            counts[i] += int(value)
    changes = month_changes(series_months, counts)
    overall = overall_trend(series_months, counts)
    page.charts.append(
        Figure(
            "chart-trend",
            figures.trend_chart(
                series_months,
                counts,
                changes,
                label="Crimes a month",
                sen_slope=overall.get("slope"),
                trend_note=overall.get("note"),
            ),
            f"Street crime a month, {series_months[0]} to {series_months[-1]}",
            "Line chart of street crime a month; the table below lists every month",
            table="monthly",
        )
    )
    page.tables.append(monthly_table(series_months, counts, changes, small_numbers))
    page.flags = [flag_row(f) for f in trends.body["emerging"]]

    # Hotspots of the period (LSOA Gi*), when the selection has boundaries.
    try:
        hot = run_hotspots(
            context, source="crime", choice=choice, asked=asked, significance=query.significance
        )
    except AnalysisInputError as error:
        page.warnings.append(f"Hotspot map not drawn: {error}")
    else:
        page.maps.append(hotspot_figure(hot, query, small_numbers))
        page.tables.append(hotspot_table(hot, query, small_numbers, shown=15))
    page.notes = [
        "Figures are street-level crime published by data.police.uk for the months shown; "
        "anti-social behaviour is one of its categories.",
        "Harm weights each crime by its Crime Severity Score (days of custody a typical "
        "offence of that kind attracts).",
        "Marked months changed significantly on the month before (exact binomial test, "
        "p < 0.05, allowing for the number of days).",
    ]
    return page


def overall_trend(months: Sequence[str], counts: list[int]) -> dict[str, Any]:
    from beacon.analytics.trends import trend_summary

    summary = trend_summary(months, counts).to_dict()
    trend = summary.get("trend") or {}
    if not trend.get("computed"):
        return {"note": f"Trend test not computed: {trend.get('reason') or 'too few months'}"}
    p = trend.get("p")
    return {
        "slope": trend.get("slope_per_month"),
        "note": f"Mann–Kendall: {trend.get('trend')} (p = {show(p, 'p')}), Sen's slope "
        f"{show(trend.get('slope_per_month'), 'decimal')} a month",
    }


def monthly_table(
    months: Sequence[str], counts: list[int], changes: list[dict[str, Any]], small_numbers: bool
) -> Table:
    marked = {c["month"]: c for c in changes}
    rows = [
        {
            "month": month,
            "count": count,
            "significant": (
                f"{marked[month]['direction']} (p = {show(marked[month]['p'], 'p')})"
                if month in marked
                else ""
            ),
        }
        for month, count in zip(months, counts, strict=True)
    ]
    if not small_numbers:
        suppress_small(rows, ["count"], [])
    return Table(
        "monthly",
        "Street crime a month",
        [
            Column("month", "Month", "month"),
            Column("count", "Crimes", "integer"),
            Column("significant", "Significant change on the month before"),
        ],
        rows,
    )


def flag_row(flag: dict[str, Any]) -> dict[str, Any]:
    group = flag.get("group") or {}
    return {
        # "Drugs", "E01010734 · Drugs": the group's values read better than key=value pairs.
        "group": " · ".join(str(v) for v in group.values()) or flag.get("group_label"),
        "rule": flag.get("rule"),
        "description": flag.get("description"),
        "latest_month": flag.get("latest_month"),
        "evidence": flag.get("evidence") or {},
    }


def hotspot_figure(hot: Any, query: WorkspaceQuery, small_numbers: bool) -> Figure:
    value = hot.parameters.get("value", "count")

    def text(area: dict[str, Any]) -> str:
        amount = area.get("count")
        if not small_numbers and isinstance(amount, int | float) and 0 < amount < 5:
            return "fewer than 5"
        return f"{show(amount, 'integer' if value == 'count' else 'decimal')} ({value})"

    data = figures.hotspot_map(hot.rows, profile_href("lsoa", query), text)
    counts = hot.body.get("summary") or {}
    hot_areas = sum(v for k, v in counts.items() if k.startswith("hot"))
    method = (
        "normal approximation"
        if hot.parameters.get("significance") == "normal"
        else f"{hot.parameters.get('permutations')} permutations"
    )
    return Figure(
        "map-hotspots",
        data,
        f"Getis-Ord Gi* hot and cold spots of {value} per LSOA, {hot.period.first} to "
        f"{hot.period.last} ({method}, false discovery rate controlled): {hot_areas} hot spot "
        "LSOAs. Select an area for its profile.",
        "Map of LSOAs coloured by hotspot class; the table lists the same classes",
        table="hotspots",
        geometry_url=geometry_url(query),
    )


def hotspot_table(
    hot: Any, query: WorkspaceQuery, small_numbers: bool, shown: int | None = None
) -> Table:
    order = {k: i for i, k in enumerate(figures.HOTSPOT_FILLS)}
    rows = [
        {
            "area": a["area"],
            "name": a.get("name") or a["area"],
            "href": profile_href("lsoa", query)(a["area"]),
            "class": figures.HOTSPOT_LABELS.get(a["class"], a["class"]),
            "count": a.get("count"),
            "z": a.get("z"),
            "p_adjusted": a.get("p_adjusted"),
            "_order": (order.get(a["class"], 99), -(a.get("z") or 0.0)),
        }
        for a in hot.rows
    ]
    rows.sort(key=lambda r: r.pop("_order"))
    if not small_numbers:
        suppress_small(rows, ["count"], [])
    value = hot.parameters.get("value", "count")
    return Table(
        "hotspots",
        "LSOAs by hotspot class",
        [
            Column("name", "LSOA", href_key="href"),
            Column("area", "Code"),
            Column("class", "Class"),
            Column("count", "Crimes" if value == "count" else "Harm", "integer"),
            Column("z", "Gi* z", "decimal"),
            Column("p_adjusted", "p (FDR-adjusted)", "p"),
        ],
        rows,
        shown=shown,
        note="Hot spots first, strongest first." + (" Export for every row." if shown else ""),
    )


def geometry_url(query: WorkspaceQuery, level: str = "lsoa") -> str:
    return (
        query.url(
            "/workspace/areas.geojson",
            start=None,
            end=None,
            source="crime",
            crime_type=None,
            shade="rate",
            value="count",
        )
        + ("&" if query.area else "?")
        + f"level={level}"
    )


# --- measure pages ---------------------------------------------------------------------------


def volume_page(context: Context, query: WorkspaceQuery, *, small_numbers: bool) -> Page:
    """Counts, rates and harm per LSOA, ward and type, and the map shaded by one of them."""
    from beacon.analytics.measures import area_counts

    choice = choice_of(query)
    types = {query.crime_type} if query.crime_type else None
    by_lsoa, lsoa_rows = area_counts(
        context, source=query.source, choice=choice, asked=query.asked(), level="lsoa", types=types
    )
    _, ward_rows = area_counts(
        context, source=query.source, choice=choice, asked=query.asked(), level="ward", types=types
    )
    by_type = run_counts(
        context, source=query.source, choice=choice, asked=query.asked(), by="type"
    )
    monthly = run_counts(
        context,
        source=query.source,
        choice=choice,
        asked=query.asked(),
        by="month",
        include_zeros=True,
    )
    page = new_page("volume", query, by_lsoa)
    page.types = sorted(r[TYPE_KEY[query.source]] for r in by_type.rows)
    noun = SOURCES[query.source].lower()
    what = f"{noun} ({query.crime_type})" if query.crime_type else noun
    total = sum(r["count"] for r in lsoa_rows)
    people = sum(r["population"] or 0 for r in lsoa_rows)
    page.headline = [
        {
            "label": SOURCES[query.source],
            "value": show(total, "integer"),
            "note": query.crime_type or "all types",
        },
        {
            "label": "Rate per 1,000",
            "value": show(total * 1000 / people if people else None, "decimal"),
            "note": f"population {show(people, 'integer')}",
        },
    ]
    if query.source == "crime":
        harm = sum(r["harm"] or 0.0 for r in lsoa_rows)
        page.headline.append(
            {"label": "Harm", "value": show(harm, "integer"), "note": "Crime Severity Score days"}
        )
    shade = query.shade if query.source == "crime" or query.shade != "harm" else "rate"
    value_key = {"rate": "rate", "count": "count", "harm": "harm"}[shade]
    for row in lsoa_rows:
        row["name"] = row.get("lsoa_name") or row["lsoa"]
        row["href"] = profile_href("lsoa", query)(row["lsoa"])
    for row in ward_rows:
        row["name"] = row.get("ward_name") or row["ward"]
        row["href"] = profile_href("ward", query)(row["ward"])
    if not small_numbers:
        suppress_small(lsoa_rows, ["count"], ["rate", "harm", "harm_rate"])
        suppress_small(ward_rows, ["count"], ["rate", "harm", "harm_rate"])
    fmt = "decimal" if value_key == "rate" else "integer"
    page.maps.append(
        Figure(
            "map-volume",
            figures.sequential_map(
                lsoa_rows,
                code_key="lsoa",
                value_key=value_key,
                title=SHADES[shade],
                show=lambda v: show(v, fmt),
                value_text=lambda r: (
                    f"{show(r.get('count'), 'integer')} · "
                    f"{show(r.get('rate'), 'decimal')} per 1,000"
                ),
                href=profile_href("lsoa", query),
            ),
            f"{SHADES[shade]} of {what} per LSOA, {page.period.first} to {page.period.last} "
            "(five equal-count classes). Select an area for its profile.",
            f"Map of LSOAs shaded by {SHADES[shade].lower()}; the table lists every LSOA",
            table="lsoas",
            geometry_url=geometry_url(query),
        )
    )
    counts = [int(r["count"]) for r in monthly.rows]
    page.charts.append(
        Figure(
            "chart-monthly",
            figures.bar_chart(
                [r["month"] for r in monthly.rows], counts, label=f"{SOURCES[query.source]} a month"
            ),
            f"{SOURCES[query.source]} a month",
            "Bar chart of events a month; the table lists every month",
            table="monthly",
        )
    )
    area_columns = [
        Column("count", "Count", "integer"),
        Column("population", "Population", "integer"),
        Column("rate", "Per 1,000", "decimal"),
    ]
    if query.source == "crime":
        area_columns += [
            Column("harm", "Harm", "integer"),
            Column("harm_rate", "Harm per 1,000", "decimal"),
        ]
    page.tables += [
        Table(
            "lsoas",
            "By LSOA",
            [Column("name", "LSOA", href_key="href"), Column("lsoa", "Code"), *area_columns],
            sorted(lsoa_rows, key=by_count),
            shown=25,
            note="Largest first. Export for every row.",
        ),
        Table(
            "wards",
            "By ward",
            [Column("name", "Ward", href_key="href"), Column("ward", "Code"), *area_columns],
            sorted(ward_rows, key=by_count),
            shown=25,
            note="Largest first. Export for every row.",
        ),
        _type_table(by_type.rows, query.source, small_numbers),
        _month_counts_table(monthly.rows, small_numbers),
    ]
    return page


def by_count(row: dict[str, Any]) -> tuple[Any, ...]:
    count = row.get("count")
    return (-(count if isinstance(count, int | float) else 0), str(row.get("name")))


def _type_table(rows: Any, source: str, small_numbers: bool) -> Table:
    key = TYPE_KEY[source]
    shaped = [
        {"type": r[key], "count": r["count"], "rate": r.get("rate"), "harm": r.get("harm")}
        for r in sorted(rows, key=lambda r: (-r["count"], str(r[key])))
    ]
    if not small_numbers:
        suppress_small(shaped, ["count"], ["rate", "harm"])
    columns = [
        Column("type", "Type"),
        Column("count", "Count", "integer"),
        Column("rate", "Per 1,000", "decimal"),
    ]
    if source == "crime":
        columns.append(Column("harm", "Harm", "integer"))
    return Table("types", "By type", columns, shaped)


def _month_counts_table(rows: Any, small_numbers: bool) -> Table:
    shaped = [{"month": r["month"], "count": r["count"], "rate": r.get("rate")} for r in rows]
    if not small_numbers:
        suppress_small(shaped, ["count"], ["rate"])
    return Table(
        "monthly",
        "By month",
        [
            Column("month", "Month", "month"),
            Column("count", "Count", "integer"),
            Column("rate", "Per 1,000", "decimal"),
        ],
        shaped,
    )


def new_page(measure: str, query: WorkspaceQuery, counts: Any) -> Page:
    return Page(
        measure,
        MEASURES[measure],
        query,
        counts.snapshot,
        counts.selection,
        counts.period,
        area_label(counts.selection),
        quality=counts.quality,
    )
