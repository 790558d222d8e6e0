"""The home page in a real browser: `beacon serve` on a free port, Debian's Chromium driven by
Playwright. Skipped only on a developer machine without /usr/bin/chromium; in CI it must run."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.orm import Session

from beacon.audit.service import AuditActor
from beacon.auth.service import create_organisation, create_user
from beacon.config import Settings
from beacon.runtime import open_runtime
from beacon.web.assets import GOVUK_CSS, STATIC_DIR

from .serving import beacon_command as _beacon_command  # noqa: F401 - used by other tests
from .serving import free_port as _free_port  # noqa: F401 - used by other tests
from .serving import running_beacon

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

pytestmark = pytest.mark.browser

EMAIL = "analyst@example.org"
PASSWORD = "harbour-lantern-violet-83"


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser test)")
    pytest.skip(reason)


@pytest.fixture
def server(
    tmp_path: Path, sample_loader: Callable[[Session], Any]
) -> Iterator[tuple[str, Any, Path]]:
    """`beacon serve` on a temporary SQLite database holding the sample rows."""
    database_url = f"sqlite:///{tmp_path / 'browser.db'}"
    runtime = open_runtime(Settings(environment="test", database_url=database_url))
    try:
        with runtime.sessions() as session:
            loaded = sample_loader(session)
            actor = AuditActor.system("test")
            organisation = create_organisation(
                session, name="Test Council", org_type="district_council", actor=actor
            )
            create_user(
                session,
                organisation_id=organisation.id,
                email=EMAIL,
                display_name="Ada Analyst",
                password=PASSWORD,
                roles=["analyst"],
                actor=actor,
            )
            session.commit()
    finally:
        runtime.close()
    log = tmp_path / "server.log"
    try:
        with running_beacon({"BEACON_DATABASE_URL": database_url}, log) as base:
            yield base, loaded, log
    except RuntimeError as error:
        pytest.fail(str(error))


def test_home_page_in_chromium(server: tuple[str, Any, Path], tmp_path: Path) -> None:
    _require(CHROMIUM.exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    _require(
        (STATIC_DIR / GOVUK_CSS).is_file(),
        "vendor assets not built (npm ci --ignore-scripts && npm run build)",
    )
    from playwright.sync_api import sync_playwright

    base, loaded, log = server
    origin = urlsplit(base).netloc
    requests: list[str] = []
    responses: dict[str, int] = {}
    console_errors: list[str] = []

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.on("response", lambda response: responses.update({response.url: response.status}))
            page.on(
                "console",
                lambda message: (
                    console_errors.append(message.text) if message.type == "error" else None
                ),
            )
            page.on("pageerror", lambda error: console_errors.append(str(error)))
            # Not signed in: the overview sends the browser to the sign-in page.
            page.goto(f"{base}/", wait_until="networkidle")
            assert urlsplit(page.url).path == "/login"
            assert page.title() == "Sign in – Beacon"
            page.get_by_label("Email address").fill(EMAIL)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/", wait_until="networkidle")
            cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
            session_cookie = cookies["__Host-beacon_session"]
            assert session_cookie["httpOnly"] and session_cookie["secure"]
            assert session_cookie["sameSite"] == "Strict"

            # Signed in, "/" is the analysis workspace; what is loaded is one click away.
            page.get_by_role("link", name="Loaded data").click()
            page.wait_for_url(f"{base}/data", wait_until="networkidle")
            assert page.title() == "Loaded data – Beacon"
            assert page.get_by_role("button", name="Sign out").is_visible()
            assert page.locator("h1").inner_text() == "What is loaded"
            forces_table = page.locator("#forces-table")
            assert forces_table.is_visible()
            for force in {row.falls_within for row in loaded.street}:
                assert forces_table.get_by_role("rowheader", name=force).is_visible()
            crimes = sum(1 for row in loaded.street if row.crime_type != "Anti-social behaviour")
            stats = page.locator(".beacon-stats")
            assert stats.get_by_text(f"{crimes:,}", exact=True).is_visible()
            imports = page.locator("#imports-table tbody tr")
            assert imports.count() == 10

            # The stylesheets loaded and applied: GOV.UK Frontend's table rules and Beacon's
            # header colour and system font (not the browser's defaults, not GDS Transport).
            css = [url for url in responses if url.split("?")[0].endswith(".css")]
            assert {urlsplit(url).path for url in css} >= {
                "/static/beacon.css",
                "/static/vendor/govuk-frontend.min.css",
            }
            assert all(responses[url] == 200 for url in css)
            header_bg = page.eval_on_selector(
                ".beacon-header", "el => getComputedStyle(el).backgroundColor"
            )
            assert header_bg == "rgb(18, 38, 63)"
            font = page.eval_on_selector("h1", "el => getComputedStyle(el).fontFamily")
            assert font.startswith("system-ui") and "GDS Transport" not in font
            caption_weight = page.eval_on_selector(
                "#forces-caption", "el => getComputedStyle(el).fontWeight"
            )
            assert caption_weight == "700"

            # Keyboard users: the skip link is the first thing focused, and it shows.
            page.keyboard.press("Tab")
            focused = page.evaluate("document.activeElement.textContent.trim()")
            assert focused == "Skip to main content"
            assert page.eval_on_selector(
                ".beacon-skip-link", "el => el.getBoundingClientRect().left >= 0"
            )

            page.screenshot(path=str(tmp_path / "home.png"), full_page=True)
        finally:
            browser.close()

    assert (tmp_path / "home.png").stat().st_size > 10_000
    others = [url for url in requests if urlsplit(url).netloc != origin]
    assert others == [], f"requests to other hosts: {others}"
    assert console_errors == [], console_errors  # e.g. a Content-Security-Policy violation
    # access_log=False: the server logged no request lines (which carry client addresses).
    server_log = log.read_text()
    assert '"GET /' not in server_log, server_log
