"""The data.police.uk upload page in Chromium, against `beacon serve`: two real files (slices of
the shared Sussex and Derbyshire files) sent with the progress bar (XMLHttpRequest), the job
page following the import (htmx) to its report; then the same without JavaScript (plain form
post, meta refresh). No request leaves the server, and the CSP blocks nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from beacon.audit.service import AuditActor
from beacon.auth.service import create_organisation, create_user
from beacon.config import Settings
from beacon.runtime import open_runtime
from beacon.web.assets import GOVUK_CSS, HTMX_JS, STATIC_DIR
from web.serving import running_beacon
from web.test_web_browser import CHROMIUM, CHROMIUM_ARGS, _require

from .police_files import read_street

pytestmark = pytest.mark.browser

EMAIL = "analyst@example.org"
PASSWORD = "harbour-lantern-violet-83"
SCREENSHOT = Path("/tmp/police-upload.png")
LINES = 3000  # rows per slice (plus the header): enough to see, quick to import
# Records each change of the upload panel's text (visible?, bar value, text) in sessionStorage,
# which survives the move to the job page; the upload itself is too quick to watch live.
_WATCH = """
document.addEventListener("DOMContentLoaded", () => {
  const text = document.getElementById("upload-progress-text");
  if (!text) { return; }
  new MutationObserver(() => {
    const shown = JSON.parse(sessionStorage.getItem("upload-shown") || "[]");
    const panel = document.getElementById("upload-progress");
    const bar = document.getElementById("upload-progress-bar");
    shown.push([!panel.hidden, bar.value, text.textContent]);
    sessionStorage.setItem("upload-shown", JSON.stringify(shown));
  }).observe(text, {childList: true, characterData: true, subtree: true});
});
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`beacon serve` on a temporary SQLite database and data directory."""
    database_url = f"sqlite:///{tmp_path / 'browser.db'}"
    data_dir = tmp_path / "var"
    runtime = open_runtime(
        Settings(environment="test", database_url=database_url, data_dir=data_dir)
    )
    try:
        with runtime.sessions() as session:
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
    env = {"BEACON_DATABASE_URL": database_url, "BEACON_DATA_DIR": str(data_dir)}
    try:
        with running_beacon(env, tmp_path / "server.log") as base:
            yield base, data_dir
    except RuntimeError as error:
        pytest.fail(str(error))


def _slice(source: Path, target: Path, lines: int) -> Path:
    with open(source, "rb") as handle:
        target.write_bytes(b"".join(handle.readline() for _ in range(lines + 1)))
    return target


def _sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def _figures(page: Any, index: int) -> dict[str, int]:
    cells = page.locator(f"#file-{index} td[data-count]")
    return {
        cells.nth(i).get_attribute("data-count"): int(cells.nth(i).inner_text().replace(",", ""))
        for i in range(cells.count())
    }


def test_upload_two_files_in_chromium(
    server: tuple[str, Path], shared_data: Path, tmp_path: Path
) -> None:
    _require(CHROMIUM.exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    for asset in (GOVUK_CSS, HTMX_JS):
        _require((STATIC_DIR / asset).is_file(), "vendor assets not built (make assets)")
    from playwright.sync_api import expect, sync_playwright

    base, data_dir = server
    police = shared_data / "police"
    files = [
        _slice(police / name, tmp_path / name, LINES)
        for name in ("2018-10-sussex-street.csv", "2018-10-derbyshire-street.csv")
    ]
    later = _slice(
        police / "2018-11-sussex-street.csv", tmp_path / "2018-11-sussex-street.csv", LINES
    )
    origin = urlsplit(base).netloc
    requests: list[Any] = []
    console_errors: list[str] = []

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.add_init_script(_WATCH)
            page.on("request", lambda request: requests.append(request))
            page.on(
                "console",
                lambda message: (
                    console_errors.append(message.text) if message.type == "error" else None
                ),
            )
            page.on("pageerror", lambda error: console_errors.append(str(error)))
            _sign_in(page, base)
            page.get_by_role("link", name="Imports", exact=True).click()
            page.wait_for_url(f"{base}/imports/police")
            assert page.title() == "Upload data.police.uk files – Beacon"
            page.locator("#format-street summary").click()
            expect(page.locator("#format-street")).to_contain_text("Crime type")

            page.get_by_label("CSV files").set_input_files([str(path) for path in files])
            page.get_by_role("button", name="Upload and import").click()
            page.wait_for_url(re.compile(r"/imports/police/jobs/[\w-]+$"))
            expect(page.locator("h1")).to_have_text("Import finished", timeout=120_000)
            # What the upload panel showed while the files were sent (recorded by _WATCH).
            shown = page.evaluate("JSON.parse(sessionStorage.getItem('upload-shown') || '[]')")
            assert shown and all(visible for visible, _, _ in shown)
            assert shown[-1][1:] == [100, "All files sent. Starting the import\u2026"]

            for index, path in enumerate(files, start=1):
                facts = read_street(path)
                row = page.locator(f"#file-{index}")
                expect(row.locator("th")).to_contain_text(path.name)
                expect(row.locator("th")).to_contain_text("Street-level crime, import run #")
                expect(row).to_contain_text("Imported")
                got = _figures(page, index)
                assert got["rows_read"] == got["imported"] == facts.rows == LINES
                assert got["no_location"] == facts.no_location
                assert got["conflicts"] == len(facts.conflict_lines)
            expect(page.locator("#conflicts-table")).to_contain_text("Crime ID already on line")
            expect(page.locator("#report-json")).to_be_visible()
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            posts = [
                r for r in requests if r.method == "POST" and r.url.endswith("/imports/police")
            ]
            assert [r.resource_type for r in posts] == ["xhr"]  # sent by police-upload.js

            # Without JavaScript: the plain form post, then the page reloads itself.
            plain = browser.new_context(java_script_enabled=False).new_page()
            _sign_in(plain, base)
            plain.goto(f"{base}/imports/police")
            plain.get_by_label("CSV files").set_input_files([str(later)])
            plain.get_by_role("button", name="Upload and import").click()
            plain.wait_for_url(re.compile(r"/imports/police/jobs/[\w-]+$"))
            expect(plain.locator("h1")).to_have_text("Import finished", timeout=120_000)
            assert _figures(plain, 1)["imported"] == LINES
        finally:
            browser.close()

    assert SCREENSHOT.stat().st_size > 10_000
    others = [r.url for r in requests if urlsplit(r.url).netloc != origin]
    assert others == [], f"requests to other hosts: {others}"
    assert console_errors == [], console_errors  # e.g. a Content-Security-Policy violation
    uploads = data_dir / "uploads" / "police"
    assert list(uploads.rglob("*")) == []  # every uploaded copy removed
