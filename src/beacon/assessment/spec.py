"""What an assessment is asked for (kind, scope, period, themes) and the judgement entered
for it, as plain values: the inputs a manifest records and a re-run takes back."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from beacon.analytics.errors import AnalysisInputError
from beacon.analytics.selection import AreaChoice, area_choice, month_range

# How a scope is written: the workspace's area keys ("force:44", "lad:E06000015,E07000223").
SCOPE_LEVELS = {"force": "force", "lad": "lad", "ward": "ward", "lsoa": "lsoa"}


@dataclass(frozen=True)
class AssessmentSpec:
    kind: str
    scope: str  # "force:derbyshire", "lad:E06000015" (several districts comma-separated)
    period_from: str
    period_to: str
    themes: tuple[str, ...] = ()  # empty: every configured theme
    link_force: bool = False  # a district assessment shown against its force's priorities
    theme: str | None = None  # a problem profile's theme
    incident: str | None = None  # a community impact assessment's incident, in a line
    incident_on: str | None = None  # its date (YYYY-MM-DD)
    review_on: str | None = None  # when a community impact assessment is next reviewed
    audience: str = "analysts"  # "shared": small numbers suppressed

    def choice(self) -> AreaChoice:
        level, _, codes = self.scope.partition(":")
        if level not in SCOPE_LEVELS or not codes:
            raise AnalysisInputError(
                f"{self.scope!r} is not a scope (force:ID, lad:CODE[,CODE], ward:CODE or "
                "lsoa:CODE)",
                option="--scope",
            )
        return area_choice(**{level: codes})

    @property
    def months(self) -> tuple[str, ...]:
        return month_range(self.period_from, self.period_to)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["themes"] = list(self.themes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AssessmentSpec:
        values = dict(data)
        values["themes"] = tuple(values.get("themes") or ())
        return cls(**values)


@dataclass(frozen=True)
class CapacityEntry:
    theme: str
    organisation: str
    rating: int  # 1 strong ... 5 no capacity
    comment: str
    entered_by: str
    entered_at: str


@dataclass(frozen=True)
class HorizonEntry:
    category: str  # a PESTELO heading: political, economic, ... organisational
    title: str
    description: str
    themes: tuple[str, ...]
    entered_by: str
    entered_at: str


@dataclass(frozen=True)
class OverrideEntry:
    theme: str
    component: str  # harm, likelihood, confidence, position
    value: int
    justification: str
    entered_by: str
    entered_at: str


@dataclass(frozen=True)
class NarrativeEntry:
    theme: str  # a theme key, or "summary"
    text: str
    entered_by: str
    entered_at: str


@dataclass(frozen=True)
class Judgement:
    """Everything people entered for an assessment (the latest entry per key, withdrawn ones
    left out), as the document shows it and the manifest records it."""

    capacity: tuple[CapacityEntry, ...] = ()
    horizon: tuple[HorizonEntry, ...] = ()
    overrides: tuple[OverrideEntry, ...] = ()
    narratives: tuple[NarrativeEntry, ...] = ()
    assessment_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "assessment_id": self.assessment_id,
            "capacity": [asdict(c) for c in self.capacity],
            "horizon": [asdict(h) | {"themes": list(h.themes)} for h in self.horizon],
            "overrides": [asdict(o) for o in self.overrides],
            "narratives": [asdict(n) for n in self.narratives],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Judgement:
        if not data:
            return cls()
        return cls(
            capacity=tuple(CapacityEntry(**c) for c in data.get("capacity", [])),
            horizon=tuple(
                HorizonEntry(**(h | {"themes": tuple(h.get("themes", ()))}))
                for h in data.get("horizon", [])
            ),
            overrides=tuple(OverrideEntry(**o) for o in data.get("overrides", [])),
            narratives=tuple(NarrativeEntry(**n) for n in data.get("narratives", [])),
            assessment_id=data.get("assessment_id"),
        )
