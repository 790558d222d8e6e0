"""``beacon outbox status | send``: the e-mail outbox (immediate-risk alerts).

Messages are queued in the transaction that causes them and sent right after it commits; what
could not be sent (mail server down, not configured) waits here.

* ``status``: how many messages are pending, failed (gave up after ``MAX_ATTEMPTS``) and sent,
  and the most recent errors.
* ``send``: deliver the pending messages now (``--retry-failed`` first puts failed ones back in
  the queue). Exit codes: 0 everything attempted was sent; 1 some could not be sent (they keep
  their error); 2 no mail server configured (``BEACON_SMTP_HOST``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from beacon.cli_support import fail, print_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from beacon.config import Settings

outbox_app = typer.Typer(
    help="The e-mail outbox: what is waiting, and sending it.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON on stdout instead of text.")]
STATUSES = ("pending", "failed", "sent")


def register(app: typer.Typer, import_app: typer.Typer | None = None) -> None:
    app.add_typer(outbox_app, name="outbox")


@contextmanager
def _session() -> Iterator[tuple[Session, Settings]]:
    from beacon.runtime import open_runtime

    runtime = open_runtime()
    try:
        with runtime.sessions() as session:
            yield session, runtime.settings
    finally:
        runtime.close()


def _status(session: Session, *, errors: int = 10) -> dict[str, Any]:
    from sqlalchemy import func, select

    from beacon.notify.models import OutboxMessage

    counts = dict.fromkeys(STATUSES, 0)
    for status, count in session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all():
        counts[status] = int(count)
    recent = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.last_error.is_not(None), OutboxMessage.status != "sent")
        .order_by(OutboxMessage.id.desc())
        .limit(errors)
    ).all()
    return {
        "counts": counts,
        "last_errors": [
            {
                "id": message.id,
                "status": message.status,
                "purpose": message.purpose,
                "recipient": message.recipient,
                "attempts": message.attempts,
                "created_at": message.created_at,
                "error": message.last_error,
            }
            for message in recent
        ],
    }


@outbox_app.command("status")
def outbox_status(
    errors: Annotated[
        int, typer.Option("--errors", min=0, max=1000, help="Show this many recent errors.")
    ] = 10,
    as_json: JsonOption = False,
) -> None:
    """Pending, failed and sent counts, and the most recent delivery errors."""
    with _session() as (session, settings):
        payload = _status(session, errors=errors)
        payload["smtp_configured"] = settings.smtp_host is not None
    if as_json:
        print_json(payload)
        return
    counts = payload["counts"]
    typer.echo(
        f"pending {counts['pending']}  failed {counts['failed']}  sent {counts['sent']}"
        + ("" if payload["smtp_configured"] else "  (BEACON_SMTP_HOST is not set)")
    )
    for item in payload["last_errors"]:
        typer.echo(
            f"{item['id']:>6} {item['status']:<7} {item['purpose']} to {item['recipient']} "
            f"after {item['attempts']} attempt(s): {item['error']}"
        )


@outbox_app.command("send")
def outbox_send(
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=100_000, help="Send at most this many.")
    ] = 1000,
    retry_failed: Annotated[
        bool,
        typer.Option("--retry-failed", help="Put messages that gave up back in the queue first."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Send the pending messages now, oldest first."""
    from sqlalchemy import update

    from beacon.notify.models import OutboxMessage
    from beacon.notify.service import deliver_pending

    with _session() as (session, settings):
        if settings.smtp_host is None:
            pending = _status(session, errors=0)["counts"]["pending"]
            fail(f"BEACON_SMTP_HOST is not set: {pending} message(s) wait in the outbox", 2)
        requeued = 0
        if retry_failed:
            result = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == "failed")
                .values(status="pending")
            )
            requeued = int(getattr(result, "rowcount", 0) or 0)
            session.commit()
        report = deliver_pending(session, settings, limit=limit)
        payload = {
            "requeued": requeued,
            "sent": report.sent,
            "failed": report.failed,
            "pending": report.pending,
        }
    if as_json:
        print_json(payload)
    else:
        typer.echo(
            f"sent {report.sent}, could not send {report.failed}, still pending {report.pending}"
            + (f" ({requeued} failed message(s) put back in the queue)" if requeued else "")
        )
    if report.failed:
        raise typer.Exit(1)
