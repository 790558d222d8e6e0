"""The network view and an entity page in a real browser: the graph draws (Cytoscape), the
entity page's map and chart draw, and nothing breaks the Content-Security-Policy.

`beacon serve` on the test database with the data set of ``test_entities_web``, Debian's
Chromium driven by Playwright. Screenshots go to /tmp/screens. Skipped only on a developer
machine without /usr/bin/chromium or without the built vendor files (``CI=1`` fails instead).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from beacon.intake.models import IntelReport
from beacon.web.assets import GOVUK_CSS, STATIC_DIR
from triage.test_entities_web import PHONE, Data
from triage.test_entities_web import data as data
from triage.test_themes import PASSWORD
from triage.test_themes import world as world
from web.serving import running_beacon

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
CYTOSCAPE = STATIC_DIR / "vendor" / "cytoscape" / "cytoscape.min.js"
SCREENS = Path("/tmp/screens")


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser test)")
    pytest.skip(reason)


@pytest.fixture
def server(data: Data, tmp_path: Path) -> Iterator[str]:
    with data.world.runtime.sessions() as session:
        for name, (lat, lng) in {"r1": (53.7996, -1.5491), "r2": (53.7950, -1.7594)}.items():
            report = session.get(IntelReport, data.ids[name])
            assert report is not None
            report.latitude, report.longitude = lat, lng
        session.commit()
    env = {
        "BEACON_DATABASE_URL": data.world.settings.database_url,
        "BEACON_DATA_DIR": str(data.world.settings.data_dir),
    }
    try:
        with running_beacon(env, tmp_path / "server.log") as base:
            yield base
    except RuntimeError as error:
        pytest.fail(str(error))


def test_network_view_and_entity_page_draw(server: str, data: Data) -> None:
    _require(CHROMIUM.exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    _require((STATIC_DIR / GOVUK_CSS).is_file() and CYTOSCAPE.is_file(), "run `make assets`")
    from playwright.sync_api import sync_playwright

    SCREENS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.on(
                "console",
                lambda message: problems.append(message.text) if message.type == "error" else None,
            )
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(f"{server}/login")
            page.fill("#email", data.world.people["analyst"][1])
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")

            page.goto(f"{server}/triage/network", wait_until="networkidle")
            page.wait_for_selector("#network-graph[data-network-ready]", timeout=15000)
            ready = page.get_attribute("#network-graph", "data-network-ready")
            canvases = page.locator("#network-graph canvas").count()
            page.screenshot(path=str(SCREENS / "network.png"), full_page=True)

            page.goto(f"{server}/triage/entities/{quote(PHONE, safe='')}", wait_until="networkidle")
            page.wait_for_selector("#entity-map[data-map-ready]", timeout=15000)
            page.wait_for_selector("canvas[data-chart-ready]", timeout=15000)
            map_ready = page.get_attribute("#entity-map", "data-map-ready")
            markers = page.locator("#entity-map path.leaflet-interactive").count()
            chart_ready = page.get_attribute("canvas[data-chart-ready]", "data-chart-ready")
            page.screenshot(path=str(SCREENS / "entity.png"), full_page=True)
        finally:
            browser.close()
    assert ready == "true" and canvases >= 1
    assert map_ready == "true" and markers >= 2
    assert chart_ready == "true"
    assert problems == []
