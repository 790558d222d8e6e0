"""API tokens: shown once, hashed at rest, scoped, expiring, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction, AuditEvent
from beacon.audit.service import AuditActor
from beacon.auth.models import ApiToken, OrganisationType, User
from beacon.auth.permissions import Permission
from beacon.auth.service import (
    InvalidInputError,
    NotFoundError,
    create_organisation,
    create_user,
    disable_user,
    utc,
)
from beacon.auth.tokens import (
    ScopeError,
    create_api_token,
    list_api_tokens,
    revoke_api_token,
    token_permissions,
    verify_api_token,
)
from beacon.runtime import Runtime

ACTOR = AuditActor.system("test")
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def setup(session: Session) -> tuple[int, User]:
    org = create_organisation(
        session, name="Kent Police", org_type=OrganisationType.POLICE_FORCE, actor=ACTOR
    )
    admin = create_user(
        session,
        organisation_id=org.id,
        email="admin@kent.police.uk",
        display_name="Ann Admin",
        password="violet-harbour-lantern-47",
        roles=["admin"],
        actor=ACTOR,
    )
    return org.id, admin


def test_create_verify_and_hash_at_rest(runtime: Runtime) -> None:
    with runtime.sessions() as session, session.begin():
        org_id, admin = setup(session)
        token, plaintext = create_api_token(
            session,
            organisation_id=org_id,
            name="Partner feed",
            scopes=["admin.users", "audit.read"],
            expires_in_days=30,
            created_by=admin,
            actor=ACTOR,
            now=T0,
        )
        token_id = token.id
    assert plaintext.startswith("bcn_") and len(plaintext) >= 40
    assert token.prefix == plaintext[:12]
    assert token.token_hash == hashlib.sha256(plaintext.encode()).digest()
    assert utc(token.expires_at) == T0 + dt.timedelta(days=30)
    assert token.scopes == "admin.users audit.read"
    assert token_permissions(token) == {Permission.ADMIN_USERS, Permission.AUDIT_READ}
    # The plaintext is nowhere in the database: not in the token table, not in the audit log.
    secret_part = plaintext[12:]
    with runtime.engine.connect() as connection:
        for table in ("api_token", "audit_event"):
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                for value in row:
                    if isinstance(value, bytes):
                        assert plaintext.encode() not in value
                        assert secret_part.encode() not in value
                    else:
                        assert secret_part not in str(value)
    with runtime.sessions() as session, session.begin():
        found = verify_api_token(session, plaintext, now=T0 + dt.timedelta(days=1))
        assert found is not None and found.id == token_id
        assert utc(found.last_used_at) == T0 + dt.timedelta(days=1)  # type: ignore[arg-type]
        assert verify_api_token(session, plaintext + "x", now=T0) is None
        assert verify_api_token(session, "bcn_" + "A" * 43, now=T0) is None
        assert verify_api_token(session, "", now=T0) is None
        assert verify_api_token(session, plaintext[4:], now=T0) is None
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.event == "api_token.created")
        ).one()
        assert event.action == AuditAction.SECURITY and event.record_id == str(token_id)
        assert json.loads(event.details_json)["prefix"] == token.prefix


def test_expiry(db: Session) -> None:
    org_id, _ = setup(db)
    _, plaintext = create_api_token(
        db,
        organisation_id=org_id,
        name="Short",
        scopes=["intel.submit"],
        expires_in_days=1,
        created_by=None,
        actor=ACTOR,
        now=T0,
    )
    assert verify_api_token(db, plaintext, now=T0 + dt.timedelta(hours=23)) is not None
    assert verify_api_token(db, plaintext, now=T0 + dt.timedelta(days=1)) is None
    assert verify_api_token(db, plaintext, now=T0 + dt.timedelta(days=2)) is None


def test_revoke(db: Session) -> None:
    org_id, admin = setup(db)
    token, plaintext = create_api_token(
        db,
        organisation_id=org_id,
        name="Revoke me",
        scopes=["audit.read"],
        expires_in_days=365,
        created_by=admin,
        actor=ACTOR,
    )
    assert verify_api_token(db, plaintext) is not None
    revoke_api_token(db, token_id=token.id, actor=ACTOR)
    revoke_api_token(db, token_id=token.id, actor=ACTOR)  # idempotent
    assert token.revoked_at is not None
    assert verify_api_token(db, plaintext) is None
    assert list_api_tokens(db, organisation_id=org_id) == [token]
    assert list_api_tokens(db, organisation_id=org_id + 1) == []
    revoked = db.scalars(select(AuditEvent).where(AuditEvent.event == "api_token.revoked")).all()
    assert len(revoked) == 1
    with pytest.raises(NotFoundError):
        revoke_api_token(db, token_id=token.id + 100, actor=ACTOR)


def test_tokens_belong_to_the_organisation_not_the_creator(db: Session) -> None:
    org_id, admin = setup(db)
    _, plaintext = create_api_token(
        db,
        organisation_id=org_id,
        name="Feed",
        scopes=["audit.read"],
        expires_in_days=10,
        created_by=admin,
        actor=ACTOR,
    )
    disable_user(db, user_id=admin.id, actor=ACTOR)
    assert verify_api_token(db, plaintext) is not None


@pytest.mark.parametrize(
    ("scopes", "days", "by_admin", "error", "match"),
    [
        (["intel.read"], 30, True, ScopeError, "intel.read"),
        (["admin.users", "intel.read_original"], 30, True, ScopeError, "intel.read_original"),
        (["intel.everything"], 30, False, InvalidInputError, "unknown scope"),
        ([], 30, False, InvalidInputError, "at least one scope"),
        (["audit.read"], 0, False, InvalidInputError, "1 to 365"),
        (["audit.read"], 366, False, InvalidInputError, "1 to 365"),
    ],
)
def test_create_refuses(
    db: Session,
    scopes: list[str],
    days: int,
    by_admin: bool,
    error: type[Exception],
    match: str,
) -> None:
    org_id, admin = setup(db)
    with pytest.raises(error, match=match):
        create_api_token(
            db,
            organisation_id=org_id,
            name="Bad",
            scopes=scopes,
            expires_in_days=days,
            created_by=admin if by_admin else None,
            actor=ACTOR,
        )
    assert db.scalars(select(ApiToken)).all() == []
