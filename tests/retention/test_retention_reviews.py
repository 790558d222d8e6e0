"""Scheduling reviews, listing those due, keep and dispose decisions, and their audit."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction, AuditEvent
from beacon.audit.service import AuditActor
from beacon.audit.verify import verify_chain
from beacon.retention.erasers import (
    UnknownRecordType,
    eraser_for,
    register_eraser,
    unregister_eraser,
)
from beacon.retention.models import RetentionReview, ReviewStatus
from beacon.retention.service import (
    ReasonRequired,
    RetentionError,
    ReviewNotFound,
    decide,
    due_reviews,
    schedule_review,
    set_rule,
)
from beacon.runtime import Runtime

from .conftest import (
    ERASED_FIELDS,
    RECORD_TYPE,
    NoteEraser,
    add_note,
    read_note,
)

SUPERVISOR = AuditActor(kind="user", id=None, label="supervisor@example.org", organisation_id=1)
SYSTEM = AuditActor.system("test")
CREATED = dt.date(2020, 3, 1)
SIX_YEARS = dt.timedelta(days=2191)
TEN_YEARS = dt.timedelta(days=3652)


def _schedule(session: Session, record_id: str | int = "1", **overrides: object) -> RetentionReview:
    fields: dict[str, object] = {
        "record_type": RECORD_TYPE,
        "record_id": record_id,
        "theme": "burglary",
        "grade": "B",
        "created_on": CREATED,
    }
    fields.update(overrides)
    return schedule_review(session, **fields)  # type: ignore[arg-type]


def _events(session: Session, event: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.seq)
    return list(session.scalars(query))


def test_schedule_computes_the_due_date_from_the_rules(db: Session) -> None:
    with db.begin():
        plain = _schedule(db, "1")
        cse = _schedule(db, "2", theme="CSE", grade="C")
        false = _schedule(db, "3", grade="E")
        ungraded = _schedule(db, "4", theme=None, grade=None)
    assert plain.review_due == CREATED + SIX_YEARS
    assert (cse.theme, cse.grade, cse.review_due) == ("cse", "C", CREATED + TEN_YEARS)
    assert false.review_due == CREATED + dt.timedelta(days=365)
    assert ungraded.review_due == CREATED + SIX_YEARS
    assert plain.status == ReviewStatus.PENDING


def test_not_due_before_the_date_due_on_and_after(db: Session) -> None:
    with db.begin():
        review = _schedule(db)
    due = review.review_due
    assert due_reviews(db, on=due - dt.timedelta(days=1)) == []
    assert [r.id for r in due_reviews(db, on=due)] == [review.id]
    assert [r.id for r in due_reviews(db, on=due + dt.timedelta(days=400))] == [review.id]


def test_due_lists_oldest_first_and_respects_the_limit(db: Session) -> None:
    with db.begin():
        late = _schedule(db, "1", created_on=dt.date(2019, 1, 1))
        early = _schedule(db, "2", created_on=dt.date(2018, 1, 1))
        _schedule(db, "3", created_on=dt.date(2030, 1, 1))
    on = dt.date(2026, 1, 1)
    assert [r.id for r in due_reviews(db, on=on)] == [early.id, late.id]
    assert [r.id for r in due_reviews(db, on=on, limit=1)] == [early.id]


def test_rescheduling_updates_the_one_row(db: Session) -> None:
    with db.begin():
        first = _schedule(db, 7)
        again = _schedule(db, "7", theme="radicalisation", grade="A")
    assert again.id == first.id
    assert (again.theme, again.grade, again.review_due) == (
        "radicalisation",
        "A",
        CREATED + TEN_YEARS,
    )
    assert db.scalar(select(func.count()).select_from(RetentionReview)) == 1


def test_unknown_grade_is_refused(db: Session) -> None:
    with db.begin(), pytest.raises(RetentionError, match="grade"):
        _schedule(db, grade="Q")


def test_keep_sets_a_new_due_date_and_is_audited(db: Session) -> None:
    with db.begin():
        review = _schedule(db, theme="cse")
    decision_day = review.review_due + dt.timedelta(days=3)
    with db.begin():
        outcome = decide(
            db,
            review_id=review.id,
            decision="keep",
            reason="subject still at risk; linked to open case",
            actor=SUPERVISOR,
            decided_by_user_id=None,
            on=decision_day,
        )
    db.expire_all()
    kept = db.get(RetentionReview, review.id)
    assert kept is not None
    assert outcome.next_due == decision_day + TEN_YEARS
    assert kept.status == ReviewStatus.PENDING
    assert kept.review_due == decision_day + TEN_YEARS
    assert kept.decision_reason == "subject still at risk; linked to open case"
    assert kept.decided_at is not None and kept.decided_at.date() == decision_day
    assert due_reviews(db, on=decision_day) == []
    [event] = _events(db, "retention.kept")
    assert event.action == AuditAction.ALTERATION
    assert (event.record_type, event.record_id) == (RECORD_TYPE, "1")
    assert event.justification == "subject still at risk; linked to open case"
    details = json.loads(event.details_json)
    assert details["previous_due"] == (CREATED + TEN_YEARS).isoformat()
    assert details["next_due"] == (decision_day + TEN_YEARS).isoformat()
    assert details["rule"]["theme"] == "cse"
    assert verify_chain(db).ok


def test_a_kept_record_rescheduled_runs_from_the_keep(db: Session) -> None:
    with db.begin():
        review = _schedule(db)
        decide(
            db,
            review_id=review.id,
            decision="keep",
            reason="still needed",
            actor=SYSTEM,
            on=dt.date(2026, 6, 1),
        )
        regraded = _schedule(db, grade="A")
    assert regraded.review_due == dt.date(2026, 6, 1) + SIX_YEARS


def test_keep_uses_the_rules_as_they_are_now(db: Session) -> None:
    with db.begin():
        review = _schedule(db)
        set_rule(db, theme="burglary", grade="*", review_after_days=100, actor=SYSTEM)
        outcome = decide(
            db, review_id=review.id, decision="KEEP", reason="ok", actor=SYSTEM, on=CREATED
        )
    assert outcome.next_due == CREATED + dt.timedelta(days=100)


def test_dispose_erases_marks_disposed_and_audits(
    runtime: Runtime, db: Session, note_eraser: NoteEraser
) -> None:
    with db.begin():
        note_id = add_note(db, "Jane Example", "seen with older males at the park", "cse")
        other_id = add_note(db, "John Other", "unrelated", None)
        review = _schedule(db, note_id, theme="cse", grade="C")
        _schedule(db, other_id)
    with db.begin():
        outcome = decide(
            db,
            review_id=review.id,
            decision="dispose",
            reason="no longer necessary: no further reports in ten years",
            actor=SUPERVISOR,
            decided_by_user_id=None,
        )
    assert note_eraser.calls == [str(note_id)]
    assert list(outcome.erased_fields) == ERASED_FIELDS
    note = read_note(db, note_id)
    assert note["subject_name"] is None
    assert note["narrative"] == "[erased at review]"
    assert note["theme"] == "cse"  # not personal content: the eraser leaves it
    assert read_note(db, other_id)["subject_name"] == "John Other"

    db.expire_all()
    disposed = db.get(RetentionReview, review.id)
    assert disposed is not None
    assert disposed.status == ReviewStatus.DISPOSED
    assert disposed.decision_reason == "no longer necessary: no further reports in ten years"
    assert disposed not in due_reviews(db, on=dt.date(2100, 1, 1))

    [event] = _events(db, "retention.disposed")
    assert event.action == AuditAction.ERASURE
    assert (event.record_type, event.record_id) == (RECORD_TYPE, str(note_id))
    assert event.actor_label == "supervisor@example.org"
    assert event.justification == "no longer necessary: no further reports in ten years"
    details = json.loads(event.details_json)
    assert details["erased_fields"] == ERASED_FIELDS
    assert details["review_id"] == review.id
    assert "Jane" not in event.details_json  # field names only, never the content
    assert verify_chain(db).ok


def test_a_disposed_record_cannot_be_decided_or_rescheduled_again(
    db: Session, note_eraser: NoteEraser
) -> None:
    with db.begin():
        note_id = add_note(db, "Jane Example", "narrative")
        review = _schedule(db, note_id)
        decide(db, review_id=review.id, decision="dispose", reason="expired", actor=SYSTEM)
    with db.begin(), pytest.raises(RetentionError, match="already disposed"):
        decide(db, review_id=review.id, decision="keep", reason="oops", actor=SYSTEM)
    with db.begin(), pytest.raises(RetentionError, match="cannot be rescheduled"):
        _schedule(db, note_id)
    assert note_eraser.calls == [str(note_id)]


def test_a_failed_disposal_rolls_back_with_the_caller(
    runtime: Runtime, db: Session, note_eraser: NoteEraser
) -> None:
    with db.begin():
        note_id = add_note(db, "Jane Example", "narrative")
        review = _schedule(db, note_id)
    with pytest.raises(RuntimeError), db.begin():
        decide(db, review_id=review.id, decision="dispose", reason="expired", actor=SYSTEM)
        raise RuntimeError("the caller's next step failed")
    db.expire_all()
    assert read_note(db, note_id)["subject_name"] == "Jane Example"
    reloaded = db.get(RetentionReview, review.id)
    assert reloaded is not None and reloaded.status == ReviewStatus.PENDING
    assert _events(db, "retention.disposed") == []
    assert verify_chain(db).ok


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_reason_is_required(db: Session, reason: str | None) -> None:
    with db.begin():
        review = _schedule(db)
    for decision in ("keep", "dispose"):
        with db.begin(), pytest.raises(ReasonRequired, match="reason"):
            decide(db, review_id=review.id, decision=decision, reason=reason, actor=SYSTEM)  # type: ignore[arg-type]
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_an_unknown_record_type_cannot_be_disposed_of(db: Session) -> None:
    with db.begin():
        review = _schedule(db, record_type="no_such_type")
    with db.begin(), pytest.raises(UnknownRecordType, match="no_such_type"):
        decide(db, review_id=review.id, decision="dispose", reason="expired", actor=SYSTEM)
    db.expire_all()
    reloaded = db.get(RetentionReview, review.id)
    assert reloaded is not None and reloaded.status == ReviewStatus.PENDING
    assert _events(db, "retention.disposed") == []


def test_an_eraser_that_fails_to_find_the_record_fails_the_disposal(
    db: Session, note_eraser: NoteEraser
) -> None:
    with db.begin():
        review = _schedule(db, "999")
    with db.begin(), pytest.raises(LookupError, match="no test note 999"):
        decide(db, review_id=review.id, decision="dispose", reason="expired", actor=SYSTEM)
    db.expire_all()
    reloaded = db.get(RetentionReview, review.id)
    assert reloaded is not None and reloaded.status == ReviewStatus.PENDING


def test_bad_decision_and_missing_review(db: Session) -> None:
    with db.begin():
        review = _schedule(db)
    with db.begin(), pytest.raises(RetentionError, match="keep or dispose"):
        decide(db, review_id=review.id, decision="archive", reason="x", actor=SYSTEM)
    with db.begin(), pytest.raises(ReviewNotFound):
        decide(db, review_id=review.id + 100, decision="keep", reason="x", actor=SYSTEM)


def test_a_user_actor_is_recorded_as_the_decider(db: Session) -> None:
    from beacon.auth.models import Organisation, User

    with db.begin():
        org = Organisation(name="Test CSP", org_type="other")
        db.add(org)
        db.flush()
        user = User(
            organisation_id=org.id,
            email="sup@example.org",
            display_name="Supervisor",
            password_hash="x",
        )
        db.add(user)
        db.flush()
        review = _schedule(db)
        actor = AuditActor(kind="user", id=user.id, label=user.email, organisation_id=org.id)
        decide(db, review_id=review.id, decision="keep", reason="needed", actor=actor)
    db.expire_all()
    reloaded = db.get(RetentionReview, review.id)
    assert reloaded is not None and reloaded.decided_by_user_id == user.id


def test_eraser_registry() -> None:
    def eraser(session: Session, record_id: str) -> list[str]:
        return []

    register_eraser("registry_test", eraser)
    try:
        assert eraser_for("registry_test") is eraser
        register_eraser("registry_test", eraser)  # the same function again: fine
        with pytest.raises(ValueError, match="already registered"):
            register_eraser("registry_test", lambda s, r: [])
    finally:
        unregister_eraser("registry_test")
    with pytest.raises(UnknownRecordType):
        eraser_for("registry_test")
    with pytest.raises(ValueError):
        register_eraser(" ", eraser)
