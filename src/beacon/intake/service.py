"""Intake: creating reports, the sanitise -> grade -> disseminate workflow, keep-in-contact.

Every function takes the caller's session, flushes and never commits; each state change writes
its audit event in the same transaction. Who may do what is decided by ``beacon.access.decide``
(called here, so the web pages, the API and the command line cannot forget it) plus one intake
rule: until a report is disseminated only the owning organisation's supervisors (those who may
sanitise) and the partner who submitted it see it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from beacon.access.policy import Action, Decision, FieldGroup, decide
from beacon.access.policy import Principal as AccessPrincipal
from beacon.audit.models import AuditAction
from beacon.audit.service import AuditActor, record_event
from beacon.auth.models import Organisation, User, UserRole
from beacon.auth.permissions import Permission, Role
from beacon.config import Settings
from beacon.geography._common import GeographyError
from beacon.geography.locate import locate, lookup_postcode
from beacon.intake import codes
from beacon.intake.models import (
    RAW_RECORD_TYPE,
    RECORD_TYPE,
    Channel,
    IntelIndicator,
    IntelMessage,
    IntelPhoto,
    IntelRawSubmission,
    IntelReport,
    IntelReportIndicator,
    IntelSubject,
    LocationMode,
    State,
    SupervisorDuty,
    new_id,
)
from beacon.intake.schemas import (
    Grading,
    PartnerReportIn,
    ResidentReportIn,
    Where,
)
from beacon.notify.service import enqueue_email
from beacon.retention.service import schedule_first_review, schedule_review
from beacon.sanitise.photos import CleanPhoto, PhotoStore, StoredPhoto
from beacon.triage.service import catalogue

if TYPE_CHECKING:
    from beacon.sanitise.detect import Finding

PORTAL_ACTOR = AuditActor.system("resident portal")
# What a supervisor may do next from each state.
NEXT_STATES: dict[State, tuple[State, ...]] = {
    State.RECEIVED: (State.SANITISED, State.CLOSED),
    State.SANITISED: (State.GRADED, State.SANITISED, State.CLOSED),
    State.GRADED: (State.DISSEMINATED, State.GRADED, State.SANITISED, State.CLOSED),
    State.DISSEMINATED: (State.CLOSED,),
    State.CLOSED: (),
}


class IntakeError(ValueError):
    """A request intake cannot carry out; the message says why."""


class NotFound(LookupError):
    """No such report, or not one this principal may know about (same answer for both)."""


class NotReady(RuntimeError):
    """Intake cannot take reports yet (no receiving organisation configured)."""


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def coarse_now() -> dt.datetime:
    """The start of today (UTC): the only time recorded for anything a resident does."""
    day = today()
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


# ---------------------------------------------------------------------------------------------
# Receiving organisation, geography


def intake_organisation(session: Session, settings: Settings) -> Organisation:
    """The intelligence hub that owns incoming reports (residents' and partners')."""
    if settings.intake_organisation:
        organisation = session.scalar(
            select(Organisation).where(Organisation.name == settings.intake_organisation)
        )
        if organisation is None or not organisation.active:
            raise NotReady(
                f"BEACON_INTAKE_ORGANISATION names {settings.intake_organisation!r}, "
                "which is not an active organisation"
            )
        return organisation
    organisation = session.scalar(
        select(Organisation)
        .join(User, User.organisation_id == Organisation.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            Organisation.active.is_(True),
            User.active.is_(True),
            UserRole.role == Role.INTELLIGENCE_SUPERVISOR.value,
        )
        .order_by(Organisation.id)
        .limit(1)
    )
    if organisation is None:
        raise NotReady(
            "no organisation receives intelligence: create an intelligence supervisor "
            "or set BEACON_INTAKE_ORGANISATION"
        )
    return organisation


def resolve_place(session: Session, where: Where) -> dict[str, Any]:
    """The place's columns and its area codes (computed once, at intake). Read-only, so the
    portal runs it before handing the write to the single writer."""
    place: dict[str, Any] = {
        "location_mode": where.mode.value,
        "latitude": where.latitude,
        "longitude": where.longitude,
        "postcode": where.postcode,
        "lsoa_code": None,
        "ward_code": None,
        "district_code": None,
        "force_code": None,
    }
    result = None
    try:
        if where.mode is LocationMode.POINT and where.latitude is not None:
            assert where.longitude is not None
            result = locate(session, where.latitude, where.longitude)
        elif where.mode is LocationMode.POSTCODE and where.postcode:
            found = lookup_postcode(session, where.postcode)
            result = found  # type: ignore[assignment]
    except GeographyError:
        # Not loaded, or outside every loaded area / not in the directory: the place is kept
        # as given (a report is never refused for it); the codes stay empty.
        return place
    if result is None:
        return place
    ward = result.ward or getattr(result, "boundary_ward", None)
    place["lsoa_code"] = result.lsoa.code if result.lsoa else None
    place["ward_code"] = ward.code if ward else None
    place["district_code"] = result.district.code if result.district else None
    place["force_code"] = result.force.code if result.force else None
    return place


def _place(session: Session, report: IntelReport, where: Where) -> None:
    for name, value in resolve_place(session, where).items():
        setattr(report, name, value)


def _unique_reference(session: Session) -> str:
    while True:
        reference = codes.new_staff_reference()
        if session.scalar(select(IntelReport.id).where(IntelReport.reference == reference)) is None:
            return reference


# ---------------------------------------------------------------------------------------------
# Creating reports


@dataclass(frozen=True)
class Submitted:
    report_id: str
    reference: str
    resident_code: str | None  # shown once to the resident; only its hash is stored


_REPORT_TABLE: Table = IntelReport.__table__  # type: ignore[assignment]
_RAW_TABLE: Table = IntelRawSubmission.__table__  # type: ignore[assignment]
_PHOTO_TABLE: Table = IntelPhoto.__table__  # type: ignore[assignment]
# Built once: constructing statements per call cost more than executing them (see
# benchmarks/bench_intake.py and docs/PERFORMANCE.md).
_INSERT_REPORT = insert(_REPORT_TABLE)
_INSERT_RAW = insert(_RAW_TABLE)
_INSERT_PHOTO = insert(_PHOTO_TABLE)


def create_resident_report(
    session: Session,
    *,
    data: ResidentReportIn,
    organisation_id: int,
    photos: Sequence[CleanPhoto] = (),
    store: PhotoStore | None = None,
    saved_names: list[str] | None = None,
    code: codes.PreparedCode | None = None,
    place: dict[str, Any] | None = None,
    stored_photos: Sequence[StoredPhoto] = (),
) -> Submitted:
    """Store a resident's report (raw and working records) and its photos; return the code.

    This runs in the portal's single database writer, so everything slow happens before it:
    the code's Argon2 hash (``code``, from ``codes.prepare_resident_code``), the place's area
    codes (``place``, from ``resolve_place``), photo re-encoding and the receiving
    organisation. It writes with pre-built Core statements for the same reason. The portal
    stores photo files itself beforehand (``stored_photos``) and deletes them if this does not
    commit; with ``photos`` and ``store`` instead, files are written (and fsynced) here before
    the rows that name them, and ``saved_names`` collects them for the same clean-up."""
    day = today()
    code = code or codes.prepare_resident_code()
    if place is None:
        place = resolve_place(session, data.where)
    report_id = new_id()
    # Random 40 bits: a clash is left to the unique index (the resident is asked to send
    # again) rather than paying a lookup on every submission.
    reference = codes.new_staff_reference()
    connection = session.connection()
    connection.execute(
        _INSERT_REPORT,
        {
            "id": report_id,
            "reference": reference,
            "channel": Channel.RESIDENT.value,
            "state": State.RECEIVED.value,
            "owning_organisation_id": organisation_id,
            "submitted_by_user_id": None,
            "received_on": day,
            "state_changed_on": day,
            "occurred_from": data.when.occurred_from,
            "occurred_to": data.when.occurred_to,
            "occurred_time": data.when.time_text,
            "occurred_ongoing": data.when.ongoing,
            "theme_hints": " ".join(data.hints),
            "handling_code": "C",
            "handling_conditions": "Unsanitised resident report: not for dissemination",
            "immediate_risk": False,
            "restricted": True,
            "erased": False,
            "contact_locator": code.locator,
            "contact_secret_hash": code.secret_hash,
            **place,
        },
    )
    contact = data.contact
    connection.execute(
        _INSERT_RAW,
        {
            "id": new_id(),
            "report_id": report_id,
            "narrative": data.narrative,
            "assessment": None,
            "location_text": data.where.text,
            "contact_name": contact.name if contact else None,
            "contact_email": contact.email if contact else None,
            "contact_phone": contact.phone if contact else None,
            "contact_preference": contact.preference if contact else None,
            "proposed_json": "",  # computed when a supervisor first opens it
        },
    )
    stored = list(stored_photos)
    if photos:
        if store is None:
            raise IntakeError("photos need a photo store")
        for photo in photos:
            kept = store.store(photo)
            if saved_names is not None:
                saved_names.append(kept.name)
            stored.append(kept)
    for kept in stored:
        connection.execute(
            _INSERT_PHOTO,
            {
                "id": new_id(),
                "report_id": report_id,
                "storage_name": kept.name,
                "content_type": kept.content_type,
                "width": kept.width,
                "height": kept.height,
                "size_bytes": kept.size_bytes,
                "released": False,
            },
        )
    record_event(
        session,
        action=AuditAction.COLLECTION,
        event="intel.resident_report_received",
        actor=PORTAL_ACTOR,
        record_type=RECORD_TYPE,
        record_id=report_id,
        details={
            "reference": reference,
            "with_contact_details": contact is not None,
            "photos": len(stored),
        },
        occurred_at=coarse_now(),
    )
    schedule_first_review(session, record_type=RECORD_TYPE, record_id=report_id, created_on=day)
    return Submitted(report_id=report_id, reference=reference, resident_code=code.shown)


def create_partner_report(
    session: Session,
    *,
    principal: AccessPrincipal,
    actor: AuditActor,
    data: PartnerReportIn,
    settings: Settings,
) -> Submitted:
    """Store a professional's structured report; notify the on-duty supervisor at once when
    it is flagged as an immediate risk (the e-mail is queued in this transaction).

    The report belongs to the intelligence hub (``intake_organisation``), whose supervisors
    sanitise and grade it; the partner's organisation is recorded as the source and the
    partner keeps sight of what they submitted."""
    if Permission.INTEL_SUBMIT not in principal.permissions:
        raise IntakeError("this account may not submit intelligence")
    refusal = catalogue(session).refusal(data.theme) if data.theme is not None else None
    if refusal:
        raise IntakeError(f"theme {data.theme!r}: {refusal}")
    owner = intake_organisation(session, settings)
    day = today()
    indicators = _active_indicators(session, data.indicator_ids)
    report = IntelReport(
        reference=_unique_reference(session),
        channel=Channel.PARTNER.value,
        state=State.RECEIVED.value,
        owning_organisation_id=owner.id,
        submitted_by_user_id=principal.user_id,
        source_organisation_id=data.source_organisation_id or principal.organisation_id,
        source_type=data.source_type,
        source_details=data.source_details,
        received_on=day,
        state_changed_on=day,
        occurred_from=data.when.occurred_from,
        occurred_to=data.when.occurred_to,
        occurred_time=data.when.time_text,
        occurred_ongoing=data.when.ongoing,
        theme=data.theme,
        summary=data.summary,
        source_evaluation=data.grading.source_evaluation,
        intelligence_assessment=data.grading.intelligence_assessment,
        handling_code=data.grading.handling_code,
        handling_conditions=data.grading.handling_conditions,
        immediate_risk=data.immediate_risk,
        restricted=True,
    )
    _place(session, report, data.where)
    session.add(report)
    session.flush()
    session.add(
        IntelRawSubmission(
            report_id=report.id,
            narrative=data.narrative,
            assessment=data.assessment,
            location_text=data.where.text,
            proposed_json="",
        )
    )
    for subject in data.subjects:
        session.add(
            IntelSubject(
                report_id=report.id,
                kind=subject.kind.value,
                role=subject.role.value,
                value=subject.value,
                details=subject.details,
            )
        )
    for indicator in indicators:
        session.add(
            IntelReportIndicator(
                report_id=report.id, indicator_id=indicator.id, weight=indicator.weight
            )
        )
    record_event(
        session,
        action=AuditAction.COLLECTION,
        event="intel.partner_report_received",
        actor=actor,
        record_type=RECORD_TYPE,
        record_id=report.id,
        details={
            "reference": report.reference,
            "theme": data.theme,
            "grading": _grade_text(data.grading),
            "subjects": len(data.subjects),
            "indicators": [i.id for i in indicators],
            "immediate_risk": data.immediate_risk,
        },
    )
    schedule_review(
        session,
        record_type=RECORD_TYPE,
        record_id=report.id,
        theme=data.theme,
        grade=data.grading.intelligence_assessment,
        created_on=day,
    )
    if data.immediate_risk:
        notify_immediate_risk(session, report=report, settings=settings)
    session.flush()
    return Submitted(report_id=report.id, reference=report.reference, resident_code=None)


def _grade_text(grading: Grading) -> str:
    return f"{grading.source_evaluation}{grading.intelligence_assessment}{grading.handling_code}"


# ---------------------------------------------------------------------------------------------
# Indicators (checklists per theme, weights editable by admins)


def _active_indicators(session: Session, ids: Iterable[int]) -> list[IntelIndicator]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = session.scalars(
        select(IntelIndicator).where(IntelIndicator.id.in_(wanted), IntelIndicator.active.is_(True))
    ).all()
    missing = sorted(set(wanted) - {i.id for i in found})
    if missing:
        raise IntakeError(f"unknown or retired indicators: {', '.join(map(str, missing))}")
    return list(found)


def list_indicators(session: Session, *, include_retired: bool = False) -> list[IntelIndicator]:
    query = select(IntelIndicator).order_by(
        IntelIndicator.theme, IntelIndicator.position, IntelIndicator.id
    )
    if not include_retired:
        query = query.where(IntelIndicator.active.is_(True))
    return list(session.scalars(query).all())


def indicator_scores(session: Session, report_id: str) -> dict[str, int]:
    """Sum of the weights of the ticked indicators, per theme (weights as at submission)."""
    rows = session.execute(
        select(IntelIndicator.theme, func.sum(IntelReportIndicator.weight))
        .join(IntelIndicator, IntelIndicator.id == IntelReportIndicator.indicator_id)
        .where(IntelReportIndicator.report_id == report_id)
        .group_by(IntelIndicator.theme)
    ).all()
    return {theme: int(total) for theme, total in rows}


def save_indicator(
    session: Session,
    *,
    actor: AuditActor,
    theme: str,
    code: str,
    label: str,
    weight: int,
    position: int | None = None,
    active: bool = True,
) -> IntelIndicator:
    """Create or change one indicator (admins). Weights 0-10; reports keep the weight they
    were submitted with."""
    theme, code, label = theme.strip(), code.strip().lower(), " ".join(label.split())
    themes = catalogue(session)
    if theme not in themes.labels:
        raise IntakeError(f"unknown theme {theme!r}")
    if not code or len(code) > 60 or not code.replace("_", "").isalnum():
        raise IntakeError("code must be 1-60 letters, digits or underscores")
    if not label or len(label) > 300:
        raise IntakeError("label must be 1-300 characters")
    if not 0 <= weight <= 10:
        raise IntakeError("weight must be between 0 and 10")
    indicator = session.scalar(
        select(IntelIndicator).where(IntelIndicator.theme == theme, IntelIndicator.code == code)
    )
    before: dict[str, Any] | None = None
    if indicator is None:
        if not themes.is_active(theme):
            raise IntakeError(f"theme {theme!r} is retired: restore it before adding indicators")
        if position is None:
            position = (
                session.scalar(
                    select(func.max(IntelIndicator.position)).where(IntelIndicator.theme == theme)
                )
                or 0
            ) + 10
        indicator = IntelIndicator(theme=theme, code=code)
        session.add(indicator)
    else:
        before = {"label": indicator.label, "weight": indicator.weight, "active": indicator.active}
    indicator.label, indicator.weight, indicator.active = label, weight, active
    if position is not None:
        indicator.position = position
    session.flush()
    record_event(
        session,
        action=AuditAction.ALTERATION,
        event="intel.indicator_saved",
        actor=actor,
        record_type="intel_indicator",
        record_id=indicator.id,
        details={
            "theme": theme,
            "code": code,
            "before": before,
            "after": {"label": label, "weight": weight, "active": active},
        },
    )
    return indicator


# ---------------------------------------------------------------------------------------------
# Duty and immediate-risk notifications


def set_on_duty(
    session: Session, *, user_id: int, organisation_id: int, on_duty: bool, actor: AuditActor
) -> None:
    current = session.get(SupervisorDuty, user_id)
    if on_duty and current is None:
        session.add(SupervisorDuty(user_id=user_id, organisation_id=organisation_id))
    elif not on_duty and current is not None:
        session.delete(current)
    else:
        return
    session.flush()
    record_event(
        session,
        action=AuditAction.SECURITY,
        event="intel.duty_started" if on_duty else "intel.duty_ended",
        actor=actor,
        record_type="app_user",
        record_id=user_id,
    )


def on_duty_supervisors(session: Session, organisation_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(SupervisorDuty, SupervisorDuty.user_id == User.id)
            .where(SupervisorDuty.organisation_id == organisation_id, User.active.is_(True))
            .order_by(User.id)
        ).all()
    )


def supervisors_of(session: Session, organisation_id: int) -> list[User]:
    """Every active intelligence supervisor of the organisation."""
    return list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                User.organisation_id == organisation_id,
                User.active.is_(True),
                UserRole.role == Role.INTELLIGENCE_SUPERVISOR.value,
            )
            .order_by(User.id)
        ).all()
    )


def notify_immediate_risk(session: Session, *, report: IntelReport, settings: Settings) -> int:
    """Queue an alert to every on-duty supervisor of the owning organisation; when nobody is
    on duty, to every supervisor there (a loud fallback, never silence). The e-mail carries
    the reference only: the content stays behind sign-in."""
    recipients = on_duty_supervisors(session, report.owning_organisation_id)
    fallback = not recipients
    if fallback:
        recipients = supervisors_of(session, report.owning_organisation_id)
    for user in recipients:
        enqueue_email(
            session,
            recipient=user.email,
            subject=f"Immediate risk: intelligence {report.reference}",
            body=(
                f"Intelligence {report.reference} was submitted with the immediate-risk flag.\n"
                + ("Nobody is marked on duty, so every supervisor is told.\n" if fallback else "")
                + "Sign in to Beacon and open the intake queue to act on it.\n"
            ),
            purpose="immediate_risk",
        )
    record_event(
        session,
        action=AuditAction.DISCLOSURE,
        event="intel.immediate_risk_notified",
        actor=AuditActor.system("intake"),
        record_type=RECORD_TYPE,
        record_id=report.id,
        details={
            "recipients": [u.id for u in recipients],
            "nobody_on_duty": fallback,
        },
    )
    return len(recipients)


# ---------------------------------------------------------------------------------------------
# Reading


def _is_supervisor_of(principal: AccessPrincipal, report: IntelReport) -> bool:
    return (
        Permission.INTEL_SANITISE in principal.permissions
        and principal.organisation_id == report.owning_organisation_id
    )


def _own_submission(principal: AccessPrincipal, report: IntelReport) -> bool:
    return principal.user_id is not None and principal.user_id == report.submitted_by_user_id


def _routed_to(principal: AccessPrincipal, report: IntelReport) -> bool:
    """Triage routed the sanitised report to the principal's organisation: the owner acts on
    it before it is disseminated to everyone."""
    return (
        report.state != State.RECEIVED
        and report.assigned_organisation_id is not None
        and report.assigned_organisation_id == principal.organisation_id
    )


def visible_decision(principal: AccessPrincipal, report: IntelReport, action: Action) -> Decision:
    """``access.decide`` plus the intake rule on undisseminated reports: before dissemination
    only the owning organisation's supervisors, the submitter, and (once sanitised) the
    organisation triage routed it to may see it."""
    decision = decide(principal, report, action)
    if not decision.allowed:
        return decision
    if (
        report.state != State.DISSEMINATED
        and not _is_supervisor_of(principal, report)
        and not _own_submission(principal, report)
        and not _routed_to(principal, report)
    ):
        return Decision(False, frozenset(), "not yet disseminated")
    return decision


def get_report(
    session: Session, *, report_id: str, principal: AccessPrincipal, action: Action
) -> tuple[IntelReport, Decision]:
    report = session.get(IntelReport, report_id)
    if report is None:
        report = session.scalar(select(IntelReport).where(IntelReport.reference == report_id))
    if report is None:
        raise NotFound(report_id)
    decision = visible_decision(principal, report, action)
    if not decision.allowed:
        raise NotFound(report_id)
    return report, decision


def list_reports(
    session: Session,
    *,
    principal: AccessPrincipal,
    states: Sequence[State] | None = None,
    channel: Channel | None = None,
    limit: int = 200,
) -> list[IntelReport]:
    """Reports this principal may see, newest day first, immediate risks on top."""
    query = select(IntelReport)
    if states:
        query = query.where(IntelReport.state.in_([s.value for s in states]))
    if channel is not None:
        query = query.where(IntelReport.channel == channel.value)
    if Permission.INTEL_READ not in principal.permissions:
        if principal.user_id is None:
            return []
        query = query.where(IntelReport.submitted_by_user_id == principal.user_id)
    query = query.order_by(
        IntelReport.immediate_risk.desc(), IntelReport.received_on.desc(), IntelReport.reference
    )
    visible: list[IntelReport] = []
    for report in session.scalars(query.limit(limit * 5)).all():
        if visible_decision(principal, report, Action.VIEW).allowed:
            visible.append(report)
            if len(visible) >= limit:
                break
    return visible


def audit_view(
    session: Session,
    *,
    report: IntelReport,
    actor: AuditActor,
    fields: Iterable[FieldGroup],
    event: str = "intel.report_viewed",
) -> None:
    record_event(
        session,
        action=AuditAction.CONSULTATION,
        event=event,
        actor=actor,
        record_type=RECORD_TYPE,
        record_id=report.id,
        details={"reference": report.reference, "fields": sorted(f.value for f in fields)},
    )


def read_original(
    session: Session,
    *,
    report: IntelReport,
    principal: AccessPrincipal,
    actor: AuditActor,
    justification: str,
) -> IntelRawSubmission:
    """The unsanitised original: supervisors of the owning organisation only, with a reason,
    audited every time."""
    decision = visible_decision(principal, report, Action.VIEW_ORIGINAL)
    if not decision.allowed:
        raise NotFound(report.id)
    raw = session.scalar(
        select(IntelRawSubmission).where(IntelRawSubmission.report_id == report.id)
    )
    if raw is None:
        raise IntakeError(f"{report.reference} has no original (it was erased)")
    record_event(
        session,
        action=AuditAction.CONSULTATION,
        event="intel.original_viewed",
        actor=actor,
        record_type=RAW_RECORD_TYPE,
        record_id=report.id,
        justification=justification,
        require_justification=True,
        details={"reference": report.reference},
    )
    return raw


def proposals(session: Session, raw: IntelRawSubmission) -> list[dict[str, Any]]:
    """The automatic pre-sanitisation of a raw submission (computed once, then stored)."""
    if raw.proposed_json:
        loaded: list[dict[str, Any]] = json.loads(raw.proposed_json)
        return loaded
    # Imported here: building the recognisers is slow and only supervisors' pages need them.
    from beacon.sanitise.detect import ReporterDetails, get_sanitiser

    reporter = ReporterDetails(
        name=raw.contact_name, email=raw.contact_email, phone=raw.contact_phone
    )
    sanitiser = get_sanitiser()
    found: list[dict[str, Any]] = []
    for part, text in (
        ("narrative", raw.narrative),
        ("assessment", raw.assessment),
        ("location_text", raw.location_text),
    ):
        if text:
            found.extend(_finding_dict(part, f) for f in sanitiser.analyse(text, reporter))
    raw.proposed_json = json.dumps(found)
    session.flush()
    return found


def _finding_dict(part: str, finding: Finding) -> dict[str, Any]:
    return {
        "part": part,
        "start": finding.start,
        "end": finding.end,
        "type": finding.type,
        "text": finding.text,
        "action": finding.action,
        "reason": finding.reason,
    }


def proposed_text(raw: IntelRawSubmission, found: Sequence[dict[str, Any]], part: str) -> str:
    """The part's text with every proposed redaction applied (flags left in place)."""
    text = {
        "narrative": raw.narrative,
        "assessment": raw.assessment,
        "location_text": raw.location_text,
    }[part] or ""
    spans = sorted(
        (f for f in found if f["part"] == part and f["action"] == "redact"),
        key=lambda f: f["start"],
        reverse=True,
    )
    for f in spans:
        text = text[: f["start"]] + f"[{f['type'].replace('_', ' ')} REMOVED]" + text[f["end"] :]
    return text


def messages_for(session: Session, report_id: str) -> list[IntelMessage]:
    return list(
        session.scalars(
            select(IntelMessage)
            .where(IntelMessage.report_id == report_id)
            .order_by(IntelMessage.position)
        ).all()
    )


def photos_for(session: Session, report_id: str) -> list[IntelPhoto]:
    return list(
        session.scalars(
            select(IntelPhoto).where(IntelPhoto.report_id == report_id).order_by(IntelPhoto.id)
        ).all()
    )


def subjects_for(session: Session, report_id: str) -> list[IntelSubject]:
    return list(
        session.scalars(
            select(IntelSubject)
            .where(IntelSubject.report_id == report_id)
            .order_by(IntelSubject.id)
        ).all()
    )


# ---------------------------------------------------------------------------------------------
# Workflow: sanitise, grade, disseminate, close


def _require(
    principal: AccessPrincipal, report: IntelReport, action: Action, allowed_from: Iterable[State]
) -> None:
    if not visible_decision(principal, report, action).allowed:
        raise NotFound(report.id)
    if report.state not in {s.value for s in allowed_from}:
        raise IntakeError(
            f"{report.reference} is {report.state}; this step needs it to be "
            + " or ".join(s.value for s in allowed_from)
        )


def _transition(
    session: Session,
    *,
    report: IntelReport,
    to: State,
    actor: AuditActor,
    event: str,
    action: AuditAction = AuditAction.ALTERATION,
    details: dict[str, Any] | None = None,
    justification: str | None = None,
) -> None:
    before = report.state
    report.state = to.value
    report.state_changed_on = today()
    session.flush()
    record_event(
        session,
        action=action,
        event=event,
        actor=actor,
        record_type=RECORD_TYPE,
        record_id=report.id,
        justification=justification,
        details={"reference": report.reference, "from": before, "to": to.value, **(details or {})},
    )


def sanitise(
    session: Session,
    *,
    report: IntelReport,
    principal: AccessPrincipal,
    actor: AuditActor,
    narrative: str,
    assessment: str | None,
    location_text: str | None,
    summary: str | None,
    released_photo_ids: Iterable[str] = (),
) -> None:
    """Accept the supervisor's sanitised text (the proposals, edited as they saw fit)."""
    _require(principal, report, Action.SANITISE, (State.RECEIVED, State.SANITISED, State.GRADED))
    narrative = narrative.strip()
    if not narrative:
        raise IntakeError("the sanitised narrative cannot be empty")
    raw = session.scalar(
        select(IntelRawSubmission).where(IntelRawSubmission.report_id == report.id)
    )
    left: list[str] = []
    if raw is not None:
        # Anything the reporter gave as contact details must not survive into the working copy.
        for detail in (raw.contact_name, raw.contact_email, raw.contact_phone):
            if (
                detail
                and detail.strip()
                and detail.strip().lower()
                in (" ".join(filter(None, (narrative, assessment, location_text, summary))).lower())
            ):
                left.append(detail)
    if left:
        raise IntakeError(
            "the sanitised text still contains the reporter's own contact details; remove them"
        )
    report.narrative = narrative
    report.assessment = (assessment or "").strip() or None
    report.location_text = (location_text or "").strip() or None
    if summary is not None:
        report.summary = summary.strip()[:200] or report.summary
    released = set(released_photo_ids)
    for photo in photos_for(session, report.id):
        photo.released = photo.id in released
    _transition(
        session,
        report=report,
        to=State.SANITISED,
        actor=actor,
        event="intel.sanitised",
        details={"photos_released": sorted(released)},
    )


def grade(
    session: Session,
    *,
    report: IntelReport,
    principal: AccessPrincipal,
    actor: AuditActor,
    grading: Grading,
    theme: str | None,
) -> None:
    _require(principal, report, Action.GRADE, (State.SANITISED, State.GRADED))
    # Regrading may keep a theme retired since; any other theme must be a current one.
    refusal = catalogue(session).refusal(theme) if theme not in (None, report.theme) else None
    if refusal:
        raise IntakeError(f"theme {theme!r}: {refusal}")
    before = {
        "grading": f"{report.source_evaluation or '-'}{report.intelligence_assessment or '-'}"
        f"{report.handling_code}",
        "theme": report.theme,
    }
    report.source_evaluation = grading.source_evaluation
    report.intelligence_assessment = grading.intelligence_assessment
    report.handling_code = grading.handling_code
    report.handling_conditions = grading.handling_conditions
    report.theme = theme
    _transition(
        session,
        report=report,
        to=State.GRADED,
        actor=actor,
        event="intel.graded",
        details={"before": before, "grading": _grade_text(grading), "theme": theme},
    )
    schedule_review(
        session,
        record_type=RECORD_TYPE,
        record_id=report.id,
        theme=theme,
        grade=grading.intelligence_assessment,
        created_on=report.received_on,
    )


def disseminate(
    session: Session, *, report: IntelReport, principal: AccessPrincipal, actor: AuditActor
) -> None:
    _require(principal, report, Action.DISSEMINATE, (State.GRADED,))
    if not report.narrative:
        raise IntakeError(f"{report.reference} has no sanitised narrative")
    _transition(
        session,
        report=report,
        to=State.DISSEMINATED,
        actor=actor,
        event="intel.disseminated",
        action=AuditAction.DISCLOSURE,
        details={"handling_code": report.handling_code},
    )


def close(
    session: Session,
    *,
    report: IntelReport,
    principal: AccessPrincipal,
    actor: AuditActor,
    reason: str,
) -> None:
    reason = reason.strip()
    if not reason:
        raise IntakeError("say why the report is being closed")
    _require(
        principal,
        report,
        Action.EDIT,
        (State.RECEIVED, State.SANITISED, State.GRADED, State.DISSEMINATED),
    )
    report.closed_reason = reason[:2000]
    _transition(
        session,
        report=report,
        to=State.CLOSED,
        actor=actor,
        event="intel.closed",
        justification=reason,
    )


# ---------------------------------------------------------------------------------------------
# Keep in contact


def _next_position(session: Session, report_id: str) -> int:
    current = session.scalar(
        select(func.max(IntelMessage.position)).where(IntelMessage.report_id == report_id)
    )
    return (current or 0) + 1


def ask_reporter(
    session: Session,
    *,
    report: IntelReport,
    principal: AccessPrincipal,
    actor: AuditActor,
    question: str,
) -> IntelMessage:
    """A handling officer's question, shown to the resident who has the code."""
    _require(
        principal,
        report,
        Action.EDIT,
        (State.RECEIVED, State.SANITISED, State.GRADED, State.DISSEMINATED),
    )
    question = question.strip()
    if not question:
        raise IntakeError("write the question")
    if len(question) > 5000:
        raise IntakeError("a question may be at most 5,000 characters")
    if report.contact_locator is None:
        raise IntakeError(f"{report.reference} has no keep-in-contact code")
    message = IntelMessage(
        report_id=report.id,
        position=_next_position(session, report.id),
        direction="to_reporter",
        body=question,
        sanitised_body=question,
        author_user_id=principal.user_id,
        created_on=today(),
    )
    session.add(message)
    session.flush()
    record_event(
        session,
        action=AuditAction.COLLECTION,
        event="intel.question_asked",
        actor=actor,
        record_type=RECORD_TYPE,
        record_id=report.id,
        details={"reference": report.reference, "message": message.id},
    )
    return message


def find_by_code(session: Session, code: str) -> IntelReport | None:
    """The report a resident's code opens, or None (same cost whether or not it exists)."""
    parsed = codes.parse_code(code)
    if parsed is None:
        codes.secret_matches(codes.DUMMY_SECRET_HASH, "0" * codes.SECRET_LENGTH)
        return None
    locator, secret = parsed
    report = session.scalar(select(IntelReport).where(IntelReport.contact_locator == locator))
    if report is None or report.contact_secret_hash is None:
        codes.secret_matches(codes.DUMMY_SECRET_HASH, secret)
        return None
    if not codes.secret_matches(report.contact_secret_hash, secret):
        return None
    return report


def reporter_messages(session: Session, report: IntelReport) -> list[IntelMessage]:
    """What the resident sees: the officers' questions and their own answers."""
    return messages_for(session, report.id)


def answer_from_reporter(session: Session, *, report: IntelReport, text: str) -> IntelMessage:
    """A resident's answer: stored raw, sanitised by a supervisor before staff see it."""
    text = text.strip()
    if not text:
        raise IntakeError("write your answer")
    if len(text) > 10_000:
        raise IntakeError("an answer may be at most 10,000 characters")
    if report.state == State.CLOSED.value or report.erased:
        raise IntakeError("this report is closed and cannot take more answers")
    message = IntelMessage(
        report_id=report.id,
        position=_next_position(session, report.id),
        direction="from_reporter",
        body=text,
        sanitised_body=None,
        author_user_id=None,
        created_on=today(),
    )
    session.add(message)
    session.flush()
    record_event(
        session,
        action=AuditAction.COLLECTION,
        event="intel.reporter_answered",
        actor=PORTAL_ACTOR,
        record_type=RECORD_TYPE,
        record_id=report.id,
        details={"reference": report.reference, "message": message.id},
        occurred_at=coarse_now(),
    )
    return message


def message_proposals(session: Session, message: IntelMessage) -> list[dict[str, Any]]:
    if message.proposed_json and message.proposed_json != "[]":
        loaded: list[dict[str, Any]] = json.loads(message.proposed_json)
        return loaded
    from beacon.sanitise.detect import get_sanitiser

    found = [_finding_dict("message", f) for f in get_sanitiser().analyse(message.body)]
    message.proposed_json = json.dumps(found)
    session.flush()
    return found


def sanitise_message(
    session: Session,
    *,
    report: IntelReport,
    message: IntelMessage,
    principal: AccessPrincipal,
    actor: AuditActor,
    text: str,
) -> None:
    _require(
        principal,
        report,
        Action.SANITISE,
        (State.RECEIVED, State.SANITISED, State.GRADED, State.DISSEMINATED),
    )
    if message.report_id != report.id or message.direction != "from_reporter":
        raise IntakeError("not an answer to this report")
    text = text.strip()
    if not text:
        raise IntakeError("the sanitised answer cannot be empty")
    message.sanitised_body = text
    session.flush()
    record_event(
        session,
        action=AuditAction.ALTERATION,
        event="intel.answer_sanitised",
        actor=actor,
        record_type=RECORD_TYPE,
        record_id=report.id,
        details={"reference": report.reference, "message": message.id},
    )


# ---------------------------------------------------------------------------------------------
# Retention: erasing a report's personal content


def erase_report(session: Session, record_id: str) -> list[str]:
    """Registered as the ``intel_report`` eraser: blanks every free-text and personal field,
    deletes the raw original, subjects, messages and photos (files included)."""
    report = session.get(IntelReport, record_id)
    if report is None:
        raise LookupError(f"intel_report {record_id} does not exist")
    erased: list[str] = []
    for name in (
        "narrative",
        "assessment",
        "location_text",
        "summary",
        "source_details",
        "latitude",
        "longitude",
        "postcode",
        "contact_secret_hash",
        "contact_locator",
        "occurred_time",
    ):
        if getattr(report, name) is not None:
            setattr(report, name, None)
            erased.append(name)
    raw = session.scalar(
        select(IntelRawSubmission).where(IntelRawSubmission.report_id == report.id)
    )
    if raw is not None:
        session.delete(raw)
        erased.append("original")
    for kind, rows in (
        ("subjects", subjects_for(session, report.id)),
        ("messages", messages_for(session, report.id)),
    ):
        if rows:
            erased.append(kind)
        for row in rows:
            session.delete(row)
    photos = photos_for(session, report.id)
    if photos:
        store = PhotoStore(photo_directory())
        for photo in photos:
            store.delete(photo.storage_name)
            session.delete(photo)
        erased.append("photos")
    from beacon.triage.link_store import forget_report  # triage reads intake's models

    if forget_report(session, report.id):
        erased.append("entities")
    report.restricted = False
    report.erased = True
    session.flush()
    return erased


_photo_directory: Path | None = None


def configure_photo_directory(settings: Settings) -> Path:
    """Where photos live for this process (set by the app and the command line at start)."""
    global _photo_directory
    _photo_directory = settings.data_dir / "uploads" / "photos"
    return _photo_directory


def photo_directory() -> Path:
    if _photo_directory is None:
        from beacon.config import get_settings

        return configure_photo_directory(get_settings())
    return _photo_directory
