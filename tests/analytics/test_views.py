"""The analytics JSON API: permission-checked from the deny side, audited, same figures as
the service, and a 422 naming the field for bad options."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from beacon.app import create_app
from beacon.audit.models import AuditEvent
from beacon.config import Settings
from beacon.runtime import Runtime, open_runtime
from web.conftest import sign_in

from .conftest import DERBY


@pytest.fixture
def api_runtime(snapshot_settings: Settings) -> Iterator[Runtime]:
    # Users and audit events are written to the shared database; analytics figures ignore them.
    runtime = open_runtime(snapshot_settings)
    try:
        yield runtime
    finally:
        runtime.close()


@pytest.fixture
def client(api_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=api_runtime), base_url="https://testserver") as c:
        yield c


def test_anonymous_and_roles_without_data_read_are_refused(
    client: TestClient, api_runtime: Runtime
) -> None:
    url = f"/api/analytics/counts?lad={DERBY}&month=2018-10"
    assert client.get(url).status_code == 401
    sign_in(client, api_runtime, roles=("partner_contributor",))
    assert client.get(url).status_code == 403
    assert client.get("/api/analytics/snapshots").status_code == 403


def test_counts_answer_with_the_snapshot_and_are_audited(
    client: TestClient, api_runtime: Runtime
) -> None:
    from beacon.analytics.selection import area_choice, period_choice
    from beacon.analytics.service import analysis, run_counts

    sign_in(client, api_runtime, roles=("analyst",))
    response = client.get(
        f"/api/analytics/counts?lad={DERBY}&from=2018-10&to=2018-12&by=lsoa,crime-type"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    with analysis(api_runtime.settings) as context:
        expected = run_counts(
            context,
            source="crime",
            choice=area_choice(lad=DERBY),
            asked=period_choice(start="2018-10", end="2018-12"),
            by="lsoa,crime-type",
        ).to_dict()
    assert body["rows"] == expected["rows"]
    assert body["snapshot"]["id"] == expected["snapshot"]["id"]
    assert body["method"]["rate_per"] == 1000
    with api_runtime.sessions() as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.event == "analytics.counts")
            .order_by(AuditEvent.seq.desc())
        ).first()
    assert event is not None
    assert event.record_id == body["snapshot"]["id"]
    snapshots = client.get("/api/analytics/snapshots").json()
    assert snapshots[-1]["id"] == body["snapshot"]["id"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("lad=E06999999&month=2018-10", "lad"),
        (f"lad={DERBY}&month=2019-01", "month"),
        (f"lad={DERBY}&month=2018-10&by=colour", "by"),
        (f"lad={DERBY}&month=20181", "month"),
        (f"lad={DERBY}&snapshot=missing", "snapshot"),
    ],
)
def test_bad_options_are_422_naming_the_field(
    client: TestClient, api_runtime: Runtime, query: str, field: str
) -> None:
    sign_in(client, api_runtime, roles=("analyst",))
    response = client.get(f"/api/analytics/counts?{query}")
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert field in str(detail)


def test_profiles_hide_small_numbers_from_roles_other_than_analyst(
    client: TestClient, api_runtime: Runtime
) -> None:
    url = "/api/analytics/profiles/lsoa/E01013453?from=2018-10&to=2018-12"
    sign_in(client, api_runtime, roles=("engagement_officer",))
    partner_view = client.get(url)
    assert partner_view.status_code == 200, partner_view.text
    types = partner_view.json()["crime_types"]
    small = [t for t in types if t["count"] == "fewer than 5"]
    assert small and all(t["rate"] is None and t["harm"] is None for t in small)
    assert not any(isinstance(t["count"], int) and 1 <= t["count"] <= 4 for t in types)

    with TestClient(create_app(runtime=api_runtime), base_url="https://testserver") as analyst:
        sign_in(analyst, api_runtime, roles=("analyst",))
        full = analyst.get(url).json()["crime_types"]
    assert {t["crime_type"] for t in full} == {t["crime_type"] for t in types}
    assert any(isinstance(t["count"], int) and 1 <= t["count"] <= 4 for t in full)


@pytest.mark.parametrize(
    "path",
    [
        f"/api/analytics/hotspots?lad={DERBY}&month=2018-10",
        f"/api/analytics/trends?lad={DERBY}&by=crime-type",
        f"/api/analytics/concentration?lad={DERBY}&month=2018-10",
    ],
)
def test_each_measure_answers_with_its_snapshot(
    client: TestClient, api_runtime: Runtime, path: str
) -> None:
    sign_in(client, api_runtime, roles=("analyst",))
    response = client.get(path)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["snapshot"]["id"] and body["rows"]
    assert client.get(path.replace("lad=", "lad=E0")).status_code == 422


def test_near_repeat_without_enough_events_is_422(client: TestClient, api_runtime: Runtime) -> None:
    sign_in(client, api_runtime, roles=("analyst",))
    response = client.get(
        f"/api/analytics/near-repeat?source=partner-feeds&lad={DERBY}&month=2018-10"
    )
    assert response.status_code == 422
    assert "Knox test needs at least" in response.text
