"""Analysts' decisions on suggested duplicate pairs: merge (one report is a duplicate of the
other), not a duplicate, or undo either. Both reports always stay as they are: only the pair's
state, primary, decider and time change, each with its audit event, so a merge is undone
without loss."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction
from beacon.audit.service import AuditActor, record_event
from beacon.triage import flow
from beacon.triage.models import DuplicateLink

DUPLICATE_RECORD = "triage_duplicate"  # audit record type of a duplicate pair
DUPLICATE_EVENTS = {
    "merge": "triage.duplicate_merged",
    "dismiss": "triage.duplicate_dismissed",
    "undo": "triage.duplicate_reopened",
}


def decide_duplicate(
    session: Session,
    *,
    pair: DuplicateLink,
    decision: str,
    primary_id: str | None,
    actor: AuditActor,
    user_id: int | None,
    now: dt.datetime | None = None,
) -> None:
    """``merge`` (``primary_id`` stays the main record), ``dismiss`` or ``undo`` a pair.
    Raises ``TriageError`` when the pair is not in a state the decision takes."""
    if decision not in DUPLICATE_EVENTS:
        raise flow.TriageError(f"unknown decision {decision!r}")
    before = pair.state
    if decision in ("merge", "dismiss") and pair.state != "suggested":
        raise flow.TriageError(
            f"this pair is already {'merged' if pair.state == 'merged' else 'dismissed'}: "
            "undo that first"
        )
    if decision == "undo" and pair.state == "suggested":
        raise flow.TriageError("this pair has not been decided: there is nothing to undo")
    if decision == "merge":
        if primary_id not in (pair.report_a, pair.report_b):
            raise flow.TriageError("choose which report of the pair is the main record")
        pair.state, pair.primary_id = "merged", primary_id
    elif decision == "dismiss":
        pair.state, pair.primary_id = "dismissed", None
    else:
        pair.state, pair.primary_id = "suggested", None
    if decision == "undo":
        pair.decided_by_user_id, pair.decided_at = None, None
    else:
        pair.decided_by_user_id, pair.decided_at = user_id, now or dt.datetime.now(dt.UTC)
    session.flush()
    duplicate = None
    if primary_id is not None and decision == "merge":
        duplicate = pair.report_b if primary_id == pair.report_a else pair.report_a
    record_event(
        session,
        action=AuditAction.ALTERATION,
        event=DUPLICATE_EVENTS[decision],
        actor=actor,
        record_type=DUPLICATE_RECORD,
        record_id=str(pair.id),
        details={
            "report_a": pair.report_a,
            "report_b": pair.report_b,
            "primary": pair.primary_id,
            "duplicate": duplicate,
            "before": before,
            "similarity": pair.similarity,
        },
    )
