"""An assessment's page in Chromium: every map and chart of the stored run drawn by the
workspace's script, with no console error; the run started from the page finishes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from beacon.assessment import workflow
from beacon.assessment.spec import AssessmentSpec
from beacon.auth.models import User
from beacon.config import Settings
from beacon.runtime import Runtime
from web.serving import running_beacon
from web.test_web_browser import CHROMIUM, CHROMIUM_ARGS, _require

from .conftest import DERBY, PASSWORD, PERIOD, People, store_copy

pytestmark = pytest.mark.browser


@pytest.fixture
def assessment_id(assess_runtime: Runtime, people: People, derby_outcome: object) -> int:
    with assess_runtime.sessions() as session:
        analyst = session.get(User, people.analyst)
        assert analyst is not None
        spec = AssessmentSpec(
            kind="strategic", scope=DERBY, period_from=PERIOD[0], period_to=PERIOD[1]
        )
        created = workflow.create(session, spec, analyst, title="Derby in the browser")
        store_copy(session, derby_outcome, created, analyst)
        session.commit()
        return created.id


@pytest.fixture
def server(snapshot_settings: Settings, tmp_path: Path) -> Iterator[str]:
    env = {
        "BEACON_DATABASE_URL": snapshot_settings.database_url,
        "BEACON_DATA_DIR": str(snapshot_settings.data_dir),
    }
    try:
        with running_beacon(env, tmp_path / "server.log") as base:
            yield base
    except RuntimeError as error:
        pytest.fail(str(error))


def test_the_assessment_draws_in_chromium(
    server: str, assessment_id: int, people: People, derby_outcome: object, tmp_path: Path
) -> None:
    _require(CHROMIUM.exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    document = derby_outcome.document  # type: ignore[attr-defined]
    maps = sum(1 for _s, f in document.all_figures() if f.kind == "map")
    charts = sum(1 for _s, f in document.all_figures() if f.kind != "map")
    assert maps and charts
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{server}/login")
            page.get_by_label("Email address").fill(people.emails["reviewer"])
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{server}/")

            page.goto(f"{server}/assessments/{assessment_id}")
            assert page.locator("h1").inner_text() == "Derby in the browser"
            page.wait_for_function(
                "([maps, charts]) => document.querySelectorAll('.beacon-map[data-map-ready]')"
                ".length === maps && document.querySelectorAll('canvas[data-chart-ready]')"
                ".length === charts",
                arg=[maps, charts],
                timeout=60_000,
            )
            ready = page.eval_on_selector_all(
                ".beacon-map, canvas.beacon-chart",
                "nodes => nodes.map(n => n.getAttribute('data-map-ready') "
                "|| n.getAttribute('data-chart-ready'))",
            )
            assert ready == ["true"] * (maps + charts)
            assert page.locator(".beacon-map path.leaflet-interactive").count() > 0
            page.screenshot(path=str(tmp_path / "assessment.png"), full_page=True)

            # Started from the page, a run shows its progress and then the assessment again.
            page.get_by_role("button", name="Run the assessment again").click()
            page.wait_for_url(f"{server}/assessments/{assessment_id}", timeout=120_000)
            assert page.locator("#runs-table tbody tr").count() == 2
        finally:
            browser.close()
    assert errors == []
