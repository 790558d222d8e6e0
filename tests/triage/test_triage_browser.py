"""The triage queue in a real browser: an analyst opens it, filters by theme, and the table
shows only that theme's reports (`beacon serve` on a temporary SQLite database, Debian's
Chromium driven by Playwright). The screenshot is saved to /tmp/screens/queue.png.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from beacon.audit.service import AuditActor
from beacon.auth.service import create_organisation, create_user
from beacon.config import Settings
from beacon.geography.models import Area
from beacon.intake.models import IntelReport
from beacon.runtime import open_runtime
from beacon.triage.models import TriageResult
from beacon.web.assets import GOVUK_CSS, STATIC_DIR
from web.serving import running_beacon

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
EMAIL = "analyst@lakeside.example"
PASSWORD = "lantern-quartz-harbour-62"
ACTOR = AuditActor.system("test")
SCREENSHOT = Path("/tmp/screens/queue.png")
REPORTS = [
    # reference, themes, band, base, days waiting, ward, route
    ("BCN-CL7Q2M4X", ["county_lines", "drugs"], "P1", 82.0, 3, "E05011111", "routed"),
    ("BCN-AS3K9R2T", ["asb"], "P3", 34.0, 12, "E05011112", "routed"),
    ("BCN-DR8W1N5P", ["drugs"], "P2", 61.0, 1, "E05011111", "fallback"),
    ("BCN-CU2H6V8B", ["cuckooing", "county_lines"], "P2", 58.0, 5, "E05011112", "unroutable"),
    ("BCN-HC4J7Y3L", ["hate_crime"], "P3", 40.0, 2, None, "routed"),
]


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser test)")
    pytest.skip(reason)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    database_url = f"sqlite:///{tmp_path / 'triage-browser.db'}"
    runtime = open_runtime(Settings(environment="test", database_url=database_url))
    today = dt.datetime.now(dt.UTC).date()
    try:
        with runtime.sessions() as session:
            council = create_organisation(
                session, name="Lakeside Council", org_type="district_council", actor=ACTOR
            )
            create_user(
                session,
                organisation_id=council.id,
                email=EMAIL,
                display_name="Lakeside Analyst",
                password=PASSWORD,
                roles=["analyst"],
                actor=ACTOR,
            )
            session.add(Area(level="district", code="E08000035", vintage="2023", name="Leeds"))
            session.add(Area(level="ward", code="E05011111", vintage="2023", name="Armley"))
            session.add(Area(level="ward", code="E05011112", vintage="2023", name="Bramley"))
            for reference, themes, band, base, days, ward, route in REPORTS:
                received = today - dt.timedelta(days=days)
                report = IntelReport(
                    reference=reference, channel="partner", state="disseminated",
                    owning_organisation_id=council.id, received_on=received,
                    state_changed_on=received, location_mode="withheld", handling_code="P",
                    ward_code=ward, district_code="E08000035",
                    assigned_organisation_id=None if route == "unroutable" else council.id,
                    assigned_team="Community safety" if route == "routed" else None,
                    summary="Visitors at a flat", narrative="Taxis arrive most nights.",
                )  # fmt: skip
                session.add(report)
                session.flush()
                session.add(
                    TriageResult(
                        report_id=report.id, themes_json=str(themes).replace("'", '"'),
                        theme_source="model", priority_base=base, priority_band=band,
                        route_state=route,
                        triaged_at=dt.datetime.combine(received, dt.time(14, 5), tzinfo=dt.UTC),
                    )
                )  # fmt: skip
            session.commit()
    finally:
        runtime.close()
    try:
        with running_beacon({"BEACON_DATABASE_URL": database_url}, tmp_path / "server.log") as base:
            yield base
    except RuntimeError as error:
        pytest.fail(str(error))


def test_an_analyst_filters_the_queue_by_theme(server: str) -> None:
    _require(CHROMIUM.exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    _require((STATIC_DIR / GOVUK_CSS).is_file(), "vendor assets not built (npm run build)")
    from playwright.sync_api import sync_playwright

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{server}/login")
            page.fill("#email", EMAIL)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            page.click("a.beacon-nav__link[href='/triage']")
            page.wait_for_load_state("networkidle")
            everything = page.locator("#triage-table tbody th[scope=row]").all_inner_texts()
            page.select_option("#theme", "county_lines")
            page.click("#filter-button")
            page.wait_for_load_state("networkidle")
            filtered = page.locator("#triage-table tbody th[scope=row]").all_inner_texts()
            url = page.url
            banner = page.locator("#unroutable-banner").inner_text()
            selected = page.locator("#theme").input_value()
            fits = page.evaluate(
                """() => document.getElementById("triage-table").getBoundingClientRect().right
                        <= document.documentElement.clientWidth
                      && document.documentElement.scrollWidth
                        <= document.documentElement.clientWidth"""
            )
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
    # Base plus ageing: 58 after five days' wait overtakes 61 after one.
    assert everything == [
        "BCN-CL7Q2M4X",
        "BCN-CU2H6V8B",
        "BCN-DR8W1N5P",
        "BCN-AS3K9R2T",
        "BCN-HC4J7Y3L",
    ]
    assert filtered == ["BCN-CL7Q2M4X", "BCN-CU2H6V8B"]
    assert "theme=county_lines" in url and selected == "county_lines"
    assert "1 report is unroutable" in banner
    assert fits  # every column visible at desktop width, nothing scrolls sideways
