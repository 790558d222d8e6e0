"""API tokens for partner systems: random, shown once, stored only as a SHA-256 hash, scoped
to permissions, expiring and revocable.

A token has 256 bits of randomness, so a plain (unsalted) SHA-256 is enough to make the stored
hash useless to whoever reads the table, and it lets a presented token be found by an indexed
lookup on its hash rather than by comparing secrets one by one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction
from beacon.audit.service import AuditActor, record_event
from beacon.auth.models import ApiToken, Organisation, User
from beacon.auth.permissions import Permission
from beacon.auth.service import (
    AuthError,
    InvalidInputError,
    NotFoundError,
    clean_name,
    get_organisation,
    now_utc,
    user_permissions,
    utc,
)

TOKEN_PREFIX = "bcn_"  # noqa: S105 - a label, not a secret
PREFIX_LENGTH = 12
MIN_DAYS = 1
MAX_DAYS = 365
# "bcn_" + 43 characters of token_urlsafe(32); anything much longer is not one of ours.
_MAX_TOKEN_LENGTH = 100


class ScopeError(AuthError):
    """A token was asked for permissions its creator does not have."""


def hash_token(plaintext: str) -> bytes:
    return hashlib.sha256(plaintext.encode("utf-8")).digest()


def _validate_scopes(scopes: Iterable[str]) -> frozenset[Permission]:
    names = {str(scope).strip() for scope in scopes}
    valid = {permission.value for permission in Permission}
    unknown = sorted(names - valid)
    if unknown:
        raise InvalidInputError(
            f"unknown scope(s): {', '.join(unknown)} (valid: {', '.join(sorted(valid))})"
        )
    if not names:
        raise InvalidInputError("a token needs at least one scope")
    return frozenset(Permission(name) for name in names)


def create_api_token(
    session: Session,
    *,
    organisation_id: int,
    name: str,
    scopes: Iterable[str],
    expires_in_days: int,
    created_by: User | None,
    actor: AuditActor,
    now: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its plaintext — the only time the plaintext exists: show it once."""
    organisation = get_organisation(session, organisation_id)
    name = clean_name(name, "token name")
    permissions = _validate_scopes(scopes)
    if not MIN_DAYS <= expires_in_days <= MAX_DAYS:
        raise InvalidInputError(
            f"a token must expire in {MIN_DAYS} to {MAX_DAYS} days, not {expires_in_days}"
        )
    if created_by is not None:
        missing = permissions - user_permissions(session, created_by)
        if missing:
            raise ScopeError(
                "a token cannot have permissions its creator lacks: "
                + ", ".join(sorted(p.value for p in missing))
            )
    moment = now_utc(now)
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        prefix=plaintext[:PREFIX_LENGTH],
        token_hash=hash_token(plaintext),
        organisation_id=organisation.id,
        created_by_user_id=None if created_by is None else created_by.id,
        scopes=" ".join(sorted(p.value for p in permissions)),
        created_at=moment,
        expires_at=moment + dt.timedelta(days=expires_in_days),
    )
    session.add(token)
    session.flush()
    record_event(
        session,
        action=AuditAction.SECURITY,
        event="api_token.created",
        actor=actor,
        record_type="api_token",
        record_id=token.id,
        details={
            "name": name,
            "prefix": token.prefix,
            "organisation_id": organisation.id,
            "scopes": token.scopes.split(),
            "expires_at": utc(token.expires_at).isoformat(),
        },
    )
    return token, plaintext


def verify_api_token(
    session: Session, plaintext: str, *, now: dt.datetime | None = None
) -> ApiToken | None:
    """The live token ``plaintext`` stands for, or None when it is unknown, revoked, expired
    or its organisation is disabled. Records when it was last used (flushes, does not commit).
    """
    if (
        not plaintext
        or not plaintext.startswith(TOKEN_PREFIX)
        or len(plaintext) > _MAX_TOKEN_LENGTH
    ):
        return None
    moment = now_utc(now)
    token = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == hash_token(plaintext))
    ).first()
    if token is None or token.revoked_at is not None or utc(token.expires_at) <= moment:
        return None
    organisation = session.get(Organisation, token.organisation_id)
    if organisation is None or not organisation.active:
        return None
    token.last_used_at = moment
    session.flush()
    return token


def token_permissions(token: ApiToken) -> frozenset[Permission]:
    """The permissions the token was granted (names no longer known grant nothing)."""
    valid = {permission.value for permission in Permission}
    return frozenset(Permission(name) for name in token.scopes.split() if name in valid)


def token_actor(token: ApiToken) -> AuditActor:
    """The audit actor for something done with ``token``."""
    return AuditActor(
        kind="api_token",
        id=token.id,
        label=f"{token.name} ({token.prefix})",
        organisation_id=token.organisation_id,
    )


def revoke_api_token(
    session: Session, *, token_id: int, actor: AuditActor, now: dt.datetime | None = None
) -> ApiToken:
    """Revoke the token; revoking one already revoked changes nothing."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFoundError(f"no API token with id {token_id}")
    if token.revoked_at is not None:
        return token
    token.revoked_at = now_utc(now)
    session.flush()
    record_event(
        session,
        action=AuditAction.SECURITY,
        event="api_token.revoked",
        actor=actor,
        record_type="api_token",
        record_id=token.id,
        details={"name": token.name, "prefix": token.prefix},
    )
    return token


def list_api_tokens(session: Session, *, organisation_id: int | None = None) -> list[ApiToken]:
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if organisation_id is not None:
        query = query.where(ApiToken.organisation_id == organisation_id)
    return list(session.scalars(query))
