"""Fixtures for the assessment workflow, judgement and web tests: the shared reference database
(Sussex and Derbyshire, 2018-10 to 2018-12), people in several roles and organisations, and one
computed run of Derby reused by the tests that only need a run."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from beacon.assessment.models import Assessment, AssessmentRun
from beacon.audit.service import AuditActor
from beacon.auth.models import User
from beacon.auth.service import create_organisation, create_user
from beacon.config import Settings
from beacon.runtime import Runtime, open_runtime

DERBY = "lad:E06000015"
PERIOD = ("2018-10", "2018-12")
PASSWORD = "copper-meadow-lantern-63"


@pytest.fixture(scope="module")
def assess_runtime(snapshot_settings: Settings) -> Iterator[Runtime]:
    runtime = open_runtime(snapshot_settings)
    try:
        yield runtime
    finally:
        runtime.close()


@dataclass(frozen=True)
class People:
    """User ids and their organisations (the shared database is used by other tests too, so
    every name is unique)."""

    analyst: int  # creates assessments
    reviewer: int  # another analyst
    supervisor: int
    partner: int  # a partner contributor of the council
    other_partner: int  # a partner contributor of another organisation
    engagement: int
    admin: int
    council: int
    other: int
    emails: dict[str, str]


def make_people(runtime: Runtime) -> People:
    tag = secrets.token_hex(4)
    actor = AuditActor.system("test")
    ids: dict[str, int] = {}
    emails: dict[str, str] = {}
    with runtime.sessions() as session:
        council = create_organisation(
            session, name=f"Derby Council {tag}", org_type="unitary_council", actor=actor
        )
        other = create_organisation(
            session, name=f"Derby Fire {tag}", org_type="fire_rescue", actor=actor
        )
        for name, org, roles in (
            ("analyst", council, ("analyst",)),
            ("reviewer", council, ("analyst",)),
            ("supervisor", council, ("intelligence_supervisor",)),
            ("partner", council, ("partner_contributor",)),
            ("other_partner", other, ("partner_contributor",)),
            ("engagement", council, ("engagement_officer",)),
            ("admin", council, ("admin",)),
        ):
            email = f"{name.replace('_', '-')}-{tag}@example.org"
            user = create_user(
                session,
                organisation_id=org.id,
                email=email,
                display_name=f"{name.replace('_', ' ').title()} {tag}",
                password=PASSWORD,
                roles=roles,
                actor=actor,
            )
            ids[name] = user.id
            emails[name] = email
        session.commit()
        return People(**ids, council=council.id, other=other.id, emails=emails)


@pytest.fixture(scope="module")
def people(assess_runtime: Runtime) -> People:
    return make_people(assess_runtime)


@pytest.fixture(scope="module")
def derby_outcome(assess_runtime: Runtime) -> object:
    """One strategic run of Derby, 2018-10 to 2018-12 (computed once per module)."""
    from beacon.assessment.service import compute
    from beacon.assessment.spec import AssessmentSpec

    spec = AssessmentSpec(
        kind="strategic", scope=DERBY, period_from=PERIOD[0], period_to=PERIOD[1], themes=("asb",)
    )
    return compute(assess_runtime.settings, spec, previous_run_key=None)


def store_copy(
    session: Session, outcome: object, assessment: Assessment, user: User
) -> AssessmentRun:
    """Store ``outcome`` as a new run of ``assessment`` (a fresh run key, and the judgement
    entered now, as a run started now would have used)."""
    from beacon.assessment import judgement, workflow
    from beacon.assessment.service import store_run

    copied = copy.deepcopy(outcome)
    copied.manifest["run_key"] = secrets.token_hex(8)  # type: ignore[attr-defined]
    copied.manifest["judgement"] = judgement.load(session, assessment).to_dict()  # type: ignore[attr-defined]
    copied.document.run_id = copied.manifest["run_key"]  # type: ignore[attr-defined]
    run = store_run(
        session, copied, assessment_id=assessment.id, user_id=user.id, created_by=user.display_name
    )
    workflow.run_stored(session, assessment, run, user)
    return run
