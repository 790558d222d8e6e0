"""The partner intelligence form in a real browser: folding sections, the map picker and the
postcode/street finder, with and without JavaScript; no third-party request, no console error.

`beacon serve` on a free port with a temporary SQLite database (an LSOA boundary and a few
data.police.uk street rows), Debian's Chromium driven by Playwright.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import shapely

from beacon.audit.service import AuditActor
from beacon.auth.service import create_organisation, create_user
from beacon.config import Settings
from beacon.geography.models import Area, AreaBoundary
from beacon.ingest.models import StreetCrime
from beacon.runtime import open_runtime
from beacon.web.assets import GOVUK_CSS, LEAFLET_JS, STATIC_DIR

from .portal_support import beacon_server

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EMAIL = "housing.officer@example.org"
PASSWORD = "harbour-violet-quartz-93"
AREA = shapely.Polygon([(-1.62, 53.73), (-1.58, 53.73), (-1.58, 53.76), (-1.62, 53.76)])


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser test)")
    pytest.skip(reason)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    _require(CHROMIUM.exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    _require(
        (STATIC_DIR / GOVUK_CSS).is_file() and (STATIC_DIR / LEAFLET_JS).is_file(),
        "vendor assets not built (npm ci --ignore-scripts && npm run build)",
    )
    data_dir = tmp_path / "var"
    logs = tmp_path / "logs"
    logs.mkdir()
    database_url = f"sqlite:///{tmp_path / 'partner.db'}"
    runtime = open_runtime(
        Settings(environment="test", database_url=database_url, data_dir=data_dir)
    )
    actor = AuditActor.system("test")
    try:
        with runtime.sessions() as session:
            organisation = create_organisation(
                session, name="Housing Association", org_type="housing_provider", actor=actor
            )
            create_user(
                session,
                organisation_id=organisation.id,
                email=EMAIL,
                display_name="Housing Officer",
                password=PASSWORD,
                roles=["partner_contributor"],
                actor=actor,
            )
            area = Area(level="lsoa", code="E01011541", vintage="2011", name="Leeds 104B")
            session.add(area)
            session.flush()
            minx, miny, maxx, maxy = AREA.bounds
            session.add(
                AreaBoundary(
                    area_id=area.id,
                    geometry_wkb=shapely.to_wkb(AREA),
                    min_lon=minx,
                    min_lat=miny,
                    max_lon=maxx,
                    max_lat=maxy,
                )
            )
            for number in range(3):
                session.add(
                    StreetCrime(
                        record_key=hashlib.md5(bytes([number]), usedforsecurity=False).digest(),
                        month=dt.date(2018, 7, 1),
                        reported_by="West Yorkshire Police",
                        falls_within="West Yorkshire Police",
                        latitude=53.745706,
                        longitude=-1.60148,
                        location="On or near Albion Street",
                        lsoa_code="E01011541",
                        crime_type="Burglary",
                    )
                )
            session.commit()
    finally:
        runtime.close()
    with beacon_server(database_url=database_url, data_dir=data_dir, log_dir=logs) as base:
        yield base


def _sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_partner_form_map_finder_and_sections(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    origin = urlsplit(server).netloc
    requests: list[tuple[str, str]] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.on("request", lambda request: requests.append((request.method, request.url)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            _sign_in(page, server)
            page.goto(f"{server}/intake/new", wait_until="networkidle")

            # Optional sections start folded; "Show all sections" opens everything.
            assert not page.locator("#subjects-0-value").is_visible()
            assert page.locator("#summary").is_visible()
            folded = page.evaluate("document.documentElement.scrollHeight")
            page.get_by_role("button", name="Show all sections").click()
            assert page.locator("#subjects-0-value").is_visible()
            unfolded = page.evaluate("document.documentElement.scrollHeight")
            assert folded < unfolded - 1000, (folded, unfolded)
            page.get_by_role("button", name="Hide all sections").click()
            assert not page.locator("#summary").is_visible()
            page.get_by_role("button", name="Show all sections").click()

            # The map appears with the point option and sets the coordinates.
            assert not page.locator("#partner-map").is_visible()
            page.get_by_label("A point on the map, or its coordinates").check()
            page.wait_for_selector("#partner-map .leaflet-pane", state="attached")
            assert page.locator("#partner-map").is_visible()
            page.locator("#partner-map").click()
            latitude = float(page.input_value("#latitude"))
            longitude = float(page.input_value("#longitude"))
            assert 53.73 <= latitude <= 53.76 and -1.62 <= longitude <= -1.58
            assert "The point is set" in page.inner_text("#partner-map-status")
            page.screenshot(path=str(tmp_path / "partner-map.png"), full_page=True)

            # The finder answers in place (a POST: nothing typed goes into a URL).
            page.get_by_label("A postcode", exact=True).check()
            page.fill("#place_query", "albion")
            page.get_by_role("button", name="Find").click()
            page.wait_for_selector(".beacon-place-list__item")
            assert page.url == f"{server}/intake/new"
            page.get_by_role("button", name="Use Albion Street").click()
            assert page.is_checked("input[name=location_mode][value=point]")
            assert (page.input_value("#latitude"), page.input_value("#longitude")) == (
                "53.745706",
                "-1.601480",
            )
            assert page.input_value("#location_text") == "Albion Street"
            assert "Using Albion Street" in page.inner_text("#place-results")
            context.close()

            # Without JavaScript: sections still fold (details), coordinates are typed.
            plain = browser.new_context(
                java_script_enabled=False, viewport={"width": 1280, "height": 900}
            )
            page = plain.new_page()
            _sign_in(page, server)
            page.goto(f"{server}/intake/new")
            assert not page.locator("#partner-map").is_visible()
            assert page.locator("#latitude").is_visible()
            assert not page.locator("#subjects-0-value").is_visible()
            page.locator("#section-subjects summary").click()
            assert page.locator("#subjects-0-value").is_visible()
            plain.close()
        finally:
            browser.close()

    others = [url for _, url in requests if urlsplit(url).netloc != origin]
    assert others == [], others
    assert not [url for _, url in requests if "albion" in url.lower()]
    assert ("POST", f"{server}/intake/new/place") in requests
    assert errors == [], errors
