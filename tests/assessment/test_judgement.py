"""What people enter for an assessment: checked field by field, append-only, the latest entry
per key read back as the judgement a run uses, and nothing changeable once approved."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.assessment import judgement, workflow
from beacon.assessment.judgement import JudgementError
from beacon.assessment.models import Assessment, CapacityRating, HorizonItem, Status
from beacon.assessment.spec import AssessmentSpec
from beacon.audit.models import AuditEvent
from beacon.auth.models import Organisation, User
from beacon.runtime import Runtime

from .conftest import DERBY, PERIOD, People

THEMES = ("asb", "drugs", "violence")


@pytest.fixture
def session(assess_runtime: Runtime) -> Session:
    with assess_runtime.sessions() as db:
        yield db  # type: ignore[misc]


def _new(session: Session, people: People) -> Assessment:
    spec = AssessmentSpec(
        kind="strategic", scope=DERBY, period_from=PERIOD[0], period_to=PERIOD[1], themes=THEMES
    )
    user = session.get(User, people.analyst)
    assert user is not None
    created = workflow.create(session, spec, user, title="Derby test assessment")
    session.commit()
    return created


def _user(session: Session, user_id: int) -> User:
    found = session.get(User, user_id)
    assert found is not None
    return found


def _events(session: Session, assessment: Assessment, event: str) -> list[dict]:
    rows = session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_type == "assessment",
            AuditEvent.record_id == str(assessment.id),
            AuditEvent.event == event,
        )
    )
    return [json.loads(r.details_json) | {"_action": r.action} for r in rows]


def test_capacity_is_the_users_own_organisation_and_the_latest_counts(
    session: Session, people: People
) -> None:
    assessment = _new(session, people)
    partner = _user(session, people.partner)
    other = _user(session, people.other_partner)
    judgement.add_capacity(session, assessment, partner, theme="asb", rating="2", comment="Ok")
    judgement.add_capacity(session, assessment, partner, theme="asb", rating=4, comment="Cuts")
    judgement.add_capacity(session, assessment, other, theme="asb", rating="1")
    session.commit()
    loaded = judgement.load(session, assessment)
    council = session.get(Organisation, people.council)
    fire = session.get(Organisation, people.other)
    assert council is not None and fire is not None
    rows = {(c.theme, c.organisation): (c.rating, c.comment) for c in loaded.capacity}
    assert rows == {("asb", council.name): (4, "Cuts"), ("asb", fire.name): (1, "")}
    entry = next(c for c in loaded.capacity if c.organisation == council.name)
    assert entry.entered_by == partner.display_name
    assert entry.entered_at.endswith("+00:00") and entry.entered_at[:4].isdigit()
    assert loaded.assessment_id == assessment.id
    # Both of the council's ratings stay on record: append-only.
    held = session.scalars(
        select(CapacityRating.rating).where(
            CapacityRating.assessment_id == assessment.id,
            CapacityRating.organisation_id == people.council,
        )
    ).all()
    assert sorted(held) == [2, 4]
    assert [e["rating"] for e in _events(session, assessment, "assessment.capacity_entered")] == [
        2,
        4,
        1,
    ]


def test_a_partner_cannot_rate_for_another_organisation(session: Session, people: People) -> None:
    assessment = _new(session, people)
    partner = _user(session, people.partner)
    with pytest.raises(JudgementError) as caught:
        judgement.add_capacity(
            session, assessment, partner, theme="asb", rating=3, organisation_id=people.other
        )
    assert caught.value.field == "organisation"
    session.rollback()
    assert judgement.load(session, assessment).capacity == ()


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"theme": "asb", "rating": "0"}, "rating", "from 1 to 5"),
        ({"theme": "asb", "rating": "6"}, "rating", "from 1 to 5"),
        ({"theme": "asb", "rating": "two"}, "rating", "whole number"),
        ({"theme": "asb", "rating": ""}, "rating", "choose"),
        ({"theme": "cyber", "rating": "3"}, "theme", "not one of this assessment's themes"),
        ({"theme": "asb", "rating": "3", "comment": "x" * 2001}, "comment", "2,000"),
    ],
)
def test_capacity_is_checked_field_by_field(
    session: Session, people: People, fields: dict, field: str, words: str
) -> None:
    assessment = _new(session, people)
    with pytest.raises(JudgementError) as caught:
        judgement.add_capacity(session, assessment, _user(session, people.partner), **fields)
    assert caught.value.field == field
    assert words in caught.value.reason


def test_horizon_items_are_checked_listed_and_withdrawn(session: Session, people: People) -> None:
    assessment = _new(session, people)
    analyst = _user(session, people.analyst)
    bad = [
        ({"category": "weather"}, "category"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": ""}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"themes": ["asb", "cyber"]}, "themes"),
    ]
    good = {"category": "economic", "title": "Cost of living", "description": "Rising prices."}
    for change, field in bad:
        with pytest.raises(JudgementError) as caught:
            judgement.add_horizon(session, assessment, analyst, **(good | change))
        assert caught.value.field == field, change
    first = judgement.add_horizon(session, assessment, analyst, **good, themes=["asb", "asb"])
    judgement.add_horizon(
        session,
        assessment,
        analyst,
        category="political",
        title="Elections",
        description="New commissioner.",
    )
    session.commit()
    loaded = judgement.load(session, assessment)
    # PESTELO order: political before economic.
    assert [(h.category, h.title, h.themes) for h in loaded.horizon] == [
        ("political", "Elections", ()),
        ("economic", "Cost of living", ("asb",)),
    ]
    judgement.withdraw_horizon(session, assessment, analyst, first.id)
    session.commit()
    assert [h.title for h in judgement.load(session, assessment).horizon] == ["Elections"]
    assert session.get(HorizonItem, first.id) is not None  # kept, marked withdrawn
    with pytest.raises(JudgementError):
        judgement.withdraw_horizon(session, assessment, analyst, first.id)
    with pytest.raises(LookupError):
        judgement.withdraw_horizon(session, assessment, analyst, 10**9)
    assert _events(session, assessment, "assessment.horizon_withdrawn")[0]["_action"] == (
        "alteration"
    )


def test_overrides_need_a_justification_and_a_withdrawn_latest_means_none(
    session: Session, people: People
) -> None:
    assessment = _new(session, people)
    analyst = _user(session, people.analyst)
    reason = "Partners report a sharp rise not yet in the data."
    for change, field in (
        ({"component": "volume"}, "component"),
        ({"value": "9"}, "value"),
        ({"theme": "cyber"}, "theme"),
        ({"justification": ""}, "justification"),
        ({"justification": "too short"}, "justification"),
    ):
        fields = {"theme": "drugs", "component": "harm", "value": "4", "justification": reason}
        with pytest.raises(JudgementError) as caught:
            judgement.add_override(session, assessment, analyst, **(fields | change))
        assert caught.value.field == field, change
    judgement.add_override(
        session, assessment, analyst, theme="drugs", component="harm", value=3, justification=reason
    )
    latest = judgement.add_override(
        session, assessment, analyst, theme="drugs", component="harm", value=5, justification=reason
    )
    judgement.add_override(
        session,
        assessment,
        analyst,
        theme="asb",
        component="likelihood",
        value=2,
        justification=reason,
    )
    session.commit()
    loaded = judgement.load(session, assessment)
    assert [(o.theme, o.component, o.value) for o in loaded.overrides] == [
        ("asb", "likelihood", 2),
        ("drugs", "harm", 5),
    ]
    judgement.withdraw_override(session, assessment, analyst, latest.id)
    session.commit()
    # The withdrawn entry was the latest for drugs/harm: no override, not the earlier one.
    assert [(o.theme, o.component) for o in judgement.load(session, assessment).overrides] == [
        ("asb", "likelihood")
    ]


def test_narratives_latest_per_theme_and_an_empty_text_clears(
    session: Session, people: People
) -> None:
    assessment = _new(session, people)
    analyst = _user(session, people.analyst)
    judgement.set_narrative(session, assessment, analyst, theme="summary", text="First.")
    judgement.set_narrative(session, assessment, analyst, theme="summary", text="Second.")
    judgement.set_narrative(session, assessment, analyst, theme="drugs", text="Drugs text.")
    session.commit()
    assert [(n.theme, n.text) for n in judgement.load(session, assessment).narratives] == [
        ("summary", "Second."),
        ("drugs", "Drugs text."),
    ]
    judgement.set_narrative(session, assessment, analyst, theme="drugs", text="  ")
    with pytest.raises(JudgementError) as caught:
        judgement.set_narrative(session, assessment, analyst, theme="drugs", text="x" * 10_001)
    assert caught.value.field == "text"
    with pytest.raises(JudgementError) as caught:
        judgement.set_narrative(session, assessment, analyst, theme="cyber", text="No.")
    assert caught.value.field == "theme"
    session.commit()
    assert [n.theme for n in judgement.load(session, assessment).narratives] == ["summary"]


def test_nothing_changes_once_approved(session: Session, people: People) -> None:
    assessment = _new(session, people)
    analyst = _user(session, people.analyst)
    item = judgement.add_horizon(
        session, assessment, analyst, category="legal", title="New act", description="Text."
    )
    session.commit()
    assessment.status = Status.APPROVED.value  # as workflow.approve leaves it
    session.commit()
    partner = _user(session, people.partner)
    attempts = [
        lambda: judgement.add_capacity(session, assessment, partner, theme="asb", rating=2),
        lambda: judgement.add_horizon(
            session, assessment, analyst, category="legal", title="T", description="D"
        ),
        lambda: judgement.withdraw_horizon(session, assessment, analyst, item.id),
        lambda: judgement.add_override(
            session,
            assessment,
            analyst,
            theme="asb",
            component="harm",
            value=2,
            justification="A long enough justification.",
        ),
        lambda: judgement.set_narrative(session, assessment, analyst, theme="asb", text="T"),
    ]
    for attempt in attempts:
        with pytest.raises(JudgementError) as caught:
            attempt()
        assert caught.value.field == "status"
        assert "reopen it as a new version" in caught.value.reason
    session.rollback()
    assert len(judgement.load(session, assessment).horizon) == 1
