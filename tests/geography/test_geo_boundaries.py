"""Boundary import (GeoJSON) and locate()."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.geography.models import Area, AreaBoundary
from beacon.geography.service import (
    GeographyError,
    ImportFileError,
    NotFoundError,
    NotLoadedError,
    import_boundaries,
    import_imd,
    import_lookup,
    locate,
    locate_many,
)

from .conftest import DERBY

Points = Callable[[str, str], list[tuple[str, float, float]]]

SEA = (50.60, -0.50)  # English Channel, south of Worthing


def _feature(code: str, coordinates: Any, kind: str = "Polygon", **extra: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"LSOA11CD": code, "LSOA11NM": f"Area {code}", **extra},
        "geometry": {"type": kind, "coordinates": coordinates},
    }


def _square(lon: float, lat: float, size: float = 0.01) -> list[list[list[float]]]:
    return [
        [
            [lon, lat],
            [lon + size, lat],
            [lon + size, lat + size],
            [lon, lat + size],
            [lon, lat],
        ]
    ]


def _write(path: Path, features: list[dict[str, Any]], **extra: Any) -> Path:
    path.write_text(
        json.dumps({"type": "FeatureCollection", **extra, "features": features}),
        encoding="utf-8",
    )
    return path


def test_lsoa_boundaries_locate_every_derby_lsoa(
    db: Session, geo_dir: Path, shared_lookup: Path, feature_points: Points
) -> None:
    import_lookup(db, shared_lookup)
    path = geo_dir / "lsoa11" / f"{DERBY}.geojson"
    points = feature_points("lsoa11", DERBY)

    summary = import_boundaries(db, path, level="lsoa")

    assert summary.rows_read == len(points) == 151
    assert (summary.inserted, summary.updated, summary.rejected) == (151, 0, 0)
    assert dict(summary.vintages) == {"lsoa": "2011"}
    assert summary.details["areas_created"] == 0  # all 151 were in the lookup
    for code, lat, lon in points:
        result = locate(db, lat, lon)
        assert result.lsoa is not None and result.lsoa.code == code
        assert result.lsoa.vintage == "2011"
        assert result.district is not None and result.district.code == DERBY
        assert result.ward is not None and result.ward.vintage == "2019"
        assert result.boundary_ward is None  # no ward boundaries loaded

    assert locate_many(db, [(lat, lon) for _, lat, lon in points]) == [c for c, _, _ in points]
    assert locate_many(db, [SEA], level="lsoa") == [None]

    again = import_boundaries(db, path, level="lsoa")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 151)


def test_points_outside_every_boundary(db: Session, geo_dir: Path) -> None:
    with pytest.raises(NotLoadedError, match="no boundaries loaded: run `beacon import bound"):
        locate(db, 52.92, -1.476)
    import_boundaries(db, geo_dir / "lsoa11" / f"{DERBY}.geojson", level="lsoa")
    with pytest.raises(NotFoundError, match=r"no loaded boundary contains latitude 50\.600000"):
        locate(db, *SEA)
    with pytest.raises(NotFoundError):
        locate(db, 53.2, -1.6)  # Derbyshire Dales: not loaded here
    with pytest.raises(GeographyError, match=r"latitude 91\.0 is outside"):
        locate(db, 91.0, 0.0)


def test_ward_2025_boundaries(
    db: Session, geo_dir: Path, shared_lookup: Path, feature_points: Points
) -> None:
    import_lookup(db, shared_lookup)
    import_boundaries(db, geo_dir / "lsoa11" / f"{DERBY}.geojson", level="lsoa")
    with open(geo_dir / "ward" / f"{DERBY}.geojson", encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    names = {f["properties"]["WD25CD"]: f["properties"]["WD25NM"] for f in features}

    summary = import_boundaries(db, geo_dir / "ward" / f"{DERBY}.geojson", level="ward")

    assert (summary.inserted, summary.rejected) == (18, 0)
    assert dict(summary.vintages) == {"ward": "2025", "district": "2025"}
    # 2025 wards are not in the 2019 lookup: created, under the stored district Derby.
    assert summary.details["areas_created"] == 18
    assert summary.details["districts_created"] == 0
    wards = db.execute(
        select(Area.code, Area.name, Area.parent_id).where(
            Area.level == "ward", Area.vintage == "2025"
        )
    ).all()
    derby_id = db.execute(
        select(Area.id).where(Area.level == "district", Area.code == DERBY)
    ).scalar_one()
    assert {(code, name) for code, name, _ in wards} == set(names.items())
    assert {parent for _, _, parent in wards} == {derby_id}

    for code, lat, lon in feature_points("ward", DERBY):
        result = locate(db, lat, lon)
        assert result.boundary_ward is not None
        assert (result.boundary_ward.code, result.boundary_ward.vintage) == (code, "2025")
        assert result.boundary_ward.name == names[code]
        assert result.lsoa is not None and result.ward is not None  # LSOA and its 2019 ward
        assert result.district is not None and result.district.code == DERBY
    assert locate_many(
        db, [(lat, lon) for _, lat, lon in feature_points("ward", DERBY)], level="ward"
    ) == [code for code, _, _ in feature_points("ward", DERBY)]


def test_ward_boundaries_alone_create_their_district(db: Session, geo_dir: Path) -> None:
    summary = import_boundaries(db, geo_dir / "ward" / "E07000061.geojson", level="ward")
    assert summary.details["districts_created"] == 1
    district = db.execute(
        select(Area.code, Area.name, Area.vintage).where(Area.level == "district")
    ).one()
    assert tuple(district) == ("E07000061", "Eastbourne", "2025")


def test_locate_with_deprivation(
    db: Session,
    geo_dir: Path,
    derby_imd: Path,
    imd_rows: dict[str, dict[str, str]],
    feature_points: Points,
) -> None:
    import_boundaries(db, geo_dir / "lsoa11" / f"{DERBY}.geojson", level="lsoa")
    assert import_imd(db, derby_imd).details["lsoas"] == 151
    for code, lat, lon in feature_points("lsoa11", DERBY)[:10]:
        result = locate(db, lat, lon)
        assert result.deprivation is not None
        row = imd_rows[code]
        assert (result.deprivation.rank, result.deprivation.decile) == (
            int(row["IMD_rank"]),
            int(row["IMD_decile"]),
        )
        assert result.deprivation.domains["Crime"] == (
            int(row["Crime_rank"]),
            int(row["Crime_decile"]),
        )
        # No lookup loaded: the LSOA was created from its boundary, without parents.
        assert result.lsoa is not None and result.lsoa.name
        assert result.ward is None and result.district is None


def test_reimported_boundaries_replace_the_cached_index(db: Session, tmp_path: Path) -> None:
    first = _write(tmp_path / "v1.geojson", [_feature("E01000001", _square(-1.50, 52.90))])
    import_boundaries(db, first, level="lsoa")
    assert locate(db, 52.905, -1.495).lsoa.code == "E01000001"  # type: ignore[union-attr]

    moved = _write(tmp_path / "v2.geojson", [_feature("E01000001", _square(-1.40, 52.90))])
    summary = import_boundaries(db, moved, level="lsoa")
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, 0)
    with pytest.raises(NotFoundError):
        locate(db, 52.905, -1.495)
    assert locate(db, 52.905, -1.395).lsoa.code == "E01000001"  # type: ignore[union-attr]


def test_bad_features_are_reported_with_their_index(db: Session, tmp_path: Path) -> None:
    bowtie = [[[-1.0, 52.0], [-0.99, 52.01], [-0.99, 52.0], [-1.0, 52.01], [-1.0, 52.0]]]
    features = [
        _feature("E01000001", _square(-1.5, 52.9)),  # 0: fine
        _feature("E01000002", [-1.5, 52.9], kind="Point"),  # 1
        _feature("E01000003", _square(433917, 335978, 100)),  # 2: British National Grid
        _feature("E0100000X", _square(-1.4, 52.9)),  # 3: bad code
        _feature("E01000001", _square(-1.3, 52.9)),  # 4: duplicate
        _feature("E01000006", bowtie),  # 5: self-intersecting, repaired
        {"type": "Feature", "properties": {"FID": 7}, "geometry": None},  # 6: no code
        _feature("E01000008", [[[-1.2, 52.9], [-1.1]]]),  # 7: malformed
    ]
    path = _write(tmp_path / "broken.geojson", features)

    summary = import_boundaries(db, path, level="lsoa")

    reasons = {e.feature: e.reason for e in summary.errors}
    assert sorted(reasons) == [1, 2, 3, 4, 6, 7]
    assert reasons[1] == "geometry type is 'Point'; expected Polygon or MultiPolygon"
    assert "out of longitude/latitude range" in reasons[2] and "British National Grid" in reasons[2]
    assert "'E0100000X' is not a valid LSOA code" in reasons[3]
    assert reasons[4] == "E01000001 appears again (first as feature 0)"
    assert reasons[6] == "the feature has no LSOAxxCD property"
    assert reasons[7].startswith("malformed Polygon coordinates")
    assert summary.to_dict()["errors"][0] == {
        "file": str(path),
        "feature": 1,
        "reason": reasons[1],
    }
    assert (summary.rows_read, summary.inserted, summary.rejected) == (8, 2, 6)
    assert summary.details["repaired"] == 1
    assert db.execute(select(func.count()).select_from(AreaBoundary)).scalar_one() == 2
    assert locate(db, 52.005, -0.999).lsoa.code == "E01000006"  # type: ignore[union-attr]


def test_boundary_file_errors(db: Session, tmp_path: Path, geo_dir: Path) -> None:
    not_json = tmp_path / "not.geojson"
    not_json.write_text("{ nope", encoding="utf-8")
    with pytest.raises(ImportFileError, match="is not valid JSON"):
        import_boundaries(db, not_json, level="lsoa")
    not_fc = tmp_path / "feature.geojson"
    not_fc.write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(ImportFileError, match="not a GeoJSON FeatureCollection"):
        import_boundaries(db, not_fc, level="lsoa")
    with pytest.raises(ImportFileError) as caught:
        import_boundaries(db, geo_dir / "ward" / f"{DERBY}.geojson", level="lsoa")
    assert "no feature has a LSOAxxCD property" in str(caught.value)
    assert "WD25CD" in str(caught.value)
    bng = _write(
        tmp_path / "bng.geojson",
        [_feature("E01000001", _square(433917, 335978, 100))],
        crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
    )
    with pytest.raises(ImportFileError, match="British National Grid"):
        import_boundaries(db, bng, level="lsoa")
    with pytest.raises(GeographyError, match="lsoa or ward, not 'district'"):
        import_boundaries(db, bng, level="district")
    assert db.execute(select(func.count()).select_from(Area)).scalar_one() == 0
