"""The partner intelligence JSON API (/api/intel/...), on both backends.

Submitting with an API token (scope ``intel.submit``); every invalid field answered at once as
422 ``{"detail": [{"field", "message"}]}`` with nothing stored; malformed, oversized and hostile
bodies refused with a clear 4xx; reading lists and reports only as ``access.decide`` allows,
with only the allowed field groups (tokens never get source details), each read audited.
"""

from __future__ import annotations

import datetime as dt
import json
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
from beacon.auth.tokens import create_api_token
from beacon.config import Settings
from beacon.intake import service
from beacon.intake.models import (
    IntelIndicator,
    IntelRawSubmission,
    IntelReport,
    IntelReportIndicator,
    IntelSubject,
)
from beacon.intake.schemas import Grading
from beacon.runtime import Runtime

from . import factories as f

BASE = "https://testserver"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
HUB = "Home Police"
OTHER = "Other Council"


@dataclass
class World:
    app: FastAPI
    runtime: Runtime
    settings: Settings
    people: dict[str, f.Person]
    home: int
    other: int
    tokens: dict[str, str]
    clients: list[TestClient]

    def client(self, who: str | None = None) -> TestClient:
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

    def api(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[token]}"}

    def count(self, model: Any) -> int:
        with self.runtime.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def world(runtime: Runtime, settings: Settings) -> Iterator[World]:
    with runtime.sessions() as session:
        home = f.organisation(session, HUB)
        other = f.organisation(session, OTHER)
        people = {
            "supervisor": f.person(session, home, "intelligence_supervisor"),
            "analyst": f.person(session, home, "analyst"),
            "partner": f.person(session, other, "partner_contributor"),
            "other_supervisor": f.person(session, other, "intelligence_supervisor"),
        }
        tokens: dict[str, str] = {}
        for name, organisation, scopes in (
            ("submit", other, ["intel.submit"]),
            ("data", other, ["data.read"]),
            ("reader", home, ["intel.read", "intel.read_own", "intel.submit"]),
        ):
            _, plaintext = create_api_token(
                session,
                organisation_id=organisation,
                name=f"{name} system",
                scopes=scopes,
                expires_in_days=30,
                created_by=None,
                actor=f.SYSTEM,
            )
            tokens[name] = plaintext
        session.commit()
    hub = settings.model_copy(update={"intake_organisation": HUB})
    app = create_app(runtime=runtime)
    app.state.settings = hub
    clients: list[TestClient] = []
    yield World(app, runtime, hub, people, home, other, tokens, clients)
    for client in clients:
        client.__exit__(None, None, None)


def indicator_ids(world: World, theme: str, count: int) -> list[int]:
    with world.runtime.sessions() as session:
        return list(
            session.scalars(
                select(IntelIndicator.id)
                .where(IntelIndicator.theme == theme)
                .order_by(IntelIndicator.id)
                .limit(count)
            )
        )


def good_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "summary": "Young people brought in by train to deal",
        "narrative": "Two boys aged about 15 arrive on the 16:10 train each Friday.",
        "assessment": "Looks like a county line using local children.",
        "source_type": "Youth service or youth work",
        "source_details": "Youth worker at the station drop-in saw them three Fridays running.",
        "location": {"mode": "street", "text": "Station approach"},
        "when": {
            "mode": "range",
            "from": (dt.date.today() - dt.timedelta(days=21)).isoformat(),
            "to": (dt.date.today() - dt.timedelta(days=7)).isoformat(),
            "time": "16:10",
        },
        "theme": "county_lines",
        "grading": {
            "source_evaluation": "1",
            "intelligence_assessment": "A",
            "handling_code": "C",
            "handling_conditions": "Police and youth services only",
        },
        "immediate_risk": False,
        "subjects": [
            {"kind": "person", "role": "victim", "value": "Boy, about 15, blue hoodie"},
            {"kind": "person", "role": "suspect", "value": "Man, 30s", "details": "Meets them"},
            {"kind": "phone", "role": "suspect", "value": "07700 900123"},
            {"kind": "online_account", "role": "witness", "value": "@station_watch"},
        ],
        "indicator_ids": [],
    }
    body.update(changes)
    return body


def test_token_submits_a_report(world: World) -> None:
    client = world.client()
    ticked = indicator_ids(world, "county_lines", 3)
    response = client.post(
        "/api/intel/reports", json=good_body(indicator_ids=ticked), headers=world.api("submit")
    )
    assert response.status_code == 201, response.text
    payload = response.json()
    assert set(payload) == {"id", "reference", "state", "immediate_risk_alerts"}
    assert payload["state"] == "received"
    assert payload["reference"].startswith("BCN-")
    assert payload["immediate_risk_alerts"] == {"recipients": 0, "sent": 0, "pending": 0}
    assert response.headers["location"] == f"/api/intel/reports/{payload['id']}"
    assert response.headers["cache-control"] == "no-store"
    with world.runtime.sessions() as session:
        report = session.get(IntelReport, payload["id"])
        assert report is not None
        assert report.owning_organisation_id == world.home
        assert report.source_organisation_id == world.other
        assert report.submitted_by_user_id is None
        assert report.location_mode == "street"
        assert report.occurred_time == "16:10"
        assert (report.source_details or "").startswith("Youth worker at the station")
        raw = session.scalars(select(IntelRawSubmission)).one()
        assert raw.narrative.startswith("Two boys aged about 15")
        assert raw.assessment == "Looks like a county line using local children."
        assert raw.location_text == "Station approach"
        roles = sorted((s.kind, s.role) for s in session.scalars(select(IntelSubject)))
        assert roles == [
            ("online_account", "witness"),
            ("person", "suspect"),
            ("person", "victim"),
            ("phone", "suspect"),
        ]
        weights = dict(
            session.execute(
                select(IntelReportIndicator.indicator_id, IntelReportIndicator.weight)
            ).all()
        )
        assert set(weights) == set(ticked)
        for indicator_id, weight in weights.items():
            indicator = session.get(IntelIndicator, indicator_id)
            assert indicator is not None and indicator.weight == weight
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.event == "intel.partner_report_received")
        ).one()
        assert event.actor_kind == "api_token"


def test_submitting_needs_a_token_with_the_scope(world: World) -> None:
    anonymous = world.client()
    body = good_body()
    assert anonymous.post("/api/intel/reports", json=body).status_code == 401
    response = anonymous.post("/api/intel/reports", json=body, headers=world.api("data"))
    assert response.status_code == 403
    response = anonymous.post(
        "/api/intel/reports", json=body, headers={"Authorization": "Bearer bcn_nope"}
    )
    assert response.status_code == 401
    # A signed-in browser may read the API but never change anything through it.
    browser = world.client("partner")
    assert browser.post("/api/intel/reports", json=body).status_code == 401
    assert world.count(IntelReport) == 0


def test_every_invalid_field_is_listed(world: World) -> None:
    client = world.client()
    body = {
        "summary": "",
        "narrative": "short",
        "assessment": "a" * 10_001,
        "source_type": "",
        "source_details": "d" * 2001,
        "location": {"mode": "postcode", "postcode": "NOPE"},
        "when": {"mode": "range", "from": "yesterday", "to": "2000-01-01", "time": "t" * 61},
        "theme": "gossip",
        "grading": {
            "source_evaluation": "4",
            "intelligence_assessment": "Z",
            "handling_code": "C",
        },
        "subjects": [
            {"kind": "alien", "value": "x"},
            {"kind": "person", "role": "boss", "value": "y"},
            {"kind": "vehicle", "value": ""},
            {},
        ],
        "indicator_ids": [0],
    }
    response = client.post("/api/intel/reports", json=body, headers=world.api("submit"))
    assert response.status_code == 422
    detail = response.json()["detail"]
    fields = [item["field"] for item in detail]
    assert fields == [
        "summary",
        "narrative",
        "assessment",
        "source_type",
        "source_details",
        "location.postcode",
        "when.time",
        "when.from",
        "when.to",
        "theme",
        "grading.source_evaluation",
        "grading.intelligence_assessment",
        "grading.handling_conditions",
        "subjects[0].kind",
        "subjects[1].role",
        "subjects[2].value",
        "indicator_ids",
    ]
    assert all(item["message"] and set(item) == {"field", "message"} for item in detail)
    assert world.count(IntelReport) == 0


@pytest.mark.parametrize(
    ("content", "headers", "field"),
    [
        (b"{not json", {"Content-Type": "application/json"}, "body"),
        (b"", {"Content-Type": "application/json"}, "body"),
        (b"[1, 2]", {"Content-Type": "application/json"}, "body"),
        (b"summary=x", {"Content-Type": "application/x-www-form-urlencoded"}, "body"),
        (b'{"summary": 5}', {"Content-Type": "application/json"}, "summary"),
        (b'{"surprise": true}', {"Content-Type": "application/json"}, "surprise"),
        (
            b'{"location": {"latitude": "north"}}',
            {"Content-Type": "application/json"},
            "location.latitude",
        ),
        (
            b'{"subjects": [{"kind": ["person"]}]}',
            {"Content-Type": "application/json"},
            "subjects[0].kind",
        ),
        (b'{"indicator_ids": ["x"]}', {"Content-Type": "application/json"}, "indicator_ids[0]"),
        (b'{"immediate_risk": "perhaps"}', {"Content-Type": "application/json"}, "immediate_risk"),
    ],
)
def test_malformed_bodies_are_422(
    world: World, content: bytes, headers: dict[str, str], field: str
) -> None:
    client = world.client()
    response = client.post(
        "/api/intel/reports", content=content, headers={**headers, **world.api("submit")}
    )
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert field in [item["field"] for item in detail], detail
    # Values are never echoed back: each item is a field and a message.
    assert all(set(item) == {"field", "message"} for item in detail)
    assert world.count(IntelReport) == 0


def test_hostile_values_are_4xx_and_store_nothing(world: World) -> None:
    client = world.client()
    headers = world.api("submit")
    cases: list[tuple[Any, int, str]] = [
        (good_body(indicator_ids=[10**30]), 422, "indicator_ids"),
        (good_body(indicator_ids=[-1]), 422, "indicator_ids"),
        (good_body(indicator_ids=[987654]), 422, "indicator_ids"),
        (
            good_body(subjects=[{"kind": "person", "value": f"P{i}"} for i in range(51)]),
            422,
            "subjects",
        ),
        (
            good_body(location={"mode": "point", "latitude": 1e308, "longitude": -0.1}),
            422,
            "location.latitude",
        ),
        (good_body(when={"mode": "date", "from": "9999-12-31"}), 422, "when.from"),
        (good_body(when={"mode": "date", "from": "2026-02-30"}), 422, "when.from"),
    ]
    for body, status, field in cases:
        response = client.post("/api/intel/reports", json=body, headers=headers)
        assert response.status_code == status, (field, response.text)
        assert field in [i["field"] for i in response.json()["detail"]], response.text
    # NaN and a lone surrogate (both valid to Python's JSON parser, neither storable).
    raw = json.dumps(good_body()).replace('"Young people', '"\\ud800 Young people')
    response = client.post(
        "/api/intel/reports", content=raw, headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == "summary"
    raw = json.dumps(good_body(location={"mode": "point", "latitude": 51.0, "longitude": 0.0}))
    raw = raw.replace("51.0", "NaN")
    response = client.post(
        "/api/intel/reports", content=raw, headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    # Control characters are removed, markup is stored as typed (escaped when shown).
    body = good_body(summary="Line\x00one <b>bold</b>\x07")
    response = client.post("/api/intel/reports", json=body, headers=headers)
    assert response.status_code == 201
    with world.runtime.sessions() as session:
        assert session.scalars(select(IntelReport.summary)).one() == "Lineone <b>bold</b>"
    assert world.count(IntelReport) == 1


def test_oversized_body_is_413(world: World) -> None:
    client = world.client()
    body = good_body(narrative="x" * (1024 * 1024))
    response = client.post("/api/intel/reports", json=body, headers=world.api("submit"))
    assert response.status_code == 413
    assert world.count(IntelReport) == 0


def test_no_receiving_organisation_is_503(world: World) -> None:
    world.app.state.settings = world.settings.model_copy(update={"intake_organisation": "Nobody"})
    client = world.client()
    response = client.post("/api/intel/reports", json=good_body(), headers=world.api("submit"))
    assert response.status_code == 503
    assert "not an active organisation" in response.json()["detail"]
    assert world.count(IntelReport) == 0


# ---------------------------------------------------------------------------------------------
# Reading


def _make(
    world: World, *, submitter: str, owner: str, handling: str, disseminate: bool
) -> tuple[str, str]:
    """A partner report by ``submitter`` owned by ``owner``'s organisation, optionally taken
    through sanitise -> grade -> disseminate by that organisation's supervisor."""
    owner_name = HUB if owner == "supervisor" else OTHER
    settings = world.settings.model_copy(update={"intake_organisation": owner_name})
    person = world.people[submitter]
    with world.runtime.sessions() as session:
        submitted = service.create_partner_report(
            session,
            principal=person.principal,
            actor=person.actor,
            data=f.partner_report(handling=handling),
            settings=settings,
        )
        if disseminate:
            report = session.get(IntelReport, submitted.report_id)
            assert report is not None
            boss = world.people[owner]
            service.sanitise(
                session,
                report=report,
                principal=boss.principal,
                actor=boss.actor,
                narrative="Sanitised: visitors arrive by taxi at night.",
                assessment="Sanitised opinion.",
                location_text="Whitehawk",
                summary=None,
            )
            service.grade(
                session,
                report=report,
                principal=boss.principal,
                actor=boss.actor,
                grading=Grading("2", "B", handling, "Police only" if handling == "C" else None),
                theme="cuckooing",
            )
            service.disseminate(session, report=report, principal=boss.principal, actor=boss.actor)
        session.commit()
    return submitted.report_id, submitted.reference


def test_reading_follows_the_access_decision(world: World) -> None:
    own, own_ref = _make(
        world, submitter="partner", owner="supervisor", handling="C", disseminate=False
    )
    home_c, _ = _make(
        world, submitter="analyst", owner="supervisor", handling="C", disseminate=True
    )
    other_c, other_c_ref = _make(
        world,
        submitter="other_supervisor",
        owner="other_supervisor",
        handling="C",
        disseminate=True,
    )
    other_p, _ = _make(
        world,
        submitter="other_supervisor",
        owner="other_supervisor",
        handling="P",
        disseminate=True,
    )

    def ids(client: TestClient, headers: dict[str, str] | None = None) -> set[str]:
        response = client.get("/api/intel/reports", headers=headers or {})
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["reports"]}

    analyst = world.client("analyst")
    names = {own: "own", home_c: "home_c", other_c: "other_c", other_p: "other_p"}
    assert {names[i] for i in ids(analyst)} == {"home_c", "other_p"}
    assert analyst.get(f"/api/intel/reports/{other_c}").status_code == 404
    assert analyst.get(f"/api/intel/reports/{other_c_ref}").status_code == 404
    assert analyst.get(f"/api/intel/reports/{own}").status_code == 404  # not yet disseminated
    assert analyst.get("/api/intel/reports/no-such-report").status_code == 404
    shown = analyst.get(f"/api/intel/reports/{other_p}").json()
    assert shown["fields"] == ["handling", "narrative", "subjects", "summary"]
    assert shown["narrative"] == "Sanitised: visitors arrive by taxi at night."
    assert shown["assessment"] == "Sanitised opinion."
    assert shown["source"] is None
    assert shown["grading"]["handling_code"] == "P"
    assert {(s["kind"], s["role"]) for s in shown["subjects"]} == {
        ("person", "victim"),
        ("person", "suspect"),
        ("vehicle", "suspect"),
    }

    # The hub's supervisor sees the undisseminated report, with its source details (and, as a
    # supervisor, other organisations' C-coded disseminated reports, without theirs).
    supervisor = world.client("supervisor")
    assert ids(supervisor) == {own, home_c, other_c, other_p}
    assert supervisor.get(f"/api/intel/reports/{other_c}").json()["source"] is None
    shown = supervisor.get(f"/api/intel/reports/{own_ref}").json()
    assert shown["id"] == own
    assert "source_details" in shown["fields"]
    assert shown["source"]["details"].startswith("Seen during a tenancy visit")
    assert shown["source"]["organisation_id"] == world.other
    assert shown["narrative"] is None  # not sanitised yet: the original is never in the API

    # The partner sees only what they submitted, and never source details.
    partner = world.client("partner")
    assert ids(partner) == {own}
    shown = partner.get(f"/api/intel/reports/{own}").json()
    assert shown["source"] is None and "source_details" not in shown["fields"]
    assert shown["summary"] == "Possible cuckooing at a council flat"
    assert partner.get(f"/api/intel/reports/{home_c}").status_code == 404

    # A token with intel.read never gets source details, and has no "own submissions".
    reader = world.api("reader")
    assert ids(world.client(), reader) == {home_c, other_p}
    shown = world.client().get(f"/api/intel/reports/{home_c}", headers=reader).json()
    assert shown["source"] is None and "source_details" not in shown["fields"]
    assert world.client().get(f"/api/intel/reports/{other_c}", headers=reader).status_code == 404
    # A token with intel.submit only may not read.
    assert world.client().get("/api/intel/reports", headers=world.api("submit")).status_code == 403

    # Every list is audited once with the ids it returned; every view once, with its fields.
    with world.runtime.sessions() as session:
        listed = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.event == "intel.reports_listed")
            .order_by(AuditEvent.seq)
        ).all()
        assert len(listed) == 4
        assert all(e.action == AuditAction.CONSULTATION for e in listed)
        first = json.loads(listed[0].details_json)
        assert set(first["ids"]) == {home_c, other_p}
        assert listed[0].actor_id == world.people["analyst"].user_id
        assert listed[-1].actor_kind == "api_token"
        viewed = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.event == "intel.report_viewed")
            .order_by(AuditEvent.seq)
        ).all()
        assert [e.record_id for e in viewed] == [other_p, other_c, own, own, home_c]
        with_source = ["source_details" in e.details_json for e in viewed]
        assert with_source == [False, False, True, False, False]


def test_list_filters_and_query_errors(world: World) -> None:
    home_c, _ = _make(
        world, submitter="analyst", owner="supervisor", handling="C", disseminate=True
    )
    client = world.client("supervisor")
    response = client.get("/api/intel/reports?state=disseminated&limit=1")
    assert [r["id"] for r in response.json()["reports"]] == [home_c]
    assert client.get("/api/intel/reports?state=received").json() == {"reports": []}
    for query, field in (
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=x", "limit"),
        ("state=lost", "state"),
    ):
        response = client.get(f"/api/intel/reports?{query}")
        assert response.status_code == 422, query
        assert response.json()["detail"][0]["field"] == field


def test_indicators_and_themes(world: World) -> None:
    client = world.client()
    response = client.get("/api/intel/indicators", headers=world.api("submit"))
    assert response.status_code == 200
    themes = {group["theme"]: group for group in response.json()["themes"]}
    assert set(themes) == {"cuckooing", "county_lines", "cse", "modern_slavery", "radicalisation"}
    with world.runtime.sessions() as session:
        for indicator in service.list_indicators(session):
            listed = {i["id"]: i for i in themes[indicator.theme]["indicators"]}
            assert listed[indicator.id] == {
                "id": indicator.id,
                "code": indicator.code,
                "label": indicator.label,
                "weight": indicator.weight,
            }
    assert themes["cse"]["label"] == "Child sexual exploitation"
    response = client.get("/api/intel/themes", headers=world.api("submit"))
    assert {
        "key": "modern_slavery",
        "label": "Modern slavery and human trafficking",
        "police_categories": [],
        "active": True,
    } in response.json()["themes"]
    assert client.get("/api/intel/themes", headers=world.api("data")).status_code == 403
    assert client.get("/api/intel/indicators").status_code == 401
    # Signed-in partners can read them from the browser too.
    assert world.client("partner").get("/api/intel/indicators").status_code == 200


def test_openapi_documents_the_api(world: World) -> None:
    schema = world.client().get("/api/openapi.json").json()
    paths = schema["paths"]
    assert set(paths["/api/intel/reports"]) == {"get", "post"}
    post = paths["/api/intel/reports"]["post"]
    assert set(post["responses"]) >= {"201", "401", "403", "413", "422"}
    body = schema["components"]["schemas"]["PartnerReportBody"]
    assert set(body["properties"]) == {
        "summary",
        "narrative",
        "assessment",
        "source_type",
        "source_details",
        "location",
        "when",
        "theme",
        "grading",
        "immediate_risk",
        "subjects",
        "indicator_ids",
    }
    assert body["additionalProperties"] is False
    assert "from" in schema["components"]["schemas"]["WhenIn"]["properties"]
    assert "from" in schema["components"]["schemas"]["WhenOut"]["properties"]
