"""``beacon orgs|users|tokens`` on the test database (both backends)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from beacon.audit.models import AuditEvent
from beacon.auth.cli import register
from beacon.auth.models import ApiToken, User
from beacon.auth.service import authenticate
from beacon.config import Settings, get_settings
from beacon.runtime import Runtime

PASSWORD = "violet-harbour-lantern-47"


class AuthCli:
    """Like conftest's ``BeaconCli``, plus ``input=`` for standard input. Uses ``beacon``'s
    own app once it registers these commands, else an app with just them."""

    def __init__(self, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
        self.settings = settings
        self.monkeypatch = monkeypatch
        self.runner = CliRunner()
        from beacon.cli import app

        if any(group.name == "orgs" for group in app.registered_groups):
            self.app = app
        else:
            self.app = typer.Typer()
            register(self.app)

    def __call__(self, *args: str, input: str | None = None, expect_exit: int = 0) -> Any:
        self.monkeypatch.setenv("BEACON_DATABASE_URL", self.settings.database_url)
        self.monkeypatch.setenv("BEACON_ENVIRONMENT", "test")
        get_settings.cache_clear()
        try:
            result = self.runner.invoke(self.app, list(args), input=input, catch_exceptions=False)
        finally:
            get_settings.cache_clear()
        assert result.exit_code == expect_exit, (
            f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
        return result


@pytest.fixture
def auth_cli(settings: Settings, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> AuthCli:
    return AuthCli(settings, monkeypatch)


def audit_events(runtime: Runtime) -> list[AuditEvent]:
    with runtime.sessions() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def test_orgs(auth_cli: AuthCli, runtime: Runtime) -> None:
    out = auth_cli("orgs", "create", "Kent Police", "--type", "police_force", "--json")
    created = json.loads(out.stdout)
    assert created["name"] == "Kent Police" and created["require_totp"] is False
    auth_cli("orgs", "create", "Dover District Council", "--type", "district_council",
             "--require-totp")  # fmt: skip
    dup = auth_cli("orgs", "create", "kent police", "--type", "police_force", expect_exit=2)
    assert "already exists" in dup.stderr
    bad = auth_cli("orgs", "create", "X", "--type", "bakery", expect_exit=2)
    assert "unknown organisation type" in bad.stderr
    listed = json.loads(auth_cli("orgs", "list", "--json").stdout)
    assert [(o["name"], o["require_totp"]) for o in listed] == [
        ("Dover District Council", True),
        ("Kent Police", False),
    ]
    assert "Kent Police (police_force)" in auth_cli("orgs", "list").stdout
    auth_cli("orgs", "require-totp", "Kent Police")
    events = audit_events(runtime)
    assert [e.event for e in events].count("organisation.created") == 2
    assert all(e.actor_label.startswith("cli:") for e in events)


def test_users(auth_cli: AuthCli, runtime: Runtime) -> None:
    auth_cli("orgs", "create", "Kent Police", "--type", "police_force")
    out = auth_cli(
        "users", "create", "--org", "Kent Police", "--email", "Ada@Kent.Police.UK",
        "--name", "Ada Analyst", "--role", "analyst", "--role", "tasking_member",
        "--password-stdin", "--json", input=PASSWORD + "\n",
    )  # fmt: skip
    created = json.loads(out.stdout)
    assert created["email"] == "ada@kent.police.uk"
    assert created["roles"] == ["analyst", "tasking_member"]
    assert "password_hash" not in out.stdout and PASSWORD not in out.stdout
    # Prompted twice, hidden, when not on stdin; the org may be given by id.
    auth_cli(
        "users", "create", "--org", str(created["organisation_id"]), "--email",
        "bob@kent.police.uk", "--name", "Bob Builder", "--role", "admin",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    weak = auth_cli(
        "users", "create", "--org", "Kent Police", "--email", "carol@kent.police.uk",
        "--name", "Carol", "--role", "analyst", "--password-stdin",
        input="password1234\n", expect_exit=2,
    )  # fmt: skip
    assert "commonly used" in weak.stderr
    bad_role = auth_cli(
        "users", "create", "--org", "Kent Police", "--email", "carol@kent.police.uk",
        "--name", "Carol", "--role", "wizard", "--password-stdin", input=PASSWORD + "\n",
        expect_exit=2,
    )  # fmt: skip
    assert "unknown role" in bad_role.stderr
    no_org = auth_cli(
        "users", "create", "--org", "Atlantis", "--email", "carol@kent.police.uk",
        "--name", "Carol", "--role", "analyst", "--password-stdin", input=PASSWORD + "\n",
        expect_exit=1,
    )  # fmt: skip
    assert "no organisation" in no_org.stderr
    listed = json.loads(auth_cli("users", "list", "--org", "Kent Police", "--json").stdout)
    assert [u["email"] for u in listed] == ["ada@kent.police.uk", "bob@kent.police.uk"]
    assert all("password_hash" not in u and "totp_secret" not in u for u in listed)
    assert "ada@kent.police.uk" in auth_cli("users", "list").stdout
    auth_cli("users", "disable", "ADA@kent.police.uk")
    auth_cli("users", "disable", "nobody@kent.police.uk", expect_exit=1)
    with runtime.sessions() as session:
        ada = session.scalars(select(User).where(User.email == "ada@kent.police.uk")).one()
        assert not ada.active
        bob = authenticate(session, email="bob@kent.police.uk", password=PASSWORD)
        assert bob.display_name == "Bob Builder"
    auth_cli("users", "enable", "ada@kent.police.uk")
    auth_cli("users", "set-roles", "ada@kent.police.uk", "--role", "admin")
    new_password = "copper-meadow-kestrel-19"
    auth_cli("users", "set-password", "ada@kent.police.uk", "--password-stdin",
             input=new_password + "\n")  # fmt: skip
    with runtime.sessions() as session:
        authenticate(session, email="ada@kent.police.uk", password=new_password)
    names = [e.event for e in audit_events(runtime)]
    for expected in ("user.created", "user.disabled", "user.enabled", "user.roles_changed",
                     "user.password_set"):  # fmt: skip
        assert expected in names
    assert all(PASSWORD not in e.details_json for e in audit_events(runtime))


def test_tokens(auth_cli: AuthCli, runtime: Runtime) -> None:
    auth_cli("orgs", "create", "Kent Police", "--type", "police_force")
    out = auth_cli(
        "tokens", "create", "--org", "Kent Police", "--name", "Partner feed",
        "--scope", "intel.submit", "--scope", "data.read", "--days", "30",
    )  # fmt: skip
    plaintext = out.stdout.strip().splitlines()[-1]
    assert plaintext.startswith("bcn_")
    assert "cannot be shown again" in out.stderr
    bad = auth_cli("tokens", "create", "--org", "Kent Police", "--name", "X", "--scope",
                   "intel.read", "--days", "400", expect_exit=2)  # fmt: skip
    assert "1 to 365" in bad.stderr
    listed = json.loads(auth_cli("tokens", "list", "--json").stdout)
    assert len(listed) == 1 and listed[0]["scopes"] == ["data.read", "intel.submit"]
    assert plaintext not in json.dumps(listed)
    assert plaintext[12:] not in auth_cli("tokens", "list").stdout
    auth_cli("tokens", "revoke", str(listed[0]["id"]))
    auth_cli("tokens", "revoke", "999", expect_exit=1)
    with runtime.sessions() as session:
        token = session.scalars(select(ApiToken)).one()
        assert token.revoked_at is not None
    names = [e.event for e in audit_events(runtime)]
    assert "api_token.created" in names and "api_token.revoked" in names
