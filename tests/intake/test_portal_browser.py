"""The resident portal in a real browser: `beacon serve` on a free port, Debian's Chromium
driven by Playwright. WCAG 2.2 AA checked with axe-core on every portal page, with and without
JavaScript, keyboard only, on a phone-sized screen; no third-party request and no cookie at all.
Skipped only on a developer machine without Chromium or the npm packages; in CI it must run."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import shapely

from beacon.config import Settings
from beacon.geography.models import Area, AreaBoundary
from beacon.runtime import open_runtime
from beacon.web.assets import GOVUK_CSS, STATIC_DIR

from .portal_support import beacon_server, codes_in, jpeg_with_metadata, prepare_database

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
LEAFLET = STATIC_DIR / "vendor" / "leaflet" / "leaflet.js"
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
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
NARRATIVE = "Two men sell drugs from a grey van by the park gates most evenings around 9pm."
# A local area around the middle of Leeds, so the map has something to draw.
AREA = shapely.Polygon([(-1.56, 53.79), (-1.53, 53.79), (-1.53, 53.81), (-1.56, 53.81)])


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser test)")
    pytest.skip(reason)


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[str]:
    _require(CHROMIUM.exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    _require(
        (STATIC_DIR / GOVUK_CSS).is_file() and LEAFLET.is_file(),
        "vendor assets not built (npm ci --ignore-scripts && npm run build)",
    )
    _require(AXE.is_file(), "axe-core not installed (npm ci --ignore-scripts)")
    data_dir = tmp_path / "var"
    logs = tmp_path / "logs"
    logs.mkdir()
    database_url = f"sqlite:///{tmp_path / 'portal.db'}"
    prepare_database(database_url, data_dir)
    runtime = open_runtime(
        Settings(environment="test", database_url=database_url, data_dir=data_dir)
    )
    try:
        with runtime.sessions() as session:
            area = Area(level="lsoa", code="E01011365", vintage="2011", name="Leeds 111A")
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
            session.commit()
    finally:
        runtime.close()
    with beacon_server(database_url=database_url, data_dir=data_dir, log_dir=logs) as base:
        yield base


class Browser:
    """One Chromium with a record of every request, console error and axe result."""

    def __init__(self, playwright: Any, base: str) -> None:
        self.base = base
        self.origin = urlsplit(base).netloc
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )

    def context(self, **options: Any) -> Any:
        context = self.browser.new_context(**options)
        # axe-core as an init script: injected by the browser itself, so the pages' own
        # Content-Security-Policy (no inline script) stays in force and is checked too.
        if options.get("java_script_enabled", True):
            context.add_init_script(path=str(AXE))
        context.on("request", lambda request: self.requests.append(request.url))
        return context

    def page(self, context: Any) -> Any:
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                self.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        return page

    def third_party(self) -> list[str]:
        return [
            url
            for url in self.requests
            if not url.startswith(("data:", "blob:")) and urlsplit(url).netloc != self.origin
        ]


def axe_violations(page: Any) -> list[str]:
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + json.dumps([[node["target"], node.get("failureSummary")] for node in v["nodes"]][:5])
        for v in result["violations"]
    ]


def assert_accessible(page: Any, what: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{what}:\n" + "\n".join(violations)


def no_horizontal_scroll(page: Any) -> bool:
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def fill_report(page: Any) -> None:
    page.get_by_label("What happened, or what have you noticed?").fill(NARRATIVE)
    page.get_by_label("I can describe the street or place").check()
    page.get_by_label("Street or place", exact=True).fill("The park gates on Albion Street")
    page.get_by_label("It is still happening").check()
    page.get_by_label("Approximate time (optional)").fill("about 9pm")
    page.get_by_label("Drug dealing or drug use").check()


def test_portal_in_chromium_is_accessible_and_private(portal: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = Browser(playwright, portal)
        try:
            context = browser.context(viewport={"width": 1280, "height": 900})
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=portal)
            page = browser.page(context)

            # The empty form, with the map enhancement running.
            page.goto(f"{portal}/report", wait_until="networkidle")
            assert page.title() == "Report a concern – Beacon"
            page.wait_for_selector(".leaflet-interactive", state="attached")
            assert page.get_by_label("I will choose a place on the map").is_visible()
            # Conditional reveal: only the chosen option's questions show.
            assert not page.locator("#contact_email").is_visible()
            page.get_by_label("Yes, you can contact me").check()
            assert page.locator("#contact_email").is_visible()
            assert page.get_by_label("Yes, you can contact me").get_attribute("aria-controls") == (
                "conditional-contact"
            )
            page.get_by_label("No, I want to stay anonymous").check()
            assert not page.locator("#contact_email").is_visible()
            # The date boxes belong to "On one day" and "Over a period of time" only.
            for answer, first, last in (
                ("It is still happening", False, False),
                ("I don’t know", False, False),
                ("On one day", True, False),
                ("Over a period of time", True, True),
            ):
                page.get_by_label(answer).check()
                assert page.locator("#occurred_from_day").is_visible() is first, answer
                assert page.locator("#occurred_to_day").is_visible() is last, answer
            # The description counts down to the server's limit as it is typed.
            info = page.locator("#narrative-info")
            assert info.inner_text() == "You have 10,000 characters remaining"
            page.locator("#narrative").fill("Seen 😀 twice")
            assert info.inner_text() == "You have 9,988 characters remaining"
            page.locator("#narrative").fill("x" * 10_002)
            assert info.inner_text() == "You have 2 characters too many"
            assert "govuk-error-message" in (info.get_attribute("class") or "")
            page.locator("#narrative").fill("")
            assert_accessible(page, "empty form")

            # Keyboard only: from the top of the page, Tab reaches the send button.
            page.goto(f"{portal}/report", wait_until="networkidle")
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.textContent.trim()") == (
                "Skip to main content"
            )
            reached = False
            for _ in range(120):
                page.keyboard.press("Tab")
                if page.evaluate("document.activeElement.id") == "send-report":
                    reached = True
                    break
            assert reached, "Tab never reached the Send report button"
            with page.expect_navigation(wait_until="networkidle"):
                page.keyboard.press("Enter")  # sends the empty form

            # The form with errors: summary first, focused, linking to each field.
            assert page.title().startswith("Error: ")
            summary = page.locator(".govuk-error-summary")
            assert summary.is_visible()
            assert page.evaluate("document.activeElement.id") == "error-summary-title"
            for link in summary.locator("a").all():
                target = link.get_attribute("href")
                assert target and page.locator(target).count() == 1, target
            assert_accessible(page, "form with errors")

            # A full report, placed by clicking the map.
            fill_report(page)
            page.get_by_label("I will choose a place on the map").check()
            page.locator("#report-map").click()
            assert page.locator("#latitude").input_value()
            assert "You chose a place on the map" in page.locator("#report-map-status").inner_text()
            page.locator("#photo").set_input_files(
                files=[
                    {
                        "name": "IMG_0001.jpg",
                        "mimeType": "image/jpeg",
                        "buffer": jpeg_with_metadata(),
                    }
                ]
            )
            page.get_by_role("button", name="Send report").click()
            page.wait_for_load_state("networkidle")
            assert page.title() == "Report received – Beacon"
            code = page.locator("#reference-code").inner_text().strip()
            assert codes_in(code) == [code]
            assert code not in page.url
            assert "This code cannot be recovered" in page.locator("#code-warning").inner_text()
            assert_accessible(page, "acknowledgement")
            # Copy puts the code on the clipboard; nothing else happens (no request).
            requests_before = len(browser.requests)
            page.get_by_role("button", name="Copy the code").click()
            page.wait_for_function(
                "document.getElementById('copy-status').textContent.includes('copied')"
            )
            assert page.evaluate("navigator.clipboard.readText()") == code
            assert len(browser.requests) == requests_before
            # Printed: the code and what it is for, without the site's header or buttons.
            page.emulate_media(media="print")
            assert page.locator("#reference-code").is_visible()
            assert page.locator("#code-warning").is_visible()
            assert not page.locator(".beacon-header").is_visible()
            assert not page.get_by_role("button", name="Copy the code").is_visible()
            assert not page.get_by_role("button", name="Print this page").is_visible()
            page.screenshot(path=str(tmp_path / "received-print.png"), full_page=True)
            page.emulate_media(media="screen")

            # Keep in contact: enter the code.
            page.goto(f"{portal}/report/contact", wait_until="networkidle")
            assert_accessible(page, "contact page")
            page.get_by_role("button", name="Continue").click()
            page.wait_for_load_state("networkidle")
            assert_accessible(page, "contact page with an error")
            page.get_by_label("Your code").fill(code.lower())
            page.get_by_role("button", name="Continue").click()
            page.wait_for_load_state("networkidle")
            assert page.title() == "Questions about your report – Beacon"
            assert_accessible(page, "messages page")

            assert context.cookies() == []
            context.close()

            # A phone: no horizontal scrolling on the form, the errors or the acknowledgement.
            phone = browser.context(
                viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
            )
            page = browser.page(phone)
            page.goto(f"{portal}/report", wait_until="networkidle")
            assert no_horizontal_scroll(page), "form"
            page.get_by_role("button", name="Send report").click()
            page.wait_for_load_state("networkidle")
            assert no_horizontal_scroll(page), "errors"
            assert_accessible(page, "form with errors on a phone")
            fill_report(page)
            page.get_by_role("button", name="Send report").click()
            page.wait_for_load_state("networkidle")
            assert page.title() == "Report received – Beacon"
            assert no_horizontal_scroll(page), "acknowledgement"
            page.screenshot(path=str(tmp_path / "received-phone.png"), full_page=True)
            assert phone.cookies() == []
            phone.close()
        finally:
            browser.browser.close()

    assert browser.third_party() == [], f"requests to other hosts: {browser.third_party()}"
    # E.g. a Content-Security-Policy violation (the 422 answers to forms with errors are
    # expected, and Chromium reports each as a console error).
    unexpected = [e for e in browser.console_errors if "status of 422" not in e]
    assert unexpected == [], unexpected
    assert any(urlsplit(u).path == "/report/areas.geojson" for u in browser.requests)


def test_portal_works_without_javascript(portal: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = Browser(playwright, portal)
        try:
            context = browser.context(
                java_script_enabled=False, viewport={"width": 1024, "height": 800}
            )
            page = browser.page(context)
            page.goto(f"{portal}/report")
            # Every option's questions are visible; the map option (which needs JS) is not.
            for element_id in (
                "postcode",
                "location_text",
                "area_text",
                "contact_email",
                "occurred_to_day",
            ):
                assert page.locator(f"#{element_id}").is_visible(), element_id
            assert not page.get_by_label("I will choose a place on the map").is_visible()
            fill_report(page)
            page.get_by_label("Yes, you can contact me").check()
            page.get_by_label("Email address", exact=True).fill("resident@example.org")
            page.get_by_role("button", name="Send report").click()
            assert page.title() == "Report received – Beacon"
            code = page.locator("#reference-code").inner_text().strip()
            assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){5}", code)
            # Copy and print need JavaScript: hidden, and the page says how to print instead.
            assert not page.get_by_role("button", name="Copy the code").is_visible()
            assert page.locator("#print-hint").is_visible()
            assert "cannot be recovered" in page.locator("#code-warning").inner_text()

            page.goto(f"{portal}/report/contact")
            page.get_by_label("Your code").fill(code)
            page.get_by_role("button", name="Continue").click()
            assert "There are no questions about your report yet" in page.content()
            assert context.cookies() == []
            context.close()
        finally:
            browser.browser.close()
    assert browser.third_party() == []
