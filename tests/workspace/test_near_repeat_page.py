"""The near-repeat page runs the Knox test on partner-feed points, on both databases."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from fastapi.testclient import TestClient

from beacon.app import create_app
from beacon.runtime import Runtime
from ingest.partner_files import ASB_HEADER, make_organisation, run_import, write_feed
from reference_data import SHARED_DATA
from web.conftest import sign_in

ADUR = "E07000223"
ADUR_LSOA = "E01031338"


def _load(runtime: Runtime, tmp_path: Path) -> None:
    from beacon.analytics.snapshot import refresh_snapshot
    from beacon.geography.importers import import_boundaries, import_lookup
    from beacon.ingest.police_import import import_police_files

    geography = SHARED_DATA / "geography"
    with runtime.sessions.begin() as session:
        import_lookup(session, geography / "lsoa11_ward19_lad19_lookup.csv")
    with runtime.sessions.begin() as session:
        import_boundaries(session, geography / "lsoa11" / f"{ADUR}.geojson", level="lsoa")
    import_police_files(runtime.engine, [SHARED_DATA / "police" / "2018-10-sussex-street.csv"])
    # 60 incidents in Shoreham: pairs a few metres and days apart, and a scattered rest.
    pick = random.Random(7)
    rows = []
    for i in range(60):
        day = dt.date(2018, 10, 1) + dt.timedelta(days=pick.randrange(0, 28))
        lat, lon = 50.832 + pick.uniform(-0.01, 0.01), -0.272 + pick.uniform(-0.01, 0.01)
        rows.append([f"ASB-{i}", day.isoformat(), "12:00", "Nuisance", "", f"{lat:.6f}",
                     f"{lon:.6f}", "", ADUR_LSOA])  # fmt: skip
        if i % 3 == 0:
            later = day + dt.timedelta(days=2)
            rows.append([f"ASB-{i}b", later.isoformat(), "13:00", "Nuisance", "",
                         f"{lat + 0.0001:.6f}", f"{lon:.6f}", "", ADUR_LSOA])  # fmt: skip
    feed = write_feed(tmp_path / "asb.csv", ASB_HEADER, rows)
    council = make_organisation(runtime, "Adur Council", "district_council")
    report = run_import(runtime, [feed], "asb", council, today=dt.date(2018, 12, 1))
    assert report.files[0].rejected == 0, report.files[0].errors
    refresh_snapshot(runtime.settings)


def test_near_repeat_page_shows_the_knox_table(runtime: Runtime, tmp_path: Path) -> None:
    _load(runtime, tmp_path)
    with TestClient(create_app(runtime=runtime), base_url="https://testserver") as client:
        sign_in(client, runtime)
        response = client.get(
            f"/workspace/near-repeat?area=lad:{ADUR}&source=partner&from=2018-10&to=2018-10"
        )
        assert response.status_code == 200, response.text[-3000:]
        html = response.text
        assert "Knox ratios" in html and 'data-chart="chart-knox"' in html
        assert "80 events" in html  # 60 + 20 repeats, every one located
        export = client.get(
            f"/workspace/near-repeat/export/knox.csv?area=lad:{ADUR}&source=partner"
            "&from=2018-10&to=2018-10"
        )
        assert export.status_code == 200
        lines = export.content.decode("utf-8-sig").splitlines()
        header = next(line for line in lines if line.startswith("Distance,"))
        assert "Knox ratio" in header
        # Street crime has no day: the page refuses it, naming the choice.
        refused = client.get(f"/workspace/near-repeat?area=lad:{ADUR}&source=crime")
        assert refused.status_code == 400 and "This page analyses partner feeds" in refused.text
