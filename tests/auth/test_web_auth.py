"""Signing in and out, sessions, CSRF, TOTP, account and admin pages, API tokens (web, both
database backends)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi import Depends, FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.app import create_app
from beacon.audit.models import AuditEvent
from beacon.audit.service import AuditActor
from beacon.auth import sessions as sessions_module
from beacon.auth.deps import require_permission
from beacon.auth.models import ApiToken, User, UserSession
from beacon.auth.permissions import Permission
from beacon.auth.service import (
    create_organisation,
    create_user,
    get_organisation,
    get_organisation_by_name,
)
from beacon.auth.sessions import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT, SESSION_COOKIE
from beacon.auth.throttle import ClientThrottle
from beacon.auth.tokens import create_api_token, revoke_api_token
from beacon.auth.totp import enable_totp
from beacon.runtime import Runtime
from beacon.web.security import CONTENT_SECURITY_POLICY

ACTOR = AuditActor.system("test")
PASSWORD = "violet-harbour-lantern-47"
NEW_PASSWORD = "copper-meadow-kestrel-19"
BASE = "https://testserver"
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "beacon" / "web" / "templates"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime=runtime)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE) as test_client:
        yield test_client


def new_client(app: FastAPI) -> TestClient:
    return TestClient(app, base_url=BASE)


def make_user(
    runtime: Runtime,
    *,
    email: str = "ana@example.org",
    roles: tuple[str, ...] = ("analyst",),
    organisation: str = "Brighton and Hove City Council",
    require_totp: bool = False,
) -> int:
    with runtime.sessions() as session:
        org = get_organisation_by_name(session, organisation) or create_organisation(
            session,
            name=organisation,
            org_type="unitary_council",
            require_totp=require_totp,
            actor=ACTOR,
        )
        user = create_user(
            session,
            organisation_id=org.id,
            email=email,
            display_name="Ana Lyst",
            password=PASSWORD,
            roles=roles,
            actor=ACTOR,
        )
        session.commit()
        return user.id


def csrf_from(client: TestClient, path: str) -> str:
    page = client.get(path)
    match = _CSRF.search(page.text)
    assert match, (path, page.status_code, page.text[:500])
    return match.group(1)


def login(
    client: TestClient, email: str = "ana@example.org", password: str = PASSWORD, **extra: str
) -> Any:
    token = csrf_from(client, "/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, **extra},
        follow_redirects=False,
    )


def session_cookie(response: Any) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(SESSION_COOKIE + "="):
            return str(header)
    raise AssertionError("no session cookie set")


def events(runtime: Runtime, name: str) -> list[AuditEvent]:
    with runtime.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.event == name)))


# ---------------------------------------------------------------------------------------------
# Signing in


def test_login_sets_a_host_only_secure_session_cookie(client: TestClient, runtime: Runtime) -> None:
    make_user(runtime)
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    response = login(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    header = session_cookie(response)
    attributes = [part.strip().lower() for part in header.split(";")]
    assert "httponly" in attributes and "secure" in attributes
    assert "samesite=strict" in attributes and "path=/" in attributes
    assert not any(a.startswith(("domain", "max-age", "expires")) for a in attributes)
    token = header.split(";")[0].split("=", 1)[1]
    with runtime.sessions() as session:
        stored = session.scalars(select(UserSession)).one()
        assert stored.token_hash == hashlib.sha256(token.encode()).digest()
        assert stored.second_factor_done is True
    home = client.get("/")
    assert home.status_code == 200 and "What is loaded" in home.text
    assert "Ana Lyst" in home.text and 'action="/logout"' in home.text


def test_login_failures_are_generic(client: TestClient, runtime: Runtime) -> None:
    make_user(runtime)
    wrong_password = login(client, password="not-the-password-at-all")
    unknown_email = login(client, email="nobody@example.org")
    assert wrong_password.status_code == unknown_email.status_code == 400
    message = "The email address or password is wrong"
    assert message in wrong_password.text and message in unknown_email.text
    assert 'href="#email"' in wrong_password.text and 'id="email"' in wrong_password.text
    assert "not-the-password-at-all" not in wrong_password.text
    assert 'value="ana@example.org"' in wrong_password.text
    assert SESSION_COOKIE not in wrong_password.headers.get("set-cookie", "")
    empty = client.post("/login", data={"csrf_token": csrf_from(client, "/login")})
    assert empty.status_code == 400
    assert "Enter your email address" in empty.text and "Enter your password" in empty.text


def test_account_lockout_uses_the_same_message(client: TestClient, runtime: Runtime) -> None:
    make_user(runtime)
    for _ in range(5):
        assert login(client, password="wrong-password-guess").status_code == 400
    locked = login(client)  # the right password, but the account is locked
    assert locked.status_code == 400
    assert "The email address or password is wrong" in locked.text
    assert events(runtime, "login.locked")


def test_client_throttle(app: FastAPI, client: TestClient, runtime: Runtime) -> None:
    make_user(runtime)
    app.state.login_throttle = ClientThrottle(max_failures=3)
    for n in range(3):
        assert login(client, email=f"guess{n}@example.org").status_code == 400
    throttled = login(client)
    assert throttled.status_code == 429
    assert "too many failed sign-in attempts" in throttled.text
    assert "testclient" not in throttled.text  # the client's address is never shown


def test_next_must_be_a_relative_path(client: TestClient, runtime: Runtime) -> None:
    make_user(runtime, roles=("admin",))
    denied = client.get("/admin/users?organisation_id=1", follow_redirects=False)
    assert denied.status_code == 303
    assert denied.headers["location"] == "/login?next=/admin/users%3Forganisation_id%3D1"
    ok = login(client, next="/admin/users?organisation_id=1")
    assert ok.headers["location"] == "/admin/users?organisation_id=1"
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        other = new_client(client.app)  # type: ignore[arg-type]
        response = login(other, next=evil)
        # An administrator (who may not read data) lands on the admin pages instead.
        assert response.headers["location"] == "/admin/users", evil


def test_new_token_at_every_login(app: FastAPI, client: TestClient, runtime: Runtime) -> None:
    make_user(runtime)
    planted = "attacker-chosen-session-token-value-1234567890"
    client.cookies.set(SESSION_COOKIE, planted, domain="testserver")
    first = session_cookie(login(client))
    assert planted not in first
    second = session_cookie(login(client))
    assert first != second
    old = new_client(app)
    old.cookies.set(SESSION_COOKIE, first.split(";")[0].split("=", 1)[1], domain="testserver")
    assert old.get("/", follow_redirects=False).status_code == 303  # the earlier one is revoked


def test_logout_revokes_the_session(app: FastAPI, client: TestClient, runtime: Runtime) -> None:
    make_user(runtime)
    token = session_cookie(login(client)).split(";")[0].split("=", 1)[1]
    response = client.post(
        "/logout", data={"csrf_token": csrf_from(client, "/")}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/login"
    cleared = session_cookie(response).lower()
    assert "max-age=0" in cleared or "expires=" in cleared
    replay = new_client(app)
    replay.cookies.set(SESSION_COOKIE, token, domain="testserver")
    assert replay.get("/", follow_redirects=False).status_code == 303
    with runtime.sessions() as session:
        assert session.scalars(select(UserSession)).one().revoked_at is not None
    assert events(runtime, "logout")
    # Signing out again, with no session left, is harmless.
    assert client.post("/logout", follow_redirects=False).status_code == 303


def test_idle_timeout(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(runtime)
    start = dt.datetime.now(dt.UTC)
    monkeypatch.setattr(sessions_module, "utcnow", lambda: start)
    assert login(client).status_code == 303
    later = start + IDLE_TIMEOUT - dt.timedelta(minutes=1)
    monkeypatch.setattr(sessions_module, "utcnow", lambda: later)
    assert client.get("/").status_code == 200  # and this request counts as activity
    still = later + IDLE_TIMEOUT - dt.timedelta(minutes=1)
    monkeypatch.setattr(sessions_module, "utcnow", lambda: still)
    assert client.get("/").status_code == 200
    idle = still + IDLE_TIMEOUT
    monkeypatch.setattr(sessions_module, "utcnow", lambda: idle)
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/api/overview").status_code == 401


def test_absolute_timeout(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(runtime)
    start = dt.datetime.now(dt.UTC)
    moment = start
    monkeypatch.setattr(sessions_module, "utcnow", lambda: moment)
    assert login(client).status_code == 303
    while moment + dt.timedelta(minutes=20) < start + ABSOLUTE_TIMEOUT:
        moment += dt.timedelta(minutes=20)
        assert client.get("/").status_code == 200, moment - start
    moment = start + ABSOLUTE_TIMEOUT
    assert client.get("/", follow_redirects=False).status_code == 303


def test_password_change_revokes_other_sessions(
    app: FastAPI, client: TestClient, runtime: Runtime
) -> None:
    make_user(runtime)
    other = new_client(app)
    login(other)
    first = session_cookie(login(client))
    wrong = client.post(
        "/account/password",
        data={
            "csrf_token": csrf_from(client, "/account/password"),
            "current_password": "not-my-password",
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 400 and "Your current password is wrong" in wrong.text
    weak = client.post(
        "/account/password",
        data={
            "csrf_token": csrf_from(client, "/account/password"),
            "current_password": PASSWORD,
            "new_password": "short",
            "confirm_password": "short",
        },
    )
    assert weak.status_code == 400 and "at least 12 characters" in weak.text
    assert 'href="#new_password"' in weak.text
    response = client.post(
        "/account/password",
        data={
            "csrf_token": csrf_from(client, "/account/password"),
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert session_cookie(response) != first  # signed in again, with a new token
    assert "has been changed" in client.get(response.headers["location"]).text
    assert client.get("/").status_code == 200
    assert other.get("/", follow_redirects=False).status_code == 303  # signed out elsewhere
    assert login(new_client(app), password=NEW_PASSWORD).status_code == 303
    assert login(new_client(app), password=PASSWORD).status_code == 400


# ---------------------------------------------------------------------------------------------
# TOTP


def test_totp_login(app: FastAPI, client: TestClient, runtime: Runtime) -> None:
    user_id = make_user(runtime)
    secret = pyotp.random_base32()
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    with runtime.sessions() as session:
        user = session.get(User, user_id)
        assert user is not None
        code = pyotp.TOTP(secret).at(earlier)
        enable_totp(session, user=user, secret=secret, code=code, actor=ACTOR, now=earlier)
        session.commit()
    response = login(client, next="/account/password")
    assert response.headers["location"] == "/login/totp?next=/account/password"
    half = session_cookie(response)
    # Half-way: nothing else is open yet.
    assert client.get("/", follow_redirects=False).headers["location"] == "/login/totp"
    assert client.get("/api/overview").status_code == 401
    page = client.get("/login/totp?next=/account/password")
    assert "Enter your code" in page.text
    token = _CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    wrong = client.post(
        "/login/totp",
        data={"csrf_token": token, "code": "000000", "next": "/account/password"},
    )
    assert wrong.status_code == 400 and "The code is wrong" in wrong.text
    right = client.post(
        "/login/totp",
        data={
            "csrf_token": token,
            "code": pyotp.TOTP(secret).now(),
            "next": "/account/password",
        },
        follow_redirects=False,
    )
    assert right.status_code == 303 and right.headers["location"] == "/account/password"
    assert session_cookie(right) != half
    assert client.get("/").status_code == 200
    with runtime.sessions() as session:
        rows = list(session.scalars(select(UserSession).order_by(UserSession.id)))
        assert rows[0].revoked_at is not None and not rows[0].second_factor_done
        assert rows[1].revoked_at is None and rows[1].second_factor_done


def test_organisation_requiring_totp_enrols_at_login(client: TestClient, runtime: Runtime) -> None:
    user_id = make_user(runtime, require_totp=True)
    assert login(client).headers["location"] == "/login/totp"
    page = client.get("/login/totp")
    assert "Set up your authenticator app" in page.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)  # type: ignore[union-attr]
    assert "otpauth://totp/" in page.text
    response = client.post(
        "/login/totp",
        data={
            "csrf_token": _CSRF.search(page.text).group(1),  # type: ignore[union-attr]
            "secret": secret,
            "code": pyotp.TOTP(secret).now(),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    with runtime.sessions() as session:
        user = session.get(User, user_id)
        assert user is not None and user.totp_enabled and user.totp_secret == secret


def test_account_totp_enrolment(client: TestClient, runtime: Runtime) -> None:
    user_id = make_user(runtime)
    login(client)
    page = client.get("/account/totp")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)  # type: ignore[union-attr]
    token = _CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    bad = client.post("/account/totp", data={"csrf_token": token, "secret": secret, "code": "1"})
    assert bad.status_code == 400 and 'href="#code"' in bad.text
    assert secret in bad.text  # the same key again, so the app already set up still matches
    ok = client.post(
        "/account/totp",
        data={"csrf_token": token, "secret": secret, "code": pyotp.TOTP(secret).now()},
    )
    assert ok.status_code == 200 and "Two-step sign in is now on" in ok.text
    with runtime.sessions() as session:
        user = session.get(User, user_id)
        assert user is not None and user.totp_enabled


# ---------------------------------------------------------------------------------------------
# CSRF, headers, templates


def _post_routes(app: FastAPI) -> list[str]:
    paths = []
    for route in iter_route_contexts(app.routes):
        if "POST" in (route.methods or set()) and route.path:
            # Not form routes with sessions: the JSON API takes API tokens only (a session
            # cookie gets 401), and the resident portal sets no cookie at all, so it refuses
            # cross-site posts by Sec-Fetch-Site/Origin instead (tests/intake/test_portal.py).
            if route.path.startswith(("/api/", "/report")):
                continue
            paths.append(re.sub(r"\{[^}]+\}", "1", route.path))
    return sorted(paths)


def test_every_post_form_route_needs_the_csrf_token(
    app: FastAPI, client: TestClient, runtime: Runtime
) -> None:
    # Admin and analyst: every form is reachable, so each refusal is the CSRF check's.
    make_user(runtime, roles=("admin", "analyst"))
    posts = _post_routes(app)
    assert "/login" in posts and "/admin/users" in posts and "/logout" in posts
    anonymous = new_client(app)
    login(client)
    for path in posts:
        for who in (client, anonymous):
            if who is anonymous and path == "/logout":
                continue  # nothing to sign out of: no token needed
            for data in ({}, {"csrf_token": "forged"}, {"csrf_token": ""}):
                response = who.post(path, data=data, follow_redirects=False)
                assert response.status_code == 403, (path, data, response.status_code)
                assert "could not be accepted" in response.text
    # A token from another session is refused too.
    other = new_client(app)
    login(other)
    foreign = csrf_from(other, "/account/password")
    response = client.post("/account/password", data={"csrf_token": foreign})
    assert response.status_code == 403
    # A cross-site form post is refused even with the right token.
    response = client.post(
        "/account/password",
        data={"csrf_token": csrf_from(client, "/account/password")},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403


def test_security_headers_and_no_store(client: TestClient, runtime: Runtime) -> None:
    make_user(runtime, roles=("admin", "analyst"))
    for path in ("/login",):
        response = client.get(path)
        assert response.headers["cache-control"] == "no-store", path
    login(client)
    for path in (
        "/",
        "/api/overview",
        "/account/password",
        "/account/totp",
        "/admin/users",
        "/admin/organisations",
        "/admin/tokens",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["x-content-type-options"] == "nosniff", path


@pytest.mark.parametrize(
    "template",
    sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.glob("*/*.html")),
)
def test_auth_templates_have_no_inline_script_or_style(template: str) -> None:
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.DOTALL)
    # Scripts come from files; a JSON data island (type="application/json") is never run.
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", text), (
        "inline <script>"
    )
    assert not re.search(r"\sstyle\s*=", text), 'style="" attribute'
    assert "<style" not in text
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    # The resident portal's forms carry no token by design (no cookies at all): they are
    # protected by refusing cross-site posts instead (tests/intake/test_portal.py).
    if "<form" in text and 'method="post"' in text and not template.startswith("intake/portal_"):
        assert text.count('method="post"') <= text.count("csrf_field()"), "form without CSRF"


# ---------------------------------------------------------------------------------------------
# Administration


def test_admin_pages(app: FastAPI, client: TestClient, runtime: Runtime) -> None:
    make_user(runtime, email="admin@example.org", roles=("admin",))
    login(client, email="admin@example.org")
    page = client.get("/admin/organisations")
    assert page.status_code == 200 and "Brighton and Hove City Council" in page.text
    token = _CSRF.search(page.text).group(1)  # type: ignore[union-attr]

    invalid = client.post("/admin/organisations", data={"csrf_token": token, "name": ""})
    assert invalid.status_code == 400
    assert 'href="#name"' in invalid.text and 'href="#org_type"' in invalid.text
    created = client.post(
        "/admin/organisations",
        data={"csrf_token": token, "name": "Sussex Police", "org_type": "police_force"},
    )
    assert created.status_code == 200 and "Organisation “Sussex Police” created" in created.text
    duplicate = client.post(
        "/admin/organisations",
        data={"csrf_token": token, "name": "sussex police", "org_type": "police_force"},
    )
    assert duplicate.status_code == 400 and "already exists" in duplicate.text
    with runtime.sessions() as session:
        sussex = get_organisation_by_name(session, "Sussex Police")
        assert sussex is not None and not sussex.require_totp
        sussex_id = sussex.id
    client.post(
        f"/admin/organisations/{sussex_id}/totp", data={"csrf_token": token, "required": "true"}
    )
    with runtime.sessions() as session:
        assert get_organisation(session, sussex_id).require_totp

    bad_user = client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "organisation_id": str(sussex_id),
            "email": "pc@example.org",
            "display_name": "Pat Constable",
            "password": "password",
        },
    )
    assert bad_user.status_code == 400
    assert 'href="#password"' in bad_user.text and 'href="#roles"' in bad_user.text
    new_user = client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "organisation_id": str(sussex_id),
            "email": "pc@example.org",
            "display_name": "Pat Constable",
            "password": NEW_PASSWORD,
            "roles": ["analyst", "tasking_member"],
        },
    )
    assert new_user.status_code == 200 and "User created." in new_user.text
    assert "Pat Constable" in new_user.text and "Tasking group member" in new_user.text
    filtered = client.get(f"/admin/users?organisation_id={sussex_id}")
    assert "pc@example.org" in filtered.text and "ana@example.org" not in filtered.text

    pc = new_client(app)
    assert login(pc, email="pc@example.org", password=NEW_PASSWORD).status_code == 303
    with runtime.sessions() as session:
        pc_id = session.scalars(select(User.id).where(User.email == "pc@example.org")).one()
    disabled = client.post(f"/admin/users/{pc_id}/disable", data={"csrf_token": token})
    assert disabled.status_code == 200 and "User disabled" in disabled.text
    assert pc.get("/login/totp", follow_redirects=False).headers["location"] == "/login"

    # Tokens: shown once, listed by prefix only; the admin may grant only what they hold.
    refused = client.post(
        "/admin/tokens",
        data={
            "csrf_token": token,
            "organisation_id": str(sussex_id),
            "name": "GIS export",
            "expires_in_days": "30",
            "scopes": ["data.read"],
        },
    )
    assert refused.status_code == 400 and "lacks" in refused.text
    made = client.post(
        "/admin/tokens",
        data={
            "csrf_token": token,
            "organisation_id": str(sussex_id),
            "name": "Audit export",
            "expires_in_days": "30",
            "scopes": ["audit.read"],
        },
    )
    assert made.status_code == 200
    plaintext = re.search(r'id="new-token">(bcn_[^<]+)<', made.text).group(1)  # type: ignore[union-attr]
    listing = client.get("/admin/tokens")
    assert plaintext not in listing.text and plaintext[:12] in listing.text
    with runtime.sessions() as session:
        token_id = session.scalars(select(ApiToken.id)).one()
    revoked = client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 200 and "Revoked" in revoked.text
    assert client.post("/admin/tokens/999/revoke", data={"csrf_token": token}).status_code == 404


def test_denied_admin_access_is_audited(client: TestClient, runtime: Runtime) -> None:
    make_user(runtime)
    login(client)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "does not have permission" in response.text
    assert 'href="/admin' not in response.text  # no admin link for an analyst
    denied = events(runtime, "access.denied")
    assert len(denied) == 1
    assert denied[0].actor_label == "ana@example.org"
    assert '"admin.users"' in denied[0].details_json


# ---------------------------------------------------------------------------------------------
# The JSON API


def _token(runtime: Runtime, *scopes: str, days: int = 30, now: dt.datetime | None = None) -> str:
    with runtime.sessions() as session:
        org = get_organisation_by_name(session, "Brighton and Hove City Council")
        assert org is not None
        _, plaintext = create_api_token(
            session,
            organisation_id=org.id,
            name=f"token {scopes} {now}",
            scopes=scopes,
            expires_in_days=days,
            created_by=None,
            actor=ACTOR,
            now=now,
        )
        session.commit()
    return plaintext


def test_api_token_auth(app: FastAPI, client: TestClient, runtime: Runtime) -> None:
    make_user(runtime)
    valid = _token(runtime, "data.read")
    expired = _token(runtime, "data.read", days=1, now=dt.datetime.now(dt.UTC) - dt.timedelta(2))
    wrong_scope = _token(runtime, "intel.submit")
    revoked = _token(runtime, "data.read")
    with runtime.sessions() as session:
        row = session.scalars(select(ApiToken).where(ApiToken.prefix == revoked[:12])).one()
        revoke_api_token(session, token_id=row.id, actor=ACTOR)
        session.commit()

    def get(token: str | None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.get("/api/overview", headers=headers)

    assert get(valid).status_code == 200
    assert get(valid).headers["cache-control"] == "no-store"
    for bad in (expired, revoked, "bcn_not-a-real-token", "x" * 500):
        response = get(bad)
        assert response.status_code == 401, bad
        assert response.headers["www-authenticate"] == "Bearer"
    assert get(wrong_scope).status_code == 403
    assert get(None).status_code == 401
    assert client.get("/api/overview", headers={"Authorization": "Basic abc"}).status_code == 401
    # A signed-in person may read the API from the browser (GET only).
    login(client)
    assert get(None).status_code == 200


def test_api_never_accepts_the_session_cookie_for_changes(
    app: FastAPI, client: TestClient, runtime: Runtime
) -> None:
    def change() -> dict[str, str]:
        return {"ok": "yes"}

    app.add_api_route(
        "/api/test-change",
        change,
        methods=["POST"],
        dependencies=[Depends(require_permission(Permission.DATA_READ))],
    )
    make_user(runtime)
    login(client)
    assert client.get("/api/overview").status_code == 200
    assert client.post("/api/test-change").status_code == 401
    token = _token(runtime, "data.read")
    response = client.post("/api/test-change", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
