"""Server-side login sessions.

The browser holds only a random token (``secrets.token_urlsafe(32)``) in the
``__Host-beacon_session`` cookie; the database holds its SHA-256, so a copy of the table cannot
be replayed as cookies. A new token is made at every login and at every change of privilege
(second factor, password change), so a token planted before login is worthless afterwards.

A session ends when it is revoked (logout, password change, account disabled), when it has been
idle for ``IDLE_TIMEOUT``, or ``ABSOLUTE_TIMEOUT`` after it began, whichever comes first.

Functions flush but never commit: the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.auth.models import User, UserSession
from beacon.auth.service import revoke_user_sessions, utc

SESSION_COOKIE = "__Host-beacon_session"
IDLE_TIMEOUT = dt.timedelta(minutes=30)
ABSOLUTE_TIMEOUT = dt.timedelta(hours=12)
# last_seen_at is written at most this often, so reading pages does not write on every request.
TOUCH_INTERVAL = dt.timedelta(minutes=1)
# token_urlsafe(32) is 43 characters; anything much longer is not one of ours.
_MAX_TOKEN_LENGTH = 100


def utcnow() -> dt.datetime:
    """The clock sessions use (tests replace it to move time on)."""
    return dt.datetime.now(dt.UTC)


def _moment(now: dt.datetime | None) -> dt.datetime:
    return utcnow() if now is None else utc(now)


def hash_session_token(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def create_session(
    session: Session, *, user: User, second_factor_done: bool, now: dt.datetime | None = None
) -> tuple[UserSession, str]:
    """A new session for ``user`` and its token (the only time the token exists: put it in the
    cookie)."""
    moment = _moment(now)
    token = secrets.token_urlsafe(32)
    user_session = UserSession(
        token_hash=hash_session_token(token),
        user_id=user.id,
        second_factor_done=second_factor_done,
        csrf_secret=secrets.token_hex(32),
        created_at=moment,
        last_seen_at=moment,
        expires_at=moment + ABSOLUTE_TIMEOUT,
    )
    session.add(user_session)
    session.flush()
    return user_session, token


def session_is_live(user_session: UserSession, now: dt.datetime | None = None) -> bool:
    moment = _moment(now)
    return (
        user_session.revoked_at is None
        and utc(user_session.expires_at) > moment
        and utc(user_session.last_seen_at) + IDLE_TIMEOUT > moment
    )


def load_session(
    session: Session, token: str | None, *, now: dt.datetime | None = None
) -> UserSession | None:
    """The live session ``token`` stands for, or None when it is unknown, revoked, idle for too
    long or past its absolute expiry. Records the time it was seen (at most once a minute)."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    moment = _moment(now)
    user_session = session.scalars(
        select(UserSession).where(UserSession.token_hash == hash_session_token(token))
    ).first()
    if user_session is None or not session_is_live(user_session, moment):
        return None
    if moment - utc(user_session.last_seen_at) >= TOUCH_INTERVAL:
        user_session.last_seen_at = moment
        session.flush()
    return user_session


def revoke_session(
    session: Session, user_session: UserSession, *, now: dt.datetime | None = None
) -> None:
    if user_session.revoked_at is None:
        user_session.revoked_at = _moment(now)
        session.flush()


def revoke_all_for_user(
    session: Session,
    user_id: int,
    *,
    now: dt.datetime | None = None,
    keep_session_id: int | None = None,
) -> int:
    """Revoke every live session of the user (but ``keep_session_id``); returns how many."""
    return revoke_user_sessions(session, user_id, now=_moment(now), keep_session_id=keep_session_id)
