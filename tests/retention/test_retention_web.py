"""The retention review page: who may see and decide, keep and dispose through the form, the
reason and confirmation it insists on, the "on date" filter and the rules table (both
backends)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from itertools import count

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.app import create_app
from beacon.audit.models import AuditAction, AuditEvent
from beacon.audit.service import AuditActor
from beacon.auth.service import create_organisation, create_user
from beacon.retention.models import RetentionReview, ReviewStatus
from beacon.retention.service import list_rules, schedule_review
from beacon.runtime import Runtime

from .conftest import ERASED_FIELDS, RECORD_TYPE, NoteEraser, add_note, read_note

ACTOR = AuditActor.system("test")
PASSWORD = "orchard-kestrel-copper-31"
BASE = "https://testserver"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
_keys = count()
SUPERVISOR = ("intelligence_supervisor",)
LONG_AGO = dt.date(2010, 1, 1)  # due under any rule by now


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime=runtime)


@pytest.fixture
def clients() -> Iterator[list[TestClient]]:
    opened: list[TestClient] = []
    yield opened
    for client in opened:
        client.close()


def signed_in(
    app: FastAPI, runtime: Runtime, clients: list[TestClient], roles: tuple[str, ...]
) -> tuple[TestClient, int]:
    key = next(_keys)
    with runtime.sessions() as session:
        organisation = create_organisation(
            session, name=f"Retention Council {key}", org_type="police_force", actor=ACTOR
        )
        user = create_user(
            session,
            organisation_id=organisation.id,
            email=f"reviewer{key}@retention.example",
            display_name="Review Tester",
            password=PASSWORD,
            roles=roles,
            actor=ACTOR,
        )
        session.commit()
        user_id, email = user.id, user.email
    client = TestClient(app, base_url=BASE)
    client.__enter__()
    clients.append(client)
    form = client.get("/login")
    token = _CSRF.search(form.text)
    assert token
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client, user_id


def csrf(client: TestClient) -> str:
    match = _CSRF.search(client.get("/account/password").text)
    assert match
    return match.group(1)


def due_note(
    runtime: Runtime,
    *,
    record_type: str = RECORD_TYPE,
    created_on: dt.date = LONG_AGO,
    subject: str = "Jo Bloggs",
) -> tuple[int, int]:
    """A note with its review scheduled; returns (note id, review id)."""
    with runtime.sessions() as session:
        note_id = add_note(session, subject, "Seen near the park.", theme="burglary")
        review = schedule_review(
            session,
            record_type=record_type,
            record_id=note_id,
            theme="burglary",
            grade="B",
            created_on=created_on,
        )
        session.commit()
        return note_id, review.id


def review_row(runtime: Runtime, review_id: int) -> RetentionReview:
    with runtime.sessions() as session:
        review = session.get(RetentionReview, review_id)
        assert review is not None
        session.expunge(review)
        return review


def audit(runtime: Runtime, event: str) -> list[AuditEvent]:
    with runtime.sessions() as session:
        query = select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.seq)
        return list(session.scalars(query))


def decide_form(client: TestClient, **fields: str) -> dict[str, str]:
    return {"csrf_token": csrf(client), **fields}


# ---------------------------------------------------------------------------------------------
# Who may


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        (SUPERVISOR, True),
        (("analyst",), False),
        (("partner_contributor",), False),
        (("admin",), False),
        (("tasking_member",), False),
    ],
)
def test_who_may_review(
    app: FastAPI,
    runtime: Runtime,
    clients: list[TestClient],
    note_eraser: NoteEraser,
    roles: tuple[str, ...],
    allowed: bool,
) -> None:
    _, review_id = due_note(runtime)
    client, _ = signed_in(app, runtime, clients, roles)
    assert client.get("/retention").status_code == (200 if allowed else 403)
    response = client.post(
        "/retention/decide",
        data=decide_form(client, review_id=str(review_id), decision="keep", reason="Still needed"),
        follow_redirects=False,
    )
    assert response.status_code == (303 if allowed else 403)
    assert bool(audit(runtime, "retention.kept")) == allowed
    assert ('href="/retention"' in client.get("/account/password").text) == allowed


def test_anonymous_is_sent_to_sign_in(app: FastAPI) -> None:
    with TestClient(app, base_url=BASE) as client:
        response = client.get("/retention", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/retention"


def test_deciding_needs_the_csrf_token(
    app: FastAPI, runtime: Runtime, clients: list[TestClient], note_eraser: NoteEraser
) -> None:
    note_id, review_id = due_note(runtime)
    client, _ = signed_in(app, runtime, clients, SUPERVISOR)
    fields = {"review_id": str(review_id), "decision": "dispose", "reason": "x", "confirm": "yes"}
    assert client.post("/retention/decide", data=fields).status_code == 403
    forged = {**fields, "csrf_token": "forged"}
    assert client.post("/retention/decide", data=forged).status_code == 403
    assert note_eraser.calls == []
    assert review_row(runtime, review_id).status == ReviewStatus.PENDING
    assert read_note_subject(runtime, note_id) == "Jo Bloggs"


def read_note_subject(runtime: Runtime, note_id: int) -> object:
    with runtime.sessions() as session:
        return read_note(session, note_id)["subject_name"]


# ---------------------------------------------------------------------------------------------
# The list and the rules


def test_lists_reviews_due_and_the_rules(
    app: FastAPI, runtime: Runtime, clients: list[TestClient], note_eraser: NoteEraser
) -> None:
    _, review_id = due_note(runtime)
    future_created = dt.datetime.now(dt.UTC).date()
    _, later_review = due_note(runtime, created_on=future_created)
    client, _ = signed_in(app, runtime, clients, SUPERVISOR)

    page = client.get("/retention")
    assert page.status_code == 200
    assert f'id="review-{review_id}"' in page.text
    assert f'id="review-{later_review}"' not in page.text
    assert "1 review due today" in page.text
    assert page.text.count('name="csrf_token"') >= 2  # the decision form and sign-out

    due = review_row(runtime, later_review).review_due
    on_date = client.get("/retention", params={"on": due.isoformat()})
    assert on_date.status_code == 200
    assert f'id="review-{review_id}"' in on_date.text
    assert f'id="review-{later_review}"' in on_date.text
    assert f"due on {due.isoformat()}" in on_date.text
    assert f'name="on" value="{due.isoformat()}"' in on_date.text

    with runtime.sessions() as session:
        rules = list_rules(session)
    assert rules
    table = page.text.split('id="rules-table"', 1)[1]
    for rule in rules:
        assert f"{rule.review_after_days:,}" in table
    assert "Any theme" in table and "Any grade" in table


def test_bad_on_date_is_explained(
    app: FastAPI, runtime: Runtime, clients: list[TestClient]
) -> None:
    client, _ = signed_in(app, runtime, clients, SUPERVISOR)
    response = client.get("/retention", params={"on": "2026-13-01"})
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert '<a href="#on">' in response.text
    assert 'id="on-error"' in response.text


# ---------------------------------------------------------------------------------------------
# Deciding


def test_keep_through_the_form(
    app: FastAPI, runtime: Runtime, clients: list[TestClient], note_eraser: NoteEraser
) -> None:
    note_id, review_id = due_note(runtime)
    client, user_id = signed_in(app, runtime, clients, SUPERVISOR)
    response = client.post(
        "/retention/decide",
        data=decide_form(
            client, review_id=str(review_id), decision="keep", reason="  Live investigation  "
        ),
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/retention?decided={review_id}&outcome=kept"

    review = review_row(runtime, review_id)
    assert review.status == ReviewStatus.PENDING
    assert review.decided_by_user_id == user_id
    assert review.decision_reason == "Live investigation"
    assert review.review_due > dt.datetime.now(dt.UTC).date()
    assert note_eraser.calls == []
    assert read_note_subject(runtime, note_id) == "Jo Bloggs"

    [event] = audit(runtime, "retention.kept")
    assert event.action == AuditAction.ALTERATION
    assert (event.actor_kind, event.actor_id) == ("user", user_id)
    assert event.justification == "Live investigation"
    assert (event.record_type, event.record_id) == (RECORD_TYPE, str(note_id))

    page = client.get(response.headers["location"])
    assert "Success" in page.text
    assert f"Kept {RECORD_TYPE} {note_id}: it is next reviewed on {review.review_due}" in page.text
    assert f'id="review-{review_id}"' not in page.text  # no longer due


def test_dispose_through_the_form_needs_the_confirmation(
    app: FastAPI, runtime: Runtime, clients: list[TestClient], note_eraser: NoteEraser
) -> None:
    note_id, review_id = due_note(runtime)
    client, user_id = signed_in(app, runtime, clients, SUPERVISOR)
    fields = {"review_id": str(review_id), "decision": "dispose", "reason": "No longer needed"}

    unconfirmed = client.post("/retention/decide", data=decide_form(client, **fields))
    assert unconfirmed.status_code == 400
    assert f'<a href="#confirm-{review_id}">' in unconfirmed.text
    assert f'id="confirm-{review_id}-error"' in unconfirmed.text
    assert ">No longer needed</textarea>" in unconfirmed.text  # the reason is kept
    assert note_eraser.calls == []
    assert review_row(runtime, review_id).status == ReviewStatus.PENDING
    assert audit(runtime, "retention.disposed") == []

    response = client.post(
        "/retention/decide",
        data=decide_form(client, **fields, confirm="yes"),
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/retention?decided={review_id}&outcome=disposed"
    assert note_eraser.calls == [str(note_id)]
    with runtime.sessions() as session:
        note = read_note(session, note_id)
    assert note["subject_name"] is None and note["narrative"] == "[erased at review]"
    review = review_row(runtime, review_id)
    assert review.status == ReviewStatus.DISPOSED
    assert review.decided_by_user_id == user_id

    [event] = audit(runtime, "retention.disposed")
    assert event.action == AuditAction.ERASURE
    assert (event.actor_kind, event.actor_id) == ("user", user_id)
    assert event.justification == "No longer needed"
    assert json.loads(event.details_json)["erased_fields"] == ERASED_FIELDS

    page = client.get(response.headers["location"])
    assert f"Disposed of {RECORD_TYPE} {note_id}" in page.text

    # Deciding again on a disposed record is refused, and changes nothing.
    again = client.post("/retention/decide", data=decide_form(client, **fields, confirm="yes"))
    assert again.status_code == 400
    assert "already disposed" in again.text
    assert len(audit(runtime, "retention.disposed")) == 1


@pytest.mark.parametrize("decision", ["keep", "dispose"])
def test_blank_reason_is_refused(
    app: FastAPI,
    runtime: Runtime,
    clients: list[TestClient],
    note_eraser: NoteEraser,
    decision: str,
) -> None:
    _, review_id = due_note(runtime)
    client, _ = signed_in(app, runtime, clients, SUPERVISOR)
    response = client.post(
        "/retention/decide",
        data=decide_form(
            client, review_id=str(review_id), decision=decision, reason="   ", confirm="yes"
        ),
    )
    assert response.status_code == 400
    assert "<title>Error: Retention reviews – Beacon</title>" in response.text
    assert f'<a href="#reason-{review_id}">Enter the reason for your decision</a>' in response.text
    assert f'id="reason-{review_id}-error"' in response.text
    review = review_row(runtime, review_id)
    assert (review.status, review.decided_at) == (ReviewStatus.PENDING, None)
    assert note_eraser.calls == []
    assert audit(runtime, "retention.kept") == audit(runtime, "retention.disposed") == []


def test_missing_decision_and_unknown_review(
    app: FastAPI, runtime: Runtime, clients: list[TestClient], note_eraser: NoteEraser
) -> None:
    _, review_id = due_note(runtime)
    client, _ = signed_in(app, runtime, clients, SUPERVISOR)
    no_choice = client.post(
        "/retention/decide", data=decide_form(client, review_id=str(review_id), reason="Why")
    )
    assert no_choice.status_code == 400
    assert f'<a href="#decision-{review_id}">' in no_choice.text
    assert f'id="decision-{review_id}"' in no_choice.text
    missing = client.post(
        "/retention/decide",
        data=decide_form(client, review_id="999999", decision="keep", reason="Why"),
    )
    assert missing.status_code == 404
    assert client.post("/retention/decide", data=decide_form(client)).status_code == 400


def test_dispose_without_an_eraser_changes_nothing(
    app: FastAPI, runtime: Runtime, clients: list[TestClient], note_eraser: NoteEraser
) -> None:
    _, review_id = due_note(runtime, record_type="unerasable_thing")
    client, _ = signed_in(app, runtime, clients, SUPERVISOR)
    response = client.post(
        "/retention/decide",
        data=decide_form(
            client, review_id=str(review_id), decision="dispose", reason="Old", confirm="yes"
        ),
    )
    assert response.status_code == 400
    assert "cannot be disposed of here" in response.text
    assert review_row(runtime, review_id).status == ReviewStatus.PENDING
    assert audit(runtime, "retention.disposed") == []
