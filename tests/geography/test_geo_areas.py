"""Programmatic area creation (upsert_areas) and the LSOA hierarchy's vintage rules."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beacon.geography.models import Area
from beacon.geography.service import AreaRow, GeographyError, lsoa_hierarchy, upsert_areas


def _demo_rows(district_name: str = "Derby") -> list[AreaRow]:
    # As a demo loader would build them: LSOA -> district -> force, no wards.
    return [
        AreaRow("lsoa", "E01013453", "2011", "Derby 013A", "district", "E06000015", "2019"),
        AreaRow("lsoa", "E01013454", "2011", "Derby 013B", "district", "E06000015"),
        AreaRow("district", "E06000015", "2019", district_name, "force", "E23000018", "2021"),
        AreaRow("force", "E23000018", "2021", "Derbyshire"),
    ]


def test_upsert_areas_builds_a_chain_without_wards(db: Session) -> None:
    counts = upsert_areas(db, _demo_rows(), source="demo")
    db.commit()
    assert (counts.inserted, counts.updated, counts.unchanged) == (4, 0, 0)
    assert counts.by_level["lsoa"] == {"inserted": 2, "updated": 0, "unchanged": 0}

    place = lsoa_hierarchy(db)["E01013454"]
    assert place.lsoa_name == "Derby 013B"
    assert (place.ward_code, place.ward_name, place.ward_vintage) == (None, None, None)
    assert (place.district_code, place.district_name) == ("E06000015", "Derby")
    assert (place.force_code, place.force_name) == ("E23000018", "Derbyshire")

    again = upsert_areas(db, _demo_rows())
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)

    renamed = upsert_areas(db, _demo_rows("Derby City"))
    assert (renamed.inserted, renamed.updated, renamed.unchanged) == (0, 1, 3)
    db.commit()
    assert lsoa_hierarchy(db)["E01013453"].district_name == "Derby City"
    assert db.execute(select(func.count()).select_from(Area)).scalar_one() == 4


def test_upsert_areas_refuses_bad_rows(db: Session) -> None:
    with pytest.raises(GeographyError, match="parent area not found: district E06000099"):
        upsert_areas(db, [AreaRow("lsoa", "E01000001", "2011", "x", "district", "E06000099")])
    with pytest.raises(GeographyError, match="unknown level 'county'"):
        upsert_areas(db, [AreaRow("county", "E10000007", "2019", "Derbyshire")])
    with pytest.raises(GeographyError, match="cannot be the parent of a district"):
        upsert_areas(db, [AreaRow("district", "E06000015", "2019", "Derby", "lsoa", "E01000001")])
    with pytest.raises(GeographyError, match="given twice"):
        upsert_areas(
            db,
            [
                AreaRow("force", "E23000018", "2021", "Derbyshire"),
                AreaRow("force", "E23000018", "2021", "Derbys"),
            ],
        )


def test_hierarchy_prefers_the_vintage_with_a_ward_then_the_newest(db: Session) -> None:
    upsert_areas(
        db,
        [
            AreaRow("district", "E06000015", "2019", "Derby"),
            AreaRow("ward", "E05001767", "2019", "Abbey", "district", "E06000015"),
            # Same LSOA code in 2011 (with a ward) and 2021 (without): the 2011 one wins.
            AreaRow("lsoa", "E01013453", "2011", "Derby 013A", "ward", "E05001767"),
            AreaRow("lsoa", "E01013453", "2021", "Derby 013A (2021)"),
            # Neither has a ward: the newest wins.
            AreaRow("lsoa", "E01013454", "2011", "Derby 013B", "district", "E06000015"),
            AreaRow("lsoa", "E01013454", "2021", "Derby 013B (2021)", "district", "E06000015"),
        ],
    )
    hierarchy = lsoa_hierarchy(db)
    assert hierarchy["E01013453"].lsoa_vintage == "2011"
    assert hierarchy["E01013453"].ward_name == "Abbey"
    assert hierarchy["E01013453"].district_name == "Derby"
    assert hierarchy["E01013454"].lsoa_name == "Derby 013B (2021)"
    assert hierarchy["E01013454"].ward_code is None
    assert hierarchy["E01013454"].district_code == "E06000015"
