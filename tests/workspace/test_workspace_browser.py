"""The workspace in Chromium: overview, map to profile, a measure page, an export download."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from beacon.audit.service import AuditActor
from beacon.auth.service import create_organisation, create_user
from beacon.config import Settings
from beacon.runtime import open_runtime
from web.serving import running_beacon
from web.test_web_browser import CHROMIUM, CHROMIUM_ARGS, _require

from .conftest import ADUR

pytestmark = pytest.mark.browser

EMAIL = "workspace-analyst@example.org"
PASSWORD = "lantern-harbour-violet-38"
PERIOD = "from=2018-10&to=2018-12"


@pytest.fixture
def server(snapshot_settings: Settings, tmp_path: Path) -> Iterator[str]:
    runtime = open_runtime(snapshot_settings)
    try:
        with runtime.sessions() as session:
            actor = AuditActor.system("test")
            organisation = create_organisation(
                session, name=f"Browser Council {tmp_path.name}", org_type="district_council",
                actor=actor,
            )  # fmt: skip
            create_user(
                session,
                organisation_id=organisation.id,
                email=f"{tmp_path.name[-12:]}-{EMAIL}",
                display_name="Wren Analyst",
                password=PASSWORD,
                roles=["analyst"],
                actor=actor,
            )
            session.commit()
    finally:
        runtime.close()
    env = {
        "BEACON_DATABASE_URL": snapshot_settings.database_url,
        "BEACON_DATA_DIR": str(snapshot_settings.data_dir),
    }
    try:
        with running_beacon(env, tmp_path / "server.log") as base:
            yield base
    except RuntimeError as error:
        pytest.fail(str(error))


def test_workspace_in_chromium(server: str, tmp_path: Path) -> None:
    _require(CHROMIUM.exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    base = server
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(
                viewport={"width": 1280, "height": 900}, accept_downloads=True
            )
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{base}/login")
            page.get_by_label("Email address").fill(f"{tmp_path.name[-12:]}-{EMAIL}")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/")

            # The overview of Adur: headline, trend chart and hotspot map drawn.
            page.goto(f"{base}/?area=lad:{ADUR}&{PERIOD}")
            assert page.locator("h1").inner_text() == "Adur"
            page.wait_for_selector(".beacon-map[data-map-ready]")
            page.wait_for_selector("canvas[data-chart-ready]")
            assert page.locator(".beacon-map").get_attribute("data-map-ready") == "true"
            assert (
                page.locator("canvas.beacon-chart").first.get_attribute("data-chart-ready")
                == "true"
            )
            areas = page.locator(".beacon-map path.leaflet-interactive")
            assert areas.count() == 42  # Adur's LSOAs
            page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)

            # The form changes the period; the page says what it shows.
            page.select_option("#from", "2018-11")
            page.get_by_role("button", name="Show").click()
            page.wait_for_selector(".beacon-map[data-map-ready]")
            assert "2018-11 to 2018-12" in page.locator(".beacon-lead").inner_text()

            # An area on the map opens its neighbourhood profile.
            page.locator(".beacon-map path.leaflet-interactive").first.click(force=True)
            page.wait_for_url("**/workspace/profile/lsoa/**")
            assert "Neighbourhood profile" in page.locator(".govuk-caption-l").inner_text()
            page.wait_for_selector("canvas[data-chart-ready]")

            # A measure page, and its table's export.
            page.goto(f"{base}/workspace/concentration?area=lad:{ADUR}&{PERIOD}")
            page.wait_for_selector("canvas[data-chart-ready]")
            assert page.locator("h1").inner_text() == "Concentration"
            with page.expect_download() as download_info:
                page.locator('a[href*="/export/lsoas.csv"]').click()
            download = download_info.value
            saved = tmp_path / download.suggested_filename
            download.save_as(saved)
            text = saved.read_text(encoding="utf-8-sig")
            assert text.startswith("# Page,Concentration: LSOAs ranked")
            assert "E01031364" in text
            page.screenshot(path=str(tmp_path / "concentration.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
