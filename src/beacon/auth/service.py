"""Organisations, users, roles, passwords and logins.

Every function takes the caller's session, flushes but never commits: the caller owns the
transaction, and every change writes its audit event in that same transaction.

Functions that refuse something by raising (``authenticate``, ``change_password``) may have
written state worth keeping first — the failed-login count, a lock, the audit event of the
failure. Catch the exception *inside* the transaction so that it still commits::

    with runtime.sessions() as session, session.begin():
        try:
            user = authenticate(session, email=email, password=password)
        except LoginFailed as exc:
            problem = exc
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction
from beacon.audit.service import AuditActor, record_event
from beacon.auth.models import Organisation, OrganisationType, User, UserRole, UserSession
from beacon.auth.passwords import (
    PasswordPolicyError,
    dummy_verify,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from beacon.auth.permissions import Permission, Role, permissions_for

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
LOGIN_FAILED_MESSAGE = "email or password is wrong"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_MAX_EMAIL = 254
_MAX_NAME = 200


class AuthError(Exception):
    """Base class of the errors this domain raises; the message is safe to show."""


class DuplicateError(AuthError):
    """An organisation or user with that name or email already exists."""


class NotFoundError(AuthError):
    """No such organisation, user or token."""


class InvalidInputError(AuthError, ValueError):
    """A value that cannot be valid: an unknown role or organisation type, a malformed email."""


class WrongPasswordError(AuthError):
    """The current password given to ``change_password`` is wrong."""


class LoginFailed(AuthError):
    """A login was refused. The message is the same whatever the cause, so nobody can learn
    from it which accounts exist."""

    def __init__(self, message: str = LOGIN_FAILED_MESSAGE) -> None:
        super().__init__(message)


class LoginLocked(LoginFailed):
    """Too many failed logins: the account is locked until ``locked_until`` (UTC)."""

    def __init__(self, locked_until: dt.datetime) -> None:
        self.locked_until = locked_until
        super().__init__(
            f"too many failed logins: try again after {locked_until.astimezone(dt.UTC):%H:%M} UTC"
        )


# ---------------------------------------------------------------------------------------------
# Helpers


def utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` as an aware UTC datetime (SQLite hands back naive ones; Beacon stores UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def now_utc(now: dt.datetime | None) -> dt.datetime:
    return dt.datetime.now(dt.UTC) if now is None else utc(now)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def validate_email(email: str) -> str:
    """The email lower-cased, or ``InvalidInputError`` when it cannot be an address."""
    normalised = normalise_email(email)
    if len(normalised) > _MAX_EMAIL or not _EMAIL.match(normalised):
        raise InvalidInputError(f"not a valid email address: {email.strip()!r}")
    return normalised


def clean_name(value: str, what: str) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise InvalidInputError(f"{what} must not be empty")
    if len(cleaned) > _MAX_NAME:
        raise InvalidInputError(f"{what} must be at most {_MAX_NAME} characters")
    return cleaned


def validate_roles(roles: Iterable[str]) -> frozenset[str]:
    """The role names, or ``InvalidInputError`` naming the unknown ones."""
    names = frozenset(str(role).strip() for role in roles)
    valid = {role.value for role in Role}
    unknown = sorted(names - valid)
    if unknown:
        raise InvalidInputError(
            f"unknown role(s): {', '.join(unknown)} (valid: {', '.join(sorted(valid))})"
        )
    if not names:
        raise InvalidInputError("a user needs at least one role")
    return names


def user_actor(user: User) -> AuditActor:
    """The audit actor for something ``user`` did."""
    return AuditActor(
        kind="user", id=user.id, label=user.email, organisation_id=user.organisation_id
    )


def _audit(
    session: Session,
    *,
    action: AuditAction,
    event: str,
    actor: AuditActor,
    record_type: str,
    record_id: int | None,
    details: dict[str, object] | None = None,
) -> None:
    record_event(
        session,
        action=action,
        event=event,
        actor=actor,
        record_type=record_type,
        record_id=record_id,
        details=details,
    )


# ---------------------------------------------------------------------------------------------
# Organisations


def create_organisation(
    session: Session,
    *,
    name: str,
    org_type: OrganisationType | str,
    require_totp: bool = False,
    actor: AuditActor,
) -> Organisation:
    name = clean_name(name, "organisation name")
    try:
        kind = OrganisationType(str(org_type).strip().lower())
    except ValueError:
        valid = ", ".join(t.value for t in OrganisationType)
        raise InvalidInputError(
            f"unknown organisation type: {org_type!r} (valid: {valid})"
        ) from None
    if get_organisation_by_name(session, name) is not None:
        raise DuplicateError(f"an organisation called {name!r} already exists")
    organisation = Organisation(name=name, org_type=kind.value, require_totp=require_totp)
    session.add(organisation)
    try:
        session.flush()
    except IntegrityError:
        raise DuplicateError(f"an organisation called {name!r} already exists") from None
    _audit(
        session,
        action=AuditAction.ALTERATION,
        event="organisation.created",
        actor=actor,
        record_type="organisation",
        record_id=organisation.id,
        details={"name": name, "org_type": kind.value, "require_totp": require_totp},
    )
    return organisation


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def get_organisation(session: Session, organisation_id: int) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFoundError(f"no organisation with id {organisation_id}")
    return organisation


def get_organisation_by_name(session: Session, name: str) -> Organisation | None:
    """The organisation called ``name``, ignoring case and extra spaces."""
    cleaned = " ".join(name.split()).lower()
    return session.scalars(
        select(Organisation).where(func.lower(Organisation.name) == cleaned)
    ).first()


def set_organisation_totp(
    session: Session, *, organisation_id: int, required: bool, actor: AuditActor
) -> Organisation:
    organisation = get_organisation(session, organisation_id)
    before = organisation.require_totp
    organisation.require_totp = required
    session.flush()
    _audit(
        session,
        action=AuditAction.SECURITY,
        event="organisation.totp_requirement_changed",
        actor=actor,
        record_type="organisation",
        record_id=organisation.id,
        details={"before": before, "after": required},
    )
    return organisation


# ---------------------------------------------------------------------------------------------
# Users


def create_user(
    session: Session,
    *,
    organisation_id: int,
    email: str,
    display_name: str,
    password: str,
    roles: Iterable[str],
    actor: AuditActor,
) -> User:
    """A new active user. Raises ``InvalidInputError``, ``DuplicateError``, ``NotFoundError``
    or ``PasswordPolicyError``."""
    organisation = get_organisation(session, organisation_id)
    email = validate_email(email)
    display_name = clean_name(display_name, "name")
    role_names = validate_roles(roles)
    problems = password_problems(password, email=email, display_name=display_name)
    if problems:
        raise PasswordPolicyError(problems)
    if session.scalars(select(User.id).where(User.email == email)).first() is not None:
        raise DuplicateError(f"a user with email {email} already exists")
    user = User(
        organisation_id=organisation.id,
        email=email,
        display_name=display_name,
        password_hash=hash_password(password),
        active=True,
        totp_enabled=False,
        failed_logins=0,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise DuplicateError(f"a user with email {email} already exists") from None
    session.add_all(UserRole(user_id=user.id, role=role) for role in sorted(role_names))
    session.flush()
    _audit(
        session,
        action=AuditAction.SECURITY,
        event="user.created",
        actor=actor,
        record_type="user",
        record_id=user.id,
        details={
            "email": email,
            "display_name": display_name,
            "organisation_id": organisation.id,
            "roles": sorted(role_names),
        },
    )
    return user


def list_users(session: Session, *, organisation_id: int | None = None) -> list[User]:
    query = select(User).order_by(User.email)
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    return list(session.scalars(query))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"no user with id {user_id}")
    return user


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == normalise_email(email))).first()


def user_roles(session: Session, user_id: int) -> frozenset[str]:
    return frozenset(session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))


def set_roles(
    session: Session, *, user_id: int, roles: Iterable[str], actor: AuditActor
) -> frozenset[str]:
    """Replace the user's roles with ``roles``; returns the new set."""
    user = get_user(session, user_id)
    wanted = validate_roles(roles)
    current = user_roles(session, user.id)
    if wanted == current:
        return current
    for row in session.scalars(select(UserRole).where(UserRole.user_id == user.id)):
        if row.role not in wanted:
            session.delete(row)
    session.flush()
    session.add_all(UserRole(user_id=user.id, role=role) for role in sorted(wanted - current))
    session.flush()
    _audit(
        session,
        action=AuditAction.SECURITY,
        event="user.roles_changed",
        actor=actor,
        record_type="user",
        record_id=user.id,
        details={"email": user.email, "before": sorted(current), "after": sorted(wanted)},
    )
    return wanted


def revoke_user_sessions(
    session: Session,
    user_id: int,
    *,
    now: dt.datetime | None = None,
    keep_session_id: int | None = None,
) -> int:
    """Revoke every live session of the user (except ``keep_session_id``); returns how many."""
    query = (
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now_utc(now))
        .execution_options(synchronize_session="fetch")
    )
    if keep_session_id is not None:
        query = query.where(UserSession.id != keep_session_id)
    result = session.execute(query)
    session.flush()
    return int(result.rowcount)  # type: ignore[attr-defined]


def disable_user(session: Session, *, user_id: int, actor: AuditActor) -> User:
    """Stop the user logging in and end their sessions. API tokens belong to the organisation
    and are left alone."""
    user = get_user(session, user_id)
    user.active = False
    session.flush()
    revoked = revoke_user_sessions(session, user.id)
    _audit(
        session,
        action=AuditAction.SECURITY,
        event="user.disabled",
        actor=actor,
        record_type="user",
        record_id=user.id,
        details={"email": user.email, "sessions_revoked": revoked},
    )
    return user


def enable_user(session: Session, *, user_id: int, actor: AuditActor) -> User:
    user = get_user(session, user_id)
    user.active = True
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    _audit(
        session,
        action=AuditAction.SECURITY,
        event="user.enabled",
        actor=actor,
        record_type="user",
        record_id=user.id,
        details={"email": user.email},
    )
    return user


def _store_password(session: Session, user: User, password: str, now: dt.datetime) -> None:
    problems = password_problems(password, email=user.email, display_name=user.display_name)
    if problems:
        raise PasswordPolicyError(problems)
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    session.flush()


def change_password(
    session: Session,
    *,
    user: User,
    current_password: str,
    new_password: str,
    actor: AuditActor,
    keep_session_id: int | None = None,
    now: dt.datetime | None = None,
) -> User:
    """The user changes their own password. Raises ``WrongPasswordError`` or
    ``PasswordPolicyError``. Revokes all the user's sessions (except ``keep_session_id``)."""
    moment = now_utc(now)
    if not verify_password(user.password_hash, current_password):
        _audit(
            session,
            action=AuditAction.SECURITY,
            event="user.password_change_failed",
            actor=actor,
            record_type="user",
            record_id=user.id,
            details={"email": user.email, "reason": "wrong_current_password"},
        )
        raise WrongPasswordError("the current password is wrong")
    if new_password == current_password:
        raise PasswordPolicyError(["must be different from the current password"])
    _store_password(session, user, new_password, moment)
    revoked = revoke_user_sessions(session, user.id, now=moment, keep_session_id=keep_session_id)
    _audit(
        session,
        action=AuditAction.SECURITY,
        event="user.password_changed",
        actor=actor,
        record_type="user",
        record_id=user.id,
        details={"email": user.email, "sessions_revoked": revoked},
    )
    return user


def set_password(
    session: Session,
    *,
    user_id: int,
    new_password: str,
    actor: AuditActor,
    now: dt.datetime | None = None,
) -> User:
    """An administrator sets a user's password: policy enforced, lock cleared, every session
    of the user revoked."""
    moment = now_utc(now)
    user = get_user(session, user_id)
    _store_password(session, user, new_password, moment)
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    revoked = revoke_user_sessions(session, user.id, now=moment)
    _audit(
        session,
        action=AuditAction.SECURITY,
        event="user.password_set",
        actor=actor,
        record_type="user",
        record_id=user.id,
        details={"email": user.email, "sessions_revoked": revoked},
    )
    return user


# ---------------------------------------------------------------------------------------------
# Logins

_LOGIN_ACTOR = AuditActor(kind="system", label="login")


def _audit_login_failure(session: Session, *, email: str, user: User | None, reason: str) -> None:
    _audit(
        session,
        action=AuditAction.SECURITY,
        event="login.failed",
        actor=_LOGIN_ACTOR,
        record_type="user",
        record_id=None if user is None else user.id,
        details={"email": email[:_MAX_EMAIL], "reason": reason},
    )


def is_locked(user: User, now: dt.datetime | None = None) -> bool:
    return user.locked_until is not None and utc(user.locked_until) > now_utc(now)


def register_failure(session: Session, user: User, moment: dt.datetime) -> bool:
    """Count one failed attempt (password or second factor); lock the account at the limit.
    Returns True when this failure locked it. The caller writes the failure's audit event."""
    if user.locked_until is not None and utc(user.locked_until) <= moment:
        # The previous lock has run out: start counting again.
        user.failed_logins = 0
        user.locked_until = None
    user.failed_logins = (user.failed_logins or 0) + 1
    locked = user.failed_logins >= MAX_FAILED_LOGINS
    if locked:
        user.locked_until = moment + LOCKOUT
    session.flush()
    if locked:
        assert user.locked_until is not None
        _audit(
            session,
            action=AuditAction.SECURITY,
            event="login.locked",
            actor=_LOGIN_ACTOR,
            record_type="user",
            record_id=user.id,
            details={
                "email": user.email,
                "failed_logins": user.failed_logins,
                "locked_until": utc(user.locked_until).isoformat(),
            },
        )
    return locked


def clear_failures(session: Session, user: User) -> None:
    user.failed_logins = 0
    user.locked_until = None
    session.flush()


def authenticate(
    session: Session, *, email: str, password: str, now: dt.datetime | None = None
) -> User:
    """The active user with this email and password, or ``LoginFailed`` (``LoginLocked`` when
    the account is locked). See the module's docstring: commit even when it raises.

    After ``MAX_FAILED_LOGINS`` consecutive failures the account is locked for ``LOCKOUT``.
    When the user needs a second factor (``totp_required``), success here does not reset the
    failure count: ``verify_totp`` does, so guesses of the code and of the password share one
    budget.
    """
    moment = now_utc(now)
    normalised = normalise_email(email)
    user = None
    if len(normalised) <= _MAX_EMAIL:
        user = session.scalars(
            select(User)
            .where(User.email == normalised)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
    if user is None:
        dummy_verify(password)
        _audit_login_failure(session, email=normalised, user=None, reason="unknown_email")
        raise LoginFailed()
    if user.locked_until is not None and utc(user.locked_until) <= moment:
        # The lock has run out: the count starts again.
        user.failed_logins = 0
        user.locked_until = None
    if is_locked(user, moment):
        assert user.locked_until is not None
        dummy_verify(password)
        _audit_login_failure(session, email=normalised, user=user, reason="locked")
        raise LoginLocked(utc(user.locked_until))
    password_ok = verify_password(user.password_hash, password)
    if not password_ok:
        _audit_login_failure(session, email=normalised, user=user, reason="wrong_password")
        if register_failure(session, user, moment):
            assert user.locked_until is not None
            raise LoginLocked(utc(user.locked_until))
        raise LoginFailed()
    organisation = session.get(Organisation, user.organisation_id)
    if not user.active or organisation is None or not organisation.active:
        reason = "user_disabled" if not user.active else "organisation_disabled"
        _audit_login_failure(session, email=normalised, user=user, reason=reason)
        raise LoginFailed()
    rehashed = needs_rehash(user.password_hash)
    if rehashed:
        user.password_hash = hash_password(password)
    second_factor = totp_required(session, user)
    if not second_factor:
        user.failed_logins = 0
    user.last_login_at = moment
    session.flush()
    _audit(
        session,
        action=AuditAction.SECURITY,
        event="login.succeeded",
        actor=user_actor(user),
        record_type="user",
        record_id=user.id,
        details={
            "email": user.email,
            "second_factor_required": second_factor,
            "rehashed": rehashed,
        },
    )
    return user


# ---------------------------------------------------------------------------------------------
# Permissions


def user_permissions(session: Session, user: User) -> frozenset[Permission]:
    """What the user may do; nothing at all when the user is disabled."""
    if not user.active:
        return frozenset()
    return permissions_for(user_roles(session, user.id))


def totp_required(session: Session, user: User) -> bool:
    """True when the user turned TOTP on or their organisation requires it."""
    if user.totp_enabled:
        return True
    organisation = session.get(Organisation, user.organisation_id)
    return bool(organisation is not None and organisation.require_totp)
