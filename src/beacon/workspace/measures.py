"""The measure pages beyond volume: trends, hotspots, concentration, deprivation, profiles."""

from __future__ import annotations

from typing import Any

from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.service import Context
from beacon.workspace import figures
from beacon.workspace.query import SOURCES, WorkspaceQuery
from beacon.workspace.service import (
    TYPE_KEY,
    Figure,
    Page,
    area_label,
    by_count,
    choice_of,
    flag_row,
    geometry_url,
    hotspot_figure,
    hotspot_table,
    new_page,
    profile_href,
)
from beacon.workspace.tables import Column, Table, show, suppress_small


def trends_page(context: Context, query: WorkspaceQuery, *, small_numbers: bool) -> Page:
    """Per type: the monthly series, its changes and Mann–Kendall trend; emerging-risk flags;
    the chart of the chosen type (or all types together)."""
    from beacon.analytics.measures import run_trends
    from beacon.analytics.service import run_counts
    from beacon.analytics.trends import month_changes

    choice = choice_of(query)
    result = run_trends(context, source=query.source, choice=choice, asked=query.asked(), by="type")
    monthly = run_counts(
        context,
        source=query.source,
        choice=choice,
        asked=query.asked(),
        by="month,type" if query.crime_type else "month",
        include_zeros=not query.crime_type,
    )
    page = new_page("trends", query, _Counts(result))
    key = TYPE_KEY[query.source]
    page.types = sorted(str(r[key]) for r in result.rows)
    months = list(result.period.months)
    if query.crime_type:
        if query.crime_type not in page.types:
            raise AnalysisInputError(
                f"no {SOURCES[query.source].lower()} of type {query.crime_type!r} in the chosen "
                "areas and months",
                option="type",
            )
        by_month = {r["month"]: r["count"] for r in monthly.rows if r[key] == query.crime_type}
        counts = [int(by_month.get(m, 0)) for m in months]
        label = query.crime_type
    else:
        counts = [int(r["count"]) for r in monthly.rows]
        label = f"All {SOURCES[query.source].lower()}"
    from beacon.workspace.service import monthly_table, overall_trend

    changes = month_changes(months, counts)
    overall = overall_trend(months, counts)
    page.charts.append(
        Figure(
            "chart-trend",
            figures.trend_chart(
                months,
                counts,
                changes,
                label=f"{label} a month",
                sen_slope=overall.get("slope"),
                trend_note=overall.get("note"),
            ),
            f"{label} a month, {months[0]} to {months[-1]}",
            "Line chart of events a month with significant changes marked; "
            "the table lists every month",
            table="monthly",
        )
    )
    page.flags = [flag_row(f) for f in result.body["emerging"]]
    rows = []
    for row in result.rows:
        rows.append(
            {
                "type": row[key],
                "href": query.url("/workspace/trends", crime_type=row[key]),
                "total": row["total"],
                "latest_count": row["latest_count"],
                "month_on_month": _fraction(row["month_on_month_pct"]),
                "rolling": _fraction(row["rolling_pct"]),
                "year_on_year": _fraction(row["year_on_year_pct"]),
                "trend": row["trend"],
                "trend_p": row["trend_p"],
                "slope": row["sen_slope_per_month"],
            }
        )
    rows.sort(key=lambda r: (-(r["total"] or 0), str(r["type"])))
    if not small_numbers:
        suppress_small(
            rows, ["total", "latest_count"], ["month_on_month", "rolling", "year_on_year", "slope"]
        )
    page.tables += [
        Table(
            "series",
            "Trend by type",
            [
                Column("type", "Type", href_key="href"),
                Column("total", "Total", "integer"),
                Column("latest_count", f"Latest month ({months[-1]})", "integer"),
                Column("month_on_month", "On the month before", "percent"),
                Column("rolling", "Last 3 months on the 3 before", "percent"),
                Column("year_on_year", "On the same month a year before", "percent"),
                Column("trend", "Mann–Kendall trend"),
                Column("trend_p", "p", "p"),
                Column("slope", "Sen's slope a month", "decimal"),
            ],
            rows,
            note="Percentages need the comparison months loaded; "
            "trend tests need 10 or more months.",
        ),
        monthly_table(months, counts, changes, small_numbers),
    ]
    rules = result.parameters.get("rules") or {}
    page.notes = [
        "Emerging-risk rules: "
        + "; ".join(
            f"{k.replace('_', ' ')}" for k in rules.get("rules", rules) if isinstance(k, str)
        )
        if rules
        else "Emerging-risk rules: the defaults of beacon analyse trends.",
        "Changes are tested with the exact binomial test of two Poisson counts; trends with the "
        "Mann–Kendall test (seasonal when two full years are loaded).",
    ]
    return page


class _Counts:
    """The parts of a measure result ``_page`` reads, from a ``MeasureResult``."""

    def __init__(self, result: Any) -> None:
        self.snapshot = result.snapshot
        self.selection = result.selection
        self.period = result.period
        self.quality: dict[str, Any] = {}


def _types(context: Context, query: WorkspaceQuery) -> list[str]:
    """The types present in the selection and period, for the page's type filter."""
    from beacon.analytics.service import run_counts

    found = run_counts(
        context, source=query.source, choice=choice_of(query), asked=query.asked(), by="type"
    )
    return sorted(str(r[TYPE_KEY[query.source]]) for r in found.rows)


def _fraction(pct: float | None) -> float | None:
    return None if pct is None else pct / 100.0


def hotspots_page(context: Context, query: WorkspaceQuery, *, small_numbers: bool) -> Page:
    from beacon.analytics.measures import run_hotspots

    result = run_hotspots(
        context,
        source=query.source,
        choice=choice_of(query),
        asked=query.asked(),
        value=query.value,
        types=query.crime_type,
        significance=query.significance,
    )
    page = new_page("hotspots", query, _Counts(result))
    page.types = _types(context, query)
    counts = {k: v for k, v in (result.body.get("summary") or {}).items() if k != "areas"}
    page.headline = [
        {"label": figures.HOTSPOT_LABELS.get(k, k), "value": show(v, "integer"), "note": "LSOAs"}
        for k, v in counts.items()
        if v
    ]
    page.maps.append(hotspot_figure(result, query, small_numbers))
    page.tables.append(hotspot_table(result, query, small_numbers, shown=50))
    method = result.body.get("method") or {}
    by_normal = result.parameters["significance"] == "normal"
    page.notes = [
        f"{method.get('statistic', 'Getis-Ord Gi*')}; "
        f"weights: {method.get('weights', 'queen contiguity')}, "
        f"transform {result.parameters['transform']}; "
        + (
            "p-values from the normal approximation of z (as ArcGIS's Hot Spot Analysis)"
            if by_normal
            else f"p-values from {result.parameters['permutations']} permutations "
            f"(seed {result.parameters['seed']})"
        )
        + ", adjusted for the false discovery rate (Benjamini–Hochberg).",
        "With permutations the smallest possible p is 1/1,000, which the false-discovery-rate "
        "correction cannot pass over more than a few hundred areas: use the normal "
        "approximation for a force or several districts."
        if not by_normal
        else "Permutations (the Significance option) make no assumption about the counts' "
        "distribution; with 999 of them, large selections rarely show any significant area.",
        *[str(w) for w in result.body.get("warnings", [])],
    ]
    return page


def _by_lsoa_shares(context: Context, query: WorkspaceQuery, measure: str) -> tuple[Any, Page]:
    """The concentration run (per LSOA, with IMD deciles) both of these pages read."""
    from beacon.analytics.measures import run_concentration

    result = run_concentration(
        context,
        source=query.source,
        choice=choice_of(query),
        asked=query.asked(),
        level="lsoa",
        types=query.crime_type,
    )
    page = new_page(measure, query, _Counts(result))
    page.types = _types(context, query)
    return result, page


def concentration_page(context: Context, query: WorkspaceQuery, *, small_numbers: bool) -> Page:
    result, page = _by_lsoa_shares(context, query, "concentration")
    count = result.body["count"]
    harm = result.body.get("harm")
    curves = [("Count", count.get("lorenz_drawn") or [], figures.BLUE)]
    if harm and harm.get("defined"):
        curves.append(("Harm", harm.get("lorenz_drawn") or [], figures.RED))
    page.headline = [
        {
            "label": "Gini (count)",
            "value": show(count.get("gini"), "decimal") if count.get("defined") else "–",
            "note": f"{count.get('n_areas')} LSOAs",
        },
        *[
            {
                "label": f"Share in the top {t['percent']:g}% of LSOAs",
                "value": show(t["share"], "percent"),
                "note": f"{t['areas']} LSOAs",
            }
            for t in count.get("top", [])
        ],
    ]
    if harm and harm.get("defined"):
        page.headline.append(
            {
                "label": "Gini (harm)",
                "value": show(harm.get("gini"), "decimal"),
                "note": "severity-weighted",
            }
        )
    page.charts.append(
        Figure(
            "chart-lorenz",
            figures.lorenz_chart(
                [(label, _curve(points), colour) for label, points, colour in curves]
            ),
            "Lorenz curve: the further below the line of equal shares, the more concentrated",
            "Lorenz curve of events across LSOAs; the tables list the top shares and every LSOA",
            table="top",
        )
    )
    top_rows = []
    for label, measure in (("Count", count), ("Harm", harm)):
        if not measure or not measure.get("defined"):
            continue
        for t in measure.get("top", []):
            top_rows.append(
                {
                    "measure": label,
                    "percent": t["percent"] / 100.0,
                    "areas": t["areas"],
                    "total": t["total"],
                    "share": t["share"],
                    "codes": ", ".join(t.get("codes", [])),
                }
            )
    lorenz_rows = [
        {"areas_share": x, "count_share": y} for x, y in _curve(count.get("lorenz_drawn") or [])
    ]
    page.tables.append(
        Table(
            "top",
            "Share in the top areas",
            [
                Column("measure", "Of"),
                Column("percent", "Top", "percent"),
                Column("areas", "LSOAs", "integer"),
                Column("total", "Total", "integer"),
                Column("share", "Share of all", "percent"),
                Column("codes", "LSOAs (codes)"),
            ],
            top_rows,
        )
    )
    page.tables.append(
        Table(
            "lorenz",
            "Lorenz curve (count)",
            [
                Column("areas_share", "Share of LSOAs (lowest first)", "percent"),
                Column("count_share", "Share of events", "percent"),
            ],
            lorenz_rows,
            shown=0,
            note="The points the chart draws; export them for the whole curve.",
        )
    )
    rows = [dict(r) for r in result.rows]
    total = sum(r["count"] for r in rows) or 0
    for row in rows:
        row["name"] = row.get("lsoa_name") or row["lsoa"]
        row["href"] = profile_href("lsoa", query)(row["lsoa"])
        row["share"] = row["count"] / total if total else None
    rows.sort(key=by_count)
    if not small_numbers:
        suppress_small(rows, ["count"], ["share", "rate", "harm", "harm_rate"])
    columns = [
        Column("name", "LSOA", href_key="href"),
        Column("lsoa", "Code"),
        Column("count", "Count", "integer"),
        Column("share", "Share", "percent"),
        Column("rate", "Per 1,000", "decimal"),
    ]
    if query.source == "crime":
        columns.append(Column("harm", "Harm", "integer"))
    page.tables.append(
        Table(
            "lsoas",
            "LSOAs ranked",
            columns,
            rows,
            shown=25,
            note="Largest first. Export for every row.",
        )
    )
    method = count.get("method") or {}
    page.notes = [f"{k.capitalize()}: {v}" for k, v in method.items()]
    return page


def _curve(points: Any) -> list[tuple[float, float]]:
    """``lorenz_drawn`` points: [share of areas, share of the total] pairs."""
    return [(float(p[0]), float(p[1])) for p in points]


def deprivation_page(context: Context, query: WorkspaceQuery, *, small_numbers: bool) -> Page:
    result, page = _by_lsoa_shares(context, query, "deprivation")
    deprivation = result.body.get("deprivation") or {}
    deciles = [d for d in deprivation.get("deciles", [])]
    matched = sum(d["areas"] for d in deciles)
    if not matched:
        page.warnings.append(
            "No IMD 2019 deciles for these LSOAs: import the IMD file (beacon import imd FILE, "
            "or the Imports page) and refresh the snapshot."
        )
    page.headline = [
        {
            "label": "LSOAs with an IMD decile",
            "value": show(matched, "integer"),
            "note": f"{deprivation.get('excluded_areas', 0)} without",
        },
    ]
    page.charts.append(
        Figure(
            "chart-deciles",
            figures.decile_chart(deciles, label="Per 1,000 residents", key="rate_per_1000"),
            "Rate per 1,000 residents by IMD decile of the LSOA",
            "Bar chart of the rate by deprivation decile; the table lists every decile",
            table="deciles",
        )
    )
    if query.source == "crime":
        page.charts.append(
            Figure(
                "chart-decile-harm",
                figures.decile_chart(
                    deciles, label="Harm per 1,000 residents", key="harm_per_1000"
                ),
                "Harm per 1,000 residents by IMD decile",
                "Bar chart of harm by deprivation decile; the table lists every decile",
                table="deciles",
            )
        )
    rows = [dict(d) for d in deciles]
    if not small_numbers:
        suppress_small(
            rows, ["count"], ["rate_per_1000", "harm", "harm_per_1000", "share_of_count"]
        )
    columns = [
        Column("decile", "IMD decile"),
        Column("areas", "LSOAs", "integer"),
        Column("population", "Population", "integer"),
        Column("count", "Count", "integer"),
        Column("rate_per_1000", "Per 1,000", "decimal"),
        Column("share_of_count", "Share of events", "percent"),
        Column("share_of_population", "Share of residents", "percent"),
    ]
    if query.source == "crime":
        columns[5:5] = [
            Column("harm", "Harm", "integer"),
            Column("harm_per_1000", "Harm per 1,000", "decimal"),
        ]
    page.tables.append(Table("deciles", "By IMD decile", columns, rows))
    page.notes = [str(deprivation.get("method") or "")]
    return page


def profile_page(
    context: Context, query: WorkspaceQuery, *, level: str, code: str, small_numbers: bool
) -> Page:
    """One ward or LSOA: crime by type, monthly series, hotspot class, deprivation, intelligence
    and partner-feed volume (``analytics.profiles``, small numbers suppressed as the API does)."""
    from beacon.analytics.profiles import run_profile
    from beacon.analytics.trends import month_changes

    result = run_profile(
        context,
        level=level,
        code=code,
        asked=query.asked(),
        suppress=not small_numbers,
        hotspot_significance=query.significance,
    )
    body = result.body
    area = body["area"]
    page = new_page("volume", query, _Counts(result))
    page.measure, page.title = "profile", f"{area.get('name') or area['code']}"
    kind = "Ward" if level == "ward" else "LSOA"
    district = area.get("district_name")
    page.area_label = f"{kind} {area['code']}" + (f", {district}" if district else "")
    totals = body.get("totals") or {}
    page.headline = [
        {
            "label": "Street crimes",
            "value": show(totals.get("count"), "integer"),
            "note": f"{result.period.first} to {result.period.last}",
        },
        {
            "label": "Rate per 1,000",
            "value": show(totals.get("rate"), "decimal"),
            "note": f"population {show(area.get('population'), 'integer')}",
        },
        {
            "label": "Harm",
            "value": show(totals.get("harm"), "integer"),
            "note": "Crime Severity Score days",
        },
    ]
    hotspot = body.get("hotspot") or {}
    classes = hotspot.get("classes") or {}
    if hotspot.get("computed") and classes:
        label = ", ".join(
            f"{figures.HOTSPOT_LABELS.get(k, k)}" + (f" ({v} LSOAs)" if level == "ward" else "")
            for k, v in classes.items()
            if v
        )
        page.headline.append(
            {
                "label": "Hotspot class within its district",
                "value": label,
                "note": f"Gi* within {area.get('district_name') or hotspot.get('within')}",
            }
        )
    monthly = body.get("monthly") or []
    months = [m["month"] for m in monthly]
    counts_raw = [m["count"] for m in monthly]
    numeric = all(isinstance(c, int) for c in counts_raw)
    if months and numeric:
        changes = month_changes(months, counts_raw)
        page.charts.append(
            Figure(
                "chart-trend",
                figures.trend_chart(months, counts_raw, changes, label="Crimes a month"),
                "Street crime a month",
                "Line chart of street crime a month; the table lists every month",
                table="monthly",
            )
        )
    page.tables.append(
        Table(
            "monthly",
            "By month",
            [Column("month", "Month", "month"), Column("count", "Crimes", "integer")],
            [dict(m) for m in monthly],
        )
    )
    page.tables.append(
        Table(
            "types",
            "By crime type",
            [
                Column("crime_type", "Crime type"),
                Column("count", "Crimes", "integer"),
                Column("rate", "Per 1,000", "decimal"),
                Column("harm", "Harm", "integer"),
            ],
            sorted(
                (dict(r) for r in body.get("crime_types") or []),
                key=lambda r: (
                    -(r["count"] if isinstance(r["count"], int) else 0),
                    r["crime_type"],
                ),
            ),
        )
    )
    deprivation = body.get("deprivation") or {}
    domains = deprivation.get("domains") or {}
    if isinstance(domains, dict) and domains:
        rows = [
            {
                "domain": name.replace("_", " "),
                **{
                    k: v
                    for k, v in values.items()
                    if k in ("rank", "decile", "lsoas", "mean_decile")
                },
            }
            for name, values in sorted(
                domains.items(), key=lambda item: (item[0] != "IMD", item[0])
            )
        ]
        keys = [k for k in ("rank", "decile", "lsoas", "mean_decile") if any(k in r for r in rows)]
        page.tables.append(
            Table(
                "deprivation",
                f"Deprivation ({deprivation.get('edition', 'IMD')}; decile 1 = most deprived)",
                [
                    Column("domain", "Domain"),
                    *[
                        Column(
                            k,
                            k.replace("_", " ").capitalize(),
                            "integer" if k != "mean_decile" else "decimal",
                        )
                        for k in keys
                    ],
                ],
                rows,
            )
        )
    for key, title, what in (
        ("intelligence", "Intelligence by theme", "theme"),
        ("partner_feeds", "Partner feeds by category", "category"),
    ):
        volume = body.get(key) or {}
        rows = [dict(r) for r in volume.get("rows") or []] if isinstance(volume, dict) else []
        page.tables.append(
            Table(
                key,
                title,
                [
                    Column(
                        k, k.replace("_", " ").capitalize(), "integer" if k == "count" else "text"
                    )
                    for k in (rows[0] if rows else {what: "", "count": 0})
                ],
                rows,
                note=None if rows else "None in this period.",
            )
        )
    page.extra = {"area": area, "level": level, "small_numbers": body.get("small_numbers")}
    return page


def repeats_page(context: Context, query: WorkspaceQuery, *, small_numbers: bool) -> Page:
    """Repeat locations: places with another event of the same type within the window (street
    crime: the same or next month at one of data.police.uk's map points; dated sources: 28
    days), by type and place, and the LSOAs where repeats gather."""
    from beacon.analytics.measures import run_repeats

    result = run_repeats(context, source=query.source, choice=choice_of(query), asked=query.asked())
    page = new_page("repeats", query, _Counts(result))
    body = result.body
    unit = result.parameters["unit"]
    window = result.parameters["window"]
    span = f"{window} {unit if window != 1 else unit.rstrip('s')}"
    events = body.get("events") or 0
    page.headline = [
        {"label": "Events", "value": show(events, "integer"), "note": "with a map point"},
        {
            "label": "Repeat events",
            "value": show(body.get("repeat_events"), "integer"),
            "note": f"{show(body['repeat_events'] / events, 'percent')} of events"
            if events
            else "",
        },
        {
            "label": "Repeat locations",
            "value": show(body.get("repeat_locations"), "integer"),
            "note": f"of {show(body.get('locations'), 'integer')} locations",
        },
    ]
    by_type = [
        {
            "type": t["type"],
            "events": t["events"],
            "repeat_events": t["repeat_events"],
            "share": t["repeat_events"] / t["events"] if t["events"] else None,
            "repeat_locations": t["repeat_locations"],
        }
        for t in body.get("by_type") or []
    ]
    by_type.sort(key=lambda r: (-r["repeat_events"], str(r["type"])))
    page.types = sorted(str(t["type"]) for t in by_type)
    places = []
    href = profile_href("lsoa", query)
    for place in result.rows:
        if query.crime_type and place.get("type") != query.crime_type:
            continue
        places.append(
            {
                "type": place.get("type"),
                "lsoa": place.get("lsoa"),
                "href": href(place["lsoa"]) if place.get("lsoa") else None,
                "longitude": place.get("longitude"),
                "latitude": place.get("latitude"),
                "events": place.get("events"),
                "repeats": place.get("repeats"),
                "first": _when(place.get("first"), unit),
                "last": _when(place.get("last"), unit),
            }
        )
    places.sort(key=lambda r: (-int(r["events"] or 0), str(r["type"]), str(r["lsoa"])))
    per_lsoa: dict[str, int] = {}
    for place in places:
        if place["lsoa"]:
            per_lsoa[place["lsoa"]] = per_lsoa.get(place["lsoa"], 0) + int(place["repeats"] or 0)
    lsoa_rows = [{"lsoa": code, "repeats": per_lsoa.get(code, 0)} for code in page.selection.lsoas]
    if not small_numbers:
        suppress_small(by_type, ["events", "repeat_events", "repeat_locations"], ["share"])
        suppress_small(places, ["events", "repeats"], [])
    page.maps.append(
        Figure(
            "map-repeats",
            figures.sequential_map(
                lsoa_rows,
                code_key="lsoa",
                value_key="repeats",
                title="Repeat events",
                show=lambda v: show(v, "integer"),
                value_text=lambda r: f"{show(r['repeats'], 'integer')} repeat events",
                href=href,
            ),
            f"Repeat events per LSOA ({SOURCES[query.source].lower()}, window {span}). "
            "Select an area for its profile.",
            "Map of LSOAs shaded by repeat events; the table lists every repeat location",
            table="places",
            geometry_url=geometry_url(query),
        )
    )
    page.tables += [
        Table(
            "types",
            "Repeats by type",
            [
                Column("type", "Type"),
                Column("events", "Events", "integer"),
                Column("repeat_events", "Repeat events", "integer"),
                Column("share", "Share repeated", "percent"),
                Column("repeat_locations", "Repeat locations", "integer"),
            ],
            by_type,
        ),
        Table(
            "places",
            "Repeat locations",
            [
                Column("type", "Type"),
                Column("lsoa", "LSOA", href_key="href"),
                Column("events", "Events", "integer"),
                Column("repeats", "Repeats", "integer"),
                Column("first", "First"),
                Column("last", "Last"),
                Column("latitude", "Latitude"),
                Column("longitude", "Longitude"),
            ],
            places,
            shown=25,
            note="Most events first. Export for every row.",
        ),
    ]
    page.notes = [
        f"An event repeats when an earlier event of the same type happened at the same place "
        f"within {span}."
        + (
            " Street crime is published by month, on anonymised map points that data.police.uk "
            "snaps crimes to, so a place is one such point."
            if query.source == "crime"
            else ""
        )
    ]
    return page


def _when(value: Any, unit: str) -> str | None:
    import datetime as dt

    if value is None:
        return None
    if unit == "months":
        return f"{int(value) // 12:04d}-{int(value) % 12 + 1:02d}"
    return dt.date.fromordinal(int(value)).isoformat()


KNOX_DISTANCE_M, KNOX_DISTANCE_BANDS, KNOX_DAYS, KNOX_TIME_BANDS = 100.0, 3, 7, 3


def near_repeat_page(context: Context, query: WorkspaceQuery, *, small_numbers: bool) -> Page:
    """The Knox test on dated points (partner feeds, intelligence), laid out as the Near Repeat
    Calculator lays it out: Knox ratios and p-values per distance band and time band."""
    from beacon.analytics.events import dated_events
    from beacon.analytics.nearrepeat import knox_test
    from beacon.analytics.service import resolve

    choice = choice_of(query)
    events = dated_events(context, query.source, choice, query.asked())
    result = knox_test(
        events,
        distance_band=KNOX_DISTANCE_M,
        distance_bands=KNOX_DISTANCE_BANDS,
        time_band=KNOX_DAYS,
        time_bands=KNOX_TIME_BANDS,
        metric="manhattan",
        iterations=99,
        seed=1,
    ).to_dict()
    selection, period = resolve(context, choice, query.asked(), query.source)
    page = Page(
        "near-repeat", "Near repeat", query, context.snapshot.describe(), selection, period,
        area_label(selection),
    )  # fmt: skip
    page.headline = [
        {"label": "Events", "value": show(result["events"], "integer"), "note": "with a map point"},
        {"label": "Pairs", "value": show(result["pairs"], "integer"), "note": "every two events"},
        {
            "label": "Close pairs",
            "value": show(result["close_pairs"], "integer"),
            "note": f"within {KNOX_DISTANCE_M:g} m and {KNOX_DAYS} days",
        },
    ]
    ratio, p_value = result["knox_ratio"], result["p_value"]
    observed, expected = result["observed"], result["expected_mean"]
    columns = ratio["column_labels"]
    rows = []
    for i, label in enumerate(ratio["row_labels"]):
        row: dict[str, Any] = {"distance": label}
        for j in range(len(columns)):
            r, p = ratio["values"][i][j], p_value["values"][i][j]
            row[f"ratio_{j}"] = r
            row[f"p_{j}"] = p
            row[f"observed_{j}"] = observed["values"][i][j]
            row[f"expected_{j}"] = expected["values"][i][j]
        rows.append(row)
    ratio_columns = [Column("distance", "Distance")]
    for j, column in enumerate(columns):
        ratio_columns += [
            Column(f"ratio_{j}", f"Knox ratio, {column}", "decimal"),
            Column(f"p_{j}", f"p, {column}", "p"),
        ]
    count_columns = [Column("distance", "Distance")]
    for j, column in enumerate(columns):
        count_columns += [
            Column(f"observed_{j}", f"Observed, {column}", "integer"),
            Column(f"expected_{j}", f"Expected, {column}", "decimal"),
        ]
    page.tables += [
        Table("knox", "Knox ratios (observed ÷ expected pairs)", ratio_columns, rows),
        Table("pairs", "Observed and expected pairs", count_columns, rows),
    ]
    colours = [figures.RED, figures.ORANGE, figures.BLUE, figures.GREY, figures.PURPLE]
    page.charts.append(
        Figure(
            "chart-knox",
            {
                "kind": "bar",
                "x": {"label": "Time between events", "type": "category"},
                "y": {"label": "Knox ratio", "min": 0, "format": "decimal"},
                "labels": list(columns),
                "series": [
                    {
                        "label": label,
                        "type": "bar",
                        "data": [ratio["values"][i][j] for j in range(len(columns))],
                        "colour": colours[i % len(colours)],
                    }
                    for i, label in enumerate(ratio["row_labels"])
                ],
                "notes": [
                    "A ratio above 1 means more pairs of events this close in space and time "
                    "than the same events would give with their dates shuffled."
                ],
            },
            "Knox ratio per distance band and time band",
            "Bar chart of Knox ratios; the table lists every ratio with its p-value",
            table="knox",
        )
    )
    page.notes = [
        f"Knox test as in the Near Repeat Calculator: {KNOX_DISTANCE_BANDS} distance bands of "
        f"{KNOX_DISTANCE_M:g} m (Manhattan distance on the British National Grid) and "
        f"{KNOX_TIME_BANDS} time bands of {KNOX_DAYS} days; expected pairs and "
        "p-values from 99 permutations of the dates (seed 1). Other bands: beacon analyse "
        "near-repeat or /api/analytics/near-repeat.",
        events.source,
    ]
    return page
