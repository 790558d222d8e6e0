"""The staff intake queue and supervisors' duty (HTML, ``/intake``).

* ``GET /intake`` (``intel.read_own``): the reports the principal may see, by state and
  channel, immediate risks on top. Supervisors say they are on duty here
  (``POST /intake/duty``) and see whether alert e-mails are waiting or failed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.auth.deps import Principal
from beacon.auth.permissions import Permission
from beacon.intake import service
from beacon.intake.models import Channel, State
from beacon.intake.web_shared import (
    CSRF,
    NO_STORE,
    READ,
    SANITISE,
    STATE_LABELS,
    STATE_TAGS,
    OptionalField,
    grading_text,
    user_id,
)
from beacon.notify.models import OutboxMessage
from beacon.triage.service import catalogue
from beacon.web.deps import get_session
from beacon.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 200
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
                "grading": grading_text(report),
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
        me = user_id(principal)
        context["on_duty"] = any(user.id == me for user in on_duty)
        context["on_duty_names"] = [user.display_name for user in on_duty]
        context["outbox"] = _outbox_counts(db)
        context["smtp_configured"] = request.app.state.settings.smtp_host is not None
        if duty == "on" and context["on_duty"]:
            context["notice"] = "You are on duty: immediate-risk reports are e-mailed to you."
        elif duty == "off" and not context["on_duty"]:
            context["notice"] = "You are no longer on duty."
    return render(request, "intake/staff_queue.html", context, headers=NO_STORE)


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
        user_id=user_id(principal),
        organisation_id=principal.organisation_id,
        on_duty=on_duty == "yes",
        actor=principal.actor(),
    )
    db.commit()
    return RedirectResponse(
        "/intake?" + urlencode({"duty": "on" if on_duty == "yes" else "off"}), status_code=303
    )
