"""``verify_chain``: tampering behind Beacon's back is found; concurrent writers keep the chain."""

from __future__ import annotations

import threading

from sqlalchemy import func, insert, select, text

from beacon.audit.models import AuditAction, AuditEvent
from beacon.audit.service import AuditActor, event_hash, record_event
from beacon.audit.verify import (
    HASH_MISMATCH,
    HASHED_FIELDS,
    HEAD_MISMATCH,
    PREV_HASH_MISMATCH,
    verify_chain,
)
from beacon.runtime import Runtime

from .tamper import lift_append_only

ACTOR = AuditActor(kind="user", id=7, label="analyst@example.org", organisation_id=3)


def _write(runtime: Runtime, count: int, *, per_transaction: int = 1) -> None:
    written = 0
    while written < count:
        with runtime.sessions() as session, session.begin():
            for _ in range(min(per_transaction, count - written)):
                written += 1
                record_event(
                    session,
                    action=AuditAction.CONSULTATION,
                    event="intel.viewed",
                    actor=ACTOR,
                    record_type="intel",
                    record_id=written,
                    justification=f"reason {written}",
                    details={"n": written},
                )


def _verify(runtime: Runtime, batch: int = 5000):  # type: ignore[no-untyped-def]
    with runtime.sessions() as session:
        return verify_chain(session, batch=batch)


def _sql(runtime: Runtime, statement: str, **params: object) -> None:
    with runtime.engine.begin() as connection:
        lift_append_only(connection)
        connection.execute(text(statement), params)


def test_empty_log_verifies(runtime: Runtime) -> None:
    result = _verify(runtime)
    assert result.ok and result.events_checked == 0 and result.broken is None


def test_thousand_events_verify_in_small_batches(runtime: Runtime) -> None:
    _write(runtime, 1000, per_transaction=100)
    result = _verify(runtime, batch=64)  # many pages, including a partial last page
    assert result.ok, result.describe()
    assert result.events_checked == 1000 and result.head_seq == 1000


def test_edited_justification_is_reported_at_its_seq(runtime: Runtime) -> None:
    _write(runtime, 10)
    _sql(runtime, "UPDATE audit_event SET justification = 'innocent' WHERE seq = 6")
    result = _verify(runtime, batch=4)
    assert not result.ok
    assert result.broken is not None
    assert result.broken.seq == 6 and result.broken.problem == HASH_MISMATCH
    assert result.events_checked == 5
    with runtime.sessions() as session:
        assert result.broken.id == session.scalar(select(AuditEvent.id).where(AuditEvent.seq == 6))
    assert "seq 6" in result.describe()


def test_edited_time_and_details_are_found(runtime: Runtime) -> None:
    _write(runtime, 3)
    _sql(runtime, "UPDATE audit_event SET details_json = '{\"n\": 99}' WHERE seq = 2")
    broken = _verify(runtime).broken
    assert broken is not None and broken.seq == 2 and broken.problem == HASH_MISMATCH


def test_rehashed_edit_breaks_the_next_link(runtime: Runtime) -> None:
    """Someone rewrites an event and recomputes its hash: the next event no longer links."""
    _write(runtime, 5)
    with runtime.sessions() as session:
        row = session.execute(
            select(*(AuditEvent.__table__.c[k] for k in HASHED_FIELDS)).where(AuditEvent.seq == 3)
        ).one()
    values = dict(row._mapping)
    values["justification"] = "rewritten"
    _sql(
        runtime,
        "UPDATE audit_event SET justification = 'rewritten', hash = :h WHERE seq = 3",
        h=event_hash(**values),
    )
    broken = _verify(runtime).broken
    assert broken is not None and broken.seq == 4 and broken.problem == PREV_HASH_MISMATCH


def test_changed_prev_hash_is_reported(runtime: Runtime) -> None:
    _write(runtime, 4)
    _sql(runtime, "UPDATE audit_event SET prev_hash = :h WHERE seq = 3", h="a" * 64)
    broken = _verify(runtime).broken
    assert broken is not None and broken.seq == 3 and broken.problem == PREV_HASH_MISMATCH


def test_deleted_row_is_reported_missing(runtime: Runtime) -> None:
    _write(runtime, 8)
    _sql(runtime, "DELETE FROM audit_event WHERE seq = 5")
    result = _verify(runtime, batch=3)
    assert not result.ok and result.broken is not None
    assert result.broken.seq == 6
    assert result.broken.problem == "event missing between seq 4 and 6"


def test_deleted_first_row_is_reported_missing(runtime: Runtime) -> None:
    _write(runtime, 3)
    _sql(runtime, "DELETE FROM audit_event WHERE seq = 1")
    broken = _verify(runtime).broken
    assert broken is not None and broken.problem == "event missing between seq 0 and 2"


def test_deleted_last_row_is_a_head_mismatch(runtime: Runtime) -> None:
    _write(runtime, 3)
    _sql(runtime, "DELETE FROM audit_event WHERE seq = 3")
    broken = _verify(runtime).broken
    assert broken is not None and broken.problem.startswith(HEAD_MISMATCH)


def test_updated_head_is_reported(runtime: Runtime) -> None:
    _write(runtime, 3)
    _sql(runtime, "UPDATE audit_chain_head SET last_hash = :h", h="b" * 64)
    broken = _verify(runtime).broken
    assert broken is not None and broken.problem.startswith(HEAD_MISMATCH) and broken.seq == 3
    _sql(runtime, "UPDATE audit_chain_head SET seq = 2")
    broken = _verify(runtime).broken
    assert broken is not None and broken.problem.startswith(HEAD_MISMATCH)


def test_row_appended_without_the_head_is_reported(runtime: Runtime) -> None:
    _write(runtime, 2)
    with runtime.sessions() as session:
        last = session.scalars(select(AuditEvent).where(AuditEvent.seq == 2)).one()
        values = {
            c.name: getattr(last, c.name) for c in AuditEvent.__table__.columns if c.name != "id"
        }
    values.update(seq=3, prev_hash=last.hash, justification="forged")
    values["hash"] = event_hash(**{k: values[k] for k in HASHED_FIELDS})
    with runtime.engine.begin() as connection:
        connection.execute(insert(AuditEvent.__table__).values(**values))
    broken = _verify(runtime).broken
    assert broken is not None and broken.problem.startswith(HEAD_MISMATCH)


def test_concurrent_writers_keep_the_chain(runtime: Runtime) -> None:
    """4 threads x 50 events, each event its own transaction in its own session."""
    threads_n, per_thread = 4, 50
    errors: list[BaseException] = []
    start = threading.Barrier(threads_n)

    def writer(index: int) -> None:
        actor = AuditActor(kind="user", id=index, label=f"writer{index}")
        try:
            start.wait()
            for n in range(per_thread):
                with runtime.sessions() as session, session.begin():
                    record_event(
                        session,
                        action=AuditAction.COLLECTION,
                        event="intel.submitted",
                        actor=actor,
                        record_type="intel",
                        record_id=f"{index}-{n}",
                    )
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    result = _verify(runtime)
    assert result.ok, result.describe()
    with runtime.sessions() as session:
        seqs = session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
        per_actor = dict(
            session.execute(
                select(AuditEvent.actor_id, func.count()).group_by(AuditEvent.actor_id)
            ).all()
        )
    assert seqs == list(range(1, threads_n * per_thread + 1))
    assert per_actor == dict.fromkeys(range(threads_n), per_thread)
