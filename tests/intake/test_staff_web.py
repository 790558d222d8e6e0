"""The staff intake pages: the queue, a report, sanitising, grading, dissemination, closing,
keep-in-contact, photos and duty; who may open each one, and what every step records in the
audit log (both backends).

Reports are created through the intake service; the pages are driven as a browser would.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from starlette.routing import Match

from beacon.app import create_app
from beacon.audit.models import AuditAction, AuditEvent
from beacon.config import Settings
from beacon.intake import service
from beacon.intake.models import (
    RAW_RECORD_TYPE,
    RECORD_TYPE,
    IntelMessage,
    IntelPhoto,
    IntelRawSubmission,
    IntelReport,
    State,
    SupervisorDuty,
)
from beacon.intake.schemas import ContactDetails, Grading
from beacon.intake.web import apply_redactions, highlight
from beacon.runtime import Runtime
from beacon.sanitise.photos import PhotoStore, clean_photo

from . import factories as f

BASE = "https://testserver"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
HOSTILE = "<script>alert(1)</script>"
REASON = "Sanitising the report for grading"


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime=runtime)


@pytest.fixture
def clients() -> Iterator[list[TestClient]]:
    opened: list[TestClient] = []
    yield opened
    for client in opened:
        client.close()


@dataclass
class World:
    app: FastAPI
    runtime: Runtime
    settings: Settings
    people: dict[str, f.Person]
    home: int
    other: int
    clients: list[TestClient]

    def client(self, who: str | None) -> TestClient:
        """A browser signed in as ``who`` (None: nobody signed in)."""
        client = TestClient(self.app, base_url=BASE)
        client.__enter__()
        self.clients.append(client)
        if who is None:
            return client
        form = client.get("/login")
        token = _CSRF.search(form.text)
        assert token
        response = client.post(
            "/login",
            data={
                "email": self.people[who].email,
                "password": f.PASSWORD,
                "csrf_token": token.group(1),
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return client


@pytest.fixture
def world(app: FastAPI, runtime: Runtime, settings: Settings, clients: list[TestClient]) -> World:
    with runtime.sessions() as session:
        home = f.organisation(session, "Home Police")
        other = f.organisation(session, "Other Council")
        people = {
            "supervisor": f.person(session, home, "intelligence_supervisor"),
            "supervisor2": f.person(session, home, "intelligence_supervisor"),
            "analyst": f.person(session, home, "analyst"),
            "partner": f.person(session, home, "partner_contributor"),
            "other_supervisor": f.person(session, other, "intelligence_supervisor"),
            "other_analyst": f.person(session, other, "analyst"),
            "admin": f.person(session, home, "admin"),
        }
        session.commit()
    hub = settings.model_copy(update={"intake_organisation": "Home Police"})
    return World(app, runtime, hub, people, home, other, clients)


def png(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, format="PNG")
    return out.getvalue()


def resident(
    world: World,
    narrative: str = "Men dealing drugs from a blue car outside the shop every evening.",
    *,
    contact: ContactDetails | None = None,
    photos: int = 0,
    organisation_id: int | None = None,
) -> str:
    with world.runtime.sessions() as session:
        submitted = service.create_resident_report(
            session,
            data=f.resident_report(narrative, contact=contact),
            organisation_id=organisation_id or world.home,
            photos=[clean_photo(png((40 * i, 90, 90))) for i in range(photos)],
            store=PhotoStore(service.photo_directory()),
        )
        session.commit()
        return submitted.report_id


def partner(world: World, who: str = "partner", **options: Any) -> str:
    person = world.people[who]
    with world.runtime.sessions() as session:
        submitted = service.create_partner_report(
            session,
            principal=person.principal,
            actor=person.actor,
            data=f.partner_report(**options),
            settings=world.settings,
        )
        session.commit()
        return submitted.report_id


def advance(world: World, report_id: str, to: State, *, handling: str = "C") -> None:
    """Move a report along the workflow through the service, as a supervisor of its owner."""
    with world.runtime.sessions() as session:
        report = session.get(IntelReport, report_id)
        assert report is not None
        who: dict[str, Any]
        owner = "supervisor" if report.owning_organisation_id == world.home else "other_supervisor"
        person = world.people[owner]
        who = {"report": report, "principal": person.principal, "actor": person.actor}
        service.sanitise(
            session,
            **who,
            narrative="Drugs sold from a car outside a shop.",
            assessment=None,
            location_text=None,
            summary="Drug dealing from a car",
        )
        if to in (State.GRADED, State.DISSEMINATED):
            grading = Grading(
                source_evaluation="2",
                intelligence_assessment="B",
                handling_code=handling,
                handling_conditions="Police only" if handling == "C" else None,
            )
            service.grade(session, **who, grading=grading, theme="drugs")
        if to is State.DISSEMINATED:
            service.disseminate(session, **who)
        session.commit()


def set_proposals(world: World, report_id: str, found: list[dict[str, object]]) -> None:
    with world.runtime.sessions() as session:
        raw = session.scalar(
            select(IntelRawSubmission).where(IntelRawSubmission.report_id == report_id)
        )
        assert raw is not None
        raw.proposed_json = json.dumps(found)
        session.commit()


def finding(
    text: str, found: str, *, kind: str = "email", action: str = "redact", part: str = "narrative"
) -> dict[str, object]:
    start = text.index(found)
    return {
        "part": part,
        "start": start,
        "end": start + len(found),
        "type": kind,
        "text": found,
        "action": action,
        "reason": "looks like an e-mail address" if kind == "email" else "suspect details",
    }


def csrf(client: TestClient) -> str:
    match = _CSRF.search(client.get("/account/password").text)
    assert match
    return match.group(1)


def post(client: TestClient, path: str, **fields: object) -> httpx.Response:
    return client.post(path, data={"csrf_token": csrf(client), **fields}, follow_redirects=False)


def events(
    world: World, *, record_id: str | None = None, event: str | None = None
) -> list[AuditEvent]:
    with world.runtime.sessions() as session:
        query = select(AuditEvent).order_by(AuditEvent.seq)
        if record_id is not None:
            query = query.where(AuditEvent.record_id == record_id)
        if event is not None:
            query = query.where(AuditEvent.event == event)
        return list(session.scalars(query))


def report_row(world: World, report_id: str) -> IntelReport:
    with world.runtime.sessions() as session:
        report = session.get(IntelReport, report_id)
        assert report is not None
        session.expunge(report)
        return report


def photo_rows(world: World, report_id: str) -> list[IntelPhoto]:
    with world.runtime.sessions() as session:
        rows = list(
            session.scalars(
                select(IntelPhoto).where(IntelPhoto.report_id == report_id).order_by(IntelPhoto.id)
            )
        )
        for row in rows:
            session.expunge(row)
        return rows


# ---------------------------------------------------------------------------------------------
# The whole workflow


def test_received_sanitised_graded_disseminated(world: World) -> None:
    narrative = "Men dealing drugs from a blue car outside the shop. Email me at jo@example.org"
    report_id = resident(world, narrative, photos=2)
    set_proposals(
        world,
        report_id,
        [
            finding(narrative, "jo@example.org"),
            finding(narrative, "blue car", kind="vehicle", action="flag"),
        ],
    )
    supervisor = world.client("supervisor")
    reference = report_row(world, report_id).reference

    queue = supervisor.get("/intake")
    assert queue.status_code == 200
    assert f'href="/intake/{report_id}">{reference}</a>' in queue.text
    assert queue.headers["cache-control"] == "no-store"

    page = supervisor.get(f"/intake/{report_id}")
    assert page.status_code == 200
    assert "Not sanitised yet" in page.text
    assert "jo@example.org" not in page.text  # the working record holds no text yet
    [viewed] = events(world, record_id=report_id, event="intel.report_viewed")
    assert viewed.action == AuditAction.CONSULTATION
    assert viewed.actor_id == world.people["supervisor"].user_id
    assert "source_details" in json.loads(viewed.details_json)["fields"]

    # Opening the sanitise screen asks for a reason first, and shows nothing of the original.
    ask = supervisor.get(f"/intake/{report_id}/sanitise")
    assert ask.status_code == 200
    assert "Why do you need to see the original?" in ask.text
    assert "jo@example.org" not in ask.text
    assert events(world, event="intel.original_viewed") == []
    blank = post(supervisor, f"/intake/{report_id}/sanitise", step="reason", reason="  ")
    assert blank.status_code == 400
    assert 'id="reason-error"' in blank.text
    assert events(world, event="intel.original_viewed") == []

    screen = post(supervisor, f"/intake/{report_id}/sanitise", step="reason", reason=REASON)
    assert screen.status_code == 200
    assert screen.headers["cache-control"] == "no-store"
    original = screen.text.split('id="original-narrative"', 1)[1].split("</div>", 1)[0]
    assert "jo@example.org</del>" in original  # proposed removal, shown struck through
    assert "blue car</mark>" in original  # flagged, kept
    # The page says the automatic check is not the whole safeguard.
    limits = screen.text.split('id="sanitise-limits"', 1)[1].split("</div>", 1)[0]
    assert "Read the whole report" in limits
    textarea = screen.text.split('name="narrative"', 1)[1].split("</textarea>", 1)[0]
    assert "[email REMOVED]" in textarea and "jo@example.org" not in textarea
    assert "blue car" in textarea
    photos = photo_rows(world, report_id)
    for photo in photos:
        assert f'src="/intake/{report_id}/photos/{photo.id}"' in screen.text
    [original_view] = events(world, event="intel.original_viewed")
    assert original_view.justification == REASON
    assert (original_view.record_type, original_view.record_id) == (RAW_RECORD_TYPE, report_id)
    assert original_view.action == AuditAction.CONSULTATION

    accepted = post(
        supervisor,
        f"/intake/{report_id}/sanitise",
        narrative="Men dealing drugs from a blue car outside the shop.",
        summary="Drug dealing from a car",
        reason=REASON,
        release=photos[0].id,
    )
    assert accepted.status_code == 303
    assert accepted.headers["location"] == f"/intake/{report_id}?done=sanitised"
    row = report_row(world, report_id)
    assert row.state == State.SANITISED
    assert row.narrative == "Men dealing drugs from a blue car outside the shop."
    assert row.summary == "Drug dealing from a car"
    assert [p.released for p in photo_rows(world, report_id)] == [True, False]

    page = supervisor.get(f"/intake/{report_id}?done=sanitised")
    assert "The sanitised text was accepted" in page.text
    assert 'id="grade-button"' in page.text
    assert 'id="disseminate-button"' not in page.text  # not graded yet

    missing = post(
        supervisor,
        f"/intake/{report_id}/grade",
        source_evaluation="2",
        intelligence_assessment="B",
        handling_code="C",
    )
    assert missing.status_code == 400
    assert 'id="handling_conditions-error"' in missing.text
    assert report_row(world, report_id).state == State.SANITISED

    graded = post(
        supervisor,
        f"/intake/{report_id}/grade",
        source_evaluation="2",
        intelligence_assessment="B",
        handling_code="P",
        theme="drugs",
    )
    assert graded.status_code == 303
    row = report_row(world, report_id)
    assert (row.state, row.source_evaluation, row.intelligence_assessment) == ("graded", "2", "B")
    assert (row.handling_code, row.theme) == ("P", "drugs")

    unconfirmed = post(supervisor, f"/intake/{report_id}/disseminate")
    assert unconfirmed.status_code == 400
    assert 'id="confirm-error"' in unconfirmed.text
    assert report_row(world, report_id).state == State.GRADED

    done = post(supervisor, f"/intake/{report_id}/disseminate", confirm="yes")
    assert done.status_code == 303
    assert report_row(world, report_id).state == State.DISSEMINATED
    page = supervisor.get(f"/intake/{report_id}?done=disseminated")
    history = page.text.split('id="history-table"', 1)[1]
    for label in ("Received from a resident", "Sanitised", "Graded", "Disseminated"):
        assert label in history
    assert world.people["supervisor"].email in history

    names = [
        e.event
        for e in events(world, record_id=report_id)
        if e.event.startswith("intel.") and e.event != "intel.report_viewed"
    ]
    assert names == [
        "intel.resident_report_received",
        "intel.original_viewed",
        "intel.sanitised",
        # Triage runs with the sanitising; this test's world has no routing rule.
        "intel.unroutable",
        "intel.triaged",
        "intel.graded",
        "intel.disseminated",
    ]
    [sanitised] = events(world, event="intel.sanitised")
    assert json.loads(sanitised.details_json)["photos_released"] == [photos[0].id]
    assert events(world, event="intel.disseminated")[0].action == AuditAction.DISCLOSURE

    # An analyst of another organisation now sees it (handling code P) and the released photo.
    analyst = world.client("other_analyst")
    assert reference in analyst.get("/intake").text
    shown = analyst.get(f"/intake/{report_id}")
    assert shown.status_code == 200
    assert "Men dealing drugs from a blue car outside the shop." in shown.text
    assert "jo@example.org" not in shown.text
    assert 'id="source"' not in shown.text  # source details stay with the owning supervisors
    assert 'id="grade-button"' not in shown.text and 'id="sanitise-link"' not in shown.text
    assert f"/intake/{report_id}/photos/{photos[0].id}" in shown.text
    assert f"/intake/{report_id}/photos/{photos[1].id}" not in shown.text
    viewed = events(world, record_id=report_id, event="intel.report_viewed")[-1]
    assert viewed.actor_id == world.people["other_analyst"].user_id
    assert "source_details" not in json.loads(viewed.details_json)["fields"]


def test_close_needs_a_reason(world: World) -> None:
    report_id = resident(world)
    supervisor = world.client("supervisor")
    blank = post(supervisor, f"/intake/{report_id}/close", reason="   ")
    assert blank.status_code == 400
    assert '<a href="#close_reason">Enter the reason for closing the report</a>' in blank.text
    assert report_row(world, report_id).state == State.RECEIVED
    assert events(world, event="intel.closed") == []

    closed = post(supervisor, f"/intake/{report_id}/close", reason="Duplicate of BCN-12345678")
    assert closed.status_code == 303
    row = report_row(world, report_id)
    assert (row.state, row.closed_reason) == ("closed", "Duplicate of BCN-12345678")
    [event] = events(world, event="intel.closed")
    assert event.justification == "Duplicate of BCN-12345678"
    assert event.actor_id == world.people["supervisor"].user_id

    page = supervisor.get(f"/intake/{report_id}?done=closed")
    assert "The report was closed." in page.text
    assert 'id="closed-reason"' in page.text
    assert 'id="close-button"' not in page.text and 'id="sanitise-link"' not in page.text
    assert "Closed" in supervisor.get("/intake", params={"state": "closed"}).text
    # Closed reports cannot be sanitised or graded any more: a conflict, explained.
    assert supervisor.get(f"/intake/{report_id}/sanitise").status_code == 409
    again = post(supervisor, f"/intake/{report_id}/close", reason="Again")
    assert again.status_code == 409
    graded = post(
        supervisor,
        f"/intake/{report_id}/grade",
        source_evaluation="1",
        intelligence_assessment="A",
        handling_code="P",
    )
    assert graded.status_code == 409
    assert "closed" in graded.text


def _grade_form(page: str) -> tuple[str | None, str]:
    """The grading form as shown: the checked handling code, and the conditions box's text."""
    form = page.split('/grade" novalidate>', 1)[1].split("</form>", 1)[0]
    checked = re.search(r'name="handling_code" type="radio" value="([PC])" checked', form)
    box = form.split('name="handling_conditions"', 1)[1].split(">", 1)[1].split("</textarea>")[0]
    return (checked.group(1) if checked else None), box


def test_grading_a_resident_report_sets_no_trap(world: World) -> None:
    """A resident's report arrives with Beacon's placeholder (C, "not for dissemination"):
    the form offers neither, and choosing P works whatever the conditions box holds (it is
    revealed under C with JavaScript and ignored with P without it)."""
    report_id = resident(world)
    advance(world, report_id, State.SANITISED)
    row = report_row(world, report_id)
    assert (row.handling_code, row.handling_conditions) == (
        "C",
        "Unsanitised resident report: not for dissemination",
    )
    supervisor = world.client("supervisor")
    page = supervisor.get(f"/intake/{report_id}")
    assert _grade_form(page.text) == (None, "")
    assert 'data-aria-controls="conditional-handling_conditions"' in page.text
    assert "forms.js" in page.text

    # Without JavaScript the box stays visible: text left in it does not block code P.
    graded = post(
        supervisor,
        f"/intake/{report_id}/grade",
        source_evaluation="2",
        intelligence_assessment="B",
        handling_code="P",
        handling_conditions="Police only",
    )
    assert graded.status_code == 303, graded.text
    row = report_row(world, report_id)
    assert (row.state, row.handling_code, row.handling_conditions) == ("graded", "P", None)
    [event] = events(world, record_id=report_id, event="intel.graded")
    assert "Police only" not in event.details_json

    # Regrading as C needs conditions, then shows them; P again clears them.
    missing = post(
        supervisor,
        f"/intake/{report_id}/grade",
        source_evaluation="2",
        intelligence_assessment="B",
        handling_code="C",
    )
    assert missing.status_code == 400
    assert 'id="handling_conditions-error"' in missing.text
    assert report_row(world, report_id).handling_code == "P"
    conditioned = post(
        supervisor,
        f"/intake/{report_id}/grade",
        source_evaluation="2",
        intelligence_assessment="B",
        handling_code="C",
        handling_conditions="Police and housing only",
    )
    assert conditioned.status_code == 303
    assert _grade_form(supervisor.get(f"/intake/{report_id}").text) == (
        "C",
        "Police and housing only",
    )
    back_to_p = post(
        supervisor,
        f"/intake/{report_id}/grade",
        source_evaluation="2",
        intelligence_assessment="B",
        handling_code="P",
        handling_conditions="Police and housing only",
    )
    assert back_to_p.status_code == 303
    row = report_row(world, report_id)
    assert (row.handling_code, row.handling_conditions) == ("P", None)


def test_grading_is_refused_to_those_who_may_not_grade(world: World) -> None:
    report_id = resident(world)
    advance(world, report_id, State.SANITISED)
    for who, status in (("analyst", 403), ("partner", 403), ("other_supervisor", 404)):
        client = world.client(who)
        refused = post(
            client,
            f"/intake/{report_id}/grade",
            source_evaluation="1",
            intelligence_assessment="A",
            handling_code="P",
            handling_conditions="ignored",
        )
        assert refused.status_code == status, who
    row = report_row(world, report_id)
    assert (row.state, row.handling_code, row.source_evaluation) == ("sanitised", "C", None)
    assert events(world, event="intel.graded") == []


# ---------------------------------------------------------------------------------------------
# The original


def test_the_original_needs_a_reason_and_is_audited(world: World) -> None:
    contact = ContactDetails(name="Jo Bloggs", email="jo@example.org", phone="07700 900123")
    report_id = resident(world, contact=contact, photos=1)
    supervisor = world.client("supervisor")

    form = supervisor.get(f"/intake/{report_id}/original")
    assert form.status_code == 200
    assert "Why do you need to see the original?" in form.text
    assert "jo@example.org" not in form.text and "Jo Bloggs" not in form.text

    refused = post(supervisor, f"/intake/{report_id}/original", reason="")
    assert refused.status_code == 400
    assert "Enter the reason you need to see the original" in refused.text
    assert "jo@example.org" not in refused.text
    assert events(world, event="intel.original_viewed") == []

    shown = post(supervisor, f"/intake/{report_id}/original", reason="Checking a duplicate")
    assert shown.status_code == 200
    text = shown.text
    assert "Men dealing drugs from a blue car" in text
    assert "jo@example.org" in text and "Jo Bloggs" in text and "07700 900123" in text
    assert "Checking a duplicate" in text
    [photo] = photo_rows(world, report_id)
    assert f"/intake/{report_id}/photos/{photo.id}" in text
    [event] = events(world, event="intel.original_viewed")
    assert event.justification == "Checking a duplicate"
    assert event.actor_id == world.people["supervisor"].user_id

    # Without the CSRF token, nothing is shown or recorded.
    forged = supervisor.post(f"/intake/{report_id}/original", data={"reason": "x"})
    assert forged.status_code == 403
    assert len(events(world, event="intel.original_viewed")) == 1


def test_reasons_travel_only_in_post_bodies(world: World) -> None:
    """The reason for reading an original is posted (with the CSRF token) and recorded, but
    no URL the browser visits or is redirected to ever carries it (history and proxy logs keep
    URLs)."""
    contact = ContactDetails(name="Jo Bloggs", email="jo@example.org")
    report_id = resident(world, contact=contact)
    set_proposals(world, report_id, [])
    with world.runtime.sessions() as session:
        report = session.get(IntelReport, report_id)
        assert report is not None
        message = service.answer_from_reporter(session, report=report, text="The red door.")
        message.proposed_json = json.dumps([])
        session.commit()
        message_id = message.id
    supervisor = world.client("supervisor")
    urls: list[str] = []
    locations: list[str] = []
    supervisor.event_hooks = {
        "request": [lambda request: urls.append(str(request.url))],
        "response": [lambda response: locations.append(response.headers.get("location", ""))],
    }
    reasons = {
        "sanitise": "Reason-for-sanitising-7731",
        "original": "Reason-for-reading-4410",
        "answer": "Reason-for-the-answer-9052",
    }
    pages = {
        "sanitise": f"/intake/{report_id}/sanitise",
        "original": f"/intake/{report_id}/original",
        "answer": f"/intake/{report_id}/messages/{message_id}/sanitise",
    }
    for name, page in pages.items():
        form = supervisor.get(page)
        assert form.status_code == 200
        assert f'<form method="post" action="{page}"' in form.text
        assert 'name="csrf_token"' in form.text.split(f'action="{page}"', 1)[1]
        assert "jo@example.org" not in form.text and "The red door" not in form.text
        shown = post(supervisor, page, step="reason", reason=reasons[name])
        assert shown.status_code == 200, name
        assert reasons[name] in shown.text  # the banner repeats it to the reader
    # Accepting the sanitised text redirects to the report: without the reason.
    accepted = supervisor.post(
        pages["sanitise"],
        data={
            "csrf_token": csrf(supervisor),
            "narrative": "Drug dealing outside the shop.",
            "reason": reasons["sanitise"],
        },
    )
    assert accepted.status_code == 200 and accepted.url.path == f"/intake/{report_id}"
    answered = supervisor.post(
        pages["answer"],
        data={"csrf_token": csrf(supervisor), "text": "A door.", "reason": reasons["answer"]},
    )
    assert answered.status_code == 200
    recorded = {e.justification for e in events(world, event="intel.original_viewed")}
    assert recorded == set(reasons.values())
    assert urls and locations
    for reason in reasons.values():
        assert not [u for u in urls if reason in u or "reason=" in u], urls
        assert not [loc for loc in locations if reason in loc or "reason=" in loc], locations

    # An old link with the reason in its query string shows the form, not the original, and
    # records nothing.
    before = len(events(world, event="intel.original_viewed"))
    old = supervisor.get(pages["answer"], params={"reason": "In the URL"})
    assert old.status_code == 200
    assert "Why do you need to see the original?" in old.text and "In the URL" not in old.text
    assert "The red door" not in old.text
    assert len(events(world, event="intel.original_viewed")) == before


def test_posted_reasons_are_refused_without_the_token_or_the_permission(world: World) -> None:
    report_id = resident(world, contact=ContactDetails(name="Jo Bloggs", email="jo@example.org"))
    set_proposals(world, report_id, [])
    page = f"/intake/{report_id}/sanitise"
    supervisor = world.client("supervisor")
    forged = supervisor.post(page, data={"step": "reason", "reason": "No token"})
    assert forged.status_code == 403
    wrong = supervisor.post(
        page, data={"step": "reason", "reason": "Wrong token", "csrf_token": "x" * 40}
    )
    assert wrong.status_code == 403
    for who, status in (("analyst", 403), ("partner", 403), ("admin", 403)):
        client = world.client(who)
        refused = post(client, page, step="reason", reason="Not mine")
        assert refused.status_code == status, who
        assert "jo@example.org" not in refused.text
    other = world.client("other_supervisor")
    assert post(other, page, step="reason", reason="Another organisation").status_code == 404
    blank = post(supervisor, page, step="reason", reason=" ")
    assert blank.status_code == 400 and "jo@example.org" not in blank.text
    too_long = post(supervisor, page, step="reason", reason="x" * 2001)
    assert too_long.status_code == 400
    assert "2,000 characters or fewer" in too_long.text
    assert events(world, event="intel.original_viewed") == []


def test_hostile_original_is_escaped_on_the_sanitise_screen(world: World) -> None:
    narrative = f"Someone wrote {HOSTILE} on the wall by the station, ring 07700 900456"
    report_id = resident(world, narrative)
    set_proposals(
        world,
        report_id,
        [
            finding(narrative, "alert(1)", kind="other", action="flag"),
            finding(narrative, "07700 900456", kind="phone"),
        ],
    )
    supervisor = world.client("supervisor")
    screen = post(supervisor, f"/intake/{report_id}/sanitise", step="reason", reason=REASON)
    assert screen.status_code == 200
    assert "<script>alert" not in screen.text and "alert(1)</script>" not in screen.text
    assert "<script" not in screen.text.split("<body", 1)[1]  # no script at all in the page body
    original = screen.text.split('id="original-narrative"', 1)[1].split("</div>", 1)[0]
    assert "&lt;script&gt;" in original
    assert "alert(1)</mark>" in original  # the highlight is Beacon's markup, around escaped text
    assert "&lt;/script&gt;" in original
    textarea = screen.text.split('name="narrative"', 1)[1].split("</textarea>", 1)[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in textarea
    assert "[phone REMOVED]" in textarea

    # The original page escapes it too.
    shown = post(supervisor, f"/intake/{report_id}/original", reason="Checking")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown.text
    assert HOSTILE not in shown.text


def test_contact_details_cannot_stay_in_the_sanitised_text(world: World) -> None:
    contact = ContactDetails(name="Jo Bloggs", email="jo@example.org")
    report_id = resident(world, contact=contact)
    set_proposals(world, report_id, [])
    supervisor = world.client("supervisor")
    refused = post(
        supervisor,
        f"/intake/{report_id}/sanitise",
        narrative="Drug dealing reported by jo@example.org outside the shop.",
        summary="Drug dealing",
        reason=REASON,
    )
    assert refused.status_code == 400
    text = refused.text
    assert "There is a problem" in text
    assert "still contains the reporter&#39;s own contact details" in text
    assert 'id="narrative-error"' in text
    assert report_row(world, report_id).state == State.RECEIVED
    assert report_row(world, report_id).narrative is None
    assert events(world, event="intel.sanitised") == []
    # The screen came back (the original shown again, so recorded again with the reason).
    assert [e.justification for e in events(world, event="intel.original_viewed")] == [REASON]

    by_name = post(
        supervisor,
        f"/intake/{report_id}/sanitise",
        narrative="Drug dealing outside the shop.",
        summary="Reported by jo bloggs",
        reason=REASON,
    )
    assert by_name.status_code == 400
    assert report_row(world, report_id).state == State.RECEIVED

    empty = post(supervisor, f"/intake/{report_id}/sanitise", narrative=" ", reason=REASON)
    assert empty.status_code == 400
    assert "cannot be empty" in empty.text

    ok = post(
        supervisor,
        f"/intake/{report_id}/sanitise",
        narrative="Drug dealing outside the shop.",
        reason=REASON,
    )
    assert ok.status_code == 303


# ---------------------------------------------------------------------------------------------
# Who may


def _routes(
    report_id: str, message_id: str, photo_id: str
) -> list[tuple[str, str, dict[str, str]]]:
    base = f"/intake/{report_id}"
    return [
        ("GET", base, {}),
        ("GET", f"{base}/sanitise", {}),
        ("POST", f"{base}/sanitise", {"step": "reason", "reason": "x"}),
        ("POST", f"{base}/sanitise", {"narrative": "Sanitised text here", "reason": "x"}),
        ("GET", f"{base}/original", {}),
        ("POST", f"{base}/original", {"reason": "x"}),
        (
            "POST",
            f"{base}/grade",
            {"source_evaluation": "1", "intelligence_assessment": "A", "handling_code": "P"},
        ),
        ("POST", f"{base}/disseminate", {"confirm": "yes"}),
        ("POST", f"{base}/close", {"reason": "Because"}),
        ("POST", f"{base}/questions", {"question": "Which shop?"}),
        ("GET", f"{base}/messages/{message_id}/sanitise", {}),
        ("POST", f"{base}/messages/{message_id}/sanitise", {"step": "reason", "reason": "x"}),
        ("POST", f"{base}/messages/{message_id}/sanitise", {"text": "Fine", "reason": "x"}),
        ("GET", f"{base}/photos/{photo_id}", {}),
    ]


def _unchanged_workflow_report(world: World) -> tuple[str, str, str]:
    report_id = resident(world, photos=1)
    set_proposals(world, report_id, [])
    with world.runtime.sessions() as session:
        report = session.get(IntelReport, report_id)
        assert report is not None
        message = service.answer_from_reporter(session, report=report, text="The red shop.")
        message.proposed_json = json.dumps([])
        session.commit()
        message_id = message.id
    [photo] = photo_rows(world, report_id)
    return report_id, message_id, photo.id


# Expected answer per route index (see _routes) for each visitor; 403: the route's permission
# is missing; 404: the permission is there but the record is not theirs to see or act on.
SUPERVISOR_ONLY = [404, *[403] * 12, 404]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("analyst", SUPERVISOR_ONLY),
        ("partner", SUPERVISOR_ONLY),
        ("admin", [403] * 14),
        ("other_supervisor", [404] * 14),
    ],
)
def test_who_may_not(world: World, who: str, expected: list[int]) -> None:
    report_id, message_id, photo_id = _unchanged_workflow_report(world)
    client = world.client(who)
    before = report_row(world, report_id)
    got = []
    for method, path, data in _routes(report_id, message_id, photo_id):
        if method == "GET":
            response = client.get(path, follow_redirects=False)
        else:
            response = client.post(
                path, data={"csrf_token": csrf(client), **data}, follow_redirects=False
            )
        got.append(response.status_code)
        assert "Men dealing drugs" not in response.text
        assert "The red shop" not in response.text
    assert got == expected
    after = report_row(world, report_id)
    assert (after.state, after.narrative, after.handling_code) == (
        before.state,
        before.narrative,
        before.handling_code,
    )
    assert events(world, event="intel.original_viewed") == []
    assert events(world, event="intel.report_viewed") == []
    assert events(world, event="intel.photo_viewed") == []
    queue = client.get("/intake")
    if who == "admin":
        assert queue.status_code == 403
    else:
        assert queue.status_code == 200 and before.reference not in queue.text


def test_anonymous_is_sent_to_sign_in(world: World) -> None:
    report_id, message_id, photo_id = _unchanged_workflow_report(world)
    client = world.client(None)
    token = _CSRF.search(client.get("/login").text)
    assert token
    routes = [("GET", "/intake", {}), ("POST", "/intake/duty", {"on_duty": "yes"})]
    for method, path, data in routes + _routes(report_id, message_id, photo_id):
        if method == "GET":
            response = client.get(path, follow_redirects=False)
        else:
            response = client.post(
                path, data={"csrf_token": token.group(1), **data}, follow_redirects=False
            )
        assert response.status_code == 303, (method, path)
        assert response.headers["location"].startswith("/login"), (method, path)


def test_other_supervisor_gets_404_even_on_disseminated_reports_it_may_read(world: World) -> None:
    report_id, message_id, photo_id = _unchanged_workflow_report(world)
    advance(world, report_id, State.DISSEMINATED, handling="C")
    client = world.client("other_supervisor")
    # A supervisor may read disseminated C-coded intelligence of any organisation...
    assert client.get(f"/intake/{report_id}").status_code == 200
    # ...but acts on, and reads the original of, its own organisation's reports only.
    codes = []
    for method, path, data in _routes(report_id, message_id, photo_id)[1:-1]:
        if method == "GET":
            codes.append(client.get(path, follow_redirects=False).status_code)
        else:
            codes.append(
                client.post(
                    path, data={"csrf_token": csrf(client), **data}, follow_redirects=False
                ).status_code
            )
    assert set(codes) == {404}
    # The photo was never released: it stays with the original.
    assert client.get(f"/intake/{report_id}/photos/{photo_id}").status_code == 404
    assert events(world, event="intel.original_viewed") == []


def test_partner_sees_only_their_own_submissions(world: World) -> None:
    mine = partner(world)
    resident_id = resident(world)
    client = world.client("partner")
    queue = client.get("/intake")
    assert queue.status_code == 200
    assert report_row(world, mine).reference in queue.text
    assert report_row(world, resident_id).reference not in queue.text
    assert 'action="/intake/duty"' not in queue.text

    own = client.get(f"/intake/{mine}")
    assert own.status_code == 200
    assert "Tenant A" in own.text  # subjects of their own report
    assert 'id="source"' not in own.text  # source details belong to the hub's supervisors
    assert "Seen during a tenancy visit" not in own.text
    assert 'id="grade-button"' not in own.text and 'id="sanitise-link"' not in own.text
    assert client.get(f"/intake/{resident_id}").status_code == 404


def test_analyst_sees_disseminated_p_or_own_organisation(world: World) -> None:
    home_c = resident(world, "Home report with code C, nothing else to say here.")
    home_p = resident(world, "Home report with code P, nothing else to say here.")
    other_c = resident(world, "Other report code C here.", organisation_id=world.other)
    other_p = resident(world, "Other report code P here.", organisation_id=world.other)
    pending = resident(world, "Not yet disseminated report here.")
    advance(world, home_c, State.DISSEMINATED, handling="C")
    advance(world, home_p, State.DISSEMINATED, handling="P")
    advance(world, other_c, State.DISSEMINATED, handling="C")
    advance(world, other_p, State.DISSEMINATED, handling="P")
    advance(world, pending, State.GRADED, handling="P")
    client = world.client("analyst")
    queue = client.get("/intake", params={"state": "all"})
    visible = {home_c, home_p, other_p}
    for report_id in (home_c, home_p, other_c, other_p, pending):
        reference = report_row(world, report_id).reference
        assert (reference in queue.text) == (report_id in visible), reference
        status = client.get(f"/intake/{report_id}").status_code
        assert status == (200 if report_id in visible else 404), reference
    # The default tab for readers lists everything they may see.
    assert report_row(world, other_p).reference in client.get("/intake").text


def test_posts_need_the_csrf_token(world: World) -> None:
    report_id = resident(world)
    supervisor = world.client("supervisor")
    for path, data in [
        ("/intake/duty", {"on_duty": "yes"}),
        (f"/intake/{report_id}/close", {"reason": "Because"}),
        (f"/intake/{report_id}/sanitise", {"narrative": "Some text here", "reason": "x"}),
        (f"/intake/{report_id}/questions", {"question": "Which shop?"}),
    ]:
        assert supervisor.post(path, data=data).status_code == 403
        forged = supervisor.post(path, data={**data, "csrf_token": "forged"})
        assert forged.status_code == 403
    assert report_row(world, report_id).state == State.RECEIVED
    assert events(world, event="intel.question_asked") == []


# ---------------------------------------------------------------------------------------------
# The report page


def test_partner_report_page_groups_and_scores(world: World) -> None:
    with world.runtime.sessions() as session:
        actor = world.people["admin"].actor
        one = service.save_indicator(
            session,
            actor=actor,
            theme="cuckooing",
            code="visitors",
            label="Many visitors",
            weight=3,
        )
        two = service.save_indicator(
            session,
            actor=actor,
            theme="cuckooing",
            code="taxi",
            label="Arrivals by taxi",
            weight=2,
        )
        three = service.save_indicator(
            session,
            actor=actor,
            theme="drugs",
            code="smell",
            label="Smell of cannabis",
            weight=1,
        )
        session.commit()
        ids = (one.id, two.id, three.id)
    report_id = partner(world, indicator_ids=ids, immediate_risk=True)
    advance(world, report_id, State.SANITISED)
    supervisor = world.client("supervisor")
    page = supervisor.get(f"/intake/{report_id}")
    assert page.status_code == 200
    text = page.text
    suspects = text.split('id="subjects-suspect"', 1)[1].split("</table>", 1)[0]
    victims = text.split('id="subjects-victim"', 1)[1].split("</table>", 1)[0]
    assert "Male, 20s" in suspects and "AB12 CDE" in suspects and "Tenant A" not in suspects
    assert "Tenant A" in victims
    facts = text.split('id="facts-heading"', 1)[1].split('id="assessment-heading"', 1)[0]
    assert "Drugs sold from a car outside a shop." in facts
    indicators = text.split('id="indicators-table"', 1)[1].split("</table>", 1)[0]
    assert "Many visitors" in indicators and "Smell of cannabis" in indicators
    assert "Score: Cuckooing" in indicators and "<strong>5</strong>" in indicators
    assert "Score: Drugs" in indicators and "<strong>1</strong>" in indicators
    source = text.split('id="source"', 1)[1].split("</dl>", 1)[0]
    assert "Seen during a tenancy visit" in source and "housing officer visit" in source
    assert "Home Police" in source
    assert "Immediate risk" in text
    assert "Police and housing only" in text.split('id="handling"', 1)[1].split("</section>", 1)[0]
    assert "Received from a partner" in text and "Immediate risk: supervisors e-mailed" in text


def test_queue_tabs_channels_and_immediate_risk_first(world: World) -> None:
    calm = resident(world)
    urgent = partner(world, immediate_risk=True)
    supervisor = world.client("supervisor")
    queue = supervisor.get("/intake")
    assert queue.status_code == 200
    table = queue.text.split('id="queue-table"', 1)[1]
    urgent_ref = report_row(world, urgent).reference
    calm_ref = report_row(world, calm).reference
    assert table.index(urgent_ref) < table.index(calm_ref)
    assert "Immediate risk</strong>" in table
    assert 'id="risk-notice"' in queue.text
    assert 'aria-current="page">Received</a>' in queue.text

    # Open immediate risks are named whatever tab is open.
    other_tab = supervisor.get("/intake", params={"state": "disseminated"}).text
    risk = other_tab.split('id="risk-notice"', 1)[1].split("</div>", 1)[0]
    assert f'href="/intake/{urgent}">{urgent_ref}</a> (received)' in risk

    def listed(**params: str) -> str:
        return supervisor.get("/intake", params=params).text.split('id="queue-table"', 1)[1]

    residents = listed(channel="resident")
    assert calm_ref in residents and urgent_ref not in residents
    partners = listed(channel="partner", state="all")
    assert urgent_ref in partners and calm_ref not in partners
    assert calm_ref not in listed(state="disseminated")
    # Unknown filters fall back to the defaults rather than failing.
    assert supervisor.get("/intake", params={"state": "nope", "channel": "x"}).status_code == 200

    # The immediate-risk e-mail waits: no mail server is configured in tests.
    notice = queue.text.split('id="outbox-notice"', 1)[1].split("</div>", 1)[0]
    assert "waiting to be sent" in notice and "BEACON_SMTP_HOST" in notice


def test_duty_toggle_is_recorded(world: World) -> None:
    supervisor = world.client("supervisor")
    queue = supervisor.get("/intake")
    assert "I’m on duty" in queue.text and "Not on duty" in queue.text
    on = post(supervisor, "/intake/duty", on_duty="yes")
    assert on.status_code == 303
    assert on.headers["location"] == "/intake?duty=on"
    user_id = world.people["supervisor"].user_id
    with world.runtime.sessions() as session:
        duty = session.get(SupervisorDuty, user_id)
        assert duty is not None and duty.organisation_id == world.home
    [started] = events(world, event="intel.duty_started")
    assert (started.actor_id, started.record_id) == (user_id, str(user_id))
    page = supervisor.get("/intake?duty=on")
    assert "You are on duty" in page.text and "End duty" in page.text

    # Immediate-risk alerts now go to the supervisor on duty only.
    partner(world, immediate_risk=True)
    [alert] = events(world, event="intel.immediate_risk_notified")
    assert json.loads(alert.details_json)["recipients"] == [user_id]

    off = post(supervisor, "/intake/duty", on_duty="no")
    assert off.status_code == 303
    with world.runtime.sessions() as session:
        assert session.get(SupervisorDuty, user_id) is None
    assert len(events(world, event="intel.duty_ended")) == 1
    assert "You are no longer on duty" in supervisor.get("/intake?duty=off").text
    assert post(supervisor, "/intake/duty").status_code == 400

    analyst = world.client("analyst")
    assert post(analyst, "/intake/duty", on_duty="yes").status_code == 403


# ---------------------------------------------------------------------------------------------
# Keep in contact


def test_questions_and_sanitised_answers(world: World) -> None:
    report_id = resident(world)
    supervisor = world.client("supervisor")
    empty = post(supervisor, f"/intake/{report_id}/questions", question="  ")
    assert empty.status_code == 400
    asked = post(supervisor, f"/intake/{report_id}/questions", question="Which shop was it?")
    assert asked.status_code == 303
    assert asked.headers["location"] == f"/intake/{report_id}?done=asked#messages"
    [question_event] = events(world, event="intel.question_asked")
    assert question_event.actor_id == world.people["supervisor"].user_id

    answer = "The corner shop. I'm Jo at 12 Elm Street, call 07700 900123"
    with world.runtime.sessions() as session:
        report = session.get(IntelReport, report_id)
        assert report is not None
        message = service.answer_from_reporter(session, report=report, text=answer)
        message.proposed_json = json.dumps(
            [
                finding(answer, "07700 900123", kind="phone", part="message"),
                finding(answer, "12 Elm Street", kind="address", part="message"),
            ]
        )
        session.commit()
        message_id = message.id

    page = supervisor.get(f"/intake/{report_id}")
    assert "Which shop was it?" in page.text
    assert "Waiting to be sanitised" in page.text
    assert "07700 900123" not in page.text and "Elm Street" not in page.text
    link = f"/intake/{report_id}/messages/{message_id}/sanitise"
    assert link in page.text

    ask = supervisor.get(link)
    assert "Why do you need to see the original?" in ask.text and "Elm Street" not in ask.text
    screen = post(supervisor, link, step="reason", reason="Sanitising the answer")
    assert screen.status_code == 200
    original = screen.text.split('id="original-message"', 1)[1].split("</div>", 1)[0]
    assert "07700 900123</del>" in original and "12 Elm Street</del>" in original
    textarea = screen.text.split('name="text"', 1)[1].split("</textarea>", 1)[0]
    assert "[phone REMOVED]" in textarea and "[address REMOVED]" in textarea
    assert "07700" not in textarea
    assert "Which shop was it?" in screen.text
    [viewed] = events(world, event="intel.original_viewed")
    assert viewed.justification == "Sanitising the answer"

    blank = post(supervisor, link, text=" ", reason="Sanitising the answer")
    assert blank.status_code == 400
    done = post(supervisor, link, text="The corner shop.", reason="Sanitising the answer")
    assert done.status_code == 303
    with world.runtime.sessions() as session:
        stored = session.get(IntelMessage, message_id)
        assert stored is not None and stored.sanitised_body == "The corner shop."
    assert len(events(world, event="intel.answer_sanitised")) == 1
    page = supervisor.get(f"/intake/{report_id}?done=answer")
    assert "The corner shop." in page.text and "07700 900123" not in page.text
    assert "Waiting to be sanitised" not in page.text

    # A partner's report has no keep-in-contact code: no question form, and asking is refused.
    partner_id = partner(world)
    assert 'name="question"' not in supervisor.get(f"/intake/{partner_id}").text
    refused = post(supervisor, f"/intake/{partner_id}/questions", question="Anything else?")
    assert refused.status_code == 409
    # Questions are not answers: they cannot be "sanitised".
    with world.runtime.sessions() as session:
        [question] = [
            m for m in service.messages_for(session, report_id) if m.direction == "to_reporter"
        ]
    question_link = f"/intake/{report_id}/messages/{question.id}/sanitise"
    assert post(supervisor, question_link, step="reason", reason="x").status_code == 404


# ---------------------------------------------------------------------------------------------
# Photos


def test_photos_are_served_only_to_those_allowed(world: World) -> None:
    report_id = resident(world, photos=2)
    kept, released = photo_rows(world, report_id)
    with world.runtime.sessions() as session:
        row = session.get(IntelPhoto, released.id)
        assert row is not None
        row.released = True
        session.commit()
    supervisor = world.client("supervisor")
    for photo in (kept, released):
        response = supervisor.get(f"/intake/{report_id}/photos/{photo.id}")
        assert response.status_code == 200
        assert response.headers["content-type"] == photo.content_type
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["content-disposition"].startswith("inline")
        assert response.content == PhotoStore(service.photo_directory()).read(photo.storage_name)
    viewed = events(world, event="intel.photo_viewed")
    assert [json.loads(e.details_json)["photo"] for e in viewed] == [kept.id, released.id]
    assert all(e.action == AuditAction.CONSULTATION for e in viewed)
    assert all(e.record_type == RECORD_TYPE for e in viewed)

    analyst = world.client("analyst")
    # Not disseminated: nothing, released or not.
    assert analyst.get(f"/intake/{report_id}/photos/{released.id}").status_code == 404
    advance(world, report_id, State.DISSEMINATED, handling="P")
    with world.runtime.sessions() as session:
        row = session.get(IntelPhoto, released.id)
        assert row is not None
        row.released = True  # sanitising through the service unreleased it; release it again
        session.commit()
    assert analyst.get(f"/intake/{report_id}/photos/{released.id}").status_code == 200
    assert analyst.get(f"/intake/{report_id}/photos/{kept.id}").status_code == 404
    assert analyst.get(f"/intake/{report_id}/photos/nonexistent").status_code == 404
    other_report = resident(world, photos=1)
    [elsewhere] = photo_rows(world, other_report)
    # A photo id of another report does not open through this one.
    assert supervisor.get(f"/intake/{report_id}/photos/{elsewhere.id}").status_code == 404
    assert world.client("admin").get(f"/intake/{report_id}/photos/{released.id}").status_code == 403


def test_photos_load_in_parallel(world: World) -> None:
    """A page shows several photos at once; each request audits its view. On SQLite a request
    that read before writing would fail with "database is locked" when another committed."""
    report_id = resident(world, photos=6)
    photos = photo_rows(world, report_id)
    supervisor = world.client("supervisor")
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(
            pool.map(
                lambda p: supervisor.get(f"/intake/{report_id}/photos/{p.id}").status_code,
                photos * 3,
            )
        )
    assert statuses == [200] * 18
    assert len(events(world, event="intel.photo_viewed")) == 18


def test_words_under_intake_are_left_to_other_pages() -> None:
    """``/intake/{report_id}`` matches ids and references, not page names such as
    ``/intake/new``, whichever router was included first."""
    from beacon.intake.web import router

    app = FastAPI()
    app.include_router(router)

    @app.get("/intake/new")
    def new_page() -> dict[str, str]:
        return {"page": "new"}

    with TestClient(app, base_url=BASE) as client:
        assert client.get("/intake/new").json() == {"page": "new"}
        assert client.get("/intake/partner-form").status_code == 404  # no page, not a report
    from beacon.intake.web_report import router as report_router

    [route] = [r for r in report_router.routes if getattr(r, "name", "") == "intake_report"]
    for value, expected in [
        ("0123456789abcdef0123456789abcdef", Match.FULL),
        ("BCN-ABCD1234", Match.FULL),
        ("new", Match.NONE),
        ("new-report", Match.NONE),
    ]:
        scope = {"type": "http", "path": f"/intake/{value}", "method": "GET", "root_path": ""}
        assert route.matches(scope)[0] is expected, value


# ---------------------------------------------------------------------------------------------
# Helpers


def test_highlight_splits_at_offsets_and_lines() -> None:
    text = "Call 07700 900123\nor jo@example.org now"
    found = [
        finding(text, "07700 900123", kind="phone"),
        finding(text, "jo@example.org"),
        {**finding(text, "900123", kind="x"), "end": 999},  # out of range: ignored
        finding(text, "jo", kind="name", action="flag"),  # overlaps: ignored
        finding(text, "now", kind="other", part="assessment"),  # another part
    ]
    lines = highlight(text, found, "narrative")
    assert [[(p.text, p.kind) for p in line] for line in lines] == [
        [("Call ", None), ("07700 900123", "redact")],
        [("or ", None), ("jo@example.org", "redact"), (" now", None)],
    ]
    assert apply_redactions(text, found, "narrative") == (
        "Call [phone REMOVED]\nor [email REMOVED] now"
    )


def test_real_proposals_on_the_sanitise_screen(world: World) -> None:
    """Runs the automatic detector (``beacon.sanitise.detect``) end to end."""
    contact = ContactDetails(name="Jo Bloggs", email="jo.bloggs@example.org")
    narrative = (
        "Drug dealing outside the shop on Station Road most evenings. "
        "You can email me at jo.bloggs@example.org or ring 07700 900123."
    )
    report_id = resident(world, narrative, contact=contact)
    supervisor = world.client("supervisor")
    screen = post(supervisor, f"/intake/{report_id}/sanitise", step="reason", reason=REASON)
    assert screen.status_code == 200
    original = screen.text.split('id="original-narrative"', 1)[1].split("</div>", 1)[0]
    assert "jo.bloggs@example.org</del>" in original
    textarea = screen.text.split('name="narrative"', 1)[1].split("</textarea>", 1)[0]
    assert "jo.bloggs@example.org" not in textarea and "REMOVED]" in textarea
    accepted = post(
        supervisor,
        f"/intake/{report_id}/sanitise",
        narrative=textarea.split(">", 1)[1].replace("&#39;", "'"),
        reason=REASON,
    )
    assert accepted.status_code == 303
