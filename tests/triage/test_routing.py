"""Routing rules: the most specific rule wins, the fallback is explicit, and a report nothing
matches comes back as ``Unroutable`` (area codes are real Derby codes; owners are fictional)."""

from __future__ import annotations

import pytest

from beacon.triage.routing import (
    RouteDecision,
    Rule,
    Unroutable,
    check_rules,
    route,
)

ABBEY_C, ABBEY_D, ABBEY = "E01013456", "E01013457", "E05001767"
ALLESTREE_B, ALLESTREE = "E01013466", "E05001768"
DERBY, EREWASH = "E06000015", "E07000036"
FORCE = "derbyshire"

IN_ABBEY_C = {"lsoa": ABBEY_C, "ward": ABBEY, "district": DERBY, "force": FORCE}
IN_ALLESTREE = {"lsoa": ALLESTREE_B, "ward": ALLESTREE, "district": DERBY, "force": FORCE}

LADDER = [
    Rule("any", None, None, "csp-hub", 1),
    Rule("any", None, "county_lines", "exploitation-team", 2),
    Rule("force", FORCE, None, "force-control-room", 3),
    Rule("district", DERBY, None, "derby-csp", 4),
    Rule("ward", ABBEY, None, "abbey-snt", 5),
    Rule("lsoa", ABBEY_C, None, "abbey-estate-wardens", 6),
    Rule("force", FORCE, "county_lines", "rocu", 7),
    Rule("district", DERBY, "county_lines", "derby-exploitation-hub", 8),
    Rule("ward", ABBEY, "county_lines", "abbey-cl-officer", 9),
]


def owner(result: RouteDecision | Unroutable) -> str:
    assert isinstance(result, RouteDecision), result
    return result.owner


def test_the_most_specific_rule_wins_step_by_step() -> None:
    rules = list(LADDER)
    themes = ["county_lines", "drugs"]
    # Theme and the smallest area first, then larger areas with the theme ...
    assert owner(route(IN_ABBEY_C, themes, rules)) == "abbey-cl-officer"
    rules.pop()
    assert owner(route(IN_ABBEY_C, themes, rules)) == "derby-exploitation-hub"
    rules.pop()
    assert owner(route(IN_ABBEY_C, themes, rules)) == "rocu"
    rules.pop()
    # ... then area only, smallest first ...
    assert owner(route(IN_ABBEY_C, themes, rules)) == "abbey-estate-wardens"
    rules.pop()
    assert owner(route(IN_ABBEY_C, themes, rules)) == "abbey-snt"
    rules.pop()
    assert owner(route(IN_ABBEY_C, themes, rules)) == "derby-csp"
    rules.pop()
    assert owner(route(IN_ABBEY_C, themes, rules)) == "force-control-room"
    rules.pop()
    # ... then theme only, then the catch-all.
    assert owner(route(IN_ABBEY_C, themes, rules)) == "exploitation-team"
    rules.pop()
    assert owner(route(IN_ABBEY_C, themes, rules)) == "csp-hub"


def test_theme_and_area_beats_a_smaller_area_without_the_theme() -> None:
    decision = route(IN_ABBEY_C, ["county_lines"], LADDER)
    assert isinstance(decision, RouteDecision)
    assert decision.owner == "abbey-cl-officer"
    assert decision.rule == LADDER[8]
    assert not decision.fallback_used
    assert decision.why == (
        "rule 9 (ward E05001767, theme county_lines -> abbey-cl-officer) matches a report in "
        "LSOA E01013456, ward E05001767, district E06000015, force derbyshire with themes "
        "county_lines; it is the most specific of 9 matching rules "
        "(next: rule 8 (district E06000015, theme county_lines -> derby-exploitation-hub))"
    )
    assert [r.position for r in decision.also_matched] == [8, 7, 6, 5, 4, 3, 2, 1]


def test_other_places_and_themes_fall_to_the_rules_that_cover_them() -> None:
    assert owner(route(IN_ALLESTREE, ["county_lines"], LADDER)) == "derby-exploitation-hub"
    assert owner(route(IN_ALLESTREE, ["asb"], LADDER)) == "derby-csp"
    assert owner(route(IN_ABBEY_C, ["asb"], LADDER)) == "abbey-estate-wardens"
    erewash = {"lsoa": "E01019500", "district": EREWASH, "force": FORCE}
    assert owner(route(erewash, ["county_lines"], LADDER)) == "rocu"
    assert owner(route({}, ["county_lines"], LADDER)) == "exploitation-team"
    assert owner(route({}, [], LADDER)) == "csp-hub"


def test_an_area_the_report_is_not_known_to_be_in_does_not_match() -> None:
    rules = [Rule("ward", ABBEY, None, "abbey-snt", 1), Rule("district", DERBY, None, "derby", 2)]
    assert owner(route({"ward": None, "district": DERBY}, [], rules)) == "derby"
    assert owner(route({"ward": "", "district": DERBY}, [], rules)) == "derby"
    assert owner(route({"ward": ABBEY}, [], rules)) == "abbey-snt"


def test_ties_are_broken_by_position() -> None:
    rules = [
        Rule("ward", ABBEY, None, "second", 7),
        Rule("ward", ABBEY, None, "first", 3),
        Rule("lsoa", ABBEY_D, None, "elsewhere", 1),
    ]
    assert owner(route(IN_ABBEY_C, [], rules)) == "first"
    themed = [
        Rule("any", None, "drugs", "drugs-team", 5),
        Rule("any", None, "county_lines", "exploitation-team", 4),
    ]
    assert owner(route(IN_ABBEY_C, ["drugs", "county_lines"], themed)) == "exploitation-team"


def test_no_match_goes_to_the_fallback_owner_and_says_so() -> None:
    rules = [Rule("ward", ALLESTREE, None, "allestree-snt", 1)]
    decision = route(IN_ABBEY_C, ["asb"], rules, fallback_owner="csp-hub")
    assert decision == RouteDecision(
        owner="csp-hub",
        rule=None,
        why=(
            "no rule matches a report in LSOA E01013456, ward E05001767, district E06000015, "
            "force derbyshire with themes asb; sent to the fallback owner csp-hub"
        ),
        fallback_used=True,
    )


def test_no_match_and_no_fallback_is_unroutable_never_none() -> None:
    rules = [Rule("ward", ALLESTREE, "asb", "allestree-snt", 1)]
    for result in (
        route(IN_ABBEY_C, ["asb"], rules),
        route(IN_ALLESTREE, ["drugs"], rules, fallback_owner=None),
        route(IN_ABBEY_C, ["asb"], [], fallback_owner=""),
    ):
        assert isinstance(result, Unroutable)
        assert "there is no fallback owner" in result.reason
    unroutable = route({"lsoa": ABBEY_C, "ward": ABBEY}, ["asb", "drugs"], rules)
    assert unroutable == Unroutable(
        reason=(
            "no rule matches a report in LSOA E01013456, ward E05001767 with themes asb, drugs "
            "and there is no fallback owner: it needs routing by hand, and a rule or a fallback "
            "owner should be added"
        ),
        areas=(("lsoa", ABBEY_C), ("ward", ABBEY)),
        themes=("asb", "drugs"),
    )
    nowhere = route({}, [], rules)
    assert isinstance(nowhere, Unroutable)
    assert "a report in no known area with themes none" in nowhere.reason


def test_an_unknown_area_level_in_a_report_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown area level"):
        route({"postcode": "DE1 1AA"}, [], LADDER)


def test_rules_are_checked_when_built() -> None:
    with pytest.raises(ValueError, match="rule 4: area level 'county' is not one of"):
        Rule("county", "E10000007", None, "x", 4)
    with pytest.raises(ValueError, match="rule 1: level 'ward' needs an area code"):
        Rule("ward", None, None, "x", 1)
    with pytest.raises(ValueError, match="rule 2: level 'any' takes no area code"):
        Rule("any", ABBEY, None, "x", 2)
    with pytest.raises(ValueError, match="rule 3: no owner"):
        Rule("any", None, None, " ", 3)
    with pytest.raises(ValueError, match="rule 5: empty theme"):
        Rule("any", None, "", "x", 5)


# --- check_rules ----------------------------------------------------------------------------

OWNERS = {
    "csp-hub",
    "exploitation-team",
    "force-control-room",
    "derby-csp",
    "abbey-snt",
    "abbey-estate-wardens",
    "rocu",
    "derby-exploitation-hub",
    "abbey-cl-officer",
}
THEMES = {"county_lines", "drugs", "asb"}
AREAS = {
    "lsoa": {ABBEY_C, ABBEY_D, ALLESTREE_B},
    "ward": {ABBEY, ALLESTREE},
    "district": {DERBY, EREWASH},
    "force": {FORCE},
}


def test_a_sound_table_has_no_problems() -> None:
    assert check_rules(LADDER, OWNERS, THEMES, AREAS, fallback_owner="csp-hub") == []


def test_bad_rules_are_named() -> None:
    rules = [
        *LADDER,
        Rule("ward", ABBEY, "county_lines", "abbey-cl-officer", 10),  # duplicate of 9
        Rule("ward", ABBEY, None, "someone-else", 11),  # same area and theme as 5
        Rule("lsoa", "E01099999", None, "abbey-snt", 12),
        Rule("any", None, "fly_tipping", "street-scene", 13),
        Rule("district", ABBEY, None, "derby-csp", 14),  # a ward code at district level
        Rule("lsoa", ABBEY_D, "asb", "abbey-snt", 4),  # position 4 is taken
    ]
    assert check_rules(rules, OWNERS, THEMES, AREAS, fallback_owner="nobody") == [
        # Within a position, rules are taken most specific first.
        "rule 4 (district E06000015, any theme -> derby-csp): shares position 4 with rule 4 "
        "(LSOA E01013457, theme asb -> abbey-snt); give each rule its own position so "
        "ties are decided by the table",
        "rule 10 (ward E05001767, theme county_lines -> abbey-cl-officer): duplicates rule 9 "
        "(ward E05001767, theme county_lines -> abbey-cl-officer)",
        "rule 11 (ward E05001767, any theme -> someone-else): owner 'someone-else' is not a "
        "known team or organisation",
        "rule 11 (ward E05001767, any theme -> someone-else): same area and theme as rule 5 "
        "(ward E05001767, any theme -> abbey-snt), which always wins, so this rule is never used",
        "rule 12 (LSOA E01099999, any theme -> abbey-snt): LSOA 'E01099999' is not a known LSOA",
        "rule 13 (any area, theme fly_tipping -> street-scene): owner 'street-scene' is not a "
        "known team or organisation",
        "rule 13 (any area, theme fly_tipping -> street-scene): theme 'fly_tipping' is not a "
        "known theme",
        "rule 14 (district E05001767, any theme -> derby-csp): district 'E05001767' is not a "
        "known district",
        "fallback owner 'nobody' is not a known team or organisation",
    ]


def test_a_level_with_no_known_areas_makes_its_rules_unknown() -> None:
    rules = [Rule("force", FORCE, None, "force-control-room", 1)]
    assert check_rules(rules, OWNERS, THEMES, {"lsoa": {ABBEY_C}}) == [
        "rule 1 (force derbyshire, any theme -> force-control-room): force 'derbyshire' is not "
        "a known force"
    ]
