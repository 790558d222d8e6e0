"""Checking the audit chain end to end (``beacon audit verify``).

The events are read in ``seq`` order a batch at a time (keyset pagination on the unique ``seq``
column, so memory stays bounded however long the log is). For each event the checker confirms,
in this order:

1. its ``seq`` follows the previous one with no gap (a deleted row is a break);
2. its ``prev_hash`` is the previous event's ``hash`` (the genesis hash for the first event);
3. its ``hash`` is the SHA-256 of its content (``event_hash``), so an edited row is caught.

Finally the chain head's ``seq`` and ``last_hash`` must match the last event: a row removed from
the end of the log, or a row appended without going through ``record_event``, shows up here.

The first broken link is reported; nothing after a break can be trusted anyway. On PostgreSQL
the check runs in one REPEATABLE READ snapshot (when the session has not begun a transaction
yet), and on SQLite a read transaction is a snapshot already, so events committed while the
check runs never produce a false alarm.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from beacon.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from beacon.audit.service import event_hash

HASH_MISMATCH = "hash mismatch: content changed"
PREV_HASH_MISMATCH = "prev_hash does not match the previous event"
HEAD_MISMATCH = "chain head does not match the last event"

# The columns event_hash covers, in the order the export writes them.
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_kind",
    "actor_id",
    "actor_label",
    "organisation_id",
    "action",
    "event",
    "record_type",
    "record_id",
    "justification",
    "details_json",
    "prev_hash",
)


@dataclass(frozen=True)
class BrokenLink:
    """Where the chain first breaks. ``seq``/``id`` are None when the event itself is gone."""

    seq: int | None
    id: int | None
    problem: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events_checked: int
    head_seq: int
    head_hash: str
    broken: BrokenLink | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        if self.broken is None:
            return f"audit chain intact: {self.events_checked} events, head at seq {self.head_seq}"
        where = "" if self.broken.seq is None else f" at seq {self.broken.seq}"
        ident = "" if self.broken.id is None else f" (event id {self.broken.id})"
        return f"audit chain BROKEN{where}{ident}: {self.broken.problem}"


class ChainChecker:
    """Feeds events one at a time; stops at the first broken link.

    Shared by the database check and by offline checks of an export (rows as dicts whose
    ``occurred_at`` is a datetime)."""

    def __init__(self) -> None:
        self.last_seq = 0
        self.last_hash = GENESIS_HASH
        self.last_id: int | None = None
        self.checked = 0
        self.broken: BrokenLink | None = None

    def feed(self, row: Mapping[str, Any]) -> bool:
        """Check one event; False (and ``broken`` set) at the first break."""
        seq = row["seq"]
        if seq != self.last_seq + 1:
            self.broken = BrokenLink(
                seq=seq,
                id=row.get("id"),
                problem=f"event missing between seq {self.last_seq} and {seq}",
            )
            return False
        if row["prev_hash"] != self.last_hash:
            self.broken = BrokenLink(seq=seq, id=row.get("id"), problem=PREV_HASH_MISMATCH)
            return False
        if event_hash(**{name: row[name] for name in HASHED_FIELDS}) != row["hash"]:
            self.broken = BrokenLink(seq=seq, id=row.get("id"), problem=HASH_MISMATCH)
            return False
        self.last_seq = seq
        self.last_hash = row["hash"]
        self.last_id = row.get("id")
        self.checked += 1
        return True

    def feed_all(self, rows: Iterable[Mapping[str, Any]]) -> bool:
        return all(self.feed(row) for row in rows)


def _event_rows(session: Session, batch: int) -> Iterator[Any]:
    table: Table = AuditEvent.__table__  # type: ignore[assignment]
    columns = [table.c.id, table.c.hash, *(table.c[name] for name in HASHED_FIELDS)]
    after = 0
    while True:
        rows = (
            session.execute(
                select(*columns).where(table.c.seq > after).order_by(table.c.seq).limit(batch)
            )
            .mappings()
            .all()
        )
        if not rows:
            return
        yield from rows
        after = rows[-1]["seq"]
        if len(rows) < batch:
            return


def verify_chain(session: Session, *, batch: int = 5000) -> VerifyResult:
    """Check every event and the chain head; report the first broken link. Read-only."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    head_row = session.execute(
        select(AuditChainHead.seq, AuditChainHead.last_hash).where(AuditChainHead.id == 1)
    ).one_or_none()
    head_seq, head_hash = (head_row[0], head_row[1]) if head_row else (0, GENESIS_HASH)

    checker = ChainChecker()
    if not checker.feed_all(_event_rows(session, batch)):
        return VerifyResult(False, checker.checked, head_seq, head_hash, checker.broken)
    if head_row is None and checker.checked:
        broken = BrokenLink(None, None, f"{HEAD_MISMATCH} (no chain head row)")
        return VerifyResult(False, checker.checked, head_seq, head_hash, broken)
    if head_seq != checker.last_seq or head_hash != checker.last_hash:
        if head_seq > checker.last_seq:
            detail = f"head at seq {head_seq}, last event is seq {checker.last_seq}"
        elif head_seq < checker.last_seq:
            detail = f"head at seq {head_seq}, but events run to seq {checker.last_seq}"
        else:
            detail = f"head hash differs from event seq {checker.last_seq}'s hash"
        broken = BrokenLink(
            seq=checker.last_seq or None, id=checker.last_id, problem=f"{HEAD_MISMATCH}: {detail}"
        )
        return VerifyResult(False, checker.checked, head_seq, head_hash, broken)
    return VerifyResult(True, checker.checked, head_seq, head_hash)


def count_events(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def parse_exported_time(text: str) -> dt.datetime:
    """The export's ``occurred_at`` (``canonical_time``) back to an aware datetime."""
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
