"""Writing audit events, in the caller's transaction, chained by hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session, make_transient_to_detached

from beacon.audit.models import AuditAction, AuditChainHead, AuditEvent


@dataclass(frozen=True)
class AuditActor:
    """Who did it. ``kind`` is "user", "api_token" or "system"."""

    kind: str
    id: int | None = None
    label: str = ""
    organisation_id: int | None = None

    @classmethod
    def system(cls, label: str = "beacon") -> AuditActor:
        return cls(kind="system", label=label)


class JustificationRequired(ValueError):
    """The action needs a stated reason and none was given."""


def canonical_time(moment: dt.datetime) -> str:
    """UTC, microseconds, 'Z': the same text whichever database stored the time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    seq: int,
    occurred_at: dt.datetime,
    actor_kind: str,
    actor_id: int | None,
    actor_label: str,
    organisation_id: int | None,
    action: str,
    event: str,
    record_type: str | None,
    record_id: str | None,
    justification: str | None,
    details_json: str,
    prev_hash: str,
) -> str:
    """SHA-256 over the event's content and the previous event's hash."""
    content = json.dumps(
        [
            seq,
            canonical_time(occurred_at),
            actor_kind,
            actor_id,
            actor_label,
            organisation_id,
            action,
            event,
            record_type,
            record_id,
            justification,
            details_json,
            prev_hash,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


_HEAD: Table = AuditChainHead.__table__  # type: ignore[assignment]
_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
# Taking the next sequence number locks the head row (PostgreSQL) or takes the write lock
# (SQLite) until the transaction ends: this is what serialises writers.
_NEXT_SEQ = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(seq=_HEAD.c.seq + 1)
    .returning(_HEAD.c.seq, _HEAD.c.last_hash)
)
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)
_SET_LAST_HASH = update(_HEAD).where(_HEAD.c.id == 1).values(last_hash=bindparam("last_hash"))


def record_event(
    session: Session,
    *,
    action: AuditAction,
    event: str,
    actor: AuditActor,
    record_type: str | None = None,
    record_id: str | int | None = None,
    justification: str | None = None,
    details: dict[str, Any] | None = None,
    require_justification: bool = False,
    occurred_at: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event in ``session``'s transaction: it commits or rolls back with the change
    it records. Writes at once, but never commits.

    ``occurred_at`` coarsens the recorded time for events caused by anonymous residents (the
    start of the day: a precise time could help identify them); the default is now."""
    if require_justification and not (justification and justification.strip()):
        raise JustificationRequired(f"{event} needs a stated reason")
    # Built once, executed on the session's connection: constructing statements per call and
    # the ORM unit of work cost more than the writes themselves (see benchmarks/bench_audit.py).
    connection = session.connection()
    seq, prev_hash = connection.execute(_NEXT_SEQ).one()
    if occurred_at is None:
        occurred_at = dt.datetime.now(dt.UTC)
    details_json = json.dumps(details or {}, sort_keys=True, ensure_ascii=False, default=str)
    fields: dict[str, Any] = {
        "seq": seq,
        "occurred_at": occurred_at,
        "actor_kind": actor.kind,
        "actor_id": actor.id,
        "actor_label": actor.label,
        "organisation_id": actor.organisation_id,
        "action": str(action),
        "event": event,
        "record_type": record_type,
        "record_id": None if record_id is None else str(record_id),
        "justification": justification,
        "details_json": details_json,
        "prev_hash": prev_hash,
    }
    fields["hash"] = event_hash(**fields)
    fields["id"] = connection.execute(_INSERT_EVENT, fields).scalar_one()
    connection.execute(_SET_LAST_HASH, {"last_hash": fields["hash"]})
    # Hand back a persistent ORM object (in the session's identity map) without a second INSERT.
    entry = AuditEvent(**fields)
    make_transient_to_detached(entry)
    session.add(entry)
    return entry
