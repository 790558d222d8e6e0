"""The smaller products built from the same machinery as the strategic assessment.

* Tactical assessment (a district or ward, for a Tactical Tasking and Coordination Group): the
  latest month of street crime against the month before (data.police.uk publishes months, not
  days), the last 28 days of intelligence and partner incidents against the 28 before, hot
  spots, repeat locations, emerging flags and the themes to task.
* Problem profile: one theme in one area, in depth.
* Community impact assessment: after a critical incident in an area, the tension indicators,
  recent intelligence and crime, messages sent and replies, with a review date.
* Neighbourhood profile: one ward or LSOA (the workspace's profile as a document).
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from typing import Any

from beacon.analytics.errors import AnalysisInputError
from beacon.assessment import parts
from beacon.assessment.document import Section
from beacon.assessment.evidence import window_counts
from beacon.assessment.parts import Writer, change_text
from beacon.assessment.scoring import evidence_rows, matrix_rows, score_themes
from beacon.assessment.spec import AssessmentSpec, Judgement
from beacon.assessment.strategic import PESTELO, _capacity, _emerging, _narrative
from beacon.workspace import figures as specs
from beacon.workspace.tables import Column, Table

WINDOW_DAYS = 28
TENSION_THEMES = ("community_tension", "hate_crime")
TENSION_CRIME = ("Public order", "Criminal damage and arson", "Anti-social behaviour")


def build(
    writer: Writer,
    spec: AssessmentSpec,
    judgement: Judgement,
    method: Section,
    *,
    previous: dict[str, Any] | None,
    step: Any = None,
) -> list[Any]:
    builders = {
        "tactical": _tactical,
        "problem": _problem,
        "community_impact": _community_impact,
        "neighbourhood": _neighbourhood,
    }
    return builders[spec.kind](writer, spec, judgement, method)


def _last_day(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{month}-{monthrange(year, number)[1]:02d}"


def _windows(writer: Writer, end: str) -> list[dict[str, Any]]:
    """Intelligence and partner incidents in the 28 days to ``end`` against the 28 before."""
    evidence = writer.evidence
    before_end = (dt.date.fromisoformat(end) - dt.timedelta(days=WINDOW_DAYS)).isoformat()
    rows = []
    for source, label in (("intelligence", "Intelligence"), ("partner", "Partner incident")):
        now = window_counts(evidence, source, end, WINDOW_DAYS)
        before = window_counts(evidence, source, before_end, WINDOW_DAYS)
        for key in sorted(set(now) | set(before)):
            rows.append(
                {
                    "source": label,
                    "type": key,
                    "now": now.get(key, 0),
                    "before": before.get(key, 0),
                    "change": (
                        (now.get(key, 0) - before[key]) / before[key] if before.get(key) else None
                    ),
                }
            )
    return rows


def _window_table(ident: str, end: str, rows: list[dict[str, Any]]) -> Table:
    return Table(
        ident,
        f"Intelligence and partner incidents: {WINDOW_DAYS} days to {end} against the "
        f"{WINDOW_DAYS} before",
        [
            Column("source", "Source"),
            Column("type", "Theme or category"),
            Column("now", f"Last {WINDOW_DAYS} days", "integer"),
            Column("before", f"{WINDOW_DAYS} days before", "integer"),
            Column("change", "Change", "percent"),
        ],
        rows,
        note=None if rows else "No intelligence or partner incident in either window.",
    )


def _month_types(writer: Writer, ident: str, month: str) -> tuple[Section, list[dict[str, Any]]]:
    """Street crime by type in ``month`` against the month before, each tested."""
    from beacon.analytics.selection import shift_month
    from beacon.analytics.service import run_counts
    from beacon.analytics.trends import compare_spans

    evidence = writer.evidence
    before = shift_month(month, -1)
    counts: dict[str, dict[str, int] | None] = {}
    for m in (month, before):
        if m not in evidence.context.snapshot.months:
            counts[m] = None
            continue
        result = run_counts(
            evidence.context, source="crime", choice=evidence.choice, asked=(m, m), by="crime-type"
        )
        counts[m] = {r["crime_type"]: int(r["count"]) for r in result.rows}
    section = Section(ident, "3", f"Street crime in {month} against {before}")
    now, then = counts[month] or {}, counts[before]
    rows: list[dict[str, Any]] = []
    for crime_type in sorted(set(now) | set(then or {})):
        a = now.get(crime_type, 0)
        b = then.get(crime_type, 0) if then is not None else None
        p = compare_spans(a, b, (month,), (before,)).p_two_sided if b is not None else None
        rows.append(
            {"crime_type": crime_type, "count": a, "previous": b, "p": p,
             "change": (a - b) / b if b else None}
        )  # fmt: skip
    rows.sort(key=lambda r: (-r["count"], r["crime_type"]))
    total_now = sum(now.values())
    total_before = sum(then.values()) if then is not None else None
    writer.fact(section, "month.count", f"Crimes in {month}", total_now)
    if total_before is not None:
        writer.fact(section, "month.previous", f"Crimes in {before}", total_before)
        p_total = compare_spans(total_now, total_before, (month,), (before,)).p_two_sided
        section.paragraphs.append(
            f"{total_now:,} crimes in {month}: {change_text(total_now, total_before, p_total)}."
        )
    else:
        section.missing.append(f"Comparison: {before} is not loaded (beacon import police FILES).")
    section.tables.append(
        Table(
            f"{ident}-types",
            f"Street crime by type, {month} against {before}",
            [
                Column("crime_type", "Crime type"),
                Column("count", month, "integer"),
                Column("previous", before, "integer"),
                Column("change", "Change", "percent"),
                Column("p", "p (exact binomial)", "p"),
            ],
            rows,
        )
    )
    return section, rows


# --- tactical ---------------------------------------------------------------------------------


def _tactical(writer: Writer, spec: AssessmentSpec, judgement: Judgement, method: Section) -> Any:
    evidence = writer.evidence
    month = evidence.period.last
    end = _last_day(month)
    summary = Section("summary", "1", "Summary")
    method.number = "2"
    crime, type_rows = _month_types(writer, "crime", month)
    rising = [
        r["crime_type"]
        for r in type_rows
        if r["p"] is not None and r["p"] < 0.05 and (r["change"] or 0) > 0
    ]
    hot = Section("hotspots", "4", "Hot spots and repeat locations")
    result = parts.hotspot_figure(writer, hot, "all", "All street crime", None)
    repeats = evidence.repeats
    top = sorted(repeats.rows, key=lambda p: (-(p.get("repeats") or 0), str(p.get("lsoa"))))[:15]
    hot.tables.append(
        Table(
            "repeats",
            "Repeat locations (most repeats first)",
            [
                Column("lsoa", "LSOA"),
                Column("type", "Crime type"),
                Column("events", "Crimes at the point", "integer"),
                Column("repeats", "Repeats", "integer"),
            ],
            [{k: p.get(k) for k in ("lsoa", "type", "events", "repeats")} for p in top],
        )
    )
    intel = Section("intelligence", "5", f"Intelligence and partner data, last {WINDOW_DAYS} days")
    window_rows = _windows(writer, end)
    intel.tables.append(_window_table("windows", end, window_rows))
    intel.paragraphs.append(
        f"Dated sources are counted by day: the {WINDOW_DAYS} days to {end} against the "
        f"{WINDOW_DAYS} days before. Street crime (section 3) is published by month only."
    )
    emerging = _emerging(writer)
    emerging.number = "6"
    scores = score_themes(evidence, evidence.config, judgement)
    task = Section("tasking", "7", "Recommended for tasking")
    recommended = [s for s in scores if s.recommended][:5]
    task.tables.append(
        Table(
            "tasking",
            "Themes recommended for tasking",
            [Column("rank", "Rank", "integer"), Column("theme", "Theme"), Column("reason", "Why")],
            [{"rank": s.rank, "theme": s.label, "reason": s.reason} for s in recommended],
        )
    )
    writer.register("priorities.recommended", [s.theme for s in recommended])
    hot_count = (result.body.get("summary") or {}) if result is not None else {}
    summary.paragraphs.append(
        f"Tactical assessment of {writer.document.scope['label']} for {month}. "
        + (
            f"Significant rises: {', '.join(rising)}. "
            if rising
            else "No crime type rose significantly on the month before. "
        )
        + f"{sum(v for k, v in hot_count.items() if k.startswith('hot'))} hot spot LSOA(s); "
        f"{len(emerging.tables[-1].rows)} emerging-risk flag(s)."
    )
    text = _narrative(judgement, "summary")
    if text:
        summary.paragraphs.append(text)
    writer.document.sections = [summary, method, crime, hot, intel, emerging, task]
    return scores


# --- problem profile --------------------------------------------------------------------------


def _problem(writer: Writer, spec: AssessmentSpec, judgement: Judgement, method: Section) -> Any:
    evidence = writer.evidence
    if not spec.theme:
        raise AnalysisInputError("a problem profile needs one theme", option="--theme")
    theme = evidence.config.theme(spec.theme)
    summary = Section("summary", "1", "Summary")
    detail = parts.theme_section(writer, theme, "3")
    detail.title = f"{theme.label}: the current picture"
    places = _theme_places(writer, theme)
    emerging = _emerging(writer)
    emerging.number = "5"
    wanted = set(theme.crime_types)
    flags = emerging.tables[-1]
    flags.rows = [r for r in flags.rows if r["theme"] in (theme.label, "") and (
        r["kind"] != "crime type" or r["what"] in wanted)]  # fmt: skip
    capacity = _capacity(writer, judgement)
    capacity.number = "6"
    capacity.tables[-1].rows = [r for r in capacity.tables[-1].rows if r["theme"] == theme.label]
    capacity.missing = (
        []
        if capacity.tables[-1].rows
        else [f"No partner has rated its capacity for {theme.label}."]
    )
    all_scores = score_themes(evidence, evidence.config, judgement)
    scores = [s for s in all_scores if s.theme == theme.key]
    score = Section("score", "7", "Score")
    score.tables.append(
        Table(
            "score",
            "Prioritisation score",
            [
                Column("theme", "Theme"),
                Column("harm", "Harm", "decimal"),
                Column("likelihood", "Likelihood", "decimal"),
                Column("confidence", "Confidence", "decimal"),
                Column("position", "Organisational position", "decimal"),
                Column("score", "Score", "decimal"),
                Column("rank", "Rank among themes", "integer"),
            ],
            matrix_rows(scores),
        )
    )
    score.tables.append(
        Table(
            "score-evidence",
            "Evidence behind the score",
            [
                Column("component", "Component"),
                Column("part", "Sub-score"),
                Column("value", "Value", "decimal"),
                Column("evidence", "Evidence"),
            ],
            evidence_rows(scores),
        )
    )
    writer.register(f"score.{theme.key}", round(scores[0].score, 6))
    horizon = Section("horizon", "8", "Horizon scan")
    items = [h for h in judgement.horizon if theme.key in h.themes]
    horizon.tables.append(
        Table(
            "horizon",
            "Horizon-scan items for this theme",
            [
                Column("category", "Heading"),
                Column("title", "Item"),
                Column("description", "Description"),
            ],
            [
                {
                    "category": h.category.capitalize(),
                    "title": h.title,
                    "description": h.description,
                }
                for h in sorted(items, key=lambda h: PESTELO.index(h.category))
            ],
        )
    )
    if not items:
        horizon.missing.append("No horizon-scan item entered for this theme.")
    summary.paragraphs.append(
        f"Problem profile of {theme.label.lower()} in {writer.document.scope['label']}, "
        f"{evidence.period.first} to {evidence.period.last}: {scores[0].reason}. "
        f"Score {scores[0].score:.1f}, rank {scores[0].rank} of {len(all_scores)} themes."
    )
    text = _narrative(judgement, theme.key) or _narrative(judgement, "summary")
    if text:
        summary.paragraphs.append(text)
    writer.document.sections = [
        summary, method, detail, places, emerging, capacity, score, horizon,
    ]  # fmt: skip
    return scores


def _theme_places(writer: Writer, theme: Any) -> Section:
    """LSOAs ranked by the theme's crime, with IMD decile, as a table and a map."""
    evidence = writer.evidence
    section = Section("places", "4", "Where")
    if not theme.has_crime:
        section.missing.append(
            "Places: the theme has no police.uk category; intelligence locations are not "
            "mapped in a shared document (they could identify reporters)."
        )
        return section
    counts: dict[str, int] = {}
    for row in evidence.counts("crime", "lsoa,crime-type"):
        if row["crime_type"] in theme.crime_types:
            counts[row["lsoa"]] = counts.get(row["lsoa"], 0) + int(row["count"])
    rows = [
        {
            "lsoa": r["lsoa"],
            "name": r.get("lsoa_name") or r["lsoa"],
            "count": counts.get(r["lsoa"], 0),
            "rate": counts.get(r["lsoa"], 0) * 1000.0 / r["population"]
            if r.get("population")
            else None,
            "imd_decile": evidence.imd.get(r["lsoa"], {}).get("decile"),
        }
        for r in evidence.lsoa_rows
    ]
    rows.sort(key=lambda r: (-r["count"], r["lsoa"]))
    table = Table(
        "places",
        f"LSOAs by {theme.label.lower()}",
        [Column("name", "LSOA"), Column("lsoa", "Code"), Column("count", "Crimes", "integer"),
         Column("rate", "Per 1,000", "decimal"), Column("imd_decile", "IMD decile", "integer")],
        rows,
        shown=20,
    )  # fmt: skip
    section.tables.append(table)
    spec = specs.sequential_map(
        rows,
        code_key="lsoa",
        value_key="rate",
        title="Crimes per 1,000 residents",
        show=lambda v: f"{v:,.1f}",
        value_text=lambda r: f"{r['count']} crimes",
        href=writer.profile_href("lsoa"),
    )
    section.figures.append(
        parts.Figure(
            "places-map",
            "map",
            f"{theme.label}: crimes per 1,000 residents per LSOA, five equal-count classes",
            f"Map of {len(rows)} LSOAs shaded by the rate of {theme.label.lower()}; the table "
            "lists them, most first.",
            spec,
            table.id,
        )
    )
    writer.map_lsoas([r["lsoa"] for r in rows])
    concentrated = sum(sorted(counts.values(), reverse=True)[: max(1, len(rows) // 10)])
    total = sum(counts.values())
    if total:
        share = concentrated / total
        writer.register(f"theme.{theme.key}.top10pct_share", round(share, 6))
        section.paragraphs.append(
            f"The 10% of LSOAs with the most {theme.label.lower()} hold {share:.0%} of it."
        )
    return section


# --- community impact assessment --------------------------------------------------------------


def _community_impact(
    writer: Writer, spec: AssessmentSpec, judgement: Judgement, method: Section
) -> Any:
    evidence = writer.evidence
    if not spec.incident or not spec.incident_on:
        raise AnalysisInputError(
            "a community impact assessment needs the incident and its date", option="--incident"
        )
    try:
        incident_on = dt.date.fromisoformat(spec.incident_on)
    except ValueError:
        raise AnalysisInputError(
            f"{spec.incident_on!r} is not a date (YYYY-MM-DD)", option="--incident-on"
        ) from None
    summary = Section("summary", "1", "The incident and this assessment")
    summary.paragraphs.append(f"Incident: {spec.incident} ({incident_on.isoformat()}).")
    summary.paragraphs.append(
        f"Area: {writer.document.scope['label']}. Review this assessment on "
        f"{spec.review_on or 'a date not yet set'}."
    )
    if not spec.review_on:
        summary.missing.append("Review date: not set; a community impact assessment needs one.")
    text = _narrative(judgement, "summary")
    if text:
        summary.paragraphs.append(text)
    # Tension indicators: intelligence about tension and hate, and the crime types tension shows
    # in, since the incident (28 days) against the 28 days before it.
    end = min(incident_on + dt.timedelta(days=WINDOW_DAYS - 1), dt.date.today()).isoformat()
    window_rows = _windows(writer, end)
    tension = Section("tension", "3", "Tension indicators")
    tension_rows = [
        r for r in window_rows if r["source"] == "Intelligence" and r["type"] in TENSION_THEMES
    ]
    tension.tables.append(_window_table("tension", end, tension_rows))
    tension.paragraphs.append(
        "Tension is recorded as experienced, evidenced or potential and rated by the analyst; "
        "these indicators are what the data shows: intelligence about community tension and "
        f"hate crime in the {WINDOW_DAYS} days from the incident against the {WINDOW_DAYS} "
        "days before, and public order, criminal damage and anti-social behaviour by month."
    )
    crime, type_rows = _month_types(writer, "crime", evidence.period.last)
    crime.number = "5"
    tension.tables.append(
        Table(
            "tension-crime",
            "Crime types that show tension",
            [
                Column("crime_type", "Crime type"),
                Column("count", evidence.period.last, "integer"),
                Column("previous", "Month before", "integer"),
                Column("change", "Change", "percent"),
                Column("p", "p", "p"),
            ],
            [r for r in type_rows if r["crime_type"] in TENSION_CRIME],
        )
    )
    intel = Section("intelligence", "4", "Recent intelligence and partner data")
    intel.tables.append(_window_table("windows", end, window_rows))
    messages = Section("messages", "6", "Messages sent and replies")
    messages.missing.append(
        "Messages and replies: Beacon's engagement side (alerts, appeals and their replies) is "
        "not built yet, so none can be counted here."
    )
    writer.register("incident.on", incident_on.isoformat())
    writer.document.sections = [summary, method, tension, intel, crime, messages]
    return []


# --- neighbourhood profile --------------------------------------------------------------------


def _neighbourhood(
    writer: Writer, spec: AssessmentSpec, judgement: Judgement, method: Section
) -> Any:
    from beacon.analytics.profiles import run_profile

    evidence = writer.evidence
    level, _, code = spec.scope.partition(":")
    if level not in ("ward", "lsoa") or "," in code:
        raise AnalysisInputError(
            "a neighbourhood profile is of one ward or one LSOA (ward:CODE or lsoa:CODE)",
            option="--scope",
        )
    profile = run_profile(
        evidence.context,
        level=level,
        code=code,
        asked=evidence.asked,
        hotspot_significance=str(evidence.config.get("hotspot_significance", "normal")),
    )
    body = profile.body
    totals = body.get("totals") or {}
    section = Section("profile", "1", "Profile")
    writer.fact(section, "total.count", "Recorded crimes", totals.get("count"))
    writer.fact(section, "total.rate", "Per 1,000 residents", totals.get("rate"), "decimal")
    writer.fact(section, "total.harm", "Harm (Crime Severity Score)", totals.get("harm"))
    section.tables.append(
        Table(
            "types",
            "Crime by type",
            [
                Column("crime_type", "Crime type"),
                Column("count", "Crimes", "integer"),
                Column("rate", "Per 1,000", "decimal"),
                Column("harm", "Harm", "integer"),
            ],
            [dict(r) for r in body.get("crime_types", [])],
        )
    )
    monthly = body.get("monthly") or []
    if len(monthly) >= 2:
        counts = [int(m["count"]) for m in monthly]
        months = [m["month"] for m in monthly]
        from beacon.analytics.trends import month_changes

        section.figures.append(
            parts.Figure(
                "profile-trend",
                "chart",
                f"Street crime a month, {months[0]} to {months[-1]}",
                "Line chart of street crime a month; the table lists every month.",
                specs.trend_chart(months, counts, month_changes(months, counts), label="Crimes"),
                "profile-monthly",
            )
        )
        section.tables.append(
            Table(
                "profile-monthly",
                "Street crime a month",
                [Column("month", "Month", "month"), Column("count", "Crimes", "integer")],
                [{"month": m, "count": c} for m, c in zip(months, counts, strict=True)],
            )
        )
    deprivation = body.get("deprivation") or {}
    if deprivation:
        section.paragraphs.append(
            "Deprivation (IMD 2019): "
            + "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in deprivation.items()
                        if not isinstance(v, list | dict))
        )  # fmt: skip
    hotspot = body.get("hotspot") or {}
    if hotspot:
        section.paragraphs.append(
            "Hot spot class within its district: "
            + "; ".join(f"{k} {v}" for k, v in hotspot.items() if not isinstance(v, list | dict))
        )
    method.number = "2"
    volume = Section("volume", "3", "Intelligence and partner data")
    for key, label in (("intelligence", "Intelligence"), ("partner_feeds", "Partner incidents")):
        found = body.get(key) or {}
        volume.paragraphs.append(
            f"{label}: "
            + ", ".join(f"{k} {v}" for k, v in found.items() if not isinstance(v, list | dict))
        )
    writer.document.sections = [section, method, volume]
    return []
