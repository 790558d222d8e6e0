"""``beacon retention due | decide | rules | set-rule | delete-rule``."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from beacon.audit.models import AuditEvent
from beacon.audit.verify import verify_chain
from beacon.retention.models import RetentionReview, ReviewStatus
from beacon.retention.service import schedule_review
from beacon.runtime import Runtime

from .conftest import RECORD_TYPE, NoteEraser, add_note, read_note


def _seed(runtime: Runtime) -> tuple[int, int, int]:
    """Two notes due by 2027-01-01 (one CSE, not due until 2030), returns review ids."""
    with runtime.sessions() as session, session.begin():
        old = add_note(session, "Jane Example", "old report")
        older = add_note(session, "John Example", "older report")
        cse = add_note(session, "Jo Example", "cse report", "cse")
        ids = tuple(
            schedule_review(
                session,
                record_type=RECORD_TYPE,
                record_id=note,
                theme=theme,
                grade="B",
                created_on=created,
            ).id
            for note, theme, created in (
                (old, "burglary", dt.date(2020, 6, 1)),
                (older, None, dt.date(2019, 6, 1)),
                (cse, "cse", dt.date(2020, 6, 1)),
            )
        )
    return ids  # type: ignore[return-value]


def test_due_lists_reviews_due(cli, notes: Runtime) -> None:  # type: ignore[no-untyped-def]
    old, older, _cse = _seed(notes)
    result = cli("retention", "due", "--on", "2027-01-01", "--json")
    rows = json.loads(result.stdout)
    assert [row["id"] for row in rows] == [older, old]
    assert rows[0]["review_due"] == (dt.date(2019, 6, 1) + dt.timedelta(days=2191)).isoformat()
    assert rows[0]["days_overdue"] > 0
    assert "Example" not in result.stdout  # the list names records, never their content

    text = cli("retention", "due", "--on", "2027-01-01")
    assert f"{RECORD_TYPE}:" in text.stdout
    assert "2 reviews due" in text.stderr
    assert json.loads(cli("retention", "due", "--on", "2020-01-01", "--json").stdout) == []


def test_due_refuses_a_bad_date(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("retention", "due", "--on", "01/01/2027", expect_exit=2)
    assert "YYYY-MM-DD" in result.stderr


def test_decide_keep_and_dispose(  # type: ignore[no-untyped-def]
    cli, notes: Runtime, note_eraser: NoteEraser
) -> None:
    old, older, _cse = _seed(notes)
    kept = json.loads(
        cli("retention", "decide", str(old), "keep", "--reason", "open case", "--json").stdout
    )
    today = dt.datetime.now(dt.UTC).date()
    assert kept["decision"] == "keep"
    assert kept["next_due"] == (today + dt.timedelta(days=2191)).isoformat()

    result = cli("retention", "decide", str(older), "dispose", "--reason", "no longer needed")
    assert "disposed of" in result.stdout
    assert "subject_name, narrative" in result.stdout

    with notes.sessions() as session:
        review = session.get(RetentionReview, older)
        assert review is not None and review.status == ReviewStatus.DISPOSED
        assert read_note(session, int(review.record_id))["subject_name"] is None
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.event == "retention.disposed")
        ).one()
        assert event.actor_kind == "system"
        assert event.actor_label.startswith("cli:")
        assert event.justification == "no longer needed"
        assert verify_chain(session).ok
    assert json.loads(cli("retention", "due", "--on", "2027-01-01", "--json").stdout) == []


def test_decide_errors(cli, notes: Runtime) -> None:  # type: ignore[no-untyped-def]
    old, _older, _cse = _seed(notes)
    blank = cli("retention", "decide", str(old), "keep", "--reason", "  ", expect_exit=2)
    assert "reason" in blank.stderr
    missing = cli("retention", "decide", str(old), "keep", expect_exit=None)
    assert missing.exit_code == 2 and "--reason" in missing.stderr
    bad = cli("retention", "decide", str(old), "archive", "--reason", "x", expect_exit=2)
    assert "keep or dispose" in bad.stderr
    gone = cli("retention", "decide", "9999", "keep", "--reason", "x", expect_exit=1)
    assert "no retention review 9999" in gone.stderr
    # No eraser registered for the test type in this test: disposal must fail, not succeed.
    unknown = cli("retention", "decide", str(old), "dispose", "--reason", "x", expect_exit=2)
    assert "no eraser" in unknown.stderr
    with notes.sessions() as session:
        review = session.get(RetentionReview, old)
        assert review is not None and review.status == ReviewStatus.PENDING


def test_rules_set_and_delete(cli) -> None:  # type: ignore[no-untyped-def]
    rules = json.loads(cli("retention", "rules", "--json").stdout)
    assert {"theme": "*", "grade": "*", "review_after_days": 2191} in [
        {k: r[k] for k in ("theme", "grade", "review_after_days")} for r in rules
    ]
    out = cli("retention", "set-rule", "--theme", "asb", "--grade", "d", "--days", "730")
    assert "theme=asb grade=D: 730 days" in out.stdout
    text = cli("retention", "rules").stdout
    assert "theme=asb" in text and "730 days" in text

    cli("retention", "delete-rule", "--theme", "asb", "--grade", "D")
    assert "theme=asb" not in cli("retention", "rules").stdout
    refused = cli("retention", "delete-rule", "--theme", "*", "--grade", "*", expect_exit=2)
    assert "cannot be deleted" in refused.stderr
    cli("retention", "delete-rule", "--theme", "asb", "--grade", "D", expect_exit=1)
    args = ("retention", "set-rule", "--theme", "asb", "--grade", "*", "--days", "0")
    bad = cli(*args, expect_exit=2)
    assert "review_after_days" in bad.stderr
