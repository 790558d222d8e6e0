"""The audit log's chain: each event hashes the one before, in the writer's transaction."""

from __future__ import annotations

from sqlalchemy import select

from beacon.audit.models import GENESIS_HASH, AuditAction, AuditEvent
from beacon.audit.service import AuditActor, event_hash, record_event
from beacon.runtime import Runtime


def _fields(event: AuditEvent) -> dict[str, object]:
    return {
        name: getattr(event, name)
        for name in (
            "seq", "occurred_at", "actor_kind", "actor_id", "actor_label", "organisation_id",
            "action", "event", "record_type", "record_id", "justification", "details_json",
            "prev_hash",
        )
    }  # fmt: skip


def test_events_chain_and_roll_back_with_their_transaction(runtime: Runtime) -> None:
    actor = AuditActor(kind="user", id=7, label="analyst@example.org", organisation_id=3)
    with runtime.sessions() as session, session.begin():
        record_event(session, action=AuditAction.SECURITY, event="login.succeeded", actor=actor)
        record_event(
            session,
            action=AuditAction.CONSULTATION,
            event="intel.viewed",
            actor=actor,
            record_type="intel",
            record_id=42,
            details={"fields": ["narrative"]},
        )
    with runtime.sessions() as session, session.begin():
        record_event(session, action=AuditAction.ERASURE, event="x", actor=AuditActor.system())
        session.rollback()  # the change it recorded failed: the event goes too
    with runtime.sessions() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.seq for e in events] == [1, 2]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    for event in events:
        assert event.hash == event_hash(**_fields(event))  # type: ignore[arg-type]
    with runtime.sessions() as session, session.begin():
        third = record_event(session, action=AuditAction.SECURITY, event="y", actor=actor)
    assert third.seq == 3 and third.prev_hash == events[1].hash


def test_the_database_refuses_to_change_or_delete_audit_events(runtime: Runtime) -> None:
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with runtime.sessions() as session, session.begin():
        record_event(session, action=AuditAction.SECURITY, event="x", actor=AuditActor.system())
    for statement in (
        "UPDATE audit_event SET justification = 'changed'",
        "DELETE FROM audit_event",
    ):
        with pytest.raises(DBAPIError, match="append-only"), runtime.engine.begin() as c:
            c.execute(text(statement))
    with runtime.sessions() as session:
        assert session.scalar(select(AuditEvent.justification)) is None
