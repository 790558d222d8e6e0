"""Demo intelligence: residents' reports and partner submissions, taken through the workflow.

The reports are in ``demo/stories.py``. They go through the real services, so they are
sanitised, triaged, graded, disseminated and audited like any other report
(``demo/workday.py``). Loaded once: a second ``beacon demo load`` adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.access.policy import Principal
from beacon.auth.models import User
from beacon.auth.service import get_user_by_email, user_actor, user_roles
from beacon.config import Settings
from beacon.demo.stories import STORIES
from beacon.intake import service
from beacon.intake.models import IntelReport
from beacon.intake.schemas import PartnerReportIn

PARTNER_EMAIL = "housing@demo.beacon.example"


@dataclass
class SeededIntake:
    created: dict[str, str] = field(default_factory=dict)  # story key -> report id
    states: dict[str, int] = field(default_factory=dict)
    rules: int = 0
    unroutable: int = 0


def seed_demo_intake(session: Session, settings: Settings) -> SeededIntake:
    """Create the demo reports once, route them and take each as far as its story says.
    Nothing is created when any report exists. Flushes; the caller commits."""
    from beacon.demo.workday import work_through

    seeded = SeededIntake()
    if session.scalar(select(IntelReport.id).limit(1)) is not None:
        return seeded
    hub = service.intake_organisation(session, settings)
    partner = get_user_by_email(session, PARTNER_EMAIL)
    for story in STORIES:
        if isinstance(story.report, PartnerReportIn):
            if partner is None:
                continue
            submitted = service.create_partner_report(
                session,
                principal=_principal(session, partner),
                actor=user_actor(partner),
                data=story.report,
                settings=settings,
            )
            seeded.created[story.key] = submitted.report_id
        else:
            receipt = service.create_resident_report(
                session, data=story.report, organisation_id=hub.id
            )
            seeded.created[story.key] = receipt.report_id
    work_through(session, settings, hub, seeded)
    return seeded


def _principal(session: Session, user: User) -> Principal:
    return Principal.for_user(user.id, user.organisation_id, user_roles(session, user.id))
