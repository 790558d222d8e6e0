"""Routing as data: which team or organisation owns a report, from its area and themes. Pure
functions; the rules come from a table the admins edit, and the caller records the decision.

A ``Rule`` says: reports in this area (an LSOA, ward, district or force, or any area) with this
theme (or any theme) go to this owner. A rule matches a report when the report is in the rule's
area at the rule's level and, if the rule names a theme, the report has that theme.

When several rules match, the most specific wins:

1. a theme and an area, the smaller area first (LSOA, ward, district, force);
2. an area only, the smaller first;
3. a theme only (any area);
4. neither (a catch-all rule);

then the lower ``position`` (the order the admins gave the rules). A theme outranks area size
because the theme decides which kind of team can act (a county lines report goes to the team
that handles exploitation across the district before the neighbourhood team of its LSOA).

When no rule matches, the report goes to the explicit fallback owner, and the decision says so
(``fallback_used``). With no fallback the result is ``Unroutable``: a value, never ``None`` and
never a silent drop, that the caller must turn into an alert someone sees.

``check_rules`` finds rules that cannot work (unknown owner, theme or area; a duplicate that
can never be chosen; two rules in one position), each message naming the rule.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

AREA_LEVELS: tuple[str, ...] = ("lsoa", "ward", "district", "force")  # smallest first
ANY_AREA = "any"
RULE_LEVELS: tuple[str, ...] = (*AREA_LEVELS, ANY_AREA)
_LEVEL_NAMES = {"lsoa": "LSOA", "ward": "ward", "district": "district", "force": "force"}


@dataclass(frozen=True)
class Rule:
    area_level: str  # "lsoa" | "ward" | "district" | "force" | "any"
    area_code: str | None  # None exactly when area_level is "any"
    theme: str | None  # None: any theme
    owner: str  # organisation or team key
    position: int

    def __post_init__(self) -> None:
        if self.area_level not in RULE_LEVELS:
            raise ValueError(
                f"rule {self.position}: area level {self.area_level!r} is not one of "
                f"{', '.join(RULE_LEVELS)}"
            )
        if self.area_level == ANY_AREA and self.area_code is not None:
            raise ValueError(f"rule {self.position}: level 'any' takes no area code")
        if self.area_level != ANY_AREA and self.area_code is None:
            raise ValueError(f"rule {self.position}: level {self.area_level!r} needs an area code")
        if self.area_code is not None and not self.area_code.strip():
            raise ValueError(f"rule {self.position}: empty area code")
        if self.theme is not None and not self.theme.strip():
            raise ValueError(f"rule {self.position}: empty theme (use None for any theme)")
        if not self.owner.strip():
            raise ValueError(f"rule {self.position}: no owner")

    @property
    def where(self) -> str:
        if self.area_code is None:
            return "any area"
        return f"{_LEVEL_NAMES[self.area_level]} {self.area_code}"

    @property
    def what(self) -> str:
        return "any theme" if self.theme is None else f"theme {self.theme}"

    def describe(self) -> str:
        return f"rule {self.position} ({self.where}, {self.what} -> {self.owner})"

    def specificity(self) -> tuple[int, int]:
        """Lower is more specific: (tier, area size)."""
        has_area = self.area_level != ANY_AREA
        has_theme = self.theme is not None
        tier = {(True, True): 0, (True, False): 1, (False, True): 2, (False, False): 3}[
            (has_area, has_theme)
        ]
        size = AREA_LEVELS.index(self.area_level) if has_area else len(AREA_LEVELS)
        return tier, size

    def matches(self, areas: Mapping[str, str], themes: Collection[str]) -> bool:
        if self.theme is not None and self.theme not in themes:
            return False
        return self.area_level == ANY_AREA or areas.get(self.area_level) == self.area_code


@dataclass(frozen=True)
class RouteDecision:
    owner: str
    rule: Rule | None  # None when the fallback owner was used
    why: str
    fallback_used: bool
    also_matched: tuple[Rule, ...] = field(default=())  # less specific matches, best first


@dataclass(frozen=True)
class Unroutable:
    """No rule matched and there is no fallback: the caller must raise an alert with this."""

    reason: str
    areas: tuple[tuple[str, str], ...]
    themes: tuple[str, ...]


RouteResult = RouteDecision | Unroutable


def _describe_report(areas: Mapping[str, str], themes: Sequence[str]) -> str:
    where = ", ".join(
        f"{_LEVEL_NAMES[level]} {areas[level]}" for level in AREA_LEVELS if level in areas
    )
    what = ", ".join(themes) if themes else "none"
    return f"a report in {where or 'no known area'} with themes {what}"


def _checked_areas(report_areas: Mapping[str, str | None]) -> dict[str, str]:
    unknown = sorted(set(report_areas) - set(AREA_LEVELS))
    if unknown:
        raise ValueError(
            f"unknown area level(s) {', '.join(map(repr, unknown))}: use {', '.join(AREA_LEVELS)}"
        )
    return {level: code for level, code in report_areas.items() if code}


def route(
    report_areas: Mapping[str, str | None],
    themes: Sequence[str],
    rules: Iterable[Rule],
    fallback_owner: str | None = None,
) -> RouteResult:
    """The owner of a report in ``report_areas`` (level -> code; a missing or empty code is an
    area the report is not known to be in) with ``themes``."""
    areas = _checked_areas(report_areas)
    theme_set = set(themes)
    matching = sorted(
        (rule for rule in rules if rule.matches(areas, theme_set)),
        key=lambda r: (r.specificity(), r.position, r.owner),
    )
    report = _describe_report(areas, themes)
    if matching:
        best, others = matching[0], tuple(matching[1:])
        why = f"{best.describe()} matches {report}"
        if others:
            why += (
                f"; it is the most specific of {len(matching)} matching rules "
                f"(next: {others[0].describe()})"
            )
        return RouteDecision(
            owner=best.owner, rule=best, why=why, fallback_used=False, also_matched=others
        )
    if fallback_owner:
        return RouteDecision(
            owner=fallback_owner,
            rule=None,
            why=f"no rule matches {report}; sent to the fallback owner {fallback_owner}",
            fallback_used=True,
        )
    return Unroutable(
        reason=(
            f"no rule matches {report} and there is no fallback owner: "
            "it needs routing by hand, and a rule or a fallback owner should be added"
        ),
        areas=tuple((level, areas[level]) for level in AREA_LEVELS if level in areas),
        themes=tuple(themes),
    )


def check_rules(
    rules: Sequence[Rule],
    known_owners: Collection[str],
    known_themes: Collection[str],
    known_areas: Mapping[str, Collection[str]],
    *,
    fallback_owner: str | None = None,
) -> list[str]:
    """Problems with a rule table, in rule order, each naming the rule; empty when it is sound.
    ``known_areas`` maps each level to its codes; a level missing from it has none."""
    problems: list[str] = []
    first_with_key: dict[tuple[str, str | None, str | None], Rule] = {}
    first_at_position: dict[int, Rule] = {}
    for rule in sorted(rules, key=lambda r: (r.position, r.specificity(), r.owner)):
        name = rule.describe()
        if rule.owner not in known_owners:
            problems.append(f"{name}: owner {rule.owner!r} is not a known team or organisation")
        if rule.theme is not None and rule.theme not in known_themes:
            problems.append(f"{name}: theme {rule.theme!r} is not a known theme")
        if rule.area_code is not None and rule.area_code not in known_areas.get(
            rule.area_level, ()
        ):
            level = _LEVEL_NAMES[rule.area_level]
            problems.append(f"{name}: {level} {rule.area_code!r} is not a known {level}")
        other = first_at_position.get(rule.position)
        if other is not None:
            problems.append(
                f"{name}: shares position {rule.position} with {other.describe()}; "
                "give each rule its own position so ties are decided by the table"
            )
        else:
            first_at_position[rule.position] = rule
        key = (rule.area_level, rule.area_code, rule.theme)
        earlier = first_with_key.get(key)
        if earlier is None:
            first_with_key[key] = rule
        elif earlier.owner == rule.owner:
            problems.append(f"{name}: duplicates {earlier.describe()}")
        else:
            problems.append(
                f"{name}: same area and theme as {earlier.describe()}, which always wins, "
                "so this rule is never used"
            )
    if fallback_owner is not None and fallback_owner not in known_owners:
        problems.append(f"fallback owner {fallback_owner!r} is not a known team or organisation")
    return problems
