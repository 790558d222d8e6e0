"""ONS LSOA -> ward -> district lookup import."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from beacon.geography.models import Area
from beacon.geography.service import ImportFileError, import_lookup, lsoa_hierarchy

from .conftest import DERBY, write_csv

HEADER = ["FID", "LSOA11CD", "LSOA11NM", "WD19CD", "WD19NM", "LAD19CD", "LAD19NM"]


def _count(db: Session, level: str, vintage: str | None = None) -> int:
    query = select(func.count()).select_from(Area).where(Area.level == level)
    if vintage is not None:
        query = query.where(Area.vintage == vintage)
    return db.execute(query).scalar_one()


def test_full_lookup_import_matches_the_file(
    db: Session, lookup_csv: Path, lookup_rows: list[dict[str, str]]
) -> None:
    lsoas = {row["LSOA11CD"] for row in lookup_rows}
    wards = {row["WD19CD"] for row in lookup_rows}
    districts = {row["LAD19CD"] for row in lookup_rows}

    summary = import_lookup(db, lookup_csv)

    assert summary.rows_read == len(lookup_rows) == 34_753
    assert summary.rejected == 0 and summary.errors == ()
    assert summary.inserted == len(lsoas) + len(wards) + len(districts)
    assert (summary.updated, summary.unchanged) == (0, 0)
    assert dict(summary.vintages) == {"lsoa": "2011", "ward": "2019", "district": "2019"}
    assert summary.details["distinct"] == {
        "lsoa": len(lsoas),
        "ward": len(wards),
        "district": len(districts),
    }
    assert _count(db, "lsoa", "2011") == len(lsoas)
    assert _count(db, "ward", "2019") == len(wards)
    assert _count(db, "district", "2019") == len(districts)

    # Derby's LSOAs and wards, computed from the file, equal the stored children of Derby.
    derby_rows = [row for row in lookup_rows if row["LAD19CD"] == DERBY]
    ward = aliased(Area)
    district = aliased(Area)
    stored = db.execute(
        select(Area.code, Area.name, ward.code, ward.name)
        .join(ward, ward.id == Area.parent_id)
        .join(district, district.id == ward.parent_id)
        .where(district.code == DERBY, Area.level == "lsoa")
    ).all()
    assert sorted(stored) == sorted(
        (row["LSOA11CD"], row["LSOA11NM"], row["WD19CD"], row["WD19NM"]) for row in derby_rows
    )
    assert len(stored) == 151

    # The hierarchy other domains use agrees with the file for every LSOA.
    hierarchy = lsoa_hierarchy(db)
    assert len(hierarchy) == len(lsoas)
    for row in lookup_rows:
        place = hierarchy[row["LSOA11CD"]]
        assert (place.lsoa_name, place.ward_code, place.ward_name, place.ward_vintage) == (
            row["LSOA11NM"],
            row["WD19CD"],
            row["WD19NM"],
            "2019",
        )
        assert (place.district_code, place.district_name) == (row["LAD19CD"], row["LAD19NM"])
        assert place.force_code is None and place.force_name is None

    # Importing the same file again adds and changes nothing.
    again = import_lookup(db, lookup_csv)
    assert (again.inserted, again.updated, again.rejected) == (0, 0, 0)
    assert again.unchanged == summary.inserted
    assert _count(db, "lsoa") == len(lsoas)


def test_changed_names_and_parents_are_updated(
    db: Session, tmp_path: Path, shared_lookup: Path, lookup_rows: list[dict[str, str]]
) -> None:
    first = import_lookup(db, shared_lookup)
    derby = [[row[c] for c in HEADER] for row in lookup_rows if row["LAD19CD"] == DERBY]
    target_ward = derby[0][3]
    other_ward = next(row for row in derby if row[3] != target_ward)
    changed = []
    for row in derby:
        row = list(row)
        if row[3] == target_ward:
            row[4] = "Renamed Ward"
        changed.append(row)
    # Move one LSOA to another ward.
    moved = changed[-1]
    moved[3], moved[4] = other_ward[3], other_ward[4]
    if moved[3] == target_ward:
        pytest.skip("fixture assumption broken")
    path = write_csv(tmp_path / "derby_changed.csv", HEADER, changed)

    summary = import_lookup(db, path, source_name="derby-v2")

    assert summary.inserted == 0
    assert summary.details["areas"]["ward"]["updated"] == 1
    assert summary.details["areas"]["lsoa"]["updated"] == 1
    assert summary.details["areas"]["district"] == {"inserted": 0, "updated": 0, "unchanged": 1}
    assert summary.updated == 2
    assert summary.unchanged == len(changed) + 1 + len({r[3] for r in derby}) - 2
    renamed = db.execute(
        select(Area.name, Area.source).where(Area.level == "ward", Area.code == target_ward)
    ).one()
    assert tuple(renamed) == ("Renamed Ward", "derby-v2")
    place = lsoa_hierarchy(db)[moved[1]]
    assert place.ward_code == other_ward[3]
    assert first.inserted > 0


def test_vintage_is_read_from_the_column_names(db: Session, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "lsoa21_wd23_lad23.csv",
        ["lsoa21cd", "lsoa21nm", "WD23CD", "WD23NM", "LAD23CD", "LAD23NM", "ObjectId"],
        [["E01033000", "Derby 099Z", "E05012345", "Somewhere", "E06000015", "Derby", "1"]],
    )
    summary = import_lookup(db, path)
    assert dict(summary.vintages) == {"lsoa": "2021", "ward": "2023", "district": "2023"}
    assert summary.inserted == 3
    assert lsoa_hierarchy(db)["E01033000"].ward_vintage == "2023"


def test_bad_rows_are_reported_with_line_numbers(db: Session, tmp_path: Path) -> None:
    good = ["1", "E01013453", "Derby 013A", "E05001767", "Abbey", "E06000015", "Derby"]
    path = tmp_path / "broken.csv"
    lines = [
        ",".join(HEADER),
        ",".join(good),  # line 2
        "3,E0101345,Derby 013B,E05001767,Abbey,E06000015,Derby",  # line 3: short code
        "4,E01013455,Derby 013C,X05001767,Abbey,E06000015,Derby",  # line 4: bad ward code
        "5,E01013456,,E05001767,Abbey,E06000015,Derby",  # line 5: empty name
        "6,E01013457,Derby 013E,E05001767,Abbey",  # line 6: too few values
        ",".join(good),  # line 7: duplicate LSOA
        "",  # line 8: blank, skipped silently
        "9,E01013458,Derby 013F,E05001767,Abbey,E07000032,Amber Valley",  # ward moves district
        "10,E01013459,Derby 013G,E05001768,Allestree,E06000015,Derby City",  # district renamed
        "11,E01013460,Derby 013H,E05001768,Allestree,E06000015,Derby",  # line 11: fine
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    summary = import_lookup(db, path)

    errors = [(e.line, e.reason) for e in summary.errors]
    assert [line for line, _ in errors] == [3, 4, 5, 6, 7, 9, 10]
    reasons = dict(errors)
    assert "'E0101345' is not a valid LSOA code" in reasons[3]
    assert "'X05001767' is not a valid ward code" in reasons[4]
    assert reasons[5] == "LSOA11NM is empty"
    assert reasons[6] == "the row has 5 values, the header has 7"
    assert reasons[7] == "LSOA E01013453 appears again (first on line 2)"
    assert "ward E05001767 is 'Abbey' in E07000032 here but 'Abbey' in E06000015" in reasons[9]
    assert "district E06000015 is named 'Derby City' here but 'Derby'" in reasons[10]
    assert summary.rows_read == 9  # the blank line is not a row
    assert summary.rejected == 7
    assert summary.to_dict()["errors"][0] == {
        "file": str(path),
        "line": 3,
        "reason": reasons[3],
    }
    assert _count(db, "lsoa") == 2


def test_wrong_header_names_the_file_and_missing_columns(db: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "not_a_lookup.csv", ["LSOA11CD", "LSOA11NM", "WD19CD"], [])
    with pytest.raises(ImportFileError) as caught:
        import_lookup(db, path)
    message = str(caught.value)
    assert str(path) in message
    assert "missing column(s) WDxxNM, LADxxCD, LADxxNM" in message


def test_unreadable_and_empty_files(db: Session, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="no such file"):
        import_lookup(db, tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ImportFileError, match="the file is empty"):
        import_lookup(db, empty)
    with pytest.raises(ImportFileError, match="it is a directory"):
        import_lookup(db, tmp_path)


def test_a_file_error_midway_writes_nothing(db: Session, tmp_path: Path) -> None:
    path = tmp_path / "bad_bytes.csv"
    good = "1,E01013453,Derby 013A,E05001767,Abbey,E06000015,Derby\n"
    path.write_bytes(
        (",".join(HEADER) + "\n" + good * 1).encode() + b"2,E01013454,Derby \xff\xfe,x,y,z,w\n"
    )
    with pytest.raises(ImportFileError, match="not UTF-8"):
        import_lookup(db, path)
    assert _count(db, "lsoa") == 0


def test_several_year_columns_are_refused(db: Session, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "two_vintages.csv",
        ["LSOA11CD", "LSOA11NM", "LSOA21CD", "LSOA21NM", "WD19CD", "WD19NM", "LAD19CD", "LAD19NM"],
        [],
    )
    with pytest.raises(ImportFileError, match="several LSOAxxCD columns"):
        import_lookup(db, path)


def test_lsoa_in_several_districts_of_the_file_counts(
    db: Session, shared_lookup: Path, lookup_rows: list[dict[str, str]]
) -> None:
    summary = import_lookup(db, shared_lookup)
    per_district: dict[str, set[str]] = defaultdict(set)
    for row in lookup_rows:
        per_district[row["LAD19CD"]].add(row["LSOA11CD"])
    hierarchy = lsoa_hierarchy(db)
    counted: dict[str, int] = defaultdict(int)
    for place in hierarchy.values():
        counted[place.district_code or ""] += 1
    for district, count in counted.items():
        assert count == len(per_district[district])
    assert summary.rows_read == sum(counted.values())
