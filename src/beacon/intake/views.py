"""Partner intelligence as JSON (mounted under ``/api``; tag ``intelligence``).

* ``POST /api/intel/reports`` (``intel.submit``; API token only, like every state change on the
  API): a structured report, the same fields as the web form at ``/intake/new``. The body is
  translated to ``schemas.parse_partner_submission``'s inputs, so the rules live in one place;
  every problem is answered at once as ``422 {"detail": [{"field": ..., "message": ...}]}``,
  and nothing is stored unless everything is valid. Answers ``201 {id, reference, state,
  immediate_risk_alerts}``; an immediate-risk alert is sent before the answer leaves.
* ``GET /api/intel/reports`` and ``GET /api/intel/reports/{report_id}`` (``intel.read_own``,
  which every role that reads intelligence has; ``intel.read`` widens what is listed): only
  what ``access.decide`` (through ``service.visible_decision``) allows, with only the field
  groups it allows. The list is audited once (with the ids it returned), each report view once.
* ``GET /api/intel/indicators`` and ``GET /api/intel/themes`` (``intel.submit``): the checklists
  of active themes with their current weights, and every theme (key, label, data.police.uk
  categories, active) from ``triage_theme``.

Bodies larger than ``MAX_BODY_BYTES`` are refused with 413 before they are parsed; malformed
JSON and wrong types are 422 in the same ``{"detail": [{"field", "message"}]}`` shape.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.models import Example
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.access.policy import Action, Decision, FieldGroup
from beacon.audit.models import AuditAction, AuditEvent
from beacon.audit.service import record_event
from beacon.auth.deps import Principal, require_permission
from beacon.auth.permissions import Permission
from beacon.config import Settings
from beacon.intake import service
from beacon.intake.models import (
    RECORD_TYPE,
    IntelIndicator,
    IntelReport,
    IntelReportIndicator,
    LocationMode,
    State,
    SubjectKind,
    SubjectRole,
)
from beacon.intake.schemas import (
    HANDLING_CODES,
    INTELLIGENCE_ASSESSMENTS,
    SOURCE_EVALUATIONS,
    FormErrors,
    PartnerReportIn,
    parse_partner_submission,
)
from beacon.notify.models import OutboxMessage
from beacon.notify.service import deliver_pending
from beacon.triage import service as triage
from beacon.triage.schemas import ThemeCatalogue
from beacon.web.deps import get_session

logger = logging.getLogger("beacon.intake")

MAX_BODY_BYTES = 1024 * 1024
IMMEDIATE_RISK_PURPOSE = "immediate_risk"
WHEN_MODES = ("date", "range", "ongoing", "unknown")


# ---------------------------------------------------------------------------------------------
# Errors: one shape for every 422 of these routes


def _field_path(loc: Iterable[Any]) -> str:
    """("body", "subjects", 0, "kind") -> "subjects[0].kind"."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] or parts[:1]
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "body"


def _pydantic_message(error: Mapping[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "")
        return f"the body is not valid JSON ({reason})" if reason else "the body is not valid JSON"
    kind = error.get("type")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field of this body"
    message = str(error.get("msg", "is not valid"))
    if message.startswith("Input should be"):
        return "must be" + message[len("Input should be") :]
    return message[:1].lower() + message[1:]


def _validation_response(exc: RequestValidationError) -> JSONResponse:
    detail: list[dict[str, str]] = []
    for error in exc.errors():
        loc = list(error.get("loc", ()))
        field = "body" if error.get("type") == "json_invalid" else _field_path(loc)
        item = {"field": field, "message": _pydantic_message(error)}
        if item not in detail:
            detail.append(item)
    # The submitted values are never echoed back (they may be sensitive).
    return JSONResponse({"detail": detail}, status_code=422)


_UNREADABLE = "There was an error parsing the body"


class IntelRoute(APIRoute):
    """Answers request-validation errors in Beacon's ``{"field", "message"}`` shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return _validation_response(exc)
            except HTTPException as exc:
                if exc.status_code != 400 or exc.detail != _UNREADABLE:
                    raise
                # FastAPI's answer to a body it could not decode (e.g. not UTF-8).
                return JSONResponse(
                    {"detail": [{"field": "body", "message": "the body is not UTF-8 JSON"}]},
                    status_code=400,
                )

        return route_handler


router = APIRouter(tags=["intelligence"], route_class=IntelRoute, max_body_size=MAX_BODY_BYTES)


def errors_response(errors: Iterable[tuple[str, str]]) -> JSONResponse:
    return JSONResponse(
        {"detail": [{"field": field, "message": message} for field, message in errors]},
        status_code=422,
    )


def unencodable_fields(value: Any, path: str = "") -> list[str]:
    """Paths of strings that cannot be stored as UTF-8 (lone surrogates from JSON escapes)."""
    found: list[str] = []
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            found.append(path or "body")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            found += unencodable_fields(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found += unencodable_fields(item, f"{path}[{index}]")
    return found


# ---------------------------------------------------------------------------------------------
# After the commit: send the alerts, and say what happened to them


# Sent while the submitter waits: the new alert, plus at most a few older messages left over
# from an outage (``beacon outbox send`` sends the rest), so a slow mail server cannot hold a
# request for long (each attempt times out after 10 s).
REQUEST_DELIVERY_LIMIT = 10


def deliver_now(session: Session, settings: Settings) -> None:
    """Send what is waiting in the outbox now (after the caller's commit). A failure here never
    undoes the report: the messages stay in the outbox for ``beacon outbox send``."""
    try:
        deliver_pending(session, settings, limit=REQUEST_DELIVERY_LIMIT)
    except Exception:
        logger.exception("outbox delivery failed; the messages stay in the outbox")
        session.rollback()


@dataclass(frozen=True)
class AlertStatus:
    recipients: int = 0
    sent: int = 0
    pending: int = 0


def alert_status(session: Session, report: IntelReport) -> AlertStatus:
    """What became of the immediate-risk alert about ``report``: how many supervisors it was
    queued for (from its audit event, the authoritative record) and how many of those e-mails
    have been handed to the mail server. Anything not known to be sent counts as pending, so
    a page never says an alert left when it did not."""
    event = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.event == "intel.immediate_risk_notified",
            AuditEvent.record_type == RECORD_TYPE,
            AuditEvent.record_id == report.id,
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    if event is None:
        return AlertStatus()
    recipients = len(json.loads(event.details_json).get("recipients") or [])
    sent = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.purpose == IMMEDIATE_RISK_PURPOSE,
            OutboxMessage.subject.endswith(report.reference, autoescape=True),
            OutboxMessage.status == "sent",
        )
    )
    sent = min(int(sent or 0), recipients)
    return AlertStatus(recipients=recipients, sent=sent, pending=recipients - sent)


# ---------------------------------------------------------------------------------------------
# Request bodies


def _enum(values: Iterable[str], description: str, example: str | None = None) -> Any:
    extra: dict[str, Any] = {"enum": list(values)}
    return Field(
        default=None,
        description=description,
        json_schema_extra=extra,
        examples=[example] if example else None,
    )


class LocationIn(BaseModel):
    """Where: coordinates (``point``), a postcode, a street or place in words, or withheld
    (optionally with the area it is in, as ``text``)."""

    model_config = ConfigDict(extra="forbid")

    mode: str | None = _enum(
        (m.value for m in LocationMode), "How the place is given (default: withheld).", "postcode"
    )
    latitude: float | None = Field(default=None, description="WGS84, for mode point.")
    longitude: float | None = Field(default=None, description="WGS84, for mode point.")
    postcode: str | None = Field(
        default=None, description="A UK postcode, for mode postcode.", examples=["BN2 5EG"]
    )
    text: str | None = Field(
        default=None,
        description="The street or place (required for mode street), or the area a withheld "
        "place is in. At most 300 characters.",
    )


class WhenIn(BaseModel):
    """When: one day, a range of days, ongoing, or unknown."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    mode: str | None = _enum(WHEN_MODES, "date (default), range, ongoing or unknown.", "date")
    from_: str | None = Field(
        default=None,
        alias="from",
        description="The day (or first day), YYYY-MM-DD; required for date and range.",
        json_schema_extra={"format": "date"},
    )
    to: str | None = Field(
        default=None,
        description="The last day of a range, YYYY-MM-DD.",
        json_schema_extra={"format": "date"},
    )
    time: str | None = Field(
        default=None, description="The time in words, e.g. 'around 10pm'. At most 60 characters."
    )


class GradingIn(BaseModel):
    """3x5x2 grading (College of Policing). All three codes are required."""

    model_config = ConfigDict(extra="forbid")

    source_evaluation: str | None = _enum(
        SOURCE_EVALUATIONS, "1 reliable, 2 untested, 3 not reliable.", "2"
    )
    intelligence_assessment: str | None = _enum(
        INTELLIGENCE_ASSESSMENTS,
        "A known directly, B known indirectly but corroborated, C known indirectly, "
        "D not known, E suspected to be false.",
        "B",
    )
    handling_code: str | None = _enum(
        HANDLING_CODES, "P may be shared; C conditions apply (then say which).", "C"
    )
    handling_conditions: str | None = Field(
        default=None, description="Required with handling code C, refused with P."
    )


class SubjectIn(BaseModel):
    """A person, address, vehicle, phone, organisation or online account in the report, with
    their role (DPA 2018 s.38: suspects, victims and witnesses are kept distinct)."""

    model_config = ConfigDict(extra="forbid")

    kind: str | None = _enum((k.value for k in SubjectKind), "What the subject is.", "person")
    role: str | None = _enum((r.value for r in SubjectRole), "Default: other.", "suspect")
    value: str | None = Field(
        default=None, description="Name, address, registration, number... (at most 300)."
    )
    details: str | None = Field(default=None, description="Description, age, platform...")


class PartnerReportBody(BaseModel):
    """A partner's structured intelligence report (the web form at /intake/new, as JSON)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"required": ["summary", "narrative", "source_type", "grading"]},
    )

    summary: str | None = Field(default=None, description="A short summary (at most 200).")
    narrative: str | None = Field(
        default=None,
        description="Facts only: what was seen, heard or found (10 to 10,000 characters).",
    )
    assessment: str | None = Field(
        default=None,
        description="The professional's opinion of it, kept apart from the facts (DPA 2018 s.38).",
    )
    source_type: str | None = Field(
        default=None,
        description="The kind of source, e.g. 'Housing officer visit' (at most 60).",
    )
    source_details: str | None = Field(
        default=None,
        description="How the information was obtained (seen only by the receiving "
        "organisation's supervisors).",
    )
    location: LocationIn = Field(default_factory=LocationIn)
    when: WhenIn = Field(default_factory=WhenIn)
    # Not an enum in the schema: admins change the themes while the server runs.
    theme: str | None = Field(
        default=None,
        description="The key of an active theme from GET /api/intel/themes.",
        examples=["cuckooing"],
    )
    grading: GradingIn = Field(default_factory=GradingIn)
    immediate_risk: bool = Field(
        default=False,
        description="Someone is at immediate risk: the on-duty intelligence supervisor is "
        "e-mailed at once (the e-mail carries the reference only).",
    )
    subjects: list[SubjectIn] = Field(default_factory=list, description="At most 50.")
    indicator_ids: list[int] = Field(
        default_factory=list, description="Ids from GET /api/intel/indicators."
    )


# Field names of parse_partner_submission's errors -> the names in this body.
_API_FIELDS = {
    "location_mode": "location.mode",
    "latitude": "location.latitude",
    "longitude": "location.longitude",
    "postcode": "location.postcode",
    "location_text": "location.text",
    "when_mode": "when.mode",
    "occurred_from": "when.from",
    "occurred_to": "when.to",
    "occurred_time": "when.time",
    "source_evaluation": "grading.source_evaluation",
    "intelligence_assessment": "grading.intelligence_assessment",
    "handling_code": "grading.handling_code",
    "handling_conditions": "grading.handling_conditions",
    "indicators": "indicator_ids",
}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def parse_body(body: PartnerReportBody, *, today: Any, themes: ThemeCatalogue) -> PartnerReportIn:
    """The body as ``parse_partner_submission`` inputs (FormErrors uses the API's names)."""
    location, when, grading = body.location, body.when, body.grading
    data = {
        "summary": _text(body.summary),
        "narrative": _text(body.narrative),
        "assessment": _text(body.assessment),
        "source_type": _text(body.source_type),
        "source_details": _text(body.source_details),
        "location_mode": _text(location.mode),
        "latitude": _text(location.latitude),
        "longitude": _text(location.longitude),
        "postcode": _text(location.postcode),
        "location_text": _text(location.text),
        "when_mode": _text(when.mode),
        "occurred_from": _text(when.from_),
        "occurred_to": _text(when.to),
        "occurred_time": _text(when.time),
        "theme": _text(body.theme),
        "source_evaluation": _text(grading.source_evaluation),
        "intelligence_assessment": _text(grading.intelligence_assessment),
        "handling_code": _text(grading.handling_code),
        "handling_conditions": _text(grading.handling_conditions),
        "immediate_risk": "true" if body.immediate_risk else "",
    }
    try:
        return parse_partner_submission(
            data,
            subjects=[subject.model_dump() for subject in body.subjects],
            indicator_ids=body.indicator_ids,
            today=today,
            themes=themes,
        )
    except FormErrors as exc:
        raise FormErrors({_API_FIELDS.get(k, k): v for k, v in exc.errors.items()}) from None


# ---------------------------------------------------------------------------------------------
# Responses


class FieldErrorOut(BaseModel):
    field: str = Field(description="The body field, e.g. grading.handling_code, subjects[2].role")
    message: str


class ErrorsOut(BaseModel):
    detail: list[FieldErrorOut]


class AlertsOut(BaseModel):
    recipients: int = Field(description="Supervisors the immediate-risk alert was queued for.")
    sent: int = Field(description="Of those, e-mails already handed to the mail server.")
    pending: int = Field(description="Waiting in the outbox (mail server down or not set up).")


class SubmittedOut(BaseModel):
    id: str
    reference: str
    state: str
    immediate_risk_alerts: AlertsOut


class GradingOut(BaseModel):
    source_evaluation: str | None
    intelligence_assessment: str | None
    handling_code: str
    handling_conditions: str | None


class LocationOut(BaseModel):
    mode: str
    text: str | None = Field(description="Sanitised; null until a supervisor has sanitised it.")
    postcode: str | None
    latitude: float | None
    longitude: float | None
    lsoa_code: str | None
    ward_code: str | None
    district_code: str | None
    force_code: str | None


class WhenOut(BaseModel):
    from_: str | None = Field(serialization_alias="from")
    to: str | None
    time: str | None
    ongoing: bool


class SubjectOut(BaseModel):
    kind: str
    role: str
    value: str
    details: str | None


class IndicatorTickedOut(BaseModel):
    id: int
    theme: str
    code: str
    label: str
    weight: int = Field(description="The weight when the report was submitted.")


class SourceOut(BaseModel):
    organisation_id: int | None
    type: str | None
    details: str | None


class ReportListItemOut(BaseModel):
    id: str
    reference: str
    channel: str
    state: str
    received_on: str
    immediate_risk: bool
    theme: str | None
    fields: list[str] = Field(description="The field groups this caller may see.")
    summary: str | None = Field(description="Null unless the summary group is allowed.")
    grading: GradingOut | None = Field(description="Null unless the handling group is allowed.")


class ReportListOut(BaseModel):
    reports: list[ReportListItemOut]


class ReportOut(ReportListItemOut):
    state_changed_on: str
    narrative: str | None = Field(
        description="Sanitised facts (null until sanitised, or when not allowed)."
    )
    assessment: str | None = Field(description="Sanitised opinion, kept apart from the facts.")
    location: LocationOut | None
    when: WhenOut | None
    indicators: list[IndicatorTickedOut] | None
    indicator_scores: dict[str, int] | None = Field(
        description="Sum of the ticked indicators' weights per theme."
    )
    subjects: list[SubjectOut] | None
    source: SourceOut | None = Field(
        description="Only for the receiving organisation's supervisors (never API tokens)."
    )


class IndicatorOut(BaseModel):
    id: int
    code: str
    label: str
    weight: int


class ThemeIndicatorsOut(BaseModel):
    theme: str
    label: str
    indicators: list[IndicatorOut]


class IndicatorsOut(BaseModel):
    themes: list[ThemeIndicatorsOut]


class ThemeOut(BaseModel):
    key: str
    label: str
    police_categories: list[str] = Field(
        description="data.police.uk crime categories (API slugs, e.g. anti-social-behaviour) "
        "whose counts are the nearest published measure of the theme; may be empty."
    )
    active: bool = Field(
        description="Offered for new reports. A retired theme (false) is kept so that older "
        "reports that have it are still labelled."
    )


class ThemesOut(BaseModel):
    themes: list[ThemeOut]


def _grading(report: IntelReport) -> GradingOut:
    return GradingOut(
        source_evaluation=report.source_evaluation,
        intelligence_assessment=report.intelligence_assessment,
        handling_code=report.handling_code,
        handling_conditions=report.handling_conditions,
    )


def _list_item(report: IntelReport, decision: Decision) -> dict[str, Any]:
    fields = decision.fields
    return {
        "id": report.id,
        "reference": report.reference,
        "channel": report.channel,
        "state": report.state,
        "received_on": report.received_on.isoformat(),
        "immediate_risk": report.immediate_risk,
        "theme": report.theme,
        "fields": sorted(f.value for f in fields),
        "summary": report.summary if FieldGroup.SUMMARY in fields else None,
        "grading": _grading(report) if FieldGroup.HANDLING in fields else None,
    }


def ticked_indicators(session: Session, report_id: str) -> list[tuple[IntelIndicator, int]]:
    """The indicators ticked on a report with the weights they had, in checklist order (this
    API and the staff report page list them)."""
    rows = session.execute(
        select(IntelIndicator, IntelReportIndicator.weight)
        .join(IntelReportIndicator, IntelReportIndicator.indicator_id == IntelIndicator.id)
        .where(IntelReportIndicator.report_id == report_id)
        .order_by(IntelIndicator.theme, IntelIndicator.position, IntelIndicator.id)
    ).all()
    return [(indicator, weight) for indicator, weight in rows]


def _ticked(session: Session, report_id: str) -> list[IndicatorTickedOut]:
    return [
        IndicatorTickedOut(
            id=indicator.id,
            theme=indicator.theme,
            code=indicator.code,
            label=indicator.label,
            weight=weight,
        )
        for indicator, weight in ticked_indicators(session, report_id)
    ]


def _report(session: Session, report: IntelReport, decision: Decision) -> ReportOut:
    """Built from the allowed field groups only: what is not allowed is null."""
    fields = decision.fields
    content = FieldGroup.NARRATIVE in fields
    item = _list_item(report, decision)
    return ReportOut(
        **item,
        state_changed_on=report.state_changed_on.isoformat(),
        narrative=report.narrative if content else None,
        assessment=report.assessment if content else None,
        location=LocationOut(
            mode=report.location_mode,
            text=report.location_text,
            postcode=report.postcode,
            latitude=report.latitude,
            longitude=report.longitude,
            lsoa_code=report.lsoa_code,
            ward_code=report.ward_code,
            district_code=report.district_code,
            force_code=report.force_code,
        )
        if content
        else None,
        when=WhenOut(
            from_=report.occurred_from.isoformat() if report.occurred_from else None,
            to=report.occurred_to.isoformat() if report.occurred_to else None,
            time=report.occurred_time,
            ongoing=report.occurred_ongoing,
        )
        if content
        else None,
        indicators=_ticked(session, report.id) if content else None,
        indicator_scores=service.indicator_scores(session, report.id) if content else None,
        subjects=[
            SubjectOut(kind=s.kind, role=s.role, value=s.value, details=s.details)
            for s in service.subjects_for(session, report.id)
        ]
        if FieldGroup.SUBJECTS in fields
        else None,
        source=SourceOut(
            organisation_id=report.source_organisation_id,
            type=report.source_type,
            details=report.source_details,
        )
        if FieldGroup.SOURCE_DETAILS in fields
        else None,
    )


# ---------------------------------------------------------------------------------------------
# Routes

_EXAMPLES: dict[str, Example] = {
    "cuckooing": {
        "summary": "A housing officer's report of possible cuckooing",
        "value": {
            "summary": "Possible cuckooing at a council flat",
            "narrative": "Three young men arrive by taxi most nights and stay about ten "
            "minutes. The tenant no longer answers the door to the housing team.",
            "assessment": "I believe the tenant is being exploited by a county line.",
            "source_type": "Housing officer visit",
            "source_details": "Seen by me during a tenancy visit; a neighbour said the same.",
            "location": {"mode": "street", "text": "Elm Court, Whitehawk"},
            "when": {"mode": "ongoing", "time": "most nights, around 11pm"},
            "theme": "cuckooing",
            "grading": {
                "source_evaluation": "2",
                "intelligence_assessment": "B",
                "handling_code": "C",
                "handling_conditions": "Police and housing only",
            },
            "immediate_risk": False,
            "subjects": [
                {"kind": "person", "role": "victim", "value": "The tenant of flat 3"},
                {
                    "kind": "person",
                    "role": "suspect",
                    "value": "Male, early 20s",
                    "details": "Red jacket; called 'Jay'",
                },
                {"kind": "vehicle", "role": "suspect", "value": "AB12 CDE"},
            ],
            "indicator_ids": [],
        },
    }
}
SUBMIT = Depends(require_permission(Permission.INTEL_SUBMIT))
READ = Depends(require_permission(Permission.INTEL_READ_OWN))
_AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid API token (or signed-in session, for GET)."},
    403: {"description": "The token or user lacks the permission."},
}
_422 = {"model": ErrorsOut, "description": "Every invalid field, with a message."}


@router.post(
    "/intel/reports",
    status_code=201,
    response_model=SubmittedOut,
    summary="Submit partner intelligence",
    responses={
        **_AUTH_RESPONSES,
        413: {"description": f"The body is larger than {MAX_BODY_BYTES:,} bytes."},
        422: _422,
        503: {"description": "No organisation receives intelligence yet."},
    },
)
def submit_report(
    body: Annotated[PartnerReportBody, Body(openapi_examples=_EXAMPLES)],
    request: Request,
    response: Response,
    principal: Principal = SUBMIT,
    session: Session = Depends(get_session),
) -> Any:
    """Store a structured report (API tokens only: a signed-in browser uses /intake/new).
    Nothing is stored unless every field is valid."""
    settings: Settings = request.app.state.settings
    bad = unencodable_fields(body.model_dump(by_alias=True))
    if bad:
        return errors_response((field, "contains characters that are not text") for field in bad)
    try:
        data = parse_body(body, today=service.today(), themes=triage.catalogue(session))
    except FormErrors as exc:
        return errors_response(exc.errors.items())
    try:
        submitted = service.create_partner_report(
            session,
            principal=principal.access(),
            actor=principal.actor(),
            data=data,
            settings=settings,
        )
    except service.NotReady as exc:
        session.rollback()
        raise HTTPException(status_code=503, detail=str(exc)) from None
    except service.IntakeError as exc:
        session.rollback()
        field = "indicator_ids" if "indicator" in str(exc) else "body"
        return errors_response([(field, str(exc))])
    session.commit()
    if data.immediate_risk:
        deliver_now(session, settings)
    report = session.get(IntelReport, submitted.report_id)
    alerts = alert_status(session, report) if report is not None else AlertStatus()
    response.headers["Location"] = f"/api/intel/reports/{submitted.report_id}"
    return SubmittedOut(
        id=submitted.report_id,
        reference=submitted.reference,
        state=State.RECEIVED.value,
        immediate_risk_alerts=AlertsOut(
            recipients=alerts.recipients, sent=alerts.sent, pending=alerts.pending
        ),
    )


@router.get(
    "/intel/reports",
    response_model=ReportListOut,
    summary="Intelligence reports you may see",
    responses={**_AUTH_RESPONSES, 422: _422},
)
def list_reports(
    state: State | None = Query(default=None, description="Only reports in this state."),
    limit: int = Query(default=50, ge=1, le=200, description="At most this many (1-200)."),
    principal: Principal = READ,
    session: Session = Depends(get_session),
) -> ReportListOut:
    """Newest first, immediate risks on top. Fields per the access decision; the request is
    audited once, with the ids returned."""
    access = principal.access()
    reports = service.list_reports(
        session, principal=access, states=[state] if state else None, limit=limit
    )
    items = []
    for report in reports:
        decision = service.visible_decision(access, report, Action.VIEW)
        if decision.allowed:
            items.append(ReportListItemOut(**_list_item(report, decision)))
    record_event(
        session,
        action=AuditAction.CONSULTATION,
        event="intel.reports_listed",
        actor=principal.actor(),
        record_type=RECORD_TYPE,
        details={
            "via": "api",
            "state": state.value if state else None,
            "ids": [item.id for item in items],
        },
    )
    session.commit()
    return ReportListOut(reports=items)


@router.get(
    "/intel/reports/{report_id}",
    response_model=ReportOut,
    summary="One intelligence report",
    responses={
        **_AUTH_RESPONSES,
        404: {"description": "No such report, or not one you may see (the same answer)."},
        422: _422,
    },
)
def get_report(
    report_id: str,
    principal: Principal = READ,
    session: Session = Depends(get_session),
) -> Any:
    """By id or reference. Only the allowed field groups are filled; each view is audited."""
    if not 1 <= len(report_id) <= 40 or unencodable_fields(report_id):
        raise HTTPException(status_code=404, detail="No such report.")
    try:
        report, decision = service.get_report(
            session, report_id=report_id, principal=principal.access(), action=Action.VIEW
        )
    except service.NotFound:
        raise HTTPException(status_code=404, detail="No such report.") from None
    out = _report(session, report, decision)
    service.audit_view(session, report=report, actor=principal.actor(), fields=decision.fields)
    session.commit()
    return out


@router.get(
    "/intel/indicators",
    response_model=IndicatorsOut,
    summary="Indicator checklists by theme",
    responses=_AUTH_RESPONSES,
)
def list_indicators(
    principal: Principal = SUBMIT, session: Session = Depends(get_session)
) -> IndicatorsOut:
    """Active indicators of every theme that has a checklist, with their current weights."""
    by_theme: dict[str, list[IndicatorOut]] = {}
    for indicator in service.list_indicators(session):
        by_theme.setdefault(indicator.theme, []).append(
            IndicatorOut(
                id=indicator.id, code=indicator.code, label=indicator.label, weight=indicator.weight
            )
        )
    themes = triage.catalogue(session)
    return IndicatorsOut(
        themes=[
            ThemeIndicatorsOut(theme=key, label=themes.label(key), indicators=by_theme[key])
            for key in themes.ordered(by_theme)
            if themes.is_active(key)
        ]
    )


@router.get(
    "/intel/themes",
    response_model=ThemesOut,
    summary="Themes",
    responses=_AUTH_RESPONSES,
)
def list_themes(
    principal: Principal = SUBMIT, session: Session = Depends(get_session)
) -> ThemesOut:
    """Every theme in display order, retired ones included (``active`` false): a submission's
    ``theme`` must be an active one; older reports may carry a retired one."""
    return ThemesOut(
        themes=[
            ThemeOut(
                key=theme.key,
                label=theme.label,
                police_categories=list(theme.police_categories),
                active=theme.active,
            )
            for theme in triage.list_themes(session, include_retired=True)
        ]
    )
