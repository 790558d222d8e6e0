"""The audit log pages: who may search, check and export; the filters; the export's contents
and its disclosure event; the chain check before and after tampering (both backends)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from itertools import count
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from beacon.app import create_app
from beacon.audit.models import AuditAction, AuditEvent
from beacon.audit.query import EXPORT_COLUMNS, read_export
from beacon.audit.service import AuditActor, record_event
from beacon.audit.verify import ChainChecker
from beacon.auth.service import create_organisation, create_user
from beacon.runtime import Runtime

from .tamper import lift_append_only

ACTOR = AuditActor.system("test")
PASSWORD = "lantern-quartz-harbour-62"
BASE = "https://testserver"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
_SEQ = re.compile(
    r'<td class="govuk-table__cell govuk-table__cell--numeric" data-label="Seq">(\d+)</td>'
)
_keys = count()

SUPERVISOR = ("intelligence_supervisor",)


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime=runtime)


@pytest.fixture
def clients(app: FastAPI) -> Iterator[list[TestClient]]:
    opened: list[TestClient] = []
    yield opened
    for client in opened:
        client.close()


def signed_in(
    app: FastAPI, runtime: Runtime, clients: list[TestClient], roles: tuple[str, ...]
) -> tuple[TestClient, int, str]:
    """A client signed in as a new user with ``roles``; returns it, the user's id and email."""
    key = next(_keys)
    with runtime.sessions() as session:
        organisation = create_organisation(
            session, name=f"Audit Council {key}", org_type="district_council", actor=ACTOR
        )
        user = create_user(
            session,
            organisation_id=organisation.id,
            email=f"user{key}@audit.example",
            display_name="Audit Tester",
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
    return client, user_id, email


def csrf(client: TestClient) -> str:
    match = _CSRF.search(client.get("/account/password").text)
    assert match
    return match.group(1)


def events(runtime: Runtime, name: str) -> list[AuditEvent]:
    with runtime.sessions() as session:
        query = select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.seq)
        return list(session.scalars(query))


def add_events(runtime: Runtime) -> dict[str, int]:
    """A few events to search: returns their seq numbers by event name."""
    alice = AuditActor(kind="user", id=9001, label="alice@partner.example", organisation_id=1)
    bob = AuditActor(kind="user", id=9002, label="bob@partner.example", organisation_id=1)
    found: dict[str, int] = {}
    with runtime.sessions() as session:
        for actor, action, name, record_type, record_id in [
            (alice, AuditAction.CONSULTATION, "test.viewed", "intel_report", 7),
            (alice, AuditAction.ALTERATION, "test.edited", "intel_report", 8),
            (bob, AuditAction.DISCLOSURE, "test.shared", "intel_report", 7),
            (bob, AuditAction.ERASURE, "test.erased", "note", 3),
        ]:
            event = record_event(
                session,
                action=action,
                event=name,
                actor=actor,
                record_type=record_type,
                record_id=record_id,
                justification=f"because {name}",
                details={"marker": name},
            )
            found[name] = event.seq
        session.commit()
    return found


def shown(response: Any) -> set[int]:
    """The seq numbers in the results table."""
    return {int(seq) for seq in _SEQ.findall(response.text)}


# ---------------------------------------------------------------------------------------------
# Who may


@pytest.mark.parametrize(
    ("roles", "search", "export"),
    [
        (SUPERVISOR, 200, 200),
        (("admin",), 200, 403),  # audit.read, not audit.export
        (("analyst",), 403, 403),
        (("partner_contributor",), 403, 403),
        (("engagement_officer",), 403, 403),
    ],
)
def test_who_may_search_verify_and_export(
    app: FastAPI,
    runtime: Runtime,
    clients: list[TestClient],
    roles: tuple[str, ...],
    search: int,
    export: int,
) -> None:
    client, _, _ = signed_in(app, runtime, clients, roles)
    assert client.get("/audit").status_code == search
    verify = client.post("/audit/verify", data={"csrf_token": csrf(client)})
    assert verify.status_code == search
    for suffix in ("csv", "jsonl"):
        assert client.get(f"/audit/export.{suffix}").status_code == export
    if export != 200:
        assert events(runtime, "audit.exported") == []
    home = client.get("/account/password").text
    assert ('href="/audit"' in home) == (search == 200)


def test_anonymous_is_sent_to_sign_in(app: FastAPI) -> None:
    with TestClient(app, base_url=BASE) as client:
        for path in ("/audit", "/audit/export.csv", "/audit/export.jsonl"):
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/login?next=")


def test_verify_needs_the_csrf_token(
    app: FastAPI, runtime: Runtime, clients: list[TestClient]
) -> None:
    client, _, _ = signed_in(app, runtime, clients, SUPERVISOR)
    assert client.post("/audit/verify").status_code == 403
    assert client.post("/audit/verify", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/audit/verify", data={"csrf_token": csrf(client)}).status_code == 200


# ---------------------------------------------------------------------------------------------
# Searching


def test_search_filters(app: FastAPI, runtime: Runtime, clients: list[TestClient]) -> None:
    client, _, _ = signed_in(app, runtime, clients, SUPERVISOR)
    seq = add_events(runtime)

    def search(**params: str) -> set[int]:
        response = client.get("/audit", params=params)
        assert response.status_code == 200, response.text
        return shown(response) & set(seq.values())

    everything = set(seq.values())
    assert search() == everything
    assert search(user="ALICE@partner.example") == {seq["test.viewed"], seq["test.edited"]}
    assert search(user="9002") == {seq["test.shared"], seq["test.erased"]}
    assert search(record_type="intel_report", record_id="7") == {
        seq["test.viewed"],
        seq["test.shared"],
    }
    assert search(record_type="note") == {seq["test.erased"]}
    assert search(action="disclosure") == {seq["test.shared"]}
    assert search(event="test.edited") == {seq["test.edited"]}
    assert search(user="alice@partner.example", action="erasure") == set()
    today = dt.datetime.now(dt.UTC).date()
    assert search(since=today.isoformat(), until=today.isoformat()) == everything
    assert search(until=(today - dt.timedelta(days=1)).isoformat()) == set()
    assert search(since=(today + dt.timedelta(days=1)).isoformat()) == set()

    page = client.get("/audit", params={"event": "test.shared"}).text
    assert "because test.shared" in page  # justification
    assert "bob<wbr>@partner.example" in page  # actor, which may wrap before the "@"
    record_id = '<span class="beacon-audit-table__sub beacon-audit-table__id">7</span>'
    assert f"intel_report {record_id}" in page  # record type, and its id below
    assert "marker" in page  # details
    # The export links keep the filters.
    assert 'href="/audit/export.csv?event=test.shared"' in page
    assert 'href="/audit/export.jsonl?event=test.shared"' in page


def test_viewing_results_is_recorded_as_a_consultation(
    app: FastAPI, runtime: Runtime, clients: list[TestClient]
) -> None:
    client, user_id, email = signed_in(app, runtime, clients, SUPERVISOR)
    add_events(runtime)
    response = client.get("/audit", params={"user": "alice@partner.example", "since": "2020-01-01"})
    assert response.status_code == 200
    [searched] = events(runtime, "audit.searched")
    assert searched.action == AuditAction.CONSULTATION
    assert (searched.actor_kind, searched.actor_id, searched.actor_label) == (
        "user",
        user_id,
        email,
    )
    details = json.loads(searched.details_json)
    assert details["filters"] == {
        "actor_label": "alice@partner.example",
        "since": "2020-01-01T00:00:00+00:00",
    }
    assert details["results"] == 2
    # Not among its own results.
    assert searched.seq not in shown(response)


def test_bad_dates_and_action_are_explained(
    app: FastAPI, runtime: Runtime, clients: list[TestClient]
) -> None:
    client, _, _ = signed_in(app, runtime, clients, SUPERVISOR)
    response = client.get("/audit", params={"since": "2026-02-30", "until": "soon"})
    assert response.status_code == 400
    page = response.text
    assert "There is a problem" in page
    assert page.count('class="govuk-error-summary"') == 1
    assert '<a href="#since">' in page and '<a href="#until">' in page
    assert 'id="since-error"' in page and 'id="until-error"' in page
    assert 'value="2026-02-30"' in page  # what was typed is kept
    assert "<title>Error: Audit log – Beacon</title>" in page
    assert 'id="events-table"' not in page
    assert events(runtime, "audit.searched") == []

    reversed_dates = client.get("/audit", params={"since": "2026-03-02", "until": "2026-03-01"})
    assert reversed_dates.status_code == 400
    assert '<a href="#until">' in reversed_dates.text
    bad_action = client.get("/audit", params={"action": "deleted"})
    assert bad_action.status_code == 400
    assert '<a href="#action">' in bad_action.text
    assert client.get("/audit/export.csv", params={"since": "yesterday"}).status_code == 400
    assert events(runtime, "audit.exported") == []


def test_results_are_paged_by_100(
    app: FastAPI, runtime: Runtime, clients: list[TestClient]
) -> None:
    client, _, _ = signed_in(app, runtime, clients, SUPERVISOR)
    with runtime.sessions() as session:
        for n in range(105):
            record_event(
                session,
                action=AuditAction.CONSULTATION,
                event="test.paged",
                actor=ACTOR,
                details={"n": n},
            )
        session.commit()
    first = client.get("/audit", params={"event": "test.paged"})
    assert len(shown(first)) == 100
    assert "Events 1 to 100" in first.text
    assert 'href="/audit?event=test.paged&amp;offset=100"' in first.text
    assert 'rel="prev"' not in first.text
    second = client.get("/audit", params={"event": "test.paged", "offset": "100"})
    assert len(shown(second)) == 5
    assert "Events 101 to 105" in second.text
    assert 'rel="next"' not in second.text
    assert 'href="/audit?event=test.paged&amp;offset=0"' in second.text
    assert not shown(first) & shown(second)
    # Nonsense offsets are the first page.
    assert len(shown(client.get("/audit", params={"event": "test.paged", "offset": "x"}))) == 100


# ---------------------------------------------------------------------------------------------
# Exporting


def test_csv_export_and_its_disclosure_event(
    app: FastAPI, runtime: Runtime, clients: list[TestClient]
) -> None:
    client, user_id, email = signed_in(app, runtime, clients, SUPERVISOR)
    seq = add_events(runtime)
    response = client.get("/audit/export.csv", params={"user": "alice@partner.example"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith('.csv"')
    assert response.headers["cache-control"] == "no-store"

    lines = response.text.splitlines()
    assert lines[0] == ",".join(EXPORT_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [int(row["seq"]) for row in rows] == [seq["test.viewed"], seq["test.edited"]]
    assert {row["actor_label"] for row in rows} == {"alice@partner.example"}
    assert rows[1]["justification"] == "because test.edited"
    assert json.loads(rows[0]["details_json"]) == {"marker": "test.viewed"}

    [exported] = events(runtime, "audit.exported")
    assert exported.action == AuditAction.DISCLOSURE
    assert (exported.actor_kind, exported.actor_id, exported.actor_label) == (
        "user",
        user_id,
        email,
    )
    details = json.loads(exported.details_json)
    assert details["filters"] == {"actor_label": "alice@partner.example"}
    assert details["format"] == "csv"
    assert details["events"] == 2
    # Recorded before the download: the next export contains it.
    again = client.get("/audit/export.csv", params={"event": "audit.exported"})
    assert [int(row["seq"]) for row in csv.DictReader(io.StringIO(again.text))] == [exported.seq]


def test_whole_jsonl_export_verifies_offline(
    app: FastAPI, runtime: Runtime, clients: list[TestClient]
) -> None:
    client, _, _ = signed_in(app, runtime, clients, SUPERVISOR)
    add_events(runtime)
    response = client.get("/audit/export.jsonl")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert response.headers["content-disposition"].endswith('.jsonl"')
    rows = list(read_export(io.StringIO(response.text), "jsonl"))
    assert len(rows) >= 4
    checker = ChainChecker()
    assert checker.feed_all(rows), checker.broken
    [exported] = events(runtime, "audit.exported")
    assert json.loads(exported.details_json)["filters"] == {}
    assert json.loads(exported.details_json)["events"] == len(rows)


# ---------------------------------------------------------------------------------------------
# Checking the chain


def test_check_the_chain_intact_then_broken(
    app: FastAPI, runtime: Runtime, clients: list[TestClient]
) -> None:
    client, _, _ = signed_in(app, runtime, clients, SUPERVISOR)
    seq = add_events(runtime)
    page = client.get("/audit")
    assert 'action="/audit/verify"' in page.text
    token = _CSRF.search(page.text)
    assert token

    intact = client.post("/audit/verify", data={"csrf_token": token.group(1)})
    assert intact.status_code == 200
    assert "The audit chain is intact" in intact.text
    assert "broken" not in intact.text

    target = seq["test.edited"]
    with runtime.engine.begin() as connection:
        lift_append_only(connection)  # an attacker with direct database access
        connection.execute(
            text("UPDATE audit_event SET actor_label = 'mallory' WHERE seq = :seq"),
            {"seq": target},
        )
    broken = client.post("/audit/verify", data={"csrf_token": token.group(1)})
    assert broken.status_code == 200
    assert "The audit chain is broken" in broken.text
    assert f"Event {target} (id " in broken.text
    assert "Hash mismatch: content changed" in broken.text
