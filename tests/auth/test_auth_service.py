"""Organisations, users, roles, passwords and logins, on a real database (both backends)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction, AuditEvent
from beacon.audit.service import AuditActor
from beacon.auth.models import Organisation, OrganisationType, User, UserSession
from beacon.auth.passwords import PasswordPolicyError, verify_password
from beacon.auth.permissions import Permission
from beacon.auth.service import (
    LOGIN_FAILED_MESSAGE,
    DuplicateError,
    InvalidInputError,
    LoginFailed,
    LoginLocked,
    NotFoundError,
    WrongPasswordError,
    authenticate,
    change_password,
    create_organisation,
    create_user,
    disable_user,
    enable_user,
    get_user,
    list_organisations,
    list_users,
    set_organisation_totp,
    set_password,
    set_roles,
    totp_required,
    user_permissions,
    user_roles,
    utc,
)
from beacon.runtime import Runtime

ACTOR = AuditActor.system("test")
PASSWORD = "violet-harbour-lantern-47"
NEW_PASSWORD = "copper-meadow-kestrel-19"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def events(session: Session, name: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if name is not None:
        query = query.where(AuditEvent.event == name)
    return list(session.scalars(query))


def make_org(session: Session, name: str = "Kent Police") -> Organisation:
    return create_organisation(
        session, name=name, org_type=OrganisationType.POLICE_FORCE, actor=ACTOR
    )


def make_user(
    session: Session,
    org: Organisation,
    email: str = "analyst@kent.police.uk",
    *,
    display_name: str = "Ada Analyst",
    password: str = PASSWORD,
    roles: list[str] | None = None,
) -> User:
    return create_user(
        session,
        organisation_id=org.id,
        email=email,
        display_name=display_name,
        password=password,
        roles=["analyst"] if roles is None else roles,
        actor=ACTOR,
    )


def add_session(session: Session, user: User) -> UserSession:
    row = UserSession(
        token_hash=secrets.token_bytes(32),
        user_id=user.id,
        csrf_secret=secrets.token_hex(16),
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=8),
    )
    session.add(row)
    session.flush()
    return row


# -- organisations -----------------------------------------------------------------------------


def test_create_and_list_organisations(db: Session) -> None:
    kent = make_org(db)
    council = create_organisation(
        db, name="  Dover   District Council ", org_type="district_council", actor=ACTOR
    )
    assert council.name == "Dover District Council"
    assert council.org_type == "district_council" and not council.require_totp
    assert [o.name for o in list_organisations(db)] == ["Dover District Council", "Kent Police"]
    (created, _) = events(db, "organisation.created")
    assert created.action == AuditAction.ALTERATION
    assert created.record_type == "organisation" and created.record_id == str(kent.id)
    assert created.actor_label == "test"
    assert json.loads(created.details_json)["name"] == "Kent Police"


def test_organisation_errors(db: Session) -> None:
    make_org(db)
    with pytest.raises(DuplicateError, match="already exists"):
        make_org(db, "KENT POLICE")
    with pytest.raises(InvalidInputError, match="unknown organisation type"):
        create_organisation(db, name="Elsewhere", org_type="bakery", actor=ACTOR)
    with pytest.raises(InvalidInputError):
        create_organisation(db, name="   ", org_type="other", actor=ACTOR)


def test_organisation_totp_requirement(db: Session) -> None:
    org = make_org(db)
    user = make_user(db, org)
    assert not totp_required(db, user)
    set_organisation_totp(db, organisation_id=org.id, required=True, actor=ACTOR)
    assert totp_required(db, user)
    (event,) = events(db, "organisation.totp_requirement_changed")
    assert event.action == AuditAction.SECURITY
    assert json.loads(event.details_json) == {"before": False, "after": True}


# -- users -------------------------------------------------------------------------------------


def test_create_user(db: Session) -> None:
    org = make_org(db)
    user = make_user(
        db, org, email="  Ada.Analyst@Kent.Police.UK ", roles=["analyst", "tasking_member"]
    )
    assert user.email == "ada.analyst@kent.police.uk"
    assert user.active and not user.totp_enabled and user.failed_logins == 0
    assert PASSWORD not in user.password_hash and verify_password(user.password_hash, PASSWORD)
    assert user_roles(db, user.id) == {"analyst", "tasking_member"}
    assert get_user(db, user.id) is user
    assert list_users(db, organisation_id=org.id) == [user]
    assert list_users(db, organisation_id=org.id + 100) == []
    perms = user_permissions(db, user)
    assert Permission.INTEL_READ in perms and Permission.TASKING_MANAGE in perms
    assert Permission.ADMIN_USERS not in perms
    (event,) = events(db, "user.created")
    assert event.action == AuditAction.SECURITY and event.record_id == str(user.id)
    details = json.loads(event.details_json)
    assert details["roles"] == ["analyst", "tasking_member"]
    assert PASSWORD not in event.details_json


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"email": "not-an-email"}, InvalidInputError, "valid email"),
        ({"email": "a@b"}, InvalidInputError, "valid email"),
        ({"email": "a b@example.org"}, InvalidInputError, "valid email"),
        ({"roles": ["wizard"]}, InvalidInputError, "unknown role"),
        ({"roles": []}, InvalidInputError, "at least one role"),
        ({"display_name": " "}, InvalidInputError, "name"),
        ({"password": "password1234"}, PasswordPolicyError, "commonly used"),
        ({"password": "short"}, PasswordPolicyError, "12 characters"),
        ({"password": "ada-analyst-2026"}, PasswordPolicyError, "email"),
    ],
)
def test_create_user_refuses(
    db: Session, kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    org = make_org(db)
    with pytest.raises(error, match=match):
        make_user(db, org, **{"email": "ada.analyst@kent.police.uk", **kwargs})
    assert list_users(db) == []
    assert events(db, "user.created") == []


def test_duplicate_email_and_unknown_organisation(db: Session) -> None:
    org = make_org(db)
    make_user(db, org)
    with pytest.raises(DuplicateError):
        make_user(db, org, email="ANALYST@kent.police.uk")
    with pytest.raises(NotFoundError):
        create_user(
            db,
            organisation_id=org.id + 99,
            email="x@example.org",
            display_name="X",
            password=PASSWORD,
            roles=["analyst"],
            actor=ACTOR,
        )


def test_set_roles(db: Session) -> None:
    org = make_org(db)
    user = make_user(db, org)
    assert set_roles(db, user_id=user.id, roles=["admin"], actor=ACTOR) == {"admin"}
    assert user_roles(db, user.id) == {"admin"}
    assert Permission.ADMIN_USERS in user_permissions(db, user)
    assert Permission.INTEL_READ not in user_permissions(db, user)
    with pytest.raises(InvalidInputError):
        set_roles(db, user_id=user.id, roles=["admin", "root"], actor=ACTOR)
    (event,) = events(db, "user.roles_changed")
    assert json.loads(event.details_json)["before"] == ["analyst"]
    assert json.loads(event.details_json)["after"] == ["admin"]


def test_disable_user_revokes_sessions_and_blocks_login(db: Session) -> None:
    org = make_org(db)
    user = make_user(db, org)
    other = make_user(db, org, email="other@kent.police.uk", display_name="Other Person")
    mine, theirs = add_session(db, user), add_session(db, other)
    disable_user(db, user_id=user.id, actor=ACTOR)
    db.refresh(mine)
    db.refresh(theirs)
    assert mine.revoked_at is not None and theirs.revoked_at is None
    assert user_permissions(db, user) == frozenset()
    with pytest.raises(LoginFailed) as caught:
        authenticate(db, email=user.email, password=PASSWORD)
    assert str(caught.value) == LOGIN_FAILED_MESSAGE
    assert not isinstance(caught.value, LoginLocked)
    (event,) = events(db, "user.disabled")
    assert json.loads(event.details_json)["sessions_revoked"] == 1
    assert json.loads(events(db, "login.failed")[-1].details_json)["reason"] == "user_disabled"
    enable_user(db, user_id=user.id, actor=ACTOR)
    assert authenticate(db, email=user.email, password=PASSWORD) is user
    assert len(events(db, "user.enabled")) == 1


# -- logins ------------------------------------------------------------------------------------


def test_authenticate_success(db: Session) -> None:
    user = make_user(db, make_org(db))
    assert authenticate(db, email=" ANALYST@kent.police.uk", password=PASSWORD, now=T0) is user
    assert utc(user.last_login_at) == T0  # type: ignore[arg-type]
    (event,) = events(db, "login.succeeded")
    assert event.action == AuditAction.SECURITY
    assert event.actor_kind == "user" and event.actor_id == user.id
    assert event.organisation_id == user.organisation_id


def test_failures_have_one_generic_message(db: Session) -> None:
    make_user(db, make_org(db))
    messages = []
    for email, password in [
        ("nobody@kent.police.uk", PASSWORD),
        ("analyst@kent.police.uk", "wrong-password-here"),
        ("x" * 300, PASSWORD),
    ]:
        with pytest.raises(LoginFailed) as caught:
            authenticate(db, email=email, password=password)
        assert type(caught.value) is LoginFailed
        messages.append(str(caught.value))
    assert messages == [LOGIN_FAILED_MESSAGE] * 3
    failed = events(db, "login.failed")
    assert [json.loads(e.details_json)["reason"] for e in failed] == [
        "unknown_email",
        "wrong_password",
        "unknown_email",
    ]
    assert json.loads(failed[0].details_json)["email"] == "nobody@kent.police.uk"
    assert failed[0].record_id is None
    for event in failed:
        assert PASSWORD not in event.details_json
        assert "wrong-password-here" not in event.details_json


def _attempt(runtime: Runtime, password: str, now: dt.datetime) -> LoginFailed | None:
    """One login attempt in its own transaction, committed whatever the outcome."""
    with runtime.sessions() as session, session.begin():
        try:
            authenticate(session, email="analyst@kent.police.uk", password=password, now=now)
        except LoginFailed as exc:
            return exc
    return None


def test_lockout_after_five_failures_and_unlock_after_fifteen_minutes(runtime: Runtime) -> None:
    with runtime.sessions() as session, session.begin():
        make_user(session, make_org(session))
    outcomes = [_attempt(runtime, "wrong-password-here", T0) for _ in range(4)]
    assert all(type(o) is LoginFailed for o in outcomes)
    fifth = _attempt(runtime, "wrong-password-here", T0 + dt.timedelta(seconds=5))
    assert isinstance(fifth, LoginLocked)
    unlock = T0 + dt.timedelta(seconds=5, minutes=15)
    assert fifth.locked_until == unlock
    # Locked: even the right password is refused, without extending the lock.
    during = _attempt(runtime, PASSWORD, T0 + dt.timedelta(minutes=10))
    assert isinstance(during, LoginLocked) and during.locked_until == unlock
    assert isinstance(_attempt(runtime, PASSWORD, unlock - dt.timedelta(seconds=1)), LoginLocked)
    assert _attempt(runtime, PASSWORD, unlock + dt.timedelta(seconds=1)) is None
    with runtime.sessions() as session:
        user = session.scalars(select(User)).one()
        assert user.failed_logins == 0 and user.locked_until is None
        (locked,) = events(session, "login.locked")
        assert locked.action == AuditAction.SECURITY and locked.record_id == str(user.id)
        reasons = [json.loads(e.details_json)["reason"] for e in events(session, "login.failed")]
        assert reasons == ["wrong_password"] * 5 + ["locked"] * 2
        assert len(events(session, "login.succeeded")) == 1


def test_success_resets_the_failure_count(runtime: Runtime) -> None:
    with runtime.sessions() as session, session.begin():
        make_user(session, make_org(session))
    for _ in range(4):
        _attempt(runtime, "wrong-password-here", T0)
    assert _attempt(runtime, PASSWORD, T0) is None
    outcomes = [_attempt(runtime, "wrong-password-here", T0) for _ in range(4)]
    assert all(type(o) is LoginFailed for o in outcomes)
    assert _attempt(runtime, PASSWORD, T0) is None


def test_lock_that_ran_out_starts_a_fresh_count(runtime: Runtime) -> None:
    with runtime.sessions() as session, session.begin():
        make_user(session, make_org(session))
    for _ in range(5):
        _attempt(runtime, "wrong-password-here", T0)
    later = T0 + dt.timedelta(minutes=20)
    assert type(_attempt(runtime, "wrong-password-here", later)) is LoginFailed
    with runtime.sessions() as session:
        assert session.scalars(select(User.failed_logins)).one() == 1


def test_login_rehashes_weak_hashes(db: Session) -> None:
    user = make_user(db, make_org(db))
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    user.password_hash = weak
    db.flush()
    authenticate(db, email=user.email, password=PASSWORD)
    assert user.password_hash != weak and verify_password(user.password_hash, PASSWORD)
    assert json.loads(events(db, "login.succeeded")[0].details_json)["rehashed"] is True


# -- passwords ---------------------------------------------------------------------------------


def test_change_password_revokes_every_session(db: Session) -> None:
    user = make_user(db, make_org(db))
    first, second = add_session(db, user), add_session(db, user)
    with pytest.raises(WrongPasswordError):
        change_password(
            db, user=user, current_password="nope", new_password=NEW_PASSWORD, actor=ACTOR
        )
    with pytest.raises(PasswordPolicyError):
        change_password(
            db, user=user, current_password=PASSWORD, new_password="password1234", actor=ACTOR
        )
    with pytest.raises(PasswordPolicyError):
        change_password(
            db, user=user, current_password=PASSWORD, new_password=PASSWORD, actor=ACTOR
        )
    db.refresh(first)
    assert first.revoked_at is None
    change_password(
        db, user=user, current_password=PASSWORD, new_password=NEW_PASSWORD, actor=ACTOR
    )
    for row in (first, second):
        db.refresh(row)
        assert row.revoked_at is not None
    with pytest.raises(LoginFailed):
        authenticate(db, email=user.email, password=PASSWORD)
    assert authenticate(db, email=user.email, password=NEW_PASSWORD) is user
    (event,) = events(db, "user.password_changed")
    assert json.loads(event.details_json)["sessions_revoked"] == 2
    assert len(events(db, "user.password_change_failed")) == 1
    for e in events(db):
        assert NEW_PASSWORD not in e.details_json and PASSWORD not in e.details_json


def test_admin_set_password_unlocks(db: Session) -> None:
    user = make_user(db, make_org(db))
    session_row = add_session(db, user)
    user.failed_logins = 5
    user.locked_until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    db.flush()
    with pytest.raises(PasswordPolicyError):
        set_password(db, user_id=user.id, new_password="ada-analyst-123", actor=ACTOR)
    set_password(db, user_id=user.id, new_password=NEW_PASSWORD, actor=ACTOR)
    assert user.failed_logins == 0 and user.locked_until is None
    db.refresh(session_row)
    assert session_row.revoked_at is not None
    assert authenticate(db, email=user.email, password=NEW_PASSWORD) is user
    assert len(events(db, "user.password_set")) == 1
