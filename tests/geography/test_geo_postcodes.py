"""ONS Postcode Directory / NSPL import and postcode lookups."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.geography.models import Postcode
from beacon.geography.service import (
    ImportFileError,
    NotFoundError,
    NotLoadedError,
    PostcodeError,
    import_boundaries,
    import_force_lookup,
    import_imd,
    import_lookup,
    import_postcodes,
    locate,
    lookup_postcode,
)

from .conftest import DERBY, NSPL_SAMPLE, write_csv


def _sample_rows() -> list[dict[str, str]]:
    with open(NSPL_SAMPLE, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_nspl_sample_import(db: Session) -> None:
    rows = _sample_rows()
    summary = import_postcodes(db, NSPL_SAMPLE)

    assert summary.rows_read == len(rows) == 8
    assert (summary.inserted, summary.rejected) == (8, 0)
    assert summary.details["no_location"] == 1
    assert summary.details["terminated"] == 1
    assert summary.details["columns"]["lsoa"] == "lsoa11"
    assert summary.details["columns"]["ward"] == "ward"
    assert summary.details["columns"]["force"] == "pfa"
    assert dict(summary.vintages) == {"lsoa": "2011"}
    # No areas loaded: every code is reported as unmatched.
    assert summary.details["lsoa_codes_not_in_areas"] == 7

    stored = {p.postcode: p for p in db.execute(select(Postcode)).scalars()}
    assert set(stored) == {row["pcds"] for row in rows}
    first = stored["DE1 1AN"]
    assert (first.latitude, first.longitude) == (52.921656, -1.476346)
    assert (first.lsoa_code, first.ward_code, first.district_code, first.force_code) == (
        "E01013479",
        "E05001770",
        DERBY,
        "E23000018",
    )
    assert first.terminated is None
    assert stored["DE24 9AA"].terminated == "201406"
    no_location = stored["DE1 9ZZ"]
    assert (no_location.latitude, no_location.longitude) == (None, None)
    assert (no_location.lsoa_code, no_location.ward_code) == (None, None)  # E99999999
    assert no_location.district_code == DERBY

    again = import_postcodes(db, NSPL_SAMPLE)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 8)


def test_postcodes_in_small_batches(db: Session, tmp_path: Path) -> None:
    first = import_postcodes(db, NSPL_SAMPLE, batch_rows=3)
    assert (first.inserted, first.details["postcodes"]) == (8, 8)
    rows = _sample_rows()
    rows[4]["lat"] = "52.900000"
    changed = write_csv(tmp_path / "nspl_v2.csv", list(rows[0]), [list(r.values()) for r in rows])
    again = import_postcodes(db, changed, batch_rows=3)
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 7)
    assert db.get(Postcode, rows[4]["pcds"]).latitude == 52.9  # type: ignore[union-attr]


def test_postcode_lookup_agrees_with_locate(
    db: Session,
    geo_dir: Path,
    shared_lookup: Path,
    force_lookup: Path,
    derby_imd: Path,
    imd_rows: dict[str, dict[str, str]],
    lookup_rows: list[dict[str, str]],
) -> None:
    import_lookup(db, shared_lookup)
    import_force_lookup(db, force_lookup)
    import_boundaries(db, geo_dir / "lsoa11" / f"{DERBY}.geojson", level="lsoa")
    import_boundaries(db, geo_dir / "ward" / f"{DERBY}.geojson", level="ward")
    import_imd(db, derby_imd)
    summary = import_postcodes(db, NSPL_SAMPLE)
    assert summary.details["lsoa_codes_not_in_areas"] == 0
    assert summary.details["ward_codes_not_in_areas"] == 0
    wards19 = {row["LSOA11CD"]: (row["WD19CD"], row["WD19NM"]) for row in lookup_rows}

    for row in _sample_rows():
        if row["lat"].startswith("99.99"):
            continue
        result = lookup_postcode(db, row["pcds"].lower().replace(" ", ""))
        assert result.postcode == row["pcds"]
        located = locate(db, float(row["lat"]), float(row["long"]))
        assert located.lsoa is not None and result.lsoa is not None
        assert result.lsoa.code == located.lsoa.code == row["lsoa11"]
        assert result.ward is not None and result.directory_ward is not None
        assert (result.ward.code, result.ward.name) == wards19[row["lsoa11"]]
        assert result.directory_ward.code == row["ward"]
        assert result.boundary_ward is not None
        assert result.boundary_ward == located.boundary_ward
        assert result.boundary_ward.vintage == "2025"
        assert result.district is not None and result.district.name == "Derby"
        assert result.force is not None
        assert (result.force.code, result.force.name) == ("E23000018", "Derbyshire")
        assert result.deprivation is not None
        assert result.deprivation.rank == int(imd_rows[row["lsoa11"]]["IMD_rank"])
        assert result.deprivation.rank == int(row["imd"])  # NSPL carries the IMD rank too
        assert not [note for note in result.notes if "coordinates fall" in note]

    terminated = lookup_postcode(db, "DE24 9AA")
    assert terminated.terminated == "201406"
    assert any("terminated in 2014-06" in note for note in terminated.notes)

    nowhere = lookup_postcode(db, "DE1 9ZZ")
    assert (nowhere.latitude, nowhere.lsoa, nowhere.location) == (None, None, None)
    assert nowhere.district is not None and nowhere.district.code == DERBY
    assert any("has no location" in note for note in nowhere.notes)


def test_postcode_lookup_errors(db: Session) -> None:
    with pytest.raises(NotLoadedError, match="no postcodes loaded"):
        lookup_postcode(db, "DE1 1AN")
    import_postcodes(db, NSPL_SAMPLE)
    with pytest.raises(NotFoundError, match="postcode DE1 1AA is not in the loaded"):
        lookup_postcode(db, "de1 1aa")
    with pytest.raises(PostcodeError, match="the inward part must be a digit and two letters"):
        lookup_postcode(db, "DE1 1A")
    # Coordinates but no boundaries: the directory's codes, unnamed, and no location.
    result = lookup_postcode(db, "DE1 1AN")
    assert result.lsoa is not None and result.lsoa.name is None
    assert result.location is None
    assert any("not among the loaded areas" in note for note in result.notes)


def test_postcode_bad_rows(db: Session, tmp_path: Path) -> None:
    header = ["pcd", "pcds", "doterm", "lat", "long", "lsoa21", "oslaua", "osward", "pfa"]
    path = write_csv(
        tmp_path / "onspd_bad.csv",
        header,
        [
            [
                "DE1 1AN",
                "DE1 1AN",
                "",
                "52.921656",
                "-1.476346",
                "E01013479",
                DERBY,
                "E05001770",
                "",
            ],
            ["DE1 1A", "DE1 1A", "", "52.9", "-1.4", "E01013479", DERBY, "E05001770", ""],  # 3
            ["DE11AN", "DE11AN", "", "52.9", "-1.4", "E01013479", DERBY, "E05001770", ""],  # 4
            ["DE1 2AB", "DE1 2AB", "", "north", "-1.4", "E01013479", DERBY, "E05001770", ""],
            ["DE1 2AD", "DE1 2AD", "201913", "52.9", "-1.4", "E01013479", DERBY, "", ""],  # 6
            ["DE1 2AE", "DE1 2AE", "", "152.9", "-1.4", "E01013479", DERBY, "", ""],  # 7
            ["", "DE1 2AF", "", "", "", "", DERBY, "", ""],  # 8: no location, no LSOA: fine
        ],
    )
    summary = import_postcodes(db, path)
    reasons = {e.line: e.reason for e in summary.errors}
    assert reasons == {
        3: "'DE1 1A' is not a valid UK postcode: the inward part must be a digit and two letters",
        4: "postcode DE1 1AN appears again (first on line 2)",
        5: "lat/long 'north', '-1.4' are not numbers",
        6: "doterm '201913' is not a year and month (YYYYMM)",
        7: "lat/long 152.9, -1.4 are outside the valid range",
    }
    assert summary.details["columns"]["lsoa"] == "lsoa21"
    assert summary.details["columns"]["postcode"] == "pcds"
    assert dict(summary.vintages) == {"lsoa": "2021"}
    assert summary.inserted == 2
    assert db.get(Postcode, "DE1 2AF") is not None


def test_postcode_header_errors(db: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "postcodes.csv", ["pcds", "lat", "long", "lsoa11"], [])
    with pytest.raises(ImportFileError) as caught:
        import_postcodes(db, path)
    assert str(path) in str(caught.value)
    assert "missing column(s) osward or ward, oslaua or laua" in str(caught.value)
