"""The geography domain's service API, used by the CLI, the web app and other domains.

Every function takes an SQLAlchemy ``Session``. Importers commit (one file, one transaction);
``upsert_areas`` only flushes; readers never write.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from beacon.geography._common import (
    GeographyError,
    ImportFileError,
    ImportSummary,
    NotFoundError,
    NotLoadedError,
    RowError,
)
from beacon.geography.areas import AreaCounts, AreaRow, LsoaPlace, lsoa_hierarchy, upsert_areas
from beacon.geography.importers import (
    IMD_DOMAINS,
    import_boundaries,
    import_force_lookup,
    import_imd,
    import_lookup,
    import_postcodes,
)
from beacon.geography.locate import (
    AreaInfo,
    DeprivationInfo,
    LocateResult,
    PostcodeResult,
    locate,
    locate_many,
    lookup_postcode,
)
from beacon.geography.models import Area, AreaBoundary, Deprivation, Postcode
from beacon.geography.postcodes import PostcodeError, normalise_postcode

__all__ = [
    "IMD_DOMAINS",
    "AreaCounts",
    "AreaInfo",
    "AreaRow",
    "DeprivationInfo",
    "GeographyError",
    "ImportFileError",
    "ImportSummary",
    "LocateResult",
    "LsoaPlace",
    "NotFoundError",
    "NotLoadedError",
    "PostcodeError",
    "PostcodeResult",
    "RowError",
    "geography_status",
    "import_boundaries",
    "import_force_lookup",
    "import_imd",
    "import_lookup",
    "import_postcodes",
    "locate",
    "locate_many",
    "lookup_postcode",
    "lsoa_hierarchy",
    "normalise_postcode",
    "upsert_areas",
]


def geography_status(session: Session) -> dict[str, Any]:
    """What geography data is loaded: areas per level and vintage, boundaries, IMD, postcodes."""
    areas: dict[str, dict[str, dict[str, int]]] = {}
    with_parent = func.sum(case((Area.parent_id.is_not(None), 1), else_=0))
    for level, vintage, count, parented in session.execute(
        select(Area.level, Area.vintage, func.count(), with_parent)
        .group_by(Area.level, Area.vintage)
        .order_by(Area.level, Area.vintage)
    ):
        areas.setdefault(level, {})[vintage] = {"areas": count, "with_parent": int(parented or 0)}
    boundaries: dict[str, dict[str, int]] = {}
    for level, vintage, count in session.execute(
        select(Area.level, Area.vintage, func.count())
        .join(AreaBoundary, AreaBoundary.area_id == Area.id)
        .group_by(Area.level, Area.vintage)
        .order_by(Area.level, Area.vintage)
    ):
        boundaries.setdefault(level, {})[vintage] = count
    deprivation = {
        edition: {"lsoas": lsoas, "records": records}
        for edition, lsoas, records in session.execute(
            select(
                Deprivation.edition,
                func.count(func.distinct(Deprivation.lsoa_code)),
                func.count(),
            ).group_by(Deprivation.edition)
        )
    }
    postcodes = session.execute(select(func.count()).select_from(Postcode)).scalar_one()
    return {
        "areas": areas,
        "boundaries": boundaries,
        "deprivation": deprivation,
        "postcodes": postcodes,
    }
