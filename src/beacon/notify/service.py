"""Queue e-mails in the caller's transaction; deliver them after it commits.

``enqueue_email`` only writes a row: if the transaction rolls back, no message exists, and if
the process dies after commit, the message is still there for ``deliver_pending`` (called right
after the commit by the route that caused it, and by ``beacon outbox send``). With no SMTP
server configured messages stay pending and the intake pages say so.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.config import Settings
from beacon.db.base import utcnow
from beacon.notify.models import OutboxMessage

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
