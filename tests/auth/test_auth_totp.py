"""TOTP second factor: enrolment, verification, replay and brute-force protection."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.models import AuditEvent
from beacon.audit.service import AuditActor
from beacon.auth.models import OrganisationType, User
from beacon.auth.service import (
    LoginFailed,
    authenticate,
    create_organisation,
    create_user,
    totp_required,
)
from beacon.auth.totp import (
    InvalidTotpCode,
    disable_totp,
    enable_totp,
    new_totp_secret,
    provisioning_uri,
    verify_totp,
)
from beacon.runtime import Runtime

ACTOR = AuditActor.system("test")
PASSWORD = "violet-harbour-lantern-47"
T0 = dt.datetime(2026, 3, 2, 9, 0, 5, tzinfo=dt.UTC)


def code_at(secret: str, moment: dt.datetime) -> str:
    return pyotp.TOTP(secret).at(moment)


def event_names(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.event).order_by(AuditEvent.seq)))


def make_user(session: Session) -> User:
    org = create_organisation(
        session, name="Kent Police", org_type=OrganisationType.POLICE_FORCE, actor=ACTOR
    )
    return create_user(
        session,
        organisation_id=org.id,
        email="analyst@kent.police.uk",
        display_name="Ada Analyst",
        password=PASSWORD,
        roles=["analyst"],
        actor=ACTOR,
    )


def enabled_user(session: Session) -> tuple[User, str]:
    user = make_user(session)
    secret = new_totp_secret()
    enable_totp(
        session,
        user=user,
        secret=secret,
        code=code_at(secret, T0 - dt.timedelta(minutes=5)),
        actor=ACTOR,
        now=T0 - dt.timedelta(minutes=5),
    )
    return user, secret


def test_secret_and_provisioning_uri() -> None:
    secret = new_totp_secret()
    assert len(secret) == 32 and secret != new_totp_secret()
    uri = provisioning_uri(secret=secret, email="ada@kent.police.uk")
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    assert "ada%40kent.police.uk" in parsed.path or "ada@kent.police.uk" in parsed.path
    query = parse_qs(parsed.query)
    assert query["secret"] == [secret] and query["issuer"] == ["Beacon"]


def test_enable_needs_a_matching_code(db: Session) -> None:
    user = make_user(db)
    secret = new_totp_secret()
    with pytest.raises(InvalidTotpCode):
        enable_totp(db, user=user, secret=secret, code="000000x", actor=ACTOR, now=T0)
    wrong = code_at(secret, T0 + dt.timedelta(minutes=10))
    with pytest.raises(InvalidTotpCode):
        enable_totp(db, user=user, secret=secret, code=wrong, actor=ACTOR, now=T0)
    with pytest.raises(InvalidTotpCode):
        enable_totp(db, user=user, secret="not base32!", code="123456", actor=ACTOR, now=T0)
    assert not user.totp_enabled and user.totp_secret is None
    assert not totp_required(db, user)
    enable_totp(db, user=user, secret=secret, code=code_at(secret, T0), actor=ACTOR, now=T0)
    assert user.totp_enabled and user.totp_secret == secret
    assert totp_required(db, user)
    # The code used to enrol cannot be used again to log in.
    assert not verify_totp(db, user=user, code=code_at(secret, T0), now=T0)
    assert "totp.enabled" in event_names(db)


def test_verify_window_and_replay(db: Session) -> None:
    user, secret = enabled_user(db)
    assert verify_totp(db, user=user, code=code_at(secret, T0), now=T0)
    assert not verify_totp(db, user=user, code=code_at(secret, T0), now=T0)  # replay
    later = T0 + dt.timedelta(seconds=30)
    # The previous step's code is inside the window but was already used.
    assert not verify_totp(db, user=user, code=code_at(secret, T0), now=later)
    assert verify_totp(db, user=user, code=code_at(secret, later), now=later)
    # One step of drift either way is accepted; two are not.
    t2 = T0 + dt.timedelta(minutes=5)
    assert verify_totp(db, user=user, code=code_at(secret, t2 + dt.timedelta(seconds=30)), now=t2)
    t3 = T0 + dt.timedelta(minutes=10)
    assert not verify_totp(
        db, user=user, code=code_at(secret, t3 - dt.timedelta(minutes=1)), now=t3
    )
    assert verify_totp(db, user=user, code=code_at(secret, t3 - dt.timedelta(seconds=30)), now=t3)
    assert not verify_totp(db, user=user, code="12345", now=t3)
    db.expire_all()
    stored = db.get(User, user.id)
    assert stored is not None and stored.totp_last_step is not None
    names = event_names(db)
    assert names.count("totp.succeeded") == 4 and names.count("totp.failed") == 4


def test_wrong_codes_lock_the_account(runtime: Runtime) -> None:
    with runtime.sessions() as session, session.begin():
        enabled_user(session)
    with runtime.sessions() as session, session.begin():
        # The password is right; a second factor is still needed, so failures still count.
        user = authenticate(session, email="analyst@kent.police.uk", password=PASSWORD, now=T0)
        secret = user.totp_secret
        assert secret is not None
        for _ in range(5):
            assert not verify_totp(session, user=user, code="000000", now=T0)
        assert user.locked_until is not None
        assert not verify_totp(session, user=user, code=code_at(secret, T0), now=T0)
    with runtime.sessions() as session, session.begin():
        with pytest.raises(LoginFailed):
            authenticate(session, email="analyst@kent.police.uk", password=PASSWORD, now=T0)
        assert "login.locked" in event_names(session)
    later = T0 + dt.timedelta(minutes=16)
    with runtime.sessions() as session, session.begin():
        user = authenticate(session, email="analyst@kent.police.uk", password=PASSWORD, now=later)
        assert verify_totp(session, user=user, code=code_at(secret, later), now=later)
        assert user.failed_logins == 0


def test_password_success_does_not_reset_second_factor_failures(db: Session) -> None:
    user, _secret = enabled_user(db)
    for _ in range(4):
        authenticate(db, email=user.email, password=PASSWORD, now=T0)
        assert not verify_totp(db, user=user, code="000000", now=T0)
    assert user.failed_logins == 4
    authenticate(db, email=user.email, password=PASSWORD, now=T0)
    assert user.failed_logins == 4
    assert not verify_totp(db, user=user, code="000000", now=T0)
    assert user.locked_until is not None


def test_disable_totp(db: Session) -> None:
    user, secret = enabled_user(db)
    disable_totp(db, user=user, actor=ACTOR)
    assert not user.totp_enabled and user.totp_secret is None and user.totp_last_step is None
    assert not verify_totp(db, user=user, code=code_at(secret, T0), now=T0)
    assert "totp.disabled" in event_names(db)
