"""Triage priority: a THRIVE-informed score for one report, every component shown, and the
triage queue ordered by it with ageing. Pure functions; the queue page and the notifications
call them.

Seven components, each scored 0-3 (0 none, 1 some, 2 considerable, 3 severe) from the report's
facts, with the facts that set it kept as evidence:

- **threat**: how serious the report's themes are (``THEME_THREAT``, the highest of its
  themes; a theme missing from the table scores 1 and says so). A weapon lifts it by 1.
- **harm**: physical harm possible: a weapon (+2), an injury mentioned (+1), a theme whose harm
  is to people rather than property (``HARM_THEMES``, +1); at most 3.
- **risk**: likelihood of harm now: 3 when immediate risk is flagged; otherwise other reports
  about the same place (1-2: +1, 3 or more: +2) and an ongoing problem (+1); at most 3.
- **investigation**: the intelligence's value from its 3x5x2 grade: assessment A or B 2, C 1,
  D 0, adjusted by the source (1: +1, 2: 0, 3: -1), within 0-3; E (suspected false) 0; an
  ungraded report 1 until it is graded. The handling code (P/C) governs sharing, not urgency,
  and is not scored.
- **vulnerability**: a child 3, a vulnerable adult 2 when ticked. When only mentioned in the
  text, the same with harm in view (a ``HARM_THEMES`` theme, a weapon or an injury), else 1:
  in a nuisance report the children named are usually the ones causing it.
- **engagement**: the reporter can be contacted (+1), is willing to help further (+1, only when
  contactable), is the victim (+1).
- **immediacy**: 3 when immediate risk is flagged or the text says it is happening now
  ("right now", "tonight" ...); 2 when ongoing or it happened on the day of the report or the
  day before; 1 within 7 days; 0 when older or not known.

Text rules (``detect_vulnerability``) are small keyword lists (``INDICATOR_PATTERNS``): a match
is a prompt for the analyst, shown with the words matched, not a finding (negation such as "no
children" is not understood). Ticked facts and matched words both count.

Score: ``base = 100 * sum(weight * value) / sum(weight * 3)``, so 0-100 whatever the weights
(``DEFAULT_WEIGHTS``: vulnerability 1.5; threat, harm, risk, immediacy 1; investigation and
engagement 0.5; replaceable from configuration through ``weights_from``). Immediate risk is a
floor: such a report's base is at least the P1 threshold, whatever the weights.

Bands come from the base: P1 immediate >= 70, P2 high >= 50, P3 standard >= 25, P4 low below.
Waiting does not change what a report is, so ageing does not change its band; it changes its
place in the queue. Ageing adds ``Ageing.points_per_day`` (3) per day waited since receipt,
continuously, capped at ``Ageing.cap`` (20 points, reached after 6 days 16 hours): an old
report overtakes fresher ones of similar weight, so nothing waits forever behind a stream of
new arrivals, but a waiting P3 or P4 report cannot pass a fresh P1 (below 50, + 20 < 70).
``total = base + ageing_bonus`` orders the queue.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

MAX_VALUE = 3
COMPONENTS: tuple[str, ...] = (
    "threat",
    "harm",
    "risk",
    "investigation",
    "vulnerability",
    "engagement",
    "immediacy",
)
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "threat": 1.0,
    "harm": 1.0,
    "risk": 1.0,
    "investigation": 0.5,
    "vulnerability": 1.5,
    "engagement": 0.5,
    "immediacy": 1.0,
}
# (band, lowest base score in it), highest first.
BANDS: tuple[tuple[str, float], ...] = (
    ("P1 immediate", 70.0),
    ("P2 high", 50.0),
    ("P3 standard", 25.0),
    ("P4 low", 0.0),
)
P1_THRESHOLD = BANDS[0][1]

# Threat per built-in theme (``taxonomy.BUILT_IN_THEMES``): exploitation, serious violence and
# abuse 3; organised crime, drugs, hate and tension 2; volume crime and nuisance 1.
THEME_THREAT: Mapping[str, int] = {
    "county_lines": 3,
    "cuckooing": 3,
    "cce": 3,
    "cse": 3,
    "modern_slavery": 3,
    "radicalisation": 3,
    "violence_weapons": 3,
    "domestic_abuse": 3,
    "organised_crime": 2,
    "drugs": 2,
    "hate_crime": 2,
    "community_tension": 2,
    "cyber_crime": 1,
    "acquisitive_crime": 1,
    "youth_crime": 1,
    "asb": 1,
    "other": 0,
}
UNKNOWN_THEME_THREAT = 1
# Themes whose harm falls on people directly (exploitation, violence, abuse, hate).
HARM_THEMES: frozenset[str] = frozenset(
    {
        "county_lines",
        "cuckooing",
        "cce",
        "cse",
        "modern_slavery",
        "violence_weapons",
        "domestic_abuse",
        "hate_crime",
    }
)
SOURCE_EVALUATIONS = {"1": 1, "2": 0, "3": -1}  # reliable, untested, not reliable
ASSESSMENTS = {"A": 2, "B": 2, "C": 1, "D": 0, "E": 0}
HANDLING_CODES = frozenset({"P", "C"})
_SOURCE_WORDS = {"1": "reliable", "2": "untested", "3": "not reliable"}
_ASSESSMENT_WORDS = {
    "A": "known directly to the source",
    "B": "known indirectly, corroborated",
    "C": "known indirectly",
    "D": "not known",
    "E": "suspected to be false",
}

# Keyword rules for ``detect_vulnerability``: whole words or phrases, case-insensitive.
INDICATOR_PATTERNS: Mapping[str, tuple[str, ...]] = {
    "child": (
        r"child(?:ren)?",
        r"kid(?:s|z|dies)?",
        r"bab(?:y|ies)",
        r"toddlers?",
        r"teen(?:s|ager|agers)?",
        r"youngsters?",
        r"pupils?",
        r"minors?",
        r"under ?age",
        r"under[ -]1[68]s?",
        r"(?:school|skool) ?(?:kids|kidz|children|boys?|girls?|uniform)",
        r"year (?:[5-9]|1[0-1])s?",  # school years
        r"(?:[4-9]|1[0-7]) ?(?:yo|y/o|(?:years?|yrs?)[ -]old)",
        r"aged (?:[4-9]|1[0-7])",
    ),
    "vulnerable_adult": (
        r"vulnerable",
        r"learning (?:difficult(?:y|ies)|disabilit(?:y|ies))",
        r"dementia",
        r"alzheimer'?s",
        r"elderly",
        r"pensioners?",
        r"old (?:lady|man|woman|gentleman|couple)",
        r"disabled",
        r"disabilit(?:y|ies)",
        r"wheelchair",
        r"mental health",
        r"autis(?:m|tic)",
        r"care home",
        r"homeless",
        r"rough sleep(?:er|ers|ing)",
        r"(?:drug|heroin|crack) (?:user|addict)s?",
        r"addicts?",
    ),
    "weapon": (
        r"knife",
        r"knives",
        r"blades?",
        r"machetes?",
        r"guns?",
        r"firearms?",
        r"pistols?",
        r"shotguns?",
        r"handguns?",
        r"rifles?",
        r"shanks?",
        r"stab(?:bed|bing|s)?",
        r"shooting",
        r"shot at",
        r"crossbows?",
        r"acid",
        r"corrosive",
        r"axes?",
        r"baseball bats?",
        r"weapons?",
        r"armed",
    ),
    "injury": (
        r"injur(?:y|ies|ed)",
        r"bleeding",
        r"blood",
        r"bruis(?:e|es|ed|ing)",
        r"beaten(?: up)?",
        r"black eye",
        r"broken (?:arm|leg|nose|jaw|ribs?)",
        r"wound(?:s|ed)?",
        r"(?:in|to) hospital",
    ),
    "immediacy": (
        r"right now",
        r"happening now",
        r"going on now",
        r"outside now",
        r"still there",
        r"as we speak",
        r"at the moment",
        r"tonight",
        r"2nite",
        r"tonite",
        r"this evening",
        r"currently",
    ),
}
_COMPILED = {
    kind: re.compile(r"(?<![\w])(?:" + "|".join(patterns) + r")(?![\w])", re.IGNORECASE)
    for kind, patterns in INDICATOR_PATTERNS.items()
}
MAX_EVIDENCE_WORDS = 5


@dataclass(frozen=True)
class TextIndicators:
    """Words in a report's text that suggest each indicator, in text order, lower case."""

    child: tuple[str, ...] = ()
    vulnerable_adult: tuple[str, ...] = ()
    weapon: tuple[str, ...] = ()
    injury: tuple[str, ...] = ()
    immediacy: tuple[str, ...] = ()


def detect_vulnerability(text: str) -> TextIndicators:
    """Child, vulnerable adult, weapon, injury and happening-now words in ``text``."""
    found: dict[str, tuple[str, ...]] = {}
    for kind, pattern in _COMPILED.items():
        words: list[str] = []
        for match in pattern.finditer(text):
            word = " ".join(match.group(0).lower().split())
            if word not in words:
                words.append(word)
        found[kind] = tuple(words[:MAX_EVIDENCE_WORDS])
    return TextIndicators(**found)


@dataclass(frozen=True)
class PriorityInput:
    """The facts about one report that its priority is scored from."""

    report_id: str
    received_at: datetime  # timezone-aware
    text: str = ""  # the sanitised narrative, read by ``detect_vulnerability``
    themes: tuple[str, ...] = ()
    immediate_risk: bool = False
    child_involved: bool = False  # ticked by the reporter or an officer
    vulnerable_adult: bool = False
    weapon_mentioned: bool = False
    source_evaluation: str | None = None  # 3x5x2: "1" | "2" | "3"
    intelligence_assessment: str | None = None  # "A" .. "E"
    handling_code: str | None = None  # "P" | "C" (not scored)
    occurred_on: date | None = None  # the latest day it happened, when known
    ongoing: bool = False
    repeat_location_count: int = 0  # other recent reports about the same place
    reporter_contactable: bool = False
    reporter_willing: bool = False
    reporter_is_victim: bool = False

    def __post_init__(self) -> None:
        if self.received_at.tzinfo is None:
            raise ValueError(f"report {self.report_id}: received_at needs a timezone")
        if self.source_evaluation is not None and self.source_evaluation not in (
            SOURCE_EVALUATIONS
        ):
            raise ValueError(
                f"report {self.report_id}: source evaluation {self.source_evaluation!r} "
                "is not 1, 2 or 3"
            )
        if (
            self.intelligence_assessment is not None
            and self.intelligence_assessment not in ASSESSMENTS
        ):
            raise ValueError(
                f"report {self.report_id}: intelligence assessment "
                f"{self.intelligence_assessment!r} is not A, B, C, D or E"
            )
        if self.handling_code is not None and self.handling_code not in HANDLING_CODES:
            raise ValueError(
                f"report {self.report_id}: handling code {self.handling_code!r} is not P or C"
            )
        if self.repeat_location_count < 0:
            raise ValueError(f"report {self.report_id}: repeat_location_count is negative")


@dataclass(frozen=True)
class Component:
    name: str
    value: int  # 0..max
    max: int
    weight: float
    points: float  # this component's share of the 0-100 base score
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Ageing:
    points_per_day: float = 3.0
    cap: float = 20.0

    def __post_init__(self) -> None:
        if self.points_per_day < 0 or self.cap < 0:
            raise ValueError("ageing rate and cap must not be negative")


DEFAULT_AGEING = Ageing()


@dataclass(frozen=True)
class Priority:
    base: float  # 0-100 from the components (and the immediate-risk floor)
    ageing_bonus: float
    total: float  # base + ageing_bonus: what the queue is ordered by
    band: str  # from the base
    components: tuple[Component, ...]
    waited_hours: float
    floor: str | None = None  # why the base was raised, if it was

    def component(self, name: str) -> Component:
        for item in self.components:
            if item.name == name:
                return item
        raise KeyError(name)


@dataclass(frozen=True)
class QueueEntry:
    report_id: str
    received_at: datetime
    priority: Priority


def weights_from(mapping: Mapping[str, object] | None) -> dict[str, float]:
    """Weights from configuration: ``DEFAULT_WEIGHTS`` with the given ones replaced. An
    unknown component, a value that is not a number, a negative one or all-zero weights are
    refused with a message naming them."""
    weights = dict(DEFAULT_WEIGHTS)
    problems: list[str] = []
    for name, raw in (mapping or {}).items():
        if name not in weights:
            problems.append(f"unknown component {name!r} (known: {', '.join(COMPONENTS)})")
            continue
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            problems.append(f"weight for {name!r} is not a number: {raw!r}")
            continue
        try:
            value = float(raw)
        except ValueError:
            problems.append(f"weight for {name!r} is not a number: {raw!r}")
            continue
        if not value >= 0.0 or value == float("inf"):
            problems.append(f"weight for {name!r} must be a finite number >= 0, not {raw!r}")
            continue
        weights[name] = value
    if not problems and sum(weights.values()) <= 0:
        problems.append("at least one weight must be above 0")
    if problems:
        raise ValueError("priority weights: " + "; ".join(problems))
    return weights


def band_for(base: float) -> str:
    for name, lowest in BANDS:
        if base >= lowest:
            return name
    return BANDS[-1][0]


def _quoted(words: Sequence[str]) -> str:
    return ", ".join(f"'{w}'" for w in words)


def _threat(item: PriorityInput, weapon: bool, table: Mapping[str, int]) -> tuple[int, list[str]]:
    evidence: list[str] = []
    value = 0
    for theme in item.themes:
        if theme in table:
            level = table[theme]
            evidence.append(f"theme {theme}: {level}")
        else:
            level = UNKNOWN_THEME_THREAT
            evidence.append(f"theme {theme} has no threat level: scored {level}")
        value = max(value, level)
    if not item.themes:
        evidence.append("no theme yet")
    if weapon and value < MAX_VALUE:
        value += 1
        evidence.append("weapon mentioned: +1")
    return min(value, MAX_VALUE), evidence


def _harm(
    item: PriorityInput, weapon: tuple[str, ...] | bool, injury: tuple[str, ...]
) -> tuple[int, list[str]]:
    evidence: list[str] = []
    value = 0
    if weapon:
        value += 2
        if isinstance(weapon, tuple):
            evidence.append(f"weapon in the text: {_quoted(weapon)} (+2)")
        else:
            evidence.append("weapon ticked (+2)")
    if injury:
        value += 1
        evidence.append(f"injury in the text: {_quoted(injury)} (+1)")
    harmful = sorted(set(item.themes) & HARM_THEMES)
    if harmful:
        value += 1
        evidence.append(f"harm to people: {', '.join(harmful)} (+1)")
    if not evidence:
        evidence.append("no weapon, injury or harm-to-people theme")
    return min(value, MAX_VALUE), evidence


def _risk(item: PriorityInput) -> tuple[int, list[str]]:
    if item.immediate_risk:
        return MAX_VALUE, ["immediate risk flagged"]
    evidence: list[str] = []
    value = 0
    count = item.repeat_location_count
    if count >= 3:
        value += 2
    elif count >= 1:
        value += 1
    if count:
        evidence.append(
            f"{count} other report{'s' if count != 1 else ''} about this place (+{value})"
        )
    if item.ongoing:
        value += 1
        evidence.append("ongoing (+1)")
    if not evidence:
        evidence.append("no immediate risk, no repeat reports, not ongoing")
    return min(value, MAX_VALUE), evidence


def _investigation(item: PriorityInput) -> tuple[int, list[str]]:
    source, assessment = item.source_evaluation, item.intelligence_assessment
    if source is None or assessment is None:
        return 1, ["not graded yet: 1 until graded"]
    grade = f"graded {source}{assessment}{item.handling_code or ''}"
    if assessment == "E":
        return 0, [f"{grade}: {_ASSESSMENT_WORDS['E']}"]
    value = max(0, min(MAX_VALUE, ASSESSMENTS[assessment] + SOURCE_EVALUATIONS[source]))
    adjust = SOURCE_EVALUATIONS[source]
    return value, [
        f"{grade}: {_ASSESSMENT_WORDS[assessment]} ({ASSESSMENTS[assessment]}), "
        f"source {_SOURCE_WORDS[source]} ({adjust:+d})"
    ]


def _vulnerability(
    item: PriorityInput, found: TextIndicators, harm_context: bool
) -> tuple[int, list[str]]:
    evidence: list[str] = []
    value = 0
    # A child named in the text is often the one causing the trouble ("kids kicking a ball"),
    # so a mention alone scores 1; with harm in view (a harm-to-people theme, a weapon or an
    # injury) it scores as if ticked.
    context = " with harm in view" if harm_context else ", no harm in view"
    if item.child_involved:
        value = 3
        evidence.append("child involved: ticked (3)")
    if found.child:
        text_value = 3 if harm_context else 1
        value = max(value, text_value)
        evidence.append(f"child in the text{context}: {_quoted(found.child)} ({text_value})")
    if item.vulnerable_adult:
        value = max(value, 2)
        evidence.append("vulnerable adult: ticked (2)")
    if found.vulnerable_adult:
        text_value = 2 if harm_context else 1
        value = max(value, text_value)
        evidence.append(
            f"vulnerable adult in the text{context}: {_quoted(found.vulnerable_adult)} "
            f"({text_value})"
        )
    if not evidence:
        evidence.append("no child or vulnerable adult ticked or mentioned")
    return value, evidence


def _engagement(item: PriorityInput) -> tuple[int, list[str]]:
    value = 0
    evidence: list[str] = []
    if item.reporter_contactable:
        value += 1
        evidence.append("reporter can be contacted (+1)")
        if item.reporter_willing:
            value += 1
            evidence.append("reporter willing to help further (+1)")
    else:
        evidence.append("reporter cannot be contacted")
    if item.reporter_is_victim:
        value += 1
        evidence.append("reporter is the victim (+1)")
    return value, evidence


def _immediacy(item: PriorityInput, found: TextIndicators) -> tuple[int, list[str]]:
    if item.immediate_risk:
        return MAX_VALUE, ["immediate risk flagged"]
    if found.immediacy:
        return MAX_VALUE, [f"happening now in the text: {_quoted(found.immediacy)}"]
    if item.ongoing:
        return 2, ["ongoing"]
    if item.occurred_on is None:
        return 0, ["when it happened is not known"]
    days = (item.received_at.date() - item.occurred_on).days
    if days <= 1:
        when = "on the day reported" if days <= 0 else "the day before it was reported"
        return 2, [f"happened {when} ({item.occurred_on.isoformat()})"]
    if days <= 7:
        return 1, [f"happened {days} days before it was reported"]
    return 0, [f"happened {days} days before it was reported"]


def score(
    item: PriorityInput,
    *,
    now: datetime,
    weights: Mapping[str, object] = DEFAULT_WEIGHTS,
    theme_threat: Mapping[str, int] = THEME_THREAT,
    ageing: Ageing = DEFAULT_AGEING,
) -> Priority:
    """The report's priority at ``now`` (timezone-aware), every component with its evidence."""
    if now.tzinfo is None:
        raise ValueError("now needs a timezone")
    checked = weights_from(weights)
    found = detect_vulnerability(item.text)
    weapon: tuple[str, ...] | bool = found.weapon or item.weapon_mentioned
    harm_context = bool(weapon or found.injury or set(item.themes) & HARM_THEMES)
    values = {
        "threat": _threat(item, bool(weapon), theme_threat),
        "harm": _harm(item, weapon, found.injury),
        "risk": _risk(item),
        "investigation": _investigation(item),
        "vulnerability": _vulnerability(item, found, harm_context),
        "engagement": _engagement(item),
        "immediacy": _immediacy(item, found),
    }
    scale = 100.0 / (MAX_VALUE * sum(checked.values()))
    components = tuple(
        Component(
            name=name,
            value=values[name][0],
            max=MAX_VALUE,
            weight=checked[name],
            points=round(checked[name] * values[name][0] * scale, 1),
            evidence=tuple(values[name][1]),
        )
        for name in COMPONENTS
    )
    base = round(sum(checked[c.name] * c.value for c in components) * scale, 1)
    floor = None
    if item.immediate_risk and base < P1_THRESHOLD:
        floor = f"immediate risk flagged: raised from {base} to the P1 threshold {P1_THRESHOLD}"
        base = P1_THRESHOLD
    waited = max(0.0, (now - item.received_at).total_seconds() / 3600.0)
    bonus = round(min(ageing.cap, ageing.points_per_day * waited / 24.0), 1)
    return Priority(
        base=base,
        ageing_bonus=bonus,
        total=round(base + bonus, 1),
        band=band_for(base),
        components=components,
        waited_hours=round(waited, 1),
        floor=floor,
    )


def queue_order(
    items: Iterable[PriorityInput],
    *,
    now: datetime,
    weights: Mapping[str, object] = DEFAULT_WEIGHTS,
    theme_threat: Mapping[str, int] = THEME_THREAT,
    ageing: Ageing = DEFAULT_AGEING,
) -> list[QueueEntry]:
    """The triage queue: highest total (with ageing) first, then the longest waiting, then by
    report id so the order is always the same."""
    entries = [
        QueueEntry(
            item.report_id,
            item.received_at,
            score(item, now=now, weights=weights, theme_threat=theme_threat, ageing=ageing),
        )
        for item in items
    ]
    counts = Counter(e.report_id for e in entries)
    twice = sorted(report_id for report_id, n in counts.items() if n > 1)
    if twice:
        raise ValueError(f"report(s) in the queue twice: {', '.join(twice)}")
    entries.sort(key=lambda e: (-e.priority.total, e.received_at, e.report_id))
    return entries
