"""The partner intelligence form (/intake/new) and the indicator checklists admin page
(/admin/indicators), driven as a browser would, on both backends.

What is checked: the form's fields and checklists; a submission stores facts and assessment
apart (DPA 2018 s.38), subjects with distinct roles, ticked indicators with the weights they had;
every validation error is a 422 with a linked error summary, inline errors, the values kept and
nothing stored; subject rows grow without JavaScript; an admin's weight change leaves earlier
reports' weights alone and is audited; the admin page is refused (and the refusal audited) to
everyone else.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from beacon.app import create_app
from beacon.audit.models import AuditAction, AuditEvent
from beacon.config import Settings
from beacon.intake import service
from beacon.intake.models import (
    IntelIndicator,
    IntelRawSubmission,
    IntelReport,
    IntelReportIndicator,
    IntelSubject,
)
from beacon.notify.models import OutboxMessage
from beacon.runtime import Runtime

from . import factories as f

BASE = "https://testserver"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
HUB = "Home Police"


@dataclass
class World:
    app: FastAPI
    runtime: Runtime
    people: dict[str, f.Person]
    home: int
    other: int
    clients: list[TestClient]

    def client(self, who: str | None) -> TestClient:
        """A browser signed in as ``who`` (None: nobody)."""
        client = TestClient(self.app, base_url=BASE)
        client.__enter__()
        self.clients.append(client)
        if who is None:
            return client
        token = _CSRF.search(client.get("/login").text)
        assert token
        response = client.post(
            "/login",
            data={"email": self.people[who].email, "password": f.PASSWORD, "csrf_token": token[1]},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return client

    def count(self, model: Any) -> int:
        with self.runtime.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def world(runtime: Runtime, settings: Settings) -> Iterator[World]:
    with runtime.sessions() as session:
        home = f.organisation(session, HUB)
        other = f.organisation(session, "Other Council")
        people = {
            "supervisor": f.person(session, home, "intelligence_supervisor"),
            "analyst": f.person(session, home, "analyst"),
            "partner": f.person(session, other, "partner_contributor"),
            "engagement": f.person(session, other, "engagement_officer"),
            "tasking": f.person(session, other, "tasking_member"),
            "admin": f.person(session, home, "admin"),
        }
        session.commit()
    app = create_app(runtime=runtime)
    app.state.settings = settings.model_copy(update={"intake_organisation": HUB})
    clients: list[TestClient] = []
    yield World(app, runtime, people, home, other, clients)
    for client in clients:
        client.__exit__(None, None, None)


def csrf(client: TestClient, path: str = "/account/password") -> str:
    match = _CSRF.search(client.get(path).text)
    assert match, path
    return match[1]


def indicator_ids(world: World, theme: str, count: int = 2) -> list[int]:
    with world.runtime.sessions() as session:
        return list(
            session.scalars(
                select(IntelIndicator.id)
                .where(IntelIndicator.theme == theme, IntelIndicator.active.is_(True))
                .order_by(IntelIndicator.position, IntelIndicator.id)
                .limit(count)
            )
        )


def good_form(**changes: Any) -> dict[str, Any]:
    day = dt.date.today() - dt.timedelta(days=2)
    form: dict[str, Any] = {
        "summary": "Possible cuckooing at a council flat",
        "narrative": "Three young men arrive by taxi most nights and stay ten minutes.",
        "assessment": "I believe the tenant is being exploited by a county line.",
        "source_type": "Housing officer visit",
        "source_type_other": "",
        "source_details": "Seen by me during a tenancy visit; a neighbour said the same.",
        "location_mode": "postcode",
        "postcode": "bn2 5eg",
        "location_text": "Elm Road flats",
        "latitude": "",
        "longitude": "",
        "when_mode": "date",
        "occurred_from_day": str(day.day),
        "occurred_from_month": str(day.month),
        "occurred_from_year": str(day.year),
        "occurred_time": "around 11pm",
        "theme": "cuckooing",
        "subject_rows": "6",
        "subjects-0-kind": "person",
        "subjects-0-role": "suspect",
        "subjects-0-value": "Male, early 20s, called 'Jay'",
        "subjects-0-details": "Red jacket",
        "subjects-1-kind": "person",
        "subjects-1-role": "victim",
        "subjects-1-value": "The tenant, Ann Example",
        "subjects-2-kind": "person",
        "subjects-2-role": "witness",
        "subjects-2-value": "Neighbour at number 4",
        "subjects-3-kind": "vehicle",
        "subjects-3-role": "suspect",
        "subjects-3-value": "AB12 CDE",
        "source_evaluation": "2",
        "intelligence_assessment": "B",
        "handling_code": "C",
        "handling_conditions": "Police and housing only",
        "action": "submit",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def submit(world: World, client: TestClient, form: dict[str, Any]) -> Any:
    return client.post(
        "/intake/new", data={**form, "csrf_token": csrf(client)}, follow_redirects=False
    )


# ---------------------------------------------------------------------------------------------
# The form


def test_form_shows_every_part(world: World) -> None:
    client = world.client("partner")
    page = client.get("/intake/new")
    assert page.status_code == 200, page.text[:500]
    text = page.text
    assert page.headers["cache-control"] == "no-store"
    for name in (
        "summary",
        "narrative",
        "assessment",
        "source_type",
        "source_type_other",
        "source_details",
        "location_mode",
        "postcode",
        "location_text",
        "latitude",
        "longitude",
        "when_mode",
        "occurred_from_day",
        "occurred_to_year",
        "occurred_time",
        "theme",
        "source_evaluation",
        "intelligence_assessment",
        "handling_code",
        "handling_conditions",
        "immediate_risk",
    ):
        assert f'name="{name}"' in text, name
    # Six empty subject rows, each with kind, role, value and details.
    for i in range(6):
        for part in ("kind", "role", "value", "details"):
            assert f'name="subjects-{i}-{part}"' in text
    assert 'name="subjects-6-kind"' not in text
    for role in ("suspect", "victim", "witness"):
        assert f'value="{role}"' in text
    # The checklists of the five themes, with their labels (weights are not shown to partners).
    with world.runtime.sessions() as session:
        indicators = service.list_indicators(session)
    assert {i.theme for i in indicators} >= {
        "cuckooing",
        "county_lines",
        "cse",
        "modern_slavery",
        "radicalisation",
    }
    for indicator in indicators:
        assert f'value="{indicator.id}"' in text
        assert indicator.label in html.unescape(text)
    assert "Child sexual exploitation" in text
    assert "call 999" in text
    # Facts and assessment are separate boxes, and the form says why.
    assert "section 38" in text
    assert "<script" not in text.split("</head>", 1)[1]
    assert 'style="' not in text


def test_submission_stores_facts_assessment_subjects_and_indicators(world: World) -> None:
    client = world.client("partner")
    ticked = indicator_ids(world, "cuckooing", 2) + indicator_ids(world, "county_lines", 1)
    response = submit(world, client, {**good_form(), "indicators": [str(i) for i in ticked]})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/intake/new/done?ref=BCN-")
    reference = location.split("ref=", 1)[1]
    partner = world.people["partner"]
    with world.runtime.sessions() as session:
        report = session.scalars(select(IntelReport)).one()
        assert report.reference == reference
        assert report.channel == "partner"
        assert report.owning_organisation_id == world.home  # the intelligence hub
        assert report.source_organisation_id == world.other  # the partner's organisation
        assert report.submitted_by_user_id == partner.user_id
        assert report.summary == "Possible cuckooing at a council flat"
        assert report.source_type == "Housing officer visit"
        assert (report.source_details or "").startswith("Seen by me during a tenancy visit")
        assert report.location_mode == "postcode" and report.postcode == "BN2 5EG"
        assert report.occurred_from == dt.date.today() - dt.timedelta(days=2)
        assert report.occurred_time == "around 11pm"
        assert report.theme == "cuckooing"
        assert (report.source_evaluation, report.intelligence_assessment) == ("2", "B")
        assert report.handling_code == "C"
        assert report.handling_conditions == "Police and housing only"
        assert report.immediate_risk is False
        # Facts and assessment kept apart (DPA 2018 s.38): the raw record keeps both, each in
        # its own field; the working record has neither until a supervisor sanitises it.
        raw = session.scalars(select(IntelRawSubmission)).one()
        assert raw.narrative == "Three young men arrive by taxi most nights and stay ten minutes."
        assert raw.assessment == "I believe the tenant is being exploited by a county line."
        assert raw.location_text == "Elm Road flats"
        assert report.narrative is None and report.assessment is None
        # Subjects with their roles, suspects, victims and witnesses distinct.
        subjects = {
            (s.kind, s.role, s.value, s.details)
            for s in session.scalars(
                select(IntelSubject).where(IntelSubject.report_id == report.id)
            )
        }
        assert subjects == {
            ("person", "suspect", "Male, early 20s, called 'Jay'", "Red jacket"),
            ("person", "victim", "The tenant, Ann Example", None),
            ("person", "witness", "Neighbour at number 4", None),
            ("vehicle", "suspect", "AB12 CDE", None),
        }
        # Ticked indicators, each with the weight it had.
        stored = dict(
            session.execute(
                select(IntelReportIndicator.indicator_id, IntelReportIndicator.weight)
            ).all()
        )
        weights = {i.id: i.weight for i in session.scalars(select(IntelIndicator))}
        assert stored == {i: weights[i] for i in ticked}
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.event == "intel.partner_report_received")
        ).one()
        assert event.action == AuditAction.COLLECTION
        assert event.actor_id == partner.user_id
    # The confirmation page: the reference and what happens next.
    done = client.get(location)
    assert done.status_code == 200
    assert reference in done.text
    assert "What happens next" in done.text
    assert "Immediate risk" not in done.text
    # Nobody else can open someone's confirmation page; unknown references are 404 too.
    assert world.client("analyst").get(location).status_code == 404
    assert client.get("/intake/new/done?ref=BCN-00000000").status_code == 404
    assert client.get("/intake/new/done").status_code == 404


def test_other_source_type_and_point_and_range(world: World) -> None:
    client = world.client("engagement")
    first = dt.date.today() - dt.timedelta(days=10)
    last = dt.date.today() - dt.timedelta(days=3)
    form = good_form(
        source_type="other",
        source_type_other="Street outreach team",
        location_mode="point",
        latitude="50.8225",
        longitude="-0.1372",
        postcode="",
        when_mode="range",
        occurred_from_day=str(first.day),
        occurred_from_month=str(first.month),
        occurred_from_year=str(first.year),
        occurred_to_day=str(last.day),
        occurred_to_month=str(last.month),
        occurred_to_year=str(last.year),
        handling_code="P",
        handling_conditions="",
        theme="",
    )
    response = submit(world, client, form)
    assert response.status_code == 303, response.text
    with world.runtime.sessions() as session:
        report = session.scalars(select(IntelReport)).one()
        assert report.source_type == "Street outreach team"
        assert (report.latitude, report.longitude) == (50.8225, -0.1372)
        assert (report.occurred_from, report.occurred_to) == (first, last)
        assert report.handling_code == "P" and report.handling_conditions is None
        assert report.theme is None


def test_every_field_is_reported_at_once(world: World) -> None:
    client = world.client("partner")
    response = client.post("/intake/new", data={"csrf_token": csrf(client)})
    assert response.status_code == 422
    for name, target in (
        ("summary", "summary"),
        ("narrative", "narrative"),
        ("source_type", "source_type"),
        ("occurred_from", "occurred_from_day"),
        ("source_evaluation", "source_evaluation"),
        ("intelligence_assessment", "intelligence_assessment"),
        ("handling_code", "handling_code"),
    ):
        assert f'href="#{target}"' in response.text, name
        assert f'id="{name}-error"' in response.text, name
    assert response.text.count('class="govuk-error-message"') >= 7
    assert "<title>Error: " in response.text
    assert world.count(IntelReport) == 0


def _too_long(n: int) -> str:
    return "word " * (n // 5) + "x" * (n % 5 + 1)


# (changes to the good form, error key, the summary's link target, a message fragment)
INVALID: list[tuple[dict[str, Any], str, str, str]] = [
    ({"summary": ""}, "summary", "summary", "short summary"),
    ({"summary": "s" * 201}, "summary", "summary", "at most 200"),
    ({"narrative": ""}, "narrative", "narrative", "what happened"),
    ({"narrative": "too short"}, "narrative", "narrative", "more detail"),
    ({"narrative": _too_long(10_001)}, "narrative", "narrative", "at most 10,000"),
    ({"assessment": _too_long(10_001)}, "assessment", "assessment", "at most 10000"),
    ({"source_type": ""}, "source_type", "source_type", "kind of source"),
    ({"source_type": "Made up"}, "source_type", "source_type", "from the list"),
    ({"source_type": "other"}, "source_type_other", "source_type_other", "kind of source"),
    (
        {"source_type": "other", "source_type_other": "o" * 61},
        "source_type_other",
        "source_type_other",
        "at most 60",
    ),
    ({"source_details": "d" * 2001}, "source_details", "source_details", "at most 2000"),
    ({"location_mode": "moon"}, "location_mode", "location_mode", "how you want to say where"),
    ({"postcode": ""}, "postcode", "postcode", "enter the postcode"),
    ({"postcode": "NOT A CODE"}, "postcode", "postcode", "postcode"),
    ({"location_mode": "street", "location_text": ""}, "location_text", "location_text", "street"),
    ({"location_text": "t" * 301}, "location_text", "location_text", "at most 300"),
    (
        {"location_mode": "point", "latitude": "north", "longitude": "-0.1"},
        "latitude",
        "latitude",
        "must be a number",
    ),
    (
        {"location_mode": "point", "latitude": "10", "longitude": "-0.1"},
        "latitude",
        "latitude",
        "outside the UK",
    ),
    (
        {"location_mode": "point", "latitude": "51.5", "longitude": ""},
        "longitude",
        "longitude",
        "map",
    ),
    ({"when_mode": "someday"}, "when_mode", "when_mode", "when it happened"),
    (
        {"occurred_from_day": "", "occurred_from_month": "", "occurred_from_year": ""},
        "occurred_from",
        "occurred_from_day",
        "enter the date",
    ),
    (
        {"occurred_from_day": "31", "occurred_from_month": "2", "occurred_from_year": "2025"},
        "occurred_from",
        "occurred_from_day",
        "like 2026-03-31",
    ),
    (
        {"occurred_from_year": str(dt.date.today().year + 1)},
        "occurred_from",
        "occurred_from_day",
        "future",
    ),
    (
        {
            "when_mode": "range",
            "occurred_to_day": "1",
            "occurred_to_month": "1",
            "occurred_to_year": "2010",
        },
        "occurred_to",
        "occurred_to_day",
        "on or after",
    ),
    ({"occurred_time": "t" * 61}, "occurred_time", "occurred_time", "at most 60"),
    ({"theme": "gossip"}, "theme", "theme", "from the list"),
    ({"source_evaluation": ""}, "source_evaluation", "source_evaluation", "reliable"),
    ({"source_evaluation": "4"}, "source_evaluation", "source_evaluation", "reliable"),
    (
        {"intelligence_assessment": "F"},
        "intelligence_assessment",
        "intelligence_assessment",
        "A, B",
    ),
    ({"handling_code": "X"}, "handling_code", "handling_code", "P (may be shared)"),
    ({"handling_conditions": ""}, "handling_conditions", "handling_conditions", "conditions"),
    ({"subjects-0-kind": "alien"}, "subjects[0].kind", "subjects-0-kind", "must be one of"),
    ({"subjects-1-role": "boss"}, "subjects[1].role", "subjects-1-role", "suspect, victim"),
    (
        {"subjects-4-kind": "phone", "subjects-4-value": ""},
        "subjects[4].value",
        "subjects-4-value",
        "enter the name",
    ),
    ({"subjects-2-value": "v" * 301}, "subjects[2].value", "subjects-2-value", "at most 300"),
    (
        {"subjects-2-details": "d" * 2001},
        "subjects[2].details",
        "subjects-2-details",
        "at most 2000",
    ),
    ({"indicators": "not-a-number"}, "indicators", "indicators", "unknown indicator"),
    ({"indicators": "999999"}, "indicators", "indicators", "unknown or retired"),
    ({"indicators": "9" * 40}, "indicators", "indicators", "unknown indicator"),
]


def _check_invalid(
    world: World, client: TestClient, changes: dict[str, Any], key: str, target: str, fragment: str
) -> None:
    response = submit(world, client, good_form(**changes))
    assert response.status_code == 422, response.status_code
    text = html.unescape(response.text)
    summary = text.split('govuk-error-summary__list">', 1)[1].split("</ul>", 1)[0]
    links = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', summary)
    assert [t for t, _ in links] == [target], links
    assert fragment.lower() in links[0][1].lower(), links
    assert links[0][1][0].isupper(), links  # a sentence
    # The field it links to exists on the page, and carries its inline error.
    assert f'id="{target}"' in response.text
    error_id = target if key.startswith("subjects") else key
    assert f'id="{error_id}-error"' in response.text, error_id
    # Values are kept.
    if key != "summary":
        assert 'value="Possible cuckooing at a council flat"' in response.text
    if key != "narrative":
        assert "Three young men arrive by taxi" in response.text


def test_each_invalid_field(world: World) -> None:
    """Every rule, one at a time: 422, one linked error in the summary, the inline error, the
    values kept, and nothing stored."""
    client = world.client("partner")
    problems = []
    for changes, key, target, fragment in INVALID:
        try:
            _check_invalid(world, client, changes, key, target, fragment)
        except AssertionError as error:
            problems.append(f"{key} {changes!r:.80}: {error}")
    assert not problems, "\n".join(problems)
    assert world.count(IntelReport) == 0
    assert world.count(IntelSubject) == 0
    assert world.count(IntelRawSubmission) == 0


def test_retired_indicator_is_refused(world: World) -> None:
    retired = indicator_ids(world, "cse", 1)[0]
    with world.runtime.sessions() as session:
        indicator = session.get(IntelIndicator, retired)
        assert indicator is not None
        service.save_indicator(
            session,
            actor=f.SYSTEM,
            theme=indicator.theme,
            code=indicator.code,
            label=indicator.label,
            weight=indicator.weight,
            active=False,
        )
        session.commit()
    client = world.client("partner")
    page = client.get("/intake/new")
    assert page.status_code == 200
    assert f'id="indicator-{retired}"' not in page.text
    response = submit(world, client, {**good_form(), "indicators": str(retired)})
    assert response.status_code == 422
    assert "Unknown or retired indicators" in response.text
    assert world.count(IntelReport) == 0


def test_more_subject_rows_without_javascript(world: World) -> None:
    client = world.client("partner")
    form = good_form(action="more_rows", summary="Kept while adding rows")
    response = submit(world, client, form)
    assert response.status_code == 200
    assert 'name="subjects-9-value"' in response.text
    assert 'name="subjects-10-value"' not in response.text
    assert 'name="subject_rows" value="10"' in response.text
    assert 'value="Kept while adding rows"' in response.text
    assert 'value="AB12 CDE"' in response.text
    assert "There is a problem" not in response.text
    assert world.count(IntelReport) == 0
    # Rows typed into the new ones are read on the next submission.
    form = good_form(
        subject_rows="10", **{"subjects-9-kind": "phone", "subjects-9-value": "07700 900123"}
    )
    assert submit(world, client, form).status_code == 303
    with world.runtime.sessions() as session:
        assert (
            session.scalar(select(IntelSubject.role).where(IntelSubject.value == "07700 900123"))
            == "other"
        )
    # At most 50 rows: the button goes away; 51 filled rows are refused.
    page = submit(world, client, good_form(action="more_rows", subject_rows="48"))
    assert 'name="subjects-49-value"' in page.text and 'name="subjects-50-value"' not in page.text
    assert "at most 50 subjects" in page.text
    many = {f"subjects-{i}-kind": "person" for i in range(51)}
    many |= {f"subjects-{i}-value": f"Person {i}" for i in range(51)}
    response = submit(world, client, good_form(subject_rows="51", **many))
    assert response.status_code == 422
    assert 'href="#subject-rows"' in response.text
    assert world.count(IntelReport) == 1


def test_hostile_text_is_escaped_and_stored_as_typed(world: World) -> None:
    client = world.client("partner")
    hostile = '<script>alert("x")</script> & "quotes"'
    response = submit(world, client, good_form(summary=hostile, narrative=""))
    assert response.status_code == 422
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert" in response.text
    form = good_form(summary="Hostile text test", narrative=hostile + " seen at the flat")
    assert submit(world, client, form).status_code == 303
    with world.runtime.sessions() as session:
        raw = session.scalars(select(IntelRawSubmission)).one()
        assert raw.narrative.startswith(hostile)


def test_oversized_form_is_refused_before_parsing(world: World) -> None:
    client = world.client("partner")
    token = csrf(client)
    response = client.post(
        "/intake/new",
        data={**good_form(), "narrative": "x" * (1024 * 1024 + 10), "csrf_token": token},
    )
    assert response.status_code == 413
    assert world.count(IntelReport) == 0


def test_form_needs_csrf_and_permission(world: World) -> None:
    partner = world.client("partner")
    assert partner.post("/intake/new", data=good_form()).status_code == 403
    assert (
        partner.post("/intake/new", data={**good_form(), "csrf_token": "forged"}).status_code == 403
    )
    for who in ("admin", "tasking"):
        client = world.client(who)
        assert client.get("/intake/new").status_code in (403, 404)
        response = client.post(
            "/intake/new", data={**good_form(), "csrf_token": csrf(client)}, follow_redirects=False
        )
        assert response.status_code == 403
    anonymous = world.client(None)
    response = anonymous.get("/intake/new/done?ref=x", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert world.count(IntelReport) == 0


def test_immediate_risk_without_email_says_so(world: World) -> None:
    client = world.client("partner")
    response = submit(world, client, good_form(immediate_risk="yes"))
    assert response.status_code == 303
    done = client.get(response.headers["location"])
    assert "E-mail is not set up on this Beacon" in done.text
    assert "Phone the duty supervisor" in done.text
    with world.runtime.sessions() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.status == "pending"
        assert message.recipient == world.people["supervisor"].email


# ---------------------------------------------------------------------------------------------
# Indicator checklists (admins)


def _admin_post(client: TestClient, data: dict[str, str]) -> Any:
    return client.post(
        "/admin/indicators",
        data={**data, "csrf_token": csrf(client, "/admin/indicators")},
        follow_redirects=False,
    )


def test_admin_lists_every_checklist(world: World) -> None:
    client = world.client("admin")
    page = client.get("/admin/indicators")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    with world.runtime.sessions() as session:
        indicators = service.list_indicators(session, include_retired=True)
    for indicator in indicators:
        assert f'id="label-{indicator.id}"' in page.text
        assert f'id="weight-{indicator.id}"' in page.text
    for label in ("Cuckooing", "Child sexual exploitation", "Modern slavery", "Radicalisation"):
        assert label in page.text
    assert 'href="/admin/indicators" aria-current="page"' in page.text
    # The admin navigation links to it from the other admin pages.
    assert 'href="/admin/indicators"' in client.get("/admin/organisations").text


def test_weight_change_is_audited_and_leaves_old_reports_alone(world: World) -> None:
    ticked = indicator_ids(world, "cuckooing", 1)[0]
    partner = world.client("partner")
    assert submit(world, partner, {**good_form(), "indicators": str(ticked)}).status_code == 303
    with world.runtime.sessions() as session:
        indicator = session.get(IntelIndicator, ticked)
        assert indicator is not None
        old_weight, label = indicator.weight, indicator.label
    new_weight = 9 if old_weight != 9 else 8
    admin = world.client("admin")
    response = _admin_post(
        admin,
        {
            "action": "save",
            "indicator_id": str(ticked),
            "label": label + " (revised)",
            "weight": str(new_weight),
            "active": "yes",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/indicators?saved={ticked}"
    page = admin.get(response.headers["location"])
    assert "Saved “" in html.unescape(page.text)
    with world.runtime.sessions() as session:
        indicator = session.get(IntelIndicator, ticked)
        assert indicator is not None
        assert indicator.weight == new_weight and indicator.label.endswith("(revised)")
        # The earlier report keeps the weight it was submitted with.
        assert session.scalar(select(IntelReportIndicator.weight)) == old_weight
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.event == "intel.indicator_saved")
        ).one()
        assert event.action == AuditAction.ALTERATION
        assert event.actor_id == world.people["admin"].user_id
        assert event.record_type == "intel_indicator" and event.record_id == str(ticked)
        assert f'"weight": {old_weight}' in event.details_json
        assert f'"weight": {new_weight}' in event.details_json
    # A report submitted now gets the new weight.
    assert submit(world, partner, {**good_form(), "indicators": str(ticked)}).status_code == 303
    with world.runtime.sessions() as session:
        weights = sorted(session.scalars(select(IntelReportIndicator.weight)))
        assert weights == sorted([old_weight, new_weight])


def test_admin_retires_and_adds_indicators(world: World) -> None:
    retired = indicator_ids(world, "radicalisation", 1)[0]
    admin = world.client("admin")
    with world.runtime.sessions() as session:
        indicator = session.get(IntelIndicator, retired)
        assert indicator is not None
        label = indicator.label
    response = _admin_post(
        admin, {"action": "save", "indicator_id": str(retired), "label": label, "weight": "3"}
    )
    assert response.status_code == 303
    with world.runtime.sessions() as session:
        assert (
            session.scalar(select(IntelIndicator.active).where(IntelIndicator.id == retired))
            is False
        )
    page = admin.get("/admin/indicators")
    assert f'id="active-{retired}"' in page.text  # still listed, so it can come back
    # Add one (the code made from the wording) to a theme without a checklist.
    response = _admin_post(
        admin,
        {
            "action": "add",
            "add-theme": "asb",
            "add-label": "Groups gathering late",
            "add-weight": "2",
        },
    )
    assert response.status_code == 303
    with world.runtime.sessions() as session:
        added = session.scalars(select(IntelIndicator).where(IntelIndicator.theme == "asb")).one()
        assert (added.code, added.label, added.weight, added.active) == (
            "groups_gathering_late",
            "Groups gathering late",
            2,
            True,
        )
        assert (
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.event == "intel.indicator_saved")
            )
            == 2
        )
    # The same code again is refused with a clear message.
    response = _admin_post(
        admin,
        {
            "action": "add",
            "add-theme": "asb",
            "add-label": "Groups gathering late",
            "add-weight": "2",
        },
    )
    assert response.status_code == 400
    assert "already has an indicator" in html.unescape(response.text)


ADMIN_INVALID: list[tuple[dict[str, str], str]] = [
    ({"action": "add", "add-theme": "", "add-label": "x", "add-weight": "1"}, "add-theme"),
    ({"action": "add", "add-theme": "asb", "add-label": " ", "add-weight": "1"}, "add-label"),
    ({"action": "add", "add-theme": "asb", "add-label": "x", "add-weight": "11"}, "add-weight"),
    ({"action": "add", "add-theme": "asb", "add-label": "x", "add-weight": "-1"}, "add-weight"),
    (
        {
            "action": "add",
            "add-theme": "asb",
            "add-label": "x",
            "add-code": "a b",
            "add-weight": "1",
        },
        "add-code",
    ),
    ({"action": "add", "add-theme": "asb", "add-label": "l" * 301, "add-weight": "1"}, "add-label"),
    ({"action": "save", "indicator_id": "ROW", "label": "x", "weight": "ten"}, "weight-ROW"),
    ({"action": "save", "indicator_id": "ROW", "label": "", "weight": "1"}, "label-ROW"),
    ({"action": "save", "indicator_id": "99999999", "label": "x", "weight": "1"}, "indicators"),
    ({"action": "nothing"}, "add-theme"),
]


def test_admin_validation(world: World) -> None:
    row = str(indicator_ids(world, "cse", 1)[0])
    admin = world.client("admin")
    with world.runtime.sessions() as session:
        before = [(i.label, i.weight, i.active) for i in service.list_indicators(session)]
    for data, field in ADMIN_INVALID:
        data = {k: v.replace("ROW", row) for k, v in data.items()}
        field = field.replace("ROW", row)
        response = _admin_post(admin, data)
        assert response.status_code == 400, data
        assert f'id="{field}-error"' in response.text, (field, data)
        assert f'href="#{field}"' in response.text, (field, data)
        assert f'id="{field}"' in response.text, (field, data)
    with world.runtime.sessions() as session:
        assert [(i.label, i.weight, i.active) for i in service.list_indicators(session)] == before
        assert not session.scalars(
            select(AuditEvent).where(AuditEvent.event == "intel.indicator_saved")
        ).all()


def test_admin_page_is_refused_and_audited_for_everyone_else(world: World) -> None:
    for who in ("supervisor", "analyst", "partner"):
        client = world.client(who)
        assert client.get("/admin/indicators").status_code == 403
        response = client.post(
            "/admin/indicators",
            data={
                "action": "add",
                "add-theme": "asb",
                "add-label": "x",
                "add-weight": "1",
                "csrf_token": csrf(client),
            },
        )
        assert response.status_code == 403
    with world.runtime.sessions() as session:
        denied = session.scalars(
            select(AuditEvent).where(
                AuditEvent.event == "access.denied", AuditEvent.record_id == "/admin/indicators"
            )
        ).all()
        assert len(denied) == 6
        assert {e.actor_id for e in denied} == {
            world.people[w].user_id for w in ("supervisor", "analyst", "partner")
        }
        assert all("admin.organisations" in e.details_json for e in denied)
        assert (
            session.scalar(
                select(func.count())
                .select_from(IntelIndicator)
                .where(IntelIndicator.theme == "asb")
            )
            == 0
        )
    anonymous = world.client(None)
    response = anonymous.get("/admin/indicators", follow_redirects=False)
    assert response.status_code == 303
    # Without the CSRF token even an admin is refused.
    admin = world.client("admin")
    assert admin.post("/admin/indicators", data={"action": "add"}).status_code == 403
