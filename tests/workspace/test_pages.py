"""The workspace pages answer with the analytics engine's figures, audited, on both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from beacon.runtime import Runtime

from .conftest import ADUR

PERIOD = "from=2018-10&to=2018-12"


def test_overview_shows_the_selected_district(analyst: TestClient) -> None:
    response = analyst.get(f"/?area=lad:{ADUR}&{PERIOD}")
    assert response.status_code == 200, response.text
    assert "Adur" in response.text
    assert 'data-map="map-hotspots"' in response.text
    assert 'data-chart="chart-trend"' in response.text


def test_each_measure_page_answers(analyst: TestClient) -> None:
    for measure in ("volume", "trends", "hotspots", "concentration", "deprivation", "repeats"):
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


def test_anonymous_and_roles_without_data_read_are_refused(
    workspace_runtime: Runtime,
) -> None:
    from beacon.app import create_app
    from web.conftest import sign_in

    app = create_app(runtime=workspace_runtime)
    paths = [
        f"/?area=lad:{ADUR}",
        f"/workspace/volume?area=lad:{ADUR}",
        "/workspace/profile/lsoa/E01031338",
        f"/workspace/volume/export/lsoas.csv?area=lad:{ADUR}",
        f"/workspace/areas.geojson?area=lad:{ADUR}",
    ]
    with TestClient(app, base_url="https://testserver") as anonymous:
        for path in paths:
            response = anonymous.get(path, follow_redirects=False)
            assert response.status_code in (303, 401), path
    for role in ("partner_contributor", "admin"):
        with TestClient(app, base_url="https://testserver") as client:
            sign_in(client, workspace_runtime, roles=(role,))
            for path in paths[1:]:
                assert client.get(path).status_code == 403, (role, path)
            # "/" sends whoever may not read the workspace to a page they may open.
            home = client.get(paths[0], follow_redirects=False)
            assert home.status_code == 303, role
            assert home.headers["location"] != "/" and "workspace" not in home.headers["location"]


def _audit_events(runtime: Runtime, event: str) -> list[dict[str, object]]:
    from sqlalchemy import select

    from beacon.audit.models import AuditEvent

    with runtime.sessions() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.id)
        ).all()
        return [{"details": r.details_json, "action": r.action} for r in rows]


def test_views_and_exports_are_audited(analyst: TestClient, workspace_runtime: Runtime) -> None:
    before = len(_audit_events(workspace_runtime, "workspace.viewed"))
    assert analyst.get(f"/workspace/hotspots?area=lad:{ADUR}&{PERIOD}").status_code == 200
    viewed = _audit_events(workspace_runtime, "workspace.viewed")
    assert len(viewed) == before + 1
    assert "hotspots" in str(viewed[-1]["details"]) and ADUR in str(viewed[-1]["details"])
    exported = len(_audit_events(workspace_runtime, "workspace.exported"))
    assert (
        analyst.get(f"/workspace/hotspots/export/hotspots.csv?area=lad:{ADUR}").status_code == 200
    )
    events = _audit_events(workspace_runtime, "workspace.exported")
    assert len(events) == exported + 1 and events[-1]["action"] == "disclosure"
    assert "hotspots.csv" in str(events[-1]["details"])


def test_bad_parameters_are_400_naming_the_field(analyst: TestClient) -> None:
    cases = {
        "area=nowhere": "Choose an area from the list",
        "area=lad:12345": "is not an ONS area code",
        "area=lad:E99999999": "unknown district code E99999999",
        f"area=lad:{ADUR}&from=2018-13&to=2018-12": "is not a month",
        f"area=lad:{ADUR}&from=2018-12&to=2018-10": "is after the last",
        f"area=lad:{ADUR}&from=2017-01&to=2018-12": "no street crime in the snapshot for 2017-01",
        f"area=lad:{ADUR}&from=2018-10": "Give both the first and the last month",
        f"area=lad:{ADUR}&source=sms": "This page analyses street crime",
        f"area=lad:{ADUR}&significance=maybe": "Judge significance by",
        f"area=lad:{ADUR}&from=99999999999999999999&to=2018-12": "is not a month",
    }
    for params, message in cases.items():
        response = analyst.get(f"/?{params}")
        assert response.status_code == 400, (params, response.status_code)
        assert message in response.text, (params, response.text[:2000])
        assert "govuk-error-summary" in response.text
    # The measure pages and exports say the same.
    response = analyst.get("/workspace/trends?area=lad:E99999999")
    assert response.status_code == 400 and "unknown district code" in response.text
    response = analyst.get("/workspace/trends/export/series.csv?area=lad:E99999999")
    assert response.status_code == 400 and "unknown district code" in response.text
    response = analyst.get(f"/workspace/trends?area=lad:{ADUR}&type=Nothing%20like%20this")
    assert response.status_code == 400 and "Nothing like this" in response.text


def test_unknown_pages_and_tables_are_404(analyst: TestClient) -> None:
    assert analyst.get("/workspace/nothing").status_code == 404
    assert analyst.get(f"/workspace/volume/export/nothing.csv?area=lad:{ADUR}").status_code == 404
    assert analyst.get(f"/workspace/volume/export/lsoas.pdf?area=lad:{ADUR}").status_code == 404
    assert analyst.get("/workspace/profile/district/E07000223").status_code == 400


def test_csv_and_xlsx_exports_hold_every_row_with_provenance(analyst: TestClient) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    page = analyst.get(f"/workspace/volume?area=lad:{ADUR}&{PERIOD}").text
    assert "Showing 25 of 42 rows" in page
    response = analyst.get(f"/workspace/volume/export/lsoas.csv?area=lad:{ADUR}&{PERIOD}")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    preamble = [line for line in lines if line.startswith("# ")]
    assert any("Adur" in line for line in preamble)
    assert any("2018-10 to 2018-12" in line for line in preamble)
    assert any(line.startswith("# Snapshot,") for line in preamble)
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[len(preamble) :]))))
    assert len(rows) == 42
    assert sum(int(r["Count"]) for r in rows) == 878  # Adur's street crime, Oct-Dec 2018
    response = analyst.get(f"/workspace/volume/export/lsoas.xlsx?area=lad:{ADUR}&{PERIOD}")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    counts = [row[header.index("Count")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(counts) == 42 and sum(counts) == 878
    assert all(isinstance(c, int | float) for c in counts)
    assert book["About"]["A1"].value == "Table"


def test_small_numbers_are_withheld_from_roles_without_the_permission(
    workspace_runtime: Runtime,
) -> None:
    from beacon.app import create_app
    from web.conftest import sign_in

    with TestClient(create_app(runtime=workspace_runtime), base_url="https://testserver") as client:
        sign_in(client, workspace_runtime, roles=("engagement_officer",))
        response = client.get(f"/workspace/volume/export/types.csv?area=lad:{ADUR}&{PERIOD}")
        assert response.status_code == 200
        text = response.content.decode("utf-8-sig")
        assert "fewer than 5" in text
        assert "counts of 1-4" in text
    # Analysts see the figures themselves.
    with TestClient(create_app(runtime=workspace_runtime), base_url="https://testserver") as client:
        sign_in(client, workspace_runtime)
        text = client.get(f"/workspace/volume/export/types.csv?area=lad:{ADUR}&{PERIOD}").text
        assert "fewer than 5" not in text


def test_geometry_holds_the_selected_lsoas(analyst: TestClient) -> None:
    response = analyst.get(f"/workspace/areas.geojson?area=lad:{ADUR}")
    assert response.headers["content-type"].startswith("application/geo+json")
    features = response.json()["features"]
    assert len(features) == 42
    assert {f["properties"]["code"][:3] for f in features} == {"E01"}


def test_hotspot_significance_by_normal_approximation_or_permutations(analyst: TestClient) -> None:
    import re

    counts = {}
    for significance in ("normal", "permutation"):
        html = analyst.get(
            f"/workspace/hotspots?area=lad:{ADUR}&{PERIOD}&significance={significance}"
        ).text
        caption = re.search(r"\(([^()]*), false discovery rate controlled\): (\d+) hot spot", html)
        assert caption, html[:3000]
        counts[significance] = int(caption.group(2))
        # The caption's count is the number of hot-spot rows in the table.
        assert html.count(">Hot spot, ") == counts[significance]
    assert "normal approximation" in html or "permutations" in html
