"""Demo intelligence: a few residents' reports and partner submissions to work through.

Written by Beacon for the demo (every name, number and address is invented; phone numbers are
in Ofcom's drama ranges, vehicle marks and e-mail domains are made up). They go through the
real services, so they are sanitised, graded and audited like any other report. Loaded once:
a second ``beacon demo load`` adds nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.access.policy import Principal
from beacon.auth.models import User
from beacon.auth.service import get_user_by_email, user_actor, user_roles
from beacon.config import Settings
from beacon.intake import service
from beacon.intake.models import IntelReport, LocationMode, SubjectKind, SubjectRole
from beacon.intake.schemas import (
    ContactDetails,
    Grading,
    PartnerReportIn,
    ResidentReportIn,
    SubjectIn,
    When,
    Where,
)

# (narrative, hints, where, days ago, contact)
RESIDENT_REPORTS: tuple[tuple[str, tuple[str, ...], Where, int, ContactDetails | None], ...] = (
    (
        "Every night since the start of the month cars pull up outside the flats on Harehills "
        "Lane, a lad runs out, leans in the window and the car goes. One is a silver Golf "
        "YX19 KLM. I live at number 14 opposite so I see it from my window.",
        ("drug_dealing",),
        Where(mode=LocationMode.POINT, latitude=53.8138, longitude=-1.5179),
        3,
        None,
    ),
    (
        "The old man at the end of our row has had young lads staying for weeks. He looks "
        "scared and thin and they answer his door. My son told me they sell from there. "
        "Call me on 07700 900461 if you need more.",
        ("home_taken_over", "exploited"),
        Where(mode=LocationMode.STREET, text="Beeston Road, near the shops"),
        6,
        ContactDetails(name="Pat Reynolds", phone="07700 900461"),
    ),
    (
        "Two boys about 14 who are not from round here get off the Wakefield train most "
        "afternoons and meet an older man in a black Audi. They have new phones and trainers. "
        "The man's number is 07700 900872, he shouts it to people.",
        ("exploited", "drug_dealing"),
        Where(mode=LocationMode.POINT, latitude=53.7946, longitude=-1.5476),
        9,
        None,
    ),
    (
        "Gang of youths throwing stones at buses at the top of the estate on Friday evenings, "
        "one had what looked like a knife.",
        ("asb", "weapons"),
        Where(mode=LocationMode.WITHHELD, text="Seacroft"),
        12,
        None,
    ),
    (
        "About eight men live in the house next to the car wash, they are picked up in a van "
        "at 5am and come back late. They never seem to have money and one told me his boss "
        "keeps his passport. Email me at r.ahmed@example.org.",
        ("forced_work",),
        Where(mode=LocationMode.POINT, latitude=53.7960, longitude=-1.7594),
        15,
        ContactDetails(email="r.ahmed@example.org"),
    ),
)

PARTNER_REPORTS: tuple[PartnerReportIn, ...] = (
    PartnerReportIn(
        summary="Vulnerable tenant: suspected cuckooing",
        narrative="On a tenancy visit the tenant (60s, known alcohol dependency) would not let "
        "me in. Two young men answered the door and said he was asleep. Neighbours report "
        "visitors all night for two weeks and the door lock has been changed.",
        assessment="I believe the tenant's home has been taken over for dealing and that he "
        "is at risk.",
        source_type="housing officer visit",
        source_details="Tenancy visit; two neighbours spoken to separately.",
        where=Where(mode=LocationMode.POINT, latitude=53.8058, longitude=-1.5230),
        when=When(occurred_from=dt.date.today() - dt.timedelta(days=1)),
        theme="cuckooing",
        grading=Grading("1", "B", "C", "Police, housing and adult social care only"),
        immediate_risk=True,
        subjects=(
            SubjectIn(kind=SubjectKind.PERSON, value="Tenant (60s)", role=SubjectRole.VICTIM),
            SubjectIn(
                kind=SubjectKind.PERSON,
                value="Male, about 19, local accent",
                role=SubjectRole.SUSPECT,
            ),
            SubjectIn(kind=SubjectKind.VEHICLE, value="YX19 KLM", role=SubjectRole.SUSPECT),
        ),
    ),
    PartnerReportIn(
        summary="Fly-tipping and fires behind garages",
        narrative="Repeated small fires in the garage block behind Lincoln Green; three "
        "since Monday. Youths seen there in the evenings.",
        assessment=None,
        source_type="council warden patrol",
        source_details=None,
        where=Where(mode=LocationMode.STREET, text="Garage block behind Lincoln Green"),
        when=When(ongoing=True),
        theme="asb",
        grading=Grading("1", "A", "P"),
    ),
)


def seed_demo_intake(session: Session, settings: Settings) -> int:
    """Create the demo reports once; returns how many were created (0 when already there)."""
    if session.scalar(select(IntelReport.id).limit(1)) is not None:
        return 0
    hub = service.intake_organisation(session, settings)
    created = 0
    for narrative, hints, where, days_ago, contact in RESIDENT_REPORTS:
        occurred = dt.date.today() - dt.timedelta(days=days_ago)
        service.create_resident_report(
            session,
            data=ResidentReportIn(
                narrative=narrative,
                where=where,
                when=When(occurred_from=occurred, time_text="evening"),
                hints=hints,
                contact=contact,
            ),
            organisation_id=hub.id,
        )
        created += 1
    partner = get_user_by_email(session, "housing@demo.beacon.example")
    if partner is not None:
        principal = _principal(session, partner)
        for report in PARTNER_REPORTS:
            service.create_partner_report(
                session,
                principal=principal,
                actor=user_actor(partner),
                data=report,
                settings=settings,
            )
            created += 1
    return created


def _principal(session: Session, user: User) -> Principal:
    return Principal.for_user(user.id, user.organisation_id, user_roles(session, user.id))
