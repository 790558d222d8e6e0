"""Queue e-mails in the caller's transaction; deliver them after it commits.

``enqueue_email`` only writes a row: if the transaction rolls back, no message exists, and if
the process dies after commit, the message is still there for ``deliver_pending`` (called right
after the commit by the route that caused it, and by ``beacon outbox send``). With no SMTP
server configured messages stay pending and the intake pages say so.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.auth.models import User
from beacon.config import Settings
from beacon.db.base import utcnow
from beacon.notify.models import Notification, OutboxMessage

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int
    pending: int


def enqueue_email(
    session: Session, *, recipient: str, subject: str, body: str, purpose: str
) -> OutboxMessage:
    message = OutboxMessage(
        channel="email",
        recipient=recipient,
        subject=subject[:200],
        body=body,
        purpose=purpose,
        status="pending",
    )
    session.add(message)
    session.flush()
    return message


def _send(settings: Settings, message: OutboxMessage) -> None:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    assert settings.smtp_host is not None
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        smtp.send_message(email)


def pending_count(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        )
        or 0
    )


def deliver_pending(session: Session, settings: Settings, *, limit: int = 100) -> DeliveryReport:
    """Send pending messages (oldest first), committing after each so a crash mid-way never
    sends one twice from this process's point of view. Returns what happened."""
    if settings.smtp_host is None:
        return DeliveryReport(sent=0, failed=0, pending=pending_count(session))
    sent = failed = 0
    ids = session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending")
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    for message_id in ids:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.status != "pending":
            continue
        message.attempts += 1
        try:
            _send(settings, message)
        except (OSError, smtplib.SMTPException) as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = "failed"
            failed += 1
        else:
            message.status = "sent"
            message.sent_at = utcnow()
            message.last_error = None
            sent += 1
        session.commit()
    return DeliveryReport(sent=sent, failed=failed, pending=pending_count(session))


def notify_users(
    session: Session,
    users: Iterable[User],
    *,
    purpose: str,
    title: str,
    body: str,
    link: str | None,
    email: bool = True,
) -> int:
    """Tell each user in the app (a notification with a link) and, with ``email``, by e-mail
    through the outbox, in the caller's transaction. Returns how many users were told. The
    text should name a reference, never the content: both stay behind sign-in."""
    told = 0
    for user in users:
        if not user.active:
            continue
        session.add(
            Notification(user_id=user.id, purpose=purpose, title=title[:200], body=body, link=link)
        )
        if email:
            enqueue_email(
                session,
                recipient=user.email,
                subject=title,
                body=body + ("\n\nSign in to Beacon to open it: " + link if link else ""),
                purpose=purpose,
            )
        told += 1
    session.flush()
    return told


def unread_count(session: Session, user_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def notifications_for(session: Session, user_id: int, *, limit: int = 100) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(session: Session, user_id: int, notification_ids: Iterable[int] | None) -> int:
    """Mark the user's notifications read (all of them when ``notification_ids`` is None)."""
    query = select(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_ids is not None:
        query = query.where(Notification.id.in_(list(notification_ids)))
    rows = list(session.scalars(query))
    now = utcnow()
    for row in rows:
        row.read_at = now
    session.flush()
    return len(rows)
