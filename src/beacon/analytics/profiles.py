"""Neighbourhood profiles: one ward or LSOA on one page of figures.

A profile gathers, for the chosen period: street crime by type (count, rate per 1,000, harm),
the monthly series with its trend, the area's Gi* hotspot class within its district (an LSOA's
own class; a ward's LSOAs by class), IMD 2019 rank and decile overall and per domain (a ward:
its LSOAs' deciles), and intelligence and partner-feed volume by theme or category: aggregated
counts only, never report text.

Small numbers: for readers other than analysts, counts of 1 to 4 are shown as "fewer than 5"
and the rates and harm derived from them are withheld, so a profile cannot point at a handful
of identifiable incidents (``suppress_small_numbers``).
"""

from __future__ import annotations

from typing import Any

from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.measures import MeasureResult, imd_deciles
from beacon.analytics.selection import AreaChoice
from beacon.analytics.service import Context, run_counts

SMALL = "fewer than 5"
_COUNT_KEYS = ("count", "total", "latest_count")
_DERIVED_KEYS = ("rate", "harm", "harm_rate")


def run_profile(
    context: Context,
    *,
    level: str,
    code: str,
    asked: tuple[str, str] | None,
    suppress: bool = False,
    hotspot_seed: int = 12345,
    hotspot_significance: str = "permutation",
) -> MeasureResult:
    """The profile of one ward (``level="ward"``) or LSOA (``level="lsoa"``)."""
    from beacon.analytics.trends import trend_summary

    if level not in ("ward", "lsoa"):
        raise AnalysisInputError("profiles are for a ward or an LSOA", option="--level")
    choice = AreaChoice("ward" if level == "ward" else "lsoa", (code.upper(),))
    option = "--ward" if level == "ward" else "--lsoa"
    if len(choice.codes[0]) != 9:
        raise AnalysisInputError(f"{code!r} is not an ONS area code", option=option)

    by_type = run_counts(context, source="crime", choice=choice, asked=asked, by="crime-type")
    selection, period = by_type.selection, by_type.period
    monthly = run_counts(
        context, source="crime", choice=choice, asked=asked, by="month", include_zeros=True
    )
    totals = run_counts(context, source="crime", choice=choice, asked=asked, by="")
    area_rows = context.selection_rows(selection)
    first = area_rows[0] if area_rows else {}
    name = first.get("ward_name" if level == "ward" else "lsoa_name")
    district = first.get("district_code")

    months = list(period.months)
    series = [int(r["count"]) for r in monthly.rows]
    trend = trend_summary(months, series, harm=[r["harm"] or 0.0 for r in monthly.rows]).to_dict()

    # Deprivation and volumes read the area's own selection; the hotspot run selects the whole
    # district, so it comes last.
    deprivation = _deprivation(context, level)
    intelligence = _volume(context, "intelligence", choice, period.months)
    partner_feeds = _volume(context, "partner", choice, period.months)
    hotspot = _hotspot(
        context, district, selection.lsoas, asked, hotspot_seed, hotspot_significance
    )
    body: dict[str, Any] = {
        "area": {
            "level": level,
            "code": choice.codes[0],
            "name": name,
            "district": district,
            "district_name": first.get("district_name"),
            "lsoas": list(selection.lsoas),
            "population": totals.rows[0]["population"] if totals.rows else None,
        },
        "totals": dict(totals.rows[0]) if totals.rows else {"count": 0},
        "crime_types": [dict(r) for r in by_type.rows],
        "monthly": [{"month": r["month"], "count": r["count"]} for r in monthly.rows],
        "trend": _trend_brief(trend),
        "hotspot": hotspot,
        "deprivation": deprivation,
        "intelligence": intelligence,
        "partner_feeds": partner_feeds,
        "small_numbers": "suppressed: counts of 1-4 shown as 'fewer than 5'"
        if suppress
        else "shown",
    }
    if suppress:
        body = suppress_small_numbers(body)
    return MeasureResult(
        "profile",
        by_type.snapshot,
        by_type.engine,
        "crime",
        selection,
        period,
        {
            "level": level,
            "code": choice.codes[0],
            "hotspot_seed": hotspot_seed,
            "hotspot_significance": hotspot_significance,
        },
        body,
        [],
    )


def _trend_brief(trend: dict[str, Any]) -> dict[str, Any]:
    keep = ("latest_month", "latest_count", "month_on_month", "rolling", "year_on_year", "trend")
    return {k: trend.get(k) for k in keep}


def _hotspot(
    context: Context,
    district: str | None,
    lsoas: tuple[str, ...],
    asked: tuple[str, str] | None,
    seed: int,
    significance: str,
) -> dict[str, Any]:
    """Gi* over the area's district, for the period; the area's own LSOAs' classes."""
    from beacon.analytics.measures import run_hotspots

    if district is None:
        return {"computed": False, "reason": "the area has no district in the lookup"}
    try:
        result = run_hotspots(
            context,
            source="crime",
            choice=AreaChoice("district", (district,)),
            asked=asked,
            seed=seed,
            significance=significance,
        )
    except AnalysisInputError as error:
        return {"computed": False, "reason": error.reason}
    mine = [r for r in result.rows if r["area"] in set(lsoas)]
    classes: dict[str, int] = {}
    for row in mine:
        classes[row["class"]] = classes.get(row["class"], 0) + 1
    return {
        "computed": True,
        "within": district,
        "method": result.body.get("method", {}).get("name"),
        "significance": significance,
        "classes": classes,
        "lsoas": [{"area": r["area"], "z": r["z"], "class": r["class"]} for r in mine],
    }


def _deprivation(context: Context, level: str) -> dict[str, Any]:
    """IMD rank and decile per domain for the selected LSOAs (a ward: their distribution)."""
    rows = context.reader.query(
        "SELECT lsoa_code, domain, rank, decile, edition FROM imd "
        "WHERE edition = (SELECT max(edition) FROM imd) "
        "AND lsoa_code IN (SELECT lsoa_code FROM selection) ORDER BY lsoa_code, domain"
    )
    if not rows:
        return {"computed": False, "reason": "no IMD loaded for the area's LSOAs"}
    by_domain: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_domain.setdefault(str(row["domain"]), []).append(row)
    domains = {}
    for domain, entries in sorted(by_domain.items()):
        deciles = [int(e["decile"]) for e in entries]
        domains[domain] = (
            {"rank": int(entries[0]["rank"]), "decile": deciles[0]}
            if level == "lsoa"
            else {
                "lsoas_by_decile": {d: deciles.count(d) for d in sorted(set(deciles))},
                "most_deprived_decile": min(deciles),
            }
        )
    overall = imd_deciles(context)
    return {
        "computed": True,
        "edition": rows[0]["edition"],
        "decile_1_is": "most deprived",
        "imd_decile_by_lsoa": overall,
        "domains": domains,
    }


def _volume(
    context: Context, source: str, choice: AreaChoice, months: tuple[str, ...]
) -> dict[str, Any]:
    """Events per theme (intelligence) or category (partner feeds): counts only."""
    from beacon.analytics.counts import TYPE_KEY

    try:
        result = run_counts(
            context, source=source, choice=choice, asked=(months[0], months[-1]), by="type"
        )
    except AnalysisInputError as error:
        return {"computed": False, "reason": error.reason}
    key = TYPE_KEY[source]
    rows = [{key: r[key], "count": r["count"]} for r in result.rows]
    return {"computed": True, "by": key, "rows": rows, "total": sum(r["count"] for r in rows)}


def suppress_small_numbers(value: Any) -> Any:
    """Counts 1-4 become "fewer than 5"; rates and harm derived from them are withheld."""
    if isinstance(value, list):
        return [suppress_small_numbers(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: suppress_small_numbers(v) for k, v in value.items()}
    small = False
    for key in _COUNT_KEYS:
        count = out.get(key)
        if isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= 4:
            out[key] = SMALL
            small = True
    if small:
        for key in _DERIVED_KEYS:
            if key in out:
                out[key] = None
    return out
