"""Organisations, users and reports for intake tests (through the real services)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import count

from sqlalchemy.orm import Session

from beacon.access.policy import Principal
from beacon.audit.service import AuditActor
from beacon.auth.service import create_organisation, create_user, user_actor
from beacon.intake.models import LocationMode, SubjectKind, SubjectRole
from beacon.intake.schemas import (
    ContactDetails,
    Grading,
    PartnerReportIn,
    ResidentReportIn,
    SubjectIn,
    When,
    Where,
)

SYSTEM = AuditActor.system("test")
PASSWORD = "harbour-violet-quartz-93"
_numbers = count(1)


@dataclass(frozen=True)
class Person:
    user_id: int
    organisation_id: int
    email: str
    principal: Principal
    actor: AuditActor


def organisation(session: Session, name: str | None = None) -> int:
    org = create_organisation(
        session,
        name=name or f"Org {next(_numbers)}",
        org_type="police_force",
        actor=SYSTEM,
    )
    return org.id


def person(session: Session, organisation_id: int, *roles: str) -> Person:
    number = next(_numbers)
    user = create_user(
        session,
        organisation_id=organisation_id,
        email=f"person{number}@example.org",
        display_name=f"Person {number}",
        password=PASSWORD,
        roles=roles,
        actor=SYSTEM,
    )
    return Person(
        user_id=user.id,
        organisation_id=organisation_id,
        email=user.email,
        principal=Principal.for_user(user.id, organisation_id, roles),
        actor=user_actor(user),
    )


def resident_report(
    narrative: str = "Men dealing drugs from a blue car outside the shop every evening.",
    *,
    contact: ContactDetails | None = None,
    hints: tuple[str, ...] = ("drug_dealing",),
    where: Where | None = None,
) -> ResidentReportIn:
    return ResidentReportIn(
        narrative=narrative,
        where=where or Where(mode=LocationMode.STREET, text="Station Road"),
        when=When(occurred_from=dt.date.today() - dt.timedelta(days=2), time_text="evening"),
        hints=hints,
        contact=contact,
    )


def partner_report(
    *,
    immediate_risk: bool = False,
    theme: str | None = "cuckooing",
    handling: str = "C",
    indicator_ids: tuple[int, ...] = (),
) -> PartnerReportIn:
    return PartnerReportIn(
        summary="Possible cuckooing at a council flat",
        narrative="Tenant seen with three young men who arrive by taxi at night.",
        assessment="I believe the tenant is being exploited.",
        source_type="housing officer visit",
        source_details="Seen during a tenancy visit; neighbour also mentioned it.",
        where=Where(mode=LocationMode.WITHHELD, text="Whitehawk estate"),
        when=When(occurred_from=dt.date.today(), ongoing=False),
        theme=theme,
        grading=Grading(
            source_evaluation="1",
            intelligence_assessment="B",
            handling_code=handling,
            handling_conditions="Police and housing only" if handling == "C" else None,
        ),
        immediate_risk=immediate_risk,
        subjects=(
            SubjectIn(kind=SubjectKind.PERSON, value="Tenant A", role=SubjectRole.VICTIM),
            SubjectIn(kind=SubjectKind.PERSON, value="Male, 20s", role=SubjectRole.SUSPECT),
            SubjectIn(kind=SubjectKind.VEHICLE, value="AB12 CDE", role=SubjectRole.SUSPECT),
        ),
        indicator_ids=indicator_ids,
    )
