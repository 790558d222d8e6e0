"""Figures: partner feed import throughput (anti-social behaviour incidents) into SQLite.

Loads the shared ONS lookup and the 22 shared LSOA boundary files into a new SQLite database,
writes a seeded sample ASB feed of about 100,000 rows placed at the representative points of
those 1,641 LSOAs (`beacon.ingest.partner_samples`), imports it with full validation and
geography (point in LSOA boundary, LSOA -> ward -> district), then imports it again (every row
a duplicate).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

SHARED_GEOGRAPHY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "geography"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rows", type=int, default=100_000, help="about this many ASB rows")
    args = parser.parse_args()
    if not SHARED_GEOGRAPHY.is_dir():
        sys.exit(f"shared geography data not found at {SHARED_GEOGRAPHY}")

    from shapely import from_wkb

    from beacon.audit.service import AuditActor
    from beacon.auth.models import Organisation
    from beacon.config import Settings
    from beacon.geography import service
    from beacon.geography.models import Area, AreaBoundary
    from beacon.ingest.partner_import import import_partner_files
    from beacon.ingest.partner_samples import write_sample_feeds
    from beacon.runtime import open_runtime

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        runtime = open_runtime(Settings(database_url=f"sqlite:///{folder}/partner.db"))
        with runtime.sessions() as session:
            service.import_lookup(session, SHARED_GEOGRAPHY / "lsoa11_ward19_lad19_lookup.csv")
            for path in sorted((SHARED_GEOGRAPHY / "lsoa11").glob("*.geojson")):
                service.import_boundaries(session, path, level="lsoa")
            areas = []
            for code, wkb in session.execute(
                AreaBoundary.__table__.select()
                .with_only_columns(Area.code, AreaBoundary.geometry_wkb)
                .join_from(AreaBoundary, Area, Area.id == AreaBoundary.area_id)
                .order_by(Area.code)
            ):
                point = from_wkb(bytes(wkb)).representative_point()
                areas.append((code, point.y, point.x))
            organisation = Organisation(name="Bench Police", org_type="police_force")
            session.add(organisation)
            session.commit()
            months = [f"2023-{m:02d}" for m in range(1, 13)]
            per_area_month = args.rows / (len(areas) * len(months) * 1.05)
            paths = write_sample_feeds(
                Path(folder) / "feeds",
                seed=20261124,
                months=months,
                areas=areas,
                outward_codes=["DE1"],
                asb_per_area_month=per_area_month,
                fires_per_area_month=0,
                scatter=0.0,
            )
            actor = AuditActor.system("bench")
            started = time.perf_counter()
            report = import_partner_files(
                session, [paths["asb"]], kind="asb", source=organisation, actor=actor
            ).to_dict()
            first = time.perf_counter() - started
            started = time.perf_counter()
            again = import_partner_files(
                session, [paths["asb"]], kind="asb", source=organisation, actor=actor
            ).to_dict()
            second = time.perf_counter() - started
        runtime.close()
    rows = report["rows_read"]
    assert report["imported"] == rows and report["rejected"] == 0
    assert again["duplicates"] == rows
    figures["asb_rows"] = rows
    figures["asb_unlocated"] = report["unlocated"]
    figures["asb_import_s"] = round(first, 2)
    figures["asb_import_rows_per_s"] = round(rows / first)
    figures["asb_reimport_rows_per_s"] = round(rows / second)
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:40} {value}")


if __name__ == "__main__":
    main()
