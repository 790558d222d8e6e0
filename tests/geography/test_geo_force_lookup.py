"""District -> police force area lookup import."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from beacon.geography.models import Area
from beacon.geography.service import (
    ImportFileError,
    import_force_lookup,
    import_lookup,
    lsoa_hierarchy,
)

from .conftest import (
    DERBYSHIRE_DISTRICTS,
    DERBYSHIRE_FORCE,
    SHARED_DISTRICTS,
    SUSSEX_FORCE,
    write_csv,
)


def test_force_lookup_links_districts_to_forces(
    db: Session, shared_lookup: Path, force_lookup: Path, lookup_rows: list[dict[str, str]]
) -> None:
    import_lookup(db, shared_lookup)

    summary = import_force_lookup(db, force_lookup)

    assert summary.rows_read == 22 and summary.rejected == 0
    assert dict(summary.vintages) == {"district": "2021", "force": "2021"}
    assert summary.details["areas"]["force"] == {"inserted": 2, "updated": 0, "unchanged": 0}
    # The stored districts are 2019 ones: matched by code, given their force, not duplicated.
    assert summary.details["areas"]["district"] == {"inserted": 0, "updated": 22, "unchanged": 0}
    assert summary.details["districts_matched_in_other_vintage"] == 22
    assert summary.details["districts_without_force"] == 0
    assert summary.details["columns"]["csp"] == "CSP21CD"

    parent = aliased(Area)
    links = dict(
        db.execute(
            select(Area.code, parent.code)
            .join(parent, parent.id == Area.parent_id)
            .where(Area.level == "district")
        ).all()
    )
    for code in SHARED_DISTRICTS:
        expected = DERBYSHIRE_FORCE if code in DERBYSHIRE_DISTRICTS else SUSSEX_FORCE
        assert links[code] == expected[0]
    # Names of the stored districts are kept.
    assert (
        db.execute(select(Area.vintage).where(Area.level == "district")).scalars().all()
        == ["2019"] * 22
    )

    hierarchy = lsoa_hierarchy(db)
    derbyshire_lsoas = {r["LSOA11CD"] for r in lookup_rows if r["LAD19CD"] in DERBYSHIRE_DISTRICTS}
    for code, place in hierarchy.items():
        expected = DERBYSHIRE_FORCE if code in derbyshire_lsoas else SUSSEX_FORCE
        assert (place.force_code, place.force_name) == expected

    again = import_force_lookup(db, force_lookup)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 24)


def test_unknown_districts_are_created_and_orphans_reported(
    db: Session, tmp_path: Path, shared_lookup: Path
) -> None:
    import_lookup(db, shared_lookup)
    path = write_csv(
        tmp_path / "lad23_pfa23.csv",
        ["LAD23CD", "LAD23NM", "PFA23CD", "PFA23NM"],
        [
            ["E06000015", "Derby", "E23000018", "Derbyshire"],
            ["E06000018", "Nottingham", "E23000019", "Nottinghamshire"],
        ],
    )
    summary = import_force_lookup(db, path)
    assert summary.details["areas"]["district"] == {"inserted": 1, "updated": 1, "unchanged": 0}
    created = db.execute(
        select(Area.vintage, Area.name).where(Area.level == "district", Area.code == "E06000018")
    ).one()
    assert tuple(created) == ("2023", "Nottingham")
    assert summary.details["districts_without_force"] == 21
    assert "E07000032 (2019)" in summary.details["districts_without_force_sample"]


def test_bad_force_rows(db: Session, tmp_path: Path) -> None:
    path = tmp_path / "bad_force.csv"
    path.write_text(
        "\n".join(
            [
                "LAD21CD,LAD21NM,CSP21CD,CSP21NM,PFA21CD,PFA21NM",
                "E06000015,Derby,E22000001,Derby,E23000018,Derbyshire",
                "E06000015,Derby,E22000001,Derby,E23000018,Derbyshire",
                "E07000032,Amber Valley,E22000002,Amber Valley,E33000018,Derbyshire",
                "E07000033,Bolsover,,Bolsover,E23000018,Derbyshire",
                "E07000034,Chesterfield,E22000004,Chesterfield,E23000018,Derbyshire Police",
                "S12000033,Aberdeen City,E22000005,Aberdeen,E23000018,Derbyshire",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    summary = import_force_lookup(db, path)
    reasons = {e.line: e.reason for e in summary.errors}
    assert sorted(reasons) == [3, 4, 5, 6, 7]
    assert reasons[3] == "district E06000015 appears again (first on line 2)"
    assert "'E33000018' is not a valid police force area code" in reasons[4]
    assert reasons[5] == "CSP21CD is empty"
    assert "named 'Derbyshire Police' here but 'Derbyshire' on line 2" in reasons[6]
    assert "'S12000033' is not a valid district code" in reasons[7]
    assert summary.inserted == 2  # the force and Derby


def test_force_lookup_header_errors(db: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "lad_only.csv", ["LAD21CD", "LAD21NM", "CSP21CD"], [])
    with pytest.raises(ImportFileError) as caught:
        import_force_lookup(db, path)
    assert str(path) in str(caught.value)
    assert "missing column(s) PFAxxCD, PFAxxNM" in str(caught.value)
