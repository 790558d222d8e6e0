"""Demo partner feeds: anti-social behaviour, deliberate fires and assault admissions.

No PyPI package ships SI 2007/1831 partner data, so Beacon writes plausible files itself
(``ingest.partner_samples``, seeded) for West Yorkshire LSOAs taken from the demo boundaries,
and imports them through the real importer, as a partnership's analyst would. The figures are
invented; the formats and validation are the real ones. Importing twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.audit.service import AuditActor
from beacon.auth import service as auth
from beacon.auth.models import Organisation, OrganisationType
from beacon.demo.accounts import DEMO_ORGANISATION
from beacon.geography.models import Area, AreaBoundary
from beacon.ingest.partner_import import import_partner_files
from beacon.ingest.partner_samples import write_sample_feeds

FIRE_SERVICE = "Demo fire and rescue service"
HOSPITAL_TRUST = "Demo hospital trust"
SEED = 20261124
AREAS = 300  # LSOAs with incidents (of West Yorkshire's 1,388)
# Leeds and Bradford outward codes for the admissions feed.
OUTWARD_CODES = tuple(f"LS{n}" for n in range(1, 30)) + tuple(f"BD{n}" for n in range(1, 24))
KINDS = (
    ("asb", DEMO_ORGANISATION, OrganisationType.POLICE_FORCE),
    ("deliberate-fires", FIRE_SERVICE, OrganisationType.FIRE_RESCUE),
    ("assault-admissions", HOSPITAL_TRUST, OrganisationType.HEALTH),
)


def _months(today: dt.date, count: int = 6) -> list[str]:
    """The ``count`` whole months before this one, oldest first."""
    year, month = today.year, today.month
    out = []
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append(f"{year:04d}-{month:02d}")
    return sorted(out)


def _areas(session: Session) -> list[tuple[str, float, float]]:
    rows = session.execute(
        select(Area.code, AreaBoundary.geometry_wkb)
        .join(AreaBoundary, AreaBoundary.area_id == Area.id)
        .where(Area.level == "lsoa")
        .order_by(Area.code)
    ).all()
    chosen = random.Random(SEED).sample(rows, min(AREAS, len(rows)))
    areas = []
    for code, wkb in sorted(chosen):
        point = shapely.from_wkb(wkb).representative_point()
        areas.append((code, round(point.y, 6), round(point.x, 6)))
    return areas


def _organisation(session: Session, name: str, kind: OrganisationType) -> Organisation:
    found = auth.get_organisation_by_name(session, name)
    if found is not None:
        return found
    return auth.create_organisation(
        session, name=name, org_type=kind, actor=AuditActor.system("demo")
    )


def load_demo_feeds(session: Session, *, today: dt.date | None = None) -> dict[str, Any]:
    """Write and import the three feeds; returns each kind's import summary."""
    areas = _areas(session)
    if not areas:
        return {}
    day = today or dt.date.today()
    sources = {kind: _organisation(session, name, org_kind) for kind, name, org_kind in KINDS}
    session.commit()
    summary: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        paths = write_sample_feeds(
            Path(folder),
            seed=SEED,
            months=_months(day),
            areas=areas,
            outward_codes=OUTWARD_CODES,
            scatter=0.002,
        )
        for kind, _, _ in KINDS:
            report = import_partner_files(
                session,
                [paths[kind]],
                kind=kind,
                source=sources[kind],
                actor=AuditActor.system("demo"),
                today=day,
            )
            totals = report.to_dict()
            summary[kind] = {
                key: totals[key]
                for key in ("rows_read", "imported", "duplicates", "rejected", "unlocated")
            }
    return summary
