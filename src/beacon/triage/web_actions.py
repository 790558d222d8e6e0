"""Triage actions on one report, posted from its page (``/intake/{id}``), each with CSRF:

* ``POST /triage/{id}/themes`` (``intel.link`` and LINK on the report): an analyst's themes
  (``corrections.correct_themes``), then priority and owner again (``flow.refresh``).
* ``POST /triage/{id}/route`` (``intel.disseminate``, supervisors of the owning organisation):
  route the report by hand (``flow.route_by_hand``) with a reason.
* ``POST /triage/duplicates/{pair}/merge|dismiss|undo`` (``intel.link`` and LINK on both
  reports): mark one report a duplicate of the other, say they are not duplicates, or undo
  either. Both reports stay as they are: only the pair's state, primary, decider and time
  change. Each is audited (``triage.duplicate_merged|dismissed|reopened``, on the pair).

A refusal shows the report again with the message at the field (400, or 409 for a pair
already in another state); a report the user may not act on is not found (404), as on the
report page itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from beacon.access.policy import Action
from beacon.auth.deps import Principal, require_permission
from beacon.auth.permissions import Permission
from beacon.intake.models import IntelReport
from beacon.intake.schemas import clean_text
from beacon.intake.web_report import Visit
from beacon.intake.web_shared import (
    CSRF,
    DISSEMINATE,
    OptionalField,
    allowed,
    capitalised,
    reason_error,
    user_id,
)
from beacon.triage import flow
from beacon.triage.corrections import CorrectionError, correct_themes
from beacon.triage.duplicate_decisions import DUPLICATE_EVENTS, decide_duplicate
from beacon.triage.models import DuplicateLink, TriageResult
from beacon.web.deps import get_session

router = APIRouter(include_in_schema=False)

LINK = Depends(require_permission(Permission.INTEL_LINK))
DUPLICATE_DONE = {"merge": "merged", "dismiss": "dismissed", "undo": "reopened"}


# ---------------------------------------------------------------------------------------------
# Routes


def _back(report: IntelReport, done: str, anchor: str) -> RedirectResponse:
    return RedirectResponse(f"/intake/{report.id}?done={done}{anchor}", status_code=303)


@router.post(
    "/triage/{report_id}/themes",
    response_class=HTMLResponse,
    name="triage_correct_themes",
    dependencies=CSRF,
)
def triage_correct_themes(
    request: Request,
    report_id: str,
    themes: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    principal: Principal = LINK,
    db: Session = Depends(get_session),
) -> Response:
    v = Visit.open(request, db, principal, report_id, Action.LINK)
    result = db.get(TriageResult, v.report.id)
    chosen = [clean_text(t) for t in themes if clean_text(t)]
    values = {"themes": chosen}
    if result is None:
        return v.page(
            errors={"themes": "This report has not been triaged yet: sanitise it first"},
            values=values,
            status_code=409,
        )
    try:
        correct_themes(
            db,
            actor=principal.actor(),
            user_id=user_id(principal),
            report=v.report,
            themes=chosen,
            previous=result.themes,
        )
        flow.refresh(db, v.report)
    except (CorrectionError, flow.TriageError) as error:
        db.rollback()
        return v.page(errors={"themes": capitalised(str(error))}, values=values, status_code=400)
    db.commit()
    return _back(v.report, "themes", "#triage")


@router.post(
    "/triage/{report_id}/route",
    response_class=HTMLResponse,
    name="triage_route_by_hand",
    dependencies=CSRF,
)
def triage_route_by_hand(
    request: Request,
    report_id: str,
    organisation: OptionalField = "",
    team: OptionalField = "",
    reason: OptionalField = "",
    principal: Principal = DISSEMINATE,
    db: Session = Depends(get_session),
) -> Response:
    v = Visit.open(request, db, principal, report_id, Action.DISSEMINATE)
    reason, team = clean_text(reason), clean_text(team)
    values = {"route_organisation": clean_text(organisation), "route_team": team}
    values["route_reason"] = reason
    errors: dict[str, str] = {}
    organisation_id = int(organisation) if organisation.strip().isdigit() else None
    if organisation_id is None:
        errors["route_organisation"] = "Choose the organisation to route the report to"
    if len(team) > 120:
        errors["route_team"] = "The team must be 120 characters or fewer"
    problem = reason_error(reason, missing="Enter why you are routing the report by hand")
    if problem:
        errors["route_reason"] = problem
    if errors:
        return v.page(errors=errors, values=values, status_code=400)
    assert organisation_id is not None
    try:
        flow.route_by_hand(
            db,
            report=v.report,
            organisation_id=organisation_id,
            team=team or None,
            reason=reason,
            actor=principal.actor(),
            user_id=user_id(principal),
        )
    except flow.TriageError as error:
        db.rollback()
        field = "route_organisation" if "organisation" in str(error) else "route_reason"
        return v.page(errors={field: capitalised(str(error))}, values=values, status_code=400)
    db.commit()
    return _back(v.report, "routed", "#triage-owner")


def _duplicate_action(
    request: Request,
    pair_id: int,
    decision: str,
    report_id: str,
    primary: str,
    principal: Principal,
    db: Session,
) -> Response:
    pair = db.get(DuplicateLink, pair_id)
    if pair is None or report_id not in (pair.report_a, pair.report_b):
        raise HTTPException(status_code=404)
    other_id = pair.report_b if report_id == pair.report_a else pair.report_a
    v = Visit.open(request, db, principal, report_id, Action.LINK)  # 404 unless LINK here
    other = db.get(IntelReport, other_id)
    if other is None or not allowed(principal, other, Action.LINK):
        raise HTTPException(status_code=404)  # the same answer as a pair that does not exist
    try:
        decide_duplicate(
            db,
            pair=pair,
            decision=decision,
            primary_id=primary or None,
            actor=principal.actor(),
            user_id=user_id(principal),
        )
    except flow.TriageError as error:
        db.rollback()
        return v.page(errors={f"duplicate-{pair_id}": capitalised(str(error))}, status_code=409)
    db.commit()
    return _back(v.report, DUPLICATE_DONE[decision], "#triage-duplicates")


def _duplicate_route(decision: str) -> None:
    def action(
        request: Request,
        pair_id: int,
        report: OptionalField = "",
        primary: OptionalField = "",
        principal: Principal = LINK,
        db: Session = Depends(get_session),
    ) -> Response:
        return _duplicate_action(
            request, pair_id, decision, report.strip(), primary.strip(), principal, db
        )

    router.add_api_route(
        f"/triage/duplicates/{{pair_id}}/{decision}",
        action,
        methods=["POST"],
        response_class=HTMLResponse,
        name=f"triage_duplicate_{decision}",
        dependencies=CSRF,
    )


for _decision in DUPLICATE_EVENTS:
    _duplicate_route(_decision)
