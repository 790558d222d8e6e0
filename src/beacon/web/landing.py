"""Where each person starts, and the main navigation: only pages the person may open.

One table serves the navigation, the page after signing in, ``/`` for those who may not read the
workspace, and the error pages' way back, so none of them can point someone at a page that
answers 403. Each link's permission is the one its route declares (``tests/web`` checks that
every link a role sees answers 200 for that role).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from beacon.auth.permissions import Permission


@dataclass(frozen=True)
class NavLink:
    key: str  # the page's ``nav`` value (``aria-current`` on its link)
    label: str
    url: str
    permission: Permission | None  # None: anyone may open it


NAVIGATION: tuple[NavLink, ...] = (
    NavLink("workspace", "Workspace", "/", Permission.DATA_READ),
    NavLink("data", "Loaded data", "/data", Permission.DATA_READ),
    NavLink("api", "API", "/api/docs", None),
    NavLink("assessments", "Assessments", "/assessments", Permission.ASSESSMENT_READ_SHARED),
    NavLink("intake", "Intelligence", "/intake", Permission.INTEL_READ_OWN),
    NavLink("triage", "Triage", "/triage", Permission.INTEL_READ),
    NavLink("intake_new", "Submit intelligence", "/intake/new", Permission.INTEL_SUBMIT),
    NavLink("imports", "Imports", "/imports/police", Permission.DATA_IMPORT),
    NavLink("audit", "Audit log", "/audit", Permission.AUDIT_READ),
    NavLink("retention", "Retention", "/retention", Permission.RETENTION_REVIEW),
    NavLink("admin", "Admin", "/admin/users", Permission.ADMIN_USERS),
)
# Administrators without user management still get an admin link: their first admin page.
_ADMIN_PAGES = (
    (Permission.ADMIN_USERS, "/admin/users"),
    (Permission.ADMIN_ORGANISATIONS, "/admin/organisations"),
    (Permission.ADMIN_API_TOKENS, "/admin/tokens"),
)
# Where someone lands, best first: the workspace, their intelligence, administration, the
# shared assessments; the account page is open to everyone signed in.
_LANDINGS = (
    (Permission.DATA_READ, "/"),
    (Permission.INTEL_READ_OWN, "/intake"),
    *_ADMIN_PAGES,
    (Permission.ASSESSMENT_READ_SHARED, "/assessments"),
)
ACCOUNT_URL = "/account/password"


def admin_url(permissions: Iterable[Permission | str]) -> str | None:
    granted = set(permissions)
    return next((url for permission, url in _ADMIN_PAGES if permission in granted), None)


def landing_url(permissions: Iterable[Permission | str]) -> str:
    """The first page a person with ``permissions`` may open (never one that answers 403)."""
    granted = set(permissions)
    return next((url for permission, url in _LANDINGS if permission in granted), ACCOUNT_URL)


def navigation(permissions: Iterable[Permission | str] | None) -> list[NavLink]:
    """The main navigation's links for these permissions (None: nobody signed in)."""
    granted = set(permissions or ())
    links = []
    for link in NAVIGATION:
        if link.key == "admin":
            url = admin_url(granted)
            if url is not None:
                links.append(NavLink(link.key, link.label, url, None))
        elif link.permission is None or link.permission in granted:
            links.append(link)
    return links
