"""MoRiLE-style prioritisation: harm, likelihood, confidence and organisational position per
theme, each on a 1-5 scale with the evidence that set it, combined with configured weights.

The scales are Beacon's, documented here and in docs/ASSESSMENT.md, not MoRiLE's licensed
matrices: each component is the mean of the sub-scores that apply, so every part of a score can
be read and challenged. An analyst may replace a component with a written justification (an
override); the document shows the computed value beside it.

* harm: configured severity and victim vulnerability of the theme (judgement, from the
  configuration file), and, where recorded crime exists, its share of the scope's
  harm-weighted crime (Crime Severity Score) banded by ``harm_share_bands``.
* likelihood: frequency (crimes per 1,000 residents banded by ``rate_bands``), direction on the
  previous period (significant rise 5, rise 4, stable 3, fall 2, significant fall 1) and
  intelligence volume (items in the period banded by ``intelligence_bands``).
* confidence: how well the evidence supports the picture: recorded crime with corroboration
  (intelligence or partner data) 5, recorded crime alone 4, intelligence or partner data only
  3 (20 items or more), 2 (5 to 19), 1 (fewer than 5); one less when over 5% of the period's
  crime could not be placed in an area.
* position: partners' own capacity ratings (1 strong ... 5 no capacity), their mean; 3 when
  nobody has rated the theme yet (said).

score = 100 x sum(weight x (component - 1) / 4) / sum(weights): 0 (every component 1) to 100.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import mean
from typing import Any

from beacon.assessment.config import COMPONENTS, AssessmentConfig
from beacon.assessment.evidence import Evidence, ThemeFigures
from beacon.assessment.spec import Judgement

COMPONENT_LABELS = {
    "harm": "Harm",
    "likelihood": "Likelihood",
    "confidence": "Confidence",
    "position": "Organisational position",
}
DIRECTION_SCORES = {
    "significant rise": 5,
    "rise": 4,
    "stable": 3,
    "fall": 2,
    "significant fall": 1,
}


def band(value: float, bands: list[float]) -> int:
    """1 + the number of band bounds ``value`` exceeds (1 to 5)."""
    return 1 + sum(1 for bound in bands if value > bound)


@dataclass
class Component:
    name: str
    computed: float
    parts: list[tuple[str, float, str]]  # (sub-score name, value, evidence)
    override: dict[str, Any] | None = None

    @property
    def value(self) -> float:
        return float(self.override["value"]) if self.override else self.computed


@dataclass
class ThemeScore:
    theme: str
    label: str
    components: dict[str, Component] = field(default_factory=dict)
    score: float = 0.0
    computed_score: float = 0.0
    rank: int = 0
    recommended: bool = False
    reason: str = ""

    def to_row(self) -> dict[str, Any]:
        row: dict[str, Any] = {"theme": self.label, "key": self.theme}
        for name, component in self.components.items():
            row[name] = round(component.value, 2)
            row[f"{name}_computed"] = round(component.computed, 2)
        row.update(
            score=round(self.score, 1),
            computed_score=round(self.computed_score, 1),
            rank=self.rank,
            recommended="yes" if self.recommended else "no",
            overridden=", ".join(n for n, c in self.components.items() if c.override) or "",
        )
        return row


def _combine(components: dict[str, Component], weights: dict[str, float], computed: bool) -> float:
    total = sum(weights.values())
    return (
        100.0
        * sum(
            weights[name] * ((c.computed if computed else c.value) - 1.0) / 4.0
            for name, c in components.items()
        )
        / total
    )


def score_themes(
    evidence: Evidence, config: AssessmentConfig, judgement: Judgement
) -> list[ThemeScore]:
    """Every theme in play scored and ranked (highest score first; ties by harm, then name)."""
    weights = config.weights
    scores = []
    total_harm = evidence.total_harm
    unplaced = evidence.quality.get("period_rows_without_lsoa", 0) or 0
    unplaced_share = unplaced / (evidence.total_count + unplaced) if evidence.total_count else 0.0
    for theme in evidence.themes:
        figures = evidence.theme_figures(theme)
        components = {
            "harm": _harm(figures, total_harm, config),
            "likelihood": _likelihood(figures, evidence, config),
            "confidence": _confidence(figures, evidence, unplaced_share),
            "position": _position(theme.key, judgement),
        }
        for entry in judgement.overrides:
            if entry.theme == theme.key and entry.component in components:
                components[entry.component].override = {
                    "value": entry.value,
                    "justification": entry.justification,
                    "by": entry.entered_by,
                    "at": entry.entered_at,
                }
        score = ThemeScore(theme.key, theme.label, components)
        score.score = _combine(components, weights, computed=False)
        score.computed_score = _combine(components, weights, computed=True)
        scores.append(score)
    scores.sort(key=lambda s: (-round(s.score, 6), -s.components["harm"].value, s.label))
    priorities = config.get("priorities", {})
    wanted, minimum = int(priorities.get("count", 8)), float(priorities.get("minimum_score", 0))
    chosen = 0
    for rank, score in enumerate(scores, start=1):
        score.rank = rank
        score.reason = reason(score, evidence.theme_figures(evidence.config.theme(score.theme)))
        # A theme with almost no local evidence is not recommended on configured severity
        # alone: an analyst who knows better overrides a component and says why.
        evidenced = score.components["confidence"].value >= 2 or any(
            c.override for c in score.components.values()
        )
        if not evidenced:
            score.reason += "; too little local evidence to recommend without an analyst's override"
        score.recommended = chosen < wanted and score.score >= minimum and evidenced
        chosen += int(score.recommended)
    return scores


def _harm(figures: ThemeFigures, total_harm: float, config: AssessmentConfig) -> Component:
    theme = figures.theme
    parts: list[tuple[str, float, str]] = [
        ("severity", float(theme.severity), "configured severity of the theme"),
        ("vulnerability", float(theme.vulnerability), "configured vulnerability of its victims"),
    ]
    if figures.harm is not None and total_harm > 0:
        share = figures.harm / total_harm
        parts.append(
            (
                "harm share",
                float(band(share, config.bands("harm_share_bands"))),
                f"{share:.1%} of the scope's harm-weighted crime",
            )
        )
    return Component("harm", mean(p[1] for p in parts), parts)


def _likelihood(figures: ThemeFigures, evidence: Evidence, config: AssessmentConfig) -> Component:
    parts: list[tuple[str, float, str]] = []
    if figures.rate is not None:
        months = len(evidence.period.months)
        yearly = figures.rate * 12.0 / months  # bands are per 1,000 residents a year
        parts.append(
            (
                "frequency",
                float(band(yearly, config.bands("rate_bands"))),
                f"{yearly:.2f} crimes per 1,000 residents a year",
            )
        )
    direction = figures.direction
    if direction in DIRECTION_SCORES:
        change = (
            f" ({figures.change_pct:+.1%}, p = {figures.p_change:.3g})"
            if figures.change_pct is not None and figures.p_change is not None
            else ""
        )
        parts.append(
            ("direction", float(DIRECTION_SCORES[direction]), f"{direction} on the previous period"
             f"{change}")
        )  # fmt: skip
    if figures.theme.intelligence and evidence.intelligence_loaded:
        parts.append(
            (
                "intelligence",
                float(band(figures.intelligence, config.bands("intelligence_bands"))),
                f"{figures.intelligence} intelligence item(s) in the period",
            )
        )
    if not parts:
        return Component("likelihood", 3.0, [("no evidence", 3.0, "no data: middle of the scale")])
    return Component("likelihood", mean(p[1] for p in parts), parts)


def _confidence(figures: ThemeFigures, evidence: Evidence, unplaced_share: float) -> Component:
    other = figures.intelligence + figures.partner
    if figures.count is not None and figures.count > 0:
        value = 5 if other > 0 else 4
        text = "recorded crime" + (
            f" corroborated by {other} intelligence or partner record(s)" if other else " alone"
        )
    elif other >= 20:
        value, text = 3, f"{other} intelligence or partner record(s), no recorded crime category"
    elif other >= 5:
        value, text = 2, f"{other} intelligence or partner record(s), no recorded crime category"
    else:
        value, text = 1, f"only {other} intelligence or partner record(s)"
    parts = [("sources", float(value), text)]
    if unplaced_share > 0.05 and figures.count:
        parts.append(("placing", -1.0, f"{unplaced_share:.1%} of crime not placed in an area"))
        value = max(1, value - 1)
    return Component("confidence", float(value), parts)


def _position(theme: str, judgement: Judgement) -> Component:
    ratings = [c for c in judgement.capacity if c.theme == theme]
    if not ratings:
        return Component(
            "position", 3.0, [("not rated", 3.0, "no partner has rated its capacity yet")]
        )
    parts = [(c.organisation, float(c.rating), c.comment or "no comment") for c in ratings]
    return Component("position", mean(p[1] for p in parts), parts)


def reason(score: ThemeScore, figures: ThemeFigures) -> str:
    """One line: why this theme ranks where it does, from its strongest evidence."""
    bits = []
    if figures.count is not None:
        bits.append(f"{figures.count:,} crimes")
        if figures.change_pct is not None:
            significant = figures.p_change is not None and figures.p_change < 0.05
            bits.append(
                f"{figures.change_pct:+.0%} on the previous period"
                + (" (significant)" if significant else "")
            )
    if figures.intelligence:
        bits.append(f"{figures.intelligence} intelligence item(s)")
    harm = score.components["harm"]
    if harm.value >= 4:
        bits.append("high harm")
    position = score.components["position"]
    if position.value >= 4:
        bits.append("partners report limited capacity")
    if not bits:
        bits.append("configured severity; little local data")
    return "; ".join(bits)


def matrix_rows(scores: list[ThemeScore]) -> list[dict[str, Any]]:
    return [s.to_row() for s in scores]


def evidence_rows(scores: list[ThemeScore]) -> list[dict[str, Any]]:
    """One row per sub-score: the evidence behind every component of every theme."""
    rows = []
    for score in scores:
        for name in COMPONENTS:
            component = score.components[name]
            for part, value, text in component.parts:
                rows.append(
                    {
                        "theme": score.label,
                        "component": COMPONENT_LABELS[name],
                        "part": part,
                        "value": value,
                        "evidence": text,
                    }
                )
    return rows
