"""Immediate-risk alerts through a real SMTP server (aiosmtpd on 127.0.0.1), on both backends.

A report flagged as an immediate risk, from the web form or the API, e-mails the on-duty
intelligence supervisor of the receiving organisation at once (exactly one message, with the
reference and none of the report's content); with nobody on duty every supervisor there is
told; with the mail server down the message waits in the outbox with its error, and
``beacon outbox send`` delivers it later.
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
from sqlalchemy import select

from beacon.app import create_app
from beacon.audit.models import AuditEvent
from beacon.audit.service import AuditActor
from beacon.auth.service import create_organisation, create_user, disable_user
from beacon.auth.tokens import create_api_token
from beacon.config import Settings
from beacon.intake import service
from beacon.notify.models import OutboxMessage
from beacon.runtime import Runtime

from .conftest import MailServer, free_port

BASE = "https://testserver"
PASSWORD = "lantern-quartz-harbour-61"
HUB = "County Police"
ACTOR = AuditActor.system("test")
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
NARRATIVE = "Tenant seen crying at the window; three men moved in on Sunday."
SUMMARY = "Tenant held in own flat by dealers"


@dataclass
class World:
    app: FastAPI
    runtime: Runtime
    settings: Settings
    users: dict[str, tuple[int, str]]  # name -> (user id, email)
    hub: int
    token: str
    clients: list[TestClient]

    def browser(self, who: str) -> TestClient:
        client = TestClient(self.app, base_url=BASE)
        client.__enter__()
        self.clients.append(client)
        token = _CSRF.search(client.get("/login").text)
        assert token
        response = client.post(
            "/login",
            data={"email": self.users[who][1], "password": PASSWORD, "csrf_token": token[1]},
            follow_redirects=False,
        )
        assert response.status_code == 303
        return client

    def email(self, who: str) -> str:
        return self.users[who][1]

    def duty(self, who: str, on: bool) -> None:
        with self.runtime.sessions() as session:
            service.set_on_duty(
                session,
                user_id=self.users[who][0],
                organisation_id=self.hub,
                on_duty=on,
                actor=ACTOR,
            )
            session.commit()

    def mail_to(self, server: MailServer) -> None:
        self.app.state.settings = self.settings.model_copy(
            update={"smtp_host": server.host, "smtp_port": server.port}
        )

    def outbox(self) -> list[OutboxMessage]:
        with self.runtime.sessions() as session:
            return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def world(runtime: Runtime, settings: Settings) -> Iterator[World]:
    users: dict[str, tuple[int, str]] = {}
    with runtime.sessions() as session:
        hub = create_organisation(session, name=HUB, org_type="police_force", actor=ACTOR)
        council = create_organisation(
            session, name="Town Council", org_type="district_council", actor=ACTOR
        )
        for name, organisation, role in (
            ("sup1", hub.id, "intelligence_supervisor"),
            ("sup2", hub.id, "intelligence_supervisor"),
            ("sup3", hub.id, "intelligence_supervisor"),
            ("analyst", hub.id, "analyst"),
            ("partner", council.id, "partner_contributor"),
            ("council_sup", council.id, "intelligence_supervisor"),
        ):
            user = create_user(
                session,
                organisation_id=organisation,
                email=f"{name}@example.org",
                display_name=name.title(),
                password=PASSWORD,
                roles=[role],
                actor=ACTOR,
            )
            users[name] = (user.id, user.email)
        _, token = create_api_token(
            session,
            organisation_id=council.id,
            name="Council CRM",
            scopes=["intel.submit"],
            expires_in_days=30,
            created_by=None,
            actor=ACTOR,
        )
        session.commit()
        hub_id = hub.id
    app = create_app(runtime=runtime)
    hub_settings = settings.model_copy(update={"intake_organisation": HUB})
    app.state.settings = hub_settings
    clients: list[TestClient] = []
    yield World(app, runtime, hub_settings, users, hub_id, token, clients)
    for client in clients:
        client.__exit__(None, None, None)


def form_fields(**changes: str) -> dict[str, str]:
    day = dt.date.today()
    fields = {
        "summary": SUMMARY,
        "narrative": NARRATIVE,
        "assessment": "I think the dealers are using the flat to deal from.",
        "source_type": "Housing officer visit",
        "source_details": "Neighbour phoned the housing office this morning.",
        "location_mode": "street",
        "location_text": "Flat 3, Elm Court",
        "when_mode": "date",
        "occurred_from_day": str(day.day),
        "occurred_from_month": str(day.month),
        "occurred_from_year": str(day.year),
        "theme": "cuckooing",
        "subjects-0-kind": "person",
        "subjects-0-role": "victim",
        "subjects-0-value": "Mrs Example",
        "source_evaluation": "2",
        "intelligence_assessment": "B",
        "handling_code": "C",
        "handling_conditions": "Police and housing only",
        "immediate_risk": "yes",
        "action": "submit",
    }
    fields.update(changes)
    return fields


def submit_form(world: World, **changes: str) -> tuple[str, Any]:
    """Submit as the partner; (reference, the confirmation page)."""
    client = world.browser("partner")
    token = _CSRF.search(client.get("/account/password").text)
    assert token
    response = client.post(
        "/intake/new",
        data={**form_fields(**changes), "csrf_token": token[1]},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    reference = response.headers["location"].split("ref=", 1)[1]
    return reference, client.get(response.headers["location"])


def api_body() -> dict[str, Any]:
    return {
        "summary": SUMMARY,
        "narrative": NARRATIVE,
        "source_type": "Partner case system or database",
        "location": {"mode": "withheld", "text": "Elm Court area"},
        "when": {"mode": "ongoing"},
        "grading": {"source_evaluation": "2", "intelligence_assessment": "C", "handling_code": "P"},
        "immediate_risk": True,
        "subjects": [{"kind": "person", "role": "victim", "value": "Mrs Example"}],
    }


def assert_alert_only(received: Any, reference: str) -> None:
    """The e-mail names the reference and carries none of the report's content."""
    text = received.text
    assert reference in text
    assert reference in received.message["Subject"]
    for secret in (NARRATIVE, SUMMARY, "Mrs Example", "Elm Court", "Neighbour phoned", "dealers"):
        assert secret not in text, secret
        assert secret not in received.message["Subject"]


def test_form_and_api_alert_the_on_duty_supervisor_once(
    world: World, mail_server: MailServer
) -> None:
    world.mail_to(mail_server)
    world.duty("sup2", True)
    reference, done = submit_form(world)
    assert len(mail_server.received) == 1
    only = mail_server.received[0]
    assert only.recipients == [world.email("sup2")]
    assert only.message["To"] == world.email("sup2")
    assert_alert_only(only, reference)
    assert "has been e-mailed" in done.text
    [message] = world.outbox()
    assert (message.status, message.attempts, message.last_error) == ("sent", 1, None)

    client = TestClient(world.app, base_url=BASE)
    with client:
        response = client.post(
            "/api/intel/reports",
            json=api_body(),
            headers={"Authorization": f"Bearer {world.token}"},
        )
    assert response.status_code == 201, response.text
    payload = response.json()
    assert payload["immediate_risk_alerts"] == {"recipients": 1, "sent": 1, "pending": 0}
    assert len(mail_server.received) == 2
    second = mail_server.received[1]
    assert second.recipients == [world.email("sup2")]
    assert_alert_only(second, payload["reference"])
    # Nobody else was e-mailed: not the other supervisors, the analyst or the partner's own
    # organisation's supervisor.
    for who in ("sup1", "sup3", "analyst", "partner", "council_sup"):
        assert mail_server.to(world.email(who)) == []
    with world.runtime.sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.event == "intel.immediate_risk_notified")
        ).all()
        assert len(events) == 2
        assert json.loads(events[0].details_json) == {
            "nobody_on_duty": False,
            "recipients": [world.users["sup2"][0]],
        }


def test_nobody_on_duty_tells_every_supervisor(world: World, mail_server: MailServer) -> None:
    world.mail_to(mail_server)
    world.duty("sup1", True)
    world.duty("sup1", False)  # went off duty: nobody is on now
    reference, done = submit_form(world)
    recipients = sorted(r.recipients[0] for r in mail_server.received)
    assert recipients == sorted(world.email(w) for w in ("sup1", "sup2", "sup3"))
    for received in mail_server.received:
        assert len(received.recipients) == 1
        assert_alert_only(received, reference)
        assert "Nobody is marked on duty" in received.text
    assert "(3 supervisors)" in done.text


def test_nobody_to_alert_says_so(world: World, mail_server: MailServer) -> None:
    """A receiving organisation without supervisors: the page tells the partner to phone."""
    world.mail_to(mail_server)
    world.app.state.settings = world.app.state.settings.model_copy(
        update={"intake_organisation": "Town Council"}
    )
    with world.runtime.sessions() as session:
        disable_user(session, user_id=world.users["council_sup"][0], actor=ACTOR)
        session.commit()
    _, done = submit_form(world)
    assert mail_server.received == []
    assert "Nobody could be alerted by e-mail" in done.text
    assert "Phone the duty supervisor or the police now" in done.text


def test_not_flagged_sends_nothing(world: World, mail_server: MailServer) -> None:
    world.mail_to(mail_server)
    world.duty("sup2", True)
    submit_form(world, immediate_risk="")
    assert mail_server.received == []
    assert world.outbox() == []


def test_mail_server_down_then_outbox_send(
    world: World, mail_server: MailServer, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.duty("sup3", True)
    down = free_port()  # nothing listens here
    world.app.state.settings = world.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": down}
    )
    reference, done = submit_form(world)
    assert "could not be sent yet: 1 of 1 wait" in done.text
    assert "Phone the duty supervisor" in done.text
    [message] = world.outbox()
    assert message.status == "pending"
    assert message.attempts == 1
    assert message.last_error and "ConnectionRefusedError" in message.last_error
    assert message.recipient == world.email("sup3")
    assert mail_server.received == []

    monkeypatch.setenv("BEACON_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BEACON_SMTP_PORT", str(down))
    status = json.loads(cli("outbox", "status", "--json").stdout)
    assert status["counts"] == {"pending": 1, "failed": 0, "sent": 0}
    assert status["last_errors"][0]["id"] == message.id
    assert "ConnectionRefusedError" in status["last_errors"][0]["error"]
    text = cli("outbox", "status").stdout
    assert "pending 1  failed 0  sent 0" in text and "ConnectionRefusedError" in text
    # Still down: `send` says so and exits 1; the message keeps waiting.
    result = cli("outbox", "send", "--json", expect_exit=1)
    assert json.loads(result.stdout) == {"requeued": 0, "sent": 0, "failed": 1, "pending": 1}

    # The server is back: `beacon outbox send` delivers it.
    monkeypatch.setenv("BEACON_SMTP_PORT", str(mail_server.port))
    result = cli("outbox", "send")
    assert "sent 1, could not send 0, still pending 0" in result.stdout
    assert len(mail_server.received) == 1
    assert mail_server.received[0].recipients == [world.email("sup3")]
    assert_alert_only(mail_server.received[0], reference)
    [message] = world.outbox()
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, None)
    status = json.loads(cli("outbox", "status", "--json").stdout)
    assert status["counts"] == {"pending": 0, "failed": 0, "sent": 1}
    assert status["last_errors"] == []
    # Nothing left: sending again sends nothing.
    assert "sent 0" in cli("outbox", "send").stdout
    assert len(mail_server.received) == 1
