"""Assessment pages: who may open what, the forms (errors per field), a run in the background,
the interactive view drawn from the stored run, review and approval, downloads exactly as
issued, and an audit event for each view and download."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.app import create_app
from beacon.assessment import workflow
from beacon.assessment.models import (
    Assessment,
    AssessmentIssue,
    CapacityRating,
    HorizonItem,
    ScoreOverride,
)
from beacon.audit.models import AuditEvent
from beacon.runtime import Runtime

from .conftest import DERBY, PASSWORD, PERIOD, People

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def app(assess_runtime: Runtime) -> FastAPI:
    return create_app(runtime=assess_runtime)


class Clients:
    """One signed-in client per person (and an anonymous one)."""

    def __init__(self, app: FastAPI, people: People) -> None:
        self.app, self.people = app, people
        self._clients: dict[str, TestClient] = {}

    def __call__(self, who: str) -> TestClient:
        if who not in self._clients:
            client = TestClient(self.app, base_url="https://testserver")
            client.__enter__()
            if who != "anonymous":
                form = client.get("/login")
                token = _CSRF.search(form.text)
                assert token
                response = client.post(
                    "/login",
                    data={
                        "email": self.people.emails[who],
                        "password": PASSWORD,
                        "csrf_token": token.group(1),
                    },
                    follow_redirects=False,
                )
                assert response.status_code == 303, (who, response.text[:300])
            self._clients[who] = client
        return self._clients[who]

    def csrf(self, who: str) -> str:
        page = self(who).get("/account/password" if who != "anonymous" else "/login")
        found = _CSRF.search(page.text)
        assert found
        return found.group(1)

    def post(self, who: str, path: str, data: dict | None = None) -> httpx.Response:
        fields: dict = {"csrf_token": self.csrf(who), **(data or {})}
        return self(who).post(path, data=fields, follow_redirects=False)

    def close(self) -> None:
        for client in self._clients.values():
            client.__exit__(None, None, None)


@pytest.fixture(scope="module")
def clients(app: FastAPI, people: People) -> Iterator[Clients]:
    found = Clients(app, people)
    try:
        yield found
    finally:
        found.close()


def _create(clients: Clients, who: str = "analyst", **change: object) -> int:
    data = {
        "kind": "strategic",
        "scope": DERBY,
        "from": PERIOD[0],
        "to": PERIOD[1],
        "themes": ["asb", "drugs", "violence", "acquisitive", "damage", "other"],
    } | change
    response = clients.post(who, "/assessments/new", data)
    assert response.status_code == 303, response.text[:2000]
    location = response.headers["location"]
    match = re.match(r"^/assessments/(\d+)\?done=created$", location)
    assert match, location
    return int(match.group(1))


def _run(clients: Clients, assessment_id: int, who: str = "analyst") -> str:
    response = clients.post(who, f"/assessments/{assessment_id}/run")
    assert response.status_code == 303, response.text[:2000]
    location = response.headers["location"]
    job_id = location.rsplit("/", 1)[1]
    job = clients.app.state.assessment_jobs.get(job_id)
    assert job is not None and job.wait(180)
    assert job.state == "done", job.error
    return location


def _events(assess_runtime: Runtime, assessment_id: int, event: str) -> list[AuditEvent]:
    with assess_runtime.sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.record_type == "assessment",
                    AuditEvent.record_id == str(assessment_id),
                    AuditEvent.event == event,
                )
                .order_by(AuditEvent.id)
            )
        )


@pytest.fixture(scope="module")
def ran(clients: Clients) -> int:
    """An assessment of Derby created and run through the pages."""
    assessment_id = _create(clients)
    _run(clients, assessment_id)
    return assessment_id


# --- who may open what ------------------------------------------------------------------------

ANALYST_ONLY_GET = (
    "/assessments/new",
    "/assessments/{id}",
    "/assessments/{id}/areas.geojson",
    "/assessments/{id}/horizon",
    "/assessments/{id}/overrides",
    "/assessments/{id}/narrative",
    "/assessments/{id}/compare",
    "/assessments/{id}/run/some-job",
    "/assessments/{id}/run/some-job/progress",
)
ANALYST_ONLY_POST = (
    "/assessments/new",
    "/assessments/{id}/run",
    "/assessments/{id}/horizon",
    "/assessments/{id}/horizon/1/withdraw",
    "/assessments/{id}/overrides",
    "/assessments/{id}/overrides/1/withdraw",
    "/assessments/{id}/narrative",
    "/assessments/{id}/review",
    "/assessments/{id}/reopen",
    "/assessments/{id}/approve",
)
SHARED_GET = (
    "/assessments",
    "/assessments/{id}/capacity",
    "/assessments/{id}/draft.pdf",
    "/assessments/{id}/issued/1/shared.pdf",
)


def test_every_route_is_refused_to_those_without_the_permission(clients: Clients, ran: int) -> None:
    paths_get = [p.format(id=ran) for p in (*ANALYST_ONLY_GET, *SHARED_GET)]
    paths_post = [p.format(id=ran) for p in (*ANALYST_ONLY_POST, "/assessments/{id}/capacity")]
    for path in paths_get:
        response = clients("anonymous").get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login"), path
        assert clients("admin").get(path).status_code == 403, path
    for path in paths_post:
        assert clients.post("anonymous", path).status_code in (303, 403), path
        assert clients.post("admin", path).status_code == 403, path
    for who in ("partner", "engagement"):
        for path in ANALYST_ONLY_GET:
            assert clients(who).get(path.format(id=ran)).status_code == 403, (who, path)
        for path in ANALYST_ONLY_POST:
            assert clients.post(who, path.format(id=ran)).status_code == 403, (who, path)
        # The analysts' issued version shows small numbers: refused before any lookup.
        assert clients(who).get(f"/assessments/{ran}/issued/1/analysts.pdf").status_code == 403
        assert clients(who).get("/assessments").status_code == 200
        assert clients(who).get(f"/assessments/{ran}/capacity").status_code == 200
    # Only a supervisor approves.
    assert clients.post("reviewer", f"/assessments/{ran}/approve").status_code == 403
    # Forms without the CSRF token are refused.
    response = clients("reviewer").post(f"/assessments/{ran}/review", data={})
    assert response.status_code == 403
    assert clients("analyst").get("/assessments/999999").status_code == 404


def test_the_nav_shows_assessments_to_those_who_may_see_them(clients: Clients) -> None:
    assert 'href="/assessments"' in clients("partner").get("/assessments").text
    admin_page = clients("admin").get("/account/password").text
    assert 'href="/assessments"' not in admin_page


# --- asking for one ---------------------------------------------------------------------------


def test_the_form_names_each_bad_field(clients: Clients, assess_runtime: Runtime) -> None:
    page = clients("analyst").get("/assessments/new")
    assert page.status_code == 200
    assert 'value="lad:E06000015"' in page.text  # Derby, from the workspace's area menu
    assert 'name="themes" type="checkbox" value="asb"' in page.text
    response = clients.post(
        "analyst",
        "/assessments/new",
        {"kind": "annual", "scope_typed": "lad:nope", "from": "2018-12", "to": "2018-10"},
    )
    assert response.status_code == 400
    text = response.text
    assert "govuk-error-summary" in text
    for field in ("kind", "scope_typed", "from", "themes"):
        assert f'href="#{field}"' in text, field
    # Months not loaded are refused before anything is stored.
    response = clients.post(
        "analyst",
        "/assessments/new",
        {"kind": "strategic", "scope": DERBY, "from": "2016-01", "to": "2016-03", "themes": "asb"},
    )
    assert response.status_code == 400
    assert "2016-01" in response.text
    with assess_runtime.sessions() as session:
        assert (
            session.scalar(select(Assessment.id).where(Assessment.period_from == "2016-01")) is None
        )


# --- running and viewing ----------------------------------------------------------------------


def test_a_new_assessment_offers_to_run_and_the_run_shows_progress(
    clients: Clients, assess_runtime: Runtime
) -> None:
    assessment_id = _create(clients, themes=["asb"])
    page = clients("analyst").get(f"/assessments/{assessment_id}?done=created")
    assert page.status_code == 200
    assert "Not run yet" in page.text and 'id="action-run"' in page.text
    assert "DRAFT" in page.text
    location = _run(clients, assessment_id)
    progress = clients("analyst").get(location + "/progress")
    assert progress.status_code == 200
    assert progress.headers.get("hx-refresh") == "true"
    finished = clients("analyst").get(location, follow_redirects=False)
    assert finished.status_code == 303
    assert finished.headers["location"] == f"/assessments/{assessment_id}"
    assert clients("analyst").get(location.rsplit("/", 1)[0] + "/nope").status_code == 404


def test_the_view_draws_the_stored_run(clients: Clients, ran: int, assess_runtime: Runtime) -> None:
    from beacon.assessment.service import document_of

    with assess_runtime.sessions() as session:
        run = workflow.latest_run(session, ran)
        assert run is not None
        document = document_of(run)
    before = len(_events(assess_runtime, ran, "assessment.viewed"))
    page = clients("analyst").get(f"/assessments/{ran}")
    assert page.status_code == 200
    text = page.text
    # Every section, in order, with its anchor in the table of contents.
    positions = []
    for section in document.all_sections():
        assert f'id="{section.id}"' in text, section.id
        assert f'href="#{section.id}"' in text, section.id
        positions.append(text.index(f'id="{section.id}"'))
    assert positions == sorted(positions)
    # Every figure as a JSON island the workspace script draws, with its table.
    figures = document.all_figures()
    assert figures
    geometry = f'data-geometry-url="/assessments/{ran}/areas.geojson?run={run.run_key}"'
    for _section, figure in figures:
        island = re.search(
            rf'<script type="application/json" id="fig-{re.escape(figure.id)}">(.*?)</script>',
            text,
            re.S,
        )
        assert island, figure.id
        assert json.loads(island.group(1).replace("&#34;", '"')) or True
        if figure.kind == "map":
            assert f'data-map="fig-{figure.id}"' in text
        else:
            assert f'data-chart="fig-{figure.id}"' in text
        if figure.table:
            assert f'id="table-{figure.table}"' in text
    assert geometry in text
    assert document.figures  # facts are shown as printed by the workspace's formats
    # The boundaries of every LSOA the maps draw.
    areas = clients("analyst").get(f"/assessments/{ran}/areas.geojson?run={run.run_key}")
    assert areas.status_code == 200
    codes = {f["properties"]["code"] for f in areas.json()["features"]}
    assert codes == set(document.map_lsoas)
    # One consultation per view.
    events = _events(assess_runtime, ran, "assessment.viewed")
    assert len(events) == before + 1
    assert events[-1].action == "consultation"
    assert json.loads(events[-1].details_json)["run_key"] == run.run_key


def test_opening_an_entry_page_is_audited(
    clients: Clients, ran: int, assess_runtime: Runtime
) -> None:
    before = len(_events(assess_runtime, ran, "assessment.entries_viewed"))
    for who, page in (("partner", "capacity"), ("analyst", "horizon"), ("analyst", "overrides")):
        assert clients(who).get(f"/assessments/{ran}/{page}").status_code == 200
    events = _events(assess_runtime, ran, "assessment.entries_viewed")[before:]
    assert [json.loads(e.details_json)["page"] for e in events] == [
        "capacity", "horizon", "overrides",
    ]  # fmt: skip
    assert {e.action for e in events} == {"consultation"}
    # A refused visit records nothing.
    assert clients("engagement").get(f"/assessments/{ran}/horizon").status_code == 403
    assert len(_events(assess_runtime, ran, "assessment.entries_viewed")) == before + 3


def test_comparing_two_runs_says_what_changed(
    clients: Clients, ran: int, assess_runtime: Runtime
) -> None:
    analyst = clients("analyst")
    clients.post(
        "analyst", f"/assessments/{ran}/narrative", {"text-summary": "A new summary for the run."}
    )
    _run(clients, ran)
    with assess_runtime.sessions() as session:
        runs = workflow.runs_of(session, ran)
    assert len(runs) >= 2
    page = analyst.get(f"/assessments/{ran}/compare?run={runs[1].run_key}&with={runs[0].run_key}")
    assert page.status_code == 200
    assert "judgement: narratives" in page.text
    assert "entries added, changed or withdrawn" in page.text
    assert _events(assess_runtime, ran, "assessment.compared")[-1].action == "consultation"
    bad = analyst.get(f"/assessments/{ran}/compare?run=nope&with={runs[0].run_key}")
    assert bad.status_code == 400 and "There is no run" in bad.text


# --- what people enter ------------------------------------------------------------------------


def test_partners_rate_their_own_organisation_only(
    clients: Clients, ran: int, assess_runtime: Runtime, people: People
) -> None:
    page = clients("partner").get(f"/assessments/{ran}/capacity")
    assert page.status_code == 200 and 'name="rating-asb"' in page.text
    forged = clients.post(
        "partner",
        f"/assessments/{ran}/capacity",
        {"organisation_id": str(people.other), "rating-asb": "2"},
    )
    assert forged.status_code == 400
    assert "only your own organisation" in forged.text
    bad = clients.post("partner", f"/assessments/{ran}/capacity", {"rating-asb": "9"})
    assert bad.status_code == 400 and 'href="#rating-asb"' in bad.text
    with assess_runtime.sessions() as session:
        assert not session.scalars(
            select(CapacityRating).where(CapacityRating.assessment_id == ran)
        ).all()
    saved = clients.post(
        "partner",
        f"/assessments/{ran}/capacity",
        {"organisation_id": str(people.council), "rating-asb": "3", "comment-asb": "Stretched"},
    )
    assert saved.status_code == 303
    # The same again adds nothing.
    clients.post(
        "partner", f"/assessments/{ran}/capacity", {"rating-asb": "3", "comment-asb": "Stretched"}
    )
    with assess_runtime.sessions() as session:
        rows = session.scalars(
            select(CapacityRating).where(CapacityRating.assessment_id == ran)
        ).all()
    assert [(r.theme, r.rating, r.organisation_id, r.comment) for r in rows] == [
        ("asb", 3, people.council, "Stretched")
    ]


def test_horizon_overrides_and_narratives_through_the_forms(
    clients: Clients, ran: int, assess_runtime: Runtime
) -> None:
    missing = clients.post("analyst", f"/assessments/{ran}/horizon", {"category": "social"})
    assert missing.status_code == 400 and 'href="#title"' in missing.text
    added = clients.post(
        "analyst",
        f"/assessments/{ran}/horizon",
        {"category": "social", "title": "Student numbers", "description": "A new campus.",
         "themes": ["asb"]},
    )  # fmt: skip
    assert added.status_code == 303
    short = clients.post(
        "analyst",
        f"/assessments/{ran}/overrides",
        {"theme": "drugs", "component": "harm", "value": "5", "justification": "Because."},
    )
    assert short.status_code == 400 and 'href="#justification"' in short.text
    clients.post(
        "analyst",
        f"/assessments/{ran}/overrides",
        {"theme": "drugs", "component": "harm", "value": "5",
         "justification": "Hospital admissions doubled this autumn."},
    )  # fmt: skip
    with assess_runtime.sessions() as session:
        item = session.scalars(select(HorizonItem).where(HorizonItem.assessment_id == ran)).one()
        override = session.scalars(
            select(ScoreOverride).where(ScoreOverride.assessment_id == ran)
        ).one()
    assert json.loads(item.themes) == ["asb"]
    page = clients("analyst").get(f"/assessments/{ran}/overrides")
    assert "Hospital admissions doubled" in page.text
    assert (
        clients.post("analyst", f"/assessments/{ran}/overrides/{override.id}/withdraw").status_code
        == 303
    )
    assert (
        clients.post("analyst", f"/assessments/{ran}/horizon/{item.id}/withdraw").status_code == 303
    )
    assert (
        clients.post("analyst", f"/assessments/{ran}/horizon/{item.id}/withdraw").status_code == 400
    )
    assert clients.post("analyst", f"/assessments/{ran}/horizon/999999/withdraw").status_code == 404
    too_long = clients.post(
        "analyst", f"/assessments/{ran}/narrative", {"text-drugs": "x" * 10_001}
    )
    assert too_long.status_code == 400 and 'href="#text-drugs"' in too_long.text
    saved = clients.post("analyst", f"/assessments/{ran}/narrative", {"text-asb": "Kept."})
    assert saved.status_code == 303
    page = clients("analyst").get(f"/assessments/{ran}/narrative")
    assert ">Kept.</textarea>" in page.text
    view = clients("analyst").get(f"/assessments/{ran}")
    assert 'id="judgement-changed"' in view.text  # entries made since the latest run


# --- review, approval and downloads -----------------------------------------------------------


@pytest.fixture(scope="module")
def issued(clients: Clients) -> int:
    """An assessment run, reviewed and approved through the pages (version 1 issued)."""
    assessment_id = _create(clients, themes=["asb"])
    _run(clients, assessment_id)
    refused = clients.post("analyst", f"/assessments/{assessment_id}/review")
    assert refused.status_code == 400
    assert "someone other than" in refused.text.lower()
    assert clients.post("reviewer", f"/assessments/{assessment_id}/review").status_code == 303
    approved = clients.post("supervisor", f"/assessments/{assessment_id}/approve")
    assert approved.status_code == 303, approved.text[:3000]
    return assessment_id


def test_issued_files_download_exactly_as_stored(
    clients: Clients, issued: int, assess_runtime: Runtime
) -> None:
    with assess_runtime.sessions() as session:
        rows = session.scalars(
            select(AssessmentIssue).where(AssessmentIssue.assessment_id == issued)
        ).all()
        stored = {
            (r.audience, fmt): (bytes(getattr(r, file)), workflow.issue_digests(r)[file])
            for r in rows
            for fmt, file in (("pdf", "pdf"), ("html", "html"), ("xlsx", "annex_xlsx"))
        }
    assert {k[0] for k in stored} == {"analysts", "shared"}
    for (audience, fmt), (body, digest) in stored.items():
        response = clients("supervisor").get(f"/assessments/{issued}/issued/1/{audience}.{fmt}")
        assert response.status_code == 200
        assert response.content == body
        assert hashlib.sha256(response.content).hexdigest() == digest
        assert "attachment" in response.headers["content-disposition"]
    shared = clients("partner").get(f"/assessments/{issued}/issued/1/shared.pdf")
    assert shared.status_code == 200 and shared.content == stored[("shared", "pdf")][0]
    assert clients("partner").get(f"/assessments/{issued}/issued/1/analysts.pdf").status_code == 403
    assert clients("partner").get(f"/assessments/{issued}/issued/2/shared.pdf").status_code == 404
    events = _events(assess_runtime, issued, "assessment.downloaded")
    assert events and all(e.action == "disclosure" for e in events)
    last = json.loads(events[-1].details_json)
    assert last == {
        "file": "shared.pdf",
        "version": 1,
        "sha256": stored[("shared", "pdf")][1],
    }
    listing = clients("partner").get("/assessments")
    assert f"/assessments/{issued}/issued/1/shared.pdf" in listing.text
    assert f"/assessments/{issued}/issued/1/analysts.pdf" not in listing.text


def test_an_approved_assessment_refuses_changes_until_reopened(
    clients: Clients, issued: int, assess_runtime: Runtime
) -> None:
    view = clients("analyst").get(f"/assessments/{issued}")
    assert "APPROVED" in view.text and 'id="action-reopen"' in view.text
    assert 'id="action-run"' not in view.text
    refused = clients.post("analyst", f"/assessments/{issued}/narrative", {"text-asb": "Late."})
    assert refused.status_code == 400 and "reopen it as a new version" in refused.text
    refused = clients.post("partner", f"/assessments/{issued}/capacity", {"rating-asb": "2"})
    assert refused.status_code == 400
    assert clients.post("analyst", f"/assessments/{issued}/run").status_code == 400
    # Partners read the issued version, not a draft of it.
    assert clients("partner").get(f"/assessments/{issued}/draft.pdf").status_code == 404
    reopened = clients.post("analyst", f"/assessments/{issued}/reopen")
    assert reopened.status_code == 303
    with assess_runtime.sessions() as session:
        assessment = session.get(Assessment, issued)
        assert assessment is not None and assessment.status == "draft"
        assert len(workflow.issued_versions(session, [issued])[issued]) == 1
    assert (
        clients("supervisor").get(f"/assessments/{issued}/issued/1/analysts.pdf").status_code == 200
    )


def test_drafts_are_marked_draft_and_shared_for_partners(
    clients: Clients, ran: int, assess_runtime: Runtime
) -> None:
    analyst = clients("analyst").get(f"/assessments/{ran}/draft.xlsx")
    assert analyst.status_code == 200 and analyst.content.startswith(b"PK")
    partner = clients("partner").get(f"/assessments/{ran}/draft.zip")
    assert partner.status_code == 200 and partner.content.startswith(b"PK")
    assert "shared" in partner.headers["content-disposition"]
    html = clients("analyst").get(f"/assessments/{ran}/draft.html")
    assert html.status_code == 200 and b"<html" in html.content[:2000].lower()
    assert clients("analyst").get(f"/assessments/{ran}/draft.csv").status_code == 404
    details = [
        json.loads(e.details_json) for e in _events(assess_runtime, ran, "assessment.downloaded")
    ]
    assert {(d["file"], d["audience"]) for d in details} >= {
        ("draft.xlsx", "analysts"),
        ("draft.zip", "shared"),
        ("draft.html", "analysts"),
    }


def test_the_run_page_shows_progress_and_why_a_run_failed(clients: Clients, ran: int) -> None:
    from beacon.assessment import jobs

    registry = clients.app.state.assessment_jobs
    running = jobs.new_job(ran, None)
    running.state = jobs.RUNNING
    running.progress(3, 12, "building the sections")
    registry.add(running)
    page = clients("analyst").get(f"/assessments/{ran}/run/{running.id}")
    assert page.status_code == 200
    assert "Step 3 of 12: building the sections." in page.text
    assert f'hx-get="/assessments/{ran}/run/{running.id}/progress"' in page.text
    assert '<meta http-equiv="refresh" content="3">' in page.text  # without JavaScript
    assert 'value="25"' in page.text  # the progress bar
    progress = clients("analyst").get(f"/assessments/{ran}/run/{running.id}/progress")
    assert "hx-refresh" not in progress.headers
    failed = jobs.new_job(ran, None)
    failed.error = "no IMD 2019 deprivation ranks are loaded: beacon import imd FILE.csv"
    failed.finish(jobs.FAILED)
    registry.add(failed)
    page = clients("analyst").get(f"/assessments/{ran}/run/{failed.id}")
    assert page.status_code == 400
    assert "could not be computed" in page.text
    assert "beacon import imd FILE.csv" in page.text
    assert "hx-get" not in page.text
    # Another assessment's run is not found under this one.
    assert clients("analyst").get(f"/assessments/999999/run/{failed.id}").status_code == 404
