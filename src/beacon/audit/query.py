"""Searching and exporting the audit log.

Exports carry every hashed column plus ``hash``, with ``occurred_at`` written exactly as the
hash saw it (``canonical_time``), so an export of the whole log can be re-verified offline with
``beacon.audit.verify.ChainChecker`` (see ``read_export``). An export is a disclosure: the CLI
records it in the audit log; callers elsewhere must do the same.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any, Literal, TextIO

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from beacon.audit.models import AuditEvent
from beacon.audit.service import canonical_time
from beacon.audit.verify import HASHED_FIELDS, parse_exported_time

ExportFormat = Literal["csv", "jsonl"]
EXPORT_COLUMNS = ("id", *HASHED_FIELDS, "hash")
_INT_COLUMNS = {"id", "seq", "actor_id", "organisation_id"}


def _utc(moment: dt.datetime) -> dt.datetime:
    """Aware UTC (naive means UTC), as SQLite stores times without a zone."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _filtered(
    *,
    actor_id: int | None = None,
    actor_label: str | None = None,
    record_type: str | None = None,
    record_id: str | int | None = None,
    action: str | None = None,
    event: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Select[AuditEvent]:
    """``since`` is inclusive, ``until`` exclusive; ``actor_label`` ignores case."""
    query = select(AuditEvent)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if actor_label is not None:
        query = query.where(func.lower(AuditEvent.actor_label) == actor_label.lower())
    if record_type is not None:
        query = query.where(AuditEvent.record_type == record_type)
    if record_id is not None:
        query = query.where(AuditEvent.record_id == str(record_id))
    if action is not None:
        query = query.where(AuditEvent.action == str(action))
    if event is not None:
        query = query.where(AuditEvent.event == event)
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= _utc(since))
    if until is not None:
        query = query.where(AuditEvent.occurred_at < _utc(until))
    return query


def search_events(
    session: Session,
    *,
    actor_id: int | None = None,
    actor_label: str | None = None,
    record_type: str | None = None,
    record_id: str | int | None = None,
    action: str | None = None,
    event: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 100,
    offset: int = 0,
    newest_first: bool = True,
) -> list[AuditEvent]:
    """Events matching every filter given (``since`` <= occurred_at < ``until``)."""
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must not be negative")
    query = _filtered(
        actor_id=actor_id,
        actor_label=actor_label,
        record_type=record_type,
        record_id=record_id,
        action=action,
        event=event,
        since=since,
        until=until,
    )
    order = AuditEvent.seq.desc() if newest_first else AuditEvent.seq.asc()
    return list(session.scalars(query.order_by(order).limit(limit).offset(offset)))


def event_to_dict(event: AuditEvent) -> dict[str, Any]:
    """One event as exported: every hashed column, the hash, time in canonical form."""
    row = {name: getattr(event, name) for name in EXPORT_COLUMNS}
    row["occurred_at"] = canonical_time(event.occurred_at)
    return row


def iter_events(session: Session, *, yield_per: int = 1000, **filters: Any) -> Iterator[AuditEvent]:
    """Matching events in ``seq`` order, streamed ``yield_per`` at a time."""
    query = _filtered(**filters).order_by(AuditEvent.seq).execution_options(yield_per=yield_per)
    for event in session.scalars(query):
        yield event
        session.expunge(event)  # keep the identity map, and memory, bounded


def export_events(session: Session, *, format: ExportFormat, out: TextIO, **filters: Any) -> int:
    """Write matching events to ``out`` as CSV (with a header) or JSON Lines; returns the count."""
    if format not in ("csv", "jsonl"):
        raise ValueError(f"unknown export format {format!r} (csv or jsonl)")
    count = 0
    if format == "csv":
        writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for event in iter_events(session, **filters):
            row = event_to_dict(event)
            # CSV has no null: None is written as an empty cell and read back by read_export.
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
            count += 1
    else:
        for event in iter_events(session, **filters):
            out.write(json.dumps(event_to_dict(event), ensure_ascii=False) + "\n")
            count += 1
    return count


def read_export(handle: TextIO, format: ExportFormat) -> Iterator[dict[str, Any]]:
    """Rows of an export, typed as ``event_hash`` needs them (for offline verification).

    CSV cannot tell an empty string from a null; ``actor_label`` and ``details_json`` are never
    null, and the other text columns are treated as null when empty."""
    if format == "jsonl":
        for line in handle:
            if line.strip():
                row = json.loads(line)
                row["occurred_at"] = parse_exported_time(row["occurred_at"])
                yield row
        return
    for raw in csv.DictReader(handle):
        typed: dict[str, Any] = {}
        for name, value in raw.items():
            if name in _INT_COLUMNS:
                typed[name] = int(value) if value != "" else None
            elif name in ("actor_label", "details_json"):
                typed[name] = value
            else:
                typed[name] = value if value != "" else None
        typed["occurred_at"] = parse_exported_time(raw["occurred_at"])
        yield typed
