"""The home page and /api/overview: what is loaded, computed by aggregate queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from beacon.ingest.overview import ANTI_SOCIAL_BEHAVIOUR, loaded_overview


def _expected_forces(sample: Any) -> dict[str, dict[str, Any]]:
    forces: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "months": set(),
            "street_crimes": 0,
            "anti_social_behaviour": 0,
            "outcomes": 0,
            "stop_searches": 0,
            "without_location": 0,
            "without_lsoa": 0,
        }
    )
    for row in sample.street:
        f = forces[row.falls_within]
        f["months"].add(row.month)
        if row.crime_type == ANTI_SOCIAL_BEHAVIOUR:
            f["anti_social_behaviour"] += 1
        else:
            f["street_crimes"] += 1
        f["without_location"] += row.longitude is None or row.latitude is None
        f["without_lsoa"] += not row.lsoa_code
    for row in sample.outcomes:
        forces[row.falls_within]["months"].add(row.month)
        forces[row.falls_within]["outcomes"] += 1
    for row in sample.searches:
        forces[row.force]["months"].add(row.month)
        forces[row.force]["stop_searches"] += 1
    return dict(forces)


def test_overview_of_an_empty_database(db: Session) -> None:
    overview = loaded_overview(db)
    assert overview.is_empty
    assert overview.forces == ()
    assert overview.police.rows == 0
    assert overview.police.first_month is None
    assert (overview.boundaries, overview.postcodes, overview.import_runs) == (0, 0, 0)
    assert overview.areas == () and overview.deprivation == () and overview.recent_imports == ()


def test_overview_counts_match_the_rows(db: Session, sample: Any) -> None:
    overview = loaded_overview(db)
    expected = _expected_forces(sample)
    assert not overview.is_empty
    assert [f.force for f in overview.forces] == sorted(expected, key=str.casefold)
    for force in overview.forces:
        e = expected[force.force]
        assert force.first_month == min(e["months"])
        assert force.last_month == max(e["months"])
        assert force.months == len(e["months"])
        for name in (
            "street_crimes",
            "anti_social_behaviour",
            "outcomes",
            "stop_searches",
            "without_location",
            "without_lsoa",
        ):
            assert getattr(force, name) == e[name], (force.force, name)

    all_months = set().union(*(e["months"] for e in expected.values()))
    police = overview.police
    assert police.forces == len(expected)
    assert (police.first_month, police.last_month) == (min(all_months), max(all_months))
    assert police.months == len(all_months)
    assert police.street_crimes + police.anti_social_behaviour == len(sample.street)
    assert police.outcomes == len(sample.outcomes)
    assert police.stop_searches == len(sample.searches)
    assert police.rows == len(sample.street) + len(sample.outcomes) + len(sample.searches)

    areas: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    with_boundary = {b.area_id for b in sample.boundaries}
    for area in sample.areas:
        areas[(area.level, area.vintage)][0] += 1
        areas[(area.level, area.vintage)][1] += area.id in with_boundary
    assert {(a.level, a.vintage): [a.areas, a.boundaries] for a in overview.areas} == areas
    # LSOAs first, then wards (older vintage first), then districts.
    assert [(a.level, a.vintage) for a in overview.areas] == [
        ("lsoa", "2011"),
        ("ward", "2019"),
        ("ward", "2025"),
        ("district", "2019"),
    ]
    assert overview.boundaries == len(sample.boundaries)
    assert overview.postcodes == len(sample.postcodes)
    [imd] = overview.deprivation
    assert imd.edition == "IMD2019"
    assert imd.rows == len(sample.deprivation)
    assert imd.lsoas == len({d.lsoa_code for d in sample.deprivation})
    assert imd.domains == len({d.domain for d in sample.deprivation})

    assert overview.import_runs == len(sample.runs)
    newest = sorted(sample.runs, key=lambda r: r.started_at, reverse=True)[:10]
    assert [r.id for r in overview.recent_imports] == [r.id for r in newest]
    first = overview.recent_imports[0]
    assert (first.kind, first.source_name, first.imported, first.duplicates, first.rejected) == (
        newest[0].kind,
        newest[0].source_name,
        newest[0].imported,
        newest[0].duplicates,
        newest[0].rejected,
    )


def test_loaded_data_page_on_an_empty_database(user_client: TestClient) -> None:
    response = user_client.get("/data")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "<h1" in html and "What is loaded" in html
    assert "Nothing loaded yet" in html
    assert "beacon import police FILE..." in html
    assert "make run" in html
    assert 'id="forces-table"' not in html


def test_loaded_data_page_shows_the_loaded_figures(user_client: TestClient, sample: Any) -> None:
    html = user_client.get("/data").text
    expected = _expected_forces(sample)
    assert "Nothing loaded yet" not in html
    for name, e in expected.items():
        assert name in html
        first, last = min(e["months"]), max(e["months"])
        assert f"{first:%b %Y}</time> to" in html
        assert f"{last:%b %Y}</time>" in html
        assert f"({len(e['months'])} month" in html
    crimes = sum(e["street_crimes"] for e in expected.values())
    asb = sum(e["anti_social_behaviour"] for e in expected.values())
    assert f'<dd class="beacon-stat__value">{crimes:,}</dd>' in html
    assert f'<dd class="beacon-stat__value">{asb:,}</dd>' in html
    assert f'<dd class="beacon-stat__value">{len(expected)}</dd>' in html
    # Geography and the last 10 of 12 import runs, newest first.
    assert 'id="areas-table"' in html
    assert f">{len(sample.postcodes):,}<" in html
    assert "IMD2019" in html
    newest = sorted(sample.runs, key=lambda r: r.started_at, reverse=True)
    for run in newest[:10]:
        assert run.source_name in html
    for run in newest[10:]:
        assert run.source_name not in html
    assert html.index(newest[0].source_name) < html.index(newest[1].source_name)
    assert "The last 10 of 12 imports" in html


def test_api_overview_json(user_client: TestClient, sample: Any) -> None:
    response = user_client.get("/api/overview")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    expected = _expected_forces(sample)
    assert body["is_empty"] is False
    assert {f["force"] for f in body["forces"]} == set(expected)
    sussex = next(f for f in body["forces"] if f["force"] == "Sussex Police")
    e = expected["Sussex Police"]
    assert sussex["first_month"] == min(e["months"]).isoformat()
    assert sussex["last_month"] == max(e["months"]).isoformat()
    assert sussex["months"] == len(e["months"])
    assert sussex["street_crimes"] == e["street_crimes"]
    assert sussex["anti_social_behaviour"] == e["anti_social_behaviour"]
    assert sussex["without_location"] == e["without_location"]
    assert body["police"]["rows"] == len(sample.street) + len(sample.outcomes) + len(
        sample.searches
    )
    assert body["postcodes"] == len(sample.postcodes)
    assert body["boundaries"] == len(sample.boundaries)
    assert body["import_runs"] == len(sample.runs)
    assert len(body["recent_imports"]) == 10
    started = [dt.datetime.fromisoformat(r["started_at"]) for r in body["recent_imports"]]
    assert started == sorted(started, reverse=True)
    assert all(s.tzinfo is not None for s in started)


def test_api_overview_on_an_empty_database(user_client: TestClient) -> None:
    body = user_client.get("/api/overview").json()
    assert body["is_empty"] is True
    assert body["forces"] == [] and body["recent_imports"] == []
    assert body["police"]["rows"] == 0
