"""THRIVE-informed priority scores, their evidence, ageing and the triage queue (report texts are
fictional)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from beacon.triage.priority import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    Ageing,
    Priority,
    PriorityInput,
    band_for,
    detect_vulnerability,
    queue_order,
    score,
    weights_from,
)

NINE_PM = datetime(2026, 3, 6, 21, 10, tzinfo=UTC)

COUNTY_LINES_TEXT = (
    "lads from london dealing by the gates of St John's primary school at 9pm tonight, one of "
    "them is a kid about 14 yo on a bike taking the bags"
)


def county_lines(**changes: object) -> PriorityInput:
    facts: dict[str, object] = {
        "report_id": "R-CL",
        "received_at": NINE_PM,
        "text": COUNTY_LINES_TEXT,
        "themes": ("county_lines",),
        "occurred_on": date(2026, 3, 6),
        "repeat_location_count": 2,
    }
    facts.update(changes)
    return PriorityInput(**facts)  # type: ignore[arg-type]


def old_asb(**changes: object) -> PriorityInput:
    facts: dict[str, object] = {
        "report_id": "R-ASB",
        "received_at": NINE_PM - timedelta(days=20),
        "text": "kids kicking a ball against the garages on Elm Way most evenings, the noise",
        "themes": ("asb",),
        "source_evaluation": "3",
        "intelligence_assessment": "C",
        "handling_code": "P",
        "occurred_on": date(2026, 2, 1),
        "reporter_contactable": True,
    }
    facts.update(changes)
    return PriorityInput(**facts)  # type: ignore[arg-type]


def values(priority: Priority) -> dict[str, int]:
    return {c.name: c.value for c in priority.components}


# --- the worked examples --------------------------------------------------------------------


def test_county_lines_near_a_school_at_9pm_with_a_child_is_high_with_its_evidence() -> None:
    priority = score(county_lines(), now=NINE_PM + timedelta(minutes=30))
    assert values(priority) == {
        "threat": 3,
        "harm": 1,
        "risk": 1,
        "investigation": 1,
        "vulnerability": 3,
        "engagement": 0,
        "immediacy": 3,
    }
    # (3 + 1 + 1 + 0.5 + 4.5 + 0 + 3) / (3 * 6.5) = 13 / 19.5
    assert priority.base == 66.7
    assert priority.band == "P2 high"
    assert priority.ageing_bonus == pytest.approx(0.1)
    assert priority.total == 66.8
    vulnerability = priority.component("vulnerability")
    assert vulnerability.evidence == ("child in the text with harm in view: 'kid', '14 yo' (3)",)
    assert priority.component("immediacy").evidence == ("happening now in the text: 'tonight'",)
    assert priority.component("threat").evidence == ("theme county_lines: 3",)
    assert priority.component("risk").evidence == ("2 other reports about this place (+1)",)
    assert [c.name for c in priority.components] == list(COMPONENTS)
    assert all(c.max == 3 and c.evidence for c in priority.components)
    assert sum(c.points for c in priority.components) == pytest.approx(priority.base, abs=0.2)


def test_the_same_report_with_a_knife_is_p1() -> None:
    text = COUNTY_LINES_TEXT + ", the older one showed a knife"
    priority = score(county_lines(text=text), now=NINE_PM)
    assert priority.band == "P1 immediate"
    assert values(priority)["harm"] == 3
    assert priority.component("harm").evidence == (
        "weapon in the text: 'knife' (+2)",
        "harm to people: county_lines (+1)",
    )
    assert "weapon mentioned: +1" not in priority.component("threat").evidence  # already 3


def test_an_old_low_grade_asb_report_ages_up_but_stays_under_a_fresh_p1() -> None:
    asb = old_asb()
    fresh = score(old_asb(received_at=NINE_PM), now=NINE_PM)
    aged = score(asb, now=NINE_PM)
    assert fresh.band == aged.band == "P4 low"
    assert aged.base == fresh.base == 15.4
    assert aged.ageing_bonus == 20.0  # 20 days at 3 a day, capped at 20
    assert aged.total == 35.4 > fresh.total
    assert values(aged)["vulnerability"] == 1  # kids named, but no harm in view
    assert values(aged)["investigation"] == 0  # 3C: not reliable, known indirectly

    p1_report = county_lines(report_id="R-P1", text=COUNTY_LINES_TEXT + " with a knife")
    p3_report = county_lines(
        report_id="R-P3",
        text="people smoking cannabis in the bus shelter again this afternoon",
        themes=("drugs",),
        repeat_location_count=1,
        received_at=NINE_PM - timedelta(hours=2),
    )
    queue = queue_order([asb, p3_report, p1_report], now=NINE_PM)
    assert [e.report_id for e in queue] == ["R-P1", "R-ASB", "R-P3"]
    assert queue[0].priority.band == "P1 immediate"
    assert queue[2].priority.band == "P3 standard"
    # The aged P4 has overtaken a fresher report that scores more than it on its own.
    assert queue[2].priority.base > queue[1].priority.base


# --- ageing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("waited", "bonus"),
    [
        (timedelta(0), 0.0),
        (timedelta(hours=12), 1.5),
        (timedelta(days=2), 6.0),
        (timedelta(days=6, hours=16), 20.0),
        (timedelta(days=90), 20.0),
        (-timedelta(hours=3), 0.0),  # a clock running behind never lowers a score
    ],
)
def test_ageing_is_gradual_and_capped(waited: timedelta, bonus: float) -> None:
    priority = score(old_asb(received_at=NINE_PM), now=NINE_PM + waited)
    assert priority.ageing_bonus == bonus
    assert priority.total == round(priority.base + bonus, 1)
    assert priority.band == "P4 low"  # waiting changes the order, not what the report is


def test_ageing_rate_and_cap_are_configurable() -> None:
    item = old_asb(received_at=NINE_PM)
    assert score(item, now=NINE_PM + timedelta(days=1), ageing=Ageing(10, 15)).ageing_bonus == 10
    assert score(item, now=NINE_PM + timedelta(days=3), ageing=Ageing(10, 15)).ageing_bonus == 15
    assert score(item, now=NINE_PM + timedelta(days=3), ageing=Ageing(0, 15)).ageing_bonus == 0
    with pytest.raises(ValueError):
        Ageing(-1, 10)


# --- components -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "assessment", "expected"),
    [
        ("1", "A", 3),
        ("1", "B", 3),
        ("2", "A", 2),
        ("2", "C", 1),
        ("1", "C", 2),
        ("3", "C", 0),
        ("3", "A", 1),
        ("1", "D", 1),
        ("2", "D", 0),
        ("1", "E", 0),
        (None, "B", 1),
        (None, None, 1),
    ],
)
def test_investigation_from_the_3x5x2_grade(
    source: str | None, assessment: str | None, expected: int
) -> None:
    item = old_asb(source_evaluation=source, intelligence_assessment=assessment)
    component = score(item, now=NINE_PM).component("investigation")
    assert component.value == expected
    if source is None or assessment is None:
        assert component.evidence == ("not graded yet: 1 until graded",)
    else:
        assert component.evidence[0].startswith(f"graded {source}{assessment}P")


def test_immediacy_from_when_it_happened() -> None:
    def immediacy(**changes: object) -> tuple[int, tuple[str, ...]]:
        component = score(old_asb(received_at=NINE_PM, text="", **changes), now=NINE_PM).component(
            "immediacy"
        )
        return component.value, component.evidence

    assert immediacy(occurred_on=date(2026, 3, 6)) == (
        2,
        ("happened on the day reported (2026-03-06)",),
    )
    assert immediacy(occurred_on=date(2026, 3, 5))[0] == 2
    assert immediacy(occurred_on=date(2026, 3, 1)) == (
        1,
        ("happened 5 days before it was reported",),
    )
    assert immediacy(occurred_on=date(2026, 2, 1))[0] == 0
    assert immediacy(occurred_on=None) == (0, ("when it happened is not known",))
    assert immediacy(occurred_on=date(2026, 2, 1), ongoing=True) == (2, ("ongoing",))
    assert immediacy(immediate_risk=True) == (3, ("immediate risk flagged",))


def test_risk_from_repeats_and_ongoing() -> None:
    def risk(**changes: object) -> int:
        return score(old_asb(**changes), now=NINE_PM).component("risk").value

    assert risk() == 0
    assert risk(repeat_location_count=1) == 1
    assert risk(repeat_location_count=3) == 2
    assert risk(repeat_location_count=3, ongoing=True) == 3
    assert risk(repeat_location_count=9, ongoing=True) == 3
    assert risk(immediate_risk=True) == 3


def test_engagement() -> None:
    def engagement(**changes: object) -> int:
        return score(old_asb(**changes), now=NINE_PM).component("engagement").value

    assert engagement(reporter_contactable=False) == 0
    assert engagement(reporter_contactable=False, reporter_willing=True) == 0
    assert engagement() == 1
    assert engagement(reporter_willing=True) == 2
    assert engagement(reporter_willing=True, reporter_is_victim=True) == 3


def test_ticked_facts_count_without_words_in_the_text() -> None:
    plain = old_asb(text="", themes=("other",))
    assert values(score(plain, now=NINE_PM))["vulnerability"] == 0
    ticked = score(
        old_asb(text="", themes=("other",), vulnerable_adult=True, weapon_mentioned=True),
        now=NINE_PM,
    )
    assert values(ticked)["vulnerability"] == 2
    assert values(ticked)["harm"] == 2
    assert ticked.component("harm").evidence == ("weapon ticked (+2)",)
    assert ticked.component("threat").evidence == ("theme other: 0", "weapon mentioned: +1")
    child = score(old_asb(text="", child_involved=True), now=NINE_PM)
    assert child.component("vulnerability").evidence == ("child involved: ticked (3)",)


def test_an_unknown_theme_scores_one_and_says_so() -> None:
    component = score(old_asb(themes=("fly_tipping",)), now=NINE_PM).component("threat")
    assert component.value == 1
    assert component.evidence == ("theme fly_tipping has no threat level: scored 1",)
    custom = score(old_asb(themes=("fly_tipping",)), now=NINE_PM, theme_threat={"fly_tipping": 2})
    assert custom.component("threat").value == 2


def test_immediate_risk_is_a_p1_floor_whatever_the_weights() -> None:
    weights = dict.fromkeys(COMPONENTS, 0.0) | {"engagement": 1.0}
    item = old_asb(immediate_risk=True, reporter_contactable=False, received_at=NINE_PM)
    priority = score(item, now=NINE_PM, weights=weights)
    assert priority.base == 70.0
    assert priority.band == "P1 immediate"
    assert priority.floor == "immediate risk flagged: raised from 0.0 to the P1 threshold 70.0"
    assert score(old_asb(received_at=NINE_PM), now=NINE_PM, weights=weights).floor is None


# --- text indicators ------------------------------------------------------------------------


def test_detect_vulnerability_keeps_the_words_it_matched() -> None:
    found = detect_vulnerability(
        "My neighbour's 15 year old is being used by a man with a MACHETE, he's bleeding; "
        "the old lady downstairs has dementia. It's happening right now"
    )
    assert found.child == ("15 year old",)
    assert found.vulnerable_adult == ("old lady", "dementia")
    assert found.weapon == ("machete",)
    assert found.injury == ("bleeding",)
    assert found.immediacy == ("right now",)


@pytest.mark.parametrize(
    "text",
    [
        "this has been going on for 3 years now",  # a duration, not an age
        "someone was using the atm outside the shop",  # cash machine, not "at the moment"
        "kidney stones and a kidnapping film",  # whole words only
        "the gunnery club and the stabilisers",
    ],
)
def test_detect_vulnerability_ignores_lookalikes(text: str) -> None:
    assert detect_vulnerability(text) == type(detect_vulnerability(""))()


def test_detect_vulnerability_reads_text_speak_and_ages() -> None:
    found = detect_vulnerability("2 skool kids, 1 aged 12 an the other like 13 yo, out 2nite")
    assert found.child == ("skool kids", "aged 12", "13 yo")
    assert found.immediacy == ("2nite",)


# --- weights, bands, validation -------------------------------------------------------------


def test_weights_come_from_configuration() -> None:
    assert weights_from(None) == dict(DEFAULT_WEIGHTS)
    assert weights_from({"vulnerability": "3"})["vulnerability"] == 3.0
    heavier = score(county_lines(), now=NINE_PM, weights={"vulnerability": 3})
    assert heavier.base == round(100 * (3 + 1 + 1 + 0.5 + 9 + 0 + 3) / (3 * 8), 1)
    assert heavier.component("vulnerability").weight == 3.0
    with pytest.raises(ValueError, match="unknown component 'harms'"):
        weights_from({"harms": 1})
    with pytest.raises(ValueError, match="weight for 'harm' must be a finite number >= 0"):
        weights_from({"harm": -1})
    with pytest.raises(ValueError, match="weight for 'harm' is not a number"):
        weights_from({"harm": "lots"})
    with pytest.raises(ValueError, match="weight for 'harm' is not a number"):
        weights_from({"harm": True})
    with pytest.raises(ValueError, match="at least one weight must be above 0"):
        weights_from(dict.fromkeys(COMPONENTS, 0))
    with pytest.raises(ValueError, match="unknown component"):
        score(county_lines(), now=NINE_PM, weights={"harms": 1})


def test_bands() -> None:
    assert band_for(100) == band_for(70) == "P1 immediate"
    assert band_for(69.9) == band_for(50) == "P2 high"
    assert band_for(49.9) == band_for(25) == "P3 standard"
    assert band_for(24.9) == band_for(0) == "P4 low"


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="received_at needs a timezone"):
        old_asb(received_at=datetime(2026, 3, 6, 21, 0))
    with pytest.raises(ValueError, match="source evaluation '4' is not 1, 2 or 3"):
        old_asb(source_evaluation="4")
    with pytest.raises(ValueError, match="intelligence assessment 'F'"):
        old_asb(intelligence_assessment="F")
    with pytest.raises(ValueError, match="handling code 'X' is not P or C"):
        old_asb(handling_code="X")
    with pytest.raises(ValueError, match="now needs a timezone"):
        score(old_asb(), now=datetime(2026, 3, 6, 21, 0))
    with pytest.raises(ValueError, match="queue twice: R-ASB"):
        queue_order([old_asb(), old_asb()], now=NINE_PM)


def test_queue_ties_go_to_the_longest_waiting_then_the_id() -> None:
    # Same facts, received at the same moment or an hour apart, scored at a moment when
    # ageing adds the same capped bonus to all of them.
    now = NINE_PM + timedelta(days=30)
    items = [
        old_asb(report_id="R-3", received_at=NINE_PM),
        old_asb(report_id="R-1", received_at=NINE_PM),
        old_asb(report_id="R-2", received_at=NINE_PM - timedelta(hours=1)),
    ]
    queue = queue_order(items, now=now)
    assert len({e.priority.total for e in queue}) == 1
    assert [e.report_id for e in queue] == ["R-2", "R-1", "R-3"]
