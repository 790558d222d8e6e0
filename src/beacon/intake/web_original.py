"""Reading the original and sanitising (HTML): every page that shows what a reporter actually
wrote asks first for the reader's reason, and records the view with it.

The reason travels only in POST bodies (with the CSRF token), never in a URL, so browser
history, the server's and any proxy's logs never hold it: a ``GET`` of each page below shows
the reason form, whose ``POST`` to the same address (``step=reason``) shows the page.

* ``GET|POST /intake/{id}/sanitise`` (``intel.sanitise``): the original with the proposed
  redactions beside the editable sanitised text; a POST without ``step=reason`` accepts the
  sanitised text.
* ``GET|POST /intake/{id}/original`` (``intel.read_original``): the raw submission, contact
  details and every photo.
* ``GET|POST /intake/{id}/messages/{message_id}/sanitise`` (``intel.sanitise``): a resident's
  answer, sanitised before anyone else reads it.

Original text is hostile input: it is split at the proposals' offsets here, in Python, and each
piece is escaped by the template (nothing is marked safe).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from beacon.access.policy import Action
from beacon.auth.deps import Principal
from beacon.intake import service
from beacon.intake.models import IntelMessage, IntelRawSubmission, IntelReport, State
from beacon.intake.schemas import clean_text
from beacon.intake.service import IntakeError, NotFound
from beacon.intake.views import deliver_now
from beacon.intake.web_shared import (
    CSRF,
    NO_STORE,
    ORIGINAL,
    SANITISE,
    STEP_STATES,
    OptionalField,
    allowed,
    apply_redactions,
    capitalised,
    done_redirect,
    end_reads,
    findings_table,
    highlight,
    load_report,
    plain_lines,
    reason_error,
    status_for,
    text_rows,
)
from beacon.triage.flow import triage_report
from beacon.web.deps import get_session
from beacon.web.templating import render

router = APIRouter(include_in_schema=False)

PARTS = (
    ("narrative", "What was reported"),
    ("assessment", "Assessment"),
    ("location_text", "Where, in words"),
)
# The reason form's marker: a POST carrying it asks to see the page, not to change anything.
REASON_STEP = "reason"


@dataclass(frozen=True)
class Gate:
    """A page behind a stated reason: its address, and what the reader wants to do there."""

    report: IntelReport
    action: str
    purpose: str
    sees: str  # what the reader would see again ("the original", "the answer")

    def ask(self, request: Request, *, reason: str = "", error: str | None = None) -> HTMLResponse:
        """The reason form (400 with the error when one is given)."""
        return render(
            request,
            "intake/staff_reason.html",
            {
                "nav": "intake",
                "report": self.report,
                "action": self.action,
                "purpose": self.purpose,
                "step": REASON_STEP,
                "reason": reason,
                "errors": {"reason": error} if error else {},
            },
            status_code=400 if error else 200,
            headers=NO_STORE,
        )

    def open(
        self, request: Request, reason: str, show: Callable[[str], HTMLResponse]
    ) -> HTMLResponse:
        """``show(reason)`` when the reason will do, else the form again with the error."""
        reason = clean_text(reason)
        error = reason_error(reason)
        if error:
            return self.ask(request, reason=reason, error=error)
        return show(reason)

    def refused(
        self,
        request: Request,
        reason: str,
        error: IntakeError,
        show_again: Callable[[str], HTMLResponse],
    ) -> HTMLResponse:
        """A change the service refused: the page again with the error, which shows (and
        records) the original again, so only with a reason that will do."""
        if reason_error(reason):
            return self.ask(
                request,
                error=f"{capitalised(str(error))}. Give your reason again to see {self.sees}.",
            )
        return show_again(reason)


def _read_original(
    db: Session, principal: Principal, report: IntelReport, reason: str
) -> IntelRawSubmission:
    end_reads(db)
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
        raise HTTPException(status_code=409, detail=capitalised(str(error)) + ".") from None


def _screen(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    return render(
        request, template, {"nav": "intake", **context}, status_code=status_code, headers=NO_STORE
    )


# ---------------------------------------------------------------------------------------------
# Sanitising a report


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
                "rows": text_rows(text),
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
        "report": report,
        "reason": reason,
        "parts": parts,
        "findings": findings_table(found, dict(PARTS)),
        "summary": clean_text(form.get("summary")) if form is not None else report.summary or "",
        "photos": photos,
        "released": released,
        "has_contact": any((raw.contact_name, raw.contact_email, raw.contact_phone)),
        "errors": errors or {},
    }
    db.commit()
    return _screen(request, "intake/staff_sanitise.html", context, status_code)


def _sanitisable(db: Session, principal: Principal, report_id: str) -> Gate:
    report, _ = load_report(db, principal, report_id, Action.SANITISE)
    if not allowed(principal, report, Action.VIEW_ORIGINAL):
        raise HTTPException(status_code=404)
    if report.state not in STEP_STATES["sanitise"]:
        raise HTTPException(
            status_code=409,
            detail=f"{report.reference} is {report.state}: it can no longer be sanitised.",
        )
    return Gate(report, f"/intake/{report.id}/sanitise", "sanitise it", "the original")


@router.get("/intake/{report_id}/sanitise", response_class=HTMLResponse, name="intake_sanitise")
def intake_sanitise_screen(
    request: Request,
    report_id: str,
    principal: Principal = SANITISE,
    db: Session = Depends(get_session),
) -> HTMLResponse:
    # A reason in the query string (an old link) is ignored: reasons are only ever posted.
    return _sanitisable(db, principal, report_id).ask(request)


@router.post(
    "/intake/{report_id}/sanitise",
    response_class=HTMLResponse,
    name="intake_sanitise_accept",
    dependencies=CSRF,
)
def intake_sanitise_accept(
    request: Request,
    report_id: str,
    step: OptionalField = "",
    narrative: OptionalField = "",
    assessment: OptionalField = "",
    location_text: OptionalField = "",
    summary: OptionalField = "",
    reason: OptionalField = "",
    release: Annotated[list[str] | None, Form()] = None,
    principal: Principal = SANITISE,
    db: Session = Depends(get_session),
) -> Response:
    gate = _sanitisable(db, principal, report_id)
    report = gate.report
    if step == REASON_STEP:
        return gate.open(
            request, reason, lambda why: _sanitise_page(request, db, principal, report, why)
        )
    values: dict[str, Any] = {
        "narrative": clean_text(narrative),
        "assessment": clean_text(assessment),
        "location_text": clean_text(location_text),
        "summary": clean_text(summary),
        "release": list(release or ()),
    }
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
        # Triage reads only the sanitised text, in the same transaction: a report is never
        # sanitised without its themes, links, priority and owner.
        triage_report(db, report, data_dir=request.app.state.settings.data_dir)
    except IntakeError as error:
        db.rollback()
        status = status_for("sanitise", report)
        problem = {"narrative": capitalised(str(error))}
        return gate.refused(
            request,
            clean_text(reason),
            error,
            lambda why: _sanitise_page(
                request,
                db,
                principal,
                report,
                why,
                form=values,
                errors=problem,
                status_code=status,
            ),
        )
    db.commit()
    # Triage may have told an owner, or raised an unroutable alert, by e-mail.
    deliver_now(db, request.app.state.settings)
    return done_redirect(report, "sanitised")


# ---------------------------------------------------------------------------------------------
# The original


def _original_gate(db: Session, principal: Principal, report_id: str) -> Gate:
    report, _ = load_report(db, principal, report_id, Action.VIEW_ORIGINAL)
    return Gate(report, f"/intake/{report.id}/original", "read it", "the original")


def _original_page(
    request: Request, db: Session, principal: Principal, report: IntelReport, reason: str
) -> HTMLResponse:
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
        "report": report,
        "raw": raw,
        "reason": reason,
        "parts": parts,
        "answers": answers,
        "photos": service.photos_for(db, report.id),
    }
    db.commit()
    return _screen(request, "intake/staff_original.html", context)


@router.get("/intake/{report_id}/original", response_class=HTMLResponse, name="intake_original")
def intake_original_reason(
    request: Request,
    report_id: str,
    principal: Principal = ORIGINAL,
    db: Session = Depends(get_session),
) -> HTMLResponse:
    return _original_gate(db, principal, report_id).ask(request)


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
    gate = _original_gate(db, principal, report_id)
    return gate.open(
        request, reason, lambda why: _original_page(request, db, principal, gate.report, why)
    )


# ---------------------------------------------------------------------------------------------
# Answers from the resident


def _answer(
    db: Session, principal: Principal, report_id: str, message_id: str
) -> tuple[Gate, IntelMessage]:
    report, _ = load_report(db, principal, report_id, Action.SANITISE)
    if not allowed(principal, report, Action.VIEW_ORIGINAL):
        raise HTTPException(status_code=404)
    for message in service.messages_for(db, report.id):
        if message.id == message_id and message.direction == "from_reporter":
            gate = Gate(
                report,
                f"/intake/{report.id}/messages/{message.id}/sanitise",
                "sanitise the resident's answer",
                "the answer",
            )
            return gate, message
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
        "report": report,
        "message": message,
        "question": questions[-1] if questions else None,
        "reason": reason,
        "lines": highlight(message.body, found, "message"),
        "findings": findings_table(found, {"message": "Answer"}),
        "text": text,
        "rows": text_rows(text),
        "errors": errors or {},
    }
    db.commit()
    return _screen(request, "intake/staff_answer.html", context, status_code)


@router.get(
    "/intake/{report_id}/messages/{message_id}/sanitise",
    response_class=HTMLResponse,
    name="intake_answer",
)
def intake_answer_screen(
    request: Request,
    report_id: str,
    message_id: str,
    principal: Principal = SANITISE,
    db: Session = Depends(get_session),
) -> HTMLResponse:
    gate, _ = _answer(db, principal, report_id, message_id)
    return gate.ask(request)


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
    step: OptionalField = "",
    text: OptionalField = "",
    reason: OptionalField = "",
    principal: Principal = SANITISE,
    db: Session = Depends(get_session),
) -> Response:
    gate, message = _answer(db, principal, report_id, message_id)
    report = gate.report
    if step == REASON_STEP:
        return gate.open(
            request,
            reason,
            lambda why: _answer_page(request, db, principal, report, message, why),
        )
    text = clean_text(text)
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
        problem = {"text": capitalised(str(error))}
        return gate.refused(
            request,
            clean_text(reason),
            error,
            lambda why: _answer_page(
                request,
                db,
                principal,
                report,
                message,
                why,
                text=text,
                errors=problem,
                status_code=status_for("answer", report) if text else 400,
            ),
        )
    db.commit()
    return done_redirect(report, "answer", "#messages")
