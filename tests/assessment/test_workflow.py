"""The life of an assessment: asked for, run, reviewed and approved by others than its author,
issued as immutable files, reopened for the next version; and runs in a background job."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.assessment import jobs, judgement, workflow
from beacon.assessment.config import load_config
from beacon.assessment.models import Assessment, AssessmentIssue, IssueImmutable, Status
from beacon.assessment.spec import AssessmentSpec, Judgement
from beacon.assessment.workflow import RequestErrors, WorkflowError
from beacon.audit.models import AuditEvent
from beacon.audit.service import AuditActor
from beacon.auth.models import User
from beacon.runtime import Runtime

from .conftest import DERBY, PERIOD, People, store_copy

GOOD = {
    "kind": "strategic",
    "scope": DERBY,
    "from": PERIOD[0],
    "to": PERIOD[1],
    "themes": ["asb", "drugs"],
}
CIA = {
    "kind": "community_impact",
    "incident": "Fire",
    "incident_on": "2018-11-02",
    "review_on": "2018-12-01",
}


@pytest.fixture
def session(assess_runtime: Runtime) -> Iterator[Session]:
    with assess_runtime.sessions() as db:
        yield db


def _user(session: Session, user_id: int) -> User:
    found = session.get(User, user_id)
    assert found is not None
    return found


def _new(session: Session, people: People, author: int | None = None) -> Assessment:
    spec = workflow.check_request(GOOD | {"themes": ["asb", "drugs", "violence"]}, load_config())
    created = workflow.create(
        session, spec, _user(session, author or people.analyst), title="Derby, workflow test"
    )
    session.commit()
    return created


# --- asking -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "annual"}, "kind"),
        ({"scope": "county:E06000015"}, "scope"),
        ({"scope": "lad:E0600001"}, "scope"),
        ({"scope": "ward:E05000001,E05000002"}, "scope"),
        ({"scope": "force:Not a/force"}, "scope"),
        ({"scope_typed": "lsoa:nope"}, "scope_typed"),
        ({"from": "2018-13"}, "from"),
        ({"to": ""}, "to"),
        ({"from": "2018-12", "to": "2018-10"}, "from"),
        ({"from": "2015-01", "to": "2018-12"}, "from"),
        ({"themes": []}, "themes"),
        ({"themes": ["asb", "weather"]}, "themes"),
        ({"kind": "problem", "theme": ""}, "theme"),
        ({"kind": "problem", "theme": "weather"}, "theme"),
        ({"kind": "tactical", "link_force": "yes"}, "link_force"),
        ({"scope": "force:derbyshire", "link_force": "yes"}, "link_force"),
        (CIA | {"incident": ""}, "incident"),
        (CIA | {"incident_on": "2018-02-30"}, "incident_on"),
        (CIA | {"review_on": "2018-10-01"}, "review_on"),
        (CIA | {"review_on": ""}, "review_on"),
    ],
)  # fmt: skip
def test_a_request_is_checked_field_by_field(change: dict, field: str) -> None:
    with pytest.raises(RequestErrors) as caught:
        workflow.check_request(GOOD | change, load_config())
    assert field in caught.value.errors, caught.value.errors


def test_a_good_request_gives_its_spec_and_the_assessment_keeps_it(
    session: Session, people: People
) -> None:
    config = load_config()
    spec = workflow.check_request(
        GOOD | {"scope": "", "scope_typed": " LAD:e06000015 ", "link_force": "yes"}, config
    )
    assert spec == AssessmentSpec(
        kind="strategic",
        scope=DERBY,
        period_from="2018-10",
        period_to="2018-12",
        themes=("asb", "drugs"),
        link_force=True,
    )
    problem = workflow.check_request(GOOD | {"kind": "problem", "theme": "drugs"}, config)
    assert problem.themes == ("drugs",) and problem.theme == "drugs"
    assert workflow.title_for(problem, "Derby", config) == (
        "Problem profile: Drugs and alcohol-related harm, Derby, 2018-10 to 2018-12"
    )
    cia = workflow.check_request(
        GOOD
        | {
            "kind": "community_impact",
            "incident": "Fire at a mosque",
            "incident_on": "2018-11-02",
            "review_on": "2018-12-01",
        },
        config,
    )
    created = workflow.create(session, cia, _user(session, people.analyst), title="CIA")
    session.commit()
    assert created.status == "draft"
    assert created.review_on is not None and created.review_on.isoformat() == "2018-12-01"
    assert workflow.spec_of(created) == cia
    assert judgement.themes_of(created) == ["asb", "drugs"]
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_id == str(created.id), AuditEvent.event == "assessment.created"
        )
    ).one()
    assert event.action == "collection" and event.actor_id == people.analyst


# --- review and approval ----------------------------------------------------------------------


def test_review_needs_a_current_run_and_someone_other_than_the_author(
    session: Session, people: People, derby_outcome: object
) -> None:
    assessment = _new(session, people)
    analyst, reviewer = _user(session, people.analyst), _user(session, people.reviewer)
    with pytest.raises(WorkflowError, match="run the assessment first"):
        workflow.review(session, assessment, reviewer)
    store_copy(session, derby_outcome, assessment, analyst)
    session.commit()
    with pytest.raises(WorkflowError, match="someone other than the assessment's author"):
        workflow.review(session, assessment, analyst)
    with pytest.raises(WorkflowError, match="may not review"):
        workflow.review(session, assessment, _user(session, people.partner))
    # An entry made after the run: the run no longer shows what was entered.
    judgement.set_narrative(session, assessment, analyst, theme="asb", text="New view.")
    session.commit()
    with pytest.raises(WorkflowError, match="changed since the latest run"):
        workflow.review(session, assessment, reviewer)
    run = store_copy(session, derby_outcome, assessment, analyst)
    session.commit()
    assert workflow.review(session, assessment, reviewer).run_key == run.run_key
    session.commit()
    assert assessment.status == "reviewed" and assessment.reviewed_by_user_id == reviewer.id
    with pytest.raises(WorkflowError, match="not a draft"):
        workflow.review(session, assessment, reviewer)
    # Running it again makes it a draft: the review was of another run.
    store_copy(session, derby_outcome, assessment, analyst)
    session.commit()
    assert assessment.status == "draft" and assessment.reviewed_by_user_id is None


def test_approval_needs_the_permission_a_review_and_another_person(
    session: Session, people: People, derby_outcome: object
) -> None:
    # A supervisor's own assessment cannot be approved by them.
    own = _new(session, people, author=people.supervisor)
    supervisor = _user(session, people.supervisor)
    store_copy(session, derby_outcome, own, supervisor)
    workflow.review(session, own, _user(session, people.reviewer))
    session.commit()
    with pytest.raises(WorkflowError, match="someone other than the assessment's author"):
        workflow.approve(session, own, supervisor)
    assessment = _new(session, people)
    store_copy(session, derby_outcome, assessment, _user(session, people.analyst))
    session.commit()
    with pytest.raises(WorkflowError, match="only a reviewed assessment"):
        workflow.approve(session, assessment, supervisor)
    with pytest.raises(WorkflowError, match="only an approved"):
        workflow.reopen(session, assessment, supervisor)
    workflow.review(session, assessment, _user(session, people.reviewer))
    session.commit()
    with pytest.raises(WorkflowError, match="may not approve"):
        workflow.approve(session, assessment, _user(session, people.reviewer))
    session.rollback()
    assert (
        session.scalars(
            select(AssessmentIssue.id).where(AssessmentIssue.assessment_id == assessment.id)
        ).all()
        == []
    )


@pytest.fixture(scope="module")
def approved(
    assess_runtime: Runtime, people: People, derby_outcome: object
) -> tuple[int, list[int]]:
    """An assessment approved once (the real renderers: PDF, HTML, XLSX for two audiences)."""
    with assess_runtime.sessions() as session:
        assessment = _new(session, people)
        store_copy(session, derby_outcome, assessment, _user(session, people.analyst))
        workflow.review(session, assessment, _user(session, people.reviewer))
        issued = workflow.approve(session, assessment, _user(session, people.supervisor))
        session.commit()
        return assessment.id, [i.id for i in issued]


def test_approval_issues_both_audiences_with_their_digests(
    session: Session, approved: tuple[int, list[int]], people: People
) -> None:
    assessment_id, issue_ids = approved
    assessment = session.get(Assessment, assessment_id)
    assert assessment is not None and assessment.status == "approved"
    assert assessment.approved_by_user_id == people.supervisor
    issues = [session.get(AssessmentIssue, i) for i in issue_ids]
    assert sorted((i.version, i.audience) for i in issues if i) == [
        (1, "analysts"),
        (1, "shared"),
    ]
    for issue in issues:
        assert issue is not None
        digests = json.loads(issue.sha256)
        assert issue.pdf.startswith(b"%PDF")
        assert issue.annex_xlsx.startswith(b"PK")  # a zip container
        assert b"<html" in issue.html[:2000].lower()
        for name in ("pdf", "html", "annex_xlsx"):
            assert digests[name] == hashlib.sha256(getattr(issue, name)).hexdigest()
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.record_id == str(assessment_id), AuditEvent.event == "assessment.approved"
        )
    ).one()
    details = json.loads(event.details_json)
    assert details["version"] == 1
    assert (
        details["sha256"]["shared"]["pdf"]
        == workflow.issue_digests(next(i for i in issues if i and i.audience == "shared"))["pdf"]
    )


def test_issued_files_cannot_be_changed_or_deleted(
    session: Session, approved: tuple[int, list[int]]
) -> None:
    issue = session.get(AssessmentIssue, approved[1][0])
    assert issue is not None
    issue.pdf = b"%PDF forged"
    with pytest.raises(IssueImmutable):
        session.flush()
    session.rollback()
    issue = session.get(AssessmentIssue, approved[1][0])
    assert issue is not None
    session.delete(issue)
    with pytest.raises(IssueImmutable):
        session.flush()
    session.rollback()
    assert not hasattr(workflow, "update_issue")


def test_reopening_makes_a_new_version_and_keeps_the_issued_files(
    session: Session, approved: tuple[int, list[int]], people: People, derby_outcome: object
) -> None:
    assessment = session.get(Assessment, approved[0])
    assert assessment is not None
    before = {
        i: hashlib.sha256(session.get(AssessmentIssue, i).pdf).hexdigest()  # type: ignore[union-attr]
        for i in approved[1]
    }
    analyst = _user(session, people.analyst)
    with pytest.raises(judgement.JudgementError):
        judgement.set_narrative(session, assessment, analyst, theme="asb", text="Late.")
    with pytest.raises(WorkflowError, match="reopen it"):
        workflow.ensure_can_run(assessment)
    assert workflow.reopen(session, assessment, analyst) == 2
    session.commit()
    assert assessment.status == Status.DRAFT.value and assessment.approved_at is None
    judgement.set_narrative(session, assessment, analyst, theme="asb", text="Second version.")
    store_copy(session, derby_outcome, assessment, analyst)
    workflow.review(session, assessment, _user(session, people.reviewer))
    issued = workflow.approve(session, assessment, _user(session, people.supervisor))
    session.commit()
    assert {i.version for i in issued} == {2}
    for issue_id, digest in before.items():
        kept = session.get(AssessmentIssue, issue_id)
        assert kept is not None and kept.version == 1
        assert hashlib.sha256(kept.pdf).hexdigest() == digest
    versions = workflow.issued_versions(session, [assessment.id])[assessment.id]
    assert [v["version"] for v in versions] == [2, 1]


# --- background runs --------------------------------------------------------------------------


def test_a_run_job_stores_the_run_with_progress(assess_runtime: Runtime, people: People) -> None:
    with assess_runtime.sessions() as session:
        assessment = _new(session, people)
        spec = workflow.spec_of(assessment)
        entered = judgement.load(session, assessment)
    job = jobs.new_job(assessment.id, people.analyst)
    seen: list[tuple[int, int, str]] = []
    original = job.progress

    def record(step: int, total: int, message: str) -> None:
        seen.append((step, total, message))
        original(step, total, message)

    job.progress = record  # type: ignore[method-assign]
    jobs.run(job, assess_runtime, spec, entered, AuditActor.system("test"))
    assert job.state == jobs.DONE, job.error
    assert job.percent == 100 and job.run_key
    assert seen and seen[0][0] == 1 and all(total == seen[0][1] for _, total, _ in seen)
    with assess_runtime.sessions() as session:
        run = workflow.latest_run(session, assessment.id)
        assert run is not None and run.run_key == job.run_key
        assert run.created_by_user_id == people.analyst
        stored = jobs.stored_job(session, assessment.id, job.id)
        assert stored is not None and stored.state == jobs.DONE
        assert stored.run_key == job.run_key


def test_a_failed_run_keeps_the_reason_and_stores_nothing(
    assess_runtime: Runtime, people: People
) -> None:
    with assess_runtime.sessions() as session:
        assessment = _new(session, people)
        spec = workflow.spec_of(assessment)
    missing = AssessmentSpec(
        kind=spec.kind,
        scope=spec.scope,
        period_from="2016-01",
        period_to="2016-03",
        themes=spec.themes,
    )
    job = jobs.new_job(assessment.id, people.analyst)
    jobs.run(job, assess_runtime, missing, Judgement(), AuditActor.system("test"))
    assert job.state == jobs.FAILED
    assert job.error and "2016-01" in job.error
    with assess_runtime.sessions() as session:
        assert workflow.latest_run(session, assessment.id) is None
        stored = jobs.stored_job(session, assessment.id, job.id)
        assert stored is not None and stored.state == jobs.FAILED
        assert stored.error == job.error
