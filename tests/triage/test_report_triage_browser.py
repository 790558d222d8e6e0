"""A triaged report in a real browser: an analyst opens it and sees the highlighted text,
themes, priority, owner, linked reports, duplicates and the map; the page fits the screen.
`beacon serve` on a temporary SQLite database, Debian's Chromium driven by Playwright; the
screenshot is kept in /tmp/screens/report.png for people to look at.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit.test_audit_browser import CHROMIUM, CHROMIUM_ARGS, _require
from beacon.access.policy import Principal
from beacon.auth.service import create_organisation, create_user, user_actor
from beacon.config import Settings
from beacon.intake import service as intake
from beacon.intake.models import IntelReport, LocationMode
from beacon.intake.schemas import Where
from beacon.runtime import open_runtime
from beacon.triage import flow
from beacon.triage.models import DuplicateLink, RouteRule
from beacon.web.assets import GOVUK_CSS, STATIC_DIR
from triage.test_themes import SYSTEM, report_in
from web.serving import running_beacon

pytestmark = pytest.mark.browser

PASSWORD = "lantern-quartz-harbour-58"
FIRST = (
    "Lads from the city use a deal line 07700 900123 and a grey Golf AB12 CDE outside "
    "14 Mill Lane. Jordan Reilly runs it.\nThey come most evenings around 9pm."
)
SECOND = "Jordan Reilly was seen again in the grey Golf AB12 CDE near the park."


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    database_url = f"sqlite:///{tmp_path / 'triage-browser.db'}"
    settings = Settings(environment="test", database_url=database_url, data_dir=tmp_path)
    settings = settings.model_copy(update={"intake_organisation": "Hub Police"})
    runtime = open_runtime(settings)
    people = {}
    try:
        with runtime.sessions() as session:
            hub = create_organisation(
                session, name="Hub Police", org_type="police_force", actor=SYSTEM
            ).id
            council = create_organisation(
                session, name="Lakeside Council", org_type="district_council", actor=SYSTEM
            ).id
            for name, role in (
                ("supervisor", "intelligence_supervisor"),
                ("analyst", "analyst"),
                ("partner", "partner_contributor"),
            ):
                user = create_user(
                    session,
                    organisation_id=hub,
                    email=f"{name}@hub.example",
                    display_name=name.title(),
                    password=PASSWORD,
                    roles=(role,),
                    actor=SYSTEM,
                )
                people[name] = (Principal.for_user(user.id, hub, (role,)), user_actor(user))
            session.add(
                RouteRule(
                    position=1,
                    area_level="any",
                    area_code=None,
                    theme_key=None,
                    owner_organisation_id=council,
                    team="Community safety",
                    fallback=True,
                )
            )
            session.commit()
        ids = []
        pin = Where(mode=LocationMode.POINT, latitude=53.7997, longitude=-1.5492)
        for narrative, where in ((FIRST, pin), (SECOND, Where(mode=LocationMode.WITHHELD))):
            data = dataclasses.replace(
                report_in(None), narrative=narrative, where=where, subjects=report_in(None).subjects
            )
            with runtime.sessions() as session:
                partner, partner_actor = people["partner"]
                sup, sup_actor = people["supervisor"]
                submitted = intake.create_partner_report(
                    session, principal=partner, actor=partner_actor, data=data, settings=settings
                )
                report = session.get(IntelReport, submitted.report_id)
                assert report is not None
                intake.sanitise(
                    session,
                    report=report,
                    principal=sup,
                    actor=sup_actor,
                    narrative=narrative,
                    assessment="Probably <b>county lines</b>.",
                    location_text=None,
                    summary="Deal line and a grey Golf",
                )
                flow.triage_report(session, report, data_dir=settings.data_dir)
                intake.grade(
                    session,
                    report=report,
                    principal=sup,
                    actor=sup_actor,
                    grading=data.grading,
                    theme="county_lines",
                )
                flow.refresh(session, report)
                intake.disseminate(session, report=report, principal=sup, actor=sup_actor)
                session.commit()
                ids.append(report.id)
        with runtime.sessions() as session:
            a, b = sorted(ids)
            session.add(
                DuplicateLink(
                    report_a=a,
                    report_b=b,
                    similarity=0.72,
                    reason="text similarity 0.72; received on the same day",
                )
            )
            session.commit()
    finally:
        runtime.close()
    env = {
        "BEACON_DATABASE_URL": database_url,
        "BEACON_DATA_DIR": str(tmp_path),
        "BEACON_INTAKE_ORGANISATION": "Hub Police",
    }
    try:
        with running_beacon(env, tmp_path / "server.log") as base:
            yield base, ids[0]
    except RuntimeError as error:
        pytest.fail(str(error))


def test_an_analyst_sees_a_triaged_report(server: tuple[str, str]) -> None:
    _require(CHROMIUM.exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    _require((STATIC_DIR / GOVUK_CSS).is_file(), "vendor assets not built (npm run build)")
    from playwright.sync_api import sync_playwright

    base, report_id = server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{base}/login")
            page.fill("#email", "analyst@hub.example")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            page.goto(f"{base}/intake/{report_id}", wait_until="networkidle")
            measured = page.evaluate(
                """() => ({
                  marks: [...document.querySelectorAll("#narrative mark.entity")].map(
                    (m) => [m.className, m.textContent]),
                  background: getComputedStyle(
                    document.querySelector("mark.entity-phone")).backgroundColor,
                  components: document.querySelectorAll("#triage-components tbody tr").length,
                  map: document.querySelector("#report-place-map.leaflet-container") !== null,
                  viewport: document.documentElement.clientWidth,
                  page: document.documentElement.scrollWidth,
                })"""
            )
            Path("/tmp/screens").mkdir(parents=True, exist_ok=True)
            page.screenshot(path="/tmp/screens/report.png", full_page=True)
        finally:
            browser.close()
    assert ["entity entity-phone", "Phone: 07700 900123"] in measured["marks"]
    assert ["entity entity-vehicle", "Vehicle: AB12 CDE"] in measured["marks"]
    assert measured["background"] == "rgb(210, 226, 241)"  # the stylesheet is linked
    assert measured["components"] >= 5
    assert measured["map"], "the Leaflet map was not drawn"
    assert measured["page"] <= measured["viewport"], measured  # nothing scrolls sideways
    assert errors == []  # no CSP refusals or script errors
