"""Fixtures of the geography tests: paths to the shared reference files and small extracts."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
NSPL_SAMPLE = HERE / "data" / "nspl_derby_sample.csv"

DERBY = "E06000015"
# The 22 districts the shared boundary files cover (data README).
SHARED_DISTRICTS = {
    "E06000015": "Derby",
    "E07000032": "Amber Valley",
    "E07000033": "Bolsover",
    "E07000034": "Chesterfield",
    "E07000035": "Derbyshire Dales",
    "E07000036": "Erewash",
    "E07000037": "High Peak",
    "E07000038": "North East Derbyshire",
    "E07000039": "South Derbyshire",
    "E06000043": "Brighton and Hove",
    "E07000061": "Eastbourne",
    "E07000062": "Hastings",
    "E07000063": "Lewes",
    "E07000064": "Rother",
    "E07000065": "Wealden",
    "E07000223": "Adur",
    "E07000224": "Arun",
    "E07000225": "Chichester",
    "E07000226": "Crawley",
    "E07000227": "Horsham",
    "E07000228": "Mid Sussex",
    "E07000229": "Worthing",
}
DERBYSHIRE_FORCE = ("E23000018", "Derbyshire")
SUSSEX_FORCE = ("E23000033", "Sussex")


@pytest.fixture(scope="session")
def geo_dir(shared_data: Path) -> Path:
    return shared_data / "geography"


@pytest.fixture(scope="session")
def lookup_csv(geo_dir: Path) -> Path:
    return geo_dir / "lsoa11_ward19_lad19_lookup.csv"


@pytest.fixture(scope="session")
def imd_csv(geo_dir: Path) -> Path:
    return geo_dir / "imd2019_england_lsoa.csv"


@pytest.fixture(scope="session")
def lookup_rows(lookup_csv: Path) -> list[dict[str, str]]:
    with open(lookup_csv, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def imd_rows(imd_csv: Path) -> dict[str, dict[str, str]]:
    with open(imd_csv, encoding="utf-8-sig", newline="") as handle:
        return {row["lsoa_code"]: row for row in csv.DictReader(handle)}


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def shared_lookup(tmp_path: Path, lookup_rows: list[dict[str, str]]) -> Path:
    """The lookup rows of the 22 districts the shared boundaries cover (same format)."""
    header = list(lookup_rows[0])
    rows = [
        [row[column] for column in header]
        for row in lookup_rows
        if row["LAD19CD"] in SHARED_DISTRICTS
    ]
    return write_csv(tmp_path / "lookup_shared_districts.csv", header, rows)


@pytest.fixture
def force_lookup(tmp_path: Path) -> Path:
    """An ONS-format LAD21 -> CSP21 -> PFA21 lookup for the 22 districts (CSP codes made up)."""
    header = ["LAD21CD", "LAD21NM", "CSP21CD", "CSP21NM", "PFA21CD", "PFA21NM", "FID"]
    rows = []
    for n, (code, name) in enumerate(sorted(SHARED_DISTRICTS.items()), start=1):
        force = DERBYSHIRE_FORCE if code in DERBYSHIRE_DISTRICTS else SUSSEX_FORCE
        rows.append([code, name, f"E22{n:06d}", name, force[0], force[1], n])
    return write_csv(tmp_path / "lad21_csp21_pfa21.csv", header, rows)


DERBYSHIRE_DISTRICTS = {code for code in SHARED_DISTRICTS if code <= "E07000039"}


@pytest.fixture(scope="session")
def feature_points(geo_dir: Path) -> Callable[[str, str], list[tuple[str, float, float]]]:
    """(code, lat, lon) of a point inside every feature of a shared GeoJSON file, computed
    with shapely independently of Beacon."""
    from shapely.geometry import shape

    cache: dict[tuple[str, str], list[tuple[str, float, float]]] = {}

    def points(folder: str, district: str) -> list[tuple[str, float, float]]:
        key = (folder, district)
        if key not in cache:
            with open(geo_dir / folder / f"{district}.geojson", encoding="utf-8") as handle:
                document = json.load(handle)
            result = []
            for feature in document["features"]:
                properties = feature["properties"]
                code = properties.get("LSOA11CD") or properties["WD25CD"]
                point = shape(feature["geometry"]).representative_point()
                result.append((code, point.y, point.x))
            cache[key] = result
        return cache[key]

    return points


@pytest.fixture
def derby_imd(tmp_path: Path, imd_csv: Path, lookup_rows: list[dict[str, str]]) -> Path:
    """The IMD file's rows for Derby's LSOAs only (same format), for tests that need some IMD."""
    derby = {row["LSOA11CD"] for row in lookup_rows if row["LAD19CD"] == DERBY}
    with open(imd_csv, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [row for row in reader if row[0] in derby]
    return write_csv(tmp_path / "imd_derby.csv", header, rows)
