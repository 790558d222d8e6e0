"""One intelligence report in the browser and its workflow steps (HTML, ``/intake/{id}``).

* ``GET /intake/{id}`` (``intel.read_own``): one report, only the field groups the decision
  allows; every view is audited (CONSULTATION ``intel.report_viewed`` with the field groups).
  Supervisors of the owning organisation grade (``POST .../grade``), disseminate
  (``POST .../disseminate``), close with a reason (``POST .../close``) and ask the resident
  questions (``POST .../questions``) from it.
* ``GET /intake/{id}/photos/{photo_id}`` (``intel.read_own``): a photo: every photo for the
  owning organisation's supervisors, released ones for others who may view the report;
  audited, never cached.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from starlette.routing import Match
from starlette.types import Scope

from beacon.access.policy import Action, Decision
from beacon.audit.models import AuditAction, AuditEvent
from beacon.audit.query import search_events
from beacon.audit.service import record_event
from beacon.auth.deps import Principal
from beacon.auth.models import Organisation
from beacon.auth.permissions import Permission
from beacon.intake import service
from beacon.intake.models import (
    RECORD_TYPE,
    Channel,
    IntelMessage,
    IntelPhoto,
    IntelReport,
    IntelSubject,
)
from beacon.intake.schemas import FormErrors, Grading, _Collector, clean_text, parse_grading
from beacon.intake.service import IntakeError
from beacon.intake.themes import RESIDENT_HINTS
from beacon.intake.views import ticked_indicators
from beacon.intake.web_shared import (
    CSRF,
    DISSEMINATE,
    GRADE,
    HANDLING_CODES,
    INTELLIGENCE_ASSESSMENTS,
    NO_STORE,
    READ,
    ROLE_HEADINGS,
    SANITISE,
    SOURCE_EVALUATIONS,
    STATE_LABELS,
    STATE_TAGS,
    STEP_STATES,
    OptionalField,
    allowed,
    capitalised,
    done_redirect,
    end_reads,
    grading_text,
    load_report,
    reason_error,
    status_for,
)
from beacon.sanitise.photos import PhotoStore
from beacon.triage.duplicate_decisions import DUPLICATE_RECORD
from beacon.triage.flow import refresh as refresh_triage
from beacon.triage.models import DuplicateLink
from beacon.triage.report_view import area_names, map_data, report_triage
from beacon.triage.schemas import ThemeCatalogue
from beacon.triage.service import catalogue
from beacon.web.deps import get_session
from beacon.web.templating import render

router = APIRouter(include_in_schema=False)

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
    "intel.triaged": "Triaged: themes, priority and owner worked out",
    "intel.routed": "Routed to an owner",
    "intel.unroutable": "Could not be routed: supervisors and administrators told",
    "intel.routed_by_hand": "Routed by hand",
    "triage.themes_corrected": "Themes corrected",
    "triage.duplicate_merged": "Marked as a duplicate",
    "triage.duplicate_dismissed": "Marked as not a duplicate",
    "triage.duplicate_reopened": "Duplicate decision undone",
}
# Triage actions posted from the report page (``triage.web_actions``) come back saying so.
TRIAGE_DONE = {
    "themes": "The themes were corrected; the priority and owner were worked out again.",
    "routed": "The report was routed by hand and the new owner told.",
    "merged": "The pair was marked as duplicates. Both reports are kept unchanged.",
    "dismissed": "The pair was marked as not duplicates.",
    "reopened": "The duplicate decision was undone: the pair is a suggestion again.",
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
# The page


def _indicator_rows(db: Session, report_id: str) -> list[dict[str, Any]]:
    themes = catalogue(db)
    return [
        {"theme": themes.label(indicator.theme), "label": indicator.label, "weight": weight}
        for indicator, weight in ticked_indicators(db, report_id)
    ]


def _history_events(db: Session, report: IntelReport) -> list[AuditEvent]:
    events: list[AuditEvent] = search_events(
        db, record_type=RECORD_TYPE, record_id=report.id, limit=1000, newest_first=False
    )
    # Duplicate decisions are recorded once, on the pair: both reports' histories show them.
    pairs = db.scalars(
        select(DuplicateLink.id).where(
            or_(DuplicateLink.report_a == report.id, DuplicateLink.report_b == report.id)
        )
    ).all()
    for pair_id in pairs:
        events += search_events(
            db, record_type=DUPLICATE_RECORD, record_id=pair_id, limit=100, newest_first=False
        )
    return sorted(events, key=lambda e: e.seq)


def _history_note(db: Session, event: AuditEvent, report: IntelReport) -> str:
    """What a triage event decided, in words (other events show their stated reason)."""
    if event.justification:
        return event.justification
    try:
        details = json.loads(event.details_json or "{}")
    except ValueError:
        return ""
    if event.event == "intel.triaged":
        themes = catalogue(db)
        named = ", ".join(themes.label(t) for t in details.get("themes", [])) or "no themes"
        return f"{named}; {details.get('band', '')}; {details.get('route', '')}"
    if event.event == "triage.themes_corrected":
        themes = catalogue(db)
        return "Now: " + ", ".join(themes.label(t) for t in details.get("themes", []))
    if event.event in ("intel.routed", "intel.unroutable"):
        return str(details.get("why") or details.get("reason") or "")
    if event.event == "triage.duplicate_merged":
        # The other report is named on the page only to those who may open it.
        if details.get("duplicate") == report.id:
            return "This report is the duplicate"
        return "This report is the main record"
    return ""


def _history(db: Session, report: IntelReport) -> list[dict[str, Any]]:
    history = []
    for event in _history_events(db, report):
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
                "note": _history_note(db, event, report),
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


def grading_values(report: IntelReport) -> dict[str, str]:
    """The grading form as it first shows. Until a supervisor (or the submitting partner) has
    graded the report, its code and conditions are Beacon's placeholder for an unsanitised
    resident report, not a decision: nothing is chosen for them. Conditions are offered only
    with code C (the form ignores them with P)."""
    graded = report.source_evaluation is not None
    code = (report.handling_code or "") if graded else ""
    return {
        "source_evaluation": report.source_evaluation or "",
        "intelligence_assessment": report.intelligence_assessment or "",
        "handling_code": code,
        "handling_conditions": (report.handling_conditions or "") if code == "C" else "",
        "theme": report.theme or "",
    }


@dataclass
class Visit:
    """One request about one report: what every page and step of it needs."""

    request: Request
    db: Session
    principal: Principal
    report: IntelReport
    decision: Decision

    @classmethod
    def open(
        cls, request: Request, db: Session, principal: Principal, report_id: str, action: Action
    ) -> Visit:
        report, decision = load_report(db, principal, report_id, action)
        return cls(request, db, principal, report, decision)

    def page(
        self,
        *,
        errors: dict[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
        notice: str | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        """The report as the decision allows; records the consultation and commits it."""
        return _report_page(self, errors or {}, values or {}, notice, status_code)

    def step(
        self,
        step: str,
        field: str,
        work: Callable[[], object],
        *,
        done: str,
        anchor: str = "",
        values: Mapping[str, Any] | None = None,
        status_code: int | None = None,
    ) -> Response:
        """Run a workflow step: committed and back to the report saying so, or, when the
        service refuses it, undone and the report shown with the reason on the step's field
        (409 when the report is in a state the step does not take, else 400)."""
        try:
            work()
        except IntakeError as error:
            self.db.rollback()
            return self.page(
                errors={field: capitalised(str(error))},
                values=values,
                status_code=status_code or status_for(step, self.report),
            )
        self.db.commit()
        return done_redirect(self.report, done, anchor)


def _triage(v: Visit, shown: set[str]) -> dict[str, Any] | None:
    """Triage for staff who read intelligence (a partner sees their own submission without
    it: priority, owner and links are the partnership's working)."""
    if Permission.INTEL_READ not in v.principal.permissions or "summary" not in shown:
        return None
    found = report_triage(
        v.db,
        access=v.principal.access(),
        report=v.report,
        may=lambda access, record, action: service.visible_decision(access, record, action).allowed,
    )
    if found is not None and "narrative" not in shown:
        found["texts"], found["entities"] = {}, []
    return found


def _report_page(
    v: Visit,
    errors: dict[str, str],
    values: Mapping[str, Any],
    notice: str | None,
    status_code: int,
) -> HTMLResponse:
    db, report = v.db, v.report
    fields = v.decision.fields
    shown = {group.value for group in fields}
    access = v.principal.access()
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
    context: dict[str, Any] = {
        "nav": "intake",
        "report": report,
        "shown": shown,
        "state_label": STATE_LABELS.get(state, state),
        "state_tag": STATE_TAGS.get(state, ""),
        "channel_label": "Resident" if report.channel == Channel.RESIDENT else "Partner",
        "grading": grading_text(report),
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
        "indicators": _indicator_rows(db, report.id) if "summary" in shown else [],
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
        "triage": _triage(v, shown),
        "areas": area_names(db, report) if "summary" in shown else [],
        "place_map": map_data(db, report) if "summary" in shown else None,
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
        "errors": errors,
        "values": {**grading_values(report), **values},
        "notice": notice,
    }
    end_reads(db)
    service.audit_view(db, report=report, actor=v.principal.actor(), fields=fields)
    db.commit()
    return render(
        v.request,
        "intake/staff_report.html",
        context,
        status_code=status_code,
        headers=NO_STORE,
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
    v = Visit.open(request, db, principal, report_id, Action.VIEW)
    notice = DONE_MESSAGES[done] if v.report.state in DONE.get(done, ()) else None
    notice = notice or TRIAGE_DONE.get(done)
    return v.page(notice=notice)


router.add_api_route(
    "/intake/{report_id}",
    intake_report,
    methods=["GET"],
    response_class=HTMLResponse,
    name="intake_report",
    route_class_override=ReportRoute,
)


# ---------------------------------------------------------------------------------------------
# Workflow steps


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
    v = Visit.open(request, db, principal, report_id, Action.GRADE)
    form = dict(values)
    if form["handling_code"].upper() == "P":
        # Conditions go with code C only. Without JavaScript the box stays visible whatever
        # code is chosen, so what it holds is ignored with P rather than refused.
        form["handling_conditions"] = ""
        values["handling_conditions"] = ""
    try:
        grading, chosen_theme = _parse_grade_form(form, catalogue(db), v.report.theme)
    except FormErrors as error:
        messages = {name: capitalised(text) for name, text in error.errors.items()}
        return v.page(errors=messages, values=values, status_code=400)
    return v.step(
        "grade",
        "source_evaluation",
        lambda: _grade_and_refresh(db, v, principal, grading, chosen_theme),
        done="graded",
        values=values,
    )


def _grade_and_refresh(
    db: Session, v: Visit, principal: Principal, grading: Grading, theme: str | None
) -> None:
    service.grade(
        db,
        report=v.report,
        principal=principal.access(),
        actor=principal.actor(),
        grading=grading,
        theme=theme,
    )
    refresh_triage(db, v.report)  # the grading is part of the priority


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
    v = Visit.open(request, db, principal, report_id, Action.DISSEMINATE)
    if confirm != "yes":
        return v.page(
            errors={"confirm": "Tick the box to confirm the report is sanitised and graded"},
            status_code=400,
        )
    return v.step(
        "disseminate",
        "confirm",
        lambda: service.disseminate(
            db, report=v.report, principal=principal.access(), actor=principal.actor()
        ),
        done="disseminated",
    )


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
    v = Visit.open(request, db, principal, report_id, Action.EDIT)
    reason = clean_text(reason)
    values = {"close_reason": reason}
    problem = reason_error(reason, missing="Enter the reason for closing the report")
    if problem:
        return v.page(errors={"close_reason": problem}, values=values, status_code=400)
    return v.step(
        "close",
        "close_reason",
        lambda: service.close(
            db,
            report=v.report,
            principal=principal.access(),
            actor=principal.actor(),
            reason=reason,
        ),
        done="closed",
        values=values,
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
    v = Visit.open(request, db, principal, report_id, Action.EDIT)
    question = clean_text(question)
    report = v.report
    conflict = report.state not in STEP_STATES["questions"] or report.contact_locator is None
    return v.step(
        "questions",
        "question",
        lambda: service.ask_reporter(
            db,
            report=report,
            principal=principal.access(),
            actor=principal.actor(),
            question=question,
        ),
        done="asked",
        anchor="#messages",
        values={"question": question},
        status_code=409 if question and conflict else 400,
    )


# ---------------------------------------------------------------------------------------------
# Photos


@router.get("/intake/{report_id}/photos/{photo_id}", name="intake_photo")
def intake_photo(
    report_id: str,
    photo_id: str,
    principal: Principal = READ,
    db: Session = Depends(get_session),
) -> Response:
    report, _ = load_report(db, principal, report_id, Action.VIEW)
    photo: IntelPhoto | None = next(
        (p for p in service.photos_for(db, report.id) if p.id == photo_id), None
    )
    # Unreleased photos are part of the original: the owning organisation's supervisors only.
    if photo is None or not (photo.released or allowed(principal, report, Action.VIEW_ORIGINAL)):
        raise HTTPException(status_code=404)
    try:
        data = PhotoStore(service.photo_directory()).read(photo.storage_name)
    except (OSError, ValueError):
        raise HTTPException(status_code=404) from None
    end_reads(db)
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
