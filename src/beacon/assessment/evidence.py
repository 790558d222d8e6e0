"""The analytics an assessment stands on, computed once per run and shared by its sections.

Every number an assessment prints comes from here, and every one of these comes from the
analytics service (``run_counts``, ``run_trends``, ``run_hotspots``, ``run_repeats``, the
Knox test) on one snapshot: the same figures ``beacon analyse`` prints for the same areas and
months. Results are cached on the instance, so the summary, the theme sections, the matrix and
the appendix quote the same objects rather than recomputing (and possibly disagreeing).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.selection import Period, latest_run
from beacon.analytics.service import Context, run_counts
from beacon.assessment.config import AssessmentConfig, Theme
from beacon.assessment.spec import AssessmentSpec

# Up to three years of months end at the period's last month for trend tests (the seasonal
# Mann-Kendall test needs two full years; the original test ten months).
SERIES_MONTHS = 36


@dataclass
class ThemeFigures:
    """One theme's figures for the period and the comparison period."""

    theme: Theme
    count: int | None  # recorded crime (None: the theme has no police.uk category)
    harm: float | None
    rate: float | None
    previous: int | None
    previous_harm: float | None
    change_pct: float | None
    p_change: float | None  # two-sided exact binomial p of the period against the previous
    intelligence: int
    intelligence_previous: int | None
    partner: int
    partner_previous: int | None
    series: list[int] | None  # monthly counts over ``Evidence.series_months``
    trend: dict[str, Any] | None  # trend_summary of the series

    @property
    def direction(self) -> str:
        """significant rise / rise / stable / fall / significant fall (or "no comparison")."""
        if self.count is None or self.previous is None:
            return "no comparison"
        significant = self.p_change is not None and self.p_change < 0.05
        if self.count > self.previous:
            return "significant rise" if significant else "rise"
        if self.count < self.previous:
            return "significant fall" if significant else "fall"
        return "stable"


def _pct(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before


class Evidence:
    """Analytics for one assessment's scope and period (and the period before it)."""

    def __init__(self, context: Context, spec: AssessmentSpec, config: AssessmentConfig) -> None:
        self.context = context
        self.spec = spec
        self.config = config
        self.choice = spec.choice()
        self.asked = (spec.period_from, spec.period_to)
        totals = run_counts(context, source="crime", choice=self.choice, asked=self.asked, by="")
        self.selection = totals.selection
        self.period: Period = totals.period
        self.quality = dict(totals.quality)
        self.snapshot = totals.snapshot
        row = dict(totals.rows[0]) if totals.rows else {}
        self.total_count = int(row.get("count") or 0)
        self.total_harm = float(row.get("harm") or 0.0)
        self.population = row.get("population")
        self.total_rate = row.get("rate")
        self.previous_period = _previous(self.period, list(context.snapshot.months))
        months = [m for m in context.snapshot.months if m <= self.period.last]
        self.series_months = list(latest_run(months, SERIES_MONTHS))

    # --- plain counts --------------------------------------------------------------------

    def counts(
        self, source: str, by: str, *, previous: bool = False, zeros: bool = False
    ) -> list[dict[str, Any]]:
        return [dict(r) for r in self._counts(source, by, previous, zeros)]

    def _counts(self, source: str, by: str, previous: bool, zeros: bool) -> tuple[Any, ...]:
        key = (source, by, previous, zeros)
        cache = self.__dict__.setdefault("_count_cache", {})
        if key not in cache:
            period = self.previous_period if previous else self.period
            if period is None:
                cache[key] = ()
            else:
                result = run_counts(
                    self.context,
                    source=source,
                    choice=self.choice,
                    asked=(period.first, period.last),
                    by=by,
                    include_zeros=zeros,
                )
                cache[key] = result.rows
        return cache[key]

    @cached_property
    def total_previous(self) -> tuple[int, float] | None:
        if self.previous_period is None:
            return None
        rows = self.counts("crime", "crime-type", previous=True)
        return sum(int(r["count"]) for r in rows), sum(float(r["harm"] or 0.0) for r in rows)

    @cached_property
    def crime_types(self) -> dict[str, dict[str, Any]]:
        return {r["crime_type"]: r for r in self.counts("crime", "crime-type")}

    @cached_property
    def crime_types_previous(self) -> dict[str, dict[str, Any]] | None:
        if self.previous_period is None:
            return None
        return {r["crime_type"]: r for r in self.counts("crime", "crime-type", previous=True)}

    def _source_counts(self, source: str, previous: bool) -> dict[str, int] | None:
        if previous and self.previous_period is None:
            return None
        key = "theme" if source == "intelligence" else "category"
        return {str(r[key]): int(r["count"]) for r in self.counts(source, key, previous=previous)}

    @cached_property
    def intelligence(self) -> dict[str, int]:
        found = self._source_counts("intelligence", False)
        return found or {}

    @cached_property
    def intelligence_previous(self) -> dict[str, int] | None:
        return self._source_counts("intelligence", True)

    @cached_property
    def partner(self) -> dict[str, int]:
        return self._source_counts("partner", False) or {}

    @cached_property
    def partner_previous(self) -> dict[str, int] | None:
        return self._source_counts("partner", True)

    @cached_property
    def intelligence_loaded(self) -> bool:
        """Whether any intelligence is in the snapshot at all (not just in this scope)."""
        rows = self.context.reader.query("SELECT count(*) AS n FROM intelligence")
        return bool(rows and rows[0]["n"])

    @cached_property
    def partner_loaded(self) -> bool:
        rows = self.context.reader.query("SELECT count(*) AS n FROM partner_incident")
        return bool(rows and rows[0]["n"])

    # --- themes --------------------------------------------------------------------------

    @cached_property
    def themes(self) -> list[Theme]:
        """The themes in play: those the spec names, else every configured theme."""
        if self.spec.themes:
            return [self.config.theme(key) for key in self.spec.themes]
        return list(self.config.themes)

    @cached_property
    def type_series(self) -> dict[str, list[int]]:
        """Monthly street crime per crime type over ``series_months`` (from run_trends)."""
        return {r["crime_type"]: r["detail"]["counts"] for r in self.type_trends.rows}

    @cached_property
    def type_trends(self) -> Any:
        from beacon.analytics.measures import run_trends

        return run_trends(
            self.context,
            source="crime",
            choice=self.choice,
            asked=(self.series_months[0], self.series_months[-1]),
            by="crime-type",
        )

    @cached_property
    def ward_trends(self) -> Any:
        from beacon.analytics.measures import run_trends

        return run_trends(
            self.context,
            source="crime",
            choice=self.choice,
            asked=(self.series_months[0], self.series_months[-1]),
            by="ward",
        )

    def theme_figures(self, theme: Theme) -> ThemeFigures:
        cache = self.__dict__.setdefault("_theme_cache", {})
        if theme.key not in cache:
            cache[theme.key] = self._theme_figures(theme)
        return cache[theme.key]

    def _theme_figures(self, theme: Theme) -> ThemeFigures:
        from beacon.analytics.trends import compare_spans, trend_summary

        def crime(types: dict[str, dict[str, Any]] | None, key: str) -> float | None:
            if types is None or not theme.has_crime:
                return None
            return sum(float(types.get(t, {}).get(key) or 0.0) for t in theme.crime_types)

        def sources(found: dict[str, int] | None, names: tuple[str, ...], prefix: bool) -> Any:
            if found is None:
                return None
            if prefix:  # partner categories are "feed:category"
                return sum(v for k, v in found.items() if k.split(":", 1)[0] in names)
            return sum(found.get(name, 0) for name in names)

        count = crime(self.crime_types, "count")
        previous = crime(self.crime_types_previous, "count")
        harm = crime(self.crime_types, "harm")
        p_change = None
        if count is not None and previous is not None and self.previous_period is not None:
            test = compare_spans(
                int(count), int(previous), self.period.months, self.previous_period.months
            )
            p_change = test.p_two_sided
        series = trend = None
        if theme.has_crime:
            series = [0] * len(self.series_months)
            for crime_type in theme.crime_types:
                for i, value in enumerate(self.type_series.get(crime_type, [])):
                    series[i] += int(value)
            harm_weights = self.harm_weights
            harm_series = [0.0] * len(self.series_months)
            for crime_type in theme.crime_types:
                weight = harm_weights.get(crime_type, 0.0)
                for i, value in enumerate(self.type_series.get(crime_type, [])):
                    harm_series[i] += weight * int(value)
            trend = trend_summary(self.series_months, series, harm=harm_series).to_dict()
        rate = None
        if count is not None and self.population:
            rate = count * 1000.0 / float(self.population)
        return ThemeFigures(
            theme=theme,
            count=None if count is None else int(count),
            harm=harm,
            rate=rate,
            previous=None if previous is None else int(previous),
            previous_harm=crime(self.crime_types_previous, "harm"),
            change_pct=_pct(count, previous),
            p_change=p_change,
            intelligence=sources(self.intelligence, theme.intelligence, False) or 0,
            intelligence_previous=sources(self.intelligence_previous, theme.intelligence, False),
            partner=sources(self.partner, theme.partner, True) or 0,
            partner_previous=sources(self.partner_previous, theme.partner, True),
            series=series,
            trend=trend,
        )

    @cached_property
    def harm_weights(self) -> dict[str, float]:
        rows = self.context.reader.query("SELECT crime_type, weight FROM harm_weights")
        return {r["crime_type"]: float(r["weight"]) for r in rows}

    # --- places --------------------------------------------------------------------------

    @cached_property
    def lsoa_rows(self) -> list[dict[str, Any]]:
        return self.counts("crime", "lsoa", zeros=True)

    @cached_property
    def lsoa_rows_previous(self) -> dict[str, dict[str, Any]]:
        return {r["lsoa"]: r for r in self.counts("crime", "lsoa", previous=True, zeros=True)}

    @cached_property
    def ward_rows(self) -> list[dict[str, Any]]:
        return self.counts("crime", "ward", zeros=True)

    @cached_property
    def ward_rows_previous(self) -> dict[str, dict[str, Any]]:
        return {r["ward"]: r for r in self.counts("crime", "ward", previous=True, zeros=True)}

    @cached_property
    def imd(self) -> dict[str, dict[str, Any]]:
        """IMD 2019 (newest edition loaded) rank and decile per LSOA of the scope."""
        self.context.use(self.selection, self.period)
        rows = self.context.reader.query(
            "SELECT lsoa_code, edition, rank, decile FROM imd WHERE domain = 'IMD' AND edition = "
            "(SELECT max(edition) FROM imd) AND lsoa_code IN (SELECT lsoa_code FROM selection)"
        )
        return {r["lsoa_code"]: r for r in rows}

    @cached_property
    def area_rows(self) -> list[dict[str, Any]]:
        self.context.areas_for(self.choice)
        return self.context.selection_rows(self.selection)

    def hotspots(self, theme: Theme | None) -> Any:
        """Gi* of the theme's street crime per LSOA (all crime for ``None``); raises
        AnalysisInputError when it cannot be computed (said in the document)."""
        from beacon.analytics.measures import run_hotspots

        key = theme.key if theme else "_all"
        cache = self.__dict__.setdefault("_hotspot_cache", {})
        if key not in cache:
            types = None
            if theme is not None:
                present = [t for t in theme.crime_types if t in self.crime_types]
                if not present:
                    raise AnalysisInputError(
                        f"no {theme.label.lower()} recorded in the period", option="--type"
                    )
                types = ",".join(present)
            try:
                cache[key] = run_hotspots(
                    self.context,
                    source="crime",
                    choice=self.choice,
                    asked=self.asked,
                    types=types,
                    seed=int(self.config.get("seed", 12345)),
                    significance=str(self.config.get("hotspot_significance", "normal")),
                )
            except AnalysisInputError as error:
                cache[key] = error
        found = cache[key]
        if isinstance(found, AnalysisInputError):
            raise found
        return found

    @cached_property
    def repeats(self) -> Any:
        from beacon.analytics.measures import run_repeats

        return run_repeats(self.context, source="crime", choice=self.choice, asked=self.asked)

    def near_repeat(self, source: str, types: tuple[str, ...]) -> dict[str, Any]:
        """The Knox test on the theme's dated points (raises when too few)."""
        from beacon.analytics.events import dated_events
        from beacon.analytics.nearrepeat import knox_test

        settings = self.config.get("near_repeat", {})
        events = dated_events(self.context, source, self.choice, self.asked, types=types)
        return knox_test(
            events,
            distance_band=float(settings.get("distance_m", 100)),
            distance_bands=int(settings.get("distance_bands", 3)),
            time_band=int(settings.get("days", 7)),
            time_bands=int(settings.get("time_bands", 3)),
            metric="manhattan",
            iterations=int(settings.get("permutations", 99)),
            seed=int(self.config.get("seed", 12345)),
        ).to_dict()


def window_counts(evidence: Evidence, source: str, end: str, days: int) -> dict[str, int]:
    """Events of a dated source ("intelligence" or "partner") per type in the ``days`` days
    ending on ``end`` (ISO date, inclusive), in the scope: the 28-day windows of a tactical
    assessment (street crime has only months)."""
    import datetime as dt

    from beacon.analytics.service import DATED_SOURCES

    dated = DATED_SOURCES[source]
    last = dt.date.fromisoformat(end)
    first = last - dt.timedelta(days=days - 1)
    evidence.context.use(evidence.selection, evidence.period)
    rows = evidence.context.reader.query(
        f"SELECT {dated.type_sql} AS type, count(*) AS n FROM {dated.table} "
        "WHERE lsoa_code IN (SELECT lsoa_code FROM selection) "
        f"AND CAST({dated.counted_by} AS DATE) BETWEEN $1 AND $2 GROUP BY 1 ORDER BY 1",
        [first, last],
    )
    return {str(r["type"]): int(r["n"]) for r in rows}


def _previous(period: Period, available: list[str]) -> Period | None:
    """The same number of months just before ``period``, if every one of them is loaded."""
    from beacon.workspace.service import previous_period

    return previous_period(period, available)
