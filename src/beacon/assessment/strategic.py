"""The Strategic Intelligence Assessment: ten sections, in the order the partnership reads them.

1 Executive summary, 2 Data and method, 3 Current picture per theme, 4 Emerging risks,
5 Communities of focus, 6 Partnership capacity and capability, 7 Prioritisation matrix,
8 Recommended priorities and themes, 9 Horizon scan (PESTELO), 10 Appendix (neighbourhood
ranking by IMD with allocations, and where the data tables are).

The summary is written last (it quotes the matrix and the comparison with the previous
assessment) but placed first.
"""

from __future__ import annotations

from collections import defaultdict
from statistics import mean
from typing import Any

from beacon.assessment import parts
from beacon.assessment.document import Figure, Section
from beacon.assessment.parts import Writer, change_text, describe_p
from beacon.assessment.scoring import (
    COMPONENT_LABELS,
    ThemeScore,
    evidence_rows,
    matrix_rows,
    score_themes,
)
from beacon.assessment.spec import Judgement
from beacon.workspace import figures as specs
from beacon.workspace.tables import Column, Table

PESTELO = (
    "political",
    "economic",
    "social",
    "technological",
    "environmental",
    "legal",
    "organisational",
)


def build_strategic(
    writer: Writer,
    judgement: Judgement,
    *,
    previous: dict[str, Any] | None,
    linked: list[ThemeScore] | None,
    linked_label: str | None,
    method_section: Section,
) -> list[ThemeScore]:
    """Fill ``writer.document`` with the ten sections; returns the scores (for the manifest)."""
    evidence = writer.evidence
    document = writer.document
    scores = score_themes(evidence, evidence.config, judgement)

    summary = Section("summary", "1", "Executive summary")
    picture = _picture(writer)
    emerging = _emerging(writer)
    communities = _communities(writer)
    capacity = _capacity(writer, judgement)
    matrix = _matrix(writer, scores)
    priorities = _priorities(writer, scores, judgement, linked, linked_label)
    horizon = _horizon(judgement, evidence.config)
    appendix = _appendix(writer)
    _summary(writer, summary, scores, judgement, previous)
    document.sections = [
        summary,
        method_section,
        picture,
        emerging,
        communities,
        capacity,
        matrix,
        priorities,
        horizon,
        appendix,
    ]
    _data_tables(document, appendix)
    return scores


# --- 1 ----------------------------------------------------------------------------------------


def _summary(
    writer: Writer,
    section: Section,
    scores: list[ThemeScore],
    judgement: Judgement,
    previous: dict[str, Any] | None,
) -> None:
    evidence = writer.evidence
    document = writer.document
    before = evidence.total_previous
    writer.fact(section, "total.count", "Recorded crimes", evidence.total_count)
    writer.fact(section, "total.rate", "Per 1,000 residents", evidence.total_rate, "decimal")
    writer.fact(section, "total.harm", "Harm (Crime Severity Score)", evidence.total_harm)
    p_total = None
    if before is not None and evidence.previous_period is not None:
        from beacon.analytics.trends import compare_spans

        p_total = compare_spans(
            evidence.total_count,
            before[0],
            evidence.period.months,
            evidence.previous_period.months,
        ).p_two_sided
        writer.fact(section, "total.previous", "Previous period", before[0])
        writer.register("total.previous_harm", before[1])
        writer.register("total.p_change", p_total)
    section.paragraphs.append(
        f"This assessment covers {document.scope['label']} from {evidence.period.first} to "
        f"{evidence.period.last} ({len(evidence.period.months)} months). "
        f"{evidence.total_count:,} crimes were recorded: "
        f"{change_text(evidence.total_count, before[0] if before else None, p_total)}."
    )
    narrative = _narrative(judgement, "summary")
    if narrative:
        section.paragraphs.append(narrative)
    recommended = [s for s in scores if s.recommended]
    writer.register("priorities.recommended", [s.theme for s in recommended])
    section.paragraphs.append(
        f"The prioritisation matrix (section 7) recommends {len(recommended)} priorit"
        f"{'y' if len(recommended) == 1 else 'ies'}, each with its reason below."
    )
    section.tables.append(
        Table(
            "summary-priorities",
            "Recommended priorities",
            [
                Column("rank", "Rank", "integer"),
                Column("theme", "Priority"),
                Column("score", "Score (0-100)", "decimal"),
                Column("reason", "Why"),
            ],
            [
                {"rank": s.rank, "theme": s.label, "score": round(s.score, 1), "reason": s.reason}
                for s in recommended
            ],
        )
    )
    section.subsections.append(_changes_since(writer, scores, previous))


def _changes_since(
    writer: Writer, scores: list[ThemeScore], previous: dict[str, Any] | None
) -> Section:
    section = Section("summary-changes", "1.1", "What changed since the previous assessment")
    if previous is None:
        section.paragraphs.append(
            "Beacon holds no earlier assessment of this scope: this is the first. The next "
            "assessment will compare itself with this one here."
        )
        return section
    old_figures = previous.get("figures", {})
    old_priorities = set(old_figures.get("priorities.recommended") or [])
    now = {s.theme for s in scores if s.recommended}
    labels = {s.theme: s.label for s in scores}
    rows = []
    for key in sorted(now | old_priorities, key=lambda k: labels.get(k, k)):
        state = (
            "kept"
            if key in now and key in old_priorities
            else ("new priority" if key in now else "no longer recommended")
        )
        rows.append({"theme": labels.get(key, key), "state": state})
    old_total = old_figures.get("total.count")
    section.paragraphs.append(
        f"Compared with the assessment of {previous['period_from']} to {previous['period_to']} "
        f"(run {previous['run_key']}, {previous['status']}): recorded crime "
        f"{old_total if old_total is not None else 'not recorded'} then, "
        f"{writer.evidence.total_count} now."
    )
    section.tables.append(
        Table(
            "summary-changes",
            "Priorities against the previous assessment",
            [Column("theme", "Theme"), Column("state", "Change")],
            rows,
        )
    )
    return section


def _narrative(judgement: Judgement, theme: str) -> str | None:
    found = [n for n in judgement.narratives if n.theme == theme]
    if not found:
        return None
    entry = found[-1]
    return f"{entry.text} (Analyst's narrative: {entry.entered_by}, {entry.entered_at[:10]}.)"


# --- 3 ----------------------------------------------------------------------------------------


def _picture(writer: Writer) -> Section:
    evidence = writer.evidence
    section = Section("picture", "3", "Current picture per theme")
    section.paragraphs.append(
        "Each theme's volume, rate per 1,000 residents, harm and change on the previous "
        "period; its monthly trend, hot spots, repeat locations and what intelligence says. "
        "Significance is tested, not eyeballed: changes with the exact binomial test (allowing "
        "for the days in each period), trends with the Mann–Kendall test."
    )
    section.tables.append(parts.theme_table(evidence))
    if len(evidence.series_months) >= 2:
        totals = [0] * len(evidence.series_months)
        for counts in evidence.type_series.values():
            for i, value in enumerate(counts):
                totals[i] += int(value)
        parts.trend_figure(writer, section, "all", "All street crime", totals)
    for i, theme in enumerate(evidence.themes, start=1):
        section.subsections.append(parts.theme_section(writer, theme, f"3.{i}"))
    return section


# --- 4 ----------------------------------------------------------------------------------------


def _emerging(writer: Writer) -> Section:
    evidence = writer.evidence
    section = Section("emerging", "4", "Emerging risks")
    section.paragraphs.append(
        "A theme, crime type or place is flagged when one of the rules below trips: each flag "
        "names its rule and the numbers that tripped it. Rules are tested on the monthly series "
        f"{evidence.series_months[0]} to {evidence.series_months[-1]}."
    )
    rules = evidence.type_trends.parameters["rules"]
    section.tables.append(
        Table(
            "emerging-rules",
            "The rules",
            [Column("rule", "Rule"), Column("description", "Description")],
            [
                {"rule": k.replace("_", " "), "description": v}
                for k, v in rules.get("descriptions", {}).items()
            ],
        )
    )
    type_to_theme = {t: th.label for th in evidence.themes for t in th.crime_types}
    rows = []
    for source, result in (("crime type", evidence.type_trends), ("ward", evidence.ward_trends)):
        for flag in result.body["emerging"]:
            group = flag.get("group") or {}
            what = " · ".join(str(v) for v in group.values()) or flag.get("group_label")
            if source == "ward":
                what = _ward_name(evidence, str(group.get("ward", what))) or what
            rows.append(
                {
                    "what": what,
                    "kind": source,
                    "theme": type_to_theme.get(str(group.get("crime_type")), ""),
                    "rule": flag["rule"].replace("_", " "),
                    "latest_month": flag.get("latest_month"),
                    "evidence": _evidence_text(flag["rule"], flag.get("evidence") or {}),
                }
            )
    # Themes that are new in the period: none in the previous period, some now.
    for theme in evidence.themes:
        f = evidence.theme_figures(theme)
        if f.count and f.previous == 0:
            rows.append(
                {
                    "what": theme.label,
                    "kind": "theme",
                    "theme": theme.label,
                    "rule": "newly appearing in the period",
                    "latest_month": evidence.period.last,
                    "evidence": f"{f.count} crimes now, none in the previous period",
                }
            )
        if (
            f.intelligence_previous is not None
            and f.intelligence >= 5
            and (f.intelligence >= 2 * max(f.intelligence_previous, 1))
        ):
            rows.append(
                {
                    "what": theme.label,
                    "kind": "intelligence",
                    "theme": theme.label,
                    "rule": "intelligence doubled (at least 5 items)",
                    "latest_month": evidence.period.last,
                    "evidence": f"{f.intelligence} items now, {f.intelligence_previous} before",
                }
            )
    writer.register("emerging.flags", len(rows))
    if not rows:
        section.paragraphs.append("No rule tripped for any crime type, ward or theme.")
    section.tables.append(
        Table(
            "emerging-flags",
            "Emerging-risk flags",
            [
                Column("what", "What"),
                Column("kind", "Kind"),
                Column("theme", "Theme"),
                Column("rule", "Rule"),
                Column("latest_month", "Latest month", "month"),
                Column("evidence", "Evidence"),
            ],
            rows,
        )
    )
    if len(evidence.series_months) < 10:
        section.missing.append(
            f"Trend rules: the snapshot holds {len(evidence.series_months)} consecutive "
            "month(s) up to the period's end; the Mann–Kendall rule needs at least 10 "
            "(import earlier data.police.uk months: beacon import police FILES)."
        )
    return section


def _ward_name(evidence: Any, code: str) -> str | None:
    for row in evidence.ward_rows:
        if row.get("ward") == code:
            name = row.get("ward_name")
            return f"{name} ({code})" if name else code
    return None


def _evidence_text(rule: str, found: dict[str, Any]) -> str:
    """A flag's evidence as a sentence an analyst can check against the series (every number
    the rule used)."""

    def number(key: str, digits: int = 2) -> str:
        value = found.get(key)
        if isinstance(value, int):
            return f"{value:,}"
        return "–" if value is None else f"{value:,.{digits}f}"

    def p(key: str) -> str:
        value = found.get(key)
        return describe_p(value) if isinstance(value, float) else "p –"

    def span(months: Any) -> str:
        months = list(months or [])
        if not months:
            return "–"
        return months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"

    if rule == "rising_trend":
        test = "seasonal Mann–Kendall" if found.get("test") == "seasonal" else "Mann–Kendall"
        return (
            f"{test} over {number('n_months')} months ({number('total')} crimes): "
            f"tau {number('tau')}, z {number('z')}, {p('p')}; Sen's slope "
            f"{number('slope_per_month')} a month; {p('p_used')} after correction"
        )
    if rule in ("recent_surge", "year_on_year_rise"):
        pct = found.get("pct_change")
        change = f"{pct:+.1f}%" if isinstance(pct, int | float) else "new"
        return (
            f"{number('recent_count')} in {span(found.get('recent_months'))} against "
            f"{number('base_count')} in {span(found.get('base_months'))} ({change}, "
            f"days {number('recent_days')} v {number('base_days')}); exact binomial "
            f"{p('p_increase')}, {p('p_used')} after correction"
        )
    if rule == "newly_appearing":
        return (
            f"{number('recent_count')} in {span(found.get('recent_months'))}; none in the "
            f"{number('lookback_length')} months {span(found.get('lookback_months'))}"
        )
    bits = [f"{k.replace('_', ' ')} {v}" for k, v in found.items() if not isinstance(v, list)]
    return "; ".join(bits)


# --- 5 ----------------------------------------------------------------------------------------


def _communities(writer: Writer) -> Section:
    """Wards ranked by harm, trend and deprivation (the mean of the three ranks), and the
    LSOAs with the most harm."""
    evidence = writer.evidence
    section = Section("communities", "5", "Communities of focus")
    imd = evidence.imd
    lsoas = evidence.lsoa_rows
    before_lsoa = evidence.lsoa_rows_previous
    by_ward: dict[str, list[dict[str, Any]]] = defaultdict(list)
    ward_of = {a["lsoa_code"]: a.get("ward_code") for a in evidence.area_rows}
    for row in lsoas:
        by_ward[str(ward_of.get(row["lsoa"]))].append(row)
    wards = []
    for row in evidence.ward_rows:
        code = row["ward"]
        deciles = [imd[r["lsoa"]]["decile"] for r in by_ward.get(code, []) if r["lsoa"] in imd]
        earlier = evidence.ward_rows_previous.get(code)
        people = row.get("population")
        wards.append(
            {
                "ward": row.get("ward_name") or code,
                "code": code,
                "count": row["count"],
                "harm": row.get("harm") or 0.0,
                "harm_rate": (row.get("harm") or 0.0) * 1000.0 / people if people else None,
                "previous": earlier["count"] if earlier else None,
                "change": (
                    (row["count"] - earlier["count"]) / earlier["count"]
                    if earlier and earlier["count"]
                    else None
                ),
                "imd_decile": round(mean(deciles), 1) if deciles else None,
                "most_deprived": min(deciles) if deciles else None,
            }
        )
    _rank(wards, "harm_rate", reverse=True, into="rank_harm")
    _rank(wards, "change", reverse=True, into="rank_trend")
    _rank(wards, "imd_decile", reverse=False, into="rank_deprivation")
    for ward in wards:
        ranks = [ward[k] for k in ("rank_harm", "rank_trend", "rank_deprivation") if ward[k]]
        ward["composite"] = round(mean(ranks), 2) if ranks else None
    wards.sort(key=lambda w: (w["composite"] is None, w["composite"] or 0, w["ward"]))
    for i, ward in enumerate(wards, start=1):
        ward["rank"] = i
    shown = int((writer.evidence.config.get("communities") or {}).get("shown", 20))
    top = [str(w["ward"] or "a ward not in the lookup") for w in wards[:5]]
    writer.register("communities.top_wards", [w["code"] for w in wards[:5]])
    section.paragraphs.append(
        "Wards are ranked on three measures, each ranked separately and then averaged: harm "
        "per 1,000 residents (highest first), change on the previous period (largest rise "
        "first) and deprivation (mean IMD 2019 decile of their LSOAs, most deprived first). "
        f"Highest: {', '.join(top) if top else 'none'}."
    )
    if not imd:
        section.missing.append(
            "Deprivation: no IMD 2019 ranks for the scope's LSOAs (beacon import imd FILE)."
        )
    ward_table = Table(
        "communities-wards",
        "Wards ranked by harm, trend and deprivation",
        [
            Column("rank", "Rank", "integer"),
            Column("ward", "Ward"),
            Column("count", "Crimes", "integer"),
            Column("harm_rate", "Harm per 1,000", "decimal"),
            Column("change", "Change", "percent"),
            Column("imd_decile", "Mean IMD decile", "decimal"),
            Column("most_deprived", "Most deprived LSOA decile", "integer"),
            Column("composite", "Mean rank", "decimal"),
        ],
        wards,
        shown=shown,
    )
    section.tables.append(ward_table)
    # The LSOA map: harm per 1,000 residents in quantile classes.
    lsoa_rows = []
    for row in lsoas:
        people = row.get("population")
        earlier = before_lsoa.get(row["lsoa"])
        lsoa_rows.append(
            {
                "lsoa": row["lsoa"],
                "name": row.get("lsoa_name") or row["lsoa"],
                "count": row["count"],
                "harm": row.get("harm") or 0.0,
                "harm_rate": (row.get("harm") or 0.0) * 1000.0 / people if people else None,
                "previous": earlier["count"] if earlier else None,
                "imd_decile": imd.get(row["lsoa"], {}).get("decile"),
            }
        )
    lsoa_rows.sort(key=lambda r: (-(r["harm"] or 0.0), r["lsoa"]))
    table = Table(
        "communities-lsoas",
        "LSOAs by harm",
        [
            Column("name", "LSOA"),
            Column("lsoa", "Code"),
            Column("count", "Crimes", "integer"),
            Column("harm", "Harm", "integer"),
            Column("harm_rate", "Harm per 1,000", "decimal"),
            Column("previous", "Previous period", "integer"),
            Column("imd_decile", "IMD decile", "integer"),
        ],
        lsoa_rows,
        shown=shown,
    )
    section.tables.append(table)
    spec = specs.sequential_map(
        lsoa_rows,
        code_key="lsoa",
        value_key="harm_rate",
        title="Harm per 1,000 residents",
        show=lambda v: f"{v:,.0f}",
        value_text=lambda r: f"{(r['harm_rate'] or 0):,.0f} harm per 1,000",
        href=writer.profile_href("lsoa"),
    )
    section.figures.append(
        Figure(
            "communities-map",
            "map",
            "Harm per 1,000 residents per LSOA (Crime Severity Score), in five equal-count classes",
            f"Map of {len(lsoa_rows)} LSOAs shaded by harm per 1,000 residents, darker for "
            "more harm; the table lists them, most harm first.",
            spec,
            table.id,
        )
    )
    writer.map_lsoas([r["lsoa"] for r in lsoa_rows])
    return section


def _rank(rows: list[dict[str, Any]], key: str, *, reverse: bool, into: str) -> None:
    """Competition ranks (1 = first) of ``key``; rows without a value get None."""
    valued = sorted(
        (r for r in rows if r.get(key) is not None), key=lambda r: r[key], reverse=reverse
    )
    previous, rank = None, 0
    for i, row in enumerate(valued, start=1):
        if row[key] != previous:
            rank, previous = i, row[key]
        row[into] = rank
    for row in rows:
        row.setdefault(into, None)


# --- 6 ----------------------------------------------------------------------------------------


def _capacity(writer: Writer, judgement: Judgement) -> Section:
    section = Section("capacity", "6", "Partnership capacity and capability")
    section.paragraphs.append(
        "Each partner rates its own capacity and capability to respond to each theme, from 1 "
        "(strong: able to respond fully) to 5 (no capacity), with a comment. Ratings are "
        "entered by that partner's users in Beacon, attributed and dated; they set the "
        "'organisational position' component of the prioritisation matrix."
    )
    themes = writer.evidence.themes
    rows = [
        {
            "theme": next((t.label for t in themes if t.key == c.theme), c.theme),
            "organisation": c.organisation,
            "rating": c.rating,
            "comment": c.comment,
            "entered": f"{c.entered_by}, {c.entered_at[:10]}",
        }
        for c in judgement.capacity
    ]
    rated = {c.theme for c in judgement.capacity}
    unrated = [t.label for t in themes if t.key not in rated]
    if unrated:
        section.missing.append(
            "Capacity not yet rated by any partner for: " + "; ".join(unrated) + "."
        )
    section.tables.append(
        Table(
            "capacity",
            "Partners' capacity ratings",
            [
                Column("theme", "Theme"),
                Column("organisation", "Partner"),
                Column("rating", "Rating (1 strong - 5 none)", "integer"),
                Column("comment", "Comment"),
                Column("entered", "Entered"),
            ],
            rows,
        )
    )
    return section


# --- 7 ----------------------------------------------------------------------------------------


def _matrix(writer: Writer, scores: list[ThemeScore]) -> Section:
    config = writer.evidence.config
    section = Section("matrix", "7", "Prioritisation matrix")
    weights = config.weights
    section.paragraphs.append(
        "Each theme is scored from 1 to 5 on four components (MoRiLE's headings), each the "
        "mean of the sub-scores listed in the evidence table. Score = 100 × Σ weight × "
        "(component − 1) ÷ 4 ÷ Σ weights. Weights (from the configuration): "
        + ", ".join(f"{COMPONENT_LABELS[k]} {v:g}" for k, v in weights.items())
        + ". An analyst may replace a component with a written justification; overrides are "
        "listed below with the computed value beside them."
    )
    for score in scores:
        writer.register(f"score.{score.theme}", round(score.score, 6))
        for name, component in score.components.items():
            writer.register(f"score.{score.theme}.{name}", round(component.value, 6))
    section.tables.append(
        Table(
            "matrix",
            "Prioritisation matrix",
            [
                Column("rank", "Rank", "integer"),
                Column("theme", "Theme"),
                Column("harm", "Harm", "decimal"),
                Column("likelihood", "Likelihood", "decimal"),
                Column("confidence", "Confidence", "decimal"),
                Column("position", "Organisational position", "decimal"),
                Column("score", "Score", "decimal"),
                Column("overridden", "Overridden"),
            ],
            matrix_rows(scores),
        )
    )
    section.tables.append(
        Table(
            "matrix-evidence",
            "The evidence behind every component",
            [
                Column("theme", "Theme"),
                Column("component", "Component"),
                Column("part", "Sub-score"),
                Column("value", "Value", "decimal"),
                Column("evidence", "Evidence"),
            ],
            evidence_rows(scores),
        )
    )
    overrides = [
        {
            "theme": s.label,
            "component": COMPONENT_LABELS[name],
            "computed": round(c.computed, 2),
            "value": c.value,
            "justification": c.override["justification"],
            "entered": f"{c.override['by']}, {str(c.override['at'])[:10]}",
        }
        for s in scores
        for name, c in s.components.items()
        if c.override
    ]
    section.tables.append(
        Table(
            "matrix-overrides",
            "Overrides",
            [
                Column("theme", "Theme"),
                Column("component", "Component"),
                Column("computed", "Computed", "decimal"),
                Column("value", "Override", "decimal"),
                Column("justification", "Justification"),
                Column("entered", "Entered"),
            ],
            overrides,
            note=None if overrides else "No score has been overridden.",
        )
    )
    return section


# --- 8 ----------------------------------------------------------------------------------------


def _priorities(
    writer: Writer,
    scores: list[ThemeScore],
    judgement: Judgement,
    linked: list[ThemeScore] | None,
    linked_label: str | None,
) -> Section:
    section = Section("priorities", "8", "Recommended priorities and themes")
    recommended = [s for s in scores if s.recommended]
    section.paragraphs.append(
        "The themes the matrix ranks highest (at most "
        f"{writer.evidence.config.get('priorities', {}).get('count', 8)}, each scoring at "
        f"least {writer.evidence.config.get('priorities', {}).get('minimum_score', 0)}), "
        "in order, with the evidence that put them there."
    )
    for i, score in enumerate(recommended, start=1):
        sub = Section(f"priority-{score.theme}", f"8.{i}", score.label)
        sub.paragraphs.append(f"Why: {score.reason}. Score {score.score:.1f} (rank {score.rank}).")
        text = _narrative(judgement, score.theme)
        if text:
            sub.paragraphs.append(text)
        else:
            sub.missing.append("No analyst's narrative entered for this priority yet.")
        section.subsections.append(sub)
    if linked is not None:
        number = f"8.{len(recommended) + 1}"
        section.subsections.append(_linked(scores, linked, linked_label or "the force", number))
    return section


def _linked(scores: list[ThemeScore], linked: list[ThemeScore], label: str, number: str) -> Section:
    section = Section("priorities-linked", number, f"Strategic link with {label}")
    mine = {s.theme: s for s in scores}
    theirs = {s.theme: s for s in linked}
    rows = []
    for key in [s.theme for s in scores] + [k for k in theirs if k not in mine]:
        a, b = mine.get(key), theirs.get(key)
        here = bool(a and a.recommended)
        there = bool(b and b.recommended)
        rows.append(
            {
                "theme": (a or b).label,  # type: ignore[union-attr]
                "rank": a.rank if a else None,
                "linked_rank": b.rank if b else None,
                "agreement": (
                    "priority in both"
                    if here and there
                    else "priority here only"
                    if here
                    else "priority there only"
                    if there
                    else "priority in neither"
                ),
            }
        )
    agree = sum(1 for r in rows if r["agreement"] == "priority in both")
    section.paragraphs.append(
        f"This assessment is strategically linked with the assessment of {label} for the same "
        f"months, computed the same way: {agree} priorit{'y' if agree == 1 else 'ies'} agree; "
        "the table shows where they differ."
    )
    section.tables.append(
        Table(
            "priorities-linked",
            f"Priorities here and in {label}",
            [
                Column("theme", "Theme"),
                Column("rank", "Rank here", "integer"),
                Column("linked_rank", f"Rank in {label}", "integer"),
                Column("agreement", "Agreement"),
            ],
            rows,
        )
    )
    return section


# --- 9 ----------------------------------------------------------------------------------------


def _horizon(judgement: Judgement, config: Any) -> Section:
    section = Section("horizon", "9", "Horizon scan (PESTELO)")
    section.paragraphs.append(
        "Political, economic, social, technological, environmental, legal and organisational "
        "changes the partnership expects to affect crime and disorder, entered by analysts."
    )
    labels = {t.key: t.label for t in config.themes}
    rows = [
        {
            "category": h.category.capitalize(),
            "title": h.title,
            "description": h.description,
            "themes": ", ".join(labels.get(t, t) for t in h.themes),
            "entered": f"{h.entered_by}, {h.entered_at[:10]}",
        }
        for h in sorted(judgement.horizon, key=lambda h: (PESTELO.index(h.category), h.title))
    ]
    missing = [c.capitalize() for c in PESTELO if c not in {h.category for h in judgement.horizon}]
    if not rows:
        section.missing.append("No horizon-scan item has been entered yet.")
    elif missing:
        section.paragraphs.append("No item entered under: " + ", ".join(missing) + ".")
    section.tables.append(
        Table(
            "horizon",
            "Horizon scan",
            [
                Column("category", "Heading"),
                Column("title", "Item"),
                Column("description", "Description"),
                Column("themes", "Themes"),
                Column("entered", "Entered"),
            ],
            rows,
        )
    )
    return section


# --- 10 ---------------------------------------------------------------------------------------


def _appendix(writer: Writer) -> Section:
    """Neighbourhoods (wards) ranked by deprivation with a suggested allocation: each ward's
    share of the scope's harm, the demand a partnership's resources follow."""
    evidence = writer.evidence
    section = Section("appendix", "10", "Appendix")
    ranking = Section("appendix-imd", "10.1", "Neighbourhood ranking by IMD and allocations")
    imd = evidence.imd
    ward_of = {a["lsoa_code"]: (a.get("ward_code"), a.get("ward_name")) for a in evidence.area_rows}
    grouped: dict[str, dict[str, Any]] = {}
    total_harm = sum(float(r.get("harm") or 0.0) for r in evidence.lsoa_rows) or 0.0
    for row in evidence.lsoa_rows:
        code, name = ward_of.get(row["lsoa"], (None, None))
        entry = grouped.setdefault(
            str(code),
            {"ward": name or code, "code": code, "ranks": [], "lsoas": 0, "count": 0, "harm": 0.0,
             "population": 0},
        )  # fmt: skip
        entry["lsoas"] += 1
        entry["count"] += int(row["count"])
        entry["harm"] += float(row.get("harm") or 0.0)
        entry["population"] += int(row.get("population") or 0)
        if row["lsoa"] in imd:
            entry["ranks"].append(int(imd[row["lsoa"]]["rank"]))
    rows = []
    for entry in grouped.values():
        ranks = entry.pop("ranks")
        entry["imd_rank"] = round(mean(ranks)) if ranks else None
        entry["most_deprived_rank"] = min(ranks) if ranks else None
        entry["allocation"] = entry["harm"] / total_harm if total_harm else None
        rows.append(entry)
    rows.sort(key=lambda r: (r["imd_rank"] is None, r["imd_rank"] or 0, str(r["ward"])))
    for i, row in enumerate(rows, start=1):
        row["position"] = i
    ranking.paragraphs.append(
        "Wards in order of deprivation (mean IMD 2019 rank of their LSOAs; 1 is the most "
        "deprived LSOA in England), with the share of the scope's harm-weighted crime each "
        "holds: a suggested allocation of partnership resources that follows harm. The "
        "partnership's own allocations replace it where decided."
    )
    if not imd:
        ranking.missing.append(
            "IMD 2019 ranks: none loaded for the scope's LSOAs (beacon import imd FILE)."
        )
    ranking.tables.append(
        Table(
            "appendix-imd",
            "Neighbourhood ranking by IMD 2019, with allocations by harm",
            [
                Column("position", "Position", "integer"),
                Column("ward", "Ward"),
                Column("code", "Code"),
                Column("lsoas", "LSOAs", "integer"),
                Column("population", "Population", "integer"),
                Column("imd_rank", "Mean IMD rank", "integer"),
                Column("most_deprived_rank", "Most deprived LSOA rank", "integer"),
                Column("count", "Crimes", "integer"),
                Column("harm", "Harm", "integer"),
                Column("allocation", "Suggested allocation (share of harm)", "percent"),
            ],
            rows,
        )
    )
    section.subsections.append(ranking)
    return section


def _data_tables(document: Any, appendix: Section) -> None:
    """10.2: where every table behind a chart or map is (all of them are in the data annex)."""
    sub = Section("appendix-tables", "10.2", "Data tables behind every chart and map")
    rows = []
    for section, table in document.all_tables():
        if section.id == "appendix-tables":
            continue
        rows.append(
            {
                "section": f"{section.number} {section.title}",
                "table": table.title,
                "id": table.id,
                "rows": len(table.rows),
            }
        )
    sub.paragraphs.append(
        "Every chart and map in this document is drawn from a table printed beside it; tables "
        "cut short in print are whole in the data annex (CSV and XLSX), one sheet per table "
        "under the identifier below."
    )
    sub.tables.append(
        Table(
            "appendix-tables",
            "Tables in this document",
            [
                Column("section", "Section"),
                Column("table", "Table"),
                Column("id", "Annex identifier"),
                Column("rows", "Rows", "integer"),
            ],
            rows,
        )
    )
    appendix.subsections.append(sub)
