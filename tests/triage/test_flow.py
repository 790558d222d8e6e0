"""Triage wired to the database (``triage.flow``, ``triage.link_store``): a sanitised report gets
themes, stored mentions linked across reports, duplicate suggestions, a priority with its
components and an owner; owners are told, an unroutable report raises an alert, analysts'
link decisions are audited and honoured. SQLite and, when configured, PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from beacon.access.policy import Action, Principal, decide
from beacon.audit.models import AuditEvent
from beacon.auth.models import Organisation
from beacon.auth.service import create_organisation, create_user
from beacon.intake import service as intake
from beacon.intake.models import IntelReport, LocationMode, SubjectKind, SubjectRole
from beacon.intake.schemas import Grading, SubjectIn, Where
from beacon.notify.models import Notification, OutboxMessage
from beacon.triage import classifier, flow, link_store
from beacon.triage.models import DuplicateLink, EntityMatch, EntityMention, RouteRule, TriageResult
from triage.test_themes import SYSTEM, World, report_in
from triage.test_themes import world as world

PHONE_TEXT = (
    "Lads from the city use a deal line 07700 900123 and a grey Golf AB12 CDE outside "
    "14 Mill Lane, Leeds. Jordan Reilly runs it."
)


def _sanitise(world: World, narrative: str, **changes: object) -> str:
    changes.setdefault("subjects", ())  # report_in's "Tenant" would link every report
    data = dataclasses.replace(report_in(None), narrative=narrative, **changes)  # type: ignore[arg-type]
    _, _, partner, partner_actor = world.people["partner"]
    _, _, principal, actor = world.people["supervisor"]
    with world.runtime.sessions() as session:
        submitted = intake.create_partner_report(
            session, principal=partner, actor=partner_actor, data=data, settings=world.settings
        )
        report = session.get(IntelReport, submitted.report_id)
        assert report is not None
        intake.sanitise(
            session,
            report=report,
            principal=principal,
            actor=actor,
            narrative=narrative,
            assessment=None,
            location_text=None,
            summary="Report",
        )
        flow.triage_report(session, report, data_dir=world.settings.data_dir)
        session.commit()
        return report.id


def _org(world: World, name: str) -> int:
    with world.runtime.sessions() as session:
        org = create_organisation(session, name=name, org_type="district_council", actor=SYSTEM)
        create_user(
            session,
            organisation_id=org.id,
            email=f"analyst@{name.lower().replace(' ', '')}.example",
            display_name=f"{name} analyst",
            password="lantern-quartz-harbour-58",
            roles=("analyst",),
            actor=SYSTEM,
        )
        session.commit()
        return org.id


def _rule(world: World, **fields: object) -> None:
    with world.runtime.sessions() as session:
        session.add(RouteRule(**fields))
        session.commit()


def test_a_triaged_report_stores_mentions_priority_and_without_rules_raises_an_alert(
    world: World,
) -> None:
    report_id = _sanitise(world, PHONE_TEXT, subjects=report_in(None).subjects)
    with world.runtime.sessions() as session:
        result = session.get(TriageResult, report_id)
        assert result is not None
        # No model has been built in this data directory: themes come from hints only and
        # the result says so.
        assert result.theme_source == "hints"
        assert result.route_state == "unroutable"
        assert "no fallback owner" in result.route_why
        assert result.priority_band in ("P1", "P2", "P3", "P4")
        components = {c["name"] for c in json.loads(result.priority_json)["components"]}
        assert {"threat", "harm", "risk", "vulnerability", "immediacy"} <= components
        mentions = {
            (m.entity_type, m.value, m.source)
            for m in session.scalars(
                select(EntityMention).where(EntityMention.report_id == report_id)
            )
        }
        assert ("phone", "+447700900123", "text") in mentions
        assert ("vehicle", "AB12CDE", "text") in mentions
        assert ("person", "Tenant", "subject") in mentions  # the partner's structured subject
        text_spans = session.scalars(
            select(EntityMention).where(
                EntityMention.report_id == report_id, EntityMention.entity_type == "phone"
            )
        ).one()
        assert PHONE_TEXT[text_spans.start : text_spans.end] == "07700 900123"
        # The supervisor and the administrator are told, in the app and by e-mail.
        told = session.scalars(select(Notification)).all()
        assert {n.purpose for n in told} == {"triage_unroutable"}
        supervisor_id, admin_id = world.people["supervisor"][0], world.people["admin"][0]
        assert {n.user_id for n in told} == {supervisor_id, admin_id}
        mails = session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == "triage_unroutable")
        ).all()
        assert {m.recipient for m in mails} == {"supervisor@hub.example", "admin@hub.example"}
        assert all(PHONE_TEXT not in m.body for m in mails)  # the reference, not the content
        assert flow.unroutable_count(session) == 1
    assert len(world.events("intel.unroutable")) == 1
    assert json.loads(world.events("intel.triaged")[-1].details_json)["route"] == "unroutable"


def test_rules_route_to_an_owner_who_is_told_and_may_then_read_the_report(world: World) -> None:
    council = _org(world, "Lakeside Council")
    _rule(world, position=1, area_level="any", area_code=None, theme_key=None,
          owner_organisation_id=council, team="Community safety", fallback=True)  # fmt: skip
    c_coded = dataclasses.replace(
        report_in(None).grading, handling_code="C", handling_conditions="Police only"
    )
    report_id = _sanitise(world, PHONE_TEXT, grading=c_coded)
    with world.runtime.sessions() as session:
        report = session.get(IntelReport, report_id)
        result = session.get(TriageResult, report_id)
        assert report is not None and result is not None
        assert result.route_state == "fallback"
        assert report.assigned_organisation_id == council
        assert report.assigned_team == "Community safety"
        told = session.scalars(select(Notification)).all()
        assert [n.purpose for n in told] == ["triage_routed"]
        assert told[0].link == f"/intake/{report_id}"
        # The owner's analyst reads the C-coded report; another council's does not, and the
        # owner never gets the source details or the original.
        owner = Principal.for_user(999, council, ("analyst",))
        other = Principal.for_user(998, council + 1000, ("analyst",))
        seen = decide(owner, report, Action.VIEW)
        assert seen.allowed and "routed" in seen.reason
        assert not decide(other, report, Action.VIEW).allowed
        owner_supervisor = Principal.for_user(997, council, ("intelligence_supervisor",))
        assert not decide(owner_supervisor, report, Action.VIEW_ORIGINAL).allowed
        assert not decide(owner_supervisor, report, Action.SANITISE).allowed
    assert (
        json.loads(world.events("intel.routed")[-1].details_json)["owner_organisation"] == council
    )


def test_a_more_specific_rule_wins_and_reroutes_after_a_theme_correction(world: World) -> None:
    council = _org(world, "Lakeside Council")
    police = _org(world, "Exploitation Team")
    _rule(world, position=1, area_level="any", area_code=None, theme_key=None,
          owner_organisation_id=council, team=None, fallback=True)  # fmt: skip
    _rule(world, position=2, area_level="any", area_code=None, theme_key="county_lines",
          owner_organisation_id=police, team=None, fallback=False)  # fmt: skip
    report_id = _sanitise(world, PHONE_TEXT)
    from beacon.triage.corrections import correct_themes

    with world.runtime.sessions() as session:
        report = session.get(IntelReport, report_id)
        assert report is not None and report.assigned_organisation_id == council
        correct_themes(
            session, actor=SYSTEM, user_id=None, report=report, themes=["county_lines", "drugs"]
        )
        flow.refresh(session, report)
        session.commit()
    with world.runtime.sessions() as session:
        report = session.get(IntelReport, report_id)
        result = session.get(TriageResult, report_id)
        assert report is not None and result is not None
        assert report.assigned_organisation_id == police
        assert result.themes == ("county_lines", "drugs")
        assert result.theme_source == "analyst"
        assert "theme county_lines" in result.route_why


def test_mentions_link_across_reports_with_reasons_and_analysts_can_split_and_undo(
    world: World,
) -> None:
    first = _sanitise(world, "Jordan Reilly sells from the flat, phone 07700 900123.")
    second = _sanitise(world, "Saw Jordan Reily again. Number is 07700900123 on the card.")
    third = _sanitise(world, "A different lad, Jordan Kelly, hangs about the shops.")
    with world.runtime.sessions() as session:
        assert link_store.entity_key_for(session, "person:jordan reily") == (
            link_store.entity_key_for(session, "person:Jordan Reilly")
        )
        entity = link_store.entity_key_for(session, "person:jordan reilly")
        assert entity is not None
        reports = {m.report_id for m in link_store.entity_mentions(session, entity)}
        assert reports == {first, second}
        assert link_store.entity_key_for(session, "person:jordan kelly") != entity
        reasons = link_store.entity_matches(session, entity)
        assert [(r.rule, r.key_a, r.key_b) for r in reasons] == [
            ("person-name", "person:jordan reilly", "person:jordan reily")
        ]
        assert set(link_store.linked_reports(session, first)) == {second}
        assert third not in link_store.linked_reports(session, first)
        decision = link_store.decide(
            session,
            kind="split",
            key_a="person:jordan reilly",
            key_b="person:Jordan Reily",
            reason="Different dates of birth on the PNC",
            actor=SYSTEM,
            user_id=None,
        )
        session.commit()
        assert link_store.entity_key_for(session, "person:jordan reily") != (
            link_store.entity_key_for(session, "person:jordan reilly")
        )
        # The phone still links the two reports.
        assert set(link_store.linked_reports(session, first)) == {second}
        link_store.withdraw(session, decision_id=decision.id, actor=SYSTEM, reason="Wrong record")
        session.commit()
        assert link_store.entity_key_for(session, "person:jordan reily") == (
            link_store.entity_key_for(session, "person:jordan reilly")
        )
        with pytest.raises(link_store.LinkError, match="no report mentions"):
            link_store.decide(
                session, kind="confirm", key_a="person:jordan reilly", key_b="person:nobody here",
                reason="x", actor=SYSTEM, user_id=None,
            )  # fmt: skip
        with pytest.raises(link_store.LinkError, match="say why"):
            link_store.decide(
                session, kind="confirm", key_a="person:jordan reilly",
                key_b="person:jordan kelly", reason="  ", actor=SYSTEM, user_id=None,
            )  # fmt: skip
    assert [e.event for e in world.events("triage.link_split")] == ["triage.link_split"]
    assert world.events("triage.link_withdrawn")[0].justification == "Wrong record"


def test_incremental_linking_agrees_with_linking_everything(world: World) -> None:
    texts = [
        "A lad known as Lil T deals by the garages with one who goes by Smokey, 07700 900111.",
        "A boy who goes by LilT was there again at 3 Elm Court Road, Leeds.",
        "Someone known as Lil-T knocks at 3 elm court rd.",
        "Aaron Featherstone and Alan Featherstone shout at the neighbours.",
    ]
    for text in texts:
        _sanitise(world, text)
    with world.runtime.sessions() as session:
        before = {m.id: m.entity_key for m in session.scalars(select(EntityMention))}
        matches_before = sorted(
            (m.rule, m.key_a, m.key_b) for m in session.scalars(select(EntityMatch))
        )
        link_store.relink_all(session)
        session.flush()
        after = {m.id: m.entity_key for m in session.scalars(select(EntityMention))}
        matches_after = sorted(
            (m.rule, m.key_a, m.key_b) for m in session.scalars(select(EntityMatch))
        )
        assert before == after
        assert matches_before == matches_after
        keys = {m.value_key: m.entity_key for m in session.scalars(select(EntityMention))}
        assert keys["nickname:lil t"] == keys["nickname:lilt"] == keys["nickname:lil-t"]
        assert keys["address:3 Elm Court Road"] == keys["address:3 Elm Court Road, Leeds"]
        assert keys["person:aaron featherstone"] != keys["person:alan featherstone"]


def test_a_near_copy_is_suggested_as_a_duplicate_once(world: World) -> None:
    text = (
        "Every night around 11pm a silver car parks outside the flats on Elm Road and two "
        "teenagers go into the stairwell for five minutes, then the car drives off fast."
    )
    here = Where(mode=LocationMode.POINT, latitude=50.8301, longitude=-0.1102)
    near = Where(mode=LocationMode.POINT, latitude=50.8303, longitude=-0.1100)
    elsewhere = Where(mode=LocationMode.POINT, latitude=50.9, longitude=-0.2)
    first = _sanitise(world, text, where=here)
    second = _sanitise(world, text.replace("Every night", "Most nights"), where=near)
    _sanitise(world, text, where=elsewhere)  # the same words 9 km away: another incident
    with world.runtime.sessions() as session:
        pairs = session.scalars(select(DuplicateLink)).all()
        assert [(p.report_a, p.report_b) for p in pairs] == [tuple(sorted((first, second)))]
        assert pairs[0].state == "suggested" and pairs[0].similarity >= 0.6
        report = session.get(IntelReport, second)
        assert report is not None
        flow.triage_report(session, report, data_dir=world.settings.data_dir)
        session.commit()
        assert len(session.scalars(select(DuplicateLink)).all()) == 1


def test_the_trained_model_classifies_and_a_missing_one_falls_back(
    world: World, tmp_path: Path
) -> None:
    corpus = classifier.load_corpus(themes=[k for k in _active(world)])
    small = [e for e in corpus if e.themes[0] in ("county_lines", "asb", "domestic_abuse")][:240]
    model = classifier.train(small, ("county_lines", "asb", "domestic_abuse"))
    classifier.save(model, classifier.model_path(world.settings.data_dir))
    report_id = _sanitise(
        world, "Kids from the city going country, trap house by the park, runners all day."
    )
    with world.runtime.sessions() as session:
        result = session.get(TriageResult, report_id)
        assert result is not None
        assert result.theme_source == "model"
        assert result.themes[0] == "county_lines"
        assert result.model_version and len(result.model_version) == 12
        assert 0 < result.scores["county_lines"] <= 1


def _active(world: World) -> Iterator[str]:
    with world.runtime.sessions() as session:
        from beacon.triage.service import catalogue

        yield from catalogue(session).active


def test_route_by_hand_needs_a_reason_and_clears_the_alert(world: World) -> None:
    report_id = _sanitise(world, PHONE_TEXT)
    council = _org(world, "Lakeside Council")
    user_id = world.people["supervisor"][0]
    with world.runtime.sessions() as session:
        report = session.get(IntelReport, report_id)
        assert report is not None
        with pytest.raises(flow.TriageError, match="say why"):
            flow.route_by_hand(session, report=report, organisation_id=council, team=None,
                               reason=" ", actor=SYSTEM, user_id=user_id)  # fmt: skip
        flow.route_by_hand(session, report=report, organisation_id=council, team="ASB team",
                           reason="Estate ASB lead", actor=SYSTEM, user_id=user_id)  # fmt: skip
        session.commit()
        result = session.get(TriageResult, report_id)
        assert result is not None and result.route_state == "routed"
        assert flow.unroutable_count(session) == 0
        assert session.get(Organisation, council) is not None
        assert report.assigned_team == "ASB team"
    assert world.events("intel.routed_by_hand")[0].justification == "Estate ASB lead"


def test_audit_events_name_no_content(world: World) -> None:
    _sanitise(world, PHONE_TEXT)
    with world.runtime.sessions() as session:
        for event in session.scalars(select(AuditEvent).where(AuditEvent.event.like("intel.%"))):
            assert "07700" not in event.details_json


def test_subjects_are_merged_with_text_mentions(world: World) -> None:
    subjects = (
        SubjectIn(kind=SubjectKind.PHONE, value="07700 900123", role=SubjectRole.SUSPECT),
        SubjectIn(kind=SubjectKind.VEHICLE, value="ab12 cde", role=SubjectRole.SUSPECT),
        SubjectIn(kind=SubjectKind.ORGANISATION, value="Acme Ltd", role=SubjectRole.OTHER),
    )
    first = _sanitise(world, "Nothing identifying in the text at all.", subjects=subjects)
    second = _sanitise(world, PHONE_TEXT, grading=Grading("2", "B", "P"))
    with world.runtime.sessions() as session:
        assert set(link_store.linked_reports(session, first)) == {second}
        shared = link_store.linked_reports(session, first)[second]
        assert shared == ["phone:+447700900123", "vehicle:AB12CDE"]


def test_linking_a_new_report_reads_only_the_blocks_it_touches(world: World) -> None:
    for n in range(12):
        _sanitise(world, f"Deal line 07700 9001{n:02d} used by Dean Tyler{'s' * n} on the estate.")
    new = _sanitise(world, "Ring 07700 900105 for Dean Tylersssss, they say.")
    with world.runtime.sessions() as session:
        report = session.get(IntelReport, new)
        assert report is not None
        total = len(session.scalars(select(EntityMention)).all())
        blocks = link_store.store_mentions(session, report)
        looked_at = link_store.relink(session, blocks)
        # The phone's block is its own key (2 mentions); the person's block holds every
        # "D... T..." name (13): far fewer than the whole store.
        assert looked_at == 2 + 13
        assert total == 26
        assert blocks == {"phone:+447700900105", "person~dt"}


def test_erasing_a_report_erases_its_mentions_and_links(world: World) -> None:
    first = _sanitise(world, "Jordan Reilly sells from the flat, phone 07700 900123.")
    second = _sanitise(world, "Saw Jordan Reily again. Number is 07700900123 on the card.")
    with world.runtime.sessions() as session:
        assert session.scalars(select(EntityMatch)).all()
        erased = intake.erase_report(session, second)
        session.commit()
        assert "entities" in erased
        assert not session.scalars(
            select(EntityMention).where(EntityMention.report_id == second)
        ).all()
        assert link_store.linked_reports(session, first) == {}
        # The fuzzy match was only there because of the erased report's spelling.
        assert session.scalars(select(EntityMatch)).all() == []
