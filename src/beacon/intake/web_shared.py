"""What the staff intake pages share: their permissions, words, record lookup and text helpers.

The pages themselves are in ``web_queue`` (the queue and duty), ``web_report`` (one report and
its workflow steps, photos) and ``web_original`` (the original and sanitising, each behind a
stated reason); ``web`` gathers their routes into one router.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Form, HTTPException
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from beacon.access.policy import Action, Decision
from beacon.auth.csrf import require_csrf
from beacon.auth.deps import Principal, require_permission
from beacon.auth.permissions import Permission
from beacon.intake import service
from beacon.intake.models import IntelReport, State, SubjectRole
from beacon.intake.service import NotFound

READ = Depends(require_permission(Permission.INTEL_READ_OWN))
SANITISE = Depends(require_permission(Permission.INTEL_SANITISE))
ORIGINAL = Depends(require_permission(Permission.INTEL_READ_ORIGINAL))
GRADE = Depends(require_permission(Permission.INTEL_GRADE))
DISSEMINATE = Depends(require_permission(Permission.INTEL_DISSEMINATE))
CSRF = [Depends(require_csrf)]
OptionalField = Annotated[str, Form()]
NO_STORE = {"Cache-Control": "no-store"}

MAX_REASON = 2000
MISSING_REASON = "Enter the reason you need to see the original"
STATE_LABELS = {state.value: state.value.capitalize() for state in State}
STATE_TAGS = {
    "received": "govuk-tag--blue",
    "sanitised": "govuk-tag--yellow",
    "graded": "govuk-tag--purple",
    "disseminated": "govuk-tag--green",
    "closed": "govuk-tag--grey",
}
# 3x5x2 (College of Policing): source evaluation, intelligence assessment, handling code.
SOURCE_EVALUATIONS = (("1", "Reliable"), ("2", "Untested"), ("3", "Not reliable"))
INTELLIGENCE_ASSESSMENTS = (
    ("A", "Known to be true without reservation"),
    ("B", "Known personally to the source but not to the person reporting"),
    ("C", "Not known personally to the source, but corroborated"),
    ("D", "Cannot be judged"),
    ("E", "Suspected to be false or malicious"),
)
HANDLING_CODES = (
    ("P", "Lawful sharing permitted"),
    ("C", "Lawful sharing permitted with conditions"),
)
ROLE_HEADINGS = (
    (SubjectRole.SUSPECT.value, "Suspects"),
    (SubjectRole.VICTIM.value, "Victims"),
    (SubjectRole.WITNESS.value, "Witnesses"),
    (SubjectRole.OTHER.value, "Others"),
)
# The states each step accepts (as the service checks them): an IntakeError while the report
# is in another state is a conflict (409), otherwise the request itself was wrong (400).
STEP_STATES: dict[str, tuple[str, ...]] = {
    "sanitise": ("received", "sanitised", "graded"),
    "grade": ("sanitised", "graded"),
    "disseminate": ("graded",),
    "close": ("received", "sanitised", "graded", "disseminated"),
    "questions": ("received", "sanitised", "graded", "disseminated"),
    "answer": ("received", "sanitised", "graded", "disseminated"),
}


# ---------------------------------------------------------------------------------------------
# Records and answers


def user_id(principal: Principal) -> int:
    assert principal.user is not None  # HTML pages are for signed-in people
    return principal.user.id


def load_report(
    db: Session, principal: Principal, report_id: str, action: Action
) -> tuple[IntelReport, Decision]:
    """The report and the decision for ``action``; 404 when it does not exist or is not this
    principal's to act on (the same answer, so ids leak nothing)."""
    try:
        return service.get_report(
            db, report_id=report_id, principal=principal.access(), action=action
        )
    except NotFound:
        raise HTTPException(status_code=404) from None


def end_reads(db: Session) -> None:
    """End the request's reading transaction before writing its audit event.

    On SQLite (WAL) a transaction that has read cannot start writing once another request has
    committed since it began: it fails at once ("database is locked", no waiting), which a page
    loading several photos in parallel would hit every time. A transaction whose first
    statement writes waits for the lock instead. Nothing is written before this point."""
    db.commit()


def allowed(principal: Principal, report: IntelReport, action: Action) -> bool:
    return service.visible_decision(principal.access(), report, action).allowed


def grading_text(report: IntelReport) -> str:
    return " ".join(
        (
            report.source_evaluation or "–",
            report.intelligence_assessment or "–",
            report.handling_code or "–",
        )
    )


def capitalised(message: str) -> str:
    return message[:1].upper() + message[1:]


def status_for(step: str, report: IntelReport) -> int:
    return 400 if report.state in STEP_STATES[step] else 409


def reason_error(reason: str, *, missing: str = MISSING_REASON) -> str | None:
    if not reason:
        return missing
    if len(reason) > MAX_REASON:
        return f"The reason must be {MAX_REASON:,} characters or fewer"
    return None


def done_redirect(report: IntelReport, done: str, anchor: str = "") -> RedirectResponse:
    """After a step: back to the report, which says what was done (nothing else in the URL)."""
    return RedirectResponse(
        f"/intake/{report.id}?{urlencode({'done': done})}{anchor}", status_code=303
    )


# ---------------------------------------------------------------------------------------------
# Original text, cut at the proposals' offsets


def _type_label(kind: object) -> str:
    """``SELF_REFERENCE`` or ``self_reference`` -> ``Self reference``."""
    return str(kind or "").replace("_", " ").strip().capitalize()


@dataclass(frozen=True)
class Piece:
    """A run of original text: plain (``kind`` None), a proposed redaction or a flag."""

    text: str
    kind: str | None = None  # "redact" or "flag"
    label: str = ""
    reason: str = ""


def highlight(text: str, found: Sequence[Mapping[str, Any]], part: str) -> list[list[Piece]]:
    """``text`` cut at the offsets of the findings for ``part``, as lines of pieces.

    The pieces are plain strings: the template escapes each one. Findings that overlap an
    earlier one, or whose offsets do not fit the text, are left out of the highlighting.
    """
    spans = []
    for finding in found:
        span = _span(finding, len(text)) if finding.get("part") == part else None
        if span is not None:
            spans.append((span[0], -span[1], finding))
    pieces: list[Piece] = []
    position = 0
    for start, negative_end, finding in sorted(spans, key=lambda s: (s[0], s[1])):
        end = -negative_end
        if start < position:
            continue
        if start > position:
            pieces.append(Piece(text[position:start]))
        pieces.append(
            Piece(
                text[start:end],
                kind="redact" if finding.get("action") == "redact" else "flag",
                label=_type_label(finding.get("type")),
                reason=str(finding.get("reason") or ""),
            )
        )
        position = end
    if position < len(text):
        pieces.append(Piece(text[position:]))
    lines: list[list[Piece]] = [[]]
    for piece in pieces:
        for index, chunk in enumerate(piece.text.split("\n")):
            if index:
                lines.append([])
            if chunk:
                lines[-1].append(replace(piece, text=chunk))
    return lines


def plain_lines(text: str | None) -> list[list[Piece]]:
    return highlight(text or "", (), "")


def _span(finding: Mapping[str, Any], length: int) -> tuple[int, int] | None:
    """A finding's (start, end) when they are offsets inside a text of ``length``."""
    try:
        start, end = int(finding["start"]), int(finding["end"])
    except (KeyError, TypeError, ValueError):
        return None
    return (start, end) if 0 <= start < end <= length else None


def apply_redactions(text: str, found: Sequence[Mapping[str, Any]], part: str) -> str:
    """``text`` with every proposed redaction for ``part`` replaced by a marker (as
    ``service.proposed_text`` does for a submission's parts)."""
    spans = sorted(
        (
            (span, str(f.get("type", "")))
            for f in found
            if f.get("part") == part
            and f.get("action") == "redact"
            and (span := _span(f, len(text))) is not None
        ),
        reverse=True,
    )
    limit = len(text)
    for (start, end), kind in spans:
        if end > limit:
            continue  # overlaps the redaction after it
        text = text[:start] + f"[{kind.replace('_', ' ')} REMOVED]" + text[end:]
        limit = start
    return text


def text_rows(text: str) -> int:
    """A text box's height for ``text``."""
    return min(24, max(5, len(text) // 70 + text.count("\n") + 2))


def findings_table(
    found: Sequence[Mapping[str, Any]], parts: Mapping[str, str]
) -> list[dict[str, Any]]:
    return [
        {
            "part": parts.get(str(f.get("part")), str(f.get("part"))),
            "type": _type_label(f.get("type")),
            "text": str(f.get("text", "")),
            "redact": f.get("action") == "redact",
            "reason": str(f.get("reason") or ""),
        }
        for f in found
    ]
