"""Where each role starts and what its navigation offers: nothing that answers 403.

For every role: the page after signing in and ``/`` open (200) for that role; every link in
the main navigation (and the header's home link) answers 200 for that role; the 403 page's way
back answers 200 too. Anonymous visitors are offered no page that needs signing in.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from beacon.audit.service import AuditActor
from beacon.auth.permissions import ROLE_PERMISSIONS, Permission, Role
from beacon.auth.service import create_organisation, create_user
from beacon.runtime import Runtime
from beacon.web.landing import landing_url, navigation

PASSWORD = "lantern-quartz-harbour-62"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


class _Links(HTMLParser):
    """The main navigation's links, the header's home link and the error page's way back."""

    def __init__(self) -> None:
        super().__init__()
        self.nav: list[str] = []
        self.brand: str | None = None
        self.error_home: str | None = None
        self._in_nav_list = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if tag == "ul" and "beacon-nav__list" in classes:
            self._in_nav_list = True
        elif tag == "a" and "beacon-header__brand" in classes:
            self.brand = found.get("href")
        elif tag == "a" and found.get("id") == "error-home":
            self.error_home = found.get("href")
        elif tag == "a" and self._in_nav_list and found.get("href"):
            self.nav.append(str(found["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul":
            self._in_nav_list = False


def _links(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def _sign_in(client: TestClient, runtime: Runtime, role: Role) -> str:
    """Sign in as a new user with ``role``; the page the sign-in sent them to."""
    actor = AuditActor.system("test")
    with runtime.sessions() as session:
        organisation = create_organisation(
            session, name=f"{role.value} council", org_type="district_council", actor=actor
        )
        create_user(
            session,
            organisation_id=organisation.id,
            email=f"{role.value}@example.org",
            display_name=f"A {role.value}",
            password=PASSWORD,
            roles=[role.value],
            actor=actor,
        )
        session.commit()
    token = _CSRF.search(client.get("/login").text)
    assert token
    response = client.post(
        "/login",
        data={"email": f"{role.value}@example.org", "password": PASSWORD, "csrf_token": token[1]},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


@pytest.mark.parametrize("role", list(Role))
def test_every_role_lands_on_a_page_it_may_open_and_sees_only_links_that_open(
    app: FastAPI, runtime: Runtime, role: Role
) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        landing = _sign_in(client, runtime, role)
        assert landing == landing_url(ROLE_PERMISSIONS[role])
        first = client.get(landing)
        assert first.status_code == 200, (role, landing)

        # "/" opens for every role: the workspace, or a redirect to the role's start page.
        home = client.get("/", follow_redirects=False)
        if Permission.DATA_READ in ROLE_PERMISSIONS[role]:
            assert home.status_code == 200
        else:
            assert home.status_code == 303
            assert home.headers["location"] == landing
            assert client.get("/").status_code == 200

        links = _links(first.text)
        expected = [link.url for link in navigation(ROLE_PERMISSIONS[role])]
        assert links.nav == expected
        assert links.brand == landing
        assert links.nav, role
        for url in [*links.nav, links.brand]:
            response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)


def test_what_each_role_is_offered(app: FastAPI, runtime: Runtime) -> None:
    """The table read the other way: the links the demo's new user met."""
    offered = {role: [link.label for link in navigation(ROLE_PERMISSIONS[role])] for role in Role}
    assert offered[Role.ADMIN] == ["API", "Audit log", "Admin"]
    assert offered[Role.PARTNER_CONTRIBUTOR] == [
        "API",
        "Assessments",
        "Intelligence",
        "Submit intelligence",
    ]
    assert "Workspace" in offered[Role.ANALYST] and "Workspace" not in offered[Role.ADMIN]
    assert landing_url(ROLE_PERMISSIONS[Role.ADMIN]) == "/admin/users"
    assert landing_url(ROLE_PERMISSIONS[Role.PARTNER_CONTRIBUTOR]) == "/intake"
    assert landing_url(frozenset()) == "/account/password"


@pytest.mark.parametrize(
    ("role", "forbidden"),
    [(Role.ADMIN, "/intake"), (Role.PARTNER_CONTRIBUTOR, "/data"), (Role.ANALYST, "/audit")],
)
def test_the_403_page_leads_to_a_page_the_user_may_open(
    app: FastAPI, runtime: Runtime, role: Role, forbidden: str
) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        landing = _sign_in(client, runtime, role)
        refused = client.get(forbidden)
        assert refused.status_code == 403
        links = _links(refused.text)
        assert links.error_home == landing
        assert client.get(landing).status_code == 200
        # The refused page is not in the navigation either.
        assert forbidden not in links.nav
        for url in links.nav:
            assert client.get(url).status_code == 200, (role, url)


def test_anonymous_visitors_are_offered_no_signed_in_pages(app: FastAPI) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get("/login")
        links = _links(page.text)
        assert links.nav == ["/api/docs"]
        assert client.get("/api/docs").status_code == 200
        missing = client.get("/no-such-page")
        assert missing.status_code == 404
        assert _links(missing.text).error_home == "/"
