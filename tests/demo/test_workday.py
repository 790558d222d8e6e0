"""The demo gives every role a working day: a theme model, routing rules, reports in every
state, triaged, linked and routed (one left unroutable), and an analyst's queue that opens.
SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from beacon.access.policy import Action, Principal
from beacon.app import create_app
from beacon.auth.models import Organisation
from beacon.auth.service import get_user_by_email, user_roles
from beacon.demo import workday
from beacon.demo.accounts import DEMO_ORGANISATION, ensure_demo_accounts
from beacon.demo.intake import seed_demo_intake
from beacon.demo.load import load_demo
from beacon.demo.stories import STORIES
from beacon.intake import service as intake
from beacon.intake.models import IntelReport
from beacon.runtime import Runtime
from beacon.triage import classifier, flow
from beacon.triage.models import DuplicateLink, EntityMention, RouteRule, TriageResult

_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
_MODEL: dict[str, Path] = {}  # one model built per test run, copied for the next backend


def _model(runtime: Runtime, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    target = classifier.model_path(runtime.settings.data_dir)
    if "built" in _MODEL:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(_MODEL["built"], target)
    with runtime.sessions() as session:
        said: list[str] = []
        result = workday.ensure_theme_model(session, runtime.settings.data_dir, said.append)
    if "built" not in _MODEL:
        assert result["built"] is True and "error" not in result, result
        assert float(str(result["seconds"])) > 0 and said[-1].startswith("theme model: written")
        keep = tmp_path_factory.mktemp("model") / target.name
        shutil.copy(target, keep)
        _MODEL["built"] = keep
    else:  # already there: nothing is rebuilt
        assert result == {"model": str(target), "built": False}
    return result


def _seed(
    runtime: Runtime, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, str], dict[str, str]]:
    """(password by demo e-mail, report id by story key)."""
    load_demo(runtime, generated_months=())  # the real months are enough here
    with runtime.sessions() as session, session.begin():
        logins = ensure_demo_accounts(session, environment="development")
    _model(runtime, tmp_path_factory)
    with runtime.sessions() as session, session.begin():
        seeded = seed_demo_intake(session, runtime.settings)
    assert set(seeded.created) == {s.key for s in STORIES}
    assert seeded.rules == 7 and seeded.unroutable == 1
    return {login.email: login.password for login in logins}, seeded.created


def test_the_demo_has_every_state_triaged_linked_and_routed(
    runtime: Runtime, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _, created = _seed(runtime, tmp_path_factory)
    with runtime.sessions() as session:
        reports = {r.id: r for r in session.scalars(select(IntelReport))}
        assert Counter(r.state for r in reports.values()) == Counter(s.state for s in STORIES)
        assert {r.state for r in reports.values()} == {
            "received",
            "sanitised",
            "graded",
            "disseminated",
            "closed",
        }
        results = {t.report_id: t for t in session.scalars(select(TriageResult))}
        sanitised = {i for i, r in reports.items() if r.narrative}
        assert sanitised and set(results) == sanitised  # every sanitised report, no other
        assert {t.theme_source for t in results.values()} == {"model"}
        assert all(
            t.themes and t.priority_band in ("P1", "P2", "P3", "P4") for t in results.values()
        )
        # Points in West Yorkshire were placed in the demo's LSOAs and districts.
        placed = [r for r in reports.values() if r.location_mode == "point"]
        assert placed and all(r.lsoa_code and r.district_code for r in placed)
        # One entity links three or more reports (the deal line, the car, the flat...).
        per_entity = Counter(
            key
            for key, _ in session.execute(
                select(EntityMention.entity_key, EntityMention.report_id).distinct()
            )
        )
        assert max(per_entity.values()) >= 3
        assert per_entity["phone:+447700900872"] >= 3
        # The resident who wrote twice: a suggested duplicate pair.
        by_key = {key: reports[report_id] for key, report_id in created.items()}
        pair = session.scalars(select(DuplicateLink)).all()
        ids = {by_key["station-boys"].id, by_key["station-boys-again"].id}
        assert any({d.report_a, d.report_b} == ids for d in pair)
        # Exactly one unroutable report: the one triaged while the rules had a gap.
        (unroutable,) = [t for t in results.values() if t.route_state == "unroutable"]
        assert unroutable.report_id == by_key["huddersfield-abuse"].id
        assert flow.unroutable_count(session) == 1
        routed = [t for t in results.values() if t.route_state != "unroutable"]
        assert routed and all(reports[t.report_id].assigned_organisation_id for t in routed)
        teams = {reports[t.report_id].assigned_team for t in routed}
        assert workday.EXPLOITATION_TEAM in teams
        assert session.scalar(select(func.count()).select_from(RouteRule)) == 7
        (fallback,) = session.scalars(select(RouteRule).where(RouteRule.fallback.is_(True)))
        assert fallback.active and fallback.team == workday.HUB_TEAM


def test_loading_twice_adds_nothing(
    runtime: Runtime, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _seed(runtime, tmp_path_factory)

    def counts() -> tuple[int, ...]:
        with runtime.sessions() as session:
            return tuple(
                session.scalar(select(func.count()).select_from(model)) or 0
                for model in (IntelReport, TriageResult, RouteRule, EntityMention, Organisation)
            )

    before = counts()
    with runtime.sessions() as session, session.begin():
        ensure_demo_accounts(session, environment="development")
    _model(runtime, tmp_path_factory)
    with runtime.sessions() as session, session.begin():
        again = seed_demo_intake(session, runtime.settings)
    assert again.created == {} and again.rules == 0
    assert counts() == before


def test_the_demo_analyst_can_open_the_reports_in_their_queue(
    runtime: Runtime, tmp_path_factory: pytest.TempPathFactory
) -> None:
    passwords, _ = _seed(runtime, tmp_path_factory)
    email = "analyst@demo.beacon.example"
    with runtime.sessions() as session:
        analyst = get_user_by_email(session, email)
        assert analyst is not None
        hub = session.scalar(select(Organisation).where(Organisation.name == DEMO_ORGANISATION))
        assert hub is not None and analyst.organisation_id == hub.id
        principal = Principal.for_user(
            analyst.id, analyst.organisation_id, user_roles(session, analyst.id)
        )
        queue = intake.list_reports(session, principal=principal)
        # Disseminated reports, and sanitised or graded ones triage routed to the analyst's
        # organisation (its teams own them).
        states = {r.state for r in queue}
        assert len(queue) >= 3 and "disseminated" in states
        assert states <= {"disseminated", "sanitised", "graded"}
        assert all(r.state == "disseminated" or r.assigned_organisation_id == hub.id for r in queue)
        ids = [r.id for r in queue]
        assert all(intake.visible_decision(principal, r, Action.VIEW).allowed for r in queue)
    app = create_app(runtime=runtime)
    with TestClient(app, base_url="https://testserver") as client:
        token = _CSRF.search(client.get("/login").text)
        assert token
        signed_in = client.post(
            "/login",
            data={"email": email, "password": passwords[email], "csrf_token": token[1]},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303
        for report_id in ids:
            page = client.get(f"/intake/{report_id}")
            assert page.status_code == 200, report_id
