"""Themes as data (``triage_theme``): the seeded taxonomy, changes through the service with their
audit events, the cache intake reads, intake's use of it (a retired theme is refused for new
input but still labelled on old reports), the admin pages and their refusals, and the JSON API.
Every test runs on SQLite and, when configured, PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, func, inspect, select, update
from sqlalchemy.orm import Session

from beacon.access.policy import Principal
from beacon.app import create_app
from beacon.audit.models import AuditAction, AuditEvent
from beacon.audit.service import AuditActor
from beacon.auth.service import create_organisation, create_user, user_actor
from beacon.auth.tokens import create_api_token
from beacon.config import Settings
from beacon.db.engine import normalise_url
from beacon.db.migrate import alembic_config, upgrade
from beacon.ingest.police_formats import CRIME_TYPES
from beacon.intake import service as intake
from beacon.intake.models import IntelReport, LocationMode, State, SubjectKind, SubjectRole
from beacon.intake.schemas import Grading, PartnerReportIn, SubjectIn, When, Where
from beacon.intake.themes import RESIDENT_HINTS
from beacon.runtime import Runtime
from beacon.triage import service
from beacon.triage.models import Theme
from beacon.triage.schemas import ThemeErrors
from beacon.triage.taxonomy import BUILT_IN_THEMES, POLICE_CATEGORIES

SYSTEM = AuditActor.system("test")
PASSWORD = "lantern-quartz-harbour-58"
BASE = "https://testserver"
HUB = "Hub Police"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')

# The fixed taxonomy (docs: issue 11), written out here independently of the code.
KEYS = [
    "county_lines",
    "cuckooing",
    "cce",
    "cse",
    "modern_slavery",
    "radicalisation",
    "organised_crime",
    "cyber_crime",
    "drugs",
    "domestic_abuse",
    "hate_crime",
    "asb",
    "acquisitive_crime",
    "violence_weapons",
    "youth_crime",
    "community_tension",
    "other",
]
ROLES = {
    "supervisor": "intelligence_supervisor",
    "analyst": "analyst",
    "partner": "partner_contributor",
    "engagement": "engagement_officer",
    "tasking": "tasking_member",
    "admin": "admin",
}
NOT_ADMINS = ("supervisor", "analyst", "partner", "engagement", "tasking")
THEME_CELL = '<dd class="govuk-summary-list__value">'  # the report page's "Theme" row


@dataclass
class World:
    app: FastAPI
    runtime: Runtime
    settings: Settings
    people: dict[str, tuple[int, str, Principal, AuditActor]]  # user id, email, principal, actor
    token: str
    clients: list[TestClient]

    def client(self, who: str | None) -> TestClient:
        client = TestClient(self.app, base_url=BASE)
        client.__enter__()
        self.clients.append(client)
        if who is not None:
            response = client.post(
                "/login",
                data={
                    "email": self.people[who][1],
                    "password": PASSWORD,
                    "csrf_token": _token(client, "/login"),
                },
                follow_redirects=False,
            )
            assert response.status_code == 303, response.text
        return client

    def partner_report(self, theme: str | None) -> str:
        _, _, principal, actor = self.people["partner"]
        with self.runtime.sessions() as session:
            submitted = intake.create_partner_report(
                session,
                principal=principal,
                actor=actor,
                data=report_in(theme),
                settings=self.settings,
            )
            session.commit()
            return submitted.report_id

    def sanitised(self, theme: str | None) -> str:
        report_id = self.partner_report(theme)
        _, _, principal, actor = self.people["supervisor"]
        with self.runtime.sessions() as session:
            report = session.get(IntelReport, report_id)
            assert report is not None
            intake.sanitise(
                session,
                report=report,
                principal=principal,
                actor=actor,
                narrative="Three young men arrive by taxi most nights.",
                assessment=None,
                location_text=None,
                summary="Visitors at a flat",
            )
            session.commit()
        return report_id

    def events(self, name: str) -> list[AuditEvent]:
        with self.runtime.sessions() as session:
            return list(
                session.scalars(
                    select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.seq)
                )
            )

    def theme(self, key: str) -> Theme:
        with self.runtime.sessions() as session:
            theme = service.get_theme(session, key)
            session.expunge(theme)
            return theme


def _token(client: TestClient, path: str = "/account/password") -> str:
    match = _CSRF.search(client.get(path).text)
    assert match, path
    return match[1]


def report_in(theme: str | None) -> PartnerReportIn:
    return PartnerReportIn(
        summary="Visitors at a council flat",
        narrative="Three young men arrive by taxi most nights and stay ten minutes.",
        assessment=None,
        source_type="Housing officer visit",
        source_details=None,
        where=Where(mode=LocationMode.WITHHELD, text="Whitehawk estate"),
        when=When(occurred_from=dt.date.today()),
        theme=theme,
        grading=Grading(
            source_evaluation="2",
            intelligence_assessment="B",
            handling_code="P",
            handling_conditions=None,
        ),
        immediate_risk=False,
        subjects=(SubjectIn(kind=SubjectKind.PERSON, value="Tenant", role=SubjectRole.VICTIM),),
        indicator_ids=(),
    )


@pytest.fixture
def world(runtime: Runtime, settings: Settings) -> Iterator[World]:
    people: dict[str, tuple[int, str, Principal, AuditActor]] = {}
    with runtime.sessions() as session:
        hub = create_organisation(session, name=HUB, org_type="police_force", actor=SYSTEM).id
        for name, role in ROLES.items():
            user = create_user(
                session,
                organisation_id=hub,
                email=f"{name}@hub.example",
                display_name=name.title(),
                password=PASSWORD,
                roles=(role,),
                actor=SYSTEM,
            )
            people[name] = (
                user.id,
                user.email,
                Principal.for_user(user.id, hub, (role,)),
                user_actor(user),
            )
        _, token = create_api_token(
            session,
            organisation_id=hub,
            name="partner system",
            scopes=["intel.submit"],
            expires_in_days=30,
            created_by=None,
            actor=SYSTEM,
        )
        session.commit()
    hub_settings = settings.model_copy(update={"intake_organisation": HUB})
    app = create_app(runtime=runtime)
    app.state.settings = hub_settings
    clients: list[TestClient] = []
    yield World(app, runtime, hub_settings, people, token, clients)
    for client in clients:
        client.__exit__(None, None, None)


# ---------------------------------------------------------------------------------------------
# The seeded taxonomy and the migration


def test_migration_seeds_the_seventeen_themes(db: Session) -> None:
    themes = service.list_themes(db, include_retired=True)
    assert [t.key for t in themes] == KEYS
    assert all(t.active for t in themes)
    assert [t.position for t in themes] == list(range(10, 180, 10))
    by_key = {t.key: t for t in themes}
    assert by_key["county_lines"].label == "County lines"
    assert by_key["cce"].label == "Child criminal exploitation"
    assert by_key["drugs"].police_categories == ("drugs",)
    assert by_key["asb"].police_categories[0] == "anti-social-behaviour"
    assert set(by_key["acquisitive_crime"].police_categories) == {
        "burglary",
        "robbery",
        "vehicle-crime",
        "theft-from-the-person",
        "shoplifting",
        "bicycle-theft",
        "other-theft",
    }
    assert by_key["violence_weapons"].police_categories == (
        "possession-of-weapons",
        "violent-crime",
    )
    assert by_key["community_tension"].police_categories == ("public-order",)
    for key in ("hate_crime", "domestic_abuse", "cse", "cce", "youth_crime"):
        assert by_key[key].police_categories == ()
        assert "data.police.uk publishes no category" in by_key[key].description
    assert all(t.description for t in themes)
    # Every mapped category is a real data.police.uk one, and the built-in list is the seed.
    assert {c for t in themes for c in t.police_categories} <= set(POLICE_CATEGORIES)
    assert [(b.key, b.label, b.police_categories) for b in BUILT_IN_THEMES] == [
        (t.key, t.label, t.police_categories) for t in themes
    ]


def test_police_categories_are_the_published_ones() -> None:
    assert set(POLICE_CATEGORIES.values()) == CRIME_TYPES
    assert len(POLICE_CATEGORIES) == len(CRIME_TYPES) == 14


def test_resident_hints_point_at_existing_themes(db: Session) -> None:
    labels = service.theme_labels(db)
    assert {theme for _, theme in RESIDENT_HINTS.values()} <= set(labels)


def test_migration_keeps_reports_and_matches_the_model(world: World, settings: Settings) -> None:
    county = world.partner_report("county_lines")
    odd = world.partner_report(None)
    with world.runtime.sessions() as session:  # a key no theme has (from before, or a typo)
        session.execute(update(IntelReport).where(IntelReport.id == odd).values(theme="gangs"))
        session.commit()
    engine = create_engine(normalise_url(settings.database_url))
    try:
        command.downgrade(alembic_config(settings), "0009_assessment")
        assert "triage_theme" not in inspect(engine).get_table_names()
        upgrade(settings)
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Theme.metadata)
        assert [d for d in diff if "triage_theme" in repr(d)] == []
    finally:
        engine.dispose()
    with world.runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Theme)) == 17
        assert {r.id: r.theme for r in session.scalars(select(IntelReport))} == {
            county: "county_lines",
            odd: "gangs",
        }
    supervisor = world.client("supervisor")
    assert f"{THEME_CELL}County lines</dd>" in supervisor.get(f"/intake/{county}").text
    assert f"{THEME_CELL}gangs</dd>" in supervisor.get(f"/intake/{odd}").text


# ---------------------------------------------------------------------------------------------
# The service: changes, audit events, validation, the cache


def test_create_edit_retire_restore_are_audited(world: World) -> None:
    actor = world.people["admin"][3]
    with world.runtime.sessions() as session:
        theme = service.create_theme(
            session,
            actor=actor,
            key="knife_crime",
            label="Knife crime",
            description="Knives carried or used.",
            police_categories=["violent-crime", "possession-of-weapons", "violent-crime"],
        )
        session.commit()
        assert (theme.position, theme.active) == (180, True)
        assert theme.police_categories == ("possession-of-weapons", "violent-crime")
        assert service.catalogue(session).offered()[-1] == ("knife_crime", "Knife crime")
        service.update_theme(
            session, actor=actor, key="knife_crime", label="Knife and weapon crime"
        )
        service.update_theme(
            session, actor=actor, key="knife_crime", label="Knife and weapon crime"
        )
        service.retire_theme(session, actor=actor, key="knife_crime")
        service.retire_theme(session, actor=actor, key="knife_crime")  # already retired: nothing
        session.commit()
        assert not service.catalogue(session).is_active("knife_crime")
        assert service.theme_labels(session)["knife_crime"] == "Knife and weapon crime"
        service.restore_theme(session, actor=actor, key="knife_crime")
        session.commit()
        assert service.catalogue(session).is_active("knife_crime")
    names = [
        "triage.theme_created",
        "triage.theme_updated",
        "triage.theme_retired",
        "triage.theme_restored",
    ]
    found = {name: world.events(name) for name in names}
    assert [len(found[name]) for name in names] == [1, 1, 1, 1]  # no-ops record nothing
    for name in names:
        (event_row,) = found[name]
        assert event_row.action == AuditAction.ALTERATION
        assert (event_row.record_type, event_row.record_id) == ("triage_theme", "knife_crime")
        assert event_row.actor_id == world.people["admin"][0]
    created = json.loads(found["triage.theme_created"][0].details_json)
    assert created["after"]["police_categories"] == ["possession-of-weapons", "violent-crime"]
    updated = json.loads(found["triage.theme_updated"][0].details_json)
    assert updated == {
        "before": {"label": "Knife crime"},
        "after": {"label": "Knife and weapon crime"},
    }
    retired = json.loads(found["triage.theme_retired"][0].details_json)
    assert retired["before"] == {"active": True} and retired["after"] == {"active": False}


INVALID: list[tuple[dict[str, Any], str, str]] = [
    ({"key": ""}, "key", "Enter a key"),
    ({"key": "Knife Crime"}, "key", "Key must be lower-case letters"),
    ({"key": "knife__crime"}, "key", "Key must be lower-case letters"),
    ({"key": "2knives"}, "key", "Key must be lower-case letters"),
    ({"key": "k" * 41}, "key", "Key must be 40 characters or fewer"),
    ({"key": "drugs"}, "key", "Key “drugs” is already used by the theme “Drugs”"),
    ({"key": "new"}, "key", "reserved"),
    ({"label": "  "}, "label", "Enter a label"),
    ({"label": "x" * 121}, "label", "Label must be 120 characters or fewer"),
    ({"label": "drugs"}, "label", "Label “drugs” is already used by the theme with the key drugs"),
    ({"description": "d" * 2001}, "description", "Description must be 2,000 characters or fewer"),
    (
        {"police_categories": ["burglary", "burglaries"]},
        "police_categories",
        "Police.uk categories must be data.police.uk crime categories: “burglaries” is not one",
    ),
    ({"position": -1}, "position", "Position must be a whole number from 0 to 100,000"),
]


@pytest.mark.parametrize(("change", "field", "message"), INVALID)
def test_validation_names_the_field(
    db: Session, change: dict[str, Any], field: str, message: str
) -> None:
    values: dict[str, Any] = {"key": "knife_crime", "label": "Knife crime", **change}
    with pytest.raises(ThemeErrors) as caught:
        service.create_theme(db, actor=SYSTEM, **values)
    assert list(caught.value.errors) == [field]
    assert message in caught.value.errors[field]
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Theme)) == 17
    assert (
        db.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.event.like("triage.%"))
        )
        == 0
    )
    if field != "key":  # the same rules when editing
        with pytest.raises(ThemeErrors) as caught:
            service.update_theme(db, actor=SYSTEM, **{**change, "key": "asb"})
        assert message in caught.value.errors[field]


def test_unknown_theme_is_not_found(db: Session) -> None:
    for call in (service.retire_theme, service.restore_theme, service.update_theme):
        with pytest.raises(service.ThemeNotFound):
            call(db, actor=SYSTEM, key="no_such_theme")


def test_the_cache_spares_hot_paths_and_follows_changes(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM triage_theme" in statement:
            reads.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", count)
    try:
        with runtime.sessions() as session:
            first = service.catalogue(session)
            for _ in range(5):
                assert service.catalogue(session) is first
                assert service.theme_label(session, "cce") == "Child criminal exploitation"
            assert len(reads) == 1
            assert service.theme_label(session, None) == "Not yet themed"
            assert service.theme_label(session, "gangs") == "gangs"
            # A change rolled back leaves the labels as they were.
            service.update_theme(session, actor=SYSTEM, key="cce", label="Exploited children")
            session.rollback()
            assert service.theme_labels(session)["cce"] == "Child criminal exploitation"
            # A committed change is seen at once by this process.
            service.update_theme(session, actor=SYSTEM, key="cce", label="Exploited children")
            session.commit()
            assert service.theme_labels(session)["cce"] == "Exploited children"
            # Another process's change is seen once the cache period has passed.
            session.execute(update(Theme).where(Theme.key == "cse").values(label="CSE"))
            session.commit()
            assert service.theme_labels(session)["cse"] == "Child sexual exploitation"
            monkeypatch.setattr(service, "CACHE_SECONDS", 0.0)
            assert service.theme_labels(session)["cse"] == "CSE"
    finally:
        event.remove(runtime.engine, "before_cursor_execute", count)


# ---------------------------------------------------------------------------------------------
# Intake: a retired theme is refused for new input and still labelled on old reports


def _grade_form(client: TestClient, report_id: str, theme: str) -> Any:
    return client.post(
        f"/intake/{report_id}/grade",
        data={
            "csrf_token": _token(client),
            "source_evaluation": "2",
            "intelligence_assessment": "B",
            "handling_code": "P",
            "handling_conditions": "",
            "theme": theme,
        },
        follow_redirects=False,
    )


def test_retired_theme_is_refused_for_new_reports_but_shown_on_old_ones(world: World) -> None:
    old = world.partner_report("drugs")
    to_grade = world.sanitised("drugs")
    other = world.sanitised("asb")
    admin = world.people["admin"][3]
    with world.runtime.sessions() as session:
        service.retire_theme(session, actor=admin, key="drugs")
        session.commit()
    refusal = "“Drugs” is no longer used: choose a current theme"
    # The service refuses it for a new report.
    with pytest.raises(intake.IntakeError, match="no longer used"):
        world.partner_report("drugs")
    # The API: 422 naming the field; the theme list says it is retired.
    api = world.client(None)
    headers = {"Authorization": f"Bearer {world.token}"}
    body = {
        "summary": "Dealing from a car",
        "narrative": "A man sells small bags from a silver car every evening.",
        "source_type": "Police",
        "when": {"mode": "unknown"},
        "theme": "drugs",
        "grading": {"source_evaluation": "2", "intelligence_assessment": "B", "handling_code": "P"},
    }
    response = api.post("/api/intel/reports", json=body, headers=headers)
    assert response.status_code == 422
    assert {"field": "theme", "message": refusal} in response.json()["detail"]
    assert (
        api.post("/api/intel/reports", json={**body, "theme": "asb"}, headers=headers).status_code
        == 201
    )
    # The partner form does not offer it, and refuses it if sent anyway.
    partner = world.client("partner")
    form = partner.get("/intake/new").text
    assert 'value="drugs"' not in form and 'value="asb"' in form
    response = partner.post(
        "/intake/new", data={"csrf_token": _token(partner, "/intake/new"), "theme": "drugs"}
    )
    assert response.status_code == 422 and refusal in html.unescape(response.text)
    # Grading: a different report may not be given it; the report that has it may keep it.
    supervisor = world.client("supervisor")
    refused = _grade_form(supervisor, other, "drugs")
    assert refused.status_code == 400 and refusal in html.unescape(refused.text)
    assert _grade_form(supervisor, to_grade, "drugs").status_code == 303
    _, _, principal, actor = world.people["supervisor"]
    grading = Grading(source_evaluation="2", intelligence_assessment="B", handling_code="P")
    with world.runtime.sessions() as session:
        report = session.get(IntelReport, other)
        assert report is not None
        with pytest.raises(intake.IntakeError, match="no longer used"):
            intake.grade(
                session,
                report=report,
                principal=principal,
                actor=actor,
                grading=grading,
                theme="drugs",
            )
    # Old reports still show the label, in the queue and on the report page.
    page = supervisor.get(f"/intake/{to_grade}").text
    assert f"{THEME_CELL}Drugs</dd>" in page
    assert ">Drugs (no longer used)</option>" in page  # still selectable there, marked
    assert f"{THEME_CELL}Drugs</dd>" in supervisor.get(f"/intake/{old}").text
    assert ">Drugs</td>" in supervisor.get("/intake?state=all").text
    with world.runtime.sessions() as session:
        graded = session.get(IntelReport, to_grade)
        assert graded is not None and graded.state == State.GRADED
        service.restore_theme(session, actor=admin, key="drugs")
        session.commit()
    assert world.partner_report("drugs")


# ---------------------------------------------------------------------------------------------
# Admin pages


def _post(client: TestClient, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(
        path, data={"csrf_token": _token(client), **(data or {})}, follow_redirects=False
    )


def test_admin_lists_adds_edits_retires_and_undoes(world: World) -> None:
    client = world.client("admin")
    page = client.get("/admin/themes")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = html.unescape(page.text)
    for key in KEYS:
        assert f'id="theme-{key}"' in text and f'href="/admin/themes/{key}"' in text
    assert "Anti-social behaviour<br>Criminal damage and arson" in text  # asb's categories
    assert "17 themes" in text and "(17 active)" in text
    assert 'href="/admin/themes" aria-current="page"' in text
    assert 'href="/admin/themes"' in client.get("/admin/indicators").text
    # Add.
    form = {
        "key": "knife_crime",
        "label": "Knife crime",
        "description": "Knives carried or used.",
        "police_categories": ["possession-of-weapons", "violent-crime"],
        "position": "35",
    }
    response = _post(client, "/admin/themes/new", form)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/themes?done=created&theme=knife_crime"
    assert "Added the theme “Knife crime”" in html.unescape(
        client.get(response.headers["location"]).text
    )
    theme = world.theme("knife_crime")
    assert (theme.label, theme.position, theme.police_categories) == (
        "Knife crime",
        35,
        ("possession-of-weapons", "violent-crime"),
    )
    # Edit: the form shows the values; saving changes them (the key is not a field).
    edit = client.get("/admin/themes/knife_crime").text
    assert 'value="possession-of-weapons" checked' in edit and 'name="key"' not in edit
    response = _post(
        client,
        "/admin/themes/knife_crime",
        {**form, "label": "Knives", "police_categories": ["violent-crime"]},
    )
    assert response.status_code == 303
    assert "Saved the theme “Knives”" in html.unescape(
        client.get(response.headers["location"]).text
    )
    assert world.theme("knife_crime").police_categories == ("violent-crime",)
    # Retire, with an undo on the notice; undo restores it.
    response = _post(client, "/admin/themes/knife_crime/retire")
    assert response.headers["location"] == "/admin/themes?done=retired&theme=knife_crime"
    notice = html.unescape(client.get(response.headers["location"]).text)
    assert "Retired the theme “Knives”" in notice
    assert 'action="/admin/themes/knife_crime/restore"' in notice and 'id="undo-retire"' in notice
    assert world.theme("knife_crime").active is False
    response = _post(client, "/admin/themes/knife_crime/restore")
    assert "Restored the theme “Knives”" in html.unescape(
        client.get(response.headers["location"]).text
    )
    assert world.theme("knife_crime").active is True
    for name in ("created", "updated", "retired", "restored"):
        (row,) = world.events(f"triage.theme_{name}")
        assert row.actor_id == world.people["admin"][0]
    assert client.get("/admin/themes/no_such_theme").status_code == 404
    assert _post(client, "/admin/themes/no_such_theme/retire").status_code == 404


def test_admin_form_errors_are_named_per_field(world: World) -> None:
    client = world.client("admin")
    bad = {
        "key": "Knife Crime",
        "label": "",
        "description": "d" * 2001,
        "police_categories": ["violent-crime", "hate"],
        "position": "first",
    }
    response = _post(client, "/admin/themes/new", bad)
    assert response.status_code == 400
    text = html.unescape(response.text)
    for field in ("key", "label", "description", "police_categories", "position"):
        assert (
            f'id="{field}-error"' in text and f'href="#{field}"' in text and f'id="{field}"' in text
        )
    assert "“hate” is not one" in text and 'value="Knife Crime"' in text  # values kept
    assert text.index('href="#key"') < text.index('href="#position"')  # in form order
    response = _post(client, "/admin/themes/asb", {"label": "Drugs", "position": "-3"})
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert "Label “Drugs” is already used" in text and 'id="position-error"' in text
    assert world.theme("asb").label == "Anti-social behaviour"
    assert not world.events("triage.theme_created") and not world.events("triage.theme_updated")


def test_admin_posts_need_the_csrf_token(world: World) -> None:
    client = world.client("admin")
    for path in ("/admin/themes/new", "/admin/themes/asb", "/admin/themes/asb/retire"):
        response = client.post(path, data={"key": "x_y", "label": "XY"}, follow_redirects=False)
        assert response.status_code == 403, path
        response = client.post(
            path, data={"csrf_token": "forged", "label": "XY"}, follow_redirects=False
        )
        assert response.status_code == 403, path
    assert world.theme("asb").active is True and world.theme("asb").label == "Anti-social behaviour"


ROUTES = [
    ("GET", "/admin/themes"),
    ("GET", "/admin/themes/new"),
    ("POST", "/admin/themes/new"),
    ("GET", "/admin/themes/asb"),
    ("POST", "/admin/themes/asb"),
    ("POST", "/admin/themes/asb/retire"),
    ("POST", "/admin/themes/asb/restore"),
]


@pytest.mark.parametrize("who", NOT_ADMINS)
def test_every_theme_route_is_refused_to_non_admins(world: World, who: str) -> None:
    client = world.client(who)
    data = {"key": "knife_crime", "label": "Hijacked", "csrf_token": _token(client)}
    for method, path in ROUTES:
        if method == "GET":
            response = client.get(path, follow_redirects=False)
        else:
            response = client.post(path, data=data, follow_redirects=False)
        assert response.status_code == 403, (who, method, path)
    denied = [
        e for e in world.events("access.denied") if (e.record_id or "").startswith("/admin/themes")
    ]
    assert len(denied) == len(ROUTES)
    assert all(
        e.actor_id == world.people[who][0] and "admin.organisations" in e.details_json
        for e in denied
    )
    assert world.theme("asb").label == "Anti-social behaviour"
    with world.runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Theme)) == 17
    assert "/admin/themes" not in client.get("/account/password").text  # not in their navigation


def test_anonymous_visitors_are_sent_to_sign_in(world: World) -> None:
    client = world.client(None)
    for method, path in ROUTES:
        response = client.request(method, path, follow_redirects=False)
        assert response.status_code in (303, 403), (method, path)
        if response.status_code == 303:
            assert response.headers["location"].startswith("/login")
    assert world.theme("asb").active is True


# ---------------------------------------------------------------------------------------------
# The JSON API


def test_api_lists_every_theme_with_categories_and_state(world: World) -> None:
    client = world.client(None)
    headers = {"Authorization": f"Bearer {world.token}"}
    with world.runtime.sessions() as session:
        service.retire_theme(session, actor=SYSTEM, key="youth_crime")
        service.create_theme(
            session, actor=SYSTEM, key="knife_crime", label="Knife crime", position=5
        )
        session.commit()
    response = client.get("/api/intel/themes", headers=headers)
    assert response.status_code == 200
    themes = response.json()["themes"]
    assert [t["key"] for t in themes] == ["knife_crime", *KEYS]
    assert all(set(t) == {"key", "label", "police_categories", "active"} for t in themes)
    by_key = {t["key"]: t for t in themes}
    assert by_key["acquisitive_crime"]["police_categories"][:2] == ["bicycle-theft", "burglary"]
    assert by_key["county_lines"] == {
        "key": "county_lines",
        "label": "County lines",
        "police_categories": ["drugs"],
        "active": True,
    }
    assert by_key["youth_crime"]["active"] is False and by_key["knife_crime"]["active"] is True
    assert client.get("/api/intel/themes").status_code == 401
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert set(schema["ThemeOut"]["required"]) == {"key", "label", "police_categories", "active"}
    assert "enum" not in json.dumps(schema["PartnerReportBody"]["properties"]["theme"])
