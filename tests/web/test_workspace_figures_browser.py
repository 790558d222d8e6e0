"""The workspace figure macros and static/workspace.js in Chromium: a map drawn from a GeoJSON
endpoint and three charts, on a page served with Beacon's real security headers (so a script or
style the CSP blocks shows up as a console error)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from beacon.web.assets import CHART_JS, LEAFLET_JS, STATIC_DIR, StaticAssets
from beacon.web.security import SecurityHeadersMiddleware
from beacon.web.templating import templates

from .test_web_browser import CHROMIUM, CHROMIUM_ARGS, _free_port, _require

pytestmark = pytest.mark.browser

RED, ORANGE, BLUE = "#d4351c", "#f47738", "#1d70b8"
# code: (name, fill, label, value)
AREAS = {
    "E01000001": ("Riverside 001A", RED, "Hot spot, 99% confidence", "123 crimes · 4.5 per 1,000"),
    "E01000002": ("Riverside 001B", ORANGE, "Hot spot, 95% confidence", "88 crimes · 3.1 per 1k"),
    "E01000003": ("Hillside 002A", BLUE, "Cold spot, 95% confidence", "9 crimes · 0.4 per 1,000"),
}
# A drawn chart's Chart.js state: its datasets, and the tick labels of both axes.
CHART_STATE = """id => {
    const chart = Chart.getChart(document.querySelector(`canvas[data-chart="${id}"]`));
    return {
        datasets: chart.data.datasets.map(
            d => [d.type, d.showLine !== false, (d.borderDash || []).length]),
        x: chart.scales.x.ticks.map(t => t.label),
        y: chart.scales.y.ticks.map(t => t.label),
    };
}"""


def _box(code: str, name: str, west: float, south: float, width: float) -> dict[str, Any]:
    # Roughly square on the map at this latitude (a degree of longitude is ~0.6 of latitude's).
    height = width * 0.6
    ring = [
        [west, south],
        [west + width, south],
        [west + width, south + height],
        [west, south + height],
        [west, south],
    ]
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _areas() -> dict[str, Any]:
    features = [
        _box(code, name, -1.56 + 0.02 * i, 53.79 + 0.004 * i, 0.018)
        for i, (code, (name, *_)) in enumerate(AREAS.items())
    ]
    return {"type": "FeatureCollection", "features": features}


def _district() -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [_box("E08000035", "Riverton", -1.565, 53.786, 0.068)],
    }


MAP_DATA = {
    "areas": {
        code: {
            "fill": fill,
            "label": label,
            "value": value,
            "href": f"/workspace/profile/lsoa/{code}",
        }
        for code, (_, fill, label, value) in AREAS.items()
    },
    "legend": {
        "title": "Hot spot class",
        "items": [
            {"fill": RED, "label": "Hot spot (99%)"},
            {"fill": ORANGE, "label": "Hot spot (95%)"},
            {"fill": BLUE, "label": "Cold spot (95%)"},
        ],
    },
    "outline_url": "/workspace/district.geojson",
    "tiles": None,
}

MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]
CRIMES = [120, 131, 118, None, 142, 150, 171, 166, 158, 149, 137, 1290]
TREND = {
    "kind": "line",
    "x": {"label": "Month", "type": "category", "min": None, "max": None, "format": "integer"},
    "y": {"label": "Crimes", "min": 0, "max": None, "format": "integer"},
    "labels": MONTHS,
    "series": [
        {"label": "Crimes", "type": "line", "data": CRIMES, "colour": BLUE},
        {
            "label": "12-month average",
            "type": "line",
            "data": [220] * 12,
            "colour": "#505a5f",
            "dash": True,
            "point_radius": 0,
        },
        {
            "label": "Significant change",
            "type": "points",
            "data": [None] * 6 + [171] + [None] * 4 + [1290],
            "colour": RED,
            "point_style": "triangle",
            "point_radius": 7,
        },
    ],
    "notes": ["April 2024 is missing from the published data."],
}
LORENZ = {
    "kind": "line",
    "x": {"label": "Share of areas", "type": "linear", "min": 0, "max": 1, "format": "percent"},
    "y": {"label": "Share of crimes", "min": 0, "max": 1, "format": "percent"},
    "series": [
        {
            "label": "Lorenz curve",
            "type": "line",
            "data": [
                {"x": x, "y": y}
                for x, y in [(0, 0), (0.25, 0.05), (0.5, 0.15), (0.75, 0.35), (0.9, 0.6), (1, 1)]
            ],
            "colour": BLUE,
            "fill": True,
            "point_radius": 2,
        },
        {
            "label": "Equal spread",
            "type": "line",
            "data": [{"x": 0, "y": 0}, {"x": 1, "y": 1}],
            "colour": "#505a5f",
            "dash": True,
            "point_radius": 0,
        },
    ],
    "notes": ["Gini coefficient 0.48."],
}
BARS = {
    "kind": "bar",
    "x": {"label": "Crime type", "type": "category", "format": "integer"},
    "y": {"label": "Crimes", "min": 0, "max": None, "format": "integer"},
    "labels": ["Violence", "Theft", "Burglary", "Criminal damage"],
    "series": [{"label": "Crimes", "type": "bar", "data": [1450, 980, 310, 402], "colour": BLUE}],
}

PAGE = """{% extends "base.html" %}
{% from "workspace/_figures.html" import figure_assets, map_figure, chart_figure with context %}
{% block title %}Figures – Beacon{% endblock %}
{% block head %}{{ figure_assets() }}{% endblock %}
{% block content %}
<h1 class="govuk-heading-l">Figures</h1>
{{ map_figure('crime-map', map_data, geometry_url, 'Crimes by LSOA', 'Map of hot spots') }}
{% if charts %}
{{ chart_figure('trend-chart', trend, 'Crimes each month', 'Line chart of crimes each month') }}
{{ chart_figure('lorenz-chart', lorenz, 'Concentration', 'Lorenz curve of crimes by area') }}
{{ chart_figure('bar-chart', bars, 'Crimes by type', 'Bar chart of crimes by type') }}
{% endif %}
{% endblock %}
"""


def _render(request: Request, **values: Any) -> HTMLResponse:
    # The same context processors a real page gets (static_url, asset names).
    context: dict[str, Any] = {"request": request}
    for processor in templates.context_processors:
        context.update(processor(request))
    context.update(values)
    return HTMLResponse(templates.env.from_string(PAGE).render(context))


async def figures_page(request: Request) -> HTMLResponse:
    return _render(
        request,
        map_data=MAP_DATA,
        geometry_url="/workspace/areas.geojson?level=lsoa",
        charts=True,
        trend=TREND,
        lorenz=LORENZ,
        bars=BARS,
    )


async def broken_page(request: Request) -> HTMLResponse:
    return _render(
        request, map_data=MAP_DATA, geometry_url="/workspace/missing.geojson", charts=False
    )


async def areas(request: Request) -> JSONResponse:
    return JSONResponse(_areas(), media_type="application/geo+json")


async def district(request: Request) -> JSONResponse:
    return JSONResponse(_district(), media_type="application/geo+json")


async def missing(request: Request) -> Response:
    return Response("no such boundaries", status_code=404)


async def profile(request: Request) -> HTMLResponse:
    code = request.path_params["code"]
    # With an icon link, or Chromium asks for /favicon.ico and logs the 404 as an error.
    return HTMLResponse(
        f'<!DOCTYPE html><title>{code}</title><link rel="icon" href="/static/favicon.svg">'
        f"<h1>Profile {code}</h1>"
    )


@pytest.fixture
def base_url() -> Iterator[str]:
    app = Starlette(
        routes=[
            Route("/figures", figures_page),
            Route("/broken", broken_page),
            Route("/workspace/areas.geojson", areas),
            Route("/workspace/district.geojson", district),
            Route("/workspace/missing.geojson", missing),
            Route("/workspace/profile/lsoa/{code}", profile),
            Mount("/static", StaticFiles(directory=STATIC_DIR)),
        ]
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.state.assets = StaticAssets()
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_workspace_figures_in_chromium(base_url: str, tmp_path: Path) -> None:
    _require(CHROMIUM.exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    for asset in (LEAFLET_JS, CHART_JS):
        _require(
            (STATIC_DIR / asset).is_file(),
            "vendor assets not built (npm ci --ignore-scripts && npm run build)",
        )
    from playwright.sync_api import sync_playwright

    origin = urlsplit(base_url).netloc
    requests: list[str] = []
    console_errors: list[str] = []
    failed: list[str] = []

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.on(
                "response",
                lambda response: (
                    failed.append(f"{response.status} {response.url}")
                    if response.status >= 400
                    else None
                ),
            )
            page.on(
                "console",
                lambda message: (
                    console_errors.append(f"{message.text} {message.location}")
                    if message.type == "error"
                    else None
                ),
            )
            page.on("pageerror", lambda error: console_errors.append(str(error)))
            response = page.goto(f"{base_url}/figures", wait_until="networkidle")
            assert response is not None
            assert "script-src 'self'" in response.headers["content-security-policy"]

            # The map: three areas filled from the island, the district outline, the legend.
            page.wait_for_selector('.beacon-map[data-map="crime-map"][data-map-ready="true"]')
            paths = page.locator(".beacon-map path.beacon-map__area")
            assert paths.count() == 3
            fills = sorted(paths.nth(i).get_attribute("fill") or "" for i in range(3))
            assert fills == sorted([RED, ORANGE, BLUE])
            page.wait_for_selector(".beacon-map path.beacon-map__outline")
            legend = page.locator(".beacon-map-legend")
            assert legend.locator(".beacon-map-legend__title").inner_text() == "Hot spot class"
            assert legend.locator("li").all_inner_texts() == [
                "Hot spot (99%)",
                "Hot spot (95%)",
                "Cold spot (95%)",
            ]
            assert page.locator(".beacon-map .beacon-figure__placeholder").count() == 0

            # Hovering an area names it, with its class and figures.
            first = page.locator('.beacon-map path[aria-label^="Riverside 001A"]')
            first.hover()
            tooltip = page.locator(".beacon-map-tooltip")
            name, _, label, value = AREAS["E01000001"]
            assert tooltip.inner_text() == f"{name} — {label} — {value}"

            # The charts: drawn, sized by the wrapper, series mapped to Chart.js datasets.
            for chart_id in ("trend-chart", "lorenz-chart", "bar-chart"):
                canvas = page.locator(f'canvas[data-chart="{chart_id}"]')
                assert canvas.get_attribute("data-chart-ready") == "true", chart_id
                box = canvas.bounding_box()
                assert box is not None and 250 < box["height"] <= 320, (chart_id, box)
            trend = page.evaluate(CHART_STATE, "trend-chart")
            # line, dashed line, markers only (no line between them)
            assert trend["datasets"] == [["line", True, 0], ["line", True, 2], ["line", False, 0]]
            lorenz = page.evaluate(CHART_STATE, "lorenz-chart")
            assert {"0%", "50%", "100%"} <= set(lorenz["x"]) & set(lorenz["y"]), lorenz
            bars = page.evaluate(CHART_STATE, "bar-chart")
            assert bars["datasets"] == [["bar", True, 0]]
            assert "1,000" in bars["y"], bars  # en-GB thousands separator
            notes = page.locator(".beacon-figure__note").all_inner_texts()
            assert notes == [
                "April 2024 is missing from the published data.",
                "Gini coefficient 0.48.",
            ]

            page.screenshot(path=str(tmp_path / "workspace-figures.png"), full_page=True)
            assert failed == []
            assert console_errors == [], console_errors  # e.g. a CSP violation

            # Clicking an area opens its profile; so does Enter on a focused area.
            first.click()
            page.wait_for_url(f"{base_url}/workspace/profile/lsoa/E01000001")
            assert page.locator("h1").inner_text() == "Profile E01000001"
            page.go_back(wait_until="networkidle")
            page.wait_for_selector('.beacon-map[data-map-ready="true"]')
            third = page.locator('.beacon-map path[aria-label^="Hillside 002A"]')
            assert third.get_attribute("role") == "link"
            third.focus()
            assert tooltip.inner_text().startswith("Hillside 002A — Cold spot")
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base_url}/workspace/profile/lsoa/E01000003")
            assert console_errors == [], console_errors

            # Boundaries that do not load: a message instead of an empty box.
            page.goto(f"{base_url}/broken", wait_until="networkidle")
            page.wait_for_selector('.beacon-map[data-map-ready="false"]')
            text = page.locator(".beacon-map .beacon-figure__error").inner_text()
            assert text.startswith("The map could not be drawn: the area boundaries did not load")
            assert "HTTP 404" in text
            assert text.endswith("the table below has the same figures.")
            assert page.locator(".beacon-map path").count() == 0
            page.screenshot(path=str(tmp_path / "workspace-figures-broken.png"))
            # The only error logged is the browser's own note of the 404.
            assert len(console_errors) == 1 and "404" in console_errors[0], console_errors
        finally:
            browser.close()

    assert (tmp_path / "workspace-figures.png").stat().st_size > 10_000
    others = [url for url in requests if urlsplit(url).netloc != origin]
    assert others == [], f"requests to other hosts: {others}"
