"""Figure: the Strategic Intelligence Assessment's HTML view (``/assessments/{id}``) in the
staff UI, first contentful paint (goal: <= 1 s), and when all its maps and charts are drawn.

Set-up (not timed), in a temporary folder: a database loaded as the tests load the shared
reference data (the ONS lookup, 22 districts' LSOA boundaries, IMD 2019, census population,
Sussex and Derbyshire street crime 2018-10..12) and its snapshot, as `bench_assessment.py`
does; the people of the assessment tests (`make_people`: analysts, a supervisor, partners...);
a strategic assessment of Derby (``lad:E06000015``, 2018-10..2018-12, 151 LSOAs) created by the
analyst, and one run of it computed and stored by the same function a run started from the
page uses (`jobs.run`).

Timed: `beacon serve` is started, Chromium (Playwright) signs in as the reviewer (an analyst:
``assessment.read``) and opens the assessment once cold (its first view since the server
started; the browser already holds the static files from the overview it lands on after
signing in), then three times; the best warm time is the figure. Per view:

- first paint: the ``first-contentful-paint`` performance entry;
- drawn: the page's clock (from navigation start) when every ``.beacon-map`` carries
  ``data-map-ready`` and every chart ``canvas`` ``data-chart-ready`` (the browser test's
  condition, checked each animation frame);
- html: when the response (the whole HTML) had arrived.

The anchor, in the same run and server: the first paint of the plain "what is loaded" page
(``/data``), no figures to draw.

    python benchmarks/bench_assessment_view.py [--json]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(HERE))

WARM_VIEWS = 3
DRAWN = (
    "([maps, charts]) => document.querySelectorAll('.beacon-map[data-map-ready]').length"
    " === maps && document.querySelectorAll('canvas[data-chart-ready]').length === charts"
    " && performance.now()"
)
TIMING = (
    "() => ({fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime,"
    " response: performance.getEntriesByType('navigation')[0].responseEnd})"
)


def build(folder: Path) -> tuple[dict[str, str], dict[str, Any]]:
    """The server's environment, and what the browser needs: the assessment's id, the
    reviewer's email and password, and how many maps and charts its run draws."""
    from assessment.conftest import DERBY, PASSWORD, PERIOD, make_people
    from beacon.assessment import jobs, judgement, workflow
    from beacon.assessment.service import config_for, document_of, latest_run
    from beacon.assessment.spec import AssessmentSpec
    from beacon.auth.models import User
    from beacon.auth.service import user_actor
    from beacon.config import Settings
    from beacon.runtime import open_runtime
    from bench_assessment import build_reference

    build_reference(folder)
    settings = Settings(
        environment="test", database_url=f"sqlite:///{folder / 'beacon.db'}", data_dir=folder
    )
    runtime = open_runtime(settings)
    try:
        people = make_people(runtime)
        spec = AssessmentSpec(
            kind="strategic", scope=DERBY, period_from=PERIOD[0], period_to=PERIOD[1]
        )
        with runtime.sessions() as session:
            analyst = session.get(User, people.analyst)
            assert analyst is not None
            title = workflow.title_for(spec, "Derby", config_for(settings))
            assessment = workflow.create(session, spec, analyst, title=title)
            entered = judgement.load(session, assessment)
            actor = user_actor(analyst)
            session.commit()
            assessment_id = assessment.id
        # What a run started from the page does, in this thread rather than the server's.
        job = jobs.new_job(assessment_id, people.analyst)
        jobs.run(job, runtime, spec, entered, actor)
        if job.state != jobs.DONE:
            raise SystemExit(f"the assessment run failed: {job.error}")
        with runtime.sessions() as session:
            run = latest_run(session, assessment_id)
            assert run is not None and run.run_key == job.run_key
            figures = document_of(run).all_figures()
    finally:
        runtime.close()
    maps = sum(1 for _section, figure in figures if figure.kind == "map")
    env = {"BEACON_DATABASE_URL": settings.database_url, "BEACON_DATA_DIR": str(folder)}
    return env, {
        "id": assessment_id,
        "email": people.emails["reviewer"],
        "password": PASSWORD,
        "maps": maps,
        "charts": len(figures) - maps,
    }


def _view(page: Any, url: str, maps: int, charts: int) -> dict[str, float]:
    page.goto(url)
    drawn = page.wait_for_function(DRAWN, arg=[maps, charts], timeout=120_000).json_value()
    timing = page.evaluate(TIMING)
    return {
        "first_paint_s": timing["fcp"] / 1000,
        "drawn_s": drawn / 1000,
        "html_s": timing["response"] / 1000,
    }


def _anchor(page: Any, url: str) -> float:
    page.goto(url)
    page.wait_for_function(
        "() => performance.getEntriesByName('first-contentful-paint').length > 0"
    )
    fcp: float = page.evaluate(
        "() => performance.getEntriesByName('first-contentful-paint')[0].startTime"
    )
    return fcp / 1000


def measure(env: dict[str, str], folder: Path, target: dict[str, Any]) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    from web.serving import running_beacon
    from web.test_web_browser import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} not installed (apt-get install chromium)")
    maps, charts = target["maps"], target["charts"]
    with (
        running_beacon(env, folder / "server.log", start_timeout=60) as base,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/login")
            page.get_by_label("Email address").fill(target["email"])
            page.get_by_label("Password").fill(target["password"])
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/")
            url = f"{base}/assessments/{target['id']}"
            cold = _view(page, url, maps, charts)
            anchor_cold = _anchor(page, f"{base}/data")
            warm = [_view(page, url, maps, charts) for _ in range(WARM_VIEWS)]
            anchor_warm = [_anchor(page, f"{base}/data") for _ in range(WARM_VIEWS)]
        finally:
            browser.close()
    return {
        "assessment_view_first_paint_s": round(min(w["first_paint_s"] for w in warm), 3),
        "assessment_view_drawn_s": round(min(w["drawn_s"] for w in warm), 3),
        "assessment_view_html_s": round(min(w["html_s"] for w in warm), 3),
        "assessment_view_first_paint_cold_s": round(cold["first_paint_s"], 3),
        "assessment_view_drawn_cold_s": round(cold["drawn_s"], 3),
        "assessment_view_html_cold_s": round(cold["html_s"], 3),
        "anchor_data_page_s": round(min(anchor_warm), 3),
        "anchor_data_page_cold_s": round(anchor_cold, 3),
        "assessment_view_maps": maps,
        "assessment_view_charts": charts,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env, target = build(folder)
        figures = measure(env, folder, target)
    from run import report

    report(
        figures,
        as_json=args.json,
        goal="goal: assessment view first paint <= 1 s (best of 3 warm views)",
    )


if __name__ == "__main__":
    main()
