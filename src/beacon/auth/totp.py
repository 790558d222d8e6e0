"""TOTP second factor (RFC 6238: 30-second steps, 6 digits, SHA-1, as authenticator apps use).

A code is accepted for the current step and one step either side (clock drift), and each step
is accepted at most once per user, so an overheard code cannot be replayed. Wrong codes count
towards the same lockout as wrong passwords.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac

import pyotp
from sqlalchemy import or_, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from beacon.audit.models import AuditAction
from beacon.audit.service import AuditActor, record_event
from beacon.auth.models import User
from beacon.auth.service import (
    AuthError,
    clear_failures,
    is_locked,
    now_utc,
    register_failure,
    user_actor,
    utc,
)

VALID_WINDOW = 1
_STEP_SECONDS = 30
_DIGITS = 6


class InvalidTotpCode(AuthError):
    """The code does not match the secret (when turning TOTP on)."""


def new_totp_secret() -> str:
    """A random 160-bit secret, base32-encoded (32 characters)."""
    return pyotp.random_base32()


def provisioning_uri(*, secret: str, email: str, issuer: str = "Beacon") -> str:
    """The ``otpauth://`` URI an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def _valid_secret(secret: str) -> bool:
    try:
        decoded = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    except (binascii.Error, ValueError):
        return False
    return len(decoded) >= 10  # RFC 4226 asks for 128 bits at least; pyotp makes 160


def _normalise_code(code: str) -> str | None:
    cleaned = "".join(code.split())
    if len(cleaned) != _DIGITS or not cleaned.isascii() or not cleaned.isdigit():
        return None
    return cleaned


def matching_step(secret: str, code: str, now: dt.datetime | None = None) -> int | None:
    """The time step (within ``VALID_WINDOW`` of ``now``) whose code is ``code``, or None."""
    cleaned = _normalise_code(code)
    if cleaned is None or not _valid_secret(secret):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now_utc(now).timestamp()) // _STEP_SECONDS
    found: int | None = None
    # Compare against every step in the window, so the time taken does not depend on which.
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        expected = totp.at(step * _STEP_SECONDS)
        if hmac.compare_digest(expected.encode(), cleaned.encode()) and found is None:
            found = step
    return found


def _audit(session: Session, event: str, user: User, details: dict[str, object]) -> None:
    record_event(
        session,
        action=AuditAction.SECURITY,
        event=event,
        actor=user_actor(user),
        record_type="user",
        record_id=user.id,
        details={"email": user.email, **details},
    )


def verify_totp(session: Session, *, user: User, code: str, now: dt.datetime | None = None) -> bool:
    """True when ``code`` is the user's current code and its time step has not been used
    before; the step is then recorded. A wrong code counts as a failed login (and may lock the
    account); a locked account's codes are all refused. Flushes; the caller commits either way.
    """
    moment = now_utc(now)
    if not user.totp_secret or not user.active:
        return False
    if user.locked_until is not None and utc(user.locked_until) <= moment:
        clear_failures(session, user)
    if is_locked(user, moment):
        _audit(session, "totp.failed", user, {"reason": "locked"})
        return False
    step = matching_step(user.totp_secret, code, moment)
    if step is None:
        _audit(session, "totp.failed", user, {"reason": "wrong_code"})
        register_failure(session, user, moment)
        return False
    # Compare-and-set in one statement, so two requests racing with one code cannot both pass.
    result = session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        _audit(session, "totp.failed", user, {"reason": "code_reused"})
        return False
    set_committed_value(user, "totp_last_step", step)
    clear_failures(session, user)
    _audit(session, "totp.succeeded", user, {})
    return True


def enable_totp(
    session: Session,
    *,
    user: User,
    secret: str,
    code: str,
    actor: AuditActor,
    now: dt.datetime | None = None,
) -> User:
    """Turn TOTP on with ``secret`` once ``code`` proves the user's app holds it. Raises
    ``InvalidTotpCode``."""
    secret = secret.strip().upper()
    if not _valid_secret(secret):
        raise InvalidTotpCode("the TOTP secret is not valid")
    step = matching_step(secret, code, now)
    if step is None:
        raise InvalidTotpCode("that code does not match: check the device's clock and try again")
    user.totp_secret = secret
    user.totp_enabled = True
    user.totp_last_step = step
    session.flush()
    record_event(
        session,
        action=AuditAction.SECURITY,
        event="totp.enabled",
        actor=actor,
        record_type="user",
        record_id=user.id,
        details={"email": user.email},
    )
    return user


def disable_totp(session: Session, *, user: User, actor: AuditActor) -> User:
    """Turn TOTP off and forget the secret (for example after a lost phone). If the user's
    organisation requires TOTP, they will have to set it up again at their next login."""
    user.totp_secret = None
    user.totp_enabled = False
    user.totp_last_step = None
    session.flush()
    record_event(
        session,
        action=AuditAction.SECURITY,
        event="totp.disabled",
        actor=actor,
        record_type="user",
        record_id=user.id,
        details={"email": user.email},
    )
    return user
