"""``beacon outbox status | send`` on messages queued directly (both backends)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.notify.models import OutboxMessage
from beacon.notify.service import MAX_ATTEMPTS, enqueue_email

from .conftest import MailServer, free_port


def _queue(db: Session, count: int) -> None:
    for n in range(count):
        enqueue_email(
            db,
            recipient=f"duty{n}@example.org",
            subject=f"Immediate risk: intelligence BCN-0000000{n}",
            body="Sign in to Beacon.",
            purpose="immediate_risk",
        )
    db.commit()


def test_send_without_a_mail_server_fails_clearly(db: Session, cli: Any) -> None:
    _queue(db, 2)
    result = cli("outbox", "send", expect_exit=2)
    assert "BEACON_SMTP_HOST is not set: 2 message(s) wait in the outbox" in result.stderr
    status = json.loads(cli("outbox", "status", "--json").stdout)
    assert status == {
        "counts": {"pending": 2, "failed": 0, "sent": 0},
        "last_errors": [],
        "smtp_configured": False,
    }
    assert "(BEACON_SMTP_HOST is not set)" in cli("outbox", "status").stdout


def test_failed_messages_are_retried_on_request(
    db: Session, cli: Any, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _queue(db, 2)
    monkeypatch.setenv("BEACON_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BEACON_SMTP_PORT", str(free_port()))
    for _ in range(MAX_ATTEMPTS):
        cli("outbox", "send", expect_exit=1)
    status = json.loads(cli("outbox", "status", "--json").stdout)
    assert status["counts"] == {"pending": 0, "failed": 2, "sent": 0}
    assert [e["attempts"] for e in status["last_errors"]] == [MAX_ATTEMPTS, MAX_ATTEMPTS]
    # Without --retry-failed nothing is sent; with it, both go.
    monkeypatch.setenv("BEACON_SMTP_PORT", str(mail_server.port))
    assert json.loads(cli("outbox", "send", "--json").stdout)["sent"] == 0
    result = json.loads(cli("outbox", "send", "--retry-failed", "--json").stdout)
    assert result == {"requeued": 2, "sent": 2, "failed": 0, "pending": 0}
    assert sorted(r.recipients[0] for r in mail_server.received) == [
        "duty0@example.org",
        "duty1@example.org",
    ]
    db.expire_all()
    assert set(db.scalars(select(OutboxMessage.status))) == {"sent"}


def test_limit(
    db: Session, cli: Any, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _queue(db, 3)
    monkeypatch.setenv("BEACON_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BEACON_SMTP_PORT", str(mail_server.port))
    assert (
        "sent 2, could not send 0, still pending 1" in cli("outbox", "send", "--limit", "2").stdout
    )
    assert len(mail_server.received) == 2
    assert mail_server.received[0].recipients == ["duty0@example.org"]  # oldest first
