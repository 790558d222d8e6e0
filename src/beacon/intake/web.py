"""Staff intake pages (HTML, ``/intake``): the queue, a report, sanitising, grading, dissemination.

Every route declares its permission (``require_permission``) and every record-level decision
is the intake service's (``beacon.access.decide`` plus the intake rule that undisseminated
reports belong to the owning organisation's supervisors and the partner who submitted them).
A report a principal may not see answers 404, exactly like one that does not exist.

* ``GET /intake`` (``intel.read_own``): the reports the principal may see, by state and
  channel, immediate risks on top. Supervisors say they are on duty here
  (``POST /intake/duty``) and see whether alert e-mails are waiting or failed.
* ``GET /intake/{id}`` (``intel.read_own``): one report, only the field groups the decision
  allows; every view is audited (CONSULTATION ``intel.report_viewed`` with the field groups).
  Supervisors of the owning organisation grade (``POST .../grade``), disseminate
  (``POST .../disseminate``), close with a reason (``POST .../close``) and ask the resident
  questions (``POST .../questions``) from it.
* ``GET|POST /intake/{id}/sanitise`` (``intel.sanitise``): the original with the proposed
  redactions beside the editable sanitised text. Opening it shows the original, so it first
  asks for a reason (``?reason=``), recorded with the view (``intel.original_viewed``).
* ``GET|POST /intake/{id}/original`` (``intel.read_original``): the raw submission, contact
  details and every photo, after a stated reason (POST).
* ``GET|POST /intake/{id}/messages/{message_id}/sanitise`` (``intel.sanitise``): a resident's
  answer, sanitised before anyone else reads it (same reason first).
* ``GET /intake/{id}/photos/{photo_id}`` (``intel.read_own``): a photo: every photo for the
  owning organisation's supervisors, released ones for others who may view the report;
  audited, never cached.

Original text is hostile input: it is split at the proposals' offsets here, in Python, and each
piece is escaped by the template (nothing is marked safe).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.routing import Match
from starlette.types import Scope

from beacon.access.policy import Action, Decision
from beacon.audit.models import AuditAction, AuditEvent
from beacon.audit.query import search_events
from beacon.audit.service import record_event
from beacon.auth.csrf import require_csrf
from beacon.auth.deps import Principal, require_permission
from beacon.auth.models import Organisation
from beacon.auth.permissions import Permission
from beacon.intake import service
from beacon.intake.models import (
    RECORD_TYPE,
    Channel,
    IntelIndicator,
    IntelMessage,
    IntelPhoto,
    IntelRawSubmission,
    IntelReport,
    IntelReportIndicator,
    IntelSubject,
    State,
    SubjectRole,
)
from beacon.intake.schemas import FormErrors, Grading, _Collector, clean_text, parse_grading
from beacon.intake.service import IntakeError, NotFound
from beacon.intake.themes import RESIDENT_HINTS
from beacon.notify.models import OutboxMessage
from beacon.sanitise.photos import PhotoStore
from beacon.triage.schemas import ThemeCatalogue
from beacon.triage.service import catalogue
from beacon.web.deps import get_session
from beacon.web.templating import render

router = APIRouter(include_in_schema=False)

READ = Depends(require_permission(Permission.INTEL_READ_OWN))
SANITISE = Depends(require_permission(Permission.INTEL_SANITISE))
ORIGINAL = Depends(require_permission(Permission.INTEL_READ_ORIGINAL))
GRADE = Depends(require_permission(Permission.INTEL_GRADE))
DISSEMINATE = Depends(require_permission(Permission.INTEL_DISSEMINATE))
CSRF = [Depends(require_csrf)]
OptionalField = Annotated[str, Form()]

PAGE_SIZE = 200
MAX_REASON = 2000
TABS: tuple[tuple[str, str], ...] = (
    ("received", "Received"),
    ("sanitised", "Sanitised"),
    ("graded", "Graded"),
    ("disseminated", "Disseminated"),
    ("closed", "Closed"),
    ("all", "All"),
)
OPEN_STATES = (State.RECEIVED, State.SANITISED, State.GRADED)
CHANNELS: tuple[tuple[str, str], ...] = (("resident", "Residents"), ("partner", "Partners"))
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
SUBJECT_KINDS = {
    "person": "Person",
    "address": "Address",
    "vehicle": "Vehicle",
    "phone": "Phone",
    "organisation": "Organisation",
    "online_account": "Online account",
}
LOCATION_MODES = {
    "point": "A point on the map",
    "postcode": "A postcode",
    "street": "A street or place",
    "withheld": "Withheld by the reporter",
}
# What the report page's history lists (audit events on the record), in plain words.
HISTORY = {
    "intel.resident_report_received": "Received from a resident",
    "intel.partner_report_received": "Received from a partner",
    "intel.immediate_risk_notified": "Immediate risk: supervisors e-mailed",
    "intel.sanitised": "Sanitised",
    "intel.graded": "Graded",
    "intel.disseminated": "Disseminated",
    "intel.closed": "Closed",
    "intel.question_asked": "Question sent to the reporter",
    "intel.reporter_answered": "Answer received from the reporter",
    "intel.answer_sanitised": "Answer sanitised",
}
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
DONE = {
    "sanitised": ("sanitised", "graded", "disseminated"),
    "graded": ("graded", "disseminated"),
    "disseminated": ("disseminated",),
    "closed": ("closed",),
    "asked": tuple(STEP_STATES["questions"]),
    "answer": tuple(STEP_STATES["answer"]),
}
DONE_MESSAGES = {
    "sanitised": "The sanitised text was accepted. Grade the report next.",
    "graded": "The grading was saved.",
    "disseminated": "The report was disseminated: it is now visible to partners its handling "
    "code allows.",
    "closed": "The report was closed.",
    "asked": "The question was sent: the resident sees it when they next use their code.",
    "answer": "The sanitised answer was saved: staff now see it on this page.",
}


# ---------------------------------------------------------------------------------------------
# Helpers


def _user_id(principal: Principal) -> int:
    assert principal.user is not None  # HTML pages are for signed-in people
    return principal.user.id


def _load(
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


def _end_reads(db: Session) -> None:
    """End the request's reading transaction before writing its audit event.

    On SQLite (WAL) a transaction that has read cannot start writing once another request has
    committed since it began: it fails at once ("database is locked", no waiting), which a page
    loading several photos in parallel would hit every time. A transaction whose first
    statement writes waits for the lock instead. Nothing is written before this point."""
    db.commit()


def _allowed(principal: Principal, report: IntelReport, action: Action) -> bool:
    return service.visible_decision(principal.access(), report, action).allowed


def _grading_text(report: IntelReport) -> str:
    return " ".join(
        (
            report.source_evaluation or "–",
            report.intelligence_assessment or "–",
            report.handling_code or "–",
        )
    )


def _capitalised(message: str) -> str:
    return message[:1].upper() + message[1:]


def _status_for(step: str, report: IntelReport) -> int:
    return 400 if report.state in STEP_STATES[step] else 409


def _reason_error(reason: str) -> str | None:
    if not reason:
        return "Enter the reason you need to see the original"
    if len(reason) > MAX_REASON:
        return f"The reason must be {MAX_REASON:,} characters or fewer"
    return None


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


def _rows(text: str) -> int:
    return min(24, max(5, len(text) // 70 + text.count("\n") + 2))


def _findings_table(
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


# ---------------------------------------------------------------------------------------------
# The queue and duty


def _outbox_counts(db: Session) -> dict[str, int]:
    rows = db.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.status.in_(("pending", "failed")))
        .group_by(OutboxMessage.status)
    ).all()
    return {status: int(total) for status, total in rows}


@router.get("/intake", response_class=HTMLResponse, name="intake_queue")
def intake_queue(
    request: Request,
    state: str = "",
    channel: str = "",
    duty: str = "",
    principal: Principal = READ,
    db: Session = Depends(get_session),
) -> HTMLResponse:
    supervisor = principal.can(Permission.INTEL_SANITISE)
    tab = state if state in dict(TABS) else ("received" if supervisor else "all")
    chosen_channel = channel if channel in dict(CHANNELS) else ""
    reports = service.list_reports(
        db,
        principal=principal.access(),
        states=None if tab == "all" else [State(tab)],
        channel=Channel(chosen_channel) if chosen_channel else None,
        limit=PAGE_SIZE,
    )
    themes = catalogue(db)
    context: dict[str, Any] = {
        "nav": "intake",
        "tabs": [
            (key, label, "/intake?" + urlencode({"state": key, "channel": chosen_channel}))
            for key, label in TABS
        ],
        "tab": tab,
        "channel": chosen_channel,
        "channels": CHANNELS,
        "reports": [
            {
                "report": report,
                "theme": themes.label(report.theme),
                "grading": _grading_text(report),
                "area": report.lsoa_code or report.ward_code or report.district_code,
            }
            for report in reports
        ],
        # Open immediate risks are listed whatever the tab, so none waits unseen.
        "urgent": [
            report
            for report in service.list_reports(
                db, principal=principal.access(), states=OPEN_STATES, limit=PAGE_SIZE
            )
            if report.immediate_risk
        ],
        "full": len(reports) >= PAGE_SIZE,
        "page_size": PAGE_SIZE,
        "state_labels": STATE_LABELS,
        "state_tags": STATE_TAGS,
        "supervisor": supervisor,
        "notice": None,
    }
    if supervisor:
        on_duty = service.on_duty_supervisors(db, principal.organisation_id)
        me = _user_id(principal)
        context["on_duty"] = any(user.id == me for user in on_duty)
        context["on_duty_names"] = [user.display_name for user in on_duty]
        context["outbox"] = _outbox_counts(db)
        context["smtp_configured"] = request.app.state.settings.smtp_host is not None
        if duty == "on" and context["on_duty"]:
            context["notice"] = "You are on duty: immediate-risk reports are e-mailed to you."
        elif duty == "off" and not context["on_duty"]:
            context["notice"] = "You are no longer on duty."
    return render(
        request, "intake/staff_queue.html", context, headers={"Cache-Control": "no-store"}
    )


@router.post("/intake/duty", name="intake_duty", dependencies=CSRF)
def intake_duty(
    on_duty: OptionalField = "",
    principal: Principal = SANITISE,
    db: Session = Depends(get_session),
) -> Response:
    if on_duty not in ("yes", "no"):
        raise HTTPException(status_code=400, detail="Choose whether you are on duty.")
    service.set_on_duty(
        db,
        user_id=_user_id(principal),
        organisation_id=principal.organisation_id,
        on_duty=on_duty == "yes",
        actor=principal.actor(),
    )
    db.commit()
    return RedirectResponse(
        "/intake?" + urlencode({"duty": "on" if on_duty == "yes" else "off"}), status_code=303
    )


# ---------------------------------------------------------------------------------------------
# One report


def _ticked_indicators(db: Session, report_id: str) -> list[dict[str, Any]]:
    rows = db.execute(
        select(IntelIndicator, IntelReportIndicator.weight)
        .join(IntelReportIndicator, IntelReportIndicator.indicator_id == IntelIndicator.id)
        .where(IntelReportIndicator.report_id == report_id)
        .order_by(IntelIndicator.theme, IntelIndicator.position, IntelIndicator.id)
    ).all()
    themes = catalogue(db)
    return [
        {"theme": themes.label(indicator.theme), "label": indicator.label, "weight": weight}
        for indicator, weight in rows
    ]


def _history(db: Session, report: IntelReport) -> list[dict[str, Any]]:
    events: list[AuditEvent] = search_events(
        db, record_type=RECORD_TYPE, record_id=report.id, limit=1000, newest_first=False
    )
    history = []
    for event in events:
        label = HISTORY.get(event.event)
        if label is None:
            continue
        moment = event.occurred_at
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        history.append(
            {
                "when": moment,
                # Residents' events are recorded with the day only (see service.coarse_now).
                "date_only": event.actor_label == service.PORTAL_ACTOR.label,
                "what": label,
                "who": event.actor_label if event.actor_kind == "user" else "Beacon",
                "note": event.justification or "",
            }
        )
    return history


def _subject_groups(subjects: Sequence[IntelSubject]) -> list[dict[str, Any]]:
    groups = []
    for role, heading in ROLE_HEADINGS:
        members = [s for s in subjects if s.role == role]
        if members:
            groups.append(
                {
                    "role": role,
                    "heading": heading,
                    "subjects": [
                        {
                            "kind": SUBJECT_KINDS.get(s.kind, s.kind),
                            "value": s.value,
                            "details": s.details or "",
                        }
                        for s in members
                    ],
                }
            )
    return groups


def _report_page(
    request: Request,
    db: Session,
    principal: Principal,
    report: IntelReport,
    decision: Decision,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The report as ``decision`` allows; records the consultation and commits it."""
    fields = decision.fields
    shown = {group.value for group in fields}
    access = principal.access()
    can = {
        action.value: service.visible_decision(access, report, action).allowed
        for action in (
            Action.SANITISE,
            Action.GRADE,
            Action.DISSEMINATE,
            Action.EDIT,
            Action.VIEW_ORIGINAL,
        )
    }
    state = report.state
    photos = service.photos_for(db, report.id) if "narrative" in shown else []
    messages: list[IntelMessage] = (
        service.messages_for(db, report.id) if "narrative" in shown else []
    )
    source_organisation = None
    if "source_details" in shown and report.source_organisation_id is not None:
        organisation = db.get(Organisation, report.source_organisation_id)
        source_organisation = organisation.name if organisation else None
    themes = catalogue(db)
    theme_options = themes.offered()
    if report.theme and not themes.is_active(report.theme):
        # Retired (or unknown) since it was set: still selectable, so regrading can keep it.
        theme_options.append((report.theme, f"{themes.label(report.theme)} (no longer used)"))
    grading_values = {
        "source_evaluation": report.source_evaluation or "",
        "intelligence_assessment": report.intelligence_assessment or "",
        "handling_code": report.handling_code or "",
        "handling_conditions": report.handling_conditions or "",
        "theme": report.theme or "",
    }
    context: dict[str, Any] = {
        "nav": "intake",
        "report": report,
        "shown": shown,
        "state_label": STATE_LABELS.get(state, state),
        "state_tag": STATE_TAGS.get(state, ""),
        "channel_label": "Resident" if report.channel == Channel.RESIDENT else "Partner",
        "grading": _grading_text(report),
        "source_label": dict(SOURCE_EVALUATIONS).get(report.source_evaluation or ""),
        "assessment_label": dict(INTELLIGENCE_ASSESSMENTS).get(
            report.intelligence_assessment or ""
        ),
        "handling_label": dict(HANDLING_CODES).get(report.handling_code),
        "theme": themes.label(report.theme),
        "hints": [RESIDENT_HINTS[h][0] for h in report.theme_hints.split() if h in RESIDENT_HINTS],
        "location_mode": LOCATION_MODES.get(report.location_mode, report.location_mode),
        "subject_groups": _subject_groups(service.subjects_for(db, report.id))
        if "subjects" in shown
        else [],
        "indicators": _ticked_indicators(db, report.id) if "summary" in shown else [],
        "scores": [
            (themes.label(theme), score)
            for theme, score in sorted(service.indicator_scores(db, report.id).items())
        ]
        if "summary" in shown
        else [],
        "photos": [p for p in photos if p.released],
        "unreleased": sum(1 for p in photos if not p.released),
        "messages": messages,
        "source_organisation": source_organisation,
        "history": _history(db, report),
        "can_sanitise": can["sanitise"] and state in STEP_STATES["sanitise"],
        "can_original": can["view_original"],
        "can_grade": can["grade"] and state in STEP_STATES["grade"],
        "can_disseminate": can["disseminate"] and state in STEP_STATES["disseminate"],
        "can_close": can["edit"] and state in STEP_STATES["close"],
        "can_ask": can["edit"]
        and state in STEP_STATES["questions"]
        and report.contact_locator is not None,
        "can_sanitise_answers": can["sanitise"] and can["view_original"],
        "source_evaluations": SOURCE_EVALUATIONS,
        "intelligence_assessments": INTELLIGENCE_ASSESSMENTS,
        "handling_codes": HANDLING_CODES,
        "themes": theme_options,
        "errors": errors or {},
        "values": {**grading_values, **(values or {})},
        "notice": notice,
    }
    _end_reads(db)
    service.audit_view(db, report=report, actor=principal.actor(), fields=fields)
    db.commit()
    return render(
        request,
        "intake/staff_report.html",
        context,
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


_PAGE_NAME = re.compile(r"[a-z]+(?:[-_][a-z]+)*")


class ReportRoute(APIRoute):
    """``/intake/{report_id}`` answers for report ids and references only: a plain word such
    as ``/intake/new`` (the partner form) is another page's address, so routing goes on to
    the routes after this one whatever order the routers were included in."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE:
            value = str(child.get("path_params", {}).get("report_id", ""))
            if _PAGE_NAME.fullmatch(value):
                return Match.NONE, {}
        return match, child


def intake_report(
    request: Request,
    report_id: str,
    done: str = "",
    principal: Principal = READ,
    db: Session = Depends(get_session),
) -> HTMLResponse:
    report, decision = _load(db, principal, report_id, Action.VIEW)
    notice = DONE_MESSAGES[done] if report.state in DONE.get(done, ()) else None
    return _report_page(request, db, principal, report, decision, notice=notice)


router.add_api_route(
    "/intake/{report_id}",
    intake_report,
    methods=["GET"],
    response_class=HTMLResponse,
    name="intake_report",
    route_class_override=ReportRoute,
)


def _refused(
    request: Request,
    db: Session,
    principal: Principal,
    report: IntelReport,
    decision: Decision,
    field: str,
    error: IntakeError,
    *,
    status_code: int,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    """A workflow step the service refused: undo it and show the report with the reason on
    the step's field."""
    db.rollback()
    return _report_page(
        request,
        db,
        principal,
        report,
        decision,
        errors={field: _capitalised(str(error))},
        values=values,
        status_code=status_code,
    )


def _done(report: IntelReport, done: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(
        f"/intake/{report.id}?{urlencode({'done': done})}{anchor}", status_code=303
    )


def _parse_grade_form(
    form: Mapping[str, Any], themes: ThemeCatalogue, current: str | None
) -> tuple[Grading, str | None]:
    errors = _Collector()
    grading = parse_grading(form, errors)
    theme = clean_text(form.get("theme")) or None
    # A current theme, or the one the report already has (even if retired since).
    refusal = themes.refusal(theme) if theme not in (None, current) else None
    if refusal:
        errors.add("theme", refusal)
    errors.raise_if_any()
    return grading, theme


@router.post(
    "/intake/{report_id}/grade",
    response_class=HTMLResponse,
    name="intake_grade",
    dependencies=CSRF,
)
def intake_grade(
    request: Request,
    report_id: str,
    source_evaluation: OptionalField = "",
    intelligence_assessment: OptionalField = "",
    handling_code: OptionalField = "",
    handling_conditions: OptionalField = "",
    theme: OptionalField = "",
    principal: Principal = GRADE,
    db: Session = Depends(get_session),
) -> Response:
    values = {
        "source_evaluation": clean_text(source_evaluation),
        "intelligence_assessment": clean_text(intelligence_assessment),
        "handling_code": clean_text(handling_code),
        "handling_conditions": clean_text(handling_conditions),
        "theme": clean_text(theme),
    }
    report, decision = _load(db, principal, report_id, Action.GRADE)
    try:
        grading, chosen_theme = _parse_grade_form(values, catalogue(db), report.theme)
        service.grade(
            db,
            report=report,
            principal=principal.access(),
            actor=principal.actor(),
            grading=grading,
            theme=chosen_theme,
        )
    except FormErrors as error:
        messages = {name: _capitalised(text) for name, text in error.errors.items()}
        return _report_page(
            request,
            db,
            principal,
            report,
            decision,
            errors=messages,
            values=values,
            status_code=400,
        )
    except IntakeError as error:
        return _refused(
            request,
            db,
            principal,
            report,
            decision,
            "source_evaluation",
            error,
            values=values,
            status_code=_status_for("grade", report),
        )
    db.commit()
    return _done(report, "graded")


@router.post(
    "/intake/{report_id}/disseminate",
    response_class=HTMLResponse,
    name="intake_disseminate",
    dependencies=CSRF,
)
def intake_disseminate(
    request: Request,
    report_id: str,
    confirm: OptionalField = "",
    principal: Principal = DISSEMINATE,
    db: Session = Depends(get_session),
) -> Response:
    report, decision = _load(db, principal, report_id, Action.DISSEMINATE)
    if confirm != "yes":
        return _report_page(
            request,
            db,
            principal,
            report,
            decision,
            errors={"confirm": "Tick the box to confirm the report is sanitised and graded"},
            status_code=400,
        )
    try:
        service.disseminate(
            db, report=report, principal=principal.access(), actor=principal.actor()
        )
    except IntakeError as error:
        return _refused(
            request,
            db,
            principal,
            report,
            decision,
            "confirm",
            error,
            status_code=_status_for("disseminate", report),
        )
    db.commit()
    return _done(report, "disseminated")


@router.post(
    "/intake/{report_id}/close",
    response_class=HTMLResponse,
    name="intake_close",
    dependencies=CSRF,
)
def intake_close(
    request: Request,
    report_id: str,
    reason: OptionalField = "",
    principal: Principal = SANITISE,
    db: Session = Depends(get_session),
) -> Response:
    report, decision = _load(db, principal, report_id, Action.EDIT)
    reason = clean_text(reason)
    problem = None
    if not reason:
        problem = "Enter the reason for closing the report"
    elif len(reason) > MAX_REASON:
        problem = f"The reason must be {MAX_REASON:,} characters or fewer"
    if problem is None:
        try:
            service.close(
                db,
                report=report,
                principal=principal.access(),
                actor=principal.actor(),
                reason=reason,
            )
        except IntakeError as error:
            return _refused(
                request,
                db,
                principal,
                report,
                decision,
                "close_reason",
                error,
                values={"close_reason": reason},
                status_code=_status_for("close", report),
            )
        db.commit()
        return _done(report, "closed")
    return _report_page(
        request,
        db,
        principal,
        report,
        decision,
        errors={"close_reason": problem},
        values={"close_reason": reason},
        status_code=400,
    )


@router.post(
    "/intake/{report_id}/questions",
    response_class=HTMLResponse,
    name="intake_ask",
    dependencies=CSRF,
)
def intake_ask(
    request: Request,
    report_id: str,
    question: OptionalField = "",
    principal: Principal = SANITISE,
    db: Session = Depends(get_session),
) -> Response:
    report, decision = _load(db, principal, report_id, Action.EDIT)
    question = clean_text(question)
    try:
        service.ask_reporter(
            db,
            report=report,
            principal=principal.access(),
            actor=principal.actor(),
            question=question,
        )
    except IntakeError as error:
        conflict = report.state not in STEP_STATES["questions"] or report.contact_locator is None
        return _refused(
            request,
            db,
            principal,
            report,
            decision,
            "question",
            error,
            values={"question": question},
            status_code=409 if question and conflict else 400,
        )
    db.commit()
    return _done(report, "asked", "#messages")


# ---------------------------------------------------------------------------------------------
# The original and sanitising


def _reason_page(
    request: Request,
    report: IntelReport,
    *,
    action: str,
    method: str,
    purpose: str,
    reason: str = "",
    error: str | None = None,
) -> HTMLResponse:
    return render(
        request,
        "intake/staff_reason.html",
        {
            "nav": "intake",
            "report": report,
            "action": action,
            "method": method,
            "purpose": purpose,
            "reason": reason,
            "errors": {"reason": error} if error else {},
        },
        status_code=400 if error else 200,
        headers={"Cache-Control": "no-store"},
    )


def _read_original(
    db: Session, principal: Principal, report: IntelReport, reason: str
) -> IntelRawSubmission:
    _end_reads(db)
    try:
        return service.read_original(
            db,
            report=report,
            principal=principal.access(),
            actor=principal.actor(),
            justification=reason,
        )
    except NotFound:
        raise HTTPException(status_code=404) from None
    except IntakeError as error:
        raise HTTPException(status_code=409, detail=_capitalised(str(error)) + ".") from None


PARTS = (
    ("narrative", "What was reported"),
    ("assessment", "Assessment"),
    ("location_text", "Where, in words"),
)


def _sanitise_page(
    request: Request,
    db: Session,
    principal: Principal,
    report: IntelReport,
    reason: str,
    *,
    form: Mapping[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The side-by-side screen; reading the original is audited with ``reason`` (committed)."""
    raw = _read_original(db, principal, report, reason)
    found = service.proposals(db, raw)
    parts = []
    for name, label in PARTS:
        original = getattr(raw, name)
        if not original:
            continue
        current = getattr(report, name)
        if form is not None:
            text = clean_text(form.get(name))
        elif report.state != State.RECEIVED and current:
            text = current  # what a supervisor accepted before
        else:
            text = service.proposed_text(raw, found, name)
        parts.append(
            {
                "name": name,
                "label": label,
                "lines": highlight(original, found, name),
                "text": text,
                "rows": _rows(text),
                "redactions": sum(
                    1 for f in found if f.get("part") == name and f.get("action") == "redact"
                ),
                "flags": sum(
                    1 for f in found if f.get("part") == name and f.get("action") != "redact"
                ),
            }
        )
    photos = service.photos_for(db, report.id)
    released = set(form["release"]) if form is not None else {p.id for p in photos if p.released}
    context = {
        "nav": "intake",
        "report": report,
        "reason": reason,
        "parts": parts,
        "findings": _findings_table(found, dict(PARTS)),
        "summary": clean_text(form.get("summary")) if form is not None else report.summary or "",
        "photos": photos,
        "released": released,
        "has_contact": any((raw.contact_name, raw.contact_email, raw.contact_phone)),
        "errors": errors or {},
    }
    db.commit()
    return render(
        request,
        "intake/staff_sanitise.html",
        context,
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


def _sanitisable(db: Session, principal: Principal, report_id: str) -> IntelReport:
    report, _ = _load(db, principal, report_id, Action.SANITISE)
    if not _allowed(principal, report, Action.VIEW_ORIGINAL):
        raise HTTPException(status_code=404)
    if report.state not in STEP_STATES["sanitise"]:
        raise HTTPException(
            status_code=409,
            detail=f"{report.reference} is {report.state}: it can no longer be sanitised.",
        )
    return report


@router.get("/intake/{report_id}/sanitise", response_class=HTMLResponse, name="intake_sanitise")
def intake_sanitise_screen(
    request: Request,
    report_id: str,
    reason: str | None = None,
    principal: Principal = SANITISE,
    db: Session = Depends(get_session),
) -> HTMLResponse:
    report = _sanitisable(db, principal, report_id)
    purpose = "sanitise it"
    action = f"/intake/{report.id}/sanitise"
    if reason is None:
        return _reason_page(request, report, action=action, method="get", purpose=purpose)
    reason = clean_text(reason)
    error = _reason_error(reason)
    if error:
        return _reason_page(
            request,
            report,
            action=action,
            method="get",
            purpose=purpose,
            reason=reason,
            error=error,
        )
    return _sanitise_page(request, db, principal, report, reason)


@router.post(
    "/intake/{report_id}/sanitise",
    response_class=HTMLResponse,
    name="intake_sanitise_accept",
    dependencies=CSRF,
)
def intake_sanitise_accept(
    request: Request,
    report_id: str,
    narrative: OptionalField = "",
    assessment: OptionalField = "",
    location_text: OptionalField = "",
    summary: OptionalField = "",
    reason: OptionalField = "",
    release: Annotated[list[str] | None, Form()] = None,
    principal: Principal = SANITISE,
    db: Session = Depends(get_session),
) -> Response:
    report = _sanitisable(db, principal, report_id)
    values: dict[str, Any] = {
        "narrative": clean_text(narrative),
        "assessment": clean_text(assessment),
        "location_text": clean_text(location_text),
        "summary": clean_text(summary),
        "release": list(release or ()),
    }
    reason = clean_text(reason)
    try:
        service.sanitise(
            db,
            report=report,
            principal=principal.access(),
            actor=principal.actor(),
            narrative=values["narrative"],
            assessment=values["assessment"] or None,
            location_text=values["location_text"] or None,
            summary=values["summary"],
            released_photo_ids=values["release"],
        )
    except IntakeError as error:
        db.rollback()
        status = _status_for("sanitise", report)
        if _reason_error(reason):
            return _reason_page(
                request,
                report,
                action=f"/intake/{report.id}/sanitise",
                method="get",
                purpose="sanitise it",
                error=f"{_capitalised(str(error))}. Give your reason again to see the original.",
            )
        return _sanitise_page(
            request,
            db,
            principal,
            report,
            reason,
            form=values,
            errors={"narrative": _capitalised(str(error))},
            status_code=status,
        )
    db.commit()
    return _done(report, "sanitised")


@router.get("/intake/{report_id}/original", response_class=HTMLResponse, name="intake_original")
def intake_original_reason(
    request: Request,
    report_id: str,
    principal: Principal = ORIGINAL,
    db: Session = Depends(get_session),
) -> HTMLResponse:
    report, _ = _load(db, principal, report_id, Action.VIEW_ORIGINAL)
    return _reason_page(
        request,
        report,
        action=f"/intake/{report.id}/original",
        method="post",
        purpose="read it",
    )


@router.post(
    "/intake/{report_id}/original",
    response_class=HTMLResponse,
    name="intake_original_show",
    dependencies=CSRF,
)
def intake_original(
    request: Request,
    report_id: str,
    reason: OptionalField = "",
    principal: Principal = ORIGINAL,
    db: Session = Depends(get_session),
) -> HTMLResponse:
    report, _ = _load(db, principal, report_id, Action.VIEW_ORIGINAL)
    reason = clean_text(reason)
    error = _reason_error(reason)
    if error:
        return _reason_page(
            request,
            report,
            action=f"/intake/{report.id}/original",
            method="post",
            purpose="read it",
            reason=reason,
            error=error,
        )
    raw = _read_original(db, principal, report, reason)
    parts = [
        {"label": label, "lines": plain_lines(getattr(raw, name))}
        for name, label in PARTS
        if getattr(raw, name)
    ]
    answers = [
        {"message": m, "lines": plain_lines(m.body)}
        for m in service.messages_for(db, report.id)
        if m.direction == "from_reporter"
    ]
    context = {
        "nav": "intake",
        "report": report,
        "raw": raw,
        "reason": reason,
        "parts": parts,
        "answers": answers,
        "photos": service.photos_for(db, report.id),
    }
    db.commit()
    return render(
        request, "intake/staff_original.html", context, headers={"Cache-Control": "no-store"}
    )


# ---------------------------------------------------------------------------------------------
# Answers from the resident


def _answer(
    db: Session, principal: Principal, report_id: str, message_id: str
) -> tuple[IntelReport, IntelMessage]:
    report, _ = _load(db, principal, report_id, Action.SANITISE)
    if not _allowed(principal, report, Action.VIEW_ORIGINAL):
        raise HTTPException(status_code=404)
    for message in service.messages_for(db, report.id):
        if message.id == message_id and message.direction == "from_reporter":
            return report, message
    raise HTTPException(status_code=404)


def _answer_page(
    request: Request,
    db: Session,
    principal: Principal,
    report: IntelReport,
    message: IntelMessage,
    reason: str,
    *,
    text: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    _read_original(db, principal, report, reason)
    found = service.message_proposals(db, message)
    if text is None:
        text = message.sanitised_body or apply_redactions(message.body, found, "message")
    questions = [
        m
        for m in service.messages_for(db, report.id)
        if m.direction == "to_reporter" and m.position < message.position
    ]
    context = {
        "nav": "intake",
        "report": report,
        "message": message,
        "question": questions[-1] if questions else None,
        "reason": reason,
        "lines": highlight(message.body, found, "message"),
        "findings": _findings_table(found, {"message": "Answer"}),
        "text": text,
        "rows": _rows(text),
        "errors": errors or {},
    }
    db.commit()
    return render(
        request,
        "intake/staff_answer.html",
        context,
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


@router.get(
    "/intake/{report_id}/messages/{message_id}/sanitise",
    response_class=HTMLResponse,
    name="intake_answer",
)
def intake_answer_screen(
    request: Request,
    report_id: str,
    message_id: str,
    reason: str | None = None,
    principal: Principal = SANITISE,
    db: Session = Depends(get_session),
) -> HTMLResponse:
    report, message = _answer(db, principal, report_id, message_id)
    action = f"/intake/{report.id}/messages/{message.id}/sanitise"
    purpose = "sanitise the resident's answer"
    if reason is None:
        return _reason_page(request, report, action=action, method="get", purpose=purpose)
    reason = clean_text(reason)
    error = _reason_error(reason)
    if error:
        return _reason_page(
            request,
            report,
            action=action,
            method="get",
            purpose=purpose,
            reason=reason,
            error=error,
        )
    return _answer_page(request, db, principal, report, message, reason)


@router.post(
    "/intake/{report_id}/messages/{message_id}/sanitise",
    response_class=HTMLResponse,
    name="intake_answer_accept",
    dependencies=CSRF,
)
def intake_answer_accept(
    request: Request,
    report_id: str,
    message_id: str,
    text: OptionalField = "",
    reason: OptionalField = "",
    principal: Principal = SANITISE,
    db: Session = Depends(get_session),
) -> Response:
    report, message = _answer(db, principal, report_id, message_id)
    text = clean_text(text)
    reason = clean_text(reason)
    try:
        service.sanitise_message(
            db,
            report=report,
            message=message,
            principal=principal.access(),
            actor=principal.actor(),
            text=text,
        )
    except IntakeError as error:
        db.rollback()
        if _reason_error(reason):
            return _reason_page(
                request,
                report,
                action=f"/intake/{report.id}/messages/{message.id}/sanitise",
                method="get",
                purpose="sanitise the resident's answer",
                error=f"{_capitalised(str(error))}. Give your reason again to see the answer.",
            )
        return _answer_page(
            request,
            db,
            principal,
            report,
            message,
            reason,
            text=text,
            errors={"text": _capitalised(str(error))},
            status_code=_status_for("answer", report) if text else 400,
        )
    db.commit()
    return _done(report, "answer", "#messages")


# ---------------------------------------------------------------------------------------------
# Photos


@router.get("/intake/{report_id}/photos/{photo_id}", name="intake_photo")
def intake_photo(
    report_id: str,
    photo_id: str,
    principal: Principal = READ,
    db: Session = Depends(get_session),
) -> Response:
    report, _ = _load(db, principal, report_id, Action.VIEW)
    photo: IntelPhoto | None = next(
        (p for p in service.photos_for(db, report.id) if p.id == photo_id), None
    )
    # Unreleased photos are part of the original: the owning organisation's supervisors only.
    if photo is None or not (photo.released or _allowed(principal, report, Action.VIEW_ORIGINAL)):
        raise HTTPException(status_code=404)
    try:
        data = PhotoStore(service.photo_directory()).read(photo.storage_name)
    except (OSError, ValueError):
        raise HTTPException(status_code=404) from None
    _end_reads(db)
    record_event(
        db,
        action=AuditAction.CONSULTATION,
        event="intel.photo_viewed",
        actor=principal.actor(),
        record_type=RECORD_TYPE,
        record_id=report.id,
        details={
            "reference": report.reference,
            "photo": photo.id,
            "released": photo.released,
        },
    )
    db.commit()
    extension = photo.storage_name.rsplit(".", 1)[-1]
    return Response(
        content=data,
        media_type=photo.content_type,
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'inline; filename="photo-{photo.id}.{extension}"',
        },
    )
