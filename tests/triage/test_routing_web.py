"""The routing rules admin pages (/admin/routing) and their service (``triage.routing_rules``):
list in order with problems and the no-fallback warning, add, edit with errors at the field,
retire, restore, move, audit, and re-routing open reports on request. SQLite and, when
configured, PostgreSQL."""

from __future__ import annotations

import html
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from beacon.auth.models import Organisation
from beacon.geography.service import AreaRow, upsert_areas
from beacon.intake.models import IntelReport
from beacon.triage import routing_rules
from beacon.triage.models import RouteRule, TriageResult
from triage.test_flow import PHONE_TEXT, _org, _sanitise
from triage.test_themes import HUB, NOT_ADMINS, World, _token
from triage.test_themes import world as world

WARNING = "Reports no rule matches will be unroutable"


def _post(client: TestClient, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(
        path, data={"csrf_token": _token(client), **(data or {})}, follow_redirects=False
    )


def _hub(world: World) -> int:
    with world.runtime.sessions() as session:
        org_id = session.scalar(select(Organisation.id).where(Organisation.name == HUB))
        assert org_id is not None
        return org_id


def _rules(world: World) -> list[tuple[int, str, str | None, str | None, str | None, bool, bool]]:
    with world.runtime.sessions() as session:
        return [
            (r.position, r.area_level, r.area_code, r.theme_key, r.team, r.fallback, r.active)
            for r in session.scalars(select(RouteRule).order_by(RouteRule.position, RouteRule.id))
        ]


def _areas(world: World) -> None:
    with world.runtime.sessions() as session, session.begin():
        upsert_areas(
            session,
            [
                AreaRow("force", "lakeside", "2011", "Lakeside Police"),
                AreaRow("district", "E08000035", "2011", "Leeds", "force", "lakeside", "2011"),
            ],
            source="test",
        )


def test_admin_adds_edits_moves_retires_and_restores_rules(world: World) -> None:
    _areas(world)
    hub = _hub(world)
    client = world.client("admin")
    page = client.get("/admin/routing")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert WARNING in page.text and "No active rules." in page.text
    # A fallback, a theme rule and a district rule.
    forms = [
        {"position": "100", "area_level": "any", "organisation": str(hub), "fallback": "yes"},
        {"position": "10", "area_level": "any", "theme": "county_lines",
         "organisation": str(hub), "team": "Exploitation team"},
        {"position": "20", "area_level": "district", "area_code": "E08000035",
         "organisation": str(hub), "team": "Leeds team"},
    ]  # fmt: skip
    for form in forms:
        response = _post(client, "/admin/routing/new", form)
        assert response.status_code == 303, response.text
        assert response.headers["location"].startswith("/admin/routing?done=created&rule=")
    assert _rules(world) == [
        (10, "any", None, "county_lines", "Exploitation team", False, True),
        (20, "district", "E08000035", None, "Leeds team", False, True),
        (100, "any", None, None, None, True, True),
    ]
    text = html.unescape(client.get("/admin/routing?done=created&rule=1").text)
    assert WARNING not in text and 'id="rule-problems"' not in text
    assert "Added rule 100." in text
    # In the order they apply, area by name and code, theme by label.
    order = [text.index(f'id="rule-{n}"') for n in (2, 3, 1)]
    assert order == sorted(order)
    assert "District: Leeds <code" in text and "E08000035</code>" in text
    assert "County lines" in text and "Exploitation team" in text and "Any theme" in text
    # Edit: the form shows the values; saving changes them.
    edit = client.get("/admin/routing/3").text
    assert 'value="E08000035"' in edit and '<option value="district" selected>' in edit
    response = _post(
        client,
        "/admin/routing/3",
        {"position": "20", "area_level": "district", "area_code": "E08000035",
         "theme": "asb", "organisation": str(hub), "team": "Leeds ASB team"},
    )  # fmt: skip
    assert response.status_code == 303
    assert _rules(world)[1] == (20, "district", "E08000035", "asb", "Leeds ASB team", False, True)
    # Move the district rule up: the two swap positions.
    response = _post(client, "/admin/routing/3/move", {"direction": "up"})
    assert response.status_code == 303
    assert [(p, t) for p, _, _, t, *_ in _rules(world)] == [
        (10, "asb"),
        (20, "county_lines"),
        (100, None),
    ]
    # Retire the fallback: the warning shows, with an undo; restore takes it back.
    response = _post(client, "/admin/routing/1/retire")
    text = html.unescape(client.get(response.headers["location"]).text)
    assert "Retired rule 100" in text and 'id="undo-retire"' in text and WARNING in text
    assert "1 retired rule" in text
    assert _rules(world)[2][-1] is False
    response = _post(client, "/admin/routing/1/restore")
    assert "Restored rule 100" in html.unescape(client.get(response.headers["location"]).text)
    assert _rules(world)[2][-1] is True
    for name, count in (("created", 3), ("updated", 3), ("retired", 1), ("restored", 1)):
        rows = world.events(f"triage.route_rule_{name}")
        assert len(rows) == count, name
        assert all(r.actor_id == world.people["admin"][0] for r in rows)
    moved = [json.loads(r.details_json) for r in world.events("triage.route_rule_updated")]
    assert [m["after"].get("position") for m in moved[1:]] == [10, 20]
    assert client.get("/admin/routing/999").status_code == 404
    assert client.get("/admin/routing/99999999999").status_code == 404
    assert _post(client, "/admin/routing/999/retire").status_code == 404


def test_errors_show_at_their_field_with_status_400(world: World) -> None:
    _areas(world)
    hub = _hub(world)
    client = world.client("admin")
    assert _post(client, "/admin/routing/new", {"area_level": "any", "organisation": str(hub),
                                                "fallback": "yes"}).status_code == 303  # fmt: skip
    cases = [
        # A fallback with a theme and an area.
        ({"area_level": "district", "area_code": "E08000035", "theme": "asb",
          "organisation": str(hub), "fallback": "yes"}, "fallback", "has no area and no theme"),
        # A second active fallback.
        ({"area_level": "any", "organisation": str(hub), "fallback": "yes"}, "fallback",
         "is already the fallback"),
        # An area code the loaded geography does not have.
        ({"area_level": "district", "area_code": "E08999999", "organisation": str(hub)},
         "area_code", "No district has the code E08999999"),
        ({"area_level": "ward", "organisation": str(hub)}, "area_code", "Enter the ward code"),
        ({"area_level": "moon", "organisation": str(hub)}, "area_level", "Choose an area level"),
        ({"area_level": "any", "theme": "no_such", "organisation": str(hub)}, "theme",
         "Choose a theme"),
        ({"area_level": "any"}, "organisation", "Choose the organisation"),
        ({"area_level": "any", "organisation": str(hub), "position": "first"}, "position",
         "whole number"),
        ({"area_level": "any", "organisation": str(hub), "team": "t" * 121}, "team",
         "120 characters"),
    ]  # fmt: skip
    for form, field, message in cases:
        response = _post(client, "/admin/routing/new", form)
        assert response.status_code == 400, (field, response.status_code)
        text = html.unescape(response.text)
        assert f'id="{field}-error"' in text and f'href="#{field}"' in text, field
        assert message in text, (field, message)
    assert len(_rules(world)) == 1 and len(world.events("triage.route_rule_created")) == 1
    # A retired fallback cannot be restored while another is active.
    with world.runtime.sessions() as session:
        session.add(RouteRule(position=5, area_level="any", area_code=None, theme_key=None,
                              owner_organisation_id=hub, fallback=True, active=False))  # fmt: skip
        session.commit()
    assert _post(client, "/admin/routing/2/restore").status_code == 409
    assert _rules(world)[0][-1] is False


def test_problems_from_check_rules_are_listed(world: World) -> None:
    hub = _hub(world)
    with world.runtime.sessions() as session:
        for position, theme in ((10, "asb"), (10, "asb"), (20, "retired_theme")):
            session.add(RouteRule(position=position, area_level="any", area_code=None,
                                  theme_key=theme, owner_organisation_id=hub))  # fmt: skip
        session.commit()
    with world.runtime.sessions() as session:
        found = routing_rules.problems(session)
    assert any("shares position 10" in p for p in found)
    assert any("theme 'retired_theme' is not a known theme" in p for p in found)
    text = html.unescape(world.client("admin").get("/admin/routing").text)
    assert 'id="rule-problems"' in text and "shares position 10" in text and WARNING in text


def test_reroute_refreshes_open_reports_and_counts_owner_changes(world: World) -> None:
    first = _sanitise(world, PHONE_TEXT)
    second = _sanitise(world, "Youths kick a ball at windows on Mill Lane every evening.")
    with world.runtime.sessions() as session:
        states = {r.route_state for r in session.scalars(select(TriageResult))}
    assert states == {"unroutable"}
    council = _org(world, "Lakeside Council")
    client = world.client("admin")
    response = _post(client, "/admin/routing/new", {"area_level": "any",
                                                    "organisation": str(council),
                                                    "team": "Community safety",
                                                    "fallback": "yes"})  # fmt: skip
    assert response.status_code == 303
    with world.runtime.sessions() as session:  # nothing moved by the rule change itself
        assert {r.route_state for r in session.scalars(select(TriageResult))} == {"unroutable"}
    response = _post(client, "/admin/routing/reroute")
    assert response.status_code == 303
    text = html.unescape(client.get(response.headers["location"]).text)
    assert "Re-routed 2 open reports: 2 reports changed owner." in text
    with world.runtime.sessions() as session:
        for report_id in (first, second):
            report = session.get(IntelReport, report_id)
            assert report is not None
            assert (report.assigned_organisation_id, report.assigned_team) == (
                council,
                "Community safety",
            )
    # Again: nothing changes owner.
    response = _post(client, "/admin/routing/reroute")
    assert "2 open reports: 0 reports changed owner" in html.unescape(
        client.get(response.headers["location"]).text
    )
    (event, _) = world.events("triage.rerouted")
    assert json.loads(event.details_json) == {"checked": 2, "changed_owner": 2}


ROUTES = [
    ("GET", "/admin/routing"),
    ("GET", "/admin/routing/new"),
    ("POST", "/admin/routing/new"),
    ("POST", "/admin/routing/reroute"),
    ("GET", "/admin/routing/1"),
    ("POST", "/admin/routing/1"),
    ("POST", "/admin/routing/1/retire"),
    ("POST", "/admin/routing/1/restore"),
    ("POST", "/admin/routing/1/move"),
]


@pytest.mark.parametrize("who", NOT_ADMINS)
def test_every_routing_route_is_refused_without_the_permission(world: World, who: str) -> None:
    hub = _hub(world)
    with world.runtime.sessions() as session:
        session.add(RouteRule(position=1, area_level="any", area_code=None, theme_key=None,
                              owner_organisation_id=hub, fallback=True))  # fmt: skip
        session.commit()
    client = world.client(who)
    data = {"area_level": "any", "organisation": str(hub), "direction": "up",
            "csrf_token": _token(client)}  # fmt: skip
    for method, path in ROUTES:
        if method == "GET":
            response = client.get(path, follow_redirects=False)
        else:
            response = client.post(path, data=data, follow_redirects=False)
        assert response.status_code == 403, (who, method, path)
    denied = [
        e for e in world.events("access.denied") if (e.record_id or "").startswith("/admin/routing")
    ]
    assert len(denied) == len(ROUTES)
    assert _rules(world) == [(1, "any", None, None, None, True, True)]
    assert not world.events("triage.rerouted")


def test_anonymous_visitors_are_sent_to_sign_in(world: World) -> None:
    client = world.client(None)
    for method, path in ROUTES:
        response = client.request(method, path, follow_redirects=False)
        assert response.status_code in (303, 403), (method, path)
        if response.status_code == 303:
            assert response.headers["location"].startswith("/login")
    with world.runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RouteRule)) == 0


def test_posts_need_the_csrf_token(world: World) -> None:
    client = world.client("admin")
    for path in ("/admin/routing/new", "/admin/routing/reroute"):
        response = client.post(path, data={"area_level": "any"}, follow_redirects=False)
        assert response.status_code == 403, path
    assert _rules(world) == []
