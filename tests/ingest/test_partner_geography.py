"""Partner feeds are placed with the real shared geography: Derby's LSOA boundaries, the ONS
lookup (LSOA -> ward 2019 -> district), a force lookup and the NSPL sample."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.geography.service import (
    import_boundaries,
    import_force_lookup,
    import_lookup,
    import_postcodes,
)
from beacon.ingest.partner_models import AssaultAdmission, PartnerIncident
from beacon.runtime import Runtime

from .partner_files import ADMISSIONS_HEADER, ASB_HEADER, make_organisation, run_import, write_feed

# Eight Derby postcodes in the NSPL layout (see tests/geography/data/README.md).
NSPL_SAMPLE = Path(__file__).parents[1] / "geography" / "data" / "nspl_derby_sample.csv"
DERBY = "E06000015"
DERBYSHIRE_FORCE = "E23000018"
SEA = ("50.600000", "-0.500000")  # English Channel: inside the UK box, outside every boundary


@pytest.fixture(scope="module")
def derby_points(shared_data: Path) -> list[tuple[str, float, float]]:
    """(LSOA code, lat, lon) of a point inside each Derby LSOA, computed with shapely."""
    path = shared_data / "geography" / "lsoa11" / f"{DERBY}.geojson"
    document = json.loads(path.read_text(encoding="utf-8"))
    points = []
    for feature in document["features"]:
        point = shape(feature["geometry"]).representative_point()
        points.append((feature["properties"]["LSOA11CD"], point.y, point.x))
    return sorted(points)


@pytest.fixture(scope="module")
def derby_wards(shared_data: Path) -> dict[str, str]:
    """LSOA -> 2019 ward of Derby, read from the shared ONS lookup."""
    path = shared_data / "geography" / "lsoa11_ward19_lad19_lookup.csv"
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return {r["LSOA11CD"]: r["WD19CD"] for r in csv.DictReader(handle) if r["LAD19CD"] == DERBY}


def _load_geography(session: Session, shared_data: Path, tmp_path: Path) -> None:
    geography = shared_data / "geography"
    lookup = geography / "lsoa11_ward19_lad19_lookup.csv"
    with open(lookup, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [row for row in reader if DERBY in row]
    derby_lookup = tmp_path / "derby_lookup.csv"
    with open(derby_lookup, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    import_lookup(session, derby_lookup)
    forces = tmp_path / "forces.csv"
    forces.write_text(
        f"LAD21CD,LAD21NM,PFA21CD,PFA21NM\n{DERBY},Derby,{DERBYSHIRE_FORCE},Derbyshire\n"
    )
    import_force_lookup(session, forces)
    import_boundaries(session, geography / "lsoa11" / f"{DERBY}.geojson", level="lsoa")


@pytest.fixture
def source(runtime: Runtime) -> int:
    return make_organisation(runtime, "Derbyshire Constabulary")


def _incidents(runtime: Runtime) -> dict[str, PartnerIncident]:
    with runtime.sessions() as session:
        rows = session.scalars(select(PartnerIncident)).all()
        session.expunge_all()
    return {row.partner_reference: row for row in rows}


def test_incidents_get_lsoa_ward_district_and_force(
    runtime: Runtime,
    source: int,
    shared_data: Path,
    tmp_path: Path,
    derby_points: list[tuple[str, float, float]],
    derby_wards: dict[str, str],
) -> None:
    with runtime.sessions() as session:
        _load_geography(session, shared_data, tmp_path)
        import_postcodes(session, NSPL_SAMPLE)
    sample = derby_points[::10]  # 16 of Derby's 151 LSOAs
    rows = [
        [f"P{n}", "2024-06-01", "", "nuisance", "", f"{lat:.7f}", f"{lon:.7f}", "", ""]
        for n, (_code, lat, lon) in enumerate(sample)
    ]
    rows += [
        ["BY-POSTCODE", "2024-06-02", "", "personal", "", *SEA, "DE22 1BE", ""],
        ["BY-LSOA", "2024-06-02", "", "personal", "", *SEA, "", "E01013479"],
        ["NOWHERE", "2024-06-02", "", "personal", "", *SEA, "", ""],
        ["UNKNOWN-POSTCODE", "2024-06-02", "", "personal", "", "", "", "BN2 1AA", ""],
        ["NO-GRID", "2024-06-02", "", "personal", "", "", "", "DE1 9ZZ", ""],
    ]
    path = write_feed(tmp_path / "asb.csv", ASB_HEADER, rows)
    report = run_import(runtime, [path], "asb", source).to_dict()
    assert (report["imported"], report["rejected"]) == (len(rows), 0)
    assert report["unlocated"] == 3  # NOWHERE, UNKNOWN-POSTCODE, NO-GRID (no LSOA)

    stored = _incidents(runtime)
    for n, (code, _lat, _lon) in enumerate(sample):
        row = stored[f"P{n}"]
        assert (row.lsoa_code, row.ward_code, row.district_code, row.force_code) == (
            code,
            derby_wards[code],
            DERBY,
            DERBYSHIRE_FORCE,
        )
        assert row.located_by == "coordinates"
    by_postcode = stored["BY-POSTCODE"]
    assert (by_postcode.lsoa_code, by_postcode.ward_code, by_postcode.located_by) == (
        "E01013453",  # the directory's LSOA for DE22 1BE
        derby_wards["E01013453"],
        "postcode",
    )
    assert (by_postcode.district_code, by_postcode.force_code) == (DERBY, DERBYSHIRE_FORCE)
    by_lsoa = stored["BY-LSOA"]
    assert (by_lsoa.lsoa_code, by_lsoa.ward_code, by_lsoa.located_by) == (
        "E01013479",
        derby_wards["E01013479"],
        "lsoa_code",
    )
    for name in ("NOWHERE", "UNKNOWN-POSTCODE"):
        row = stored[name]
        assert (row.lsoa_code, row.ward_code, row.district_code, row.force_code) == (None,) * 4
        assert row.located_by is None
    no_grid = stored["NO-GRID"]  # a large-user postcode: the directory has its district only
    assert (no_grid.lsoa_code, no_grid.district_code, no_grid.force_code) == (
        None,
        DERBY,
        DERBYSHIRE_FORCE,
    )


def test_admissions_get_the_predominant_district(
    runtime: Runtime, source: int, shared_data: Path, tmp_path: Path
) -> None:
    with runtime.sessions() as session:
        _load_geography(session, shared_data, tmp_path)
        import_postcodes(session, NSPL_SAMPLE)
    rows = [["2024-01", "", "", outward, "", "", "3"] for outward in ("DE1", "DE22", "DE24", "BN2")]
    path = write_feed(tmp_path / "admissions.csv", ADMISSIONS_HEADER, rows)
    report = run_import(runtime, [path], "assault-admissions", source).to_dict()
    assert (report["imported"], report["unlocated"]) == (4, 1)
    with runtime.sessions() as session:
        placed = {
            r.outward_postcode: (r.district_code, r.force_code)
            for r in session.scalars(select(AssaultAdmission))
        }
    assert placed == {
        "DE1": (DERBY, DERBYSHIRE_FORCE),
        "DE22": (DERBY, DERBYSHIRE_FORCE),
        "DE24": (DERBY, DERBYSHIRE_FORCE),
        "BN2": (None, None),
    }


def test_records_imported_before_the_geography_are_placed_on_reimport(
    runtime: Runtime,
    source: int,
    shared_data: Path,
    tmp_path: Path,
    derby_points: list[tuple[str, float, float]],
) -> None:
    rows = [
        [f"P{n}", "2024-06-01", "", "nuisance", "", f"{lat:.7f}", f"{lon:.7f}", "", ""]
        for n, (_code, lat, lon) in enumerate(derby_points[:25])
    ]
    path = write_feed(tmp_path / "asb.csv", ASB_HEADER, rows)
    first = run_import(runtime, [path], "asb", source).to_dict()
    assert (first["imported"], first["unlocated"]) == (25, 25)
    with runtime.sessions() as session:
        _load_geography(session, shared_data, tmp_path)
    second = run_import(runtime, [path], "asb", source).to_dict()
    assert (second["imported"], second["duplicates"], second["relocated"]) == (0, 25, 25)
    assert second["unlocated"] == 0
    stored = _incidents(runtime)
    assert {stored[f"P{n}"].lsoa_code for n in range(25)} == {c for c, _, _ in derby_points[:25]}
    third = run_import(runtime, [path], "asb", source).to_dict()
    assert (third["duplicates"], third["relocated"], third["unlocated"]) == (25, 0, 0)
