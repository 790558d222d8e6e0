"""Every route of the app, for anonymous visitors, each role and users of another organisation:
allowed or denied as the route's declared permission says.

A route missing from ``EXPECTED`` fails the test: a new route must be classified here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.routing import Mount

from beacon.app import create_app
from beacon.audit.service import AuditActor
from beacon.auth.deps import current_user, declared_permissions
from beacon.auth.models import ApiToken, User
from beacon.auth.permissions import ROLE_PERMISSIONS, Permission, Role
from beacon.auth.service import create_organisation, create_user
from beacon.auth.tokens import create_api_token
from beacon.runtime import Runtime

ACTOR = AuditActor.system("test")
PASSWORD = "violet-harbour-lantern-47"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed in"  # any signed-in user, whatever their roles

EXPECTED: dict[tuple[str, str], str | Permission] = {
    ("GET", "/health"): PUBLIC,
    ("GET", "/api/openapi.json"): PUBLIC,
    ("GET", "/api/docs"): PUBLIC,
    ("GET", "/static"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("GET", "/login/totp"): PUBLIC,  # needs a half-way session; sends others on
    ("POST", "/login/totp"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/"): Permission.DATA_READ,
    ("GET", "/data"): Permission.DATA_READ,
    ("GET", "/workspace/areas.geojson"): Permission.DATA_READ,
    ("GET", "/workspace/profile/{level}/{code}"): Permission.DATA_READ,
    ("GET", "/workspace/profile/{level}/{code}/export/{table}.{format}"): Permission.DATA_READ,
    ("GET", "/workspace/{measure}"): Permission.DATA_READ,
    ("GET", "/workspace/{measure}/export/{table}.{format}"): Permission.DATA_READ,
    ("GET", "/api/overview"): Permission.DATA_READ,
    ("GET", "/api/analytics/counts"): Permission.DATA_READ,
    ("GET", "/api/analytics/snapshots"): Permission.DATA_READ,
    ("GET", "/api/analytics/hotspots"): Permission.DATA_READ,
    ("GET", "/api/analytics/surface"): Permission.DATA_READ,
    ("GET", "/api/analytics/trends"): Permission.DATA_READ,
    ("GET", "/api/analytics/concentration"): Permission.DATA_READ,
    ("GET", "/api/analytics/profiles/{level}/{code}"): Permission.DATA_READ,
    ("GET", "/api/analytics/near-repeat"): Permission.DATA_READ,
    ("GET", "/api/analytics/repeats"): Permission.DATA_READ,
    ("GET", "/account/password"): SIGNED_IN,
    ("POST", "/account/password"): SIGNED_IN,
    ("GET", "/account/totp"): SIGNED_IN,
    ("POST", "/account/totp"): SIGNED_IN,
    ("GET", "/admin/organisations"): Permission.ADMIN_ORGANISATIONS,
    ("POST", "/admin/organisations"): Permission.ADMIN_ORGANISATIONS,
    ("POST", "/admin/organisations/{organisation_id}/totp"): Permission.ADMIN_ORGANISATIONS,
    ("GET", "/admin/users"): Permission.ADMIN_USERS,
    ("POST", "/admin/users"): Permission.ADMIN_USERS,
    ("POST", "/admin/users/{user_id}/disable"): Permission.ADMIN_USERS,
    ("GET", "/admin/tokens"): Permission.ADMIN_API_TOKENS,
    ("POST", "/admin/tokens"): Permission.ADMIN_API_TOKENS,
    ("POST", "/admin/tokens/{token_id}/revoke"): Permission.ADMIN_API_TOKENS,
    ("GET", "/audit"): Permission.AUDIT_READ,
    ("POST", "/audit/verify"): Permission.AUDIT_READ,
    ("GET", "/audit/export.csv"): Permission.AUDIT_EXPORT,
    ("GET", "/audit/export.jsonl"): Permission.AUDIT_EXPORT,
    ("GET", "/retention"): Permission.RETENTION_REVIEW,
    ("POST", "/retention/decide"): Permission.RETENTION_REVIEW,
    ("GET", "/imports/partner-feeds"): Permission.DATA_IMPORT,
    ("POST", "/imports/partner-feeds"): Permission.DATA_IMPORT,
    ("GET", "/imports/police"): Permission.DATA_IMPORT,
    ("POST", "/imports/police"): Permission.DATA_IMPORT,
    ("GET", "/imports/police/jobs/{job_id}"): Permission.DATA_IMPORT,
    ("GET", "/imports/police/jobs/{job_id}/progress"): Permission.DATA_IMPORT,
    ("GET", "/imports/police/jobs/{job_id}/report.json"): Permission.DATA_IMPORT,
    # --- intake: resident portal (no sign-in) ---
    ("GET", "/report"): PUBLIC,
    ("POST", "/report"): PUBLIC,
    ("GET", "/report/areas.geojson"): PUBLIC,
    ("GET", "/report/contact"): PUBLIC,
    ("POST", "/report/contact"): PUBLIC,
    ("POST", "/report/contact/answer"): PUBLIC,
    # --- intake: staff pages (queue, sanitise, grade, disseminate) ---
    ("GET", "/intake"): Permission.INTEL_READ_OWN,
    ("POST", "/intake/duty"): Permission.INTEL_SANITISE,
    ("GET", "/intake/{report_id}"): Permission.INTEL_READ_OWN,
    ("GET", "/intake/{report_id}/sanitise"): Permission.INTEL_SANITISE,
    ("POST", "/intake/{report_id}/sanitise"): Permission.INTEL_SANITISE,
    ("GET", "/intake/{report_id}/original"): Permission.INTEL_READ_ORIGINAL,
    ("POST", "/intake/{report_id}/original"): Permission.INTEL_READ_ORIGINAL,
    ("POST", "/intake/{report_id}/grade"): Permission.INTEL_GRADE,
    ("POST", "/intake/{report_id}/disseminate"): Permission.INTEL_DISSEMINATE,
    ("POST", "/intake/{report_id}/close"): Permission.INTEL_SANITISE,
    ("POST", "/intake/{report_id}/questions"): Permission.INTEL_SANITISE,
    ("GET", "/intake/{report_id}/messages/{message_id}/sanitise"): Permission.INTEL_SANITISE,
    ("POST", "/intake/{report_id}/messages/{message_id}/sanitise"): Permission.INTEL_SANITISE,
    ("GET", "/intake/{report_id}/photos/{photo_id}"): Permission.INTEL_READ_OWN,
    # --- intake: partner form, JSON API, indicator admin ---
    ("GET", "/intake/new"): Permission.INTEL_SUBMIT,
    ("POST", "/intake/new"): Permission.INTEL_SUBMIT,
    ("GET", "/intake/new/done"): Permission.INTEL_SUBMIT,
    ("POST", "/intake/new/place"): Permission.INTEL_SUBMIT,
    ("POST", "/api/intel/reports"): Permission.INTEL_SUBMIT,
    ("GET", "/api/intel/reports"): Permission.INTEL_READ_OWN,
    ("GET", "/api/intel/reports/{report_id}"): Permission.INTEL_READ_OWN,
    ("GET", "/api/intel/indicators"): Permission.INTEL_SUBMIT,
    ("GET", "/api/intel/themes"): Permission.INTEL_SUBMIT,
    ("GET", "/admin/indicators"): Permission.ADMIN_ORGANISATIONS,
    ("POST", "/admin/indicators"): Permission.ADMIN_ORGANISATIONS,
    # --- triage: the theme taxonomy (admins) ---
    # Triage (issue 11): the queue, the report's triage actions, entities and the network,
    # routing rules, and each user's own notifications.
    ("GET", "/triage"): Permission.INTEL_READ,
    ("GET", "/triage/export.csv"): Permission.INTEL_READ,
    ("POST", "/triage/{report_id}/themes"): Permission.INTEL_LINK,
    ("POST", "/triage/{report_id}/route"): Permission.INTEL_DISSEMINATE,
    ("POST", "/triage/duplicates/{pair_id}/merge"): Permission.INTEL_LINK,
    ("POST", "/triage/duplicates/{pair_id}/dismiss"): Permission.INTEL_LINK,
    ("POST", "/triage/duplicates/{pair_id}/undo"): Permission.INTEL_LINK,
    ("GET", "/triage/entities/{value_key:path}"): Permission.INTEL_READ,
    ("POST", "/triage/entities/links"): Permission.INTEL_LINK,
    ("POST", "/triage/entities/links/{decision_id}/withdraw"): Permission.INTEL_LINK,
    ("GET", "/triage/network"): Permission.INTEL_READ,
    ("GET", "/triage/network.graphml"): Permission.INTEL_READ,
    ("GET", "/triage/network.json"): Permission.INTEL_READ,
    ("GET", "/triage/questions"): Permission.INTEL_READ,
    ("GET", "/triage/questions/vehicle"): Permission.INTEL_READ,
    ("GET", "/admin/routing"): Permission.ADMIN_ORGANISATIONS,
    ("GET", "/admin/routing/new"): Permission.ADMIN_ORGANISATIONS,
    ("POST", "/admin/routing/new"): Permission.ADMIN_ORGANISATIONS,
    ("GET", "/admin/routing/{rule_id}"): Permission.ADMIN_ORGANISATIONS,
    ("POST", "/admin/routing/{rule_id}"): Permission.ADMIN_ORGANISATIONS,
    ("POST", "/admin/routing/{rule_id}/move"): Permission.ADMIN_ORGANISATIONS,
    ("POST", "/admin/routing/{rule_id}/retire"): Permission.ADMIN_ORGANISATIONS,
    ("POST", "/admin/routing/{rule_id}/restore"): Permission.ADMIN_ORGANISATIONS,
    ("POST", "/admin/routing/reroute"): Permission.ADMIN_ORGANISATIONS,
    ("GET", "/notifications"): SIGNED_IN,
    ("POST", "/notifications/read"): SIGNED_IN,
    ("GET", "/admin/themes"): Permission.ADMIN_ORGANISATIONS,
    ("GET", "/admin/themes/new"): Permission.ADMIN_ORGANISATIONS,
    ("POST", "/admin/themes/new"): Permission.ADMIN_ORGANISATIONS,
    ("GET", "/admin/themes/{theme_key}"): Permission.ADMIN_ORGANISATIONS,
    ("POST", "/admin/themes/{theme_key}"): Permission.ADMIN_ORGANISATIONS,
    ("POST", "/admin/themes/{theme_key}/retire"): Permission.ADMIN_ORGANISATIONS,
    ("POST", "/admin/themes/{theme_key}/restore"): Permission.ADMIN_ORGANISATIONS,
    # --- assessments (issue 10) ---
    ("GET", "/assessments"): Permission.ASSESSMENT_READ_SHARED,
    ("GET", "/assessments/new"): Permission.ASSESSMENT_WRITE,
    ("POST", "/assessments/new"): Permission.ASSESSMENT_WRITE,
    ("GET", "/assessments/{assessment_id}"): Permission.ASSESSMENT_READ,
    ("GET", "/assessments/{assessment_id}/areas.geojson"): Permission.ASSESSMENT_READ,
    ("POST", "/assessments/{assessment_id}/run"): Permission.ASSESSMENT_WRITE,
    ("GET", "/assessments/{assessment_id}/run/{job_id}"): Permission.ASSESSMENT_WRITE,
    ("GET", "/assessments/{assessment_id}/run/{job_id}/progress"): Permission.ASSESSMENT_WRITE,
    ("GET", "/assessments/{assessment_id}/capacity"): Permission.ASSESSMENT_CAPACITY,
    ("POST", "/assessments/{assessment_id}/capacity"): Permission.ASSESSMENT_CAPACITY,
    ("GET", "/assessments/{assessment_id}/horizon"): Permission.ASSESSMENT_WRITE,
    ("POST", "/assessments/{assessment_id}/horizon"): Permission.ASSESSMENT_WRITE,
    ("POST", "/assessments/{assessment_id}/horizon/{item_id}/withdraw"): (
        Permission.ASSESSMENT_WRITE
    ),
    ("GET", "/assessments/{assessment_id}/overrides"): Permission.ASSESSMENT_WRITE,
    ("POST", "/assessments/{assessment_id}/overrides"): Permission.ASSESSMENT_WRITE,
    ("POST", "/assessments/{assessment_id}/overrides/{item_id}/withdraw"): (
        Permission.ASSESSMENT_WRITE
    ),
    ("GET", "/assessments/{assessment_id}/narrative"): Permission.ASSESSMENT_WRITE,
    ("POST", "/assessments/{assessment_id}/narrative"): Permission.ASSESSMENT_WRITE,
    ("POST", "/assessments/{assessment_id}/review"): Permission.ASSESSMENT_WRITE,
    ("POST", "/assessments/{assessment_id}/approve"): Permission.ASSESSMENT_APPROVE,
    ("POST", "/assessments/{assessment_id}/reopen"): Permission.ASSESSMENT_WRITE,
    ("GET", "/assessments/{assessment_id}/draft.{format}"): Permission.ASSESSMENT_READ_SHARED,
    ("GET", "/assessments/{assessment_id}/issued/{version}/{audience}.{format}"): (
        Permission.ASSESSMENT_READ_SHARED
    ),
    ("GET", "/assessments/{assessment_id}/compare"): Permission.ASSESSMENT_READ,
}


def _dependency_calls(dependant: Any) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _dependency_calls(sub)


def app_routes(app: FastAPI) -> Iterator[tuple[str, str, Any]]:
    """(method, path, route) for every route; HEAD goes with GET."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = context.path
        assert path, route
        if isinstance(route, Mount):
            yield "GET", path, route
            continue
        for method in sorted((context.methods or set()) - {"HEAD"}):
            yield method, path, route


def declared(route: Any) -> str | Permission:
    """What the route itself declares, read from its dependencies."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return PUBLIC
    calls = list(_dependency_calls(dependant))
    permissions: set[Permission] = set()
    for call in calls:
        permissions |= declared_permissions(call) or set()
    assert len(permissions) <= 1, (route, permissions)
    if permissions:
        return permissions.pop()
    return SIGNED_IN if current_user in calls else PUBLIC


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime=runtime)


def test_every_route_is_classified(app: FastAPI) -> None:
    found = {(method, path): declared(route) for method, path, route in app_routes(app)}
    missing = sorted(set(found) - set(EXPECTED))
    assert not missing, f"routes not classified in EXPECTED: {missing}"
    gone = sorted(set(EXPECTED) - set(found))
    assert not gone, f"EXPECTED lists routes the app does not have: {gone}"
    wrong = {key: (found[key], EXPECTED[key]) for key in found if found[key] != EXPECTED[key]}
    assert not wrong, f"declared vs expected: {wrong}"


class Visitor:
    def __init__(self, name: str, client: TestClient, roles: frozenset[str] | None) -> None:
        self.name = name
        self.client = client
        self.roles = roles  # None: anonymous
        self.permissions = (
            frozenset()
            if roles is None
            else frozenset().union(*(ROLE_PERMISSIONS[Role(r)] for r in roles))
        )

    def allowed(self, rule: str | Permission) -> bool:
        if rule == PUBLIC:
            return True
        if self.roles is None:
            return False
        return rule == SIGNED_IN or rule in self.permissions

    def csrf(self) -> str:
        page = self.client.get("/login" if self.roles is None else "/account/password")
        match = _CSRF.search(page.text)
        assert match, (self.name, page.status_code)
        return match.group(1)


def _setup(runtime: Runtime, app: FastAPI) -> tuple[list[Visitor], dict[str, int]]:
    visitors: list[Visitor] = []
    with runtime.sessions() as session:
        home = create_organisation(
            session, name="Home Council", org_type="unitary_council", actor=ACTOR
        )
        other = create_organisation(
            session, name="Other Police", org_type="police_force", actor=ACTOR
        )
        accounts: list[tuple[str, int, tuple[str, ...]]] = [
            (f"{role.value}@home.example", home.id, (role.value,)) for role in Role
        ]
        accounts += [
            ("analyst@other.example", other.id, (Role.ANALYST.value,)),
            ("admin@other.example", other.id, (Role.ADMIN.value,)),
        ]
        for email, organisation_id, roles in [
            *accounts,
            ("target@home.example", home.id, ("analyst",)),
        ]:
            create_user(
                session,
                organisation_id=organisation_id,
                email=email,
                display_name="Matrix User",
                password=PASSWORD,
                roles=roles,
                actor=ACTOR,
            )
        token, _ = create_api_token(
            session,
            organisation_id=other.id,
            name="target token",
            scopes=["data.read"],
            expires_in_days=30,
            created_by=None,
            actor=ACTOR,
        )
        session.commit()
        ids = {
            "organisation_id": other.id,
            "user_id": session.scalars(
                select(User.id).where(User.email == "target@home.example")
            ).one(),
            "token_id": session.scalars(select(ApiToken.id).where(ApiToken.id == token.id)).one(),
            # Intake records that do not exist: permission checks come before the lookup, and
            # a record nobody may see answers 404 exactly like a missing one.
            "report_id": "0123456789abcdef0123456789abcdef",
            "message_id": "fedcba9876543210fedcba9876543210",
            "photo_id": "00112233445566778899aabbccddeeff",
            # A police import job that does not exist (allowed users get 404).
            "job_id": "no-such-job",
            # A theme that does not exist (allowed users get 404; nothing is changed).
            "theme_key": "no_such_theme",
            # Triage records that do not exist (allowed users get 404 or a 400 at the field).
            "value_key": "phone:+447700900999",
            "pair_id": 999999,
            "decision_id": 999999,
            "rule_id": 999999,
            # A neighbourhood profile (no snapshot exists here: allowed users get a 422).
            "level": "lsoa",
            "code": "E01013453",
            # A workspace page and one of its tables' exports.
            "measure": "volume",
            "table": "lsoas",
            "format": "csv",
            # An assessment that does not exist (allowed users get 404), an item of it, and an
            # issued version of it (the shared one: the analysts' needs assessment.read too).
            "assessment_id": 999999,
            "item_id": 999999,
            "version": 1,
            "audience": "shared",
        }
    visitors.append(Visitor("anonymous", TestClient(app, base_url="https://testserver"), None))
    for email, _, roles in accounts:
        client = TestClient(app, base_url="https://testserver")
        form = client.get("/login")
        response = client.post(
            "/login",
            data={
                "email": email,
                "password": PASSWORD,
                "csrf_token": _CSRF.search(form.text).group(1),  # type: ignore[union-attr]
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, email
        visitors.append(Visitor(email, client, frozenset(roles)))
    return visitors, ids


def _denied(rule: str | Permission, response: Any) -> bool:
    if response.status_code in (401, 403):
        return True
    if rule == PUBLIC:
        return False  # public pages may still send someone on (e.g. /login/totp to /login)
    location = response.headers.get("location", "")
    if response.status_code == 303 and response.request.url.path == "/" and location != "/":
        # "/" (the workspace) sends those who may not read it to their own start page.
        return True
    return response.status_code == 303 and (
        location == "/login" or location.startswith(("/login?", "/login/"))
    )


def test_route_role_matrix(app: FastAPI, runtime: Runtime) -> None:
    with TestClient(app, base_url="https://testserver"):
        visitors, ids = _setup(runtime, app)
        routes = sorted(app_routes(app), key=lambda r: (r[1] == "/logout", r[1], r[0]))
        problems: list[str] = []
        for method, template, _route in routes:
            rule = EXPECTED[(method, template)]
            path = template.replace(":path}", "}").format(**ids)
            if path == "/static":
                path = "/static/beacon.css"
            for visitor in visitors:
                if method == "GET":
                    response = visitor.client.get(path, follow_redirects=False)
                else:
                    response = visitor.client.post(
                        path, data={"csrf_token": visitor.csrf()}, follow_redirects=False
                    )
                assert response.status_code < 500, (method, path, visitor.name)
                # The JSON API changes nothing for a session cookie (no CSRF defence there):
                # only API tokens may POST to it. Token access is tested per route elsewhere.
                token_only = method != "GET" and template.startswith("/api/")
                expected = visitor.allowed(rule) and not token_only
                if expected == _denied(rule, response):
                    problems.append(
                        f"{method} {path} as {visitor.name}: expected "
                        f"{'allowed' if expected else 'denied'}, got {response.status_code} "
                        f"{response.headers.get('location', '')}"
                    )
        for visitor in visitors:
            visitor.client.close()
    assert not problems, "\n".join(problems)
