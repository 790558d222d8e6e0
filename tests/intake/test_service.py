"""Intake services: creating reports, the workflow, access, keep-in-contact, erasure."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.access.policy import Action
from beacon.audit.models import AuditEvent
from beacon.audit.verify import verify_chain
from beacon.config import Settings
from beacon.intake import service
from beacon.intake.models import (
    IntelMessage,
    IntelPhoto,
    IntelRawSubmission,
    IntelReport,
    IntelReportIndicator,
    IntelSubject,
    State,
)
from beacon.intake.schemas import ContactDetails, Grading
from beacon.notify.models import OutboxMessage
from beacon.retention.models import RetentionReview
from beacon.retention.service import decide as retention_decide
from beacon.sanitise.photos import PhotoStore, clean_photo

from . import factories as f


@pytest.fixture
def world(db: Session, settings: Settings) -> dict[str, f.Person]:
    service.configure_photo_directory(settings)
    home = f.organisation(db, "Home Police")
    other = f.organisation(db, "Other Council")
    people = {
        "supervisor": f.person(db, home, "intelligence_supervisor"),
        "analyst": f.person(db, home, "analyst"),
        "partner": f.person(db, home, "partner_contributor"),
        "other_partner": f.person(db, home, "partner_contributor"),
        "other_supervisor": f.person(db, other, "intelligence_supervisor"),
        "other_analyst": f.person(db, other, "analyst"),
        "admin": f.person(db, home, "admin"),
    }
    db.commit()
    return people


def _events(db: Session, record_id: str) -> list[AuditEvent]:
    return list(
        db.scalars(
            select(AuditEvent).where(AuditEvent.record_id == record_id).order_by(AuditEvent.seq)
        )
    )


def _resident(db: Session, world: dict[str, f.Person], **kwargs: object) -> IntelReport:
    submitted = service.create_resident_report(
        db,
        data=f.resident_report(**kwargs),  # type: ignore[arg-type]
        organisation_id=world["supervisor"].organisation_id,
    )
    db.commit()
    report = db.get(IntelReport, submitted.report_id)
    assert report is not None
    return report


def test_resident_report_is_two_records_with_a_working_code(
    db: Session, world: dict[str, f.Person]
) -> None:
    contact = ContactDetails(name="Jo Bloggs", email="jo@example.org")
    submitted = service.create_resident_report(
        db,
        data=f.resident_report(contact=contact),
        organisation_id=world["supervisor"].organisation_id,
    )
    db.commit()
    report = db.get(IntelReport, submitted.report_id)
    assert report is not None
    assert report.state == State.RECEIVED
    assert report.received_on == dt.datetime.now(dt.UTC).date()
    assert report.narrative is None  # nothing staff-facing until a supervisor sanitises it
    assert report.restricted and report.handling_code == "C"
    raw = db.scalar(select(IntelRawSubmission).where(IntelRawSubmission.report_id == report.id))
    assert raw is not None and raw.contact_email == "jo@example.org"
    # The code is shown once; only an Argon2 hash of its secret half is stored.
    assert submitted.resident_code is not None
    secret_half = submitted.resident_code.replace("-", "")[8:]
    assert report.contact_secret_hash.startswith("$argon2id$")
    assert secret_half not in report.contact_secret_hash
    assert service.find_by_code(db, submitted.resident_code) is not None
    assert service.find_by_code(db, submitted.resident_code.lower().replace("-", " ")) is not None
    wrong = submitted.resident_code[:-1] + ("0" if submitted.resident_code[-1] != "0" else "1")
    assert service.find_by_code(db, wrong) is None
    assert service.find_by_code(db, "not a code") is None
    # Collected, audited at the start of the day (no precise time for residents).
    (event,) = [e for e in _events(db, report.id) if e.event == "intel.resident_report_received"]
    occurred = event.occurred_at.astimezone(dt.UTC)
    assert (occurred.hour, occurred.minute, occurred.second, occurred.microsecond) == (0, 0, 0, 0)
    assert event.actor_kind == "system" and event.details_json.count("jo@") == 0
    review = db.scalar(select(RetentionReview).where(RetentionReview.record_id == report.id))
    assert review is not None


def test_anonymous_by_default(db: Session, world: dict[str, f.Person]) -> None:
    report = _resident(db, world)
    raw = db.scalar(select(IntelRawSubmission).where(IntelRawSubmission.report_id == report.id))
    assert raw is not None
    assert (raw.contact_name, raw.contact_email, raw.contact_phone) == (None, None, None)


def test_workflow_received_to_disseminated_is_audited(
    db: Session, world: dict[str, f.Person]
) -> None:
    report = _resident(db, world)
    sup = world["supervisor"]
    with pytest.raises(service.IntakeError, match="needs it to be sanitised"):
        service.grade(
            db,
            report=report,
            principal=sup.principal,
            actor=sup.actor,
            grading=Grading("2", "C", "P"),
            theme="drugs",
        )
    service.sanitise(
        db,
        report=report,
        principal=sup.principal,
        actor=sup.actor,
        narrative="Men dealing drugs from a car outside a shop in the evenings.",
        assessment=None,
        location_text="Station Road",
        summary="Street dealing, Station Road",
    )
    service.grade(
        db,
        report=report,
        principal=sup.principal,
        actor=sup.actor,
        grading=Grading("2", "C", "P"),
        theme="drugs",
    )
    service.disseminate(db, report=report, principal=sup.principal, actor=sup.actor)
    db.commit()
    assert report.state == State.DISSEMINATED
    names = [e.event for e in _events(db, report.id)]
    assert names == [
        "intel.resident_report_received",
        "intel.sanitised",
        "intel.graded",
        "intel.disseminated",
    ]
    review = db.scalar(select(RetentionReview).where(RetentionReview.record_id == report.id))
    assert review is not None and (review.theme, review.grade) == ("drugs", "C")
    assert verify_chain(db).ok


def test_only_the_owning_supervisors_work_on_a_report(
    db: Session, world: dict[str, f.Person]
) -> None:
    report = _resident(db, world)
    for who in ("analyst", "partner", "other_supervisor", "admin"):
        p = world[who]
        with pytest.raises(service.NotFound):
            service.sanitise(
                db,
                report=report,
                principal=p.principal,
                actor=p.actor,
                narrative="x" * 20,
                assessment=None,
                location_text=None,
                summary=None,
            )
        with pytest.raises(service.NotFound):
            service.read_original(
                db, report=report, principal=p.principal, actor=p.actor, justification="check"
            )
    assert report.state == State.RECEIVED


def test_reading_the_original_needs_a_reason_and_is_audited(
    db: Session, world: dict[str, f.Person]
) -> None:
    report = _resident(db, world)
    sup = world["supervisor"]
    from beacon.audit.service import JustificationRequired

    with pytest.raises(JustificationRequired):
        service.read_original(
            db, report=report, principal=sup.principal, actor=sup.actor, justification="  "
        )
    raw = service.read_original(
        db, report=report, principal=sup.principal, actor=sup.actor, justification="sanitising"
    )
    db.commit()
    assert raw.narrative.startswith("Men dealing")
    (event,) = [e for e in _events(db, report.id) if e.event == "intel.original_viewed"]
    assert event.justification == "sanitising" and event.actor_id == sup.user_id


def test_analysts_see_only_disseminated_reports(db: Session, world: dict[str, f.Person]) -> None:
    report = _resident(db, world)
    analyst = world["analyst"]
    assert service.list_reports(db, principal=analyst.principal) == []
    with pytest.raises(service.NotFound):
        service.get_report(db, report_id=report.id, principal=analyst.principal, action=Action.VIEW)
    sup = world["supervisor"]
    assert [r.id for r in service.list_reports(db, principal=sup.principal)] == [report.id]
    service.sanitise(
        db,
        report=report,
        principal=sup.principal,
        actor=sup.actor,
        narrative="Dealing seen outside a shop.",
        assessment=None,
        location_text=None,
        summary=None,
    )
    service.grade(
        db,
        report=report,
        principal=sup.principal,
        actor=sup.actor,
        grading=Grading("2", "C", "C", "Police only"),
        theme="drugs",
    )
    service.disseminate(db, report=report, principal=sup.principal, actor=sup.actor)
    db.commit()
    assert [r.id for r in service.list_reports(db, principal=analyst.principal)] == [report.id]
    # C-coded: not for another organisation's analysts.
    other = world["other_analyst"]
    assert service.list_reports(db, principal=other.principal) == []


def test_partner_report_keeps_facts_assessment_subjects_and_indicators_apart(
    db: Session, world: dict[str, f.Person]
) -> None:
    indicators = service.list_indicators(db)
    cuckooing = [i for i in indicators if i.theme == "cuckooing"][:3]
    assert len(cuckooing) == 3 and all(i.weight > 0 for i in cuckooing)
    partner = world["partner"]
    submitted = service.create_partner_report(
        db,
        principal=partner.principal,
        actor=partner.actor,
        data=f.partner_report(indicator_ids=tuple(i.id for i in cuckooing)),
        settings=Settings(environment="test"),
    )
    db.commit()
    report = db.get(IntelReport, submitted.report_id)
    assert report is not None and report.submitted_by_user_id == partner.user_id
    raw = db.scalar(select(IntelRawSubmission).where(IntelRawSubmission.report_id == report.id))
    assert raw is not None
    assert raw.narrative.startswith("Tenant seen") and raw.assessment.startswith("I believe")
    roles = sorted(
        (s.kind, s.role)
        for s in db.scalars(select(IntelSubject).where(IntelSubject.report_id == report.id))
    )
    assert roles == [("person", "suspect"), ("person", "victim"), ("vehicle", "suspect")]
    assert service.indicator_scores(db, report.id) == {
        "cuckooing": sum(i.weight for i in cuckooing)
    }
    # An admin reweighting an indicator later does not change what this report scored.
    first = cuckooing[0]
    service.save_indicator(
        db,
        actor=world["admin"].actor,
        theme="cuckooing",
        code=first.code,
        label=first.label,
        weight=first.weight + 5,
    )
    db.commit()
    stored = db.scalars(
        select(IntelReportIndicator.weight).where(IntelReportIndicator.report_id == report.id)
    ).all()
    assert sum(stored) == service.indicator_scores(db, report.id)["cuckooing"]
    assert (report.source_evaluation, report.intelligence_assessment, report.handling_code) == (
        "1",
        "B",
        "C",
    )
    # The submitting partner sees their own report; another partner of the same org does not.
    assert [r.id for r in service.list_reports(db, principal=partner.principal)] == [report.id]
    assert service.list_reports(db, principal=world["other_partner"].principal) == []


def test_immediate_risk_queues_mail_for_on_duty_supervisors(
    db: Session, world: dict[str, f.Person]
) -> None:
    sup = world["supervisor"]
    second = f.person(db, sup.organisation_id, "intelligence_supervisor")
    service.set_on_duty(
        db,
        user_id=second.user_id,
        organisation_id=sup.organisation_id,
        on_duty=True,
        actor=second.actor,
    )
    partner = world["partner"]
    submitted = service.create_partner_report(
        db,
        principal=partner.principal,
        actor=partner.actor,
        data=f.partner_report(immediate_risk=True),
        settings=Settings(environment="test"),
    )
    db.commit()
    mails = db.scalars(select(OutboxMessage)).all()
    assert [m.recipient for m in mails] == [second.email]
    assert submitted.reference in mails[0].subject
    assert "Tenant seen" not in mails[0].body  # the content stays behind sign-in
    # Nobody on duty: every supervisor of the organisation is told.
    service.set_on_duty(
        db,
        user_id=second.user_id,
        organisation_id=sup.organisation_id,
        on_duty=False,
        actor=second.actor,
    )
    service.create_partner_report(
        db,
        principal=partner.principal,
        actor=partner.actor,
        data=f.partner_report(immediate_risk=True),
        settings=Settings(environment="test"),
    )
    db.commit()
    later = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[1:]
    assert sorted(m.recipient for m in later) == sorted([sup.email, second.email])


def test_keep_in_contact_answers_are_raw_until_sanitised(
    db: Session, world: dict[str, f.Person]
) -> None:
    submitted = service.create_resident_report(
        db, data=f.resident_report(), organisation_id=world["supervisor"].organisation_id
    )
    db.commit()
    report = db.get(IntelReport, submitted.report_id)
    assert report is not None and submitted.resident_code
    sup = world["supervisor"]
    service.ask_reporter(
        db,
        report=report,
        principal=sup.principal,
        actor=sup.actor,
        question="What colour was the car?",
    )
    db.commit()
    found = service.find_by_code(db, submitted.resident_code)
    assert found is not None
    service.answer_from_reporter(db, report=found, text="Blue. Call me on 07700 900123.")
    db.commit()
    messages = service.messages_for(db, report.id)
    assert [(m.direction, m.sanitised_body) for m in messages] == [
        ("to_reporter", "What colour was the car?"),
        ("from_reporter", None),
    ]
    service.sanitise_message(
        db,
        report=report,
        message=messages[1],
        principal=sup.principal,
        actor=sup.actor,
        text="Blue. [PHONE REMOVED]",
    )
    db.commit()
    assert messages[1].sanitised_body == "Blue. [PHONE REMOVED]"
    answered = [e for e in _events(db, report.id) if e.event == "intel.reporter_answered"]
    assert answered[0].occurred_at.astimezone(dt.UTC).hour == 0


def test_contact_details_cannot_survive_sanitisation(
    db: Session, world: dict[str, f.Person]
) -> None:
    report = _resident(db, world, contact=ContactDetails(name="Jo Bloggs", phone="07700 900999"))
    sup = world["supervisor"]
    with pytest.raises(service.IntakeError, match="contact details"):
        service.sanitise(
            db,
            report=report,
            principal=sup.principal,
            actor=sup.actor,
            narrative="Reported by Jo Bloggs about dealing.",
            assessment=None,
            location_text=None,
            summary=None,
        )


def test_closing_needs_a_reason(db: Session, world: dict[str, f.Person]) -> None:
    report = _resident(db, world)
    sup = world["supervisor"]
    with pytest.raises(service.IntakeError, match="why"):
        service.close(db, report=report, principal=sup.principal, actor=sup.actor, reason=" ")
    service.close(
        db,
        report=report,
        principal=sup.principal,
        actor=sup.actor,
        reason="Duplicate of an earlier report",
    )
    db.commit()
    assert report.state == State.CLOSED
    (event,) = [e for e in _events(db, report.id) if e.event == "intel.closed"]
    assert event.justification == "Duplicate of an earlier report"


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_retention_disposal_erases_everything_personal(
    db: Session, world: dict[str, f.Person], settings: Settings
) -> None:
    store = PhotoStore(service.photo_directory())
    names: list[str] = []
    submitted = service.create_resident_report(
        db,
        data=f.resident_report(contact=ContactDetails(email="jo@example.org")),
        organisation_id=world["supervisor"].organisation_id,
        photos=[clean_photo(_jpeg())],
        store=store,
        saved_names=names,
    )
    db.commit()
    assert len(names) == 1 and store.path(names[0]).exists()
    review = db.scalar(
        select(RetentionReview).where(RetentionReview.record_id == submitted.report_id)
    )
    assert review is not None
    sup = world["supervisor"]
    outcome = retention_decide(
        db,
        review_id=review.id,
        decision="dispose",
        reason="No further value",
        actor=sup.actor,
        decided_by_user_id=sup.user_id,
    )
    db.commit()
    assert "original" in outcome.erased_fields and "photos" in outcome.erased_fields
    report = db.get(IntelReport, submitted.report_id)
    assert report is not None and report.erased and report.contact_locator is None
    assert db.scalar(select(IntelRawSubmission)) is None
    assert db.scalar(select(IntelPhoto)) is None and db.scalar(select(IntelMessage)) is None
    assert not store.path(names[0]).exists()
    assert service.find_by_code(db, submitted.resident_code or "") is None
