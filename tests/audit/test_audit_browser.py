"""The audit log's table in a real browser fits the page, at desktop and phone widths.

`beacon serve` on a temporary SQLite database holding events with long values (e-mail
addresses, event names, 32-character record ids, justifications and details), Debian's
Chromium driven by Playwright. Skipped only on a developer machine without /usr/bin/chromium.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from beacon.audit.models import AuditAction
from beacon.audit.service import AuditActor, record_event
from beacon.auth.service import create_organisation, create_user
from beacon.config import Settings
from beacon.runtime import open_runtime
from beacon.web.assets import GOVUK_CSS, STATIC_DIR
from web.serving import running_beacon

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
EMAIL = "a.very-long-named.intelligence-supervisor@community-safety-partnership.example"
PASSWORD = "lantern-quartz-harbour-62"
ACTOR = AuditActor.system("test")


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser test)")
    pytest.skip(reason)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    database_url = f"sqlite:///{tmp_path / 'audit-browser.db'}"
    runtime = open_runtime(Settings(environment="test", database_url=database_url))
    try:
        with runtime.sessions() as session:
            organisation = create_organisation(
                session, name="Audit Council", org_type="district_council", actor=ACTOR
            )
            create_user(
                session,
                organisation_id=organisation.id,
                email=EMAIL,
                display_name="Audit Tester",
                password=PASSWORD,
                roles=["intelligence_supervisor"],
                actor=ACTOR,
            )
            someone = AuditActor(kind="user", id=77, label=EMAIL, organisation_id=1)
            for number in range(12):
                record_event(
                    session,
                    action=AuditAction.CONSULTATION,
                    event="intel.original_viewed_with_a_long_event_name",
                    actor=someone,
                    record_type="intel_raw_submission",
                    record_id=f"{number:02d}" + "f8c5679193754c8fb7cfd2372166833",
                    justification="Sanitising the report for grading, checking a duplicate "
                    "against BCN-719NT1DE and BCN-915P8VXB",
                    details={
                        "reference": "BCN-719NT1DE",
                        "fields": ["handling", "narrative", "source_details", "subjects"],
                        "note": "x" * 90,
                    },
                )
            session.commit()
    finally:
        runtime.close()
    try:
        with running_beacon({"BEACON_DATABASE_URL": database_url}, tmp_path / "server.log") as base:
            yield base
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.mark.parametrize("width", [1280, 390])
def test_the_audit_table_fits_the_page(server: str, tmp_path: Path, width: int) -> None:
    _require(CHROMIUM.exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    _require((STATIC_DIR / GOVUK_CSS).is_file(), "vendor assets not built (npm run build)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(f"{server}/login")
            page.fill("#email", EMAIL)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            page.goto(f"{server}/audit", wait_until="networkidle")
            measured = page.evaluate(
                """() => {
                  const table = document.getElementById("events-table").getBoundingClientRect();
                  const cells = [...document.querySelectorAll("#events-table td")].map(
                    (cell) => cell.getBoundingClientRect().right);
                  return {
                    right: table.right,
                    cells: Math.max(...cells),
                    viewport: document.documentElement.clientWidth,
                    page: document.documentElement.scrollWidth,
                    rows: document.querySelectorAll("#events-table tbody tr").length,
                  };
                }"""
            )
            page.screenshot(path=str(tmp_path / f"audit-{width}.png"), full_page=True)
        finally:
            browser.close()
    assert measured["rows"] >= 12
    assert measured["right"] <= measured["viewport"], measured
    assert measured["cells"] <= measured["viewport"], measured  # the record column included
    assert measured["page"] <= measured["viewport"], measured  # nothing scrolls sideways
