"""The workspace pages answer with the analytics engine's figures, audited, on both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import ADUR

PERIOD = "from=2018-10&to=2018-12"


def test_overview_shows_the_selected_district(analyst: TestClient) -> None:
    response = analyst.get(f"/?area=lad:{ADUR}&{PERIOD}")
    assert response.status_code == 200, response.text
    assert "Adur" in response.text
    assert 'data-map="map-hotspots"' in response.text
    assert 'data-chart="chart-trend"' in response.text


def test_each_measure_page_answers(analyst: TestClient) -> None:
    for measure in ("volume", "trends", "hotspots", "concentration", "deprivation"):
        response = analyst.get(f"/workspace/{measure}?area=lad:{ADUR}&{PERIOD}")
        assert response.status_code == 200, (measure, response.text[-3000:])


def test_profile_page(analyst: TestClient) -> None:
    response = analyst.get(f"/workspace/profile/lsoa/E01031338?{PERIOD}")
    assert response.status_code == 200, response.text[-3000:]
    assert "Adur 002A" in response.text


def test_exports(analyst: TestClient) -> None:
    response = analyst.get(f"/workspace/volume/export/lsoas.csv?area=lad:{ADUR}&{PERIOD}")
    assert response.status_code == 200, response.text
    response = analyst.get(f"/workspace/volume/export/lsoas.xlsx?area=lad:{ADUR}&{PERIOD}")
    assert response.status_code == 200, response.text
