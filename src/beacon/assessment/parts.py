"""Building blocks the products share: registering figures, trend charts, hotspot maps, the
tables behind them, and the per-theme "current picture" section.

A figure quoted in the text is registered in ``Document.figures`` under a stable key at the
moment it is written, so the register and the prose cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from beacon.analytics.errors import AnalysisInputError
from beacon.assessment.config import Theme
from beacon.assessment.document import Document, Fact, Figure, Section
from beacon.assessment.evidence import Evidence, ThemeFigures
from beacon.workspace import figures as specs
from beacon.workspace.tables import Column, Table, show

P_SIGNIFICANT = 0.05
# partner_incident.feed_kind -> the --kind of `beacon import partner-feed`
_FEED_OPTION = {"asb": "asb", "deliberate_fire": "deliberate-fires"}


class Writer:
    """Adds facts and figures to a document, registering every number it quotes."""

    def __init__(self, document: Document, evidence: Evidence) -> None:
        self.document = document
        self.evidence = evidence

    def fact(
        self,
        section: Section,
        key: str,
        label: str,
        value: Any,
        format: str = "integer",
        note: str | None = None,
    ) -> Fact:
        if isinstance(value, float):
            value = round(value, 6)
        found = Fact(key, label, value, format, note)
        section.facts.append(found)
        self.register(key, value)
        return found

    def register(self, key: str, value: Any) -> None:
        if isinstance(value, float):
            value = round(value, 6)
        held = self.document.figures.get(key, value)
        if held != value:  # one key, one meaning: a second value would be a bug
            raise ValueError(f"figure {key!r} registered as {held!r} and as {value!r}")
        self.document.figures[key] = value

    def profile_href(self, level: str) -> Callable[[str], str]:
        """Links from a map area to its neighbourhood profile in the workspace."""
        params = urlencode(
            {
                "area": self.document.scope["key"],
                "from": self.evidence.period.first,
                "to": self.evidence.period.last,
            }
        )

        def href(code: str) -> str:
            return f"/workspace/profile/{level}/{code}?{params}"

        return href

    def map_lsoas(self, codes: Sequence[str]) -> None:
        known = set(self.document.map_lsoas)
        self.document.map_lsoas.extend(c for c in codes if c not in known)


def describe_p(p: float | None) -> str:
    return "not tested" if p is None else ("p < 0.001" if p < 0.001 else f"p = {p:.3f}")


def change_text(now: float | None, before: float | None, p: float | None) -> str:
    if now is None or before is None:
        return "no earlier period loaded to compare with"
    if before == 0:
        return f"{now:,.0f} against none in the previous period"
    pct = (now - before) / before
    verdict = (
        "a significant change"
        if p is not None and p < P_SIGNIFICANT
        else "not a significant change"
    )
    return f"{pct:+.1%} on the previous period ({before:,.0f}); {verdict} ({describe_p(p)})"


def trend_text(trend: dict[str, Any] | None) -> str:
    if not trend:
        return "no monthly series"
    test = trend.get("trend") or {}
    if not test.get("computed"):
        return f"trend test not computed: {test.get('reason') or 'too few months'}"
    return (
        f"{test.get('trend')} over {test.get('n_months')} months ({test.get('method')}; "
        f"{describe_p(test.get('p'))}; Sen's slope {test.get('slope_per_month'):+.2f} a month)"
    )


def trend_figure(
    writer: Writer, section: Section, ident: str, title: str, counts: list[int]
) -> None:
    """A monthly line chart with significant month-on-month changes marked, and its table."""
    from beacon.analytics.trends import month_changes

    months = writer.evidence.series_months
    changes = month_changes(months, counts)
    spec = specs.trend_chart(months, counts, changes, label="Crimes a month")
    marked = {c["month"]: c for c in changes}
    rows = [
        {
            "month": m,
            "count": c,
            "significant": (
                f"{marked[m]['direction']} ({describe_p(marked[m]['p'])})" if m in marked else ""
            ),
        }
        for m, c in zip(months, counts, strict=True)
    ]
    table = Table(
        f"{ident}-monthly",
        f"{title}: crimes a month",
        [
            Column("month", "Month", "month"),
            Column("count", "Crimes", "integer"),
            Column("significant", "Significant change on the month before"),
        ],
        rows,
    )
    section.tables.append(table)
    section.figures.append(
        Figure(
            f"{ident}-trend",
            "chart",
            f"{title}: street crime a month, {months[0]} to {months[-1]}",
            f"Line chart of {title.lower()} a month from {months[0]} to {months[-1]}, "
            f"{len(changes)} month(s) marked as a significant change on the month before; "
            "the table below gives every month.",
            spec,
            table.id,
        )
    )


def hotspot_figure(
    writer: Writer, section: Section, ident: str, title: str, theme: Theme | None
) -> Any | None:
    """The Gi* map of the theme's crime and a table of its hot spots; says why when it
    cannot be drawn. Returns the hotspot result (or None)."""
    try:
        hot = writer.evidence.hotspots(theme)
    except AnalysisInputError as error:
        section.missing.append(f"Hotspot map of {title.lower()}: {error.reason}")
        return None
    href = writer.profile_href("lsoa")

    def value_text(area: dict[str, Any]) -> str:
        return f"{show(area.get('count'), 'integer')} crimes"

    spec = specs.hotspot_map(hot.rows, href, value_text)
    order = {k: i for i, k in enumerate(specs.HOTSPOT_FILLS)}
    rows = sorted(
        (
            {
                "area": a["area"],
                "name": a.get("name") or a["area"],
                "class": specs.HOTSPOT_LABELS.get(a["class"], a["class"]),
                "count": a.get("count"),
                "z": a.get("z"),
                "p_adjusted": a.get("p_adjusted"),
                "_order": (order.get(a["class"], 99), -(a.get("z") or 0.0), a["area"]),
            }
            for a in hot.rows
        ),
        key=lambda r: r["_order"],
    )
    for row in rows:
        row.pop("_order")
    hot_rows = [r for r in rows if r["class"].startswith("Hot")]
    summary = hot.body.get("summary") or {}
    hot_count = sum(v for k, v in summary.items() if k.startswith("hot"))
    writer.register(f"theme.{ident}.hot_spots", hot_count)
    table = Table(
        f"{ident}-hotspots",
        f"{title}: hot spot LSOAs",
        [
            Column("name", "LSOA"),
            Column("area", "Code"),
            Column("class", "Class"),
            Column("count", "Crimes", "integer"),
            Column("z", "Gi* z", "decimal"),
            Column("p_adjusted", "p (FDR-adjusted)", "p"),
        ],
        hot_rows if hot_rows else rows[:10],
        note=(
            f"{hot_count} hot spot LSOA(s) of {len(rows)}; every LSOA's class is in the data annex."
            if hot_rows
            else "No hot spot at the chosen confidence; the ten highest z-scores are shown."
        ),
        shown=25,
        extra={"all_rows": len(rows)},
    )
    section.tables.append(table)
    method = (
        "normal approximation"
        if hot.parameters.get("significance") == "normal"
        else f"{hot.parameters.get('permutations')} permutations"
    )
    section.figures.append(
        Figure(
            f"{ident}-map",
            "map",
            f"{title}: Getis-Ord Gi* hot and cold spots per LSOA, {hot.period.first} to "
            f"{hot.period.last} ({method}, false discovery rate controlled)",
            f"Map of the {len(rows)} LSOAs coloured by hot spot class: {hot_count} hot "
            f"spot(s); the table lists them with their z-scores.",
            spec,
            table.id,
        )
    )
    writer.map_lsoas([a["area"] for a in hot.rows])
    return hot


def theme_section(writer: Writer, theme: Theme, number: str, *, detail: bool = True) -> Section:
    """The current picture of one theme: volume, rate, harm, change and trend, hotspot map,
    repeat locations, near repeats, intelligence and what the community is telling us."""
    evidence = writer.evidence
    figures = evidence.theme_figures(theme)
    key = f"theme.{theme.key}"
    section = Section(f"theme-{theme.key}", number, theme.label)
    if figures.count is not None:
        writer.fact(section, f"{key}.count", "Recorded crimes", figures.count)
        writer.fact(
            section, f"{key}.rate", "Per 1,000 residents", figures.rate, "decimal",
            note="population of the scope, 2011 census",
        )  # fmt: skip
        writer.fact(
            section, f"{key}.harm", "Harm (Crime Severity Score)", figures.harm,
            # Anti-social behaviour is not a notifiable offence, so the ONS score has no
            # weight for it: say so rather than let a zero read as "harmless".
            note="no harm weight for these categories" if figures.count and not figures.harm
            else None,
        )  # fmt: skip
        if figures.previous is not None:
            writer.fact(section, f"{key}.previous", "Previous period", figures.previous)
            writer.fact(
                section, f"{key}.change", "Change", figures.change_pct, "percent",
                note=describe_p(figures.p_change),
            )  # fmt: skip
        types = ", ".join(theme.crime_types)
        section.paragraphs.append(
            f"{figures.count:,} crimes recorded in the period ({types}): "
            f"{change_text(figures.count, figures.previous, figures.p_change)}. "
            f"Monthly trend: {trend_text(figures.trend)}."
        )
    else:
        section.paragraphs.append(
            "data.police.uk publishes no category for this theme, so recorded crime is not "
            "shown; the picture rests on intelligence and partner data, and on the partnership's "
            "judgement (capacity and horizon scan)."
        )
    _sources_paragraph(writer, section, figures, key)
    if detail and figures.count is not None and figures.series is not None:
        if len(evidence.series_months) >= 2:
            trend_figure(writer, section, f"{theme.key}", theme.label, figures.series)
        if figures.count > 0:
            hotspot_figure(writer, section, f"{theme.key}", theme.label, theme)
        else:
            section.missing.append(f"Hotspot map: no {theme.label.lower()} in the period.")
        _repeats(writer, section, theme)
    if detail:
        _near_repeat(writer, section, theme)
    return section


def _sources_paragraph(writer: Writer, section: Section, figures: ThemeFigures, key: str) -> None:
    evidence = writer.evidence
    theme = figures.theme
    if theme.intelligence:
        if evidence.intelligence_loaded:
            writer.fact(section, f"{key}.intelligence", "Intelligence items", figures.intelligence)
            before = (
                f" ({figures.intelligence_previous} in the previous period)"
                if figures.intelligence_previous is not None
                else ""
            )
            section.paragraphs.append(
                f"What the community is telling us: {figures.intelligence} intelligence item(s) "
                f"about this theme were received in the period{before}. Survey results will "
                "appear here once Beacon runs surveys."
            )
        else:
            section.missing.append(
                "Intelligence: none is loaded in the snapshot yet (reports received through "
                "Beacon's intake appear here once graded)."
            )
    if theme.partner:
        if evidence.partner_loaded:
            writer.fact(section, f"{key}.partner", "Partner-recorded incidents", figures.partner)
        else:
            section.missing.append(
                "Partner data: no partner feed is loaded (beacon import partner-feed "
                f"--kind {'/'.join(_FEED_OPTION.get(p, p) for p in theme.partner)} FILE)."
            )


def _repeats(writer: Writer, section: Section, theme: Theme) -> None:
    repeats = writer.evidence.repeats
    wanted = set(theme.crime_types)
    rows = sorted(
        (
            {
                "lsoa": p.get("lsoa"),
                "latitude": p.get("latitude"),
                "longitude": p.get("longitude"),
                "events": p.get("events"),
                "repeats": p.get("repeats"),
                "type": p.get("type"),
            }
            for p in repeats.rows
            if p.get("type") in wanted
        ),
        key=lambda r: (-(r["repeats"] or 0), -(r["events"] or 0), str(r["lsoa"])),
    )
    by_type = [t for t in repeats.body.get("by_type", []) if t["type"] in wanted]
    repeat_events = sum(int(t["repeat_events"]) for t in by_type)
    writer.register(f"theme.{theme.key}.repeat_crimes", repeat_events)
    writer.register(f"theme.{theme.key}.repeat_places", len(rows))
    section.paragraphs.append(
        f"Repeat locations: {len(rows)} map point(s) had another {theme.label.lower()} crime of "
        f"the same type in the same or the next month ({repeat_events} repeat crime(s)). "
        "Street crime is published by month on anonymised map points, so repeats are counted "
        "per point and month, not per victim."
    )
    if rows:
        section.tables.append(
            Table(
                f"{theme.key}-repeats",
                f"{theme.label}: repeat locations",
                [
                    Column("lsoa", "LSOA"),
                    Column("type", "Crime type"),
                    Column("events", "Crimes at the point", "integer"),
                    Column("repeats", "Repeats", "integer"),
                    Column("latitude", "Latitude", "decimal"),
                    Column("longitude", "Longitude", "decimal"),
                ],
                rows,
                shown=15,
            )
        )


def _near_repeat(writer: Writer, section: Section, theme: Theme) -> None:
    """Knox test on the theme's intelligence points (street crime has no day)."""
    evidence = writer.evidence
    if not theme.intelligence or not evidence.intelligence_loaded:
        return
    try:
        result = evidence.near_repeat("intelligence", theme.intelligence)
    except AnalysisInputError as error:
        section.missing.append(f"Near-repeat test on intelligence: {error.reason}")
        return
    ratio, p_value = result["knox_ratio"], result["p_value"]
    rows = []
    significant = []
    for i, label in enumerate(ratio["row_labels"]):
        for j, column in enumerate(ratio["column_labels"]):
            r, p = ratio["values"][i][j], p_value["values"][i][j]
            rows.append({"distance": label, "time": column, "ratio": r, "p": p})
            if r is not None and p is not None and r > 1 and p < P_SIGNIFICANT:
                significant.append(f"{label}, {column}")
    section.tables.append(
        Table(
            f"{theme.key}-knox",
            f"{theme.label}: near-repeat (Knox) ratios on intelligence",
            [
                Column("distance", "Distance"),
                Column("time", "Time"),
                Column("ratio", "Knox ratio", "decimal"),
                Column("p", "p", "p"),
            ],
            rows,
        )
    )
    section.paragraphs.append(
        f"Near repeats ({result['events']} located intelligence items, Knox test as the Near "
        "Repeat Calculator): "
        + (
            "more close pairs than chance in " + "; ".join(significant) + "."
            if significant
            else "no distance and time band has significantly more close pairs than chance."
        )
    )


def theme_table(evidence: Evidence, ident: str = "themes") -> Table:
    """Every theme in play: crime, rate, harm, change, trend, intelligence, partner data."""
    rows = []
    for theme in evidence.themes:
        f = evidence.theme_figures(theme)
        test = (f.trend or {}).get("trend") or {}
        rows.append(
            {
                "theme": theme.label,
                "count": f.count,
                "rate": f.rate,
                "harm": f.harm,
                "previous": f.previous,
                "change": f.change_pct,
                "p": f.p_change,
                "trend": test.get("trend") if test.get("computed") else "not computed",
                "intelligence": f.intelligence if evidence.intelligence_loaded else None,
                "partner": f.partner if evidence.partner_loaded else None,
            }
        )
    return Table(
        ident,
        "Themes in the period",
        [
            Column("theme", "Theme"),
            Column("count", "Crimes", "integer"),
            Column("rate", "Per 1,000", "decimal"),
            Column("harm", "Harm", "integer"),
            Column("previous", "Before", "integer"),
            Column("change", "Change", "percent"),
            Column("p", "p", "p"),
            Column("trend", "Trend"),
            Column("intelligence", "Intel.", "integer"),
            Column("partner", "Partner", "integer"),
        ],
        rows,
        note="Before: the previous period of equal length; p: exact binomial test of the "
        "change; trend: Mann–Kendall; Intel.: intelligence items; Partner: partner-recorded "
        "incidents. A dash: no police.uk category, or the source is not loaded.",
    )
