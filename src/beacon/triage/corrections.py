"""Analysts' theme corrections: stored with an audit event, and read back as training examples.

A correction replaces a report's themes with the ones an analyst chose (the first is the
report's main theme, kept in ``intel_report.theme`` for intake's pages and the analytics). The
history stays: ``beacon triage retrain`` learns from each report's newest correction, reading
the report's sanitised narrative (never the original) so an erased report teaches nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.models import AuditAction
from beacon.audit.service import AuditActor, record_event
from beacon.intake.models import IntelReport
from beacon.triage.classifier import Example
from beacon.triage.models import ThemeCorrection
from beacon.triage.service import catalogue

MAX_THEMES = 5


class CorrectionError(ValueError):
    """The themes cannot be stored; the message says why (the form shows it on ``themes``)."""


def correct_themes(
    session: Session,
    *,
    actor: AuditActor,
    user_id: int | None,
    report: IntelReport,
    themes: Sequence[str],
    previous: Sequence[str] = (),
) -> ThemeCorrection:
    """Store an analyst's themes for ``report`` (in the caller's transaction, with its audit
    event). ``previous`` is what the analyst was shown (the classifier's or the last
    correction's themes), so the history says what was changed."""
    chosen = list(dict.fromkeys(t.strip() for t in themes if t.strip()))
    if not chosen:
        raise CorrectionError("choose at least one theme")
    if len(chosen) > MAX_THEMES:
        raise CorrectionError(f"choose at most {MAX_THEMES} themes")
    known = catalogue(session)
    inactive = [t for t in chosen if not known.is_active(t)]
    if inactive:
        raise CorrectionError(
            f"not an active theme: {', '.join(inactive)} (admins manage themes at /admin/themes)"
        )
    correction = ThemeCorrection(
        report_id=report.id,
        themes_json=json.dumps(chosen),
        previous_json=json.dumps(list(previous)),
        corrected_by_user_id=user_id,
    )
    session.add(correction)
    report.theme = chosen[0]
    session.flush()
    record_event(
        session,
        action=AuditAction.ALTERATION,
        event="triage.themes_corrected",
        actor=actor,
        record_type="intel_report",
        record_id=report.id,
        details={"themes": chosen, "previous": list(previous)},
    )
    return correction


def correction_examples(session: Session) -> list[Example]:
    """Training examples from corrections: each corrected, not erased report's sanitised
    narrative with its newest themes (themes retired since are dropped; a report left with
    none is skipped)."""
    newest: dict[str, ThemeCorrection] = {}
    for row in session.scalars(select(ThemeCorrection).order_by(ThemeCorrection.id)):
        newest[row.report_id] = row
    if not newest:
        return []
    known = catalogue(session)
    texts = dict(
        session.execute(
            select(IntelReport.id, IntelReport.narrative).where(
                IntelReport.id.in_(list(newest)), IntelReport.erased.is_(False)
            )
        ).all()
    )
    examples = []
    for report_id, row in sorted(newest.items()):
        text = texts.get(report_id)
        themes = tuple(t for t in row.themes if known.is_active(t))
        if text and text.strip() and themes:
            examples.append(Example(f"correction-{report_id}", text, themes, "correction"))
    return examples
